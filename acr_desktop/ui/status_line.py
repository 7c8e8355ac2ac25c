"""The window's status bar: what is going on (a reference, a digest, "Copied …"), the account in
use for the registry in view, and Docker Hub's pull allowance. Plain text only: all of it may
come from a registry or a person, drawn on one line that elides (`ElidedLabel`), so no text can
widen or heighten the window."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.plain import one_line

COPIED_MS = 4000
COPIED_CHARS = 200  # of what was copied, said in the status bar
ACCOUNT_WIDTH = 320  # the account gives way to the status beyond this


class StatusLine:
    def __init__(self, bar: QStatusBar, rate_label: QLabel) -> None:
        self.bar = bar
        self.status = ElidedLabel()  # names references and digests
        self.status.setMinimumWidth(1)  # a long reference is cut, never widens the window
        self.account = ElidedLabel()  # a user name typed in the dialog, of any length
        self.account.setObjectName("account")
        self.account.setMaximumWidth(ACCOUNT_WIDTH)
        bar.addWidget(self.status, 1)
        bar.addPermanentWidget(self.account)
        bar.addPermanentWidget(rate_label)

    def say(self, text: str) -> None:
        self.status.setText(text)  # and its tooltip, made literal

    def copied(self, text: str) -> None:
        """Say what was copied: its first line, and how many more there were."""
        first = text.splitlines()[0] if text else ""
        if len(first) > COPIED_CHARS:
            first = first[: COPIED_CHARS - 1] + "…"
        more = text.count("\n")
        said = f"Copied {one_line(first)}" + (f" (and {more} more)" if more else "")
        self.bar.showMessage(said, COPIED_MS)

    def show_account(self, text: str) -> None:
        self.account.setText(text)
