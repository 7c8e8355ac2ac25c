"""`acr-desktop`: the window by default; `acr-desktop inspect REF` is headless (no Qt import).

Credentials for `inspect`, first found wins: `--username U --password-stdin`; `--username U`
alone, the secret saved by the app in the keyring; without `--username`, the Docker / Podman
config (credential helpers included), asked only if the registry wants credentials; else anonymous.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, TextIO

from acr_desktop import __version__

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.manifest import Platform
    from acr_desktop.registry.reference import Reference
    from acr_desktop.registry.transport import Transport
    from acr_desktop.sizes import IndexSizes

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_VERIFY = 5
EXIT_CANCELLED = 130
MAX_TIMEOUT = 24 * 3600.0  # seconds: `--timeout inf` would be no deadline at all


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["inspect"]:
        return inspect_main(args[1:])
    if args[:1] in (["files"], ["cat"]):  # the files inside an image's layers
        from acr_desktop.cli_files import files_main

        return files_main(args, _transport, _failed, _report_found)
    if args[:1] == ["compare"]:  # two references compared (exit 0 the same, 1 they differ)
        from acr_desktop.cli_compare import compare_main

        return compare_main(args[1:], _transport, _failed, _report_found)
    if args[:1] in (["referrers"], ["sbom"]):  # signatures, SBOMs, provenance (cli_supply.py)
        from acr_desktop.cli_supply import supply_main

        return supply_main(args, _transport, _failed, _report_found)
    parser = argparse.ArgumentParser(
        prog="acr-desktop",
        description="Look inside container images in OCI / Docker registries. Headless: "
        "`inspect`, `files`, `cat`, `compare`, `referrers` (signatures, SBOMs, provenance) and "
        "`sbom` (packages); `acr-desktop COMMAND --help` for each.",
    )
    parser.add_argument("--version", action="version", version=f"acr-desktop {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that everything the app needs is installed (one line per check) and exit",
    )
    parser.add_argument("reference", nargs="?", help="a reference to inspect at once")
    opts, qt_args = parser.parse_known_args(args)
    if opts.self_test:
        from acr_desktop.selftest import run_self_test

        return run_self_test(sys.stdout)
    from acr_desktop.ui.app import run  # Qt only when the window is wanted

    return run(opts.reference, qt_args)


def inspect_main(argv: list[str], out: TextIO | None = None) -> int:
    """`acr-desktop inspect ARGV`: the report on `out` (stdout), everything else on stderr."""
    opts = _inspect_parser().parse_args(argv)
    try:
        return _inspect(opts, out or sys.stdout)
    except KeyboardInterrupt:  # Ctrl+C: the shell's exit code for it, and no traceback
        return EXIT_CANCELLED
    except Exception as exc:  # a bug, or server data the core did not expect: one sentence
        from acr_desktop.logs import redact

        what = f"{type(exc).__name__}: {redact(str(exc))}"
        _say(f"acr-desktop: something unexpected went wrong ({what})")
        return EXIT_ERROR


def _inspect(opts: argparse.Namespace, out: TextIO) -> int:
    from acr_desktop.cli_entra import entra_usage, sign_in_first
    from acr_desktop.registry import errors
    from acr_desktop.registry.manifest import MalformedManifest, Platform
    from acr_desktop.registry.operation import operation
    from acr_desktop.registry.reference import parse_reference

    try:
        ref = parse_reference(opts.reference)
        platform = Platform.parse(opts.platform) if opts.platform else None
    except (errors.InvalidReference, ValueError) as exc:
        _say(f"acr-desktop: {exc}")
        return EXIT_USAGE
    if opts.password_stdin and not opts.username:
        _say("acr-desktop: --password-stdin needs --username")
        return EXIT_USAGE
    if opts.client_key and not opts.client_cert:
        _say("acr-desktop: --client-key needs --client-cert")
        return EXIT_USAGE
    if not 0 < opts.timeout <= MAX_TIMEOUT:  # NaN too
        _say(f"acr-desktop: --timeout takes seconds, more than 0 and at most {MAX_TIMEOUT:g}")
        return EXIT_USAGE
    if (code := entra_usage(opts)) is not None:  # exit 4 without the Azure extra
        return code

    transport = _transport(opts, ref.registry)
    if transport is None:
        return EXIT_USAGE
    from acr_desktop.registry.client import RegistryClient

    client = RegistryClient(transport)
    try:
        # One deadline for the whole inspect (drip-fed bodies and Retry-After waits included);
        # each connect and read keeps its own timeout too.
        sign_in_first(transport.credentials(ref.registry))  # --entra-interactive: the browser
        with operation(timeout=opts.timeout):
            inspection = _run_inspect(client, ref, platform, opts.entry)
            sizes = _sizes(client, inspection) if opts.sizes and not opts.raw else None
    except MalformedManifest as exc:
        if not opts.raw:
            return _failed(exc)
        _write_raw(exc.raw, out)  # what was received, exactly; the problem on stderr
        _say(f"warning: {exc.sentence}")
        return EXIT_OK
    except (errors.Cancelled, errors.RegistryError) as exc:
        return _failed(exc)
    finally:
        _report_found(transport, ref.registry)
    if opts.raw:
        return _raw_report(inspection, out)
    return _report(inspection, out, as_json=opts.json, sizes=sizes)


def _run_inspect(
    client: RegistryClient, ref: Reference, platform: Platform | None, entry: str | None
) -> Inspection:
    """The one inspect service the window uses too: here only the platform (or entry) asked for,
    and no config blob (the report does not show it), so an inspect costs the fewest requests."""
    from acr_desktop.inspection import inspect, inspect_by_entry

    if entry is not None:
        return inspect_by_entry(client, ref, entry, with_config=False)
    return inspect(client, ref, platform, strict_platform=True, with_config=False)


def _sizes(client: RegistryClient, inspection: Inspection) -> IndexSizes | None:
    """`--sizes`: the download size of each platform of an index (one manifest request per
    platform, or ACR's metadata); None for a single image (its report has the total)."""
    if inspection.index is None:
        return None
    from acr_desktop.sizes import index_sizes

    return index_sizes(client, inspection.top)


def _report(
    inspection: Inspection, out: TextIO, *, as_json: bool, sizes: IndexSizes | None = None
) -> int:
    from acr_desktop.report import build_report, write_report

    summary = build_report(inspection, sizes)
    if as_json:
        # ASCII (the default): control characters and lone surrogates come out as \u escapes.
        json.dump(summary, out, indent=2, ensure_ascii=True)
        out.write("\n")
    else:
        write_report(summary, out)
    for warning in summary["warnings"]:
        _say(f"warning: {warning}")
    return _partial(inspection)


def _raw_report(inspection: Inspection, out: TextIO) -> int:
    """The bytes of what was asked for (the chosen entry's, else the reference's) exactly as
    received; nothing when the entry asked for is missing."""
    if inspection.missing_child is None:
        _write_raw((inspection.chosen or inspection.top).raw, out)
    for note in inspection.notes:
        _say(f"note: {note}")
    return _partial(inspection)


def _partial(inspection: Inspection) -> int:
    """What was found is printed; what is missing is said on stderr, with the not-found code."""
    from acr_desktop.logs import redact

    for problem in inspection.problems:
        _say(f"acr-desktop: part is missing: {redact(problem.sentence)}")
    return EXIT_NOT_FOUND if inspection.problems else EXIT_OK


def _inspect_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acr-desktop inspect",
        description="Show what a reference resolves to: digest, media type, platforms or layers.",
        epilog="Exit codes: 0 ok, 2 bad usage or reference, 3 not found (also when only part was "
        "found: a missing platform image or config; what was found is printed), 4 sign-in or "
        "permission failure, 5 digest verification failed, 1 any other error.",
    )
    parser.add_argument("reference")
    parser.add_argument(
        "--username",
        "-u",
        help="alone: use the secret the app saved in the keyring for this user; "
        "without it, credentials come from the Docker / Podman config, else none",
    )
    parser.add_argument("--password-stdin", action="store_true", help="read the secret from stdin")
    from acr_desktop.cli_entra import add_entra_flags

    add_entra_flags(parser)  # --entra, --entra-interactive
    tls = parser.add_argument_group("connection (HTTPS always trusts the system's certificates)")
    tls.add_argument("--ca-bundle", metavar="FILE", help="also trust the CAs in this PEM file")
    tls.add_argument(
        "--insecure-skip-tls-verify",
        action="store_true",
        help="do not check the registry's certificate (only on a network you trust)",
    )
    tls.add_argument(
        "--plain-http",
        action="store_true",
        help="talk plain HTTP, unencrypted (the default only for localhost / 127.0.0.1)",
    )
    tls.add_argument("--client-cert", metavar="FILE", help="client certificate (PEM) for mTLS")
    tls.add_argument("--client-key", metavar="FILE", help="its private key (PEM, unencrypted)")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--platform",
        help="os/arch[/variant] to pick from a multi-arch index, chosen as containerd does "
        "(linux/arm means v7, else v6, v5; arm64 = arm64/v8; aarch64, x86_64 understood); "
        "Windows: windows/amd64:10.0.17763.5576 or windows(10.0.17763.5576)/amd64; "
        "unknown/unknown for an attestation",
    )
    choice.add_argument(
        "--entry",
        metavar="DIGEST",
        help="open the index entry with this digest (or a unique start of it), whatever it "
        "is: a platform, an attestation, a builder record, a nested index",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="a stable machine-readable summary")
    group.add_argument("--raw", action="store_true", help="the manifest bytes exactly as received")
    parser.add_argument(
        "--sizes",
        action="store_true",
        help="for an index, also each platform's download size (config and layers, compressed, "
        "as stored): one manifest request per platform, or ACR's metadata",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds the whole inspect may take (waits for a rate limit included); "
        "also the limit for each read",
    )
    return parser


def _failed(exc: Exception) -> int:
    """Say on stderr what went wrong, and give the exit code for it."""
    from acr_desktop.inspection import PlatformNotApplicable
    from acr_desktop.logs import redact
    from acr_desktop.registry import errors

    if isinstance(exc, errors.Cancelled):
        return EXIT_CANCELLED
    _say(f"acr-desktop: {redact(str(exc))}")  # a server may quote a secret back in its message
    if isinstance(exc, errors.TLSFailure):
        _say(f"hint: {_tls_hint(exc.reason)}")
    if isinstance(exc, errors.RegistryError) and exc.correlation_id:
        _say(f"correlation id: {exc.correlation_id}")  # for a support ticket (already quotable)
    codes: tuple[tuple[type[Exception] | tuple[type[Exception], ...], int], ...] = (
        (PlatformNotApplicable, EXIT_USAGE),
        (errors.NotFound, EXIT_NOT_FOUND),  # NoSuchPlatform too: it names the platforms there are
        ((errors.AuthenticationRequired, errors.AccessDenied), EXIT_AUTH),
        (errors.DigestMismatch, EXIT_VERIFY),
    )
    return next((code for kind, code in codes if isinstance(exc, kind)), EXIT_ERROR)


def _write_raw(raw: bytes, out: TextIO) -> None:
    """The exact bytes: to the binary stream under `out` when it has one. To a terminal, bytes
    that would act on it (escape sequences, other control characters) are shown escaped, with a
    note: a registry must not retitle, clear or rewrite the user's terminal. A pipe or a file
    gets them exactly."""
    from acr_desktop.text import is_terminal, terminal_safe

    out.flush()
    if is_terminal(out) and _acts_on_terminal(raw):
        out.write(terminal_safe(raw.decode("utf-8", "replace"), newlines=True))
        out.flush()
        _say(
            "note: the bytes hold control characters, shown escaped on this terminal; "
            "redirect to a file or a pipe for them exactly"
        )
        return
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        buffer.write(raw)
        buffer.flush()
    else:
        out.write(raw.decode("utf-8", "replace"))


def _acts_on_terminal(raw: bytes) -> bool:
    """Control characters other than tab and line ends (CRLF included), C1 or bidi controls."""
    from acr_desktop.text import terminal_safe

    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    return terminal_safe(text, newlines=True) != text


def _transport(opts: argparse.Namespace, registry: str) -> Transport | None:
    """A transport with the connection flags and the credential chain; None on a usage error."""
    from acr_desktop.cli_entra import chain, entra_credentials, wanted
    from acr_desktop.registry.auth import Credentials
    from acr_desktop.registry.transport import ConnectionSettings, Transport

    fallback = None
    if not opts.username and not wanted(opts):
        # Imported only here: with credentials given, the Docker config (and the subprocess
        # machinery its credential helpers need) is never read, so not worth importing.
        from acr_desktop.registry.docker_credentials import lookup

        fallback = chain(lookup)  # the Docker config, then Entra for ACR (cli_entra.py)
    transport = Transport(timeout=(5.0, opts.timeout), credential_fallback=fallback)
    transport.set_connection_settings(
        registry,
        ConnectionSettings(
            plain_http=True if opts.plain_http else None,
            verify_tls=not opts.insecure_skip_tls_verify,
            ca_bundle=opts.ca_bundle,
            client_cert=opts.client_cert,
            client_key=opts.client_key,
        ),
    )
    if wanted(opts):
        transport.set_credentials(registry, entra_credentials(opts))
    elif opts.username and opts.password_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        transport.set_credentials(registry, Credentials.for_user(opts.username, secret))
    elif opts.username:
        from acr_desktop.credentials import CredentialStore

        store = CredentialStore()
        saved = store.resolve(registry, opts.username) if store.persistent() else None
        if saved is None:
            where = f"in {store.backend_name()}" if store.persistent() else "(no keyring here)"
            _say(
                f"acr-desktop: no saved secret for {opts.username} at {registry} {where}; "
                "give it with --password-stdin"
            )
            return None
        transport.set_credentials(registry, saved.credentials)
    return transport


def _report_found(transport: Transport, registry: str) -> None:
    """Say where credentials came from, and what went wrong looking (on stderr)."""
    from acr_desktop.cli_entra import report_entra

    report_entra(transport, registry)  # which Microsoft Entra ID source signed in (--entra)
    found = transport.credential_lookup(registry)
    if found is None:
        return
    for problem in found.problems:
        _say(f"warning: {problem}")
    if found.found is not None:
        _say(f"note: signed in with credentials from {found.found.source}")


def _say(line: str) -> None:
    """One line on stderr. Every message the CLI prints goes through here (and the report through
    `write_line` too): server and reference text comes out as plain text, control characters shown
    escaped, never acted on by the terminal."""
    from acr_desktop.text import write_line

    write_line(sys.stderr, line)


def _tls_hint(reason: str) -> str:
    from acr_desktop.registry.tls import CLIENT_CERT, NOT_HTTPS

    if reason == NOT_HTTPS:
        return "--plain-http, if this registry serves plain HTTP (only on a network you trust)"
    if reason == CLIENT_CERT:
        return "--client-cert FILE --client-key FILE"
    return (
        "--ca-bundle FILE trusts the registry's CA; --insecure-skip-tls-verify skips the "
        "check (only on a network you trust)"
    )
