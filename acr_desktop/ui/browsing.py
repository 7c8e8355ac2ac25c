"""Browsing from the window: back / forward, bookmarks, menus, referrers, ACR tags of a digest,
and Docker Hub's rate limit — the parts of the main window that are about getting around."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QStringListModel, Qt
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QMenu, QToolButton

from acr_desktop.history import History
from acr_desktop.registry.acr import is_acr_host
from acr_desktop.registry.reference import Reference
from acr_desktop.ui.app import show_log_folder
from acr_desktop.ui.inspector import Inspector
from acr_desktop.ui.messages import describe
from acr_desktop.ui.navigator import Navigator
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.ui.about_dialog import AboutDialog

    _Window = QMainWindow
else:
    _Window = object


class BrowsingMixin(_Window):
    """Mixed into MainWindow, which builds the widgets named here."""

    settings: QSettings
    history: History
    current: Reference | None
    runner: JobRunner
    inspector: Inspector
    navigator: Navigator
    reference_bar: QLineEdit
    recent_model: QStringListModel
    back_button: QToolButton
    forward_button: QToolButton
    bookmark_button: QToolButton
    bookmarks_menu: QMenu
    help_menu: QMenu
    rate_label: QLabel

    if TYPE_CHECKING:

        @property
        def client(self) -> RegistryClient: ...
        @property
        def store(self) -> CredentialStore: ...
        def inspect(self, ref: Reference, *, record: bool = True) -> None: ...
        def inspect_text(self, text: str | None = None) -> None: ...
        def refresh(self) -> None: ...
        def open_sign_in(self, message: str | None) -> None: ...
        def open_registry_settings(self) -> None: ...
        def _focus_bar(self) -> None: ...

    def go_back(self) -> None:
        ref = self.history.back()
        if ref is not None:
            self.reference_bar.setText(str(ref))
            self.inspect(ref, record=False)

    def go_forward(self) -> None:
        ref = self.history.forward()
        if ref is not None:
            self.reference_bar.setText(str(ref))
            self.inspect(ref, record=False)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.BackButton:
            self.go_back()
        elif event.button() == Qt.MouseButton.ForwardButton:
            self.go_forward()
        else:
            super().mousePressEvent(event)

    def _update_navigation(self) -> None:
        self.back_button.setEnabled(self.history.can_go_back())
        self.forward_button.setEnabled(self.history.can_go_forward())
        marked = self.current is not None and str(self.current) in self.bookmarks()
        self.bookmark_button.setChecked(marked)
        self.bookmark_button.setText("★" if marked else "☆")

    def bookmarks(self) -> list[str]:
        value = self.settings.value("bookmarks", [])
        return [str(v) for v in value] if isinstance(value, list) else []

    def toggle_bookmark(self) -> None:
        if self.current is None:
            self.bookmark_button.setChecked(False)
            return
        text, marks = str(self.current), self.bookmarks()
        marks = [m for m in marks if m != text] if text in marks else [*marks, text]
        self.settings.setValue("bookmarks", marks)
        self._update_navigation()
        self._fill_bookmarks_menu()

    def known_registries(self) -> list[str]:
        self.settings.beginGroup("registries")
        names = [n.replace("%3A", ":") for n in self.settings.childGroups()]
        self.settings.endGroup()
        for text in self.recent_model.stringList():
            registry = text.split("/", 1)[0]
            if registry not in names and ("." in registry or ":" in registry):
                names.append(registry)
        return names

    def _build_menus(self) -> None:
        bar = self.menuBar()
        go = bar.addMenu("&Go")
        for label, keys, slot in (
            ("Back", "Alt+Left", self.go_back),
            ("Forward", "Alt+Right", self.go_forward),
            ("Inspect again", "F5", self.refresh),
            ("Focus the reference bar", "Ctrl+L", self._focus_bar),
        ):
            action = go.addAction(label)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the window owns them
            action.triggered.connect(slot)
        view = bar.addMenu("&View")
        toggle = view.addAction("Navigator")
        toggle.setCheckable(True)
        toggle.setChecked(True)
        toggle.toggled.connect(self.navigator.setVisible)
        self.bookmarks_menu = bar.addMenu("&Bookmarks")
        self._fill_bookmarks_menu()
        account = bar.addMenu("&Registry")
        account.addAction("Sign in…").triggered.connect(lambda: self.open_sign_in(None))
        account.addAction("Connection settings…").triggered.connect(self.open_registry_settings)
        self.help_menu = bar.addMenu("&Help")
        self.help_menu.addAction("Show log folder").triggered.connect(show_log_folder)
        about = self.help_menu.addAction("About ACR Desktop")
        about.setMenuRole(QAction.MenuRole.AboutRole)
        about.triggered.connect(self.show_about)

    def show_about(self) -> AboutDialog:
        """Help ▸ About (keyring is imported now, not at start-up)."""
        from acr_desktop.ui.about_dialog import AboutDialog

        dialog = AboutDialog(self, store=self.store)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _fill_bookmarks_menu(self) -> None:
        menu = self.bookmarks_menu
        menu.clear()
        menu.addAction("Bookmark this reference").triggered.connect(self.toggle_bookmark)
        menu.addSeparator()
        for text in self.bookmarks():
            menu.addAction(text).triggered.connect(lambda _=False, t=text: self._open_text(t))

    def _open_text(self, text: str) -> None:
        self.reference_bar.setText(text)
        self.inspect_text(text)

    def _open_digest(self, digest: str) -> None:
        if self.current is not None:
            ref = Reference(self.current.registry, self.current.repository, None, digest)
            self.reference_bar.setText(str(ref))
            self.inspect(ref)

    def _load_referrers(self, ref: Reference) -> None:
        client = self.client
        job = self.runner.start("referrers", lambda: client.referrers(ref))
        digest = ref.digest or ""
        job.returned.connect(
            lambda found: self.inspector.show_referrers(digest, found.descriptors, found.via)
        )
        job.errored.connect(
            lambda exc: self.inspector.show_referrers_error(digest, describe(exc).text)
        )

    def _load_aliases(self, ins: Inspection) -> None:
        """On ACR, every tag that points at the same digest (needs metadata_read)."""
        ref = ins.reference
        if not is_acr_host(ref.registry):
            self.inspector.summary.show_aliases(None)
            return
        client, digest = self.client, ins.top.digest
        job = self.runner.start(
            "aliases", lambda: client.acr_tags_of(ref.registry, ref.repository, digest)
        )
        job.returned.connect(
            lambda tags: self.inspector.summary.show_aliases([t.name for t in tags])
        )
        job.errored.connect(lambda _exc: self.inspector.summary.show_aliases(None))

    def _show_rate_limit_status(self, registry: str) -> None:
        limit = self.client.transport.rate_limits.get(registry)
        if limit is None:
            self.rate_label.setText("")
            return
        of = f" of {limit.limit}" if limit.limit else ""
        self.rate_label.setText(f"{registry}: {limit.remaining}{of} pulls left")
