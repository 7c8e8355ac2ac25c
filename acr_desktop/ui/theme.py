"""Light, dark or the system's colour scheme, app-wide, and how a widget follows a change.

`apply_theme(app, "system" | "light" | "dark")` asks the platform first (Qt 6.8's
QStyleHints.setColorScheme). Where the platform cannot honour it (offscreen, Xvfb, plain X
without a platform theme, a style with no dark palette) the Fusion style with this module's
palette is used instead, so Dark is dark everywhere. "system" gives back the original style
and palette, and keeps following the system's scheme while the app runs.

Following a change: a widget that draws with palette roles needs nothing. A widget that puts
colours of its own into HTML or a style sheet (`colours.ok()`, …) calls
`on_scheme_change(widget, redraw)` once: `redraw()` runs each time the application turns dark
or light (by `apply_theme`, or by the system while "system" is chosen), for as long as the
widget lives, shown or not. Do not rely on `changeEvent(PaletteChange)` for those: a widget
whose style sheet sets colours keeps its own palette and is not told when the application's
changes. Rich text is coloured when it is set (links take the palette's link colour then),
so `redraw` sets it again.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from acr_desktop.ui import colours

CHOICES = ("system", "light", "dark")
_SCHEMES = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}

_Role, _Group = QPalette.ColorRole, QPalette.ColorGroup
# The dark palette for Fusion: neutral greys, text and links readable on Window and Base.
_DARK = {
    _Role.Window: "#2b2b2b",
    _Role.WindowText: "#e8e8e8",
    _Role.Base: "#1e1e1e",
    _Role.AlternateBase: "#262626",
    _Role.Text: "#e8e8e8",
    _Role.PlaceholderText: "#9e9e9e",
    _Role.Button: "#363636",
    _Role.ButtonText: "#e8e8e8",
    _Role.BrightText: "#ff8a80",
    _Role.Light: "#4a4a4a",
    _Role.Midlight: "#3e3e3e",
    _Role.Mid: "#2f2f2f",
    _Role.Dark: "#181818",
    _Role.Shadow: "#000000",
    _Role.Highlight: "#2f5fc4",
    _Role.HighlightedText: "#ffffff",
    _Role.Link: "#7ab7ff",
    _Role.LinkVisited: "#c39bff",
    _Role.ToolTipBase: "#3a3a3a",
    _Role.ToolTipText: "#e8e8e8",
}
_DARK_DISABLED = {
    _Role.WindowText: "#808080",
    _Role.Text: "#808080",
    _Role.ButtonText: "#808080",
    _Role.Highlight: "#4a4a4a",
    _Role.HighlightedText: "#b0b0b0",
    _Role.Light: "#2b2b2b",  # no etched highlight under disabled text
}
# Fusion's light palette, spelled out: Fusion's standardPalette() turns dark with the platform.
_LIGHT_WINDOW = "#efefef"
_LIGHT = {
    _Role.Midlight: "#cacaca",
    _Role.Mid: "#b8b8b8",
    _Role.Dark: "#9f9f9f",
    _Role.Shadow: "#767676",
    _Role.Highlight: "#308cc6",
    _Role.PlaceholderText: "#80000000",
}
_LIGHT_DISABLED = {
    _Role.WindowText: "#bebebe",
    _Role.Text: "#bebebe",
    _Role.ButtonText: "#bebebe",
    _Role.Base: _LIGHT_WINDOW,
    _Role.Dark: "#bebebe",
    _Role.Shadow: "#b1b1b1",
    _Role.Highlight: "#919191",
}


class _Scheme(QObject):
    """Tells when the application turns dark or light.

    Signals:
        flipped(bool): the application is now dark (True) or light (False).
    """

    flipped = Signal(bool)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.dark = colours.is_dark()


class _Theme:
    """What was chosen, the style the application started with, and its `_Scheme`."""

    def __init__(self) -> None:
        self.choice = "system"
        self.original_style: str | None = None
        self.following = False  # connected to the system's scheme changes
        self.scheme: _Scheme | None = None

    def notifier(self) -> _Scheme:
        """The application's `_Scheme` (a child of the application, made on first use)."""
        if self.scheme is None or not shiboken6.isValid(self.scheme):
            app = QCoreApplication.instance()
            assert app is not None
            self.scheme = _Scheme(app)
        return self.scheme


_state = _Theme()


def dark_palette() -> QPalette:
    """The palette Dark uses where the platform cannot switch (or has no dark palette)."""
    return _palette(QPalette(), _DARK, _DARK_DISABLED)


def light_palette() -> QPalette:
    """The palette Light uses where the platform cannot switch: Fusion's light one."""
    window = QColor(_LIGHT_WINDOW)
    return _palette(QPalette(window, window), _LIGHT, _LIGHT_DISABLED)


def _palette(
    palette: QPalette, roles: dict[QPalette.ColorRole, str], disabled: dict[QPalette.ColorRole, str]
) -> QPalette:
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    accent = getattr(_Role, "Accent", None)  # Qt 6.6
    for role, colour in disabled.items():
        palette.setColor(_Group.Disabled, role, QColor(colour))
    if accent is not None:
        for group in (_Group.Active, _Group.Inactive, _Group.Disabled):
            palette.setColor(group, accent, palette.color(group, _Role.Highlight))
    return palette


def current() -> str:
    """The last choice given to `apply_theme` ("system" before any)."""
    return _state.choice


def apply_theme(app: QApplication, choice: str) -> None:
    """Make the whole application light, dark or follow the system ("system"); an unknown
    choice counts as "system". Widgets are told by a palette change (see the module's note)."""
    if _state.original_style is None:
        _state.original_style = app.style().name()
    _state.choice = choice if choice in CHOICES else "system"
    _state.notifier()  # knows the scheme before the change
    hints = app.styleHints()
    if hasattr(hints, "setColorScheme"):  # Qt 6.8
        if _state.choice == "system":
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(_SCHEMES[_state.choice])
    if not _state.following:
        _state.following = True
        hints.colorSchemeChanged.connect(lambda _scheme: _settle(app))
    _settle(app)


def _settle(app: QApplication) -> None:
    """Choose the style and palette, and tell every widget now rather than on the next turn
    of the event loop (where Qt posts the news): callers and tests see the new colours at once."""
    _choose(app)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.ApplicationPaletteChange)
    scheme = _state.notifier()
    if colours.is_dark() != scheme.dark:
        scheme.dark = not scheme.dark
        scheme.flipped.emit(scheme.dark)


def _choose(app: QApplication) -> None:
    """The platform's own style and palette when they show the scheme wanted; Fusion with
    this module's palette when they do not."""
    scheme, choice = app.styleHints().colorScheme(), _state.choice
    if choice == "system":
        known = scheme != Qt.ColorScheme.Unknown  # else the platform's palette is the truth
        want_dark = scheme == Qt.ColorScheme.Dark
    else:
        known, want_dark = scheme == _SCHEMES[choice], choice == "dark"
    if choice == "system" or known:  # the platform took the request
        _use_native(app)
        if not known or colours.is_dark() == want_dark:
            return
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(dark_palette() if want_dark else light_palette())


def _use_native(app: QApplication) -> None:
    original = _state.original_style
    if original and app.style().name().lower() != original.lower():
        app.setStyle(original)  # also gives back the platform's palette
    if QGuiApplication.palette().resolveMask():
        app.setPalette(QPalette())  # drop a palette set here before: the platform's again


class _SchemeWatch(QObject):
    """A child of the watched widget: its connection ends with the widget."""

    def __init__(self, widget: QWidget, redraw: Callable[[], None]) -> None:
        super().__init__(widget)
        self._redraw = redraw
        _state.notifier().flipped.connect(self._flipped)

    def _flipped(self, _dark: bool) -> None:
        self._redraw()


def on_scheme_change(widget: QWidget, redraw: Callable[[], None]) -> None:
    """Call `redraw()` whenever the application turns dark or light while `widget` lives:
    for widgets that put `colours.*()` into HTML or style sheets."""
    _SchemeWatch(widget, redraw)
