"""Registry error answers (JSON, HTML or empty bodies) turned into typed errors with a sentence."""

from __future__ import annotations

import email.utils
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from acr_desktop.registry.errors import (
    AccessDenied,
    AuthenticationRequired,
    NotFound,
    RateLimited,
    RegistryError,
    ServerError,
)
from acr_desktop.registry.http import Response

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass(frozen=True)
class RequestContext:
    """What a request was about, so an error can say which part was missing or denied."""

    registry: str
    kind: str  # manifest, blob, tags, catalog, referrers, ping, metadata
    repository: str | None = None
    target: str | None = None  # tag or digest


def error_details(resp: Response) -> tuple[str | None, str | None]:
    """(code, message) from an error body: OCI JSON, HTML, plain text or nothing."""
    body = resp.body
    if not body.strip():
        return None, None
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("errors"), list) and doc["errors"]:
        codes, messages = [], []
        for err in doc["errors"]:
            if isinstance(err, dict):
                if err.get("code"):
                    codes.append(str(err["code"]))
                if err.get("message"):
                    messages.append(str(err["message"]))
        return (codes[0] if codes else None), ("; ".join(messages) or None)
    if isinstance(doc, dict) and isinstance(doc.get("message"), str):
        return None, doc["message"]
    text = body[:4096].decode("utf-8", "replace")
    title = _TITLE.search(text)
    if title:
        return None, f"an HTML page titled “{' '.join(title.group(1).split())[:120]}”"
    if "<html" in text.lower():
        return None, "an HTML page"
    return None, " ".join(text.split())[:200] or None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: an integer or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def error_for(
    resp: Response, ctx: RequestContext, *, username: str | None, granted: tuple[str, ...] = ()
) -> RegistryError:
    code, message = error_details(resp)
    status = resp.status
    kw: dict[str, Any] = {"status": status, "code": code, "message": message}
    said = f" The registry said: {_sentence(message)}" if message else ""
    where = f"{ctx.registry}/{ctx.repository}" if ctx.repository else ctx.registry
    if status == 401:
        if username:
            sentence = f"{ctx.registry} did not accept the credentials for “{username}”."
        else:
            sentence = f"{ctx.registry} requires you to sign in."
        return AuthenticationRequired(
            sentence + said, registry=ctx.registry, had_credentials=bool(username), **kw
        )
    if status == 403 or code == "DENIED":
        who = f"Signed in as “{username}”, but" if username else "Without signing in,"
        what = f"{ctx.kind} of {where}" if ctx.kind != "catalog" else "the repository list"
        sentence = f"{who} you may not read the {what}."
        if granted:
            sentence += f" Granted: {'; '.join(granted)}."
        return AccessDenied(sentence + said, granted=granted, **kw)
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


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "”")) else text + "."
