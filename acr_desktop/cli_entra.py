"""Microsoft Entra ID for the headless commands: `inspect --entra` (an existing Azure CLI / Azure
Developer CLI login or the environment's identity), `--entra-interactive` (a browser, or a device
code on stderr), and Entra as the credential chain's last link after the Docker config (only for
ACR registries, only when the Azure extra is installed and a source needs no person).

Nothing here imports azure-identity: registry/entra.py does, when a token is actually wanted.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from acr_desktop.text import write_line

if TYPE_CHECKING:
    from acr_desktop.registry.auth import Credentials
    from acr_desktop.registry.docker_credentials import CredentialLookup
    from acr_desktop.registry.transport import Transport

INTERACTIVE_SECONDS = 300.0  # a browser or device-code sign-in: longer than an inspect's timeout
Lookup = Callable[[str], "CredentialLookup"]


def add_entra_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Microsoft Entra ID (pip install 'acr-desktop[azure]')")
    group.add_argument(
        "--entra",
        action="store_true",
        help="sign in with Microsoft Entra ID from an existing Azure CLI (az login) or Azure "
        "Developer CLI login, or the environment's service principal, workload or managed "
        "identity; never opens a browser",
    )
    group.add_argument(
        "--entra-interactive",
        action="store_true",
        help="sign in with Microsoft Entra ID in a browser (where none can open, a device code "
        "is shown on stderr)",
    )


def wanted(opts: argparse.Namespace) -> bool:
    return bool(getattr(opts, "entra", False) or getattr(opts, "entra_interactive", False))


def entra_usage(opts: argparse.Namespace) -> int | None:
    """The exit code (said on stderr) when the Entra flags cannot be used as given: 2 for a
    usage error, 4 without the Azure extra; None when fine."""
    problem = _flags_problem(opts)
    if problem is None:
        return None
    _say(f"acr-desktop: {problem[1]}")
    return problem[0]


def _flags_problem(opts: argparse.Namespace) -> tuple[int, str] | None:
    if not wanted(opts):
        return None  # registry/entra.py (and the subprocess module) not imported for nothing
    from acr_desktop.registry.entra import EXTRA_HINT, azure_identity_available

    if opts.entra and opts.entra_interactive:
        return 2, "--entra and --entra-interactive cannot be used together"
    if opts.username:
        return 2, "--entra and --entra-interactive cannot be used with --username"
    if not azure_identity_available():
        return 4, f"Microsoft Entra ID sign-in needs the Azure extra: {EXTRA_HINT}"
    return None


def entra_credentials(opts: argparse.Namespace) -> Credentials:
    """The Entra credentials the flags ask for (nothing is asked of any source yet)."""
    from acr_desktop.registry.auth import Credentials
    from acr_desktop.registry.entra import EntraLogin

    if opts.entra_interactive:
        login = EntraLogin(interactive=True, device_code=lambda m: _say(f"acr-desktop: {m}"))
    else:
        login = EntraLogin()
    return Credentials.of_entra(login)


def sign_in_first(creds: Credentials | None) -> None:
    """`--entra-interactive`: the browser (or device code) sign-in before the inspect, with its
    own time (a person is typing), so the inspect's --timeout is not spent on it."""
    login = creds.entra if creds is not None else None
    if login is None:
        return
    from acr_desktop.registry.entra import EntraLogin
    from acr_desktop.registry.operation import operation

    if isinstance(login, EntraLogin) and login.interactive:
        with operation(timeout=INTERACTIVE_SECONDS):
            login.entra_token()
        _say(f"note: signed in to Azure as {login.describe()}")


def chain(lookup: Lookup) -> Lookup:
    """The Docker config first; then, for an ACR registry, Microsoft Entra ID when the extra is
    installed and a source that needs no person has a token."""

    def fallback(registry: str) -> CredentialLookup:
        found = lookup(registry)
        if found.found is not None or not _entra_may_be_tried(registry):
            return found
        from acr_desktop.registry.docker_credentials import CredentialLookup, FoundCredentials

        entra = _entra_found()
        if entra is None:
            return found
        return CredentialLookup(FoundCredentials(entra, entra.who), found.problems)

    return fallback


def _entra_may_be_tried(registry: str) -> bool:
    """Only ACR registries: an Entra token offered to any registry that asks for sign-in would
    run `az` for Docker Hub's anonymous pulls (and an Entra token is no use elsewhere)."""
    from acr_desktop.registry.acr import is_acr_host
    from acr_desktop.registry.entra import azure_identity_available

    return is_acr_host(registry) and azure_identity_available()


def _entra_found() -> Credentials | None:
    from acr_desktop.registry.auth import Credentials
    from acr_desktop.registry.entra import EntraLogin, EntraUnavailable

    login = EntraLogin()
    try:
        login.entra_token()
    except EntraUnavailable:
        return None
    return Credentials.of_entra(login)


def report_entra(transport: Transport, registry: str) -> None:
    """Say which Entra source signed in (given with --entra; the chain's are said as found)."""
    creds = transport.credentials(registry)
    login = creds.entra if creds is not None else None
    if login is None:
        return
    from acr_desktop.registry.entra import EntraLogin

    if isinstance(login, EntraLogin) and login.source is not None and not login.interactive:
        _say(f"note: signed in with {login.describe()}")


def _say(line: str) -> None:
    import sys

    write_line(sys.stderr, line)
