"""The main window's menus and keyboard shortcuts, bound to the commands the window offers.

Every window-wide shortcut is a menu action's, so it works whatever has the focus (a menu closed
with Esc included) and Help ▸ Keyboard shortcuts lists them all, with the keys widgets keep for
themselves (WIDGET_KEYS)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMainWindow, QMenu, QWidget

from acr_desktop.copy_formats import COPY_FORMATS
from acr_desktop.ui.desktop import show_log_folder
from acr_desktop.ui.preferences import MAX_TIMEOUT, THEMES, Preferences

# The Edit menu's copy shortcuts, by copy format.
COPY_KEYS = {
    "digest": "Ctrl+Shift+C",
    "pinned": "Ctrl+Shift+P",
    "tag_digest": "Ctrl+Shift+T",
    "pull": "Ctrl+Shift+D",
}
# Shortcuts that belong to a widget, not to a menu (listed in Help ▸ Keyboard shortcuts).
WIDGET_KEYS = (
    ("Ctrl+C", "Copy the selected rows (in a table) or the selected text"),
    ("Enter", "Open the selected platform, tag, repository or referrer"),
    ("Enter (Layers tab)", "Show the files of the selected layer"),
    ("Enter (Files tab)", "Preview the selected file; open or close a folder"),
    ("Esc (Files tab)", "Stop listing the layers' files"),
    ("Esc (Compare window)", "Stop comparing; with nothing running, close the window"),
    ("Shift+F10 / Menu", "A table's copy menu; on a column header, its sort menu"),
    ("Alt+Down / Space", "Open a Copy ▾ button's menu (when the button has the focus)"),
    ("F3 / Shift+F3", "Next / previous match in the JSON find bar"),
    ("Tab / Shift+Tab", "Move between the parts of the window"),
)


class Commands(Protocol):
    """What the menus and shortcuts ask of the window: getting around and signing in."""

    def go_back(self) -> None: ...
    def go_forward(self) -> None: ...
    def go_up(self) -> None: ...
    def refresh(self) -> None: ...
    def cancel(self) -> None: ...
    def focus_bar(self) -> None: ...
    def open_sign_in(self, message: str | None) -> object: ...
    def sign_out(self) -> None: ...
    def open_connection_settings(self) -> None: ...


class ViewCommands(Protocol):
    """What the menus ask about what is on show (`view_commands.ViewCommands`)."""

    def focus_find(self) -> None: ...
    def copy_as(self, kind: str) -> None: ...
    def save_document(self, which: str) -> None: ...
    def copy_report(self) -> None: ...
    def save_report(self) -> None: ...
    def fill_sort_menu(self, menu: QMenu) -> None: ...
    def set_theme(self, theme: str) -> None: ...
    def compare_with(self) -> None: ...
    def ask_time_limit(self) -> None: ...
    def show_preferences(self) -> object: ...
    def show_shortcuts(self) -> object: ...
    def show_about(self) -> object: ...


@dataclass(frozen=True)
class Menus:
    file: QMenu
    edit: QMenu
    view: QMenu
    go: QMenu
    registry: QMenu
    tools: QMenu
    help: QMenu
    navigator: QAction
    themes: dict[str, QAction]
    sign_out: QAction


Keys = str | QKeySequence | QKeySequence.StandardKey | None


def _add(menu: QMenu, label: str, slot: Callable[[], object], keys: Keys = None) -> QAction:
    action = menu.addAction(label)
    if keys is not None:
        action.setShortcut(QKeySequence(keys))
    action.triggered.connect(lambda _=False: slot())
    return action


def install(
    window: QMainWindow,
    commands: Commands,
    view: ViewCommands,
    navigator: QWidget,
    bookmarks: QMenu,
) -> Menus:
    """Build the menu bar of `window` with every command and its shortcut."""
    bar = window.menuBar()
    file = bar.addMenu("&File")
    _add(file, "Save manifest as…", lambda: view.save_document("manifest"), "Ctrl+S")
    _add(file, "Save platform manifest as…", lambda: view.save_document("platform"))
    _add(file, "Save image config as…", lambda: view.save_document("config"), "Ctrl+Shift+S")
    _add(file, "Save report as JSON…", view.save_report)
    file.addSeparator()
    quit_action = _add(file, "&Quit", window.close, QKeySequence.StandardKey.Quit)
    quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # also where the platform has none
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)

    edit = bar.addMenu("&Edit")
    for kind, label in COPY_FORMATS:
        _add(edit, label, partial(view.copy_as, kind), COPY_KEYS[kind])
    _add(edit, "Copy report as Markdown", view.copy_report, "Ctrl+Shift+M")
    edit.addSeparator()
    _add(edit, "Find in JSON…", view.focus_find, "Ctrl+F")
    _add(edit, "Focus the reference bar", commands.focus_bar, "Ctrl+L")
    edit.addSeparator()
    preferences = _add(edit, "Preferences…", view.show_preferences, "Ctrl+,")
    preferences.setMenuRole(QAction.MenuRole.PreferencesRole)

    view_menu = bar.addMenu("&View")
    toggle = view_menu.addAction("Navigator")
    toggle.setCheckable(True)
    toggle.setChecked(True)
    toggle.setShortcut(QKeySequence("Ctrl+Shift+N"))
    toggle.toggled.connect(navigator.setVisible)
    sort = view_menu.addMenu("Sort")
    sort.aboutToShow.connect(lambda: view.fill_sort_menu(sort))
    themes = _themes(view_menu.addMenu("Theme"), view)

    go = bar.addMenu("&Go")
    _add(go, "Back", commands.go_back, "Alt+Left")
    _add(go, "Forward", commands.go_forward, "Alt+Right")
    _add(go, "Up to the outer index", commands.go_up, "Alt+Up")
    _add(go, "Inspect again", commands.refresh, "F5")
    _add(go, "Cancel the inspect", commands.cancel, "Esc")

    bar.addMenu(bookmarks)
    registry = bar.addMenu("&Registry")
    _add(registry, "Sign in…", lambda: commands.open_sign_in(None))
    sign_out = _add(registry, "Sign out", commands.sign_out)
    _add(registry, "Connection settings…", commands.open_connection_settings)
    _add(registry, "Time limit…", view.ask_time_limit)
    tools = _tools(window, view)

    help_menu = bar.addMenu("&Help")
    _add(
        help_menu, "Keyboard shortcuts", view.show_shortcuts, QKeySequence.StandardKey.HelpContents
    )
    _add(help_menu, "Show log folder", show_log_folder)
    about = _add(help_menu, "About ACR Desktop", view.show_about)
    about.setMenuRole(QAction.MenuRole.AboutRole)
    return Menus(file, edit, view_menu, go, registry, tools, help_menu, toggle, themes, sign_out)


def _themes(theme_menu: QMenu, view: ViewCommands) -> dict[str, QAction]:
    """View ▸ Theme: one checkable action per theme, one checked at a time."""
    group = QActionGroup(theme_menu)
    themes: dict[str, QAction] = {}
    for theme in THEMES:
        action = _add(theme_menu, theme.capitalize(), partial(view.set_theme, theme))
        action.setCheckable(True)
        group.addAction(action)
        themes[theme] = action
    return themes


def _tools(window: QMainWindow, view: ViewCommands) -> QMenu:
    tools = window.menuBar().addMenu("&Tools")
    _add(tools, "Compare with…", view.compare_with, "Ctrl+Shift+K")
    return tools


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for every menu action with a shortcut, then the widgets' own keys."""
    rows: list[tuple[str, str]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            title = action.text().replace("&", "")
            if isinstance(sub, QMenu):
                walk(sub, f"{path} ▸ {title}")
            elif not action.shortcut().isEmpty():
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                rows.append((keys, f"{path} ▸ {title}"))

    for action in window.menuBar().actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            walk(sub, action.text().replace("&", ""))
    rows.extend(WIDGET_KEYS)
    return rows


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
