"""HTTPS that trusts the operating system's certificate store, per-registry CA bundles, client
certificates and skipped checks, and why a TLS connection failed in words (with the fix).

truststore is imported only when the first HTTPS context is built: the CLI's start-up stays that
of `import requests`.
"""

from __future__ import annotations

import os
import re
import ssl
import threading
import warnings
from typing import TYPE_CHECKING, Any

import requests
from urllib3.exceptions import InsecureRequestWarning

from acr_desktop.registry.errors import TLSFailure
from acr_desktop.registry.pools import WatchedAdapter

if TYPE_CHECKING:  # the types-requests names of the two dicts
    from requests.adapters import _HostParams, _PoolKwargs

ClientCert = str | tuple[str, str]  # requests' `cert`: one PEM with both, or (certificate, key)

# Why a TLS connection failed, and the setting that fixes it (shown to people as is).
UNTRUSTED = "its certificate is not trusted"
WRONG_HOST = "its certificate is for another host name"
EXPIRED = "its certificate has expired"
NOT_HTTPS = "it does not speak HTTPS on this port"
CLIENT_CERT = "it asks for a client certificate it trusts"
_SKIP = "or — only if you trust this network — skip certificate verification"
TLS_FIXES = {
    UNTRUSTED: f"add the registry's CA bundle in its settings, {_SKIP}",
    WRONG_HOST: f"use the host name its certificate was issued for, {_SKIP}",
    EXPIRED: f"ask the registry's owner to renew it, {_SKIP}",
    NOT_HTTPS: "turn on “Allow plain HTTP” in the registry's settings if it serves plain HTTP "
    "(only on a network you trust)",
    CLIENT_CERT: "set a client certificate and key that it accepts in the registry's settings",
}
_UNKNOWN_TLS_FIX = f"check the CA bundle and client certificate in the registry's settings, {_SKIP}"

# What OpenSSL and urllib3 say, to the reasons above (in the order they are tried).
TLS_REASONS = [
    (
        re.compile(r"hostname .* doesn't match|Hostname mismatch|IP address mismatch", re.I),
        WRONG_HOST,
    ),
    (re.compile(r"certificate has expired", re.I), EXPIRED),
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed", re.I), UNTRUSTED),
    (
        re.compile(r"WRONG_VERSION_NUMBER|wrong version number|record layer failure", re.I),
        NOT_HTTPS,
    ),
    (
        re.compile(r"certificate.required|bad.certificate|unknown.ca|CERTIFICATE_REQUIRED", re.I),
        CLIENT_CERT,
    ),
]

# urllib3 warns on every unverified connection; see `_quiet_unverified`.
INSECURE_WARNING = "Unverified HTTPS request is being made to host '{host}'"


# At a token service, the registry's settings still apply (CA bundle, client certificate,
# skipped checks) but its scheme comes from the registry's challenge: no switch changes it.
_TOKEN_SERVICE_FIXES = {
    NOT_HTTPS: "ask the registry's owner to fix the token service address the registry names",
}


def handshake_failure(host: str, reason: str, *, token_service_of: str | None = None) -> TLSFailure:
    """The handshake or the certificate check failed for `reason` (one of the texts above);
    `token_service_of` names the registry when `host` is that registry's token service."""
    fix = TLS_FIXES.get(reason, _UNKNOWN_TLS_FIX)
    where = host
    if token_service_of is not None:
        where = f"the token service at {host} (used by {token_service_of})"
        fix = _TOKEN_SERVICE_FIXES.get(reason, fix).replace(
            "the registry's settings", f"the settings of {token_service_of}"
        )
    return TLSFailure(
        f"Could not make a secure connection to {where}: {reason}. To fix it, {fix}.",
        host=host,
        reason=reason,
    )


class TLSSetupError(Exception):
    """A CA bundle or client certificate file that cannot be used; the text names the file."""


def setup_failure(host: str, exc: TLSSetupError) -> TLSFailure:
    return TLSFailure(
        f"Could not set up secure connections to {host}: {exc}. "
        "Fix the file in the registry's settings.",
        host=host,
        reason=str(exc),
    )


class SystemTrustAdapter(WatchedAdapter):
    """HTTPS that trusts the operating system's certificate store (truststore), so corporate CAs
    work without configuration. Per request, `verify` may name a CA bundle that adds to the OS
    store or be False (no checks, for that request only), and `cert` is presented (mTLS).

    requests would load certifi into every connection; here one context per (verify, cert) holds
    everything, and nothing is added per connection. Both overrides are hooks requests documents
    for subclasses (`build_connection_pool_key_attributes` since 2.32, `cert_verify`);
    tests/registry/test_tls_hooks.py fails if requests changes them.
    """

    def __init__(self) -> None:
        self._contexts: dict[tuple[object, ...], ssl.SSLContext] = {}
        self._contexts_lock = threading.Lock()
        super().__init__()

    def build_connection_pool_key_attributes(
        self,
        request: requests.PreparedRequest,
        verify: bool | str,
        cert: ClientCert | None = None,
    ) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, False)
        if host_params["scheme"] != "https":
            return host_params, pool_kwargs
        context = self.context_for(verify, cert)
        checked = context.verify_mode != ssl.CERT_NONE
        if not checked:
            _quiet_unverified(str(host_params["host"]))
        return host_params, {
            "ssl_context": context,
            "cert_reqs": "CERT_REQUIRED" if checked else "CERT_NONE",
        }

    def cert_verify(self, conn: Any, url: str, verify: bool | str, cert: Any) -> None:
        """The context already holds the trust anchors and the client certificate."""
        checked = url.lower().startswith("https") and verify is not False
        conn.cert_reqs = "CERT_REQUIRED" if checked else "CERT_NONE"
        conn.ca_certs = conn.ca_cert_dir = conn.cert_file = conn.key_file = None

    def context_for(self, verify: bool | str, cert: ClientCert | None) -> ssl.SSLContext:
        """One context per setting and file version: a CA file fixed in place is read again."""
        files = [verify] if isinstance(verify, str) else []
        files += [cert] if isinstance(cert, str) else list(cert or ())
        key = (verify, cert, tuple(_modified(f) for f in files))
        with self._contexts_lock:
            context = self._contexts.get(key)
            if context is None:
                context = _new_context(verify, cert)
                self._contexts[key] = context
            return context


def _quiet_unverified(host: str) -> None:
    """Skipping verification is a per-registry switch the user turned on, warned about in the UI:
    urllib3's InsecureRequestWarning on every connection would add only noise. urllib3 has no
    public per-pool switch for it (only the process-wide `disable_warnings`), so the filter is
    scoped to this host by the warning's text, which test_tls_hooks.py pins. Added again on each
    use: a `warnings.catch_warnings` block elsewhere may have dropped it."""
    message = re.escape(INSECURE_WARNING.format(host=host))
    warnings.filterwarnings("ignore", message=message, category=InsecureRequestWarning)


def _new_context(verify: bool | str, cert: ClientCert | None) -> ssl.SSLContext:
    context: ssl.SSLContext
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        import truststore  # here, not at the top: it costs start-up time and only HTTPS needs it

        context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if isinstance(verify, str):
            try:
                context.load_verify_locations(verify)
            except (OSError, ssl.SSLError, ValueError) as exc:
                raise TLSSetupError(
                    f"the CA bundle {verify} cannot be used ({_file_problem(exc)})"
                ) from None
    if cert is not None:
        certfile, keyfile = (cert, None) if isinstance(cert, str) else cert
        try:
            context.load_cert_chain(certfile, keyfile, password=_no_password)
        except (OSError, ssl.SSLError, ValueError) as exc:
            files = f"{certfile} and key {keyfile}" if keyfile else certfile
            raise TLSSetupError(
                f"the client certificate {files} cannot be used ({_file_problem(exc)})"
            ) from None
    return context


def _modified(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _no_password() -> bytes:
    """An encrypted key would make OpenSSL prompt on the terminal: refuse it instead."""
    raise ValueError("the key is encrypted; give an unencrypted key file")


def _file_problem(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, ValueError) and "encrypted" in str(exc):
        return str(exc)
    if isinstance(exc, ssl.SSLError):
        return "not a PEM file this needs, or the key does not match the certificate"
    return type(exc).__name__
