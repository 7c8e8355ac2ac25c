"""The raw manifest pane: pretty or exact JSON, highlighted, with find and descriptor marking.

Big documents never hold the UI thread for long: they are pretty-printed and indexed on a worker,
put into the editor a piece per event-loop turn with long lines cut into display blocks
(json_text.ShownText; Copy still gives the exact text), coloured only where visible
(json_parts.py) and searched a slice per turn. An empty view costs next to nothing: fonts,
colours and the worker come with the first document.
"""

from __future__ import annotations

import bisect
import re
from array import array

import shiboken6
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QPalette, QTextCursor, QTextDocument
from PySide6.QtWidgets import QLabel, QPlainTextDocumentLayout, QWidget

from acr_desktop.ui.json_parts import FindBar, JsonEditor, LazyHighlighter
from acr_desktop.ui.json_text import (
    WRAP,
    PreparedDocument,
    anchor,
    descriptor_spans,
    piece_end,
    prepare,
    shown_text,
    utf16,
)
from acr_desktop.ui.worker import JobRunner

_MAX_MARKED = 2000  # matches given a background at once; the count is always exact
_SYNC_BYTES = 256 * 1024  # bigger documents are pretty-printed and indexed on a worker
_LOAD_PIECE = 64 * 1024  # characters put into the editor per event-loop turn (~10 ms)
_FIND_SLICE = 1 << 18  # characters searched per event-loop turn (~15 ms)
_MARK_MARGIN = 8192  # matches this far outside the viewport are marked too
_EMPTY = shown_text("")
_WRAPPED = f"Lines over {WRAP:,} characters are shown in pieces; Copy gives them whole"


class JsonView(QWidget):
    """Pretty-printed or exact manifest bytes, with find and `highlight_digest`.

    The window binds Ctrl+F to `focus_find` (the view has no Ctrl+F of its own: two would be
    an ambiguous shortcut); F3 / Shift+F3 find again while the focus is in the view.

    Signals:
        loaded(): the whole text is in the editor; at once, inside `set_document`, for documents
            up to 256 KiB, and some event-loop turns later for bigger ones.
    """

    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._raw: bytes | None = None
        self._document: PreparedDocument | None = None
        self._view = _EMPTY  # the text shown, in its three forms (see ShownText)
        self._current, self._exact = -1, False
        self._digest: str | None = None
        self._span: tuple[int, int] | None = None
        self._spans: dict[bool, dict[str, tuple[int, int]]] = {}  # by exact, for _document
        self._indexing: dict[bool, PreparedDocument] = {}  # what the worker indexes, by exact
        # Match starts (all matches are as long as the term): an array, not a list of tuples,
        # so 200,000 matches of "a" give the garbage collector nothing to walk.
        self._matches, self._term_length = array("q"), 0
        self._loaded_to, self._in_editor = 0, True  # how much of the display text is in; all?
        self._anchor: int | None = None  # where the top line goes once the text is all in
        self._scan: tuple[re.Pattern[str], int, int, bool] | None = None
        self._runner: JobRunner | None = None  # with the first big document
        self._highlighter: LazyHighlighter | None = None  # with the first document
        self._load_timer = QTimer(self, singleShot=True, interval=0)
        self._load_timer.timeout.connect(self._load_piece)
        self._find_timer = QTimer(self, singleShot=True, interval=0)
        self._find_timer.timeout.connect(self._scan_slice)

        self.exact_toggle = QtWidgets.QCheckBox("Exact bytes")
        self.exact_toggle.setToolTip("Show the bytes exactly as they were received")
        self.exact_toggle.setEnabled(False)  # until a JSON document arrives
        self.exact_toggle.toggled.connect(self._show_current)
        self.note_label, self.size_label = QLabel(), QLabel()
        for label in (self.note_label, self.size_label):
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.editor = JsonEditor(self.exact_slice)
        self._remark_timer = QTimer(self, singleShot=True, interval=0)
        self._remark_timer.timeout.connect(self._apply_selections)
        self.editor.verticalScrollBar().valueChanged.connect(self._remark_timer.start)

        self._find_bar: FindBar | None = None  # made when first asked for (see find_bar)

        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(6, 2, 6, 0)
        top.addWidget(self.exact_toggle)
        top.addWidget(self.note_label, 1)
        top.addWidget(self.size_label)
        self._column = layout = QtWidgets.QVBoxLayout(self)  # the find bar joins it later
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        for keys, step in (("F3", 1), ("Shift+F3", -1)):
            again = QtGui.QShortcut(QtGui.QKeySequence(keys), self, lambda s=step: self._again(s))
            again.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    @property
    def find_bar(self) -> FindBar:
        """The find row under the editor; most views are never searched, so made on first use."""
        if self._find_bar is None:
            self._find_bar = bar = FindBar(self.find_previous, self.find_next, self.close_find)
            bar.hide()  # before it has a parent: stays hidden when the view is shown
            bar.edit.textChanged.connect(lambda _text: self._search(0))
            self._column.addWidget(bar)
        return self._find_bar

    def _term(self) -> str:
        """What is searched for: the find bar's text while it is open."""
        bar = self._find_bar
        return "" if bar is None or bar.isHidden() else bar.edit.text()

    def set_document(self, raw: bytes, prepared: PreparedDocument | None = None) -> None:
        """Show `raw`: pretty-printed when it is JSON, else as text with a note.

        `prepared` is `json_text.prepare(raw)` when the caller already ran it on a worker;
        otherwise a document over 256 KiB is prepared on this view's own worker."""
        self._raw, self._digest = raw, None
        self.size_label.setText("1 byte" if len(raw) == 1 else f"{len(raw):,} bytes")
        if prepared is None and len(raw) > _SYNC_BYTES:
            self._use(None)
            self.note_label.setText("Preparing…")
            job = self._worker().start("prepare", lambda: prepare(raw))
            job.returned.connect(self._use)
            return
        self._use(prepared if prepared is not None else prepare(raw))

    def _use(self, document: PreparedDocument | None) -> None:
        self._document, self._spans, self._indexing = document, {}, {}
        self.exact_toggle.setEnabled(document is not None and document.pretty is not None)
        if document is not None and self._highlighter is None:  # the first document
            fonts = QtGui.QFontDatabase
            self.editor.setFont(fonts.systemFont(fonts.SystemFont.FixedFont))
            self._highlighter = LazyHighlighter(self.editor, self._is_dark())
        self._show_current(keep_view=False)

    def clear(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
        self._raw = self._digest = None
        self._use(None)
        self.size_label.clear()

    def text(self) -> str:
        """The plain text currently shown (pretty or exact), without the display cuts."""
        return self._view.text

    def exact_slice(self, start: int, end: int) -> str:
        """The characters shown between two editor positions: what Copy gives."""
        view = self._view
        return view.source(view.from_display(start), view.from_display(end))

    @property
    def loading(self) -> bool:
        """Whether a document is still being prepared or put into the editor."""
        return self._raw is not None and (self._document is None or not self._in_editor)

    def _show_current(self, _checked: bool = False, keep_view: bool = True) -> None:
        document = self._document
        self._exact = self.exact_toggle.isChecked() or document is None or not document.pretty
        top = self._top() if keep_view else 0
        old = self._view.shown
        self._view = _EMPTY if document is None else document.text(self._exact)
        shown = self._view.shown  # find, spans and anchors count in shown positions
        # The same JSON token stays at the top (pretty and exact differ only in blanks).
        self._anchor = anchor(old, top, shown) if top > 0 and shown else None
        if self._highlighter is not None:
            self._highlighter.enabled = document is not None and document.pretty is not None
        notes = [] if document is None or document.pretty else ["Not JSON — shown as text"]
        self.note_label.setText(" · ".join(notes + [_WRAPPED] * bool(self._view.breaks)))
        # A new document: clearing one of 100,000 lines costs more than building its successor.
        retired, fresh = self.editor.document(), QTextDocument(self.editor)
        fresh.setDocumentLayout(QPlainTextDocumentLayout(fresh))
        fresh.setUndoRedoEnabled(False)
        fresh.setDefaultFont(self.editor.font())
        self.editor.setExtraSelections([])  # they point into the old document: never past it
        self.editor.setDocument(fresh)
        if shiboken6.isValid(retired):  # the editor deletes its first document itself
            retired.deleteLater()
        self._loaded_to, self._in_editor = 0, False
        self._load_timer.stop()
        self._load_piece()

    def _load_piece(self) -> None:
        """Put the next piece of the text into the editor; the rest on later event-loop turns."""
        start, display = self._loaded_to, self._view.display
        if start and start == len(display):  # the last piece went in on the turn before
            self._text_loaded()
            return
        self._loaded_to = piece_end(display, start, _LOAD_PIECE)
        cursor = QTextCursor(self.editor.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(display[start : self._loaded_to])
        if start == 0 and self._highlighter is not None:
            self._highlighter.reset()
        if start or self._loaded_to < len(display):  # a big text: finish on a later turn
            self._load_timer.start()
        else:
            self._text_loaded()

    def _text_loaded(self) -> None:
        if self._document is None and self._raw is not None:  # shown while it is prepared
            return
        self._in_editor = True
        self._span = self._locate(self._digest) if self._digest else None
        if self._anchor is not None:
            self._scroll_to(self._anchor, self._anchor, from_end=True)
        self._search(self._top(), select=False)
        if len(self._view.shown) > _SYNC_BYTES:
            self._index()  # on the worker now, so a later highlight_digest is a lookup
        self.loaded.emit()

    def highlight_digest(self, digest: str) -> bool:
        """Mark and reveal the object whose "digest" is `digest`; whether it was found.

        While a big document is still being prepared or indexed the answer is not known yet:
        False, and the mark appears once it is."""
        self._digest, self._span = digest, self._locate(digest)
        if self._span and not self.loading:
            self._scroll_to(self._span[1], self._span[0])
        self._apply_selections()
        return self._span is not None

    def _locate(self, digest: str) -> tuple[int, int] | None:
        spans = self._index()
        return None if spans is None else spans.get(digest)  # document positions

    def _index(self) -> dict[str, tuple[int, int]] | None:
        """The descriptor spans of the text shown; None while a worker computes them."""
        document, exact, shown = self._document, self._exact, self._view.shown
        if document is None or exact in self._spans:
            return self._spans.get(exact, {})
        if len(shown) <= _SYNC_BYTES:
            self._spans[exact] = descriptor_spans(shown)
            return self._spans[exact]
        if self._indexing.get(exact) is not document:  # a newer start supersedes an older one
            self._indexing[exact] = document
            job = self._worker().start(f"index-{exact}", lambda: descriptor_spans(shown))
            job.returned.connect(lambda spans: self._indexed(document, exact, spans))
        return None

    def _indexed(
        self, document: PreparedDocument, exact: bool, spans: dict[str, tuple[int, int]]
    ) -> None:
        if document is not self._document:
            return
        self._spans[exact] = spans
        if exact == self._exact and self._digest and self._span is None:
            self.highlight_digest(self._digest)

    def _worker(self) -> JobRunner:
        if self._runner is None:
            self._runner = JobRunner(self, max_threads=1)
        return self._runner

    def _top(self) -> int:
        """The shown position at the viewport's top-left corner."""
        return self._at(QPoint(0, 0))

    def _at(self, point: QPoint) -> int:
        return self._view.from_display(self.editor.cursorForPosition(point).position())

    def _cursor(self, start: int, end: int) -> QTextCursor:
        """An editor cursor selecting shown positions `start` to `end` (the caret at `end`)."""
        cursor = QTextCursor(self.editor.document())
        cursor.setPosition(self._view.to_display(start))
        cursor.setPosition(self._view.to_display(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _scroll_to(self, end: int, start: int, from_end: bool = False) -> None:
        """Reveal `end`, then `start` (the top line if it moves up); the caret ends at `start`."""
        if from_end:
            self.editor.moveCursor(QTextCursor.MoveOperation.End)
        for position in (end, start):
            self.editor.setTextCursor(self._cursor(position, position))

    def _apply_selections(self) -> None:
        count, searching = len(self._matches), self._scan is not None
        if self._find_bar is not None:
            self._find_bar.count.setText(
                "Searching…"
                if searching
                else f"{self._current + 1} of {count}"
                if count
                else "No matches"
            )
            self._find_bar.count.setVisible(bool(self._term()))
        if self.loading or searching:  # positions past the text put in so far: wait for it
            return
        if self._highlighter is None:  # no document yet: nothing to mark
            return
        # Only the matches on or near the screen: thousands of selections slow every paint.
        top = self._top() - _MARK_MARGIN
        corner = QPoint(self.editor.viewport().width(), self.editor.viewport().height())
        bottom = self._at(corner) + _MARK_MARGIN
        first = bisect.bisect_left(self._matches, top)
        last = min(bisect.bisect_left(self._matches, bottom), first + _MAX_MARKED)
        matches = []
        for i in sorted({*range(first, last), self._current} - {-1}):
            start = self._matches[i]
            matches.append((self._cursor(start, start + self._term_length), i == self._current))
        span = self._cursor(*self._span) if self._span else None
        self._highlighter.mark(span, matches)

    def focus_find(self) -> None:
        """Open the find bar (if closed), focus it and select its text: what Ctrl+F does."""
        self.find_bar.show()
        self.find_bar.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.find_bar.edit.selectAll()
        self._search(self._view.from_display(self.editor.textCursor().selectionStart()))

    def close_find(self) -> None:
        self.find_bar.hide()
        self._search(0, select=False)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def find_next(self) -> None:
        self._step(1)

    def find_previous(self) -> None:
        self._step(-1)

    def _again(self, step: int) -> None:
        """F3 / Shift+F3: the next or previous match; the find bar when there is no term."""
        if self._term():
            self._step(step)
        else:
            self.focus_find()

    def _step(self, step: int) -> None:
        if self._matches and self._scan is None:
            self._current = (self._current + step) % len(self._matches)
            self._search(self._matches[self._current])

    def _search(self, from_position: int, select: bool = True) -> None:
        """Find the term again; the current match is the first at or after `from_position`.

        The text is searched a slice per event-loop turn, the first slice right away."""
        term = self._term()
        pattern = re.compile(re.escape(utf16(term)), re.IGNORECASE)
        self._matches, self._term_length = array("q"), len(utf16(term))
        self._find_timer.stop()
        self._scan = (pattern, 0, from_position, select) if term else None
        self._scan_slice()

    def _scan_slice(self) -> None:
        if self._scan is not None:
            pattern, start, from_position, select = self._scan
            end = min(start + _FIND_SLICE, len(self._view.shown))
            # A match may run past the slice's end; the next slice starts no match before it.
            found = pattern.finditer(self._view.shown, start, end + len(pattern.pattern))
            self._matches.extend(m.start() for m in found if m.start() < end)
            if end < len(self._view.shown):
                self._scan = (pattern, end, from_position, select)
                self._find_timer.start()
                self._apply_selections()
                return
            self._scan = None
        else:
            from_position, select = 0, False
        term = bool(self._term())
        found_any = bool(self._matches)
        self._current = (
            bisect.bisect_left(self._matches, from_position) % len(self._matches)
            if found_any
            else -1
        )
        if self._find_bar is not None:
            self._find_bar.show_missing(term and not found_any)
        if select and found_any and not self.loading:
            start = self._matches[self._current]
            self._scroll_to(start + self._term_length, start)
            self.editor.setTextCursor(self._cursor(start, start + self._term_length))
        self._apply_selections()

    def changeEvent(self, event: QEvent) -> None:
        palette_events = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        highlighter = self._highlighter
        if event.type() in palette_events and highlighter and highlighter.dark != self._is_dark():
            highlighter.set_dark(self._is_dark())
            self._apply_selections()
        super().changeEvent(event)

    def _is_dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128
