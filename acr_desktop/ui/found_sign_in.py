"""The sign-in dialog's offer of a sign-in the user already has: the registry is looked up in the
Docker / Podman config on the worker (a credential helper may be slow, hang or prompt), and what
was found is shown with where it was found, and a button to use it."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.docker_credentials import CredentialLookup, lookup
from acr_desktop.ui import colours
from acr_desktop.ui.form_parts import WrappedLabel, row
from acr_desktop.ui.worker import Job, JobRunner

_WHO = {"refresh_token": "an ACR refresh token", "registry_token": "a registry token"}


class FoundSignIn(QWidget):
    """Signals:
    changed(): the text changed (the form shows the row only when there is text).
    use_requested(): the user wants the sign-in found (`found`) in the form.
    """

    changed = Signal()
    use_requested = Signal()

    def __init__(
        self,
        runner: JobRunner,
        find: Callable[[str], CredentialLookup] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        env = dict(os.environ)  # read here, on the UI thread
        self._find = find or (lambda registry: lookup(registry, env))
        self._job: Job | None = None
        self._looked_up = ""
        self.found: tuple[Credentials, str] | None = None  # (credentials, where)
        self.label = WrappedLabel()
        self.use_button = QPushButton("Use it")
        self.use_button.setAutoDefault(False)  # Enter means OK
        self.use_button.clicked.connect(self.use_requested.emit)
        self.setLayout(row(self.label, self.use_button))

    def has_text(self) -> bool:
        return bool(self.label.text())

    def look_up(self, registry: str | None) -> None:
        """Look `registry` up (once until it changes); None: not a registry name."""
        if registry is None or registry == self._looked_up:
            return
        self._looked_up = registry
        self._show(None)
        find = self._find
        job = self._runner.start("docker-config", lambda: find(registry))
        job.returned.connect(self._answered)
        self._job = job

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()  # its answer is dropped
        self._job = None

    def _answered(self, answer: object) -> None:
        if isinstance(answer, CredentialLookup) and answer.found is not None:
            creds, source = answer.found.credentials, answer.found.source
            self.found = (creds, source)
            text = f"Found a sign-in ({_WHO.get(creds.kind, creds.username)}) in {source}."
        else:
            self.found = None
            text = ""
        problems = answer.problems if isinstance(answer, CredentialLookup) else ()
        self._show("\n".join([t for t in (text, *problems) if t]) or None)

    def _show(self, text: str | None) -> None:
        if text is None:
            self.found = None
        self.label.setText(text or "")
        self.label.setStyleSheet("" if self.found else f"color: {colours.note()};")
        self.use_button.setVisible(self.found is not None)
        self.changed.emit()
