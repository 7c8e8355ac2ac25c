"""The SBOM window (opened from the Referrers tab by `open_sbom`): an SBOM's packages, filtered as
one types, sorted by any column, exported as CSV. What filtering and sorting need is made once,
off the UI thread (`PackageIndex`): typing filters in one linear pass, a header click walks a
sorted order, so 200,000 packages stay responsive. Values are data, never markup."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, QSize, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry.sbom import Package, Sbom, sbom_csv
from acr_desktop.text import format_size, format_time, plural
from acr_desktop.ui import colours
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.messages import describe
from acr_desktop.ui.models import EMPTY, RowsModel
from acr_desktop.ui.plain import list_entry, plain_label
from acr_desktop.ui.roles import SORT_ROLE
from acr_desktop.ui.tables import RowTable
from acr_desktop.ui.theme import on_scheme_change

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.manifest import Descriptor
    from acr_desktop.registry.reference import Reference
    from acr_desktop.ui.worker import JobRunner

FILTER_HINT = "Filter packages — name, version, type, purl or licence"
DEBOUNCE_MS = 150
READ_TIMEOUT = 300.0  # seconds the read may take in all: a registry that drips it is cut off
COLUMN_CAPS = (300, 150, 90, 220, 0)  # the widest a fitted column gets (the last one stretches)
_DIGITS = re.compile(r"\d+")
_EMPTY_LAST = "\U0010ffff"  # the sort key of an empty value: after every other
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_FIELDS = ("name", "version", "type", "licence", "purl")  # a package's, by column
_fields = attrgetter(*_FIELDS)


def _natural(text: str) -> str:
    """Case-free, digits padded: "1.10" after "1.9", and keys stay fast-to-compare strings."""
    return _DIGITS.sub(lambda m: m[0].zfill(12), text.casefold())


class PackageIndex:
    """What filtering and sorting need, made once: per package its five values casefolded in
    one string, and per column the packages' sorted order (made on first use)."""

    def __init__(self, packages: Sequence[Package]) -> None:
        self.packages = tuple(packages)
        self.haystacks = ["\n".join(_fields(p)).casefold() for p in self.packages]
        self._orders: dict[int, array[int]] = {}

    def order(self, column: int) -> array[int]:
        """Package numbers sorted by `column`: case-free, names and versions naturally ("1.10"
        after "1.9"), empty values last."""
        if column not in self._orders:
            values = list(map(attrgetter(_FIELDS[column]), self.packages))
            key = _natural if column < 2 else str.casefold
            if column in (1, 2, 3):  # versions, types, licences repeat: each key made once
                made = {value: key(value) or _EMPTY_LAST for value in set(values)}
                keys = [made[value] for value in values]
            else:
                keys = [key(value) or _EMPTY_LAST for value in values]
            self._orders[column] = array("l", sorted(range(len(keys)), key=keys.__getitem__))
        return self._orders[column]

    def matching(self, text: str) -> list[int] | None:
        """Numbers of the packages holding every word of `text` (case-free) in their values;
        None when `text` has no word (no filter)."""
        words, hay = text.casefold().split(), self.haystacks
        found: Iterable[int] | None = range(len(hay)) if words else None
        for word in words:
            found = [n for n in found or () if word in hay[n]]
        return None if found is None else list(found)


class PackagesModel(RowsModel[Package]):
    """An SBOM's packages over a PackageIndex; the rows are the packages the filter lets through,
    in the order sorted."""

    COL_NAME, COL_VERSION, COL_TYPE, COL_LICENCE, COL_PURL = range(5)
    HEADERS = ("Name", "Version", "Type", "Licence", "PURL")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lookup = PackageIndex(())
        self.text = ""  # the filter applied
        self._matches: list[int] | None = None  # None: no filter

    def show_index(self, lookup: PackageIndex) -> None:
        self.lookup, self.text, self._matches = lookup, "", None
        self.set_rows(lookup.packages)

    def set_filter(self, text: str) -> None:
        """Show only the packages holding every word of `text`, in the current order."""
        if text == self.text:
            return
        matches = self.lookup.matching(text)
        self.beginResetModel()
        self.text, self._matches = text, matches
        self._order = self._sorted(*self._sort)
        self.endResetModel()

    def shown(self) -> list[Package]:
        return [self._rows[n] for n in self._order]

    def _sorted(self, column: int, order: Qt.SortOrder) -> list[int]:
        if not 0 <= column < len(self.HEADERS):
            return list(range(len(self._rows)) if self._matches is None else self._matches)
        ranked = self.lookup.order(column)
        walk = reversed(ranked) if order == Qt.SortOrder.DescendingOrder else ranked
        if self._matches is None:
            return list(walk)
        keep = set(self._matches)
        return [n for n in walk if n in keep]

    def rowCount(self, parent: Any = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._order)

    def cell(self, number: int, row: Package, column: int, role: int) -> Any:
        value = _fields(row)[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return value or EMPTY
        return (value or None) if role in (Qt.ItemDataRole.ToolTipRole, SORT_ROLE) else None


def _copying(render: Callable[[Package], str]) -> Callable[[list[object]], list[str]]:
    """A copy action's lines: `render` of each selected package (blank ones left out)."""
    return lambda rows: [text for r in rows if isinstance(r, Package) and (text := render(r))]


def heading(sbom: Sbom) -> str:
    """ "SPDX 2.3 · by syft 1.2 · created 2025-01-02 04:05" (the parts the SBOM gives)."""
    when = list_entry(format_time(sbom.created)[0], 40) if sbom.created else ""
    made = (f"by {list_entry(sbom.tool, 60)}" if sbom.tool else "", when and f"created {when}")
    return " · ".join(filter(None, (list_entry(sbom.format, 40), *made)))


def count_words(shown: int, total: int, filtered: bool) -> str:
    """ "213 packages", "12 of 213 packages match"."""
    if not total:
        return "The SBOM lists no packages."
    if not filtered:
        return plural(total, "package")
    return f"{shown:,} of {plural(total, 'package')} {'matches' if shown == 1 else 'match'}"


def write_csv(sbom: Sbom, packages: Sequence[Package], path: Path) -> int:
    """`packages` as `sbom_csv` writes them, to `path` whole or not at all; the bytes written."""
    from acr_desktop.ui.saving import write_atomically

    data = sbom_csv(replace(sbom, packages=tuple(packages))).encode("utf-8", "replace")
    write_atomically(path, data)
    return len(data)


def _prepared(sbom: Sbom) -> tuple[Sbom, PackageIndex]:
    """On the worker thread: the SBOM and its index, every sorted order made."""
    lookup = PackageIndex(sbom.packages)
    for column in range(len(PackagesModel.HEADERS)):
        lookup.order(column)
    return sbom, lookup


class SbomWindow(QDialog):
    """One SBOM, non-modal: "Reading the SBOM…" (Cancel), then the packages, or a sentence."""

    PAGE_LOADING, PAGE_PROBLEM, PAGE_PACKAGES = range(3)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(list_entry(title, 120))
        self.sbom: Sbom | None = None
        self.export_name = "sbom.csv"  # open_sbom names it after the repository
        self.channel = f"sbom:{id(self)}"
        self._runner: JobRunner | None = None
        self._export = ("", "", False)  # what, where, failed: the status line's export
        self._build(title)
        self.finished.connect(lambda _result: self._stop_jobs())
        self._recolour()
        on_scheme_change(self, self._recolour)

    def _build(self, title: str) -> None:
        self.title, self.heading = ElidedLabel(), ElidedLabel()
        self.title.setText(title)
        self.title.setStyleSheet("font-weight: bold")
        self.loading = plain_label("Reading the SBOM…")
        self.problem = plain_label(wrap=True, selectable=True)
        self.notice = plain_label(wrap=True, selectable=True)
        self.count, self.status = plain_label(), plain_label(wrap=True)
        self.status.setMinimumWidth(1)  # a long path wraps or is cut, never widens the window
        self.filter = QLineEdit(placeholderText=FILTER_HINT, clearButtonEnabled=True)
        self.filter.setAccessibleName("Filter packages")
        self.model = PackagesModel(self)
        self.table = RowTable(self.model)
        self.table.elastic_column = PackagesModel.COL_LICENCE
        self.table.copy_actions = [
            ("Copy purl", _copying(lambda p: p.purl)),
            ("Copy name@version", _copying(lambda p: f"{p.name}@{p.version}".rstrip("@"))),
        ]
        self.cancel_button = self._button("Cancel", self.cancel)
        self.export_button = self._button("&Export CSV…", self.export_csv)
        self.close_button = self._button("Close", self.close)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.filter.textChanged.connect(lambda _text: self._debounce.start())
        self.filter.returnPressed.connect(self.apply_filter)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.focus_filter)
        self._lay_out()

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)  # Enter in the filter must not press a button
        button.clicked.connect(lambda _=False: slot())
        return button

    def _lay_out(self) -> None:
        self.pages = QStackedWidget()
        for widgets in ([self.loading, self.cancel_button], [self.problem],
                        [self.heading, self.notice, self.filter, self.count]):  # fmt: skip
            page = QWidget()
            column = QVBoxLayout(page)
            column.setContentsMargins(0, 0, 0, 0)
            for widget in widgets:
                column.addWidget(widget)
            column.setAlignment(self.cancel_button, Qt.AlignmentFlag.AlignLeft)
            column.addWidget(self.table, 1) if self.count in widgets else column.addStretch(1)
            self.pages.addWidget(page)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self.filter, self.table)
        QWidget.setTabOrder(self.table, self.export_button)
        QWidget.setTabOrder(self.export_button, self.close_button)
        self.export_button.setEnabled(False)

    def load(self, runner: JobRunner, read: Callable[[], Sbom]) -> None:
        """Run `read()` on `runner` (a channel of this window's, cancelled when it closes)."""
        self._runner = runner
        self.pages.setCurrentIndex(self.PAGE_LOADING)
        job = runner.start(self.channel, lambda: _prepared(read()), timeout=READ_TIMEOUT)
        job.returned.connect(self._show)  # bound methods: a deleted window is not called
        job.errored.connect(self.show_problem)

        def gone(_: object = None, channel: str = self.channel) -> None:
            if shiboken6.isValid(runner):  # deleted with its parent, never closed: end the read
                runner.cancel(channel)

        self.destroyed.connect(gone)
        self.cancel_button.setFocus()

    def cancel(self) -> None:
        self._stop_jobs()
        self.show_problem("Stopped: the SBOM was not read.")

    def show_problem(self, problem: str | BaseException) -> None:
        """A sentence (or the one for an error) in the window, in the error colour."""
        self.problem.setText(problem if isinstance(problem, str) else describe(problem).text)
        self.pages.setCurrentIndex(self.PAGE_PROBLEM)
        self.close_button.setFocus()

    def show_sbom(self, sbom: Sbom) -> None:
        """Show `sbom` now (its index is made here, on this thread; `load` makes it off it)."""
        self._show((sbom, PackageIndex(sbom.packages)))

    def _show(self, found: tuple[Sbom, PackageIndex]) -> None:
        sbom, lookup = found
        self.sbom = sbom
        self.heading.setText(heading(sbom))
        if sbom.created:
            self.heading.setToolTip(f"{heading(sbom)}\nCreated {format_time(sbom.created)[1]}")
        self.notice.setText(sbom.notice or "")
        self.notice.setVisible(bool(sbom.notice))
        self.filter.clear()
        self._debounce.stop()
        self.model.show_index(lookup)
        self.pages.setCurrentIndex(self.PAGE_PACKAGES)
        self._shown_changed()
        self.table.resizeColumnsToContents()  # from the first rows only (RowTable's precision)
        header = self.table.horizontalHeader()
        widths = [header.sectionSize(c) for c in range(header.count())]
        self.table.fit_columns([min(w, cap) if cap else w
                                for w, cap in zip(widths, COLUMN_CAPS, strict=True)])  # fmt: skip
        self.filter.setFocus()

    def focus_filter(self) -> None:
        if self.pages.currentIndex() == self.PAGE_PACKAGES:
            self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.filter.selectAll()

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.filter.text())
        self._shown_changed()

    def _shown_changed(self) -> None:
        shown, filtered = self.model.rowCount(), bool(self.model.text.split())
        self.count.setText(count_words(shown, len(self.model.lookup.packages), filtered))
        self.export_button.setText(
            f"&Export {plural(shown, 'package')} as CSV…" if filtered else "&Export CSV…"
        )
        self.export_button.setEnabled(shown > 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc clears the filter when it holds text; else it closes the window."""
        if event.key() == Qt.Key.Key_Escape and self.filter.text() and self.filter.isVisible():
            self.filter.clear()
            self.apply_filter()
            return
        super().keyPressEvent(event)

    def export_csv(self) -> None:
        """Ask where; write the packages shown, as shown, off the UI thread, say where."""
        from PySide6.QtWidgets import QFileDialog

        sbom, packages = self.sbom, self.model.shown()
        if sbom is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export packages as CSV", str(Path.home() / self.export_name),
            "CSV (*.csv);;All files (*)",
        )  # fmt: skip
        if not path:
            return
        self._export = (plural(len(packages), "package"), path, False)
        self._say(f"Exporting {self._export[0]} to {path}…")
        if self._runner is None:  # shown without load(): a runner of its own
            from acr_desktop.ui.worker import JobRunner

            self._runner = JobRunner(self)
        job = self._runner.start(f"{self.channel}:export",
                                 lambda: write_csv(sbom, packages, Path(path)))  # fmt: skip
        job.returned.connect(self._exported)
        job.errored.connect(self._export_failed)

    def _exported(self, size: int) -> None:
        what, path, _failed = self._export
        self._say(f"Saved {what} as CSV ({format_size(size)}) to {path}")

    def _export_failed(self, exc: BaseException) -> None:
        what, path, _failed = self._export
        self._export = (what, path, True)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else describe(exc).text
        self._say(f"The CSV could not be written to {path}: {why}.")

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)
        self._recolour()

    def _recolour(self) -> None:
        self.notice.setStyleSheet(f"color: {colours.warning()}")
        self.problem.setStyleSheet(f"color: {colours.error()}")
        self.status.setStyleSheet(f"color: {colours.error()}" if self._export[2] else "")

    def _stop_jobs(self) -> None:
        if self._runner is not None:
            self._runner.cancel(self.channel)
            self._runner.cancel(f"{self.channel}:export")  # a file is still written whole


def open_sbom(parent: QWidget, runner: JobRunner, client: RegistryClient, ref: Reference,  # noqa: PLR0913
              descriptor: Descriptor, title: str) -> SbomWindow:  # fmt: skip
    """A new SBOM window over `parent`, reading the SBOM `descriptor` stands for in `ref`'s
    repository; shown at once (the packages follow)."""
    from acr_desktop.registry.sbom import read_sbom
    from acr_desktop.ui.screen_fit import first_size, keep_on_screen

    window = SbomWindow(title, parent)
    window.export_name = _UNSAFE_NAME.sub("_", ref.repository.rsplit("/", 1)[-1]) + "-sbom.csv"
    window.load(runner, lambda: read_sbom(client, ref, descriptor))
    first_size(window, QSize(900, 600))
    window.show()
    keep_on_screen(window)
    return window
