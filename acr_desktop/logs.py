"""The app's log: a rotating file in the user's log folder, with every secret redacted on the way
in. `redact()` is also what the crash dialog runs its text through. Plain Python, no Qt."""

from __future__ import annotations

import base64
import binascii
import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path

LOG_DIR_ENV = "ACR_DESKTOP_LOG_DIR"  # overrides the folder (tests, portable installs)
LOG_FILE = "acr-desktop.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 3
HIDDEN = "<redacted>"
FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"

_SECRET_KEYS = (
    r"password|passwd|pwd|secret|client_secret|refresh_token|access_token|id_token|"
    r"identitytoken|identity_token|token|api[_-]?key"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization / Proxy-Authorization headers, as text or in a dict repr: the whole value.
    (
        re.compile(r"""(?i)((?:proxy-)?authorization['"]?\s*[:=]\s*['"]?)[^'"\r\n,;}]+"""),
        rf"\1{HIDDEN}",
    ),
    # password=…, refresh_token=… in a query or form body.
    (
        re.compile(rf"(?i)\b((?:{_SECRET_KEYS})=)[^\s&'\",;)}}\]]+"),
        rf"\1{HIDDEN}",
    ),
    # "token": "…" and 'password': '…' in JSON and reprs.
    (
        re.compile(rf"""(?i)(['"](?:{_SECRET_KEYS})['"]\s*:\s*)(['"])(?:(?!\2).)*\2"""),
        rf"\1\2{HIDDEN}\2",
    ),
    # user:secret@ in a URL.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@"), rf"\1{HIDDEN}@"),
    # JWTs (header, payload and signature, or any part of one).
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}"), HIDDEN),
)
_SCHEME_TOKEN = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/-]+=*)(?![=\w\"])")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{12,}={0,2}(?![A-Za-z0-9+/=])")


def _looks_like_token(text: str) -> bool:
    """A credential rather than a word ("Bearer challenge", "Basic auth"): long, with a digit
    or token punctuation."""
    return len(text) >= 8 and any(c.isdigit() or c in "._~+/-=" for c in text)


def _is_basic_blob(text: str) -> bool:
    """Base64 of `user:secret`, as in a Basic header that lost its scheme."""
    try:
        decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return ":" in decoded and decoded.isprintable()


def redact(text: str) -> str:
    """`text` with passwords, tokens, Authorization values, JWTs and Basic blobs replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    text = _SCHEME_TOKEN.sub(
        lambda m: m[1] + m[2] + HIDDEN if _looks_like_token(m[3]) else m[0], text
    )
    return _BASE64.sub(lambda m: HIDDEN if _is_basic_blob(m[0]) else m[0], text)


class RedactingFilter(logging.Filter):
    """Redacts a record's message, traceback and stack in place, so every handler after this
    one (and the file) sees only the redacted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def log_dir() -> Path:
    """The folder for the log: `$ACR_DESKTOP_LOG_DIR`, else the platform's place for app logs."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "ACR Desktop" / "logs"
    if sys.platform == "darwin":
        return home / "Library" / "Logs" / "ACR Desktop"
    state = os.environ.get("XDG_STATE_HOME") or str(home / ".local" / "state")
    return Path(state) / "acr-desktop" / "logs"


def log_file() -> Path:
    return log_dir() / LOG_FILE


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send `acr_desktop` records (and warnings from libraries) to the rotating log file.

    Returns the file, or None when the folder cannot be written (the app runs on without a log).
    Safe to call again: the handler is added once.
    """
    root = logging.getLogger()
    for existing in root.handlers:
        if isinstance(existing, _AppFileHandler):
            return Path(existing.baseFilename)
        if isinstance(existing, _AppStderrHandler):
            return None
    path = log_file()
    written: Path | None = path
    handler: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _AppFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        handler.setLevel(level)
    except OSError as exc:
        if sys.stderr is None:  # a windowed Windows build: nowhere to say it
            return None
        print(f"acr-desktop: cannot write the log in {path.parent}: {exc}", file=sys.stderr)
        written = None
        handler = _AppStderrHandler(sys.stderr)  # warnings still go somewhere, redacted
        handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    app_logger = logging.getLogger("acr_desktop")
    if app_logger.level == logging.NOTSET or app_logger.level > level:
        app_logger.setLevel(level)
    logging.captureWarnings(True)
    return written


def close_logging() -> None:
    """Remove and close our handler (tests; the app lets logging.shutdown do it)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _AppFileHandler | _AppStderrHandler):
            root.removeHandler(handler)
            handler.close()
    logging.captureWarnings(False)


class _AppFileHandler(logging.handlers.RotatingFileHandler):
    """Our handler, recognisable so setup_logging() adds it once."""


class _AppStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Stands in for the file when its folder cannot be written."""
