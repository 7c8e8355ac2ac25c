"""The JSON view's parts: its editor, the editor's colours and marks, the find bar.

A QSyntaxHighlighter colours every line of a document as soon as it is set, in Python: seconds
for a 4 MiB manifest. LazyHighlighter colours the lines in (and just below) the viewport, and
more as they scroll into view; a line keeps its colours until the text or the palette changes.
JsonEditor copies the exact text (the view cuts long lines for display only).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QMimeData, QObject, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

from acr_desktop.ui.json_text import highlight_ranges

# Token colours, each readable (contrast at least 4.5:1) on the editor's base colour and on the
# descriptor mark's background ("span"); the find marks as (background, foreground).
LIGHT = {"key": "#0451a5", "string": "#a31515", "digest": "#795e26", "number": "#08754d"}
LIGHT |= {"literal": "#ab00d6", "punct": "#5f6871", "span": "#dbe9ff"}
LIGHT |= {"match": "#fde68a", "match_text": "#000000"}
LIGHT |= {"current": "#f59e0b", "current_text": "#000000"}
DARK = {"key": "#9cdcfe", "string": "#ce9178", "digest": "#dcdcaa", "number": "#b5cea8"}
DARK |= {"literal": "#c586c0", "punct": "#a0a0a0", "span": "#1f3450"}
DARK |= {"match": "#5c4a12", "match_text": "#fff3c4"}
DARK |= {"current": "#f59e0b", "current_text": "#000000"}
# The find field's colours when nothing matches: (background, text), by dark.
NO_MATCH = {False: ("#ffd6d6", "#000000"), True: ("#5a1d1d", "#ffdad6")}
TOKENS = ("key", "string", "digest", "number", "literal", "punct")  # what highlighting colours
# Lines coloured past the viewport's bottom (and before it is first measured), while they hold
# fewer characters than this: one display block of a cut long line is already a screenful.
_AHEAD, _AHEAD_CHARACTERS = 20, 2000
_LONG_LINE = 50_000  # longer blocks stay plain: colours slow their layout (the view cuts at 4,000)


class JsonEditor(QPlainTextEdit):
    """Read-only, selectable text whose Copy (and drag) is `exact_slice(start, end)` of the
    selection's editor positions: the text as received, never the display cuts."""

    def __init__(self, exact_slice: Callable[[int, int], str]) -> None:
        super().__init__(readOnly=True, undoRedoEnabled=False)
        self._exact_slice = exact_slice
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        flags = Qt.TextInteractionFlag
        self.setTextInteractionFlags(flags.TextSelectableByMouse | flags.TextSelectableByKeyboard)

    def createMimeDataFromSelection(self) -> QMimeData:
        cursor = self.textCursor()
        data = QMimeData()
        data.setText(self._exact_slice(cursor.selectionStart(), cursor.selectionEnd()))
        return data


class FindBar(QWidget):
    """The find row: the term, the match count, previous / next / close buttons.

    In the field, Enter / Shift+Enter go to the next / previous match and Esc closes."""

    def __init__(
        self, previous: Callable[[], None], next_: Callable[[], None], close: Callable[[], None]
    ) -> None:
        super().__init__()
        self._previous, self._next, self._close = previous, next_, close
        self._missing = False
        self.edit = QLineEdit(placeholderText="Find", clearButtonEnabled=True)
        self.edit.installEventFilter(self)
        self.count = QLabel()
        self.count.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.count)
        for text, tip, slot in (
            ("↑", "Previous match (Shift+Enter)", previous),
            ("↓", "Next match (Enter)", next_),
            ("✕", "Close (Esc)", close),
        ):
            button = QToolButton(autoRaise=True)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            layout.addWidget(button)

    def show_missing(self, missing: bool) -> None:
        """Colour the field when its term matches nothing (in this palette's variant)."""
        self._missing = missing
        background, text = NO_MATCH[self.palette().color(QPalette.ColorRole.Base).lightness() < 128]
        sheet = f"QLineEdit {{ background: {background}; color: {text}; }}"
        self.edit.setStyleSheet(sheet if missing else "")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and self._missing:
            self.show_missing(True)
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kinds = (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)
        if event.type() in kinds and isinstance(event, QKeyEvent) and event.key() in keys:
            event.accept()  # an accepted ShortcutOverride keeps Esc from a window's shortcuts
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
                self._close()
            elif event.type() == QEvent.Type.KeyPress:
                back = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                (self._previous if back else self._next)()
            return True
        return super().eventFilter(watched, event)


class LazyHighlighter(QObject):
    """Colours the blocks of `editor` that are visible, when they first become visible.

    Made with a view's first document (nothing is coloured or built before); `passes` counts
    the colouring passes over the viewport."""

    def __init__(self, editor: QPlainTextEdit, dark: bool) -> None:
        super().__init__(editor)
        self.editor = editor
        self.enabled = True
        self.passes = 0
        self.dark = dark
        self.colours: dict[str, str] = LIGHT
        self.formats: dict[str, QTextCharFormat] = {}
        self._done: set[int] = set()  # block numbers already coloured
        self._busy = False
        self._set_formats()
        editor.updateRequest.connect(self._on_update)

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        self._set_formats()
        self.reset()

    def _set_formats(self) -> None:
        self.colours, self.formats = (DARK if self.dark else LIGHT), {}
        for name in TOKENS:
            self.formats[name] = fmt = QTextCharFormat()
            colour = self.colours[name]
            fmt.setForeground(QColor(colour))

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
        self.passes += 1
        try:
            editor, document = self.editor, self.editor.document()
            block = editor.firstVisibleBlock()
            top = editor.blockBoundingGeometry(block).translated(editor.contentOffset()).top()
            bottom, extra, ahead = editor.viewport().height(), _AHEAD, 0
            first = last = None
            while block.isValid() and (top <= bottom or (extra > 0 and ahead < _AHEAD_CHARACTERS)):
                if top > bottom:
                    extra, ahead = extra - 1, ahead + block.length()
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

    def mark(self, span: QTextCursor | None, matches: list[tuple[QTextCursor, bool]]) -> None:
        """Background for a descriptor `span` (keeping its syntax colours, whole lines) and for
        find matches, given as (cursor, whether it is the current one)."""
        marks = [(span, "span", True)] if span else []
        marks += [(cursor, "current" if now else "match", False) for cursor, now in matches]
        selections = []
        for cursor, kind, whole_lines in marks:
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(self.colours[kind]))
            if whole_lines:
                fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
            else:
                fmt.setForeground(QColor(self.colours[f"{kind}_text"]))
            selection = QTextEdit.ExtraSelection()
            selection.cursor, selection.format = cursor, fmt
            selections.append(selection)
        self.editor.setExtraSelections(selections)
