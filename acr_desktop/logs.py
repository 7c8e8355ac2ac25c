"""The app's log: a rotating file in the user's log folder, with every secret redacted on the way
in. `redact()` is also what the crash dialog runs its text through. Plain Python, no Qt."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
from functools import cache
from pathlib import Path

LOG_DIR_ENV = "ACR_DESKTOP_LOG_DIR"  # overrides the folder (tests, portable installs)
LOG_FILE = "acr-desktop.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 3
HIDDEN = "<redacted>"
MAX_RECORD_CHARS = 64 * 1024  # a record's message (and its traceback) beyond this is cut
FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"

APP_FOLDER = "ACR Desktop"  # the log folder's name on Windows and macOS
XDG_APP_FOLDER = "acr-desktop"  # and in the XDG folders of Linux and other Unixes (lower case)

_SECRET_KEYS = (
    r"password|passwd|pwd|secret|client_secret|refresh_token|access_token|id_token|"
    r"identitytoken|identity_token|token|api[_-]?key"
)


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """What redact() replaces, compiled on first use: importing this module stays cheap."""
    return (
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
        # "token": "…" and 'password': '…' in JSON and reprs; to the end of the text if unclosed
        # (a record cut short in the middle of the value).
        (
            re.compile(rf"""(?i)(['"](?:{_SECRET_KEYS})['"]\s*:\s*)(['"])(?:(?!\2).)*(?:\2|\Z)"""),
            rf"\1\2{HIDDEN}\2",
        ),
        # user:secret@ in a URL. Anchored on "://" alone: a scheme pattern before it was tried at
        # every word boundary of a long dotted run, each try scanning to its end (quadratic).
        (re.compile(r"(://[^/\s:@]+:)[^/\s@]+@"), rf"\1{HIDDEN}@"),
        # JWTs (header, payload and signature, or any part of one).
        (re.compile(r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}"), HIDDEN),
    )


@cache
def _scheme_token() -> re.Pattern[str]:
    return re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/-]+=*)(?![=\w\"])")


@cache
def _base64() -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{12,}={0,2}(?![A-Za-z0-9+/=])")


def _looks_like_token(text: str) -> bool:
    """A credential rather than a word ("Bearer challenge", "Basic auth"): long, with a digit
    or token punctuation."""
    return len(text) >= 8 and any(c.isdigit() or c in "._~+/-=" for c in text)


def redact(text: str) -> str:
    """`text` with passwords, tokens, Authorization values, JWTs and Basic blobs replaced."""
    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    text = _scheme_token().sub(
        lambda m: m[1] + m[2] + HIDDEN if _looks_like_token(m[3]) else m[0], text
    )
    from acr_desktop.registry.redaction import is_basic_blob  # the core's test, imported late

    return _base64().sub(lambda m: HIDDEN if is_basic_blob(m[0]) else m[0], text)


def bounded(text: str, limit: int = MAX_RECORD_CHARS, *, keep_end: bool = False) -> str:
    """`text` cut to at most `limit` characters (its start, or its end with `keep_end`), with a
    note saying how much was left out. The cut moves to whitespace, so no half of a secret (a
    URL's password, a Basic blob) is left for `redact()` to miss: run this first, then redact."""
    if len(text) <= limit:
        return text
    if keep_end:
        tail = text[-limit:]
        tail = tail[min((i for i in map(tail.find, " \t\r\n") if i >= 0), default=limit) :]
        return f"[{len(text) - len(tail):,} characters not logged] …{tail}"
    head = text[:limit]
    head = head[: max(head.rfind(c) for c in " \t\r\n") + 1]  # "" if one endless word
    return f"{head} … [{len(text) - len(head):,} more characters not logged]"


class RedactingFilter(logging.Filter):
    """Bounds and redacts a record's message, traceback and stack in place, so every handler
    after this one (and the file) sees only the redacted text, at most MAX_RECORD_CHARS each
    (a server's megabyte in an error message costs the log 64 KiB)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(bounded(record.getMessage()))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # A traceback's end says what happened and where: that is the part kept.
            record.exc_text = redact(bounded(record.exc_text, keep_end=True))
        if record.stack_info:
            record.stack_info = redact(bounded(record.stack_info, keep_end=True))
        return True


def log_dir() -> Path:
    """The folder for the log: `$ACR_DESKTOP_LOG_DIR`, else the platform's place for app logs,
    from platformdirs: `$XDG_STATE_HOME/acr-desktop/log` (`~/.local/state/…`) on Linux,
    `%LOCALAPPDATA%/ACR Desktop/Logs` on Windows, `~/Library/Logs/ACR Desktop` on macOS."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    # Imported here: it costs about 10 ms, which importing this module should not.
    import platformdirs

    name = APP_FOLDER if sys.platform in ("win32", "darwin") else XDG_APP_FOLDER
    return platformdirs.user_log_path(name, appauthor=False)


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
