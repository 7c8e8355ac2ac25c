"""The window's commands about what is on show: copy, find, save, sort, theme, compare, and the
help dialogs. The menus (`actions.py`) call them; the window owns one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMenu

from acr_desktop.ui import actions
from acr_desktop.ui.preferences import Preferences

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore
    from acr_desktop.registry.reference import Reference
    from acr_desktop.ui.about_dialog import AboutDialog
    from acr_desktop.ui.comparing import CompareHost, Comparing
    from acr_desktop.ui.inspecting import InspectController
    from acr_desktop.ui.inspector import Inspector


class ViewCommands:
    """`inspector()` builds the inspector if it is not yet; `inspecting` knows what is shown."""

    def __init__(
        self,
        window: QMainWindow,
        preferences: Preferences,
        *,
        inspector: Callable[[], Inspector],
        inspecting: InspectController,
        store: Callable[[], CredentialStore],
    ) -> None:
        self._window = window
        self._preferences = preferences
        self._inspector = inspector
        self._inspecting = inspecting
        self._store = store
        self.themes: dict[str, QAction] = {}  # View ▸ Theme's actions, set by the menus
        self._comparing: Comparing | None = None
        self._bind_tag_pane()

    def _status(self, text: str, ms: int = 4000) -> None:
        self._window.statusBar().showMessage(text, ms)

    def focus_find(self) -> None:
        """Ctrl+F from anywhere: the JSON pane's find bar."""
        if self._inspecting.inspection is not None:
            self._inspector().json.focus_find()

    def copy_as(self, kind: str) -> None:
        """Edit ▸ Copy …: from the manifest on show (the platform's, when one is chosen)."""
        if self._inspecting.inspection is None:
            self._status("Nothing to copy: inspect a reference first.")
            return
        self._inspector().copy_as(kind)

    def save_document(self, which: str) -> None:
        from acr_desktop.ui.saving import save_document

        ins = self._inspecting.inspection
        if ins is None:
            self._status("Nothing to save: inspect a reference first.")
            return
        saved = save_document(self._window, ins, which)
        if saved:
            self._status(saved, 6000)

    def copy_report(self) -> None:
        """Edit ▸ Copy report as Markdown: the whole inspect, with the sizes known so far."""
        if self._inspecting.inspection is None:
            self._status("Nothing to copy: inspect a reference first.")
            return
        self._inspector().summary.copy_markdown()

    def save_report(self) -> None:
        """File ▸ Save report as JSON…: the CLI's inspect report, with the sizes known so far."""
        if self._inspecting.inspection is None:
            self._status("Nothing to save: inspect a reference first.")
            return
        self._inspector().summary.save_json()

    def fill_sort_menu(self, menu: QMenu) -> None:
        """View ▸ Sort: a submenu per table on show, each column ascending and descending."""
        menu.clear()
        if self._inspecting.inspection is None:
            menu.addAction("Inspect a reference first").setEnabled(False)
            return
        for name, table in self._inspector().tables():
            if table.isVisibleTo(self._window):
                sub = menu.addMenu(name)
                sub.addActions(table.sort_actions(sub))

    def set_theme(self, theme: str) -> None:
        from acr_desktop.ui.theme import apply_theme

        self._preferences.set_theme(theme)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        if theme in self.themes:
            self.themes[theme].setChecked(True)

    # -- comparing -----------------------------------------------------------------------------
    @property
    def comparing(self) -> Comparing:
        """The compare controller, made on first use (the compare modules are not imported at
        start-up)."""
        if self._comparing is None:
            from acr_desktop.ui.comparing import Comparing

            host = cast("CompareHost", self._window)  # the MainWindow, which has it all
            self._comparing = Comparing(host, self._window, self._preferences)
        return self._comparing

    def compare_with(self) -> None:
        """Tools ▸ Compare with…: the reference on show (A) with one to type (B)."""
        self.comparing.ask()

    def compare_wanted(self, left: Reference, right: Reference | None) -> None:
        """A tag's "Compare with…" (`right` None) or "Compare these two"."""
        self.comparing.compare_wanted(left, right)

    def _bind_tag_pane(self) -> None:
        """A tag's "Compare with…" / "Compare these two" (the navigator's tag pane) come here."""
        host = cast("CompareHost", self._window)
        host.navigator.tag_pane.compare_wanted.connect(self.compare_wanted)

    def show_shortcuts(self) -> QDialog:
        from acr_desktop.ui.shortcuts_dialog import ShortcutsDialog

        return _open(ShortcutsDialog(self._window))

    def show_about(self) -> AboutDialog:
        """Help ▸ About (keyring is imported now, not at start-up)."""
        from acr_desktop.ui.about_dialog import AboutDialog

        dialog = AboutDialog(self._window, store=self._store())
        _open(dialog)
        return dialog

    def ask_time_limit(self) -> None:
        actions.ask_time_limit(self._window, self._preferences)

    def show_preferences(self) -> QDialog:
        """Edit ▸ Preferences: the layer listings kept on disk."""
        from acr_desktop.ui.preferences_dialog import PreferencesDialog

        return _open(PreferencesDialog(self._preferences, self._window))


def _open(dialog: QDialog) -> QDialog:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
