"""Per-registry connection settings: plain HTTP, skipping certificate checks (two separate,
warned-about switches), an extra CA bundle, a client certificate and key, and a proxy.

Kept in the app preferences: file paths and a proxy address, never a secret.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.registry.connection import ConnectionSettings
from acr_desktop.ui import colours
from acr_desktop.ui.preferences import Preferences, default_plain_http

PLAIN_HTTP_WARNING = (
    "Everything sent to this registry, sign-in included, crosses the network unencrypted. "
    "On by default only for registries on this computer."
)
SKIP_VERIFY_WARNING = (
    "Anyone between you and the registry could pose as it and read your credentials. "
    "Prefer adding the registry's CA bundle below."
)
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_PEM_FILTER = "PEM files (*.pem *.crt *.cer *.key);;All files (*)"


def proxy_problem(text: str) -> str | None:
    """Why a proxy address cannot be used, or None."""
    if not text:
        return None
    parts = urlsplit(text if "://" in text else f"http://{text}")
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        return "The proxy must look like http://proxy.example.com:3128."
    if parts.username or parts.password:
        return (
            "Put no user name or password in the proxy address: settings are stored as plain "
            "text. Set HTTPS_PROXY in the environment instead."
        )
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return "The proxy's port is not a number from 1 to 65535."
    return None


class _Warning(QLabel):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet(f"color: {colours.error()};")


class ConnectionSettingsDialog(QDialog):
    """Edit the connection settings of one registry; OK stores them in `preferences`."""

    def __init__(
        self, registry: str, preferences: Preferences, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.registry = registry
        self._preferences = preferences
        self.setWindowTitle(f"Connection settings for {registry}")
        self.setMinimumWidth(520)
        current = preferences.connection_settings(registry)
        plain = current.plain_http
        self.plain_http_check = QCheckBox("Allow plain &HTTP (unencrypted)")
        self.plain_http_check.setChecked(default_plain_http(registry) if plain is None else plain)
        self.plain_http_warning = _Warning(PLAIN_HTTP_WARNING)
        self.skip_verify_check = QCheckBox("&Skip certificate verification")
        self.skip_verify_check.setChecked(not current.verify_tls)
        self.skip_verify_warning = _Warning(SKIP_VERIFY_WARNING)
        self.ca_edit = self._path_edit(current.ca_bundle, "PEM, trusted besides the system's CAs")
        self.cert_edit = self._path_edit(current.client_cert, "client certificate (PEM)")
        self.key_edit = self._path_edit(current.client_key, "its private key, unencrypted")
        self.proxy_edit = QLineEdit(current.proxy or "")
        self.proxy_edit.setPlaceholderText("http://proxy.example.com:3128 (empty: from the system)")
        self.problem_label = _Warning("")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.plain_http_check)
        form.addRow(self.plain_http_warning)
        form.addRow(self.skip_verify_check)
        form.addRow(self.skip_verify_warning)
        pickers = (
            ("&CA bundle:", self.ca_edit, "Choose a CA bundle"),
            ("Client c&ertificate:", self.cert_edit, "Choose a client certificate"),
            ("Client &key:", self.key_edit, "Choose its private key"),
        )
        for text, edit, title in pickers:
            label = QLabel(text)
            label.setBuddy(edit)  # a layout cannot be a buddy: name the edit
            form.addRow(label, self._with_browse(edit, title))
        form.addRow("&Proxy:", self.proxy_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.plain_http_check.toggled.connect(self._update)
        self.skip_verify_check.toggled.connect(self._update)
        for edit in (self.ca_edit, self.cert_edit, self.key_edit, self.proxy_edit):
            edit.textChanged.connect(self._update)
        self._update()

    def _path_edit(self, path: str | None, placeholder: str) -> QLineEdit:
        edit = QLineEdit(path or "")
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(True)
        return edit

    def _with_browse(self, edit: QLineEdit, title: str) -> QHBoxLayout:
        button = QPushButton("Browse…")
        button.setAutoDefault(False)
        button.clicked.connect(lambda: self._browse(edit, title))
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit)
        row.addWidget(button)
        return row

    def _browse(self, edit: QLineEdit, title: str) -> None:
        start = str(Path(edit.text()).parent) if edit.text() else str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(self, title, start, _PEM_FILTER)
        if path:
            edit.setText(path)

    # -- what the form says ------------------------------------------------------------------
    def value(self) -> ConnectionSettings:
        """The settings as the form shows them (plain HTTP None when it is the default)."""
        plain = self.plain_http_check.isChecked()
        return ConnectionSettings(
            plain_http=None if plain == default_plain_http(self.registry) else plain,
            verify_tls=not self.skip_verify_check.isChecked(),
            ca_bundle=self.ca_edit.text().strip() or None,
            client_cert=self.cert_edit.text().strip() or None,
            client_key=self.key_edit.text().strip() or None,
            proxy=self.proxy_edit.text().strip() or None,
        )

    def problem(self) -> str | None:
        """Why OK is disabled, or None."""
        value = self.value()
        files = (
            ("The CA bundle", value.ca_bundle),
            ("The client certificate", value.client_cert),
            ("The client key", value.client_key),
        )
        for what, path in files:
            if path and not Path(path).is_file():
                return f"{what} {path} is not a file."
        if value.client_key and not value.client_cert:
            return "A client key needs its certificate."
        return proxy_problem(value.proxy or "")

    def _update(self) -> None:
        self.plain_http_warning.setVisible(self.plain_http_check.isChecked())
        self.skip_verify_warning.setVisible(self.skip_verify_check.isChecked())
        problem = self.problem()
        self.problem_label.setText(problem or "")
        self.problem_label.setVisible(problem is not None)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def accept(self) -> None:
        if self.problem() is not None:
            return
        self._preferences.set_connection_settings(self.registry, self.value())
        super().accept()
