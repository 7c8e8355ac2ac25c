"""The one worker type: runs a function on a worker thread, with cancel, and drops stale answers.

Signals (of `Job`):
    progress(object): what a function started with `with_progress=True` passed to its `report`
        callback (e.g. a page of tags), delivered on the UI thread, dropped once cancelled.
    returned(object): the function's result, delivered on the UI thread.
    errored(object): the exception it raised (a `RegistryError` for anything the core knows).
    finished(): after either, unless the job was cancelled or superseded.

Each `JobRunner.start(channel, fn)` supersedes the previous job on the same channel: the old one
is cancelled (the core checks between HTTP calls and shuts the sockets of a cancelled
operation, so a read in flight ends too) and whatever it still returns is dropped. Closing the
window cancels everything and waits a bounded time (`shutdown`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from acr_desktop.registry.errors import Cancelled

if TYPE_CHECKING:
    from acr_desktop.registry.operation import WaitObserver

log = logging.getLogger(__name__)


class _Box:
    """Carries a value through a queued signal untouched: PySide converts a bare list or dict
    sent as `object` into a QVariant container (and has crashed doing so), a box it leaves alone."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


class Job(QObject):
    progress = Signal(object)
    _progress = Signal(object)  # emitted from the worker thread
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()
    settled = Signal()  # always, on the UI thread, last, once the function returned or raised
    _done = Signal(object, object)  # (result, error), emitted from the worker thread

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fn = fn
        self.cancel_event = threading.Event()
        self.superseded = False
        self.running = True
        self.thread_done = False
        self.on_wait: WaitObserver | None = None  # called on the worker thread
        self.timeout: float | None = None  # seconds the whole job may take (None: no deadline)
        self._done.connect(self._deliver)  # queued: the Job lives on the UI thread
        self._progress.connect(self._deliver_progress)

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def _run(self) -> None:
        result: Any = None
        error: BaseException | None = None
        from acr_desktop.registry.operation import operation  # off the window's start path

        with operation(self.cancel_event, timeout=self.timeout, on_wait=self.on_wait):
            try:
                result = self.fn()
            except BaseException as exc:  # every failure goes back to the UI
                error = exc
        with contextlib.suppress(RuntimeError):  # the Job was deleted with the window
            self._done.emit(_Box(result), _Box(error))

    def _skip(self) -> None:
        """Cancelled before it started: settle without running."""
        with contextlib.suppress(RuntimeError):
            self._done.emit(_Box(None), _Box(Cancelled()))

    def report(self, value: object) -> None:
        """Called from the worker thread: hand `value` to the UI thread."""
        with contextlib.suppress(RuntimeError):
            self._progress.emit(_Box(value))

    def _deliver_progress(self, box: _Box) -> None:
        if not (self.cancelled or self.superseded):
            self.progress.emit(box.value)

    def _deliver(self, result_box: _Box, error_box: _Box) -> None:
        result, error = result_box.value, error_box.value
        self.running = False
        try:
            if not (self.cancelled or self.superseded or isinstance(error, Cancelled)):
                if error is not None:
                    self.errored.emit(error)
                else:
                    self.returned.emit(result)
                self.finished.emit()
        finally:
            self.settled.emit()  # last: the runner may delete the Job after this


def _no_op() -> None:
    return None


class JobRunner(QObject):
    """Starts jobs on daemon threads, at most `max_threads` running at once; one current job per
    channel.

    Not a QThreadPool: `~QThreadPool` (run when its owner widget is deleted) waits for its
    threads while holding Python's lock, and a queued job needs that lock to start — a deadlock
    seen when a view was deleted with work queued. Daemon threads never hold the process at exit.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._slots = threading.BoundedSemaphore(max_threads)
        self._threads: list[threading.Thread] = []
        self._current: dict[str, Job] = {}
        self._finished: list[Job] = []
        self.stuck = False  # shutdown() left threads running (see there)

    def start(
        self,
        channel: str,
        fn: Callable[..., Any],
        *,
        with_progress: bool = False,
        on_wait: WaitObserver | None = None,
        timeout: float | None = None,
    ) -> Job:
        """Run `fn()` (or `fn(job.report)` with progress) instead of this channel's current job,
        within `timeout` seconds in all when given (the core ends it with RegistryTimeout)."""
        self._reap()
        previous = self._current.get(channel)
        if previous is not None and previous.running:
            previous.superseded = True
            previous.cancel()
        job = Job(fn, self)
        job.on_wait = on_wait
        job.timeout = timeout
        if with_progress:
            job.fn = lambda: fn(job.report)
        self._current[channel] = job
        job.settled.connect(lambda: self._job_done(channel, job))
        thread = threading.Thread(target=self._run, args=(job,), name=f"job-{channel}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()
        self.busy_changed.emit(True)
        return job

    def _run(self, job: Job) -> None:
        """On the job's thread: wait for a free slot (or the cancel), then run it."""
        try:
            while not self._slots.acquire(timeout=0.05):
                if job.cancelled:
                    break
            else:
                try:
                    job._run()
                finally:
                    self._slots.release()
                return
            job._skip()  # cancelled before it could start
        finally:
            job.thread_done = True  # the thread will not touch the Job again

    def _job_done(self, channel: str, job: Job) -> None:
        if self._current.get(channel) is job:
            del self._current[channel]
        job.fn = _no_op  # let go of what the function held
        self._finished.append(job)
        if not self.busy:
            self.busy_changed.emit(False)

    def cancel(self, channel: str | None = None) -> None:
        for name, job in list(self._current.items()):
            if channel is None or name == channel:
                job.cancel()
                del self._current[name]
        if not self.busy:
            self.busy_changed.emit(False)

    @property
    def busy(self) -> bool:
        return any(job.running for job in self._current.values())

    def is_busy(self, channel: str) -> bool:
        job = self._current.get(channel)
        return job is not None and job.running

    def wait(self, wait_ms: int) -> bool:
        """Wait at most `wait_ms` for every job thread to end; True when all did."""
        deadline = time.monotonic() + wait_ms / 1000
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]
        return not self._threads

    def shutdown(self, wait_ms: int = 2000) -> bool:
        """Cancel everything and wait at most `wait_ms` for the threads; True when all ended.

        Cancelling interrupts reads in flight (the core shuts the sockets of cancelled
        operations). A thread still blocked after that does not hold the process (it is a
        daemon); `stuck` tells the app to end the process without waiting for it."""
        self.cancel()
        done = self.wait(wait_ms)
        self._reap()
        if not done and not self.stuck:
            log.warning("Worker threads still busy after %d ms; not waiting for them", wait_ms)
            self.stuck = True
        return done

    def _reap(self) -> None:
        """Delete finished Jobs, here on the UI thread, once their worker is done with them.

        Not `deleteLater()`: a deferred delete still queued when a parentless runner is collected
        crashed in QObject::~QObject (PySide 6.11, seen in the dialog tests)."""
        keep = []
        for job in self._finished:
            if job.thread_done:
                shiboken6.delete(job)
            else:
                keep.append(job)
        self._finished = keep
