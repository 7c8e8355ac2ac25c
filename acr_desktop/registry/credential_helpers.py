"""Docker credential helpers (`docker-credential-<name> get`), run so that none can hurt the
app: a timeout and the current operation's cancel and deadline stop the helper's whole process
group, and its output is read with a cap."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from typing import Any

from acr_desktop.registry.errors import Cancelled, InvalidResponse
from acr_desktop.registry.json_doc import load_json
from acr_desktop.registry.operation import current_operation, remaining

_MAX_HELPER_OUTPUT = 1024 * 1024  # an answer is a few hundred bytes; more is stopped
_CHUNK = 64 * 1024


class HelperFailed(Exception):
    """A credential helper that is missing or failed; the text says which and how (no output)."""


def run_helper(
    name: str, server_url: str, env: Mapping[str, str], timeout: float
) -> tuple[str, str] | None:
    """Ask `docker-credential-<name>` for `server_url`: (username, secret), or None if it has
    nothing. The helper's output may hold the secret, so no message ever quotes it."""
    program = f"docker-credential-{name}"
    exe = shutil.which(program, path=env.get("PATH", os.defpath))
    if exe is None:
        raise HelperFailed(f"The credential helper {program} is not installed (not on PATH)")
    try:
        proc = subprocess.Popen(
            [exe, "get"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            start_new_session=os.name == "posix",  # so a timeout can stop its children too
        )
    except OSError as exc:
        raise HelperFailed(
            f"The credential helper {program} could not be started: {exc.strerror}"
        ) from None
    out, err = _talk(proc, program, server_url.encode("utf-8", "replace"), timeout)
    if proc.returncode != 0:
        if b"credentials not found" in (out + err).lower():
            return None
        raise HelperFailed(
            f"The credential helper {program} failed (exit status {proc.returncode})"
        )
    try:
        answer = load_json(out, what="credential helper's answer")
    except InvalidResponse:
        answer = None
    secret = answer.get("Secret") if isinstance(answer, dict) else None
    username = answer.get("Username") if isinstance(answer, dict) else None
    if not isinstance(secret, str) or not isinstance(username, str | None):
        raise HelperFailed(
            f"The credential helper {program} answered with something that is not a credential"
        )
    return (username or "", secret) if secret else None


def _talk(
    proc: subprocess.Popen[bytes], program: str, request: bytes, timeout: float
) -> tuple[bytes, bytes]:
    """Send `request`, collect stdout and stderr (each at most _MAX_HELPER_OUTPUT bytes) until
    the helper exits; stop its process group when it prints too much or takes too long."""
    wake = threading.Event()
    outputs = (_Output(proc.stdout, wake), _Output(proc.stderr, wake))
    deadline = time.monotonic() + timeout
    if proc.stdin is not None:
        with contextlib.suppress(OSError):  # a helper that exits without reading stdin
            proc.stdin.write(request)
            proc.stdin.close()
    late = HelperFailed(f"The credential helper {program} did not answer within {timeout:g} s")
    while True:
        if any(output.over for output in outputs):
            _stop(proc, outputs)
            raise HelperFailed(
                f"The credential helper {program} printed more than "
                f"{_MAX_HELPER_OUTPUT // (1024 * 1024)} MiB; it was stopped"
            )
        if all(output.done.is_set() for output in outputs):
            break
        op = current_operation()
        if op is not None and op.cancel_event.is_set():
            _stop(proc, outputs)
            raise Cancelled()
        op_left = remaining()  # the operation's deadline may come first
        left = deadline - time.monotonic()
        left = left if op_left is None else min(left, op_left)
        if left <= 0:
            _stop(proc, outputs)
            raise late
        wake.wait(min(left, 0.05))
        wake.clear()
    try:
        proc.wait(max(deadline - time.monotonic(), 0.01))
    except subprocess.TimeoutExpired:
        _stop(proc, outputs)
        raise late from None
    for output in outputs:
        output.close()
    return bytes(outputs[0].data), bytes(outputs[1].data)


class _Output:
    """One pipe of a helper, read on a daemon thread into a buffer of bounded size."""

    def __init__(self, stream: Any, wake: threading.Event) -> None:
        self.data = bytearray()
        self.over = False
        self.done = threading.Event()
        self._wake = wake  # set when reading ends, so the waiting loop reacts at once
        self._stream = stream
        threading.Thread(target=self._read, daemon=True, name="credential-helper-pipe").start()

    def _read(self) -> None:
        try:
            while chunk := self._stream.read1(_CHUNK):
                if len(self.data) + len(chunk) > _MAX_HELPER_OUTPUT:
                    self.over = True  # stop reading: the helper blocks, and is then killed
                    break
                self.data += chunk
        except (OSError, ValueError):  # the pipe was closed under us after a stop
            pass
        finally:
            self.done.set()
            self._wake.set()

    def close(self) -> None:
        if self.done.is_set():  # never close a pipe another thread is still reading
            with contextlib.suppress(OSError):
                self._stream.close()


def _stop(proc: subprocess.Popen[bytes], outputs: tuple[_Output, ...]) -> None:
    """Kill the helper and whatever it started, and reap it."""
    with contextlib.suppress(OSError):  # already gone
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=1.0)
    # A grandchild that left the group may still hold the pipes: do not wait for it long.
    for output in outputs:
        output.done.wait(0.2)
        output.close()
