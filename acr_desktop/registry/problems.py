"""Registry error answers (JSON, HTML or empty bodies) turned into typed errors with a sentence."""

from __future__ import annotations

import email.utils
import itertools
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from acr_desktop.registry.acr import is_acr_host
from acr_desktop.registry.auth import Access, Scope, Token
from acr_desktop.registry.challenge import Challenge
from acr_desktop.registry.errors import (
    AccessDenied,
    AuthenticationRequired,
    InvalidResponse,
    NotFound,
    Permission,
    RateLimited,
    RegistryError,
    ServerError,
    lacks_sentence,
    wall_advice,
)
from acr_desktop.registry.json_doc import load_json
from acr_desktop.registry.redaction import quotable
from acr_desktop.registry.sending import Response

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass(frozen=True)
class RequestContext:
    """What a request was about, so an error can say which part was missing or denied."""

    registry: str
    kind: str  # manifest, blob, tags, catalog, referrers, ping, metadata
    repository: str | None = None
    target: str | None = None  # tag or digest
    service: str | None = None  # kind "token": the token service's host


class NotARegistry(InvalidResponse):
    """Something answered at the registry's address, but not as a container registry does."""


MAX_RETRY_AFTER = 24 * 3600.0  # seconds; a longer wait is as good as "later"
_MAX_ERRORS = 20  # entries of an `errors` list read
MAX_MISSING = 8  # permissions kept from `detail` lists
_MAX_DETAIL = 50  # entries of one `detail` list looked at
_MAX_KEYS = 16  # keys of one `detail` entry looked at
CORRELATION_HEADERS = ("X-Ms-Correlation-Request-Id", "X-Ms-Request-Id")
MAX_CORRELATION_ID = 64  # characters


def error_details(resp: Response, secrets: Iterable[str] = ()) -> tuple[str | None, str | None]:
    """(code, message) from an error body: OCI JSON, HTML, plain text or nothing. The message is
    fit to quote: `secrets` and token-shaped text redacted, control characters gone, bounded."""
    code, message, _ = _quoted_details(resp, tuple(secrets))
    return code, message


def missing_permissions(resp: Response, secrets: Iterable[str] = ()) -> tuple[Permission, ...]:
    """What an error answer says the request needed: its `errors[].detail` lists of
    `{Type, Name, Action}` (any key case; Distribution adds `Class`), each part quotable, at most
    MAX_MISSING, each once."""
    return _quoted_details(resp, tuple(secrets))[2]


def correlation_id(headers: Mapping[str, str]) -> str | None:
    """The id a registry gave its answer (ACR: `X-Ms-Correlation-Request-Id`, else
    `X-Ms-Request-Id`), quotable and at most MAX_CORRELATION_ID characters; None without one."""
    for name in CORRELATION_HEADERS:
        value = headers.get(name)
        if isinstance(value, str) and value.strip():
            text = quotable(value, limit=MAX_CORRELATION_ID)
            if text:
                return text
    return None


def _quoted_details(
    resp: Response, secrets: tuple[str, ...]
) -> tuple[str | None, str | None, tuple[Permission, ...]]:
    code, message, details = _raw_details(resp.body)
    missing: list[Permission] = []
    for detail in details:
        for entry in _entries(detail):
            permission = _permission(entry, secrets)
            if permission is not None and permission not in missing:
                missing.append(permission)
            if len(missing) >= MAX_MISSING:
                break
        if len(missing) >= MAX_MISSING:
            break
    return (
        quotable(code, secrets, 60) if code else None,
        quotable(message, secrets) or None if message else None,
        tuple(missing),
    )


def _entries(detail: Any) -> list[Any]:
    if isinstance(detail, dict):
        return [detail]
    return detail[:_MAX_DETAIL] if isinstance(detail, list) else []


def _permission(entry: Any, secrets: tuple[str, ...]) -> Permission | None:
    """`{"Type", "Name", "Action"}` (any case) as a Permission; None for anything else."""
    if not isinstance(entry, dict):
        return None
    fields = {k.lower(): v for k, v in itertools.islice(entry.items(), _MAX_KEYS)}
    parts = []
    for key, limit in (("type", 40), ("name", 200), ("action", 40)):
        value = fields.get(key)
        text = quotable(value, secrets, limit) if isinstance(value, str) else ""
        if not text:
            return None
        parts.append(text)
    return Permission(*parts)


def _raw_details(body: bytes) -> tuple[str | None, str | None, list[Any]]:
    """(code, message, the `detail` values) of an error body, unquoted."""
    if not body.strip():
        return None, None, []
    if body.lstrip()[:1] in (b"{", b"["):
        try:
            doc = load_json(body, what="error answer")
        except InvalidResponse:
            return None, "a JSON error answer that could not be read", []
    else:
        doc = None
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if isinstance(errors, list) and errors:
        codes, messages, details = [], [], []
        for err in errors[:_MAX_ERRORS]:
            if isinstance(err, dict):
                if isinstance(err.get("code"), str) and err["code"]:
                    codes.append(err["code"])
                if isinstance(err.get("message"), str) and err["message"]:
                    messages.append(err["message"])
                details.append(err.get("detail"))
        return (codes[0] if codes else None), ("; ".join(messages) or None), details
    if isinstance(doc, dict) and isinstance(doc.get("message"), str):
        return None, doc["message"], []
    text = body[:4096].decode("utf-8", "replace")
    title = _TITLE.search(text)
    if title:
        return None, f"an HTML page titled “{' '.join(title.group(1).split())[:120]}”", []
    if "<html" in text.lower():
        return None, "an HTML page", []
    return None, " ".join(text.split())[:200] or None, []


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds (0…MAX_RETRY_AFTER): ASCII digits or an HTTP date; None for
    anything else."""
    if not value:
        return None
    value = value.strip()[:64]
    if value.isascii() and value.isdigit():
        return min(float(value[:12]) if len(value) <= 12 else MAX_RETRY_AFTER, MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def looks_like_registry(resp: Response) -> bool:
    """Does an answer come from a container registry? It says so in
    `Docker-Distribution-API-Version`, or in a JSON body (its error format); an HTML page or
    plain text without that header does not."""
    if resp.headers.get("Docker-Distribution-API-Version"):
        return True
    kind = (resp.content_type or "").split(";")[0].strip().lower()
    first = resp.body.lstrip()[:1]
    if "html" in kind or first == b"<":
        return False
    return first in (b"{", b"[", b"")


def not_a_registry(resp: Response, ctx: RequestContext) -> NotARegistry:
    _, message = error_details(resp)
    said = f" It sent {message}." if message and message.startswith("an HTML") else ""
    host = urlsplit(resp.url).netloc or ctx.registry  # after a redirect: the host that answered
    return NotARegistry(
        f"{host} answered, but it is not a container registry (HTTP {resp.status})."
        f"{said} Check the registry's address.",
        status=resp.status,
    )


def error_for(
    resp: Response,
    ctx: RequestContext,
    *,
    username: str | None,
    granted: tuple[str, ...] = (),
    secrets: Iterable[str] = (),
) -> RegistryError:
    """The typed error for a failed answer; `secrets` (what was sent) never appear in it. It
    carries the answer's correlation id and what its `detail` says is missing."""
    code, message, missing = _quoted_details(resp, tuple(secrets))
    status = resp.status
    kw: dict[str, Any] = {
        "status": status,
        "code": code,
        "message": message,
        "correlation_id": correlation_id(resp.headers),
        "missing": missing,
    }
    if ctx.kind == "token":
        return _token_service_error(resp, ctx, code, message, kw)
    said = f" The registry said: {_sentence(message)}" if message else ""
    lacks = ""
    if missing and username and status in (401, 403):
        advice = wall_advice(missing, _is_acr(ctx, message, missing))
        lacks = " " + lacks_sentence(missing) + (f" {advice}" if advice else "")
    if status == 404 and ctx.kind in ("ping", "manifest") and not looks_like_registry(resp):
        return not_a_registry(resp, ctx)
    where = f"{ctx.registry}/{ctx.repository}" if ctx.repository else ctx.registry
    if status == 401:
        if username:
            sentence = f"{ctx.registry} did not accept the credentials for “{username}”."
        else:
            sentence = f"{ctx.registry} requires you to sign in."
        return AuthenticationRequired(
            sentence + lacks + said, registry=ctx.registry, had_credentials=bool(username), **kw
        )
    if status == 403 or code == "DENIED":
        who = f"Signed in as “{username}”, but" if username else "Without signing in,"
        what = f"the {ctx.kind} of {where}" if ctx.kind != "catalog" else "the repository list"
        sentence = f"{who} you may not read {what}."
        if granted:
            sentence += f" Granted: {'; '.join(granted)}."
        return AccessDenied(sentence + lacks + said, granted=granted, **kw)
    if status == 404:
        return _not_found(ctx, code, where, said, kw)
    if status == 429:
        wait = retry_after_seconds(resp.headers.get("Retry-After"))
        when = f" Try again in {wait:.0f} s." if wait is not None else " Try again later."
        return RateLimited(
            f"{ctx.registry} is limiting requests (too many requests).{when}{said}",
            retry_after=wait,
            **kw,
        )
    if status >= 500:
        return ServerError(f"{ctx.registry} failed (HTTP {status}).{said}", **kw)
    return ServerError(
        f"{ctx.registry} refused the request (HTTP {status}{', ' + code if code else ''}).{said}",
        **kw,
    )


def auth_error(
    resp: Response,
    ctx: RequestContext,
    *,
    username: str | None,
    token: Token | None,
    wanted: frozenset[str],
    challenge: Challenge | None,
    secrets: Iterable[str] = (),
) -> RegistryError:
    """A 401 that another token cannot fix: what the token lacks, if it says, else `error_for`.
    `missing` is what the answer's `detail` names, else what the token lacks of `wanted`."""
    granted = granted_text(token)
    insufficient = challenge is not None and challenge.error == "insufficient_scope"
    if token is not None and (insufficient or token.granted is not None):
        have_access = token.granted or ()
        lacking = [s for s in sorted(wanted) if not any(a.allows(s) for a in have_access)]
        if insufficient or lacking:
            _, message, missing = _quoted_details(resp, tuple(secrets))
            scopes = lacking or sorted(wanted)
            needed = tuple(_scope_text(s) for s in scopes)
            missing = missing or _lacking_permissions(scopes, have_access)
            who = f"Signed in as “{username}”" if username else "Signed in anonymously"
            have = "; ".join(granted) if granted else "nothing here"
            advice = wall_advice(missing, _is_acr(ctx, message, missing)) if username else ""
            return AccessDenied(
                f"{who}, but the registry granted {have}; this needs {'; '.join(needed)}."
                + (f" {advice}" if advice else ""),
                needed=needed,
                granted=granted,
                status=resp.status,
                correlation_id=correlation_id(resp.headers),
                missing=missing,
            )
    return error_for(resp, ctx, username=username, granted=granted, secrets=secrets)


def _is_acr(ctx: RequestContext, message: str | None, missing: tuple[Permission, ...]) -> bool:
    """Is this Azure Container Registry (by name, by its error text, or by its own action)?"""
    return (
        is_acr_host(ctx.registry)
        or "aka.ms/acr" in (message or "")
        or any(p.action == "metadata_read" for p in missing)
    )


def _not_granted(scope: str, granted: tuple[Access, ...]) -> Scope | None:
    """`scope` with only the actions `granted` does not allow; None if it is not a scope."""
    parsed = Scope.parse(scope)
    if parsed is None:
        return None
    allowed = {
        action
        for a in granted
        if (a.type, a.name) == (parsed.type, parsed.name)
        for action in a.actions
    }
    if "*" in allowed:
        return Scope(parsed.type, parsed.name, ())
    return Scope(parsed.type, parsed.name, tuple(x for x in parsed.actions if x not in allowed))


def _lacking_permissions(scopes: list[str], granted: tuple[Access, ...]) -> tuple[Permission, ...]:
    out: list[Permission] = []
    for scope in scopes:
        rest = _not_granted(scope, granted)
        if rest is not None:
            out += [Permission(rest.type, rest.name, a) for a in rest.actions]
    return tuple(out[:MAX_MISSING])


def granted_text(token: Token | None) -> tuple[str, ...]:
    """What a token grants, in words; () when there is none or it does not say."""
    if token is None or token.granted is None:
        return ()
    return tuple(str(a) for a in token.granted)


def _scope_text(scope: str) -> str:
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return f"{actions.replace(',', ', ')} on {name}" if kind == "repository" else scope


def _not_found(
    ctx: RequestContext, code: str | None, where: str, said: str, kw: dict[str, Any]
) -> NotFound:
    if ctx.kind == "ping":
        return NotFound(
            f"{ctx.registry} does not offer the registry API (/v2/).{said}", what="registry", **kw
        )
    if code == "NAME_UNKNOWN" or (ctx.kind in ("tags", "metadata") and code != "MANIFEST_UNKNOWN"):
        return NotFound(
            f"The repository “{ctx.repository}” does not exist on {ctx.registry}.{said}",
            what="repository",
            **kw,
        )
    if ctx.kind == "blob" or code == "BLOB_UNKNOWN":
        return NotFound(f"The blob {ctx.target} is not in {where}.{said}", what="blob", **kw)
    if ctx.target and ":" in ctx.target:
        return NotFound(
            f"There is no manifest {ctx.target} in {where}.{said}", what="manifest", **kw
        )
    if ctx.kind == "manifest":
        return NotFound(
            f"The tag “{ctx.target}” does not exist in {where}.{said}", what="tag", **kw
        )
    return NotFound(f"Not found on {ctx.registry}.{said}", what=ctx.kind, **kw)


def _token_service_error(
    resp: Response, ctx: RequestContext, code: str | None, message: str | None, kw: dict[str, Any]
) -> RegistryError:
    said = f" It said: {_sentence(message)}" if message else ""
    answered = urlsplit(resp.url).netloc  # after a redirect: the host that answered
    host = answered if answered and answered != ctx.service else ctx.service
    who = f"The token service at {host or 'an unknown host'} (used by {ctx.registry})"
    if resp.status == 429:
        wait = retry_after_seconds(resp.headers.get("Retry-After"))
        return RateLimited(f"{who} is limiting requests.{said}", retry_after=wait, **kw)
    verb = "failed" if resp.status >= 500 else "refused the request"
    detail = f", {code}" if code else ""
    return ServerError(f"{who} {verb} (HTTP {resp.status}{detail}).{said}", **kw)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "”")) else text + "."
