"""The one place that touches the clipboard."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def copy_lines(lines: list[str]) -> None:
    copy_text("\n".join(lines))
