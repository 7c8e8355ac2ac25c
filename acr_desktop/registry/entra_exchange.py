"""ACR's Microsoft Entra ID exchange: where an Entra token may be sent (the registry's own token
service only) and `POST /oauth2/exchange` turning it into an ACR refresh token.

The Entra token is good for every registry of its tenant, so it goes only to the host the user
named: the realm's host must be the registry's host, or both the same ACR login server (a regional
or data endpoint and its `NAME.azurecr.io`). The port may differ only when both are loopback: the
token then never leaves the machine, and a listener on another port of it is a process of the
same machine the user already trusts with the registry there (the test rig, a local registry
with its token service, a tunnel). Everything else is refused before anything is sent.
"""

from __future__ import annotations

import ipaddress
import math
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from acr_desktop.registry.acr import login_server
from acr_desktop.registry.auth import USER_AGENT, jwt_claims
from acr_desktop.registry.challenge import Challenge
from acr_desktop.registry.errors import AuthenticationRequired, InvalidResponse
from acr_desktop.registry.json_doc import load_json
from acr_desktop.registry.problems import (
    RequestContext,
    correlation_id,
    error_details,
    error_for,
)
from acr_desktop.registry.redaction import quotable
from acr_desktop.registry.reference import registry_api_host
from acr_desktop.registry.sending import origin, same_host_to_urllib3

if TYPE_CHECKING:
    from acr_desktop.registry.token_service import TokenSend

EXCHANGE_PATH = "/oauth2/exchange"
MAX_REFRESH_CHARS = 16 * 1024  # ACR's refresh tokens are ~2 kB JWTs
UNKNOWN_LIFETIME = 3600.0  # seconds assumed for a refresh token that is not a JWT
MAX_REFRESH_LIFETIME = 24 * 3600.0  # a longer `exp` is treated as this


def _host_port(netloc: str, scheme: str) -> tuple[str, int]:
    parts = urlsplit(f"{scheme}://{netloc}")
    return (parts.hostname or "").lower().rstrip("."), parts.port or (
        443 if scheme == "https" else 80
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refusal(registry: str, realm: str) -> str | None:
    """Why the Entra token must not go to `realm` for `registry`; None when it may."""
    try:
        parts = urlsplit(realm)
        if not same_host_to_urllib3(parts.netloc):  # `https://evil\\@registry/` goes to evil
            raise ValueError("a backslash in the host")
        realm_host, realm_port = _host_port(parts.netloc.rsplit("@", 1)[-1], parts.scheme)
        api = registry_api_host(registry)
        reg_host, reg_port = _host_port(api, parts.scheme)
    except ValueError:
        return f"{registry} named a token service whose address is not valid."
    server = login_server(realm_host)
    same_server = server is not None and server == login_server(reg_host)
    if realm_port == reg_port and (realm_host == reg_host or same_server):
        return None
    if realm_host == reg_host and _loopback(realm_host):
        return None  # another port of this machine: see the module's docstring
    shown = quotable(parts.netloc.rsplit("@", 1)[-1], limit=120)
    return (
        f"{registry} sends sign-in to another host ({shown}); your Microsoft Entra ID token was "
        f"not sent there, because it is good for every registry of your organisation. Microsoft "
        f"Entra ID sign-in works with registries whose own host exchanges it (Azure Container "
        f"Registry); sign in another way for {registry}."
    )


def exchange_url(realm: str) -> str:
    parts = urlsplit(realm)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{EXCHANGE_PATH}"


def exchange(  # noqa: PLR0913 - what one exchange is about
    send: TokenSend,
    registry: str,
    challenge: Challenge,
    entra_token: str,
    tenant: str | None,
    who: str,
    secrets: tuple[str, ...],
) -> str:
    """POST the Entra token to the realm's `/oauth2/exchange`; the ACR refresh token."""
    url = exchange_url(challenge.realm or "")
    service_host = urlsplit(url).netloc
    form = {"grant_type": "access_token", "service": challenge.service or registry}
    if tenant:
        form["tenant"] = tenant
    form["access_token"] = entra_token
    resp = send("POST", url, {"User-Agent": USER_AGENT}, auth_origin=origin(url), data=form)
    if origin(resp.url) != origin(url):
        raise InvalidResponse(
            f"The token service at {service_host} (used by {registry}) redirected the Microsoft "
            f"Entra ID exchange to {quotable(urlsplit(resp.url).netloc, limit=120)}; the answer "
            "from there was not used and no token was sent there."
        )
    if resp.status in (401, 403):
        _, message = error_details(resp, secrets)
        said = f" It said: {message}" if message else ""
        where = f" ({tenant})" if tenant else ""
        raise AuthenticationRequired(
            f"The token service of {registry} refused {who}: check that this account has access "
            f"to {registry} (a role such as AcrPull on it) and that the registry belongs to its "
            f"tenant{where}.{said}",
            registry=registry,
            had_credentials=True,
            status=resp.status,
            correlation_id=correlation_id(resp.headers),
        )
    if not 200 <= resp.status < 300:
        ctx = RequestContext(registry, "token", service=service_host)
        raise error_for(resp, ctx, username=None, secrets=secrets)
    what = f"answer of the token service at {service_host} to the Microsoft Entra ID exchange"
    body = load_json(resp.body, what=what)
    token = body.get("refresh_token") if isinstance(body, dict) else None
    return _checked(token, service_host, registry)


def _checked(token: Any, service_host: str, registry: str) -> str:
    who = f"The token service at {service_host} (used by {registry})"
    if not isinstance(token, str) or not token:
        raise InvalidResponse(f"{who} answered the Microsoft Entra ID exchange without a token.")
    if len(token) > MAX_REFRESH_CHARS:
        raise InvalidResponse(
            f"{who} answered the Microsoft Entra ID exchange with a token of {len(token):,} "
            f"characters; at most {MAX_REFRESH_CHARS:,} are accepted."
        )
    if not (token.isascii() and token.isprintable()) or any(c.isspace() for c in token):
        raise InvalidResponse(
            f"{who} answered the Microsoft Entra ID exchange with a token that holds characters "
            "no token has."
        )
    return token


def refresh_expiry(token: str, now: float) -> float:
    """When an ACR refresh token expires: its JWT `exp` (bounded; one already past makes it
    expired); a conservative hour for a token that is not a JWT."""
    claims = jwt_claims(token)
    exp = claims.get("exp") if claims else None
    if isinstance(exp, bool) or not isinstance(exp, int | float) or not math.isfinite(exp):
        return now + UNKNOWN_LIFETIME
    return min(float(exp), now + MAX_REFRESH_LIFETIME)
