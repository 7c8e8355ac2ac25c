"""An inline message under the reference bar: one sentence and the next step, never a modal box;
under the sentence, the registry's correlation id for its answer (small, selectable) with a
"Copy id" button, for a support ticket."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.ui import colours
from acr_desktop.ui.clipboard import copy_text
from acr_desktop.ui.messages import Message, NextStep
from acr_desktop.ui.plain import one_line, plain
from acr_desktop.ui.theme import on_scheme_change

# (background, border, text) by level, for a light and a dark palette; text on background is
# at least 4.5:1 (WCAG).
STYLES = {
    False: {
        "error": ("#fdecea", "#f5c2c0", "#5f2120"),
        "warning": ("#fff4e5", "#ffd8a8", "#663c00"),
        "info": ("#e8f1fb", "#b6d4f2", "#0b3a66"),
    },
    True: {
        "error": ("#3d1f1f", "#7a3330", "#ffd4d0"),
        "warning": ("#3b2c12", "#7a5518", "#ffe2b8"),
        "info": ("#182b40", "#2f5680", "#d2e7ff"),
    },
}


class MessageBar(QFrame):
    """Signals:
    step_requested(object): the user pressed the next-step button (a NextStep).
    id_copied(str): the correlation id was copied to the clipboard.
    """

    step_requested = Signal(object)
    id_copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._step = NextStep.NONE
        self._level = "error"
        self._correlation_id = ""
        on_scheme_change(self, self._restyle)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = plain(QLabel())  # server text: never markup
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setStyleSheet("border: none; background: transparent;")
        self.correlation = plain(QLabel())  # "Correlation id: …", server text
        self.correlation.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.correlation.setStyleSheet("border: none; background: transparent;")
        small = self.correlation.font()
        small.setPointSizeF(max(small.pointSizeF() * 0.85, 7.0))
        self.correlation.setFont(small)
        self.copy_id = QPushButton("Copy id")
        self.copy_id.setToolTip("Copy the correlation id, for a support ticket")
        self.copy_id.clicked.connect(self._copy_id)
        id_row = QHBoxLayout()
        id_row.setContentsMargins(0, 0, 0, 0)
        id_row.addWidget(self.correlation, 1)
        id_row.addWidget(self.copy_id)
        self.id_row = QWidget()  # not painted: the bar's colour shows through
        self.id_row.setLayout(id_row)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.label)
        column.addWidget(self.id_row)
        self.action = QPushButton()
        self.action.clicked.connect(lambda: self.step_requested.emit(self._step))
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout.addLayout(column, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, message: Message) -> None:
        self._step = message.step
        self.label.setText(message.text)
        self.action.setText(message.step.value)
        self.action.setVisible(message.step is not NextStep.NONE)
        self._correlation_id = message.correlation_id or ""
        self.correlation.setText(f"Correlation id: {one_line(self._correlation_id)}")
        self.id_row.setVisible(bool(self._correlation_id))
        self._level = message.level if message.level in STYLES[False] else "error"
        self._restyle()
        self.show()

    def _restyle(self) -> None:
        background, border, text = STYLES[colours.is_dark()][self._level]
        self.setStyleSheet(
            f"#messageBar {{ background: {background}; border: 1px solid {border};"
            f" border-radius: 4px; color: {text}; }}"
        )

    def text(self) -> str:
        return self.label.text()

    def correlation_id(self) -> str:
        """The correlation id shown ("" when the message has none)."""
        return self._correlation_id if self.id_row.isVisibleTo(self) else ""

    def _copy_id(self) -> None:
        if self._correlation_id:
            copy_text(self._correlation_id)
            self.id_copied.emit(self._correlation_id)
