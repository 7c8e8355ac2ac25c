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
    from acr_desktop.registry.client import FetchedManifest, RegistryClient
    from acr_desktop.registry.manifest import Descriptor
    from acr_desktop.registry.reference import Reference
    from acr_desktop.ui.insp_levels import Level, Trail

CHANNEL = "inspect"


def warm_up_imports() -> None:
    """Import the network stack off the UI thread, so the first inspect does not pay for it."""
    import acr_desktop.inspection
    import acr_desktop.ui.insp_received  # noqa: F401


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
        # The entries listed beside `inspection` (named for the window, which hands it to the
        # inspector): an index's rows, and the way into a nested index (`Level.trail`).
        self.platform_rows: Level | None = None
        self._started_at = 0.0
        self.elapsed_ms = 0.0  # of the last inspection shown

    @property
    def busy(self) -> bool:
        return self._runner.is_busy(CHANNEL)

    def inspect(self, ref: Reference) -> None:
        from acr_desktop.ui.insp_sizes import CHANNEL as SIZES

        self._runner.cancel(SIZES)  # moving on: the sizes of the index shown are not wanted
        self.current = ref
        self._prepare(ref.registry)
        client = self._client()

        def work() -> Inspection:
            from acr_desktop.ui.insp_received import inspect_readable

            return inspect_readable(client, ref)

        self._start(work, f"Inspecting {ref}…")

    @property
    def trail(self) -> Trail:
        """The inspections whose chosen entry (a nested index) is open, outermost first."""
        return self.platform_rows.trail if self.platform_rows is not None else ()

    def choose_platform(self, entry: Descriptor) -> None:
        """Show index entry `entry` (of the index listed, or of one above it: going up). An
        entry of a nested index is fetched from that index; one already fetched is shown again
        without a request."""
        from acr_desktop.ui.insp_levels import Show, choice

        ins = self.inspection
        if ins is None:
            return
        where = choice(ins, self.trail, entry)
        if isinstance(where, Show):
            self._show(where.inspection, where.trail)
        elif where is not None:
            self.choose_entry(entry, where.within, where.trail)

    def choose_entry(self, entry: Descriptor, within: FetchedManifest, trail: Trail = ()) -> None:
        """Fetch `entry` of the index `within` (the top index, or a nested one under `trail`)."""
        from acr_desktop.index_entries import entry_label
        from acr_desktop.ui.insp_levels import arrived, compose, level_of, outermost

        ins = self.inspection
        if ins is None:
            return
        client = self._client()
        outer = outermost(ins, self.trail)

        def work() -> tuple[Inspection, Level | None]:
            from acr_desktop.ui.insp_received import inspect_entry_readable

            found = compose(inspect_entry_readable(client, ins.reference, within, entry), outer)
            after = arrived(found, trail)
            return found, level_of(found, after)  # rows made here: an index may be huge

        self._start_job(work, f"Fetching {entry_label(entry)}…")

    def go_up(self) -> bool:
        """Back to the index above the nested one listed (no request); False at the top."""
        trail = self.trail
        if not trail:
            return False
        self._show(trail[-1], trail[:-1])
        return True

    def _show(self, ins: Inspection, trail: Trail) -> None:
        from acr_desktop.ui.insp_levels import level_of

        self.cancel()  # a fetch still on its way would replace what is shown now
        self.platform_rows = level_of(ins, trail)
        self.inspection = ins
        self.elapsed_ms = 0.0
        self.inspected.emit(ins)

    def cancel(self) -> bool:
        """Cancel the running job; False when there was none."""
        if not self.busy:
            return False
        self._runner.cancel(CHANNEL)
        return True

    def _start(self, work: Callable[[], Inspection], status: str) -> Job:
        def work_and_rows() -> tuple[Inspection, Level | None]:
            from acr_desktop.ui.insp_levels import arrived, level_of  # not on the start path

            ins = work()
            # An index may hold 20,000 entries: its rows are grouped here, not on the UI thread.
            return ins, level_of(ins, arrived(ins, ()))

        return self._start_job(work_and_rows, status)

    def _start_job(self, work: Callable[[], tuple[Inspection, Level | None]], status: str) -> Job:
        self._started_at = time.perf_counter()
        job = self._runner.start(CHANNEL, work, on_wait=self.waiting.emit, timeout=self._timeout())
        job.returned.connect(self._returned)
        job.errored.connect(self.failed.emit)
        job.settled.connect(self.settled.emit)
        self.started.emit(status)
        return job

    def _returned(self, answer: tuple[Inspection, Level | None]) -> None:
        ins, self.platform_rows = answer
        self.inspection = ins
        self.elapsed_ms = (time.perf_counter() - self._started_at) * 1000
        self.inspected.emit(ins)
