"""The tag list's optional columns, filled for the rows in view only, once the scrolling
settles: one round (`tag_rounds.fill`) at a time on the channel "tag-details", a new one
superseding the old; never the whole list. What is learnt is kept by digest in the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from acr_desktop.registry.errors import InvalidReference
from acr_desktop.registry.reference import parse_reference
from acr_desktop.ui import tag_rounds
from acr_desktop.ui.tag_rounds import Facts, Found, Plan, RoundResult

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTableView

    from acr_desktop.registry.acr import ManifestInfo
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.ui.tags_model import TagsModel
    from acr_desktop.ui.worker import JobRunner

CHANNEL = "tag-details"
MARGIN = 3  # rows above and below the viewport filled too
SETTLE_MS = 150  # the scrolling has settled after this long without a move


class TagDetails(QObject):
    """Fills the optional columns of `table` for the rows in view, one round per settled
    scroll (a round that ran out of budget is followed by another, for what is in view then).
    `requests` counts what the rounds asked; `note` says why filling stopped (a sign-in…).

    Signals: stopped(str): the fill stopped for the registry's reason (`note`, a sentence)."""

    stopped = Signal(str)

    def __init__(self, runner: JobRunner, client: Callable[[], RegistryClient],
                 prepare: Callable[[str], None], model: TagsModel,
                 table: QTableView) -> None:  # fmt: skip
        super().__init__(table)
        self.runner, self.client, self.prepare, self.model, self.table = (
            runner, client, prepare, model, table)  # fmt: skip
        self.source: tuple[str, str] | None = None
        self.needs: frozenset[str] = frozenset()
        self.acr: dict[str, ManifestInfo] | None = None
        self.requests, self.note, self.held = 0, "", False
        self.timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self.timer.timeout.connect(self.fill_visible)
        table.verticalScrollBar().valueChanged.connect(self.schedule)
        for signal in (model.rowsInserted, model.modelReset, model.layoutChanged):
            signal.connect(self.schedule)

    def reset(self, source: tuple[str, str] | None) -> None:
        """Another list (or none): the round ends, facts by digest stay; held until listed."""
        self.runner.cancel(CHANNEL)
        self.source, self.acr, self.note, self.held = source, None, "", True

    def hold(self, held: bool) -> None:
        self.held = held
        self.schedule()

    def set_needs(self, needs: frozenset[str]) -> None:
        self.needs = needs
        self.schedule()

    def schedule(self) -> None:
        if self.needs and self.source is not None and not self.note and not self.held:
            self.timer.start()

    def rows_in_view(self) -> range:
        count = self.model.rowCount()
        first = self.table.rowAt(0)
        if first < 0 or not self.table.isVisible():
            return range(0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        last = count - 1 if last < 0 else last
        return range(max(0, first - MARGIN), min(count, last + MARGIN + 1))

    def wanted(self) -> tuple[list[tuple[str, str | None]], dict[str, int], dict[str, Facts]]:
        """The rows in view lacking something: (tag, digest), their indices, the facts known.
        A name no registry could have is asked for by digest only (from ACR), never by name."""
        wants: list[tuple[str, str | None]] = []
        index_of: dict[str, int] = {}
        known: dict[str, Facts] = {}
        model, (registry, repository) = self.model, self.source or ("", "")
        for row in self.rows_in_view() if self.needs and self.source else ():
            i = model.position(row)
            if model.known(i, self.needs):
                continue
            name, digest = model.name_at(i), model.digest_at(i)
            if digest is None:
                try:
                    parse_reference(f"{registry}/{repository}:{name}")
                except InvalidReference:
                    continue
            wants.append((name, digest))
            index_of[name] = i
            if digest in model.facts:
                known[digest] = model.facts[digest]
        return wants, index_of, known

    def fill_visible(self) -> None:
        """Start a round for the rows in view that lack something the columns show."""
        if self.held or self.note or self.source is None:
            return
        wants, index_of, known = self.wanted()
        model, (registry, repository) = self.model, self.source
        if not wants or (self.runner.is_busy(CHANNEL) and set(index_of.values()) <= model.pending):
            return
        model.pending = set(index_of.values())
        acr = self.acr if model.from_acr else {}
        plan = Plan(registry, repository, tuple(wants), self.needs, known, acr)
        self.prepare(registry)
        client = self.client()
        source = self.source
        job = self.runner.start(
            CHANNEL, lambda report: tag_rounds.fill(client, plan, report), with_progress=True
        )
        job.progress.connect(lambda found: self._found(source, found, index_of))
        job.returned.connect(lambda result: self._done(source, result))
        job.settled.connect(lambda: self._settled(source))

    def _found(self, source: tuple[str, str] | None, found: Any, index_of: dict[str, int]) -> None:
        if source == self.source and isinstance(found, Found):
            if found.acr is not None:
                self.acr = {**(self.acr or {}), **found.acr}
            self.model.learn(found, index_of)

    def _done(self, source: tuple[str, str] | None, result: Any) -> None:
        if source == self.source and isinstance(result, RoundResult):
            self.requests, self.note = self.requests + result.requests, result.stopped
            if result.stopped:
                self.stopped.emit(result.stopped)
            if result.exhausted:
                self.schedule()

    def _settled(self, source: tuple[str, str] | None) -> None:
        if source == self.source and not self.runner.is_busy(CHANNEL):
            self.model.pending = set()
            self.model.refresh()
