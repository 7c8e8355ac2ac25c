"""Getting around from the window: back / forward, bookmarks, referrers, the ACR tags of a
digest, and Docker Hub's rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QToolButton

from acr_desktop.history import History
from acr_desktop.registry.acr import is_acr_host
from acr_desktop.registry.reference import Reference
from acr_desktop.ui.preferences import Preferences
from acr_desktop.ui.worker import JobRunner

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.ui.inspector import Inspector


def tool_button(text: str, tip: str, slot: Callable[[], None]) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.clicked.connect(slot)
    return button


class Browsing:
    """The history and bookmarks of the window, and what is loaded beside an inspection.

    Makes the back, forward and bookmark buttons and the Bookmarks menu for the window to place.
    `open_reference(ref, record)` inspects, recording a visit or not; `open_text(text)`
    inspects what a person typed; `current()` is the reference on show.
    """

    def __init__(
        self,
        preferences: Preferences,
        runner: JobRunner,
        inspector: Callable[[], Inspector],
        rate_label: QLabel,
        *,
        client: Callable[[], RegistryClient],
        current: Callable[[], Reference | None],
        open_reference: Callable[[Reference, bool], None],
        open_text: Callable[[str], None],
    ) -> None:
        self._preferences = preferences
        self._runner = runner
        self._inspector = inspector
        self._rate_label = rate_label
        self._client = client
        self._current = current
        self._open_reference = open_reference
        self._open_text = open_text
        self.history = History()
        self.back_button = tool_button("◀", "Back (Alt+Left)", self.go_back)
        self.forward_button = tool_button("▶", "Forward (Alt+Right)", self.go_forward)
        self.bookmark_button = tool_button("☆", "Bookmark this reference", self.toggle_bookmark)
        self.bookmark_button.setCheckable(True)
        self.bookmarks_menu = QMenu("&Bookmarks")
        self.bookmark_action = self.bookmarks_menu.addAction("Bookmarked")
        self.bookmark_action.setCheckable(True)
        self.bookmark_action.setShortcut(QKeySequence("Ctrl+D"))
        self.bookmark_action.triggered.connect(lambda _=False: self.toggle_bookmark())
        self.bookmarks_menu.aboutToShow.connect(self.fill_bookmarks_menu)  # another instance's
        self.fill_bookmarks_menu()

    # -- history -------------------------------------------------------------------------------
    def go_back(self) -> None:
        ref = self.history.back()
        if ref is not None:
            self._open_reference(ref, False)

    def go_forward(self) -> None:
        ref = self.history.forward()
        if ref is not None:
            self._open_reference(ref, False)

    def update_navigation(self) -> None:
        self.back_button.setEnabled(self.history.can_go_back())
        self.forward_button.setEnabled(self.history.can_go_forward())
        current = self._current()
        marked = current is not None and str(current) in self.bookmarks()
        self.bookmark_button.setChecked(marked)
        self.bookmark_button.setText("★" if marked else "☆")
        self.bookmark_button.setToolTip(
            "Bookmarked: click to remove the bookmark (Ctrl+D)" if marked
            else "Bookmark this reference (Ctrl+D)"
        )  # fmt: skip
        self.bookmark_action.setEnabled(current is not None)
        self.bookmark_action.setChecked(marked)

    # -- bookmarks -----------------------------------------------------------------------------
    def bookmarks(self) -> list[str]:
        return self._preferences.bookmarks()

    def toggle_bookmark(self) -> None:
        """Bookmark the reference on show, or remove its bookmark (what another instance of the
        app bookmarked meanwhile is kept)."""
        current = self._current()
        if current is not None:
            text = str(current)
            self._preferences.set_bookmarked(text, text not in self.bookmarks())
        self.update_navigation()
        self.fill_bookmarks_menu()

    def fill_bookmarks_menu(self) -> None:
        self._preferences.sync()  # what another instance of the app saved meanwhile
        menu = self.bookmarks_menu
        for action in menu.actions():
            if action is not self.bookmark_action:
                menu.removeAction(action)
        menu.addSeparator()
        marks = self.bookmarks()
        if not marks:
            menu.addAction("No bookmarks yet").setEnabled(False)
        for text in marks:
            menu.addAction(text).triggered.connect(lambda _=False, t=text: self._open_text(t))

    # -- beside an inspection ------------------------------------------------------------------
    def open_digest(self, digest: str) -> None:
        current = self._current()
        if current is not None:
            ref = Reference(current.registry, current.repository, None, digest)
            self._open_reference(ref, True)

    def load_aliases(self, ins: Inspection) -> None:
        """On ACR, every tag that points at the same digest (needs metadata_read)."""
        ref = ins.reference
        summary = self._inspector().summary
        if not is_acr_host(ref.registry):
            summary.show_aliases(None)
            return
        client, digest = self._client(), ins.top.digest
        job = self._runner.start(
            "aliases", lambda: client.acr_tags_of(ref.registry, ref.repository, digest)
        )
        job.returned.connect(lambda tags: summary.show_aliases([t.name for t in tags]))
        job.errored.connect(lambda _exc: summary.show_aliases(None))

    def show_rate_limit(self, registry: str) -> None:
        limit = self._client().transport.rate_limit(registry)
        if limit is None:
            self._rate_label.setText("")
            return
        of = f" of {limit.limit}" if limit.limit else ""
        self._rate_label.setText(f"{registry}: {limit.remaining}{of} pulls left")
