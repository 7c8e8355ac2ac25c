"""The main window: a reference bar, inline messages, and the inspector. Network work goes to
the worker; credentials are read on this thread and handed to jobs as values."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.history import History
from acr_desktop.registry import errors
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.reference import Reference, parse_reference
from acr_desktop.ui.browsing import BrowsingMixin
from acr_desktop.ui.inspector import Inspector
from acr_desktop.ui.message_bar import MessageBar
from acr_desktop.ui.messages import Message, NextStep, describe
from acr_desktop.ui.navigator import Navigator
from acr_desktop.ui.signin import SignInMixin
from acr_desktop.ui.worker import Job, JobRunner

if TYPE_CHECKING:
    from acr_desktop.credentials import CredentialStore
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient

MAX_RECENT = 30
EXAMPLES = (
    "mcr.microsoft.com/dotnet/runtime:8.0",
    "mcr.microsoft.com/azure-cli:latest",
    "docker.io/library/alpine:latest",
    "ghcr.io/oras-project/oras:v1.2.0",
)
EMPTY_TEXT = (
    "<h2>Look inside a container image</h2>"
    "<p>Paste a reference such as <code>myreg.azurecr.io/team/app:1.4</code> "
    "(or a whole <code>docker pull …</code> line) above and press Enter.</p>"
    "<p>Public examples that need no sign-in:</p><p>{links}</p>"
)


def warm_up_imports() -> None:
    """Import the network stack off the UI thread, so the first inspect does not pay for it."""
    import acr_desktop.inspection  # noqa: F401


class MainWindow(BrowsingMixin, SignInMixin, QMainWindow):
    """Signals:
    inspected(object): an Inspection was shown.
    failed(object): an error was shown (the exception).
    """

    inspected = Signal(object)
    failed = Signal(object)
    _rate_limited = Signal(float, int)

    def __init__(
        self,
        settings: QSettings | None = None,
        store: CredentialStore | None = None,
        client: RegistryClient | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("ACR Desktop")
        self.settings = settings or QSettings()
        self._store = store
        self._client = client
        self._client_lock = threading.Lock()
        self.runner = JobRunner(self)
        self.runner.busy_changed.connect(self._busy_changed)
        self.current: Reference | None = None
        self.inspection: Inspection | None = None
        self._asked_sign_in: set[str] = set()
        self.history = History()
        self._started_at = 0.0
        self._rate_limited.connect(self._show_rate_limit)
        self._build()
        self._restore()
        # After the first paint (the imports would compete with it for the GIL), and long
        # before anyone can paste a reference and press Enter.
        QTimer.singleShot(
            250,
            lambda: threading.Thread(target=warm_up_imports, name="warm-up", daemon=True).start(),
        )

    # -- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.reference_bar = QLineEdit()
        self.reference_bar.setObjectName("referenceBar")
        self.reference_bar.setPlaceholderText(
            "Paste an image reference, e.g. myreg.azurecr.io/team/app:1.4"
        )
        self.reference_bar.setClearButtonEnabled(True)
        self.reference_bar.returnPressed.connect(self.inspect_text)
        self.recent_model = QStringListModel(self)
        completer = QCompleter(self.recent_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.reference_bar.setCompleter(completer)
        self.go_button = QPushButton("Inspect")
        self.go_button.setObjectName("goButton")
        self.go_button.setDefault(True)
        self.go_button.clicked.connect(self._go_or_cancel)
        self.sign_in_button = QPushButton("Sign in…")
        self.sign_in_button.clicked.connect(lambda: self.open_sign_in(None))
        self.back_button = self._tool_button("◀", "Back (Alt+Left)", self.go_back)
        self.forward_button = self._tool_button("▶", "Forward (Alt+Right)", self.go_forward)
        self.bookmark_button = self._tool_button(
            "☆", "Bookmark this reference", self.toggle_bookmark
        )
        self.bookmark_button.setCheckable(True)
        bar = QHBoxLayout()
        bar.addWidget(self.back_button)
        bar.addWidget(self.forward_button)
        bar.addWidget(self.reference_bar, 1)
        bar.addWidget(self.bookmark_button)
        bar.addWidget(self.go_button)
        bar.addWidget(self.sign_in_button)

        self.message_bar = MessageBar()
        self.message_bar.step_requested.connect(self._next_step)

        self.empty = QLabel(
            EMPTY_TEXT.format(links="<br>".join(f"<a href='{e}'>{e}</a>" for e in EXAMPLES))
        )
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.linkActivated.connect(self._example_clicked)
        self.inspector = Inspector()
        self.inspector.platform_chosen.connect(self.choose_platform)
        self.inspector.copied.connect(lambda t: self.statusBar().showMessage(f"Copied {t}", 4000))
        self.inspector.referrers_wanted.connect(self._load_referrers)
        self.inspector.open_digest.connect(self._open_digest)
        self.navigator = Navigator(self.runner, lambda: self.client, self._apply_credentials)
        self.navigator.setObjectName("navigator")
        self.navigator.reference_chosen.connect(self.inspect)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.inspector)

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
        self.status = QLabel()
        self.statusBar().addWidget(self.status, 1)
        self.rate_label = QLabel()
        self.statusBar().addPermanentWidget(self.rate_label)
        self._build_menus()

        for keys, slot in (
            ("Ctrl+L", self._focus_bar),
            ("F5", self.refresh),
            ("Esc", self.cancel),
            ("Alt+Left", self.go_back),
            ("Alt+Right", self.go_forward),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def _tool_button(self, text: str, tip: str, slot: Any) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)
        self.inspector.restore_state(self.settings)
        recent = self.settings.value("recent", [])
        self.recent_model.setStringList(
            [str(r) for r in recent] if isinstance(recent, list) else []
        )
        split = self.settings.value("window/split")
        if isinstance(split, QByteArray):
            self.split.restoreState(split)
        self.navigator.set_registries(self.known_registries())
        self._update_navigation()

    # -- the client and credentials (UI thread) ------------------------------------------------
    @property
    def client(self) -> RegistryClient:
        with self._client_lock:
            if self._client is None:
                from acr_desktop.registry.client import RegistryClient
                from acr_desktop.registry.dockerconfig import lookup

                self._client = RegistryClient()
                # What `docker login` / `az acr login` left behind, asked only on a 401.
                self._client.transport.credential_fallback = lookup
            if self._client.transport.on_rate_limited is None:
                self._client.transport.on_rate_limited = self._rate_limited.emit
            return self._client

    @property
    def store(self) -> CredentialStore:
        if self._store is None:
            from acr_desktop.credentials import CredentialStore

            self._store = CredentialStore()
        return self._store

    # -- inspecting ----------------------------------------------------------------------------
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
        self.current = ref
        if record:
            self.history.visit(ref)
        self._update_navigation()
        self._remember(str(ref))
        self.message_bar.hide()
        self._apply_credentials(ref.registry)
        client = self.client

        def work() -> Inspection:
            from acr_desktop.inspection import inspect

            return inspect(client, ref)

        self._start(work, f"Inspecting {ref}…")

    def choose_platform(self, entry: Descriptor) -> None:
        ins = self.inspection
        if ins is None:
            return
        client = self.client

        def work() -> Inspection:
            from acr_desktop.inspection import inspect_entry

            return inspect_entry(client, ins.reference, ins.top, entry)

        self._start(work, f"Fetching {entry.platform or entry.digest}…")

    def refresh(self) -> None:
        if self.current is not None:
            self.inspect(self.current)

    def cancel(self) -> None:
        if self.runner.is_busy("inspect"):
            self.runner.cancel("inspect")
            self.status.setText("Cancelled.")

    def _start(self, work: Any, status: str) -> Job:
        self._started_at = time.perf_counter()
        job = self.runner.start("inspect", work)
        job.returned.connect(self._inspected)
        job.errored.connect(self._show_error)
        self.status.setText(status)
        return job

    def _inspected(self, ins: Inspection) -> None:
        self.inspection = ins
        self._asked_sign_in.discard(ins.reference.registry)
        self.stack.setCurrentWidget(self.inspector)
        self.inspector.show_inspection(ins)
        elapsed = (time.perf_counter() - self._started_at) * 1000
        self.status.setText(f"{ins.top.reference.pinned()}  ·  {elapsed:.0f} ms")
        self.setWindowTitle(f"{ins.reference} — ACR Desktop")
        if not self.navigator.registry_box.currentText():
            self.navigator.registry_box.setEditText(ins.reference.registry)  # ready to browse
        self._show_rate_limit_status(ins.reference.registry)
        self._load_aliases(ins)
        self.inspected.emit(ins)

    def _show_error(self, exc: BaseException) -> None:
        message = describe(exc)
        self.message_bar.show_message(message)
        self.status.setText("")
        self.failed.emit(exc)
        auth = isinstance(exc, errors.AuthenticationRequired) or (
            isinstance(exc, errors.AccessDenied)
            and self.current is not None
            and self.client.transport.credentials(self.current.registry) is None
        )
        if auth and self.current is not None and self.current.registry not in self._asked_sign_in:
            # A registry that wants a sign-in gets the dialog by itself, once per attempt.
            self._asked_sign_in.add(self.current.registry)
            QTimer.singleShot(0, lambda: self.open_sign_in(message.text))

    def _show_rate_limit(self, seconds: float, attempt: int) -> None:
        self.message_bar.show_message(
            Message(
                f"The registry is limiting requests. Retrying in {seconds:.0f} s "
                f"(attempt {attempt})…",
                NextStep.NONE,
                "warning",
            )
        )

    # -- small things --------------------------------------------------------------------------
    def _next_step(self, step: NextStep) -> None:
        if step is NextStep.SIGN_IN:
            self.open_sign_in(self.message_bar.text())
        elif step is NextStep.RETRY:
            self.refresh()
        elif step is NextStep.EDIT:
            self._focus_bar()
        elif step is NextStep.SETTINGS:
            self.open_registry_settings()

    def _go_or_cancel(self) -> None:
        if self.runner.is_busy("inspect"):
            self.cancel()
        else:
            self.inspect_text()

    def _busy_changed(self, busy: bool) -> None:
        self.go_button.setText("Cancel" if busy else "Inspect")

    def _focus_bar(self) -> None:
        self.reference_bar.setFocus()
        self.reference_bar.selectAll()

    def _example_clicked(self, text: str) -> None:
        self.reference_bar.setText(text)
        self.inspect_text(text)

    def _remember(self, text: str) -> None:
        recent = [text] + [r for r in self.recent_model.stringList() if r != text]
        self.recent_model.setStringList(recent[:MAX_RECENT])
        self.settings.setValue("recent", recent[:MAX_RECENT])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/split", self.split.saveState())
        self.inspector.save_state(self.settings)
        self.runner.shutdown(wait_ms=1500)
        super().closeEvent(event)
