"""Server text is data, never markup: labels that can show text from a registry or a reference
are plain text, and tooltips (which Qt renders as rich text when they look like markup) are
escaped.

Qt guesses: a QLabel or tooltip whose first line looks like a tag is drawn as HTML, so an error
message holding `<img src="file:///dev/zero">` would make Qt read that file. Every such widget
goes through here."""

from __future__ import annotations

import html
import re
from typing import TypeVar, overload

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

L = TypeVar("L", bound=QLabel)

TOOLTIP_CHARS = 2000  # a tooltip longer than this is cut (Copy has the whole text)
# Bidi controls can make "evil\u202egnp.exe" read "evilexe.png": shown by name.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not tab, CR, LF
_LINE_BREAK = re.compile("\r\n|[\n\r\u2028\u2029]")


def _named(match: re.Match[str]) -> str:
    """A character that would act rather than show, by its code point: ⟨U+202E⟩. (Not its
    Control Pictures glyph, ␛: common fonts draw those as empty boxes.)"""
    return f"\u27e8U+{ord(match.group()):04X}\u27e9"


def visible(text: str) -> str:
    """`text` with what would act instead of show made visible: control and bidi characters by
    code point (an escape as ⟨U+001B⟩, a right-to-left override as ⟨U+202E⟩). Line breaks and
    tabs stay."""
    return _BIDI.sub(_named, _CONTROL.sub(_named, text))


def one_line(text: str) -> str:
    """`text` for a one-line label or a window title: `visible`, each line break shown as ⏎."""
    return _LINE_BREAK.sub("\u23ce", visible(text)).replace("\t", " ")


def list_entry(text: str, keep: int = 500) -> str:
    """A name from a registry as a list shows it: as it is (the common case, checked fast), else
    `one_line` and, past 2 × `keep` characters, both ends around "…"."""
    if len(text) <= 2 * keep and text.isprintable():
        return text
    line = one_line(text)
    return line if len(line) <= 2 * keep else f"{line[:keep]}…{line[-keep:]}"


def plain(label: L) -> L:
    """`label`, set to show its text as typed (no HTML, no links)."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def plain_label(text: str = "", *, wrap: bool = False, selectable: bool = False) -> QLabel:
    """A new plain-text label."""
    label = plain(QLabel())
    label.setText(text)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


@overload
def tooltip(text: str) -> str: ...
@overload
def tooltip(text: None) -> None: ...
def tooltip(text: str | None) -> str | None:
    """`text` for a tooltip, shown literally (`visible`, cut after TOOLTIP_CHARS): unchanged
    when Qt would not take it for markup, else escaped inside a paragraph that keeps its line
    breaks."""
    if not text:
        return text
    if len(text) > TOOLTIP_CHARS:
        text = f"{text[:TOOLTIP_CHARS]}… ({len(text) - TOOLTIP_CHARS:,} more characters)"
    text = visible(text)
    if not QtGui.Qt.mightBeRichText(text):
        return text
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"
