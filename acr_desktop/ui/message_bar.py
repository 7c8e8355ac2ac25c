"""An inline message under the reference bar: one sentence and the next step, never a modal box."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from acr_desktop.ui import colours
from acr_desktop.ui.messages import Message, NextStep
from acr_desktop.ui.plain import plain
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
    """

    step_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._step = NextStep.NONE
        self._level = "error"
        on_scheme_change(self, self._restyle)
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
