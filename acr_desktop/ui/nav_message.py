"""A status line for a narrow panel: plain text that wraps at word boundaries, or anywhere when a
word (a URL, a digest) is wider than the panel, and asks for the height its lines need, so a
long error is never clipped and never widens the panel. A registry's text is shown as it is but
never past MAX_LINES lines (ending in "…", the whole text in the tooltip): a message of a
thousand lines must not push the window off the screen."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from acr_desktop.ui.plain import plain, tooltip, visible

MAX_LINES = 8
MAX_CHARS = 5000  # more than MAX_LINES lines can show at any width
ELLIPSIS = "…"


class MessageLabel(QLabel):
    """A plain-text QLabel whose lines break anywhere a word does not fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cut = False  # the text goes on past what is drawn
        plain(self)
        self.setWordWrap(True)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._cut = False
        self.setToolTip("")
        self._fit()

    def _layout(self, width: int) -> tuple[QTextLayout, int]:
        """The text laid out in `width` pixels (at most MAX_LINES lines, the last one short of an
        ellipsis when the text goes on), and the height it takes."""
        text = visible(self.text()[:MAX_CHARS]).replace("\r\n", "\n").replace("\r", "\n")
        text = text.replace("\n", "\u2028")  # line separators
        layout = QTextLayout(text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        height, lines, end = 0.0, 0, 0
        layout.beginLayout()
        while lines < MAX_LINES:
            line = layout.createLine()
            if not line.isValid():
                break
            room = width - (self._ellipsis_width() if lines == MAX_LINES - 1 else 0)
            line.setLineWidth(max(1, room))
            line.setPosition(QPointF(0, height))
            height += line.height()
            lines, end = lines + 1, line.textStart() + line.textLength()
        layout.endLayout()
        self._cut = end < len(text) or len(self.text()) > MAX_CHARS
        return layout, math.ceil(height) if text else 0

    def _ellipsis_width(self) -> float:
        return float(self.fontMetrics().horizontalAdvance(ELLIPSIS))

    def heightForWidth(self, width: int) -> int:
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right()
        return self._layout(inner)[1] + margins.top() + margins.bottom()

    def hasHeightForWidth(self) -> bool:
        return True

    def sizeHint(self) -> QSize:
        width = max(self.width(), 1)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.heightForWidth(max(self.width(), 1)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()

    def _fit(self) -> None:
        """Ask the layout (and a splitter above it) for the height the lines need; when they do
        not show it all, the whole text is in the tooltip."""
        needed = self.heightForWidth(max(self.width(), 1))
        self.setToolTip(tooltip(self.text()) if self._cut else "")
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)
        self.updateGeometry()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        layout, _height = self._layout(rect.width())
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        layout.draw(painter, QPointF(rect.topLeft()))
        if self._cut and layout.lineCount():
            last = layout.lineAt(layout.lineCount() - 1)
            at = QPointF(rect.left() + last.naturalTextWidth(), rect.top() + last.y())
            painter.drawText(at + QPointF(0, last.ascent()), ELLIPSIS)
        painter.end()


def message_label() -> MessageLabel:
    """A new, empty status line."""
    label = MessageLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label
