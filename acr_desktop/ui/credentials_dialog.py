"""The sign-in dialog: registry, kind of sign-in, username and secret (or the Entra ID panel),
where to keep them, and a test sign-in on the worker with a throwaway client. A sign-in the user
already has in the Docker / Podman config is looked up on the worker and offered, with where."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.credentials import CredentialStore
from acr_desktop.registry.auth import ENTRA_USERNAME, Credentials
from acr_desktop.registry.challenge import Challenge
from acr_desktop.registry.client import RegistryClient, SignInResult
from acr_desktop.registry.docker_credentials import CredentialLookup
from acr_desktop.registry.errors import InvalidReference, RegistryError
from acr_desktop.registry.reference import normalize_registry
from acr_desktop.registry.transport import Transport
from acr_desktop.ui import colours
from acr_desktop.ui.entra_panel import EntraPanel, answer_text
from acr_desktop.ui.form_parts import WrappedLabel, row
from acr_desktop.ui.found_sign_in import FoundSignIn
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.secret_destination import destination_note
from acr_desktop.ui.signin_account import Kept, forgotten_text, kept_for_session, kept_in_keyring
from acr_desktop.ui.signin_kinds import (
    KIND_ANONYMOUS,
    KIND_ENTRA,
    KIND_PASSWORD,
    KIND_REFRESH_TOKEN,
    WITH_FIELDS,
    KindFields,
    prefilled_kind,
)
from acr_desktop.ui.worker import Job, JobRunner

SESSION_ONLY_NOTE = (
    "No keyring is available on this system, so credentials are kept for this session only. "
    "They are never written to a file."
)


class CredentialsDialog(QDialog):
    """Signals:
    forgotten(str, str): (registry, username) whose stored credentials the user removed.
    """

    forgotten = Signal(str, str)

    def __init__(
        self,
        registry: str,
        store: CredentialStore,
        runner: JobRunner,
        *,
        repository: str | None = None,
        message: str | None = None,
        preferences: Preferences | None = None,
        find_credentials: Callable[[str], CredentialLookup] | None = None,
        challenge: Callable[[str], Challenge | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # What the registry asked for (a 401's challenge), learned by the window or by a test.
        self._challenge = challenge or (lambda _registry: None)
        self._learned: dict[str, Challenge | None] = {}
        self._store = store
        self._runner = runner
        self._repository = repository
        self._preferences = preferences if preferences is not None else Preferences()
        self._persistent = store.persistent()
        self._job: Job | None = None
        self.kept: Kept | None = None  # by OK: the credentials and where they are kept
        self.setWindowTitle("Sign in to a registry")
        self.setMinimumWidth(460)

        self.message_label = WrappedLabel(message or "")
        self.message_label.setStyleSheet("font-weight: bold;")
        self.message_label.setVisible(bool(message))
        self.message_label.setContentsMargins(0, 0, 0, 4)  # a gap above the form, when shown
        self.found_row = FoundSignIn(runner, find_credentials)
        self.found_label = self.found_row.label
        self.use_found_button = self.found_row.use_button
        self.registry_edit = QLineEdit(registry)
        self.registry_edit.setPlaceholderText("myregistry.azurecr.io")
        self.fields = KindFields(self)
        self.kind_combo = self.fields.kind_combo
        self.username_edit = self.fields.username_edit
        self.secret_edit = self.fields.secret_edit
        self.secret_label = self.fields.secret_label
        self.show_button = self.fields.show_button
        self.entra_panel = EntraPanel(runner, store)
        backend = store.backend_name() if self._persistent else "a keyring"
        self.remember_check = QCheckBox(f"Remember in {backend}")
        self.remember_check.setChecked(self._persistent)
        self.remember_check.setEnabled(self._persistent)
        self.session_note = WrappedLabel(SESSION_ONLY_NOTE)
        self.session_note.setVisible(not self._persistent)
        self.test_button = QPushButton("Test sign-in")
        self.forget_button = QPushButton("Forget")
        for button in (self.test_button, self.forget_button):
            button.setAutoDefault(False)  # Enter means OK
        self.destination_label = WrappedLabel()  # where the secret is sent, if not the registry
        self.destination_label.setVisible(False)
        self.result_label = WrappedLabel()
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._lay_out()

        self.fields.changed.connect(self._kind_changed)
        self.entra_panel.changed.connect(self._update_buttons)
        self.entra_panel.changed.connect(self._fit_height)
        self.remember_check.toggled.connect(self._say_where_kept)
        self.test_button.clicked.connect(self.test_sign_in)
        self.forget_button.clicked.connect(self.forget)
        self.found_row.use_requested.connect(self.use_found)
        self.found_row.changed.connect(self._found_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._prefill(registry)
        for edit in (self.registry_edit, self.username_edit, self.secret_edit):
            edit.textChanged.connect(self._inputs_changed)
        self.registry_edit.editingFinished.connect(self.look_up)
        self.registry_edit.textEdited.connect(lambda _text: self.entra_panel.registry_changed())
        self._kind_changed()
        if not self.secret_edit.text():  # nothing saved: maybe `docker login` knows
            self.look_up()

    def _lay_out(self) -> None:
        test_row = row(self.test_button, self.forget_button)
        test_row.addStretch(1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Registry:", self.registry_edit)
        form.addRow("", self.found_row)
        form.setRowVisible(self.found_row, False)
        self._form = form
        form.addRow("Sign in &with:", self.kind_combo)  # as wide as the widest kind's label:
        form.labelForField(self.kind_combo).setMinimumWidth(self.secret_label.minimumWidth())
        form.addRow("", self.entra_panel)
        form.addRow("&Username:", self.username_edit)
        self._secret_row = row(self.secret_edit, self.show_button)
        form.addRow(self.secret_label, self._secret_row)
        form.addRow("", self.destination_label)
        form.addRow("", self.remember_check)
        form.addRow("", self.session_note)
        form.addRow("", test_row)
        form.addRow("", self.result_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_label)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _prefill(self, registry: str) -> None:
        """What is saved for `registry`: the kind, the username and the secret in the keyring."""
        self.fields.clear_secret()
        known = self._normalized(registry) or ""
        username = self._preferences.username(known) or "" if known else ""
        kind = prefilled_kind(known, username, self._preferences.kind(known) if known else "")
        wanted = bool(username) and kind != KIND_ANONYMOUS  # anonymous: no secret in the form
        saved = self._store.load(known, username) if wanted else None
        self.entra_panel.adopt(saved if kind == KIND_ENTRA else None)  # before it is asked
        self.fields.set_username(username)
        self.fields.set_kind(kind)
        if saved is not None and kind in WITH_FIELDS:
            self.secret_edit.setText(saved.secret)

    def retarget(
        self, registry: str, *, repository: str | None = None, message: str | None = None
    ) -> None:
        """Show `registry` (prefilled afresh) if it is another one, and say why, if given (what
        was said about another registry goes)."""
        other = bool(registry) and self._normalized(registry) != self.registry()
        if message is not None or other:
            self.message_label.setText(message or "")
            self.message_label.setVisible(bool(message))
        if other:
            self._repository = repository
            self.registry_edit.setText(registry)
            self._prefill(registry)
            self._kind_changed()
            self.look_up()
        self._fit_height()

    # -- what the dialog says ------------------------------------------------------------------
    def kind(self) -> str:
        return self.fields.kind()

    def registry(self) -> str:
        return self._normalized(self.registry_edit.text()) or self.registry_edit.text().strip()

    def credentials(self) -> Credentials | None:
        """None means anonymous (or, for Entra ID, not signed in to Azure yet)."""
        if self.kind() == KIND_ENTRA:
            return self.entra_panel.credentials()
        if self.kind() == KIND_ANONYMOUS:
            return None
        return Credentials.for_user(self.username_edit.text().strip(), self.secret_edit.text())

    def remember(self) -> bool:
        return self.remember_check.isEnabled() and self.remember_check.isChecked()

    @staticmethod
    def _normalized(registry: str) -> str | None:
        try:
            return normalize_registry(registry)
        except InvalidReference:
            return None

    # -- reactions -----------------------------------------------------------------------------
    def _say_where_kept(self, _on: bool = False) -> None:
        backend = self._store.backend_name() if self._persistent else None
        self.entra_panel.set_keeping(self.remember(), backend)

    def _kind_changed(self) -> None:
        """Another kind: its fields are cleared already; the last kind's answer goes too."""
        self._say_where_kept()
        kind = self.kind()
        self.remember_check.setEnabled(self._persistent and kind != KIND_ANONYMOUS)
        self._form.setRowVisible(self.entra_panel, kind == KIND_ENTRA)
        self._form.setRowVisible(self.username_edit, kind != KIND_ENTRA)
        self._form.setRowVisible(self._secret_row, kind != KIND_ENTRA)
        self.entra_panel.set_chosen(kind == KIND_ENTRA)
        self._inputs_changed()

    def _inputs_changed(self) -> None:
        """Any edit makes an earlier test answer meaningless: drop it."""
        self._show_destination()
        if self._job is not None:
            self._job.cancel()
        self._set_testing(None)
        self._show_result("", None)
        if self.registry_edit.text().strip():
            try:
                normalize_registry(self.registry_edit.text())
            except InvalidReference as exc:
                self._show_result(str(exc), colours.error())  # why OK is disabled

    def _update_buttons(self) -> None:
        registry_ok = self._normalized(self.registry_edit.text()) is not None
        kind, typed = self.kind(), bool(self.username_edit.text().strip())
        user = kind == KIND_ENTRA or (kind != KIND_ANONYMOUS and typed)
        filled = kind == KIND_ANONYMOUS or (user and bool(self.secret_edit.text()))
        filled = self.entra_panel.ready() if kind == KIND_ENTRA else filled
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(registry_ok and filled)
        self.test_button.setEnabled(registry_ok and filled and self._job is None)
        self.forget_button.setEnabled(registry_ok and user)

    def _show_destination(self) -> None:
        """Name the token service the secret goes to, when it is another host."""
        registry, kind = self.registry(), self.kind()
        challenge = self._learned.get(registry) or self._challenge(registry)
        note = destination_note(registry, challenge, refresh_token=kind == KIND_REFRESH_TOKEN)
        shown = note if kind in WITH_FIELDS else ""
        if shown != self.destination_label.text():
            self.destination_label.setText(shown)
            self.destination_label.setVisible(bool(shown))
            self._fit_height()

    def _set_testing(self, job: Job | None) -> None:
        self._job = job
        self.test_button.setText("Testing…" if job else "Test sign-in")
        self._update_buttons()

    def _show_result(self, text: str, color: str | None) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(f"color: {color};" if color else "")
        self.result_label.setVisible(bool(text))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show every wrapped line: Qt does not grow a window for height-for-width."""
        layout = self.layout()
        if not self.isVisible() or layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    # -- actions -------------------------------------------------------------------------------
    def test_sign_in(self) -> None:
        """Sign in on the worker with a throwaway client; the answer shows under the buttons."""
        registry, credentials, repository = self.registry(), self.credentials(), self._repository
        transport = Transport()
        transport.set_connection_settings(registry, self._preferences.connection_settings(registry))
        transport.set_credentials(registry, credentials)
        client = RegistryClient(transport)  # throwaway: its tokens and cache go with it
        job = self._runner.start("sign-in", lambda: client.sign_in(registry, repository))
        job.returned.connect(self._signed_in)
        job.errored.connect(self._sign_in_failed)
        job.settled.connect(lambda: self._learn(registry, transport.challenge(registry)))
        job.settled.connect(self._test_settled)
        self._set_testing(job)
        self._show_result(f"Signing in to {registry}…", None)

    def _learn(self, registry: str, challenge: Challenge | None) -> None:
        """The test sign-in met the registry's challenge: say where the secret went."""
        if challenge is not None:
            self._learned[registry] = challenge
            self._show_destination()

    def _test_settled(self) -> None:
        job = self._job
        if job is not None and not job.running:  # an older, cancelled job may settle late
            self._set_testing(None)
            if job.cancelled or job.superseded:
                self._show_result("", None)

    def _signed_in(self, result: object) -> None:
        if isinstance(result, SignInResult):
            self._show_result(answer_text(result), colours.ok())

    def _sign_in_failed(self, error: object) -> None:
        if isinstance(error, RegistryError):
            text = str(error)
        else:  # a bug, not a registry answer: its text may hold anything
            text = f"The sign-in test failed unexpectedly ({type(error).__name__})."
        self._show_result(text, colours.error())

    def forget(self) -> None:
        """Remove what is stored for this registry and username: keyring, session, settings."""
        registry = self.registry()
        username = Credentials.for_user(self.username_edit.text().strip(), "").username
        username = ENTRA_USERNAME if self.kind() == KIND_ENTRA else username
        self._store.forget(registry, username)
        self._preferences.forget_account(registry)  # the connection settings stay
        self.fields.clear_secret()
        self.entra_panel.adopt(None)  # an Entra sign-in from the removed refresh token goes too
        self.forgotten.emit(registry, username)
        self._show_result(forgotten_text(registry, username), None)

    def accept(self) -> None:
        registry, credentials = self.registry(), self.credentials()
        if credentials is None and self.kind() == KIND_ENTRA:
            return  # not signed in to Azure yet (OK is disabled)
        self.kept = None
        if credentials is not None and self.remember() and self._store.save(registry, credentials):
            self.kept = kept_in_keyring(credentials, self._store.backend_name())
        elif credentials is not None:  # not remembered: no stale copy in the keyring either
            if not self.remember():
                self._store.forget(registry, credentials.username)
            found = self.found_row.found
            found_in = found[1] if found and found[0] == credentials else None
            self._store.session_only(registry, credentials, found_in=found_in)
            self.kept = kept_for_session(credentials, found_in)
        self._preferences.set_account(
            registry, self.kind(), credentials.username if credentials is not None else None
        )
        super().accept()

    def done(self, result: int) -> None:
        if self._job is not None:
            self._job.cancel()  # its answer is dropped
        self._job = None
        self.found_row.cancel()
        self.entra_panel.stop()
        super().done(result)

    # -- credentials the user already has ------------------------------------------------------
    def look_up(self) -> None:
        """Look the registry up in the Docker / Podman config (shown above the username)."""
        self.found_row.look_up(self._normalized(self.registry_edit.text()))

    def _found_changed(self) -> None:
        self._form.setRowVisible(self.found_row, self.found_row.has_text())
        self._fit_height()

    def use_found(self) -> None:
        """Fill in what was found. OK then keeps it for this session; ticking “Remember” saves
        it in the keyring. It is never copied anywhere else."""
        if self.found_row.found is None:
            return
        creds, source = self.found_row.found
        refresh = creds.kind == "refresh_token"
        self.kind_combo.setCurrentIndex(
            self.kind_combo.findData(KIND_REFRESH_TOKEN if refresh else KIND_PASSWORD)
        )
        if not refresh:
            self.username_edit.setText(creds.username)
        self.secret_edit.setText(creds.secret)
        self.remember_check.setChecked(False)
        tick = f"; tick “{self.remember_check.text()}” to save it there" if self._persistent else ""
        said = f"Using the sign-in from {source}. OK keeps it for this session{tick}."
        self._show_result(said, None)
