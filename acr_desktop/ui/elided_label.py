"""A one-line label for long registry text (references, digests, annotations) that elides in the
middle instead of widening the window; the full text is in its tooltip and is what Copy copies.

Whatever the text holds, it is drawn as one line of plain text: line breaks as ⏎, control and
bidi characters by name (`plain.one_line`), so a hostile registry can neither make the window
taller nor make a name read backwards."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QMenu, QStyle, QStyleOption, QWidget

from acr_desktop.ui.clipboard import copy_shortcut, copy_text
from acr_desktop.ui.plain import one_line, plain, tooltip

MIN_WIDTH = 80  # what the label asks of the layout at least, whatever its text
PREFERRED_WIDTH = 420  # what it asks for at most: a long text elides rather than widens
KEEP = 1000  # characters kept at each end of what is drawn (a 100,000-character text elides fast)


class ElidedLabel(QLabel):
    """`text()` is the whole text; what is drawn is elided in the middle to the width given.

    Signals:
    copied(str): the whole text was put on the clipboard (context menu or Ctrl+C).
    """

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        plain(self)  # registry text, never markup
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        copy_shortcut(self, self.copy)
        self._line = ""  # the text as one line, both ends of it when it is very long

    def setText(self, text: str) -> None:
        super().setText(text)
        line = one_line(text)
        self._line = line if len(line) <= 2 * KEEP else f"{line[:KEEP]}…{line[-KEEP:]}"
        self.setToolTip(text)
        self.updateGeometry()
        self.update()

    def setToolTip(self, text: str) -> None:
        """Registry text for a tooltip: shown literally and cut when very long, whoever sets it."""
        super().setToolTip(tooltip(text))

    def shown_text(self) -> str:
        """What is drawn at the current width (with "…" in the middle when it does not fit)."""
        return self.fontMetrics().elidedText(
            self._line, Qt.TextElideMode.ElideMiddle, max(self.contentsRect().width(), 0)
        )

    def copy(self) -> None:
        if self.text():
            copy_text(self.text())
            self.copied.emit(self.text())

    def _height(self) -> int:
        """One line, whatever the text: a text of many lines is drawn on one."""
        margins = self.contentsMargins()
        return self.fontMetrics().height() + margins.top() + margins.bottom() + 2 * self.margin()

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, self._height())

    def sizeHint(self) -> QSize:
        width = self.fontMetrics().horizontalAdvance(self._line[: 2 * PREFERRED_WIDTH]) + 8
        return QSize(min(width, PREFERRED_WIDTH), self._height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment()),
            option.palette,
            self.isEnabled(),
            self.shown_text(),
            self.foregroundRole(),
        )
        if self.hasFocus():
            focus = QStyleOption()
            focus.initFrom(self)
            self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus, painter)

    def _menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction("Copy").triggered.connect(self.copy)
        menu.exec(self.mapToGlobal(pos))
