"""The operation a worker is running on this thread: its cancel switch, its deadline, and who
wants to hear about waits (a 429's `Retry-After`). The core reads it between calls; nothing is
passed through every function.

What blocks inside a call (a socket read of a server that drips one byte a second, a credential
helper that never exits) cannot look at the switch. So sockets and child processes are registered
with the current operation, and one watchdog thread ends them (shuts the socket down, kills the
process) once their operation is cancelled or past its deadline: the blocked call then returns
at once and the caller turns that into `Cancelled` or `RegistryTimeout`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from acr_desktop.registry.errors import Cancelled

if TYPE_CHECKING:  # subprocess costs the CLI start-up time; only callers that run one need it
    import subprocess

WaitObserver = Callable[[float, int], None]  # (seconds, attempt)
POLL_SECONDS = 0.05  # how soon after a cancel or a deadline the watchdog ends what blocks


@dataclass(frozen=True, eq=False)
class Operation:
    cancel_event: threading.Event = field(default_factory=threading.Event)
    deadline: float | None = None  # time.monotonic() by which the whole operation must end
    on_wait: WaitObserver | None = None
    timeout: float | None = None  # the seconds allowed, for sentences ("within 5 s")

    @property
    def over(self) -> bool:
        """Cancelled, or past its deadline."""
        return self.cancel_event.is_set() or (
            self.deadline is not None and time.monotonic() >= self.deadline
        )


_current: ContextVar[Operation | None] = ContextVar("acr_desktop_operation", default=None)


@contextmanager
def operation(
    cancel_event: threading.Event | None = None,
    *,
    timeout: float | None = None,
    on_wait: WaitObserver | None = None,
) -> Iterator[Operation]:
    """Within this block, `check_cancelled()` raises `Cancelled` once `cancel_event` is set,
    `remaining()` counts down from `timeout` seconds, and `notify_wait` reaches `on_wait`;
    sockets and processes registered inside it are ended when it is cancelled or times out."""
    current = Operation(
        cancel_event or threading.Event(),
        None if timeout is None else time.monotonic() + timeout,
        on_wait,
        timeout,
    )
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)
        _watchdog.forget(current)


def current_operation() -> Operation | None:
    return _current.get()


def check_cancelled() -> None:
    op = _current.get()
    if op is not None and op.cancel_event.is_set():
        raise Cancelled()


def remaining() -> float | None:
    """Seconds left before the operation's deadline (never negative); None without one."""
    op = _current.get()
    if op is None or op.deadline is None:
        return None
    return max(0.0, op.deadline - time.monotonic())


def notify_wait(seconds: float, attempt: int) -> None:
    """Tell whoever runs this operation that it will wait `seconds` (e.g. for a rate limit)."""
    op = _current.get()
    if op is not None and op.on_wait is not None:
        op.on_wait(seconds, attempt)


def sleep_cancellable(seconds: float) -> None:
    """Sleep, waking early (and raising) if the current operation is cancelled. Never sleeps
    past the operation's deadline."""
    op = _current.get()
    left = remaining()
    if left is not None:
        seconds = min(seconds, left)
    if op is None:
        threading.Event().wait(seconds)
        return
    if op.cancel_event.wait(seconds):
        raise Cancelled()


# -- ending what blocks ----------------------------------------------------------------------------
def register_socket_owner(owner: Any) -> None:
    """Shut down `owner` (a socket, or anything with a `.sock`, read at that moment) when the
    current operation is cancelled or times out. Registering again (a pooled connection
    reused by another operation) moves it to the new operation. No-op outside an operation."""
    op = _current.get()
    if op is not None:
        _watchdog.watch(op, owner, _shutdown_sock)


def register_process(process: subprocess.Popen[Any], *, group: bool = False) -> None:
    """Kill `process` (its whole process group if `group`: start it with
    `start_new_session=True`) when the current operation is cancelled or times out."""
    op = _current.get()
    if op is not None:
        _watchdog.watch(op, process, _kill_group if group else _kill)


def _shutdown_sock(owner: Any) -> None:
    sock = owner if isinstance(owner, socket.socket) else getattr(owner, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            # The plain socket's shutdown, also for an SSLSocket: its own would drop the TLS
            # object under the thread that is reading from it.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _kill(process: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(OSError):
        process.kill()


def _kill_group(process: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.killpg(process.pid, signal.SIGKILL)  # type: ignore[attr-defined,unused-ignore]
    _kill(process)


class _Watchdog:
    """One daemon thread, started on first use, polling while anything is registered."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[Operation, weakref.ref[Any], Callable[[Any], None]]] = {}
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, op: Operation, obj: Any, end: Callable[[Any], None]) -> None:
        key = id(obj)
        ref = weakref.ref(obj, lambda _ref: self._drop(key, _ref))
        with self._wake:
            self._entries[key] = (op, ref, end)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="acr-desktop-watchdog", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def forget(self, op: Operation) -> None:
        with self._wake:
            for key in [k for k, (o, _, _) in self._entries.items() if o is op]:
                del self._entries[key]

    def _drop(self, key: int, ref: weakref.ref[Any]) -> None:
        with self._wake:
            entry = self._entries.get(key)
            if entry is not None and entry[1] is ref:
                del self._entries[key]

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._entries:
                    self._wake.wait()
                due = [(k, e) for k, e in self._entries.items() if e[0].over]
                for key, _ in due:
                    del self._entries[key]
            for _, (_, ref, end) in due:
                obj = ref()
                if obj is not None:
                    end(obj)
            time.sleep(POLL_SECONDS)


_watchdog = _Watchdog()
