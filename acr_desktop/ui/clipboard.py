"""The one place that touches the clipboard."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QWidget


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def copy_lines(lines: list[str]) -> None:
    copy_text("\n".join(lines))


def copy_shortcut(widget: QWidget, copy: Callable[[], None]) -> QAction:
    """Ctrl+C (the platform's Copy keys) on `widget` while it has the focus calls `copy`."""
    action = QAction("Copy", widget)
    action.setShortcut(QKeySequence.StandardKey.Copy)
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    action.triggered.connect(lambda _=False: copy())
    widget.addAction(action)
    return action
