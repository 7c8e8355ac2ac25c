"""Syntax colours for the JSON view, given only to the lines on screen.

A QSyntaxHighlighter colours every line of a document as soon as it is set, in Python: seconds
for a 4 MiB manifest. This colours the lines in (and just below) the viewport, and more as they
scroll into view; a line keeps its colours until the text or the palette changes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect
from PySide6.QtGui import QColor, QTextCharFormat, QTextLayout
from PySide6.QtWidgets import QPlainTextEdit

from acr_desktop.ui.json_text import highlight_ranges

LIGHT = {"key": "#0451a5", "string": "#a31515", "digest": "#795e26", "number": "#098658"}
LIGHT |= {"literal": "#af00db", "punct": "#6a737d", "span": "#dbe9ff"}
DARK = {"key": "#9cdcfe", "string": "#ce9178", "digest": "#dcdcaa", "number": "#b5cea8"}
DARK |= {"literal": "#c586c0", "punct": "#a0a0a0", "span": "#1f3450"}
_AHEAD = 20  # lines coloured past the viewport's bottom (and before it is first measured)
_LONG_LINE = (
    50_000  # longer lines (a one-line compact manifest) stay plain: colours slow their layout
)


class LazyHighlighter(QObject):
    """Colours the blocks of `editor` that are visible, when they first become visible."""

    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor)
        self.editor = editor
        self.enabled = True
        self.colours: dict[str, str] = LIGHT
        self.formats: dict[str, QTextCharFormat] = {}
        self._done: set[int] = set()  # block numbers already coloured
        self._busy = False
        editor.updateRequest.connect(self._on_update)
        self.set_dark(False)

    def set_dark(self, dark: bool) -> None:
        self.colours, self.formats = (DARK if dark else LIGHT), {}
        for name, colour in self.colours.items():
            self.formats[name] = fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
        self.reset()

    def reset(self) -> None:
        """Forget what was coloured (new text, new palette) and colour the visible lines again."""
        self._done.clear()
        self.highlight_visible()

    def _on_update(self, _rect: QRect, _dy: int) -> None:
        self.highlight_visible()

    def highlight_visible(self) -> None:
        if self._busy or not self.enabled:
            return
        self._busy = True  # marking blocks dirty asks for another update
        try:
            editor, document = self.editor, self.editor.document()
            block = editor.firstVisibleBlock()
            top = editor.blockBoundingGeometry(block).translated(editor.contentOffset()).top()
            bottom, extra = editor.viewport().height(), _AHEAD
            first = last = None
            while block.isValid() and (top <= bottom or extra > 0):
                if top > bottom:
                    extra -= 1
                if block.blockNumber() not in self._done:
                    self._done.add(block.blockNumber())
                    if block.length() <= _LONG_LINE:  # else plain: no second layout of it
                        self._colour(block.layout(), block.text())
                        first = block if first is None else first
                        last = block
                top += editor.blockBoundingRect(block).height()
                block = block.next()
            if first is not None and last is not None:
                end = last.position() + last.length()
                document.markContentsDirty(first.position(), end - first.position())
        finally:
            self._busy = False

    def _colour(self, layout: QTextLayout, text: str) -> None:
        ranges = []
        for start, length, kind in highlight_ranges(text):
            item = QTextLayout.FormatRange()
            item.start, item.length, item.format = start, length, self.formats[kind]
            ranges.append(item)
        layout.setFormats(ranges)
