"""An inline message under the reference bar: one sentence and the next step, never a modal box."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from acr_desktop.ui.messages import Message, NextStep
from acr_desktop.ui.plain import plain

_STYLES = {
    "error": "background:#fdecea; border:1px solid #f5c2c0; border-radius:4px; color:#5f2120;",
    "warning": "background:#fff4e5; border:1px solid #ffd8a8; border-radius:4px; color:#663c00;",
    "info": "background:#e8f1fb; border:1px solid #b6d4f2; border-radius:4px; color:#0b3a66;",
}


class MessageBar(QFrame):
    """Signals:
    step_requested(object): the user pressed the next-step button (a NextStep).
    """

    step_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._step = NextStep.NONE
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = plain(QLabel())  # server text: never markup
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setStyleSheet("border: none; background: transparent;")
        self.action = QPushButton()
        self.action.clicked.connect(lambda: self.step_requested.emit(self._step))
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, message: Message) -> None:
        self._step = message.step
        self.label.setText(message.text)
        self.action.setText(message.step.value)
        self.action.setVisible(message.step is not NextStep.NONE)
        self.setStyleSheet(f"#messageBar {{{_STYLES.get(message.level, _STYLES['error'])}}}")
        self.show()

    def text(self) -> str:
        return self.label.text()
