"""Keyrings for tests: an in-memory keyring backend, and a real Secret Service (a private
dbus-daemon with gnome-keyring-daemon) in a temp HOME, started and stopped by a context manager."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

BINARIES = ("dbus-daemon", "gnome-keyring-daemon")
KEYRING_PASSWORD = b"test-keyring-unlock"


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict. Priority below zero: keyring never picks it unless it is pinned."""

    priority = -1
    name = "Test Keyring"

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring is untyped
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@contextmanager
def installed_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """`keyring.set_keyring(backend)` for the duration, then the previous backend again."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            stream.close()


def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise RuntimeError(f"{proc.args!r} printed nothing within {timeout} s")
    return proc.stdout.readline().decode().strip()


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%(socket)s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _wait_for_secrets(timeout: float) -> None:
    """Until org.freedesktop.secrets answers on the (already exported) session bus and its
    default collection exists unlocked: the daemon answers before it has unlocked the login
    keyring with the password from stdin, and a save then fails with "Prompt dismissed"."""
    import secretstorage

    deadline = time.monotonic() + timeout
    while True:
        with suppress(Exception):
            connection = secretstorage.dbus_init()
            try:
                if secretstorage.check_service_availability(connection):
                    default = secretstorage.Collection(connection)  # the "default" alias
                    if not default.is_locked():
                        return
            finally:
                connection.close()
        if time.monotonic() > deadline:
            raise RuntimeError("gnome-keyring-daemon did not appear on the session bus")
        time.sleep(0.02)


@contextmanager
def secret_service(home: Path, timeout: float = 10.0) -> Iterator[str]:
    """A private Secret Service: yields the D-Bus address, with HOME, XDG_* and
    DBUS_SESSION_BUS_ADDRESS pointing at it in os.environ until the end (then restored).

    Skips the test only when the binaries are missing (they are installed here and in CI).
    """
    missing = [b for b in BINARIES if shutil.which(b) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (Debian: dbus-daemon, gnome-keyring)")
    # A short runtime dir of its own: unix socket paths are limited to ~108 bytes.
    runtime = Path(tempfile.mkdtemp(prefix="acr-keyring-"))
    env = {
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    saved = {name: os.environ.get(name) for name in [*env, "DBUS_SESSION_BUS_ADDRESS"]}
    procs: list[subprocess.Popen[bytes]] = []
    log = (home / "secret-service.log").open("wb")
    try:
        os.environ.update(env)
        # A bus of our own with no service activation: the stock session config would start a
        # second gnome-keyring-daemon (without --unlock) the moment anything asks for secrets
        # before ours owns the name, and that one answers with prompts ("Prompt dismissed").
        config = runtime / "bus.conf"
        config.write_text(BUS_CONFIG % {"socket": runtime / "bus"})
        procs.append(
            subprocess.Popen(
                [
                    "dbus-daemon",
                    f"--config-file={config}",
                    "--nofork",
                    "--print-address=1",
                ],
                stdout=subprocess.PIPE,
                stderr=log,
            )
        )
        address = _read_line(procs[0], timeout)
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        keyring_daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
        )
        procs.append(keyring_daemon)
        assert keyring_daemon.stdin is not None
        keyring_daemon.stdin.write(KEYRING_PASSWORD)  # --unlock reads the password from stdin
        keyring_daemon.stdin.close()
        _wait_for_secrets(timeout)
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)
        log.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(runtime, ignore_errors=True)
