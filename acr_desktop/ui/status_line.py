"""The window's status bar: what is going on (a reference, a digest, "Copied …"), the account in
use for the registry in view, and Docker Hub's pull allowance. Plain text only: all of it may
come from a registry or a person."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

from acr_desktop.ui.plain import plain

COPIED_MS = 4000


class StatusLine:
    def __init__(self, bar: QStatusBar, rate_label: QLabel) -> None:
        self.bar = bar
        self.status = plain(QLabel())  # names references and digests
        self.status.setMinimumWidth(1)  # a long reference is cut, never widens the window
        self.account = plain(QLabel())
        self.account.setObjectName("account")
        bar.addWidget(self.status, 1)
        bar.addPermanentWidget(self.account)
        bar.addPermanentWidget(rate_label)

    def say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)

    def copied(self, text: str) -> None:
        """Say what was copied: its first line, and how many more there were."""
        first = text.splitlines()[0] if text else ""
        more = text.count("\n")
        self.bar.showMessage(f"Copied {first}" + (f" (and {more} more)" if more else ""), COPIED_MS)

    def show_account(self, text: str) -> None:
        self.account.setText(text)
