"""The compare window: "A ⇄ B", a verdict at once ("Identical" for the same digest), a platform
chooser, and per platform the layers side by side, the config's differences, the history in two
columns and the files. Copy as Markdown and Save as JSON use `compare_report`. It shows; the
controller (`comparing.py`) runs the jobs.

Signals:
    stop_wanted(): Stop (or Esc) while a job runs.
    files_wanted(object): "List files to compare" for the PlatformComparison shown.
    copied(str): Copy as Markdown put this text on the clipboard.
    closed(): the window was closed (its jobs should end).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.text import format_size, plural
from acr_desktop.ui import colours
from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.compare_models import (
    ConfigChangesModel,
    FileChangesModel,
    HistoryPairsModel,
    LayerPairsModel,
    history_pairs,
    layers_summary,
    platform_words,
    suggested_name,
    verdict_words,
    write_comparison_json,
)
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.plain import list_entry, plain_label
from acr_desktop.ui.tables import RowTable

if TYPE_CHECKING:
    from acr_desktop.compare import Comparison, FileChange, PlatformComparison
    from acr_desktop.registry.reference import Reference

ARROWS = " ⇄ "
TAB_LAYERS, TAB_CONFIG, TAB_HISTORY, TAB_FILES = range(4)


def _table(model: LayerPairsModel | ConfigChangesModel | HistoryPairsModel | FileChangesModel,
           name: str) -> RowTable:  # fmt: skip
    table = RowTable(model)
    table.setObjectName(name)
    table.copy_actions = [("Copy rows", lambda _rows: _row_lines(table))]
    return table


def _row_lines(table: RowTable) -> list[str]:
    """Each selected row as its cells' texts, tab separated, in the order shown."""
    model = table.proxy
    rows = sorted({i.row() for i in table.selectionModel().selectedRows()})
    return ["\t".join(str(model.index(r, c).data() or "") for c in range(model.columnCount()))
            for r in rows]  # fmt: skip


class CompareWindow(QWidget):
    stop_wanted = Signal()
    files_wanted = Signal(object)
    copied = Signal(str)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("compareWindow")
        self.setWindowTitle("Compare — ACR Desktop")
        self.comparison: Comparison | None = None
        self.busy = False
        self._build_labels()
        self._build_tables()
        self._build_buttons()
        self._lay_out()
        self.set_busy(False)
        self._clear()

    def _build_labels(self) -> None:
        self.header = ElidedLabel()
        self.header.setObjectName("compareHeader")
        font = self.header.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.header.setFont(font)
        self.digests = ElidedLabel()
        self.verdict = plain_label(wrap=True, selectable=True)
        self.verdict.setObjectName("compareVerdict")
        self.status = plain_label(wrap=True)
        self.status.setObjectName("compareStatus")
        self.chooser = QComboBox()
        self.chooser.setObjectName("platformChooser")
        self.chooser.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.chooser.setMinimumContentsLength(30)
        self.chooser.currentIndexChanged.connect(self._show_platform)
        self.one_side = plain_label(wrap=True, selectable=True)
        self.notes = plain_label(wrap=True, selectable=True)
        self.platform_summary = plain_label(wrap=True, selectable=True)

    def _build_tables(self) -> None:
        self.layers_model = LayerPairsModel(self)
        self.config_model = ConfigChangesModel(self)
        self.history_model = HistoryPairsModel(self)
        self.files_model = FileChangesModel(self)
        self.layers = _table(self.layers_model, "compareLayers")
        self.layers.elastic_column = LayerPairsModel.COL_LEFT
        self.config = _table(self.config_model, "compareConfig")
        self.history = _table(self.history_model, "compareHistory")
        self.files = _table(self.files_model, "compareFiles")
        self.files.elastic_column = FileChangesModel.COL_PATH
        self.list_files = QPushButton("List &files to compare")
        self.list_files.setObjectName("listFiles")
        self.list_files.clicked.connect(self._files_wanted)
        self.files_note = plain_label(wrap=True)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("compareTabs")
        self.tabs.addTab(self.layers, "&Layers")
        self.tabs.addTab(self.config, "&Config")
        self.tabs.addTab(self.history, "&History")
        self.tabs.addTab(self._files_page(), "F&iles")
        self.body = QStackedWidget()
        self.body.addWidget(QWidget())  # nothing yet, or identical, or failed
        self.body.addWidget(self._details())

    def _build_buttons(self) -> None:
        self.copy_button = QPushButton("Copy as &Markdown")
        self.copy_button.clicked.connect(self.copy_markdown)
        self.save_button = QPushButton("&Save as JSON…")
        self.save_button.clicked.connect(self.save_json)
        self.stop_button = QPushButton("S&top")
        self.stop_button.clicked.connect(self.stop_wanted.emit)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        for widget in (self.copy_button, self.save_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.digests)
        layout.addWidget(self.verdict)
        layout.addWidget(self.status)
        chooser_label = plain_label("&Platform:")
        chooser_label.setBuddy(self.chooser)
        chooser_row = QHBoxLayout()
        chooser_row.addWidget(chooser_label)
        chooser_row.addWidget(self.chooser, 1)
        self.chooser_row = QWidget()
        self.chooser_row.setLayout(chooser_row)
        chooser_row.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.chooser_row)
        layout.addWidget(self.one_side)
        layout.addWidget(self.notes)
        layout.addWidget(self.body, 1)
        layout.addLayout(buttons)

    def _details(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.platform_summary)
        layout.addWidget(self.tabs, 1)
        return page

    def _files_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(self.files_note, 1)
        row.addWidget(self.list_files)
        layout.addLayout(row)
        layout.addWidget(self.files, 1)
        return page

    # -- what is shown -------------------------------------------------------------------------
    def start(self, left: Reference, right: Reference) -> None:
        """A compare of `left` with `right` began: the header now, the rest when it arrives."""
        self._set_header(str(left), str(right))
        self._clear()
        self.show_status(f"Comparing {left} with {right}…")
        self.set_busy(True)

    def _set_header(self, left: str, right: str) -> None:
        self.header.setText(f"{left}{ARROWS}{right}")
        self.header.setToolTip(f"A: {left}\nB: {right}")
        self.setWindowTitle(f"{list_entry(left, 60)}{ARROWS}{list_entry(right, 60)} — Compare")

    def _clear(self) -> None:
        self.comparison = None
        for label in (self.verdict, self.one_side, self.notes, self.digests):
            label.setText("")
            label.hide()
        self.chooser_row.hide()
        self.chooser.clear()
        self.body.setCurrentIndex(0)
        self.copy_button.setEnabled(False)
        self.save_button.setEnabled(False)

    def show_status(self, text: str, *, failed: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colours.error()}" if failed else "")
        self.status.setVisible(bool(text))

    def show_failure(self, sentence: str) -> None:
        self.set_busy(False)
        self.list_files.setEnabled(True)
        self.show_status(sentence, failed=True)

    def stopped(self) -> None:
        """Stop (or Esc) ended what ran: a compare (nothing to show) or a file listing."""
        self.set_busy(False)
        self.list_files.setEnabled(True)
        self.show_status("Stopped." if self.comparison is None else "Stopped listing the files.")

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.stop_button.setEnabled(busy)

    def show_comparison(self, c: Comparison) -> None:
        """Everything at once; the platform shown stays the same label when there is one."""
        before = self.current_platform()
        self._set_header(str(c.left_ref), str(c.right_ref))
        self._clear()
        self.set_busy(False)
        self.show_status("")
        self.comparison = c
        self.digests.setText(f"{c.left.digest}{ARROWS}{c.right.digest}")
        self.digests.setVisible(not c.identical)  # the verdict names the one digest
        self.copy_button.setEnabled(True)
        self.save_button.setEnabled(True)
        if c.identical:
            self._say(self.verdict, "Identical: both references name the same manifest "
                      f"({c.left.digest}).", colours.ok())  # fmt: skip
            return
        self._say(self.verdict, verdict_words(c), colours.warning())
        one_side = []
        if c.only_left:
            one_side.append(f"Only in A: {', '.join(c.only_left)}")
        if c.only_right:
            one_side.append(f"Only in B: {', '.join(c.only_right)}")
        self._say(self.one_side, " · ".join(one_side))
        self._say(self.notes, "\n".join(c.notes))
        if not c.platforms:
            return
        self.chooser.blockSignals(True)
        for pc in c.platforms:
            self.chooser.addItem(list_entry(platform_words(pc), 200), pc.label)
        self.chooser.blockSignals(False)
        self.chooser_row.setVisible(len(c.platforms) > 1 or c.platforms[0].label != "image")
        labels = [pc.label for pc in c.platforms]
        self.chooser.setCurrentIndex(labels.index(before) if before in labels else 0)
        self._show_platform(self.chooser.currentIndex())
        self.body.setCurrentIndex(1)

    def _say(self, label: QLabel, text: str, colour: str | None = None) -> None:
        label.setText(text)
        label.setStyleSheet(f"color: {colour}" if colour else "")
        label.setVisible(bool(text))

    def current_platform(self) -> str | None:
        data = self.chooser.currentData()
        return data if isinstance(data, str) else None

    def platform_comparison(self) -> PlatformComparison | None:
        c, index = self.comparison, self.chooser.currentIndex()
        if c is None or not 0 <= index < len(c.platforms):
            return None
        return c.platforms[index]

    def _show_platform(self, _index: int) -> None:
        pc = self.platform_comparison()
        if pc is None:
            return
        problems = "".join(f"\n⚠ {p}" for p in pc.problems)
        self.platform_summary.setText(layers_summary(pc) + problems)
        self.layers_model.set_rows(pc.layers)
        self.config_model.set_rows(pc.config_changes)
        self.history_model.set_rows(history_pairs(pc.left_history, pc.right_history))
        self.tabs.setTabText(TAB_CONFIG, f"&Config ({len(pc.config_changes)})")
        self._show_files(pc)
        for table in (self.layers, self.config, self.history):
            table.fit_columns()

    def _show_files(self, pc: PlatformComparison) -> None:
        files = pc.files
        self.files_model.set_rows(files or ())
        if files is None:
            self.files_note.setText("The layers' files are not listed yet: list them to compare "
                                    "paths added, removed and changed.")  # fmt: skip
        else:
            some = f"{plural(len(files), 'path')} added, removed or changed (sizes unpacked)."
            self.files_note.setText(some if files else "No file differs.")
            self.files.fit_columns()
        self.list_files.setVisible(files is None)
        self.files.setVisible(files is not None)
        self.list_files.setEnabled(not self.busy)

    def show_files(self, label: str, files: tuple[FileChange, ...] | None) -> None:
        """The file listing of platform `label` arrived: kept in the comparison (so Markdown and
        JSON hold it) and shown when that platform is."""
        import dataclasses

        self.set_busy(False)
        self.show_status("")
        c = self.comparison
        if c is None:
            return
        platforms = tuple(
            dataclasses.replace(pc, files=files) if pc.label == label else pc for pc in c.platforms
        )
        self.comparison = dataclasses.replace(c, platforms=platforms)
        pc = self.platform_comparison()
        if pc is not None and pc.label == label:
            self._show_files(pc)

    def _files_wanted(self) -> None:
        pc = self.platform_comparison()
        if pc is not None:
            self.list_files.setEnabled(False)
            self.files_wanted.emit(pc)

    # -- export ----------------------------------------------------------------------------------
    def copy_markdown(self) -> None:
        from acr_desktop.compare_report import comparison_markdown

        if self.comparison is None:
            return
        text = comparison_markdown(self.comparison)
        copy_text(text)
        self.show_status("Copied the comparison as Markdown.")
        self.copied.emit(text)

    def save_json(self) -> str | None:
        """Ask where, then write `compare_report.comparison_dict` as JSON; the sentence said."""
        from PySide6.QtWidgets import QFileDialog

        c = self.comparison
        if c is None:
            return None
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save the comparison as", str(Path.home() / suggested_name(c)),
            "JSON (*.json);;All files (*)",
        )  # fmt: skip
        if not path:
            return None
        try:
            size = write_comparison_json(c, Path(path))
        except OSError as exc:
            sentence = f"The comparison could not be written to {path}: {exc.strerror}."
            self.show_status(sentence, failed=True)
            return sentence
        sentence = f"Saved the comparison ({format_size(size)}) to {path}"
        self.show_status(sentence)
        return sentence

    # -- keys and closing ------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc stops what runs; with nothing running it closes the window."""
        if event.key() == Qt.Key.Key_Escape:
            if self.busy:
                self.stop_wanted.emit()
            else:
                self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)
