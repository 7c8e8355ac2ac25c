"""The kinds of sign-in and their fields in the sign-in dialog. Each kind labels its own fields;
switching kind empties the secret (its undo history too, so Ctrl+Z cannot bring another kind's
secret back), hides it again, and shows that kind's username (typed, fixed, or none). Microsoft
Entra ID has no fields: the dialog shows its panel (`entra_panel.py`) instead."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

from acr_desktop.registry.acr import is_acr_host
from acr_desktop.registry.auth import ACR_REFRESH_USERNAME, ENTRA_USERNAME

KIND_ENTRA = "entra"
KIND_PASSWORD = "password"
KIND_REFRESH_TOKEN = "refresh_token"
KIND_ANONYMOUS = "anonymous"
KINDS = (
    (KIND_ENTRA, "Microsoft Entra ID (work account)"),
    (KIND_PASSWORD, "Username and password or token"),
    (KIND_REFRESH_TOKEN, "ACR refresh token (az acr login --expose-token)"),
    (KIND_ANONYMOUS, "Anonymous"),
)


@dataclass(frozen=True)
class KindText:
    """What a kind calls its fields: the secret's label, and the hints shown in empty fields."""

    secret_label: str
    secret_hint: str
    username_hint: str


TEXTS = {
    KIND_PASSWORD: KindText("&Password or token:", "Password or access token", "Username"),
    KIND_REFRESH_TOKEN: KindText(
        "&Refresh token:", "Token from az acr login --expose-token", "Not needed"
    ),
    KIND_ANONYMOUS: KindText("Password or token:", "Not needed for anonymous access", "Not needed"),
    KIND_ENTRA: KindText("Password or token:", "Not needed for Microsoft Entra ID", "Not needed"),
}
WITH_FIELDS = (KIND_PASSWORD, KIND_REFRESH_TOKEN)  # the kinds that show username and secret
# Usernames that are not a person's: they name the kind of what is saved.
FIXED_USERNAMES = {ACR_REFRESH_USERNAME: KIND_REFRESH_TOKEN, ENTRA_USERNAME: KIND_ENTRA}


def default_kind(registry: str) -> str:
    """The kind offered when nothing was chosen for `registry`: Entra ID for Azure Container
    Registry (most of its users sign in with their work account), else a password."""
    return KIND_ENTRA if is_acr_host(registry) else KIND_PASSWORD


def prefilled_kind(registry: str, username: str, chosen: str) -> str:
    """The kind shown for what was saved for `registry`: the one a token's username fixes, else
    the one chosen last, else a password for a saved username, else `default_kind`."""
    fixed = FIXED_USERNAMES.get(username)
    known = chosen if chosen in dict(KINDS) else ""
    return fixed or known or (KIND_PASSWORD if username else default_kind(registry))


class KindFields(QObject):
    """The kind chooser, username, secret and its Show button, kept consistent per kind.

    Signals:
    changed(): the user chose another kind; the fields are cleared and relabelled already.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._typed_username = ""  # what the user typed for a password sign-in
        self.kind_combo = QComboBox()
        for kind, name in KINDS:
            self.kind_combo.addItem(name, kind)
        self.username_edit = QLineEdit()
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_label = QLabel()
        self.secret_label.setBuddy(self.secret_edit)
        # The longest text sets the width, so switching kinds does not shift the fields.
        for shown in TEXTS.values():
            self.secret_label.setText(shown.secret_label)
            width = max(self.secret_label.minimumWidth(), self.secret_label.sizeHint().width())
            self.secret_label.setMinimumWidth(width)
        self.show_button = QPushButton("Show")
        self.show_button.setCheckable(True)
        self.show_button.setAutoDefault(False)  # Enter means OK
        self.show_button.toggled.connect(self._show_secret)
        self.username_edit.textChanged.connect(self._username_changed)
        self.kind_combo.currentIndexChanged.connect(self._kind_chosen)
        self.apply()

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind)))

    def set_username(self, username: str) -> None:
        """The username of a password sign-in (shown when that kind is chosen)."""
        self._typed_username = "" if username in FIXED_USERNAMES else username
        if self.kind() == KIND_PASSWORD:
            self.username_edit.setText(username)

    def clear_secret(self) -> None:
        """Empty the secret field for good: `setText` also drops the undo history, which
        `clear()` would keep (Ctrl+Z would bring the secret back)."""
        self.secret_edit.setText("")
        self.show_button.setChecked(False)

    def apply(self) -> None:
        """Label and enable the fields for the kind chosen."""
        kind = self.kind()
        text = TEXTS[kind]
        usernames = {KIND_PASSWORD: self._typed_username, KIND_REFRESH_TOKEN: ACR_REFRESH_USERNAME}
        self.username_edit.setText(usernames.get(kind, ""))
        self.username_edit.setEnabled(kind == KIND_PASSWORD)
        self.username_edit.setPlaceholderText(text.username_hint)
        self.secret_edit.setEnabled(kind in WITH_FIELDS)
        self.secret_edit.setPlaceholderText(text.secret_hint)
        self.show_button.setEnabled(kind in WITH_FIELDS)
        self.secret_label.setText(text.secret_label)

    def _kind_chosen(self) -> None:
        self.clear_secret()
        self.apply()
        self.changed.emit()

    def _username_changed(self, text: str) -> None:
        if self.kind() == KIND_PASSWORD:
            self._typed_username = text

    def _show_secret(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.secret_edit.setEchoMode(mode)
        self.show_button.setText("Hide" if shown else "Show")
