"""The main window: a reference bar, inline messages, the navigator and the inspector.

The window builds the widgets and wires the parts it owns: inspecting (`InspectController`),
getting around (`Browsing`) and signing in (`SignIn`), each given the client provider, the job
runner and the preferences. Network work goes to the worker; credentials are read on this thread
and handed to jobs as values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QMouseEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QPushButton, QStackedWidget

from acr_desktop.registry import errors
from acr_desktop.registry.reference import Reference, parse_reference
from acr_desktop.ui import actions
from acr_desktop.ui.browsing import Browsing
from acr_desktop.ui.empty_state import empty_state
from acr_desktop.ui.inspecting import InspectController, warm_up_imports
from acr_desktop.ui.message_bar import MessageBar
from acr_desktop.ui.messages import NextStep, describe, rate_limited
from acr_desktop.ui.navigator import Navigator
from acr_desktop.ui.plain import one_line, plain
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.providers import new_client, new_store
from acr_desktop.ui.reference_bar import ReferenceBar
from acr_desktop.ui.screen_fit import first_size, restore_splitter, stay_on_screen, window_frame
from acr_desktop.ui.sign_in import SignIn
from acr_desktop.ui.status_line import StatusLine
from acr_desktop.ui.view_commands import ViewCommands
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.manifest import Descriptor
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
            browsing_registry=lambda: self.navigator.registry_box.currentText().strip(),
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
            open_reference=lambda ref, record: self.open(ref, record=record),
            open_text=self._open_text,
        )
        self.navigator = Navigator(self.runner, lambda: self.client, self.sign_in.apply)
        self.navigator.tag_pane.remember_columns(self.preferences)  # the tag list's columns
        self._placed = False
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
            inspector.copied.connect(self.status_line.copied)
            inspector.open_reference.connect(self.open)
            inspector.open_digest.connect(self.browsing.open_digest)
            inspector.bind(self.runner, lambda: self.client, self.sign_in.apply)  # Files, sizes
            inspector.restore_state(self.preferences)
        return self._inspector

    # -- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.reference_bar = ReferenceBar()
        self.recent_model = self.reference_bar.recent_model
        self.go_button = QPushButton("Inspect")
        self.go_button.setObjectName("goButton")
        self.go_button.setDefault(True)
        self.sign_in_button = QPushButton("Sign in…")
        self.back_button = self.browsing.back_button
        self.forward_button = self.browsing.forward_button
        self.bookmark_button = self.browsing.bookmark_button
        self.bookmarks_menu = self.browsing.bookmarks_menu
        self.empty = empty_state()
        self.navigator.setObjectName("navigator")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        buttons = (self.back_button, self.forward_button, self.reference_bar, self.bookmark_button,
                   self.go_button, self.sign_in_button)  # fmt: skip
        central, self.split = window_frame(buttons, self.navigator, self.message_bar, self.stack)
        self.setCentralWidget(central)
        self.status_line = StatusLine(self.statusBar(), self.rate_label)
        self.status, self.account_label = self.status_line.status, self.status_line.account
        self.view = ViewCommands(
            self,
            self.preferences,
            inspector=lambda: self.inspector,
            inspecting=self.inspecting,
            store=lambda: self.store,
        )
        self.menus = actions.install(self, self, self.view, self.navigator, self.bookmarks_menu)
        self.view.themes = self.menus.themes
        if self.preferences.theme() != "system":
            self.view.set_theme(self.preferences.theme())
        self.menus.themes[self.preferences.theme()].setChecked(True)
        self.help_menu = self.menus.help

    def _wire(self) -> None:
        self.reference_bar.submitted.connect(self.inspect_text)
        self.go_button.clicked.connect(self._go_or_cancel)
        self.sign_in_button.clicked.connect(lambda: self.open_sign_in(None))
        self.message_bar.step_requested.connect(self._next_step)
        self.empty.linkActivated.connect(self._open_text)
        self.navigator.reference_chosen.connect(self.open)
        self.inspecting.started.connect(self._started)
        self.inspecting.inspected.connect(self._inspected)
        self.inspecting.failed.connect(self._show_error)
        self.inspecting.waiting.connect(self._show_rate_limit)
        self.inspecting.settled.connect(self._update_go_button)
        self.runner.busy_changed.connect(self._update_go_button)
        self.sign_in.account_changed.connect(self._account_changed)
        self.navigator.copied.connect(self.status_line.copied)

    def _restore(self) -> None:
        geometry = self.preferences.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            first_size(self)
        self.reference_bar.set_recent(self.preferences.recent())
        self._saved_split = self.preferences.window_split()  # restored once shown: see showEvent
        self._registries_listed = self.known_registries()
        self.navigator.set_registries(self._registries_listed)
        self.browsing.update_navigation()

    # -- the parts' providers (UI thread) ------------------------------------------------------
    @property
    def client(self) -> RegistryClient:
        if self._client is None:
            self._client = new_client()
        return self._client

    @property
    def store(self) -> CredentialStore:
        if self._store is None:
            self._store = new_store()
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

    def _registry_in_view(self) -> str:
        """The registry of the reference on show, else the one the navigator browses."""
        return self._registry_on_show()[0] or self.navigator.registry_box.currentText().strip()

    def known_registries(self) -> list[str]:
        return self.preferences.known_registries()

    # -- commands ------------------------------------------------------------------------------
    def inspect_text(self, text: str | None = None) -> None:
        text = self.reference_bar.text() if text is None else text
        try:
            ref = parse_reference(text)
        except errors.InvalidReference as exc:
            self._show_error(exc)
            return
        self.open(ref)

    def open(self, ref: Reference, *, record: bool = True) -> None:
        """Open `ref`, from wherever it came (bar, navigator, tag list, referrer, back /
        forward, recent, bookmark): the bar, the history and the window's title say so now;
        the summary when it arrives."""
        self.reference_bar.show_reference(str(ref))
        self.inspect(ref, record=record)

    def inspect(self, ref: Reference, *, record: bool = True) -> None:
        if record:
            self.browsing.history.visit(ref)
        self.message_bar.hide()
        self.inspecting.inspect(ref)
        self.browsing.update_navigation()

    def choose_platform(self, entry: Descriptor) -> None:
        self.inspecting.choose_platform(entry)

    def refresh(self) -> None:
        if self.current is not None:
            self.inspect(self.current)

    def cancel(self) -> None:
        """Esc: the navigator's listing when the navigator has the focus, else the inspect in
        progress; never both."""
        focus = QApplication.focusWidget()
        in_navigator = focus is not None and self.navigator.isAncestorOf(focus)
        if in_navigator and self.navigator.cancel_listing():
            self.status.setText("Stopped listing.")
        elif self.inspecting.cancel():
            self.status.setText("Cancelled.")
            self._clear_loading()
            self._update_go_button()

    def go_back(self) -> None:
        self.browsing.go_back()

    def go_forward(self) -> None:
        self.browsing.go_forward()

    def go_up(self) -> None:
        """From a nested index's entries back to the index above (no request)."""
        self.inspecting.go_up()

    def bookmarks(self) -> list[str]:
        return self.browsing.bookmarks()

    def toggle_bookmark(self) -> None:
        self.browsing.toggle_bookmark()

    def focus_bar(self) -> None:
        self.reference_bar.setFocus()
        self.reference_bar.selectAll()

    def sign_out(self) -> None:
        registry = self._registry_in_view()
        if registry:
            self.sign_in.sign_out(registry)

    def open_sign_in(self, message: str | None) -> CredentialsDialog:
        return self.sign_in.open_sign_in(message)

    def open_connection_settings(self) -> None:
        self.sign_in.open_connection_settings(self.navigator.registry)

    # -- reactions -----------------------------------------------------------------------------
    def _signed_in(self, registry: str) -> None:
        if self.current is not None and self.current.registry == registry:
            self.inspect(self.current)

    def _clear_loading(self) -> None:
        if self._inspector is not None:
            self._inspector.set_loading(None)

    def _started(self, text: str) -> None:
        self.status.setText(text)
        if self.stack.currentWidget() is not self.empty:
            self.inspector.set_loading(text)  # the result below is the previous one

    def _inspected(self, ins: Inspection) -> None:
        self.sign_in.answered(ins.reference.registry)
        self._remember(str(ins.reference))
        self.reference_bar.show_reference(str(ins.reference))
        self.stack.setCurrentWidget(self.inspector)
        self.inspector.show_inspection(ins, self.inspecting.platform_rows)
        self.status.setText(f"{ins.top.reference.pinned()}  ·  {self.inspecting.elapsed_ms:.0f} ms")
        self.setWindowTitle(f"{one_line(str(ins.reference))} — ACR Desktop")
        if not self.navigator.registry_box.currentText():
            self.navigator.registry_box.setEditText(ins.reference.registry)  # ready to browse
        self.browsing.show_rate_limit(ins.reference.registry)
        self._account_changed()
        self.browsing.load_aliases(ins)
        self.inspected.emit(ins)

    def _show_error(self, exc: BaseException) -> None:
        message = describe(exc)
        self.message_bar.show_message(message)
        self.status.setText("")
        shown = self.inspecting.inspection
        if shown is not None and self.stack.currentWidget() is not self.empty:
            self.inspector.show_previous(f"Still showing the previous result, {shown.reference}.")
        self.failed.emit(exc)
        self.sign_in.offer_after(exc, message.text)

    def _account_changed(self, registry: str = "") -> None:
        """Who the registry in view is used as, in the status bar (never a secret)."""
        if not registry or registry == self._registry_in_view():
            self.status_line.show_account(self.sign_in.account_text(self._registry_in_view()))

    def _show_rate_limit(self, seconds: float, attempt: int) -> None:
        self.message_bar.show_message(rate_limited(seconds, attempt))

    def _next_step(self, step: NextStep) -> None:
        steps = {
            NextStep.SIGN_IN: lambda: self.open_sign_in(self.message_bar.text()),
            NextStep.RETRY: self.refresh,
            NextStep.EDIT: self.focus_bar,
            NextStep.SETTINGS: self.open_connection_settings,
        }
        if step in steps:
            steps[step]()

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
        """Only what loaded enters the recent references (and so the registry list)."""
        self.reference_bar.set_recent(self.preferences.remember(text))
        known = self.known_registries()
        if known != self._registries_listed:
            self._registries_listed = known
            self.navigator.set_registries(known)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.BackButton:
            self.go_back()
        elif event.button() == Qt.MouseButton.ForwardButton:
            self.go_forward()
        else:
            super().mousePressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._placed:  # the frame is known now: a restored geometry may hang off
            self._placed = True
            # The divider too: before the window has its size the splitter is too narrow for
            # the saved widths beside the panes' minimums, and would squeeze them.
            restore_splitter(self.split, self._saved_split)
            QTimer.singleShot(0, self, lambda: stay_on_screen(self))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.preferences.set_geometry(self.saveGeometry())
        self.preferences.set_window_split(self.split.saveState())
        if self._inspector is not None:
            self._inspector.save_state(self.preferences)
        self.runner.shutdown(wait_ms=1000)  # then the app ends the process anyway
        super().closeEvent(event)
