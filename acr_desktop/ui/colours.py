"""The few text colours the window uses to say how something went (one of each, app-wide), for
a light and a dark palette. Ask for them when drawing: the scheme can change while the app runs."""

from __future__ import annotations

# (light, dark) pairs, each readable (WCAG contrast at least 4.5:1) on its palette's window and
# base colours, down to a light window of #e8e8e8 and up to a dark one of #353535.
_OK = ("#187733", "#57c46e")  # verified, signed in
_WARNING = ("#a15000", "#f0a04b")  # worth a look: a digest that differs, a platform warning
_ERROR = ("#c62828", "#ff7b72")  # failed, or a switch that puts credentials at risk
_NOTE = ("#6d5300", "#d9b44a")  # a remark beside a form field


def is_dark() -> bool:
    """True when the application's palette is dark (window text lighter than the window)."""
    from PySide6.QtGui import QGuiApplication, QPalette

    palette = QGuiApplication.palette()
    window = palette.color(QPalette.ColorRole.Window).lightness()
    text = palette.color(QPalette.ColorRole.WindowText).lightness()
    return text > window


def _pick(pair: tuple[str, str]) -> str:
    return pair[1] if is_dark() else pair[0]


def ok() -> str:
    return _pick(_OK)


def warning() -> str:
    return _pick(_WARNING)


def error() -> str:
    return _pick(_ERROR)


def note() -> str:
    return _pick(_NOTE)
