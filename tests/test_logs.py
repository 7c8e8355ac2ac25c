"""The log file and the redaction every log line and crash report goes through."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

from acr_desktop import logs
from acr_desktop.logs import HIDDEN, RedactingFilter, redact

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLVNFQ1JFVA"
BASIC_BLOB = base64.b64encode(b"alice:alice-pw-SECRET").decode()
MARKERS = ("SECRET", "eyJ", BASIC_BLOB)


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {JWT}",
        f"headers={{'Authorization': 'Basic {BASIC_BLOB}', 'Accept': '*/*'}}",
        f"proxy-authorization: Basic {BASIC_BLOB}",
        f"Bearer {JWT}",
        "Bearer opaque-token-123-SECRET",
        f"the header was Basic {BASIC_BLOB} and failed",
        "grant_type=refresh_token&refresh_token=rt-SECRET-1&service=x.azurecr.io",
        "grant_type=password&username=bob&password=bob-SECRET&scope=repository:a:pull",
        "GET /token?access_token=at-SECRET HTTP/1.1",
        '{"access_token": "at-SECRET", "token": "t SECRET", "refresh_token": "r-SECRET"}',
        "{'password': 'pw-SECRET', 'username': 'bob'}",
        "https://bob:pw-SECRET@registry.example/v2/",
        f"a blob on its own: {BASIC_BLOB}",
        f"a JWT fragment {JWT[:20]}",
    ],
)
def test_redact_removes_the_secret(text: str) -> None:
    redacted = redact(text)
    assert HIDDEN in redacted
    assert not [m for m in MARKERS if m in redacted], redacted


@pytest.mark.parametrize(
    "text",
    [
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
        "using Basic auth for myreg.azurecr.io; Bearer challenge seen",
        "Could not refresh the token: HTTP 401 for myreg.azurecr.io/team/app:1.4",
        "sha256:" + "ab" * 32,
        '{"token_type": "Bearer", "expires_in": 300}',
        "/usr/lib/python3/dist-packages/acr_desktop/registry/transport.py",
    ],
)
def test_redact_leaves_ordinary_text(text: str) -> None:
    assert redact(text) == text


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("acr_desktop.test", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_filter_redacts_message_arguments_and_traceback() -> None:
    try:
        raise RuntimeError(f"token exchange failed: Authorization: Bearer {JWT}")
    except RuntimeError as exc:
        record = _record("sent %s with %s", "password=pw-SECRET", f"Basic {BASIC_BLOB}", exc=exc)
    assert RedactingFilter().filter(record)
    text = logging.Formatter(logs.FORMAT).format(record)
    assert "RuntimeError: token exchange failed" in text
    assert "Traceback" in text
    assert not [m for m in MARKERS if m in text], text


@pytest.fixture
def log_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "logs"
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(folder))
    yield folder
    logs.close_logging()


def _isolated_logger(name: str) -> logging.Logger:
    """A logger that reaches our file handler only (the suite's secret scan listens on root,
    and rightly flags the raw secrets this test feeds in)."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logs._AppFileHandler))
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    return logger


def test_setup_logging_writes_a_redacted_rotating_file(log_folder: Path) -> None:
    path = logs.setup_logging()
    assert path == log_folder / logs.LOG_FILE
    assert logs.setup_logging() == path, "a second call adds no second handler"
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logs._AppFileHandler)]
    assert len(handlers) == 1
    assert handlers[0].maxBytes == logs.MAX_BYTES
    assert handlers[0].backupCount == logs.BACKUPS

    logger = _isolated_logger("acr_desktop.test_logs")
    logger.info("signed in with password=%s", "pw-SECRET")
    try:
        raise ValueError(f"Authorization: Basic {BASIC_BLOB}")
    except ValueError:
        logger.exception("request failed with %s", f"Bearer {JWT}")
    logging.getLogger("acr_desktop.test_logs").info("an ordinary line")
    logger.handlers, logger.propagate = [], True
    handlers[0].flush()
    text = path.read_text(encoding="utf-8")
    assert "signed in with password=<redacted>" in text
    assert "ValueError: Authorization: <redacted>" in text
    assert "an ordinary line" in text
    assert not [m for m in MARKERS if m in text], text


def test_unwritable_folder_falls_back_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(blocker / "logs"))
    try:
        assert logs.setup_logging() is None
        assert "cannot write the log" in capsys.readouterr().err
    finally:
        logs.close_logging()
    assert not [h for h in logging.getLogger().handlers if isinstance(h, logs._AppStderrHandler)]


def test_log_dir_is_the_platforms_log_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(logs.LOG_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    name = "ACR Desktop" if sys.platform in ("win32", "darwin") else "acr-desktop"
    assert logs.log_dir() == platformdirs.user_log_path(name, appauthor=False)
    if sys.platform.startswith("linux"):
        assert logs.log_dir() == tmp_path / "state" / "acr-desktop" / "log"
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(tmp_path / "mine"))
    assert logs.log_dir() == tmp_path / "mine"


def test_importing_logs_leaves_platformdirs_for_later() -> None:
    """The window imports this module on its start path; platformdirs waits for log_dir()."""
    code = (
        "import sys, acr_desktop.logs as logs\n"
        "assert 'platformdirs' not in sys.modules\n"
        "logs.redact('x')\n"
        "assert 'platformdirs' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    "text",
    [
        ".A" * 500_000,  # a dotted run: a URL scheme could start at each of its word boundaries
        ":password" + "-a" * 500_000,
        "eyJ." * 250_000,
        "'token':'" * 111_111,
        "Bearer " * 142_857,
        "A" * 1_000_000 + "===",
    ],
    ids=["dotted", "dashed", "jwt-starts", "json-keys", "bearers", "base64-run"],
)
def test_redaction_is_linear_on_a_megabyte_of_adversarial_text(text: str) -> None:
    """Each took minutes to hours when a pattern rescanned the rest of the text at every start;
    linear, a megabyte takes well under a second (the bound is generous for a busy machine)."""
    start = time.process_time()
    redact(text)
    assert time.process_time() - start < 5


def test_a_huge_record_is_cut_with_a_note_and_still_redacted() -> None:
    secret_at_the_cut = "https://bob:pw-SECRET-" + "x" * 200 + "@registry.example/v2/"
    message = "word " * (logs.MAX_RECORD_CHARS // 5 - 10) + secret_at_the_cut + " more" * 1000
    record = _record("%s", message)
    assert RedactingFilter().filter(record)
    text = record.getMessage()
    assert len(text) <= logs.MAX_RECORD_CHARS + 100
    assert text.endswith("more characters not logged]")
    assert "SECRET" not in text
    assert redact('{"token": "t SECRET') == '{"token": "<redacted>"'  # a value cut before its end


def test_a_huge_traceback_keeps_its_end() -> None:
    try:
        raise ValueError("x " * logs.MAX_RECORD_CHARS + "Authorization: Basic " + BASIC_BLOB)
    except ValueError as exc:
        record = _record("failed", exc=exc)
    assert RedactingFilter().filter(record)
    assert record.exc_text is not None
    assert len(record.exc_text) <= logs.MAX_RECORD_CHARS + 100
    assert record.exc_text.startswith("[") and "characters not logged]" in record.exc_text
    assert record.exc_text.endswith(f"Authorization: {HIDDEN}")
