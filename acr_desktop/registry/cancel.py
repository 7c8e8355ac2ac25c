"""Cooperative cancellation: a worker sets an event for its thread; the core checks it
between calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from acr_desktop.registry.errors import Cancelled

_current: ContextVar[threading.Event | None] = ContextVar("acr_desktop_cancel", default=None)


@contextmanager
def cancellation(event: threading.Event) -> Iterator[None]:
    """Within this block, `check_cancelled()` raises `Cancelled` once `event` is set."""
    token = _current.set(event)
    try:
        yield
    finally:
        _current.reset(token)


def check_cancelled() -> None:
    event = _current.get()
    if event is not None and event.is_set():
        raise Cancelled()


def sleep_cancellable(seconds: float) -> None:
    """Sleep, waking early (and raising) if the current operation is cancelled."""
    event = _current.get()
    if event is None:
        threading.Event().wait(seconds)
        return
    if event.wait(seconds):
        raise Cancelled()
