"""Server text is data, never markup: labels that can show text from a registry or a reference
are plain text, and tooltips (which Qt renders as rich text when they look like markup) are
escaped.

Qt guesses: a QLabel or tooltip whose first line looks like a tag is drawn as HTML, so an error
message holding `<img src="file:///dev/zero">` would make Qt read that file. Every such widget
goes through here."""

from __future__ import annotations

import html
from typing import TypeVar, overload

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

L = TypeVar("L", bound=QLabel)


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
    """`text` for a tooltip, shown literally: unchanged when Qt would not take it for markup,
    else escaped inside a paragraph that keeps its line breaks."""
    if not text or not QtGui.Qt.mightBeRichText(text):
        return text
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"
