"""The main window's menus and keyboard shortcuts, bound to the commands the window offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMainWindow, QMenu, QWidget

from acr_desktop.ui.desktop import show_log_folder
from acr_desktop.ui.preferences import MAX_TIMEOUT, Preferences


class Commands(Protocol):
    """What the menus and shortcuts ask of the window."""

    def go_back(self) -> None: ...
    def go_forward(self) -> None: ...
    def refresh(self) -> None: ...
    def cancel(self) -> None: ...
    def focus_bar(self) -> None: ...
    def open_sign_in(self, message: str | None) -> object: ...
    def open_connection_settings(self) -> None: ...
    def ask_time_limit(self) -> None: ...
    def show_about(self) -> object: ...


@dataclass(frozen=True)
class Menus:
    help: QMenu


def install(window: QMainWindow, commands: Commands, navigator: QWidget, bookmarks: QMenu) -> Menus:
    """Build the menu bar and the window-wide shortcuts of `window`."""
    bar = window.menuBar()
    go = bar.addMenu("&Go")
    for label, keys, slot in (
        ("Back", "Alt+Left", commands.go_back),
        ("Forward", "Alt+Right", commands.go_forward),
        ("Inspect again", "F5", commands.refresh),
        ("Focus the reference bar", "Ctrl+L", commands.focus_bar),
    ):
        action = go.addAction(label)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the window owns them
        action.triggered.connect(slot)
    view = bar.addMenu("&View")
    toggle = view.addAction("Navigator")
    toggle.setCheckable(True)
    toggle.setChecked(True)
    toggle.toggled.connect(navigator.setVisible)
    bar.addMenu(bookmarks)
    account = bar.addMenu("&Registry")
    account.addAction("Sign in…").triggered.connect(lambda: commands.open_sign_in(None))
    account.addAction("Connection settings…").triggered.connect(commands.open_connection_settings)
    account.addAction("Time limit…").triggered.connect(commands.ask_time_limit)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction("Show log folder").triggered.connect(show_log_folder)
    about = help_menu.addAction("About ACR Desktop")
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about.triggered.connect(commands.show_about)

    for keys, slot in (
        ("Ctrl+L", commands.focus_bar),
        ("F5", commands.refresh),
        ("Esc", commands.cancel),
        ("Alt+Left", commands.go_back),
        ("Alt+Right", commands.go_forward),
    ):
        shortcut = QAction(window)
        shortcut.setShortcut(QKeySequence(keys))
        shortcut.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.triggered.connect(slot)
        window.addAction(shortcut)
    return Menus(help=help_menu)


def ask_time_limit(window: QWidget, preferences: Preferences) -> None:
    """Registry ▸ Time limit: the seconds one inspect may take in all (the CLI's --timeout)."""
    seconds, ok = QInputDialog.getInt(
        window,
        "Time limit",
        "Seconds an inspect may take in all, waits for a busy registry included:",
        round(preferences.timeout()),
        1,
        int(MAX_TIMEOUT),
    )
    if ok:
        preferences.set_timeout(seconds)
