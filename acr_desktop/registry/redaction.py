"""Server text made fit to quote in an error sentence: the secrets we sent replaced, anything
shaped like a token (a JWT, a `Bearer`/`Basic` value, base64 of `user:secret`) hidden, control
characters dropped and the length bounded. Linear in the length of the text.

acr_desktop/logs.py keeps its own, broader `redact()` for log records; this one is the core's
(registry/ imports nothing outside registry/).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable

from acr_desktop.registry.json_doc import clean_text

HIDDEN = "<redacted>"
MAX_QUOTED = 300  # characters of a server's message quoted in a sentence
_MIN_SECRET = 4  # shorter "secrets" would redact ordinary words

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}")
_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/-]{8,}=*)")
_SECRET_FIELD = re.compile(
    r"(?i)\b((?:password|refresh_token|access_token|token|secret)[\"']?\s*[=:]\s*[\"']?)"
    r"[^\s&\"',;}]+"
)
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{12,}={0,2}(?![A-Za-z0-9+/=])")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with each of `secrets` and anything token-shaped replaced by HIDDEN."""
    for secret in secrets:
        if len(secret) >= _MIN_SECRET and secret in text:
            text = text.replace(secret, HIDDEN)
    text = _JWT.sub(HIDDEN, text)
    text = _SCHEME.sub(lambda m: m[1] + m[2] + HIDDEN, text)
    text = _SECRET_FIELD.sub(lambda m: m[1] + HIDDEN, text)
    return _BASE64.sub(lambda m: HIDDEN if is_basic_blob(m[0]) else m[0], text)


def quotable(text: str, secrets: Iterable[str] = (), limit: int = MAX_QUOTED) -> str:
    """Server text for a sentence: redacted, on one line, without control characters (terminal
    escapes, bidi overrides), at most `limit` characters (an ellipsis says it was cut)."""
    text = clean_text(text[: limit * 8])  # cut first: a megabyte of message is not read through
    if not text.isprintable():  # control, format (bidi) and unassigned characters
        text = "".join(c if c.isprintable() else " " for c in text)
    text = " ".join(redact(text, secrets).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def is_basic_blob(text: str) -> bool:
    """Base64 of `user:secret`, as in a Basic header that lost its scheme."""
    try:
        decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return ":" in decoded and decoded.isprintable()
