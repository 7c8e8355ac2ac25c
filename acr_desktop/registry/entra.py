"""Microsoft Entra ID sign-in: an Entra access token from the first source that has one (the
Azure CLI, the Azure Developer CLI, the environment, or a browser sign-in when asked), exchanged
at the registry's own token service for an ACR refresh token (entra_exchange.py), renewed before
it expires.

azure-identity is an optional extra, imported only when an Entra token is actually wanted, never
at start-up. Each source is asked in a sub-thread the operation waits on, so a cancel or the
deadline ends the wait at once (a CLI process stops by its own timeout, bounded by what is left).

Entra credentials (`Credentials.of_entra(login)`) hold an EntraLogin through auth's
`EntraSignIn` protocol, so auth does not import this module; a saved sign-in (its ACR refresh
token, kept under ENTRA_USERNAME) becomes credentials again with `saved_sign_in`.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from acr_desktop.registry import entra_ask
from acr_desktop.registry.auth import (
    ACR_REFRESH_USERNAME,
    ENTRA_USERNAME,
    Credentials,
    jwt_claims,
)
from acr_desktop.registry.challenge import Challenge
from acr_desktop.registry.entra_ask import ENVIRONMENT, MANAGED, ask, why
from acr_desktop.registry.errors import AuthenticationRequired, Cancelled, RegistryTimeout
from acr_desktop.registry.operation import check_cancelled, remaining
from acr_desktop.registry.redaction import quotable

if TYPE_CHECKING:
    from acr_desktop.registry.token_service import TokenSend

log = logging.getLogger(__name__)

ENTRA_SCOPE = entra_ask.ENTRA_SCOPE
EXTRA_HINT = "pip install 'acr-desktop[azure]'"
NEEDS = EXTRA_HINT  # short name for long lines
CLI_TIMEOUT = 20  # seconds an `az` / `azd` process may take (azure-identity's default is 10)
INTERACTIVE_TIMEOUT = 300  # seconds a browser or device-code sign-in may take
RENEW_MARGIN = 15 * 60.0  # renew a refresh token this early (or at a quarter of its life)
POLL = 0.05
KNOWN_AUTHORITIES = frozenset(
    {"login.microsoftonline.com", "login.chinacloudapi.cn", "login.microsoftonline.us"}
)
__all__ = ["ENTRA_SCOPE", "ENTRA_USERNAME", "EXTRA_HINT", "EntraLogin", "EntraUnavailable"]
_KEEP = 4  # tokens remembered for redaction, per kind

Source = tuple[str, Any]  # (name for people, an azure-identity TokenCredential)

SAVED = "saved refresh token"
CLI, AZD = "Azure CLI", "Azure Developer CLI"
WORKLOAD = "workload identity"
BROWSER, DEVICE_CODE = "browser sign-in", "device code"


def azure_identity_available() -> bool:
    """Is the Azure extra (azure-identity) installed? Looks without importing it."""
    try:
        return importlib.util.find_spec("azure.identity") is not None
    except (ImportError, ValueError):
        return False


class EntraUnavailable(AuthenticationRequired):
    """No source had a Microsoft Entra ID token; `tried` says why each did not."""

    def __init__(self, sentence: str, *, tried: tuple[str, ...] = (), registry: str = "") -> None:
        super().__init__(sentence, registry=registry, had_credentials=False)
        self.tried = tried


def _env(*names: str) -> bool:
    return all(os.environ.get(n) for n in names)


def _cli_timeout() -> int:
    left = remaining()
    return CLI_TIMEOUT if left is None else max(1, min(CLI_TIMEOUT, math.ceil(left)))


def _quiet_azure_logs() -> None:
    """azure-identity logs each failed source at WARNING with the CLI's own output (control
    characters, hostile text); the app says what each source did itself, bounded and redacted."""
    logging.getLogger("azure.identity").setLevel(logging.ERROR)


def noninteractive_sources() -> list[Source]:
    """The sources that need no person: the CLIs' logins, then the environment's identities
    (each only when its variables are set: no IMDS probe on a desktop)."""
    from azure.identity import (
        AzureCliCredential,
        AzureDeveloperCliCredential,
        EnvironmentCredential,
        ManagedIdentityCredential,
        WorkloadIdentityCredential,
    )

    _quiet_azure_logs()
    entra_ask.use_in_cli_modules()  # a cancel ends `az` at once, not at its own timeout
    timeout = _cli_timeout()
    sources: list[Source] = [
        (CLI, AzureCliCredential(process_timeout=timeout)),
        (AZD, AzureDeveloperCliCredential(process_timeout=timeout)),
    ]
    if _env("AZURE_TENANT_ID", "AZURE_CLIENT_ID") and (
        _env("AZURE_CLIENT_SECRET") or _env("AZURE_CLIENT_CERTIFICATE_PATH")
    ):
        sources.append((ENVIRONMENT, EnvironmentCredential(**_authority_options())))
    if _env("AZURE_FEDERATED_TOKEN_FILE", "AZURE_TENANT_ID", "AZURE_CLIENT_ID"):
        sources.append((WORKLOAD, WorkloadIdentityCredential()))
    if _env("IDENTITY_ENDPOINT") or _env("MSI_ENDPOINT"):
        client_id = os.environ.get("AZURE_CLIENT_ID") or None
        sources.append((MANAGED, ManagedIdentityCredential(client_id=client_id)))
    return sources


def _authority_options() -> dict[str, Any]:
    """An AZURE_AUTHORITY_HOST that is not one of Microsoft's clouds (Azure Stack, AD FS, a
    stand-in) cannot be checked against login.microsoftonline.com's list: MSAL is told so."""
    host = os.environ.get("AZURE_AUTHORITY_HOST", "").strip()
    name = urlsplit(host if "//" in host else f"https://{host}").hostname or ""
    return {"disable_instance_discovery": True} if host and name not in KNOWN_AUTHORITIES else {}


def _not_configured() -> list[str]:
    """The environment's sources that were not asked, and why (for EntraUnavailable)."""
    skipped = []
    if not _env("AZURE_TENANT_ID", "AZURE_CLIENT_ID"):
        skipped.append(f"{ENVIRONMENT}: not set (AZURE_TENANT_ID, AZURE_CLIENT_ID and a secret)")
    if not _env("IDENTITY_ENDPOINT") and not _env("MSI_ENDPOINT"):
        skipped.append(f"{MANAGED}: not on an Azure host")
    return skipped


def can_open_browser() -> bool:
    return sys.platform in ("win32", "darwin") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def _cache_options() -> Any:
    """azure-identity's token cache on disk only where it is encrypted (Windows DPAPI, macOS
    keychain, Linux libsecret through PyGObject); None keeps it in memory."""
    if sys.platform not in ("win32", "darwin") and importlib.util.find_spec("gi") is None:
        return None
    from azure.identity import TokenCachePersistenceOptions

    return TokenCachePersistenceOptions(name="acr-desktop", allow_unencrypted_storage=False)


def interactive_sources(
    device_code: Callable[[str], None] | None, tenant: str | None = None
) -> list[Source]:
    """A browser sign-in where a browser can open; a device code (its message handed to
    `device_code`) otherwise, or when the browser fails."""
    from azure.identity import DeviceCodeCredential, InteractiveBrowserCredential

    _quiet_azure_logs()
    options: dict[str, Any] = {"tenant_id": tenant} if tenant else {}
    if (cache := _cache_options()) is not None:
        options["cache_persistence_options"] = cache
    sources: list[Source] = []
    if can_open_browser():
        browser = InteractiveBrowserCredential(timeout=INTERACTIVE_TIMEOUT, **options)
        sources.append((BROWSER, browser))
    if device_code is not None:
        shown = device_code

        def prompt(uri: str, code: str, expires_on: Any) -> None:
            shown(
                f"To sign in, open {quotable(uri, limit=200)} in a browser and enter the code "
                f"{quotable(code, limit=40)}."
            )

        flow = DeviceCodeCredential(prompt_callback=prompt, timeout=INTERACTIVE_TIMEOUT, **options)
        sources.append((DEVICE_CODE, flow))
    return sources


@dataclass(frozen=True)
class _Refresh:
    value: str
    issued_at: float
    expires_at: float
    registry: str | None  # the registry it was exchanged at (None: saved, the login's own)

    def fresh_at(self, now: float) -> bool:
        margin = max(0.0, min(RENEW_MARGIN, (self.expires_at - self.issued_at) / 4))
        return now < self.expires_at - margin


class EntraLogin:
    """One Microsoft Entra ID sign-in to one registry. Thread-safe: several jobs may ask for
    tokens at once; one exchange runs at a time."""

    def __init__(  # noqa: PLR0913 - the shared API
        self,
        *,
        interactive: bool = False,
        device_code: Callable[[str], None] | None = None,
        refresh_token: str | None = None,
        tenant: str | None = None,
        sources: Sequence[Source] | None = None,
        on_refresh: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.interactive = interactive
        self.on_refresh = on_refresh
        self.source: str | None = None
        self.account: str | None = None
        self.tenant: str | None = tenant  # learned from the tokens (`tid`) when not given
        self._asked_tenant = tenant  # only a tenant given is asked for (a browser sign-in
        # refuses any tenant other than its own)
        self._device_code = device_code
        self._given = list(sources) if sources is not None else None
        self._interactive_sources: list[Source] | None = None  # kept: their caches sign in again
        self._clock = clock
        self._lock = threading.Lock()
        self._exchanging = threading.Lock()
        self._refresh: _Refresh | None = None
        self._entra_tokens: list[str] = []
        self._refresh_tokens: list[str] = []
        if refresh_token:
            from acr_desktop.registry import entra_exchange

            self._keep(refresh_token, refresh=True)
            now = clock()
            self._refresh = _Refresh(
                refresh_token, now, entra_exchange.refresh_expiry(refresh_token, now), None
            )
            self.source = SAVED
            self._learn(jwt_claims(refresh_token) or {}, refresh=True)

    def __repr__(self) -> str:
        return f"EntraLogin(source={self.source!r}, account={self.account!r})"

    # -- the Entra token -------------------------------------------------------------------------
    def _sources(self) -> list[Source]:
        if self._given is not None:
            return self._given
        if not azure_identity_available():
            raise EntraUnavailable(f"Microsoft Entra ID sign-in needs the Azure extra: {NEEDS}")
        if not self.interactive:
            return noninteractive_sources()  # fresh each time: process timeouts by the deadline
        if self._interactive_sources is None:
            self._interactive_sources = interactive_sources(self._device_code, self._asked_tenant)
        return self._interactive_sources

    def entra_token(self) -> str:
        """An Entra access token for ACR from the first source that has one (the one that
        answered last time first). Raises EntraUnavailable, Cancelled or RegistryTimeout."""
        sources = self._sources()
        last = self.source
        ordered = sorted(sources, key=lambda s: s[0] != last)
        tried: list[str] = []
        for name, credential in ordered:
            check_cancelled()
            try:
                token = ask(name, credential, self._asked_tenant)
            except Cancelled:
                raise
            except RegistryTimeout as exc:
                asked = "; ".join([*tried, f"{name}: still asking"])
                raise RegistryTimeout(
                    f"Microsoft Entra ID sign-in did not finish within the time allowed for "
                    f"this operation ({asked}).",
                    host=exc.host,
                    reason=exc.reason,
                ) from None
            except Exception as exc:  # each source fails in its own way: one sentence each
                tried.append(f"{name}: {why(exc, self.secrets())}")
                log.info("Microsoft Entra ID source %s had no token (%s)", name, type(exc).__name__)
                continue
            self._keep(token)
            with self._lock:
                self.source = name
                self._learn(jwt_claims(token) or {}, refresh=False)
            log.info("Microsoft Entra ID token from %s", name)
            return token
        raise _unavailable(tried, self.interactive, saved=last == SAVED)

    def _learn(self, claims: dict[str, Any], *, refresh: bool) -> None:
        names = ("sub",) if refresh else ("upn", "unique_name", "preferred_username", "email")
        account = next((c for n in names if isinstance(c := claims.get(n), str) and c), None)
        if account is None and not refresh and isinstance(app := claims.get("appid"), str):
            account = f"application {app}"
        if account:
            self.account = quotable(account, limit=120)
        tenant = claims.get("tenant" if refresh else "tid")
        if isinstance(tenant, str) and tenant and len(tenant) <= 64 and tenant.isprintable():
            self.tenant = tenant

    # -- the ACR refresh token -------------------------------------------------------------------
    def acr_refresh(
        self, send: TokenSend, registry: str, challenge: Challenge, now: float
    ) -> Credentials:
        """The ACR refresh token to ask `challenge.realm` for access tokens with: the cached one
        while fresh (renewed early), else a new one from `/oauth2/exchange`."""
        # Imported here: it needs the network stack, which a window asking only who is signed
        # in (ENTRA_USERNAME, the sources) does not load.
        from acr_desktop.registry import entra_exchange

        refused = entra_exchange.refusal(registry, challenge.realm or "")
        if refused is not None:  # neither the Entra token nor its refresh token goes there
            raise AuthenticationRequired(refused, registry=registry, had_credentials=True)
        fresh = self._fresh(now, registry)
        if fresh is not None:
            return fresh
        self._wait_for_exchange()
        try:
            fresh = self._fresh(now, registry)  # another job may have exchanged meanwhile
            if fresh is not None:
                return fresh
            token = self.entra_token()
            value = entra_exchange.exchange(
                send, registry, challenge, token, self.tenant, self.describe(), self.secrets()
            )
            self._keep(value, refresh=True)
            with self._lock:
                expiry = entra_exchange.refresh_expiry(value, now)
                self._refresh = _Refresh(value, now, expiry, registry)
        finally:
            self._exchanging.release()
        log.info("Microsoft Entra ID sign-in exchanged for an ACR refresh token at %s", registry)
        if self.on_refresh is not None:
            self.on_refresh(value)
        return Credentials(ACR_REFRESH_USERNAME, value, "refresh_token")

    def _fresh(self, now: float, registry: str) -> Credentials | None:
        """The refresh token held, if fresh and for `registry` (one login used for two
        registries exchanges at each: a refresh token is good only where it was issued)."""
        with self._lock:
            held = self._refresh
        if held is None or not held.fresh_at(now) or held.registry not in (None, registry):
            return None
        return Credentials(ACR_REFRESH_USERNAME, held.value, "refresh_token")

    def _wait_for_exchange(self) -> None:
        while not self._exchanging.acquire(timeout=POLL):
            check_cancelled()

    def drop_refresh(self) -> None:
        """The refresh token was refused: the next `acr_refresh` exchanges again."""
        with self._lock:
            self._refresh = None

    def has_refresh(self) -> bool:
        with self._lock:
            return self._refresh is not None

    def _keep(self, token: str, *, refresh: bool = False) -> None:
        with self._lock:
            kept = self._refresh_tokens if refresh else self._entra_tokens
            kept.append(token)
            del kept[:-_KEEP]

    def secrets(self) -> tuple[str, ...]:
        """The tokens this login holds or held lately, for redaction."""
        with self._lock:
            return (*self._entra_tokens, *self._refresh_tokens)

    def describe(self) -> str:
        """ "Microsoft Entra ID (Azure CLI, alice@contoso.com)"."""
        parts = [p for p in (self.source, self.account) if p]
        return "Microsoft Entra ID" + (f" ({', '.join(parts)})" if parts else "")


def saved_sign_in(refresh_token: str) -> Credentials:
    """A saved sign-in (the ACR refresh token kept under ENTRA_USERNAME) as credentials: used
    until it expires, then renewed from the sources that need no person."""
    return Credentials.of_entra(EntraLogin(refresh_token=refresh_token or None))


def _unavailable(tried: list[str], interactive: bool, *, saved: bool) -> EntraUnavailable:
    listed = [*tried, *([] if interactive else _not_configured())]
    what = "; ".join(listed) if listed else "no source"
    fix = (
        "Try the sign-in again."
        if interactive
        else "Sign in with “az login” (or “azd auth login”), set a service principal in the "
        "environment, or sign in with the browser."
    )
    first = "The saved Microsoft Entra ID sign-in has expired, and no other" if saved else "No"
    return EntraUnavailable(
        f"{first} Microsoft Entra ID sign-in was found. Tried: {what}. {fix}", tried=tuple(tried)
    )
