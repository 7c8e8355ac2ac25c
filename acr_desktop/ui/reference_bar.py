"""The reference bar: what the user types or picks from the recent references, and, after every
open from anywhere, the reference on show. A long reference scrolls inside the bar; it never
widens the window."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QSizePolicy, QWidget

from acr_desktop.ui.plain import tooltip
from acr_desktop.ui.preferences import MAX_RECENT


class ReferenceBar(QLineEdit):
    """Signals:
    submitted(str): Enter was pressed on typed text, or a recent reference was picked from the
    list (with the keyboard or the mouse): the text to inspect, once.
    """

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referenceBar")
        self.setPlaceholderText("Paste an image reference, e.g. myreg.azurecr.io/team/app:1.4")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.recent_model = QStringListModel(self)
        completer = QCompleter(self.recent_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        # Enter on a highlighted recent reference: the line edit's returnPressed comes first,
        # with the typed text, then the completer's activated with the one picked.
        self.returnPressed.connect(self._return_pressed)
        completer.activated.connect(self._picked)

    def show_reference(self, text: str) -> None:
        """Say what is on show (or being opened), from wherever it was opened."""
        if self.text() != text:
            self.setText(text)
        self.setCursorPosition(0)  # the start of a long reference: its registry and path
        self.setToolTip(tooltip(text))

    def set_recent(self, references: list[str]) -> None:
        self.recent_model.setStringList(references[:MAX_RECENT])

    def recent(self) -> list[str]:
        return self.recent_model.stringList()

    def _return_pressed(self) -> None:
        popup = self.completer().popup()
        if popup is not None and popup.isVisible() and popup.currentIndex().isValid():
            return  # the completer's activated follows, with the reference picked
        self.submitted.emit(self.text())

    def _picked(self, text: str) -> None:
        self.setText(text)
        self.submitted.emit(text)
