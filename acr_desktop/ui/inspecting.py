"""Inspecting from the window: one inspect job at a time on the worker, through the inspect
service the CLI uses too; the answer (or the error) comes back as a signal on the UI thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from acr_desktop.ui.worker import Job, JobRunner

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.manifest import Descriptor
    from acr_desktop.registry.reference import Reference
    from acr_desktop.ui.models import PlatformRow

CHANNEL = "inspect"


def warm_up_imports() -> None:
    """Import the network stack off the UI thread, so the first inspect does not pay for it."""
    import acr_desktop.inspection  # noqa: F401


class InspectController(QObject):
    """Runs inspections of the reference on show (`current`) and keeps the last one shown.

    `prepare(registry)` hands the registry's credentials and connection settings to the client,
    here on the UI thread, before each job.

    Signals:
    started(str): a job started; what it is doing, for the status line.
    inspected(object): an Inspection arrived.
    failed(object): the job raised (the exception).
    waiting(float, int): the registry is rate limiting; (seconds, attempt) before a retry.
    settled(): the job is over, whatever its end.
    """

    started = Signal(str)
    inspected = Signal(object)
    failed = Signal(object)
    waiting = Signal(float, int)  # emitted from the worker thread, delivered queued
    settled = Signal()

    def __init__(
        self,
        runner: JobRunner,
        client: Callable[[], RegistryClient],
        prepare: Callable[[str], None],
        parent: QObject | None = None,
        timeout: Callable[[], float | None] = lambda: None,
    ) -> None:
        super().__init__(parent)
        self._timeout = timeout  # seconds one inspection may take, read at each start
        self._runner = runner
        self._client = client
        self._prepare = prepare
        self.current: Reference | None = None
        self.inspection: Inspection | None = None
        self.platform_rows: list[PlatformRow] | None = None  # of the index of `inspection`
        self._started_at = 0.0
        self.elapsed_ms = 0.0  # of the last inspection shown

    @property
    def busy(self) -> bool:
        return self._runner.is_busy(CHANNEL)

    def inspect(self, ref: Reference) -> None:
        self.current = ref
        self._prepare(ref.registry)
        client = self._client()

        def work() -> Inspection:
            from acr_desktop.inspection import inspect

            return inspect(client, ref)

        self._start(work, f"Inspecting {ref}…")

    def choose_platform(self, entry: Descriptor) -> None:
        ins = self.inspection
        if ins is None:
            return
        client = self._client()

        def work() -> Inspection:
            from acr_desktop.inspection import inspect_entry

            return inspect_entry(client, ins.reference, ins.top, entry)

        self._start(work, f"Fetching {entry.platform or entry.digest}…")

    def cancel(self) -> bool:
        """Cancel the running job; False when there was none."""
        if not self.busy:
            return False
        self._runner.cancel(CHANNEL)
        return True

    def _start(self, work: Callable[[], Inspection], status: str) -> Job:
        from acr_desktop.ui.models import platform_rows  # not on the start path

        self._started_at = time.perf_counter()

        def work_and_rows() -> tuple[Inspection, list[PlatformRow] | None]:
            ins = work()
            # An index may hold 20,000 entries: its rows are grouped here, not on the UI thread.
            return ins, platform_rows(ins.index) if ins.index is not None else None

        job = self._runner.start(
            CHANNEL, work_and_rows, on_wait=self.waiting.emit, timeout=self._timeout()
        )
        job.returned.connect(self._returned)
        job.errored.connect(self.failed.emit)
        job.settled.connect(self.settled.emit)
        self.started.emit(status)
        return job

    def _returned(self, answer: tuple[Inspection, list[PlatformRow] | None]) -> None:
        ins, self.platform_rows = answer
        self.inspection = ins
        self.elapsed_ms = (time.perf_counter() - self._started_at) * 1000
        self.inspected.emit(ins)
