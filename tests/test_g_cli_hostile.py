"""The CLI against a hostile registry's bytes: `--raw` gives a pipe the exact bytes but never lets
escape sequences act on a terminal; the text report shows every server string (annotations,
artifactType, urls, schema 1 history) as text; `--json` stays valid ASCII JSON whatever the
server sent."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from acr_desktop.cli import EXIT_OK, inspect_main
from tests.rig import FakeServer

ESC = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202e\x9b"
HEADERS = {
    "Content-Type": "application/vnd.oci.image.manifest.v1+json",
    "Docker-Distribution-API-Version": "registry/2.0",
}
DIGEST = "sha256:" + "a" * 64


class _Terminal(io.TextIOWrapper):
    """stdout as a terminal: isatty() is True, bytes land in `buffer`."""

    def isatty(self) -> bool:
        return True


def _manifest() -> bytes:
    layer = {
        "mediaType": f"x{ESC}",
        "digest": DIGEST,
        "size": 10**18,
        "urls": [f"https://e.example/{ESC}"],
        "annotations": {f"k{ESC}": f"v{ESC}"},
    }
    body: dict[str, Any] = {
        "schemaVersion": 2, "mediaType": HEADERS["Content-Type"], "artifactType": f"a/{ESC}",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": DIGEST, "size": 2},
        "layers": [layer], "annotations": {f"note{ESC}": f"line\nDigest: forged{ESC}"},
    }  # fmt: skip
    return json.dumps(body, ensure_ascii=False).encode()


def _serve(fake_server: FakeServer) -> bytes:
    body = _manifest()
    fake_server.reply("GET", r"/v2/evil/app/manifests/v1", 200, HEADERS, body)
    return body


def _run(fake_server: FakeServer, *args: str, terminal: bool = False) -> tuple[int, bytes]:
    buffer = io.BytesIO()
    kind = _Terminal if terminal else io.TextIOWrapper
    out = kind(buffer, encoding="utf-8", write_through=True)
    code = inspect_main([f"{fake_server.host}/evil/app:v1", *args], out=out)
    out.flush()
    return code, buffer.getvalue()


def test_raw_to_a_terminal_shows_escapes_as_text(
    fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    body = f"not json, escapes as they are: {ESC}".encode()  # --raw prints what it cannot parse
    headers = {**HEADERS, "Content-Type": "application/octet-stream"}
    fake_server.reply("GET", r"/v2/evil/app/manifests/v1", 200, headers, body)
    code, shown = _run(fake_server, "--raw", terminal=True)
    assert code == EXIT_OK
    assert b"\x1b" not in shown and b"\x07" not in shown and "\u202e".encode() not in shown
    assert b"\\x1b]0;pwned" in shown  # visible, not acted on
    assert "shown escaped on this terminal" in capsys.readouterr().err
    code, piped = _run(fake_server, "--raw")
    assert code == EXIT_OK and piped == body  # a pipe or a file: exactly what was received


def test_raw_to_a_terminal_is_exact_when_nothing_would_act_on_it(
    fake_server: FakeServer,
) -> None:
    body = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",\r\n' \
        b'"manifests":[]}\n'  # fmt: skip
    fake_server.reply("GET", r"/v2/evil/app/manifests/v1", 200, HEADERS, body)
    code, shown = _run(fake_server, "--raw", terminal=True)
    assert code == EXIT_OK and shown == body


def test_text_report_shows_every_server_string_as_text(fake_server: FakeServer) -> None:
    _serve(fake_server)
    code, out = _run(fake_server)
    text = out.decode()
    assert code == EXIT_OK
    assert not any(c in text for c in "\x1b\x07\u202e\x9b")
    assert "\\x1b]0;pwned" in text  # annotations, artifactType, urls, media types: all escaped
    assert "from https://e.example/\\x1b" in text and "Annotation: note\\x1b" in text
    assert "\nDigest: forged" not in text  # a newline in server text starts no line


def test_json_is_valid_ascii_with_the_common_keys(fake_server: FakeServer) -> None:
    _serve(fake_server)
    code, out = _run(fake_server, "--json")
    assert code == EXIT_OK and out.isascii()
    summary = json.loads(out)
    assert summary["kind"] == "artifact" and summary["artifact_type"] == f"a/{ESC}"
    layer = summary["layers"][0]
    assert layer["size"] == 10**18 and layer["urls"] == [f"https://e.example/{ESC}"]
    assert layer["annotations"] == {f"k{ESC}": f"v{ESC}"}
