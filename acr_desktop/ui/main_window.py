"""The main window: a reference bar, inline messages, the navigator and the inspector.

The window builds the widgets and wires the parts it owns: inspecting (`InspectController`),
getting around (`Browsing`) and signing in (`SignIn`), each given the client provider, the job
runner and the preferences. Network work goes to the worker; credentials are read on this thread
and handed to jobs as values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QMouseEvent
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry import errors
from acr_desktop.registry.reference import Reference, parse_reference
from acr_desktop.ui import actions
from acr_desktop.ui.browsing import Browsing
from acr_desktop.ui.empty_state import empty_state
from acr_desktop.ui.inspecting import InspectController, warm_up_imports
from acr_desktop.ui.message_bar import MessageBar
from acr_desktop.ui.messages import NextStep, describe, rate_limited
from acr_desktop.ui.navigator import Navigator
from acr_desktop.ui.plain import plain
from acr_desktop.ui.preferences import MAX_RECENT, Preferences
from acr_desktop.ui.sign_in import SignIn
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.manifest import Descriptor
    from acr_desktop.ui.about_dialog import AboutDialog
    from acr_desktop.ui.credentials_dialog import CredentialsDialog
    from acr_desktop.ui.inspector import Inspector


class MainWindow(QMainWindow):
    """Signals:
    inspected(object): an Inspection was shown.
    failed(object): an error was shown (the exception).
    """

    inspected = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        preferences: Preferences | None = None,
        store: CredentialStore | None = None,
        client: RegistryClient | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("ACR Desktop")
        self.preferences = preferences or Preferences()
        self._store = store
        self._client = client
        self.runner = JobRunner(self)
        self._inspector: Inspector | None = None  # built after the first paint: see `inspector`
        self.message_bar = MessageBar()
        self.rate_label = plain(QLabel())
        self.sign_in = SignIn(
            self,
            self.preferences,
            self.runner,
            self.message_bar,
            client=lambda: self.client,
            store=lambda: self.store,
            registry=self._registry_on_show,
            signed_in=self._signed_in,
        )
        self.inspecting = InspectController(
            self.runner,
            lambda: self.client,
            self.sign_in.apply,
            self,
            timeout=self.preferences.timeout,  # the CLI's --timeout, for the window
        )
        self.browsing = Browsing(
            self.preferences,
            self.runner,
            lambda: self.inspector,
            self.rate_label,
            client=lambda: self.client,
            current=lambda: self.inspecting.current,
            open_reference=self._open_reference,
            open_text=self._open_text,
        )
        self.navigator = Navigator(self.runner, lambda: self.client, self.sign_in.apply)
        self._build()
        self._wire()
        self._restore()
        # After the first paint (the imports would compete with it for the GIL), and long
        # before anyone can paste a reference and press Enter.
        runner = self.runner  # the context: no warm-up once the window is gone
        QTimer.singleShot(100, runner, lambda: self.inspector)
        QTimer.singleShot(250, runner, lambda: runner.start("warm-up", warm_up_imports))

    @property
    def inspector(self) -> Inspector:
        """The inspector, built on first use or shortly after the first paint: the window starts
        on the empty state, and the inspector's tables, JSON view and their imports would
        otherwise be most of the launch time."""
        if self._inspector is None:
            from acr_desktop.ui.inspector import Inspector

            inspector = self._inspector = Inspector()
            self.stack.addWidget(inspector)
            inspector.platform_chosen.connect(self.choose_platform)
            inspector.copied.connect(lambda t: self.statusBar().showMessage(f"Copied {t}", 4000))
            inspector.referrers_wanted.connect(self.browsing.load_referrers)
            inspector.open_digest.connect(self.browsing.open_digest)
            inspector.restore_state(self.preferences)
        return self._inspector

    # -- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.reference_bar = QLineEdit()
        self.reference_bar.setObjectName("referenceBar")
        self.reference_bar.setPlaceholderText(
            "Paste an image reference, e.g. myreg.azurecr.io/team/app:1.4"
        )
        self.reference_bar.setClearButtonEnabled(True)
        self.recent_model = QStringListModel(self)
        completer = QCompleter(self.recent_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.reference_bar.setCompleter(completer)
        self.go_button = QPushButton("Inspect")
        self.go_button.setObjectName("goButton")
        self.go_button.setDefault(True)
        self.sign_in_button = QPushButton("Sign in…")
        self.back_button = self.browsing.back_button
        self.forward_button = self.browsing.forward_button
        self.bookmark_button = self.browsing.bookmark_button
        self.bookmarks_menu = self.browsing.bookmarks_menu
        bar = QHBoxLayout()
        bar.addWidget(self.back_button)
        bar.addWidget(self.forward_button)
        bar.addWidget(self.reference_bar, 1)
        bar.addWidget(self.bookmark_button)
        bar.addWidget(self.go_button)
        bar.addWidget(self.sign_in_button)

        self.empty = empty_state()
        self.navigator.setObjectName("navigator")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)

        main = QWidget()
        main_layout = QVBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addWidget(self.message_bar)
        main_layout.addWidget(self.stack, 1)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.navigator)
        self.split.addWidget(main)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([300, 900])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(bar)
        layout.addWidget(self.split, 1)
        self.setCentralWidget(central)
        self.status = plain(QLabel())  # names references and digests
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.rate_label)
        menus = actions.install(self, self, self.navigator, self.bookmarks_menu)
        self.help_menu = menus.help

    def _wire(self) -> None:
        self.reference_bar.returnPressed.connect(self.inspect_text)
        self.go_button.clicked.connect(self._go_or_cancel)
        self.sign_in_button.clicked.connect(lambda: self.open_sign_in(None))
        self.message_bar.step_requested.connect(self._next_step)
        self.empty.linkActivated.connect(self._open_text)
        self.navigator.reference_chosen.connect(self.inspect)
        self.inspecting.started.connect(self.status.setText)
        self.inspecting.inspected.connect(self._inspected)
        self.inspecting.failed.connect(self._show_error)
        self.inspecting.waiting.connect(self._show_rate_limit)
        self.inspecting.settled.connect(self._update_go_button)
        self.runner.busy_changed.connect(self._update_go_button)

    def _restore(self) -> None:
        geometry = self.preferences.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)
        self.recent_model.setStringList(self.preferences.recent())
        split = self.preferences.window_split()
        if split is not None:
            self.split.restoreState(split)
        self.navigator.set_registries(self.known_registries())
        self.browsing.update_navigation()

    # -- the parts' providers (UI thread) ------------------------------------------------------
    @property
    def client(self) -> RegistryClient:
        if self._client is None:
            from acr_desktop.registry.client import RegistryClient
            from acr_desktop.registry.docker_credentials import lookup
            from acr_desktop.registry.transport import Transport

            # What `docker login` / `az acr login` left behind, asked only on a 401.
            self._client = RegistryClient(Transport(credential_fallback=lookup))
        return self._client

    @property
    def store(self) -> CredentialStore:
        if self._store is None:
            from acr_desktop.credentials import CredentialStore

            self._store = CredentialStore()
        return self._store

    @property
    def current(self) -> Reference | None:
        return self.inspecting.current

    @property
    def inspection(self) -> Inspection | None:
        return self.inspecting.inspection

    @property
    def sign_in_dialog(self) -> CredentialsDialog | None:
        return self.sign_in.sign_in_dialog

    def _registry_on_show(self) -> tuple[str, str | None]:
        current = self.current
        return (current.registry, current.repository) if current else ("", None)

    def known_registries(self) -> list[str]:
        names = self.preferences.known_registries()
        for text in self.recent_model.stringList():
            registry = text.split("/", 1)[0]
            if registry not in names and ("." in registry or ":" in registry):
                names.append(registry)
        return names

    # -- commands ------------------------------------------------------------------------------
    def inspect_text(self, text: str | None = None) -> None:
        text = self.reference_bar.text() if text is None else text
        try:
            ref = parse_reference(text)
        except errors.InvalidReference as exc:
            self._show_error(exc)
            return
        self.reference_bar.setText(str(ref))
        self.inspect(ref)

    def inspect(self, ref: Reference, *, record: bool = True) -> None:
        if record:
            self.browsing.history.visit(ref)
        self._remember(str(ref))
        self.message_bar.hide()
        self.inspecting.inspect(ref)
        self.browsing.update_navigation()

    def choose_platform(self, entry: Descriptor) -> None:
        self.inspecting.choose_platform(entry)

    def refresh(self) -> None:
        if self.current is not None:
            self.inspect(self.current)

    def cancel(self) -> None:
        if self.inspecting.cancel():
            self.status.setText("Cancelled.")

    def go_back(self) -> None:
        self.browsing.go_back()

    def go_forward(self) -> None:
        self.browsing.go_forward()

    def bookmarks(self) -> list[str]:
        return self.browsing.bookmarks()

    def toggle_bookmark(self) -> None:
        self.browsing.toggle_bookmark()

    def focus_bar(self) -> None:
        self.reference_bar.setFocus()
        self.reference_bar.selectAll()

    def open_sign_in(self, message: str | None) -> CredentialsDialog:
        return self.sign_in.open_sign_in(message)

    def open_connection_settings(self) -> None:
        self.sign_in.open_connection_settings(self.navigator.registry)

    def ask_time_limit(self) -> None:
        actions.ask_time_limit(self, self.preferences)

    def show_about(self) -> AboutDialog:
        """Help ▸ About (keyring is imported now, not at start-up)."""
        from acr_desktop.ui.about_dialog import AboutDialog

        dialog = AboutDialog(self, store=self.store)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- reactions -----------------------------------------------------------------------------
    def _open_reference(self, ref: Reference, record: bool) -> None:
        self.reference_bar.setText(str(ref))
        self.inspect(ref, record=record)

    def _signed_in(self, registry: str) -> None:
        if self.current is not None and self.current.registry == registry:
            self.inspect(self.current)

    def _inspected(self, ins: Inspection) -> None:
        self.sign_in.answered(ins.reference.registry)
        self.stack.setCurrentWidget(self.inspector)
        self.inspector.show_inspection(ins, self.inspecting.platform_rows)
        self.status.setText(f"{ins.top.reference.pinned()}  ·  {self.inspecting.elapsed_ms:.0f} ms")
        self.setWindowTitle(f"{ins.reference} — ACR Desktop")
        if not self.navigator.registry_box.currentText():
            self.navigator.registry_box.setEditText(ins.reference.registry)  # ready to browse
        self.browsing.show_rate_limit(ins.reference.registry)
        self.browsing.load_aliases(ins)
        self.inspected.emit(ins)

    def _show_error(self, exc: BaseException) -> None:
        message = describe(exc)
        self.message_bar.show_message(message)
        self.status.setText("")
        self.failed.emit(exc)
        self.sign_in.offer_after(exc, message.text)

    def _show_rate_limit(self, seconds: float, attempt: int) -> None:
        self.message_bar.show_message(rate_limited(seconds, attempt))

    def _next_step(self, step: NextStep) -> None:
        if step is NextStep.SIGN_IN:
            self.open_sign_in(self.message_bar.text())
        elif step is NextStep.RETRY:
            self.refresh()
        elif step is NextStep.EDIT:
            self.focus_bar()
        elif step is NextStep.SETTINGS:
            self.open_connection_settings()

    def _go_or_cancel(self) -> None:
        if self.inspecting.busy:
            self.cancel()
        else:
            self.inspect_text()

    def _update_go_button(self) -> None:
        self.go_button.setText("Cancel" if self.inspecting.busy else "Inspect")

    def _open_text(self, text: str) -> None:
        self.reference_bar.setText(text)
        self.inspect_text(text)

    def _remember(self, text: str) -> None:
        recent = [text] + [r for r in self.recent_model.stringList() if r != text]
        self.recent_model.setStringList(recent[:MAX_RECENT])
        self.preferences.set_recent(recent)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.BackButton:
            self.go_back()
        elif event.button() == Qt.MouseButton.ForwardButton:
            self.go_forward()
        else:
            super().mousePressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.preferences.set_geometry(self.saveGeometry())
        self.preferences.set_window_split(self.split.saveState())
        if self._inspector is not None:
            self._inspector.save_state(self.preferences)
        self.runner.shutdown(wait_ms=1000)  # then the app ends the process anyway
        super().closeEvent(event)
