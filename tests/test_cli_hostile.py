"""`acr-desktop inspect` against a registry that misbehaves on purpose (the fake server): what
reaches the terminal is plain text, every failure is one sentence and an exit code (never a
traceback), and `--timeout` bounds the whole inspect, however slowly the server answers."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from acr_desktop.cli import (
    EXIT_CANCELLED,
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    inspect_main,
)
from acr_desktop.registry import mediatypes as mt
from acr_desktop.text import terminal_safe
from tests.rig import FakeRequest, FakeServer
from tests.rig.fake_server import error_body

ESCAPES = "\x1b]0;pwned\x07 \x1b[2J \x1b[31mPassword: <b>markup</b>"
DIGEST = "sha256:" + "a" * 64
TIMEOUT = 3.0  # --timeout of the deadline tests
MARGIN = 3.0  # how late past it they may end: generous, the machine may be busy


@pytest.fixture(autouse=True)
def no_docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from this user's Docker / Podman config takes part."""
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)


@pytest.fixture
def registry(fake_server: FakeServer) -> Iterator[FakeServer]:
    """The fake server answering `/v2/` like an anonymous registry."""
    fake_server.reply("GET", r"/v2/", 200, {"Docker-Distribution-API-Version": "registry/2.0"})
    yield fake_server


class Run:
    def __init__(self, code: int, out: bytes, err: str, seconds: float) -> None:
        self.code, self.out, self.err, self.seconds = code, out, err, seconds

    @property
    def text(self) -> str:
        return self.out.decode("utf-8")

    def assert_one_sentence(self) -> None:
        """The failure said in one line on stderr, no traceback, nothing the terminal acts on."""
        assert "Traceback" not in self.err
        lines = [line for line in self.err.splitlines() if line.startswith("acr-desktop: ")]
        assert len(lines) == 1, self.err
        assert_plain(self.err)


def assert_plain(text: str) -> None:
    assert not [c for c in text if (ord(c) < 0x20 and c not in "\n") or 0x7F <= ord(c) < 0xA0]


def run(
    server: FakeServer,
    ref: str,
    *args: str,
    capsys: pytest.CaptureFixture[str],
    timeout: float = 10,
) -> Run:
    # A strict UTF-8 stream, as a terminal's: a lone surrogate written to it would raise.
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    start = time.monotonic()
    code = inspect_main([f"{server.host}/{ref}", "--timeout", str(timeout), *args], out=out)
    seconds = time.monotonic() - start
    out.flush()
    raw = out.buffer.getvalue()
    return Run(code, raw, capsys.readouterr().err, seconds)


def manifest(layer_type: str) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {"mediaType": mt.OCI_CONFIG, "digest": DIGEST, "size": 3},
            "layers": [{"mediaType": layer_type, "digest": DIGEST, "size": 5}],
        }
    ).encode()


def index(os_name: str) -> bytes:
    entry = {
        "mediaType": mt.OCI_MANIFEST,
        "digest": DIGEST,
        "size": 7,
        "platform": {"os": os_name, "architecture": "amd64"},
    }
    return json.dumps(
        {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": [entry]}
    ).encode()


# -- server text is plain text ------------------------------------------------------------------
def test_terminal_safe_escapes_what_a_terminal_acts_on() -> None:
    assert terminal_safe("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07"
    assert terminal_safe("a\rb\x9bc\x7f") == "a\\x0db\\x9bc\\x7f"
    assert terminal_safe("abc\u202egnp.exe\u2066") == "abc\\u202egnp.exe\\u2066"
    assert terminal_safe("lone \ud800") == "lone \\ud800"
    assert terminal_safe("two\nlines\t") == "two\\x0alines\\x09"
    assert terminal_safe("two\nlines\t", newlines=True) == "two\nlines\t"
    assert terminal_safe("<b>ünïcode</b> — 日本") == "<b>ünïcode</b> — 日本"


def test_escape_sequences_in_an_error_are_shown_not_run(
    registry: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every path under the repository (the manifest, and the tag list asked to tell a missing
    # tag from a missing repository) answers with the same message.
    registry.reply("GET", r"/v2/r/.*", 404, {}, error_body("MANIFEST_UNKNOWN", ESCAPES))
    result = run(registry, "r:v1", capsys=capsys)
    assert result.code == EXIT_NOT_FOUND
    result.assert_one_sentence()
    assert "\x1b" not in result.err and "\x07" not in result.err
    assert "Password:" in result.err  # shown as text (escaped or stripped), not a prompt
    assert "<b>markup</b>" in result.err or "markup" in result.err


def test_server_text_in_a_report_is_escaped(
    registry: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Layer media types come from the server."""
    body = manifest("application/x\x1b[2J\x1b]0;pwned\x07\u202e")
    registry.reply("GET", r"/v2/r/manifests/v1", 200, {"Content-Type": mt.OCI_MANIFEST}, body)
    result = run(registry, "r:v1", capsys=capsys)
    assert result.code == EXIT_OK, result.err
    assert_plain(result.text)
    assert "\u202e" not in result.text
    assert "application/x\\x1b[2J\\x1b]0;pwned\\x07\\u202e" in result.text
    assert hashlib.sha256(body).hexdigest() in result.text


def test_platform_names_in_a_report_are_escaped(
    registry: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    body = index("linux\x1b[31m\nPassword:")
    registry.reply("GET", r"/v2/r/manifests/v1", 200, {"Content-Type": mt.OCI_INDEX}, body)
    result = run(registry, "r:v1", capsys=capsys)
    assert result.code == EXIT_OK, result.err
    assert_plain(result.text)
    assert not [line for line in result.text.splitlines() if line.startswith("Password:")]


def test_platform_names_in_an_error_are_escaped(
    registry: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sentence naming the platforms an index has quotes the server's platform strings."""
    body = index("linux\x1b]0;pwned\x07\u202e")
    registry.reply("GET", r"/v2/r/manifests/v1", 200, {"Content-Type": mt.OCI_INDEX}, body)
    result = run(registry, "r:v1", "--platform", "linux/arm64", capsys=capsys)
    assert result.code == EXIT_NOT_FOUND
    result.assert_one_sentence()
    assert "linux\\x1b]0;pwned\\x07\\u202e/amd64" in result.err


def test_json_output_is_ascii_with_escapes(
    registry: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    body = manifest("application/x\x1b[2J\u202e")
    registry.reply("GET", r"/v2/r/manifests/v1", 200, {"Content-Type": mt.OCI_MANIFEST}, body)
    result = run(registry, "r:v1", "--json", capsys=capsys)
    assert result.code == EXIT_OK, result.err
    assert result.out.isascii()
    assert json.loads(result.out)["layers"][0]["media_type"] == "application/x\x1b[2J\u202e"


def test_a_lone_surrogate_is_one_sentence(
    registry: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Valid JSON ("\\ud800") but no valid text: a strict terminal stream would raise on it."""
    body = manifest("application/x\ud800")
    registry.reply("GET", r"/v2/r/manifests/v1", 200, {"Content-Type": mt.OCI_MANIFEST}, body)
    result = run(registry, "r:v1", capsys=capsys)
    assert result.code == EXIT_ERROR
    result.assert_one_sentence()


# -- answers that are not a manifest ------------------------------------------------------------
def test_an_empty_200_is_an_error_not_a_manifest(
    registry: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    registry.reply("GET", r"/v2/r/manifests/v1", 200, {"Content-Type": mt.OCI_MANIFEST}, b"")
    result = run(registry, "r:v1", capsys=capsys)
    assert result.code == EXIT_ERROR
    result.assert_one_sentence()
    assert "computed from the bytes" not in result.text
    assert hashlib.sha256(b"").hexdigest() not in result.text + result.err


def test_a_web_server_is_not_a_registry(
    fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page = b"<!doctype html><html><body><h1>Not Found</h1></body></html>"
    fake_server.reply("GET", r"/.*", 404, {"Content-Type": "text/html"}, page)
    result = run(fake_server, "r:v1", capsys=capsys)
    assert result.code == EXIT_ERROR
    result.assert_one_sentence()
    assert f"{fake_server.host} answered, but it is not a container registry" in result.err


# -- one deadline -------------------------------------------------------------------------------
DRIP_BYTES = 20  # a body of 20 bytes, one a second: a failing test ends after 20 s, not hours


def _drip(server: FakeServer, framing: dict[str, str]) -> None:
    def handler(_req: FakeRequest) -> tuple[int, dict[str, str], Iterator[bytes]]:
        def body() -> Iterator[bytes]:
            for _ in range(DRIP_BYTES):
                if server.stopping.wait(1.0):
                    return
                yield b" "

        return 200, {"Content-Type": mt.OCI_MANIFEST, **framing}, body()

    server.route("GET", r"/v2/r/manifests/v1", handler)


@pytest.mark.parametrize(
    "framing",
    [{"Content-Length": str(DRIP_BYTES)}, {"Transfer-Encoding": "chunked"}],
    ids=["content-length", "chunked"],
)
def test_a_drip_fed_body_ends_at_the_deadline(
    registry: FakeServer, framing: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """One byte a second: no read ever times out, the whole inspect must. With a Content-Length
    (the connection then closes after the answer) the read blocks inside one chunk; chunked, the
    core sees each byte arrive."""
    _drip(registry, framing)
    result = run(registry, "r:v1", capsys=capsys, timeout=TIMEOUT)
    assert result.seconds < TIMEOUT + MARGIN, result.seconds
    assert result.code == EXIT_ERROR
    result.assert_one_sentence()


def test_retry_after_longer_than_the_deadline_ends_at_it(
    registry: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    registry.reply(
        "GET",
        r"/v2/r/manifests/v1",
        429,
        {"Retry-After": "60", "Content-Type": "application/json"},
        error_body("TOOMANYREQUESTS", "slow down"),
    )
    result = run(registry, "r:v1", capsys=capsys, timeout=TIMEOUT)
    assert result.code == EXIT_ERROR
    result.assert_one_sentence()
    assert result.seconds < TIMEOUT + MARGIN, result.seconds


def test_ctrl_c_exits_130_without_a_traceback(registry: FakeServer, tmp_path: Path) -> None:
    registry.hang("GET", r"/v2/r/manifests/v1")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    process = subprocess.Popen(
        [sys.executable, "-m", "acr_desktop", "inspect", f"{registry.host}/r:v1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not [r for r in registry.requests if "/manifests/" in r.path]:
            assert time.monotonic() < deadline, "the inspect never asked for the manifest"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == EXIT_CANCELLED
    assert b"Traceback" not in err, err.decode()


# -- whatever else goes wrong: one sentence ------------------------------------------------------
def test_an_unexpected_exception_is_one_redacted_sentence(
    registry: FakeServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A parser that raises something other than the project's errors (a bug, or server data
    nobody foresaw) still ends the CLI with one line, no traceback, no secret."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise TypeError("bad field \x1b[2J in password=pw-SECRET")

    monkeypatch.setattr("acr_desktop.inspection.inspect", broken)
    result = run(registry, "r:v1", capsys=capsys)
    assert result.code == EXIT_ERROR
    result.assert_one_sentence()
    assert "something unexpected went wrong (TypeError: bad field \\x1b[2J in" in result.err
    assert "SECRET" not in result.err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_timeout_that_is_no_deadline_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert inspect_main(["127.0.0.1:9/r:v1", "--timeout", value]) == EXIT_USAGE
    assert "--timeout takes seconds" in capsys.readouterr().err
