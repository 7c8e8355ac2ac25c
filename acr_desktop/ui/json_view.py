"""The raw manifest pane: pretty or exact JSON, highlighted, with find and descriptor marking."""

from __future__ import annotations

import bisect
import json
import re

from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QColor, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QToolButton, QWidget

# One JSON token: a string (a key if a colon follows), number, literal or punctuation. Strings are
# whole tokens, so braces inside them never count as structure.
_TOKEN = re.compile(
    r'(?P<string>"[^"\\]*(?:\\.[^"\\]*)*")(?P<key>\s*:)?|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<literal>true|false|null)|(?P<punct>[{}\[\],:])"
)
_DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_LIGHT = {"key": "#0451a5", "string": "#a31515", "digest": "#795e26", "number": "#098658"}
_LIGHT |= {"literal": "#af00db", "punct": "#6a737d", "span": "#dbe9ff"}
_DARK = {"key": "#9cdcfe", "string": "#ce9178", "digest": "#dcdcaa", "number": "#b5cea8"}
_DARK |= {"literal": "#c586c0", "punct": "#a0a0a0", "span": "#1f3450"}
_MATCH, _CURRENT, _NO_MATCH = QColor("#fde68a"), QColor("#f59e0b"), "#ffd6d6"
_MAX_MARKED = 2000  # matches given a background at once; the count is always exact


def _utf16(text: str) -> str:
    """Astral characters as surrogate pairs, so string indexes are Qt (UTF-16) positions."""
    if text.isascii():
        return text

    def pair(m: re.Match[str]) -> str:
        c = ord(m.group()) - 0x10000
        return chr(0xD800 + (c >> 10)) + chr(0xDC00 + (c & 0x3FF))

    return _ASTRAL.sub(pair, text)


def _unquote(token: str | None) -> object:
    try:
        return None if token is None else json.loads(token)
    except ValueError:
        return None


def _descriptor_span(text: str, digest: str) -> tuple[int, int] | None:
    """The `{ ... }` span of the first object whose "digest" member equals `digest`."""
    opened: list[int] = []  # positions of the open `{` and `[`
    is_value, depth = False, -1  # depth: len(opened) inside the wanted object, once found
    for m in _TOKEN.finditer(text):
        if is_value and depth < 0 and _unquote(m["string"]) == digest:
            depth = len(opened)
        in_object = bool(opened) and text[opened[-1]] == "{"
        is_value = bool(m["key"]) and in_object and _unquote(m["string"]) == "digest"
        if m.group() in ("{", "["):
            opened.append(m.start())
        elif m.group() in ("}", "]") and opened:
            start = opened.pop()
            if len(opened) + 1 == depth:
                return start, m.end()
    return None


class _Highlighter(QtGui.QSyntaxHighlighter):
    enabled, colours, formats = True, _LIGHT, dict[str, QTextCharFormat]()

    def set_dark(self, dark: bool) -> None:
        self.colours, self.formats = (_DARK if dark else _LIGHT), {}
        for name, colour in self.colours.items():
            self.formats[name] = fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for m in _TOKEN.finditer(_utf16(text)) if self.enabled else ():
            kind = m.lastgroup or "punct"
            if m["key"]:
                self.setFormat(m.end() - 1, 1, self.formats["punct"])
            elif m["string"] and _DIGEST.fullmatch(m["string"], 1, len(m["string"]) - 1):
                kind = "digest"
            self.setFormat(m.start(), len(m["string"] or m.group()), self.formats[kind])


class JsonView(QWidget):
    """Pretty-printed or exact manifest bytes, with Ctrl+F find and `highlight_digest`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._raw: bytes | None = None
        self._pretty: str | None = None  # None when the bytes are not JSON
        self._text, self._dark, self._current = "", False, -1
        self._digest: str | None = None
        self._span: tuple[int, int] | None = None
        self._matches: list[tuple[int, int]] = []

        self.exact_toggle = QtWidgets.QCheckBox("Exact bytes")
        self.exact_toggle.setToolTip("Show the bytes exactly as they were received")
        self.exact_toggle.toggled.connect(self._show_current)
        self.note_label, self.size_label, self.find_count = QLabel(), QLabel(), QLabel()
        for label in (self.note_label, self.size_label, self.find_count):
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.editor = QPlainTextEdit(readOnly=True, undoRedoEnabled=False)
        fonts, flags = QtGui.QFontDatabase, Qt.TextInteractionFlag
        self.editor.setFont(fonts.systemFont(fonts.SystemFont.FixedFont))
        self.editor.setWordWrapMode(QtGui.QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        selectable = flags.TextSelectableByMouse | flags.TextSelectableByKeyboard
        self.editor.setTextInteractionFlags(selectable)
        self._highlighter = _Highlighter(self.editor.document())
        self._highlighter.set_dark(False)

        self.find_edit = QtWidgets.QLineEdit(placeholderText="Find", clearButtonEnabled=True)
        self.find_edit.textChanged.connect(lambda _text: self._search(0))
        self.find_edit.installEventFilter(self)
        self.find_bar = QWidget()
        bar = QtWidgets.QHBoxLayout(self.find_bar)
        bar.setContentsMargins(4, 0, 4, 2)
        bar.addWidget(self.find_edit, 1)
        bar.addWidget(self.find_count)
        for text, tip, slot in (
            ("↑", "Previous match (Shift+Enter)", self.find_previous),
            ("↓", "Next match (Enter)", self.find_next),
            ("✕", "Close (Esc)", self.close_find),
        ):
            button = QToolButton(autoRaise=True)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            bar.addWidget(button)
        self.find_bar.hide()

        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(6, 2, 6, 0)
        top.addWidget(self.exact_toggle)
        top.addWidget(self.note_label, 1)
        top.addWidget(self.size_label)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.find_bar)
        find = QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Find, self, self.open_find)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._update_palette()
        self.clear()

    def set_document(self, raw: bytes) -> None:
        """Show `raw`: pretty-printed when it is JSON, else as text with a note."""
        self._raw, self._digest = raw, None
        try:
            self._pretty = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
        except (ValueError, RecursionError):
            self._pretty = None
        self.exact_toggle.setEnabled(self._pretty is not None)
        self.note_label.setText("" if self._pretty is not None else "Not JSON — shown as text")
        self.size_label.setText("1 byte" if len(raw) == 1 else f"{len(raw):,} bytes")
        self._show_current(keep_view=False)

    def clear(self) -> None:
        self._raw = self._pretty = self._digest = None
        self.exact_toggle.setEnabled(False)
        self.note_label.clear()
        self.size_label.clear()
        self._show_current(keep_view=False)

    def text(self) -> str:
        """The plain text currently shown (pretty or exact)."""
        return self._text

    def _show_current(self, _checked: bool = False, keep_view: bool = True) -> None:
        exact = self.exact_toggle.isChecked() or self._pretty is None
        decoded = "" if self._raw is None else self._raw.decode("utf-8", errors="replace")
        old_starts = [m.start() for m in _TOKEN.finditer(_utf16(self.editor.toPlainText()))]
        top = self.editor.cursorForPosition(QPoint(0, 0)).position()
        self._text = decoded if exact else (self._pretty or "")
        self._highlighter.enabled = self._pretty is not None
        self.editor.setPlainText(self._text)
        self._span = self._locate(self._digest) if self._digest else None
        new_starts = [m.start() for m in _TOKEN.finditer(_utf16(self.editor.toPlainText()))]
        if keep_view and top > 0 and new_starts:  # the same JSON token stays at the top
            anchor = new_starts[min(bisect.bisect_left(old_starts, top), len(new_starts) - 1)]
            self._scroll_to(anchor, anchor, from_end=True)
        self._search(self.editor.cursorForPosition(QPoint(0, 0)).position(), select=False)

    def highlight_digest(self, digest: str) -> bool:
        """Mark and reveal the object whose "digest" is `digest`; whether it was found."""
        self._digest, self._span = digest, self._locate(digest)
        if self._span:
            self._scroll_to(self._span[1], self._span[0])
        self._apply_selections()
        return self._span is not None

    def _locate(self, digest: str) -> tuple[int, int] | None:
        return _descriptor_span(_utf16(self.editor.toPlainText()), digest)  # document positions

    def _scroll_to(self, end: int, start: int, from_end: bool = False) -> None:
        """Reveal `end`, then `start` (the top line if it moves up); the caret ends at `start`."""
        if from_end:
            self.editor.moveCursor(QTextCursor.MoveOperation.End)
        for position in (end, start):
            cursor = self.editor.textCursor()
            cursor.setPosition(position)
            self.editor.setTextCursor(cursor)

    def _apply_selections(self) -> None:
        marks = [(self._span, QColor(self._highlighter.colours["span"]))] if self._span else []
        for i, match in enumerate(self._matches[:_MAX_MARKED]):
            marks.append((match, _CURRENT if i == self._current else _MATCH))
        selections = []
        for i, ((start, end), colour) in enumerate(marks):
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(colour)
            if i == 0 and self._span:  # the descriptor keeps its syntax colours
                fmt.setProperty(QtGui.QTextFormat.Property.FullWidthSelection, True)
            else:
                fmt.setForeground(QColor("black"))
            selection = QtWidgets.QTextEdit.ExtraSelection()
            selection.cursor, selection.format = cursor, fmt
            selections.append(selection)
        self.editor.setExtraSelections(selections)
        count, term = len(self._matches), self.find_edit.text() and not self.find_bar.isHidden()
        self.find_count.setText(f"{self._current + 1} of {count}" if count else "No matches")
        self.find_count.setVisible(bool(term))

    def open_find(self) -> None:
        self.find_bar.show()
        self.find_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_edit.selectAll()
        self._search(self.editor.textCursor().selectionStart())

    def close_find(self) -> None:
        self.find_bar.hide()
        self._search(0, select=False)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def find_next(self) -> None:
        self._step(1)

    def find_previous(self) -> None:
        self._step(-1)

    def _step(self, step: int) -> None:
        if self._matches:
            self._current = (self._current + step) % len(self._matches)
            self._search(self._matches[self._current][0])

    def _search(self, from_position: int, select: bool = True) -> None:
        """Find the term again; the current match is the first at or after `from_position`."""
        term = "" if self.find_bar.isHidden() else self.find_edit.text()
        pattern = re.compile(re.escape(_utf16(term)), re.IGNORECASE)
        text = _utf16(self.editor.toPlainText())
        self._matches = [m.span() for m in pattern.finditer(text)] if term else []
        starts = [start for start, _ in self._matches]
        self._current = bisect.bisect_left(starts, from_position) % len(starts) if starts else -1
        missing = f"QLineEdit {{ background: {_NO_MATCH}; color: black; }}"
        self.find_edit.setStyleSheet(missing if term and not starts else "")
        if select and starts:
            start, end = self._matches[self._current]
            self._scroll_to(end, start)
            cursor = self.editor.textCursor()
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            self.editor.setTextCursor(cursor)
        self._apply_selections()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kinds = (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)
        if event.type() in kinds and isinstance(event, QtGui.QKeyEvent) and event.key() in keys:
            event.accept()  # an accepted ShortcutOverride keeps Esc from a window's shortcuts
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
                self.close_find()
            elif event.type() == QEvent.Type.KeyPress:
                self._step(-1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
            return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._update_palette()
        super().changeEvent(event)

    def _update_palette(self) -> None:
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        if dark != self._dark:
            self._dark = dark
            self._highlighter.set_dark(dark)
            self._apply_selections()
