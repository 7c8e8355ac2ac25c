"""Closing the window ends the process within 2 s, even while an inspect is reading from a
server that drips a byte every 5 s forever (the real app, in a child process); an inspect in
the window ends by the timeout preference."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from pytestqt.qtbot import QtBot

from acr_desktop.registry import errors
from acr_desktop.registry import mediatypes as mt
from acr_desktop.ui.main_window import MainWindow
from tests.rig import FakeRequest, FakeServer
from tests.rig.fake_server import Response

CHILD = Path(__file__).with_name("_exit_child.py")
MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST}).encode()


def drip_forever(server: FakeServer) -> None:
    """Manifests answer with a Content-Length and then one byte every 5 s until stopped:
    a read blocks for seconds, longer than closing may take."""

    def body() -> Iterator[bytes]:
        while not server.stopping.wait(5.0):
            yield b" "

    def handler(req: FakeRequest) -> Response:
        # Small enough to be read (no TooLarge up front), never complete at this pace.
        headers = {"Content-Type": mt.OCI_MANIFEST, "Content-Length": "4096"}
        return 200, headers, body() if req.method == "GET" else b""

    server.reply("GET", r"/v2/", 200, {"Docker-Distribution-API-Version": "registry/2.0"})
    server.route("*", r"/v2/drip/app/manifests/.+", handler)


def child_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["DOCKER_CONFIG"] = str(tmp_path / "docker")
    env["ACR_DESKTOP_LOG_DIR"] = str(tmp_path / "log")
    return env


def test_closing_the_window_mid_inspect_ends_the_process_quickly(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    drip_forever(fake_server)
    flag = tmp_path / "close-now"
    child = subprocess.Popen(
        [sys.executable, str(CHILD), f"{fake_server.host}/drip/app:v1", str(flag)],
        env=child_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not any(r.method == "GET" and "/manifests/" in r.path for r in fake_server.requests):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the inspect never reached the server"
            time.sleep(0.05)
        time.sleep(1.0)  # the read is in flight, blocked until the next byte
        assert child.poll() is None
        closed = time.monotonic()
        flag.touch()
        try:
            child.wait(timeout=10)
        finally:
            took = time.monotonic() - closed
        out, err = child.communicate()
        assert "closing while inspecting" in out, out + err  # the read was in flight
        logs = "".join(p.read_text() for p in (tmp_path / "log").glob("*.log*"))
        how = "a thread stayed blocked" if "still blocked" in logs else "every thread ended"
        print(f"\nwindow closed -> process ended: {took:.2f} s ({how})")
        assert took < 3.0, f"took {took:.2f} s\n{err}"
        assert child.returncode == 0, err
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_an_inspect_ends_by_the_timeout_preference(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    """The window's deadline (the CLI's --timeout) ends an inspect the server keeps dripping."""
    drip_forever(fake_server)
    window.preferences.set_timeout(1.5)
    started = time.monotonic()
    with qtbot.waitSignal(window.failed, timeout=10_000) as failed:
        window.inspect_text(f"{fake_server.host}/drip/app:v1")
    assert isinstance(failed.args[0], errors.RegistryTimeout)
    assert time.monotonic() - started < 4.0
    assert window.message_bar.isVisible()
