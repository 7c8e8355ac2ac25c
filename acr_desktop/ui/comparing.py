"""Comparing from the window: asks for the second reference, runs `compare.compare` in a job on
channel "compare" (and the file listings on "compare-files"), and shows the answer in the one
compare window. A new compare supersedes the one running; closing the window ends its jobs.

The window-wide entry points (Tools ▸ Compare with…, a tag's "Compare with…" / "Compare these
two") come here through `view_commands.ViewCommands`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QSize, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget

from acr_desktop.ui.plain import plain_label

if TYPE_CHECKING:
    from acr_desktop.compare import Comparison, FileChange, PlatformComparison
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.reference import Reference
    from acr_desktop.ui.compare_view import CompareWindow
    from acr_desktop.ui.navigator import Navigator
    from acr_desktop.ui.preferences import Preferences
    from acr_desktop.ui.sign_in import SignIn
    from acr_desktop.ui.worker import JobRunner

CHANNEL = "compare"
FILES_CHANNEL = "compare-files"


class CompareDialog(QDialog):
    """Two references, A and B; B starts as A's repository with the cursor after the ":", ready
    for a tag. OK only with two references that parse; what is wrong is said under them."""

    def __init__(self, left: str, right: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare two references")
        self.left_edit = QLineEdit(left)
        self.left_edit.setObjectName("compareLeft")
        self.right_edit = QLineEdit(right)
        self.right_edit.setObjectName("compareRight")
        self.left_edit.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.problem = plain_label(wrap=True)
        self.problem.setObjectName("compareProblem")
        self.problem.hide()
        self.chosen: tuple[Reference, Reference] | None = None
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Compare")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&A (left):", self.left_edit)
        form.addRow("&B (right):", self.right_edit)
        form.addRow(self.problem)
        form.addRow(buttons)
        self.right_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Once shown (focus arriving selects all): the cursor after B's ":", ready for a tag.
        QTimer.singleShot(0, self, self._ready_for_tag)

    def _ready_for_tag(self) -> None:
        edit = self.right_edit if self.left_edit.text() else self.left_edit
        edit.setFocus(Qt.FocusReason.OtherFocusReason)
        edit.deselect()
        edit.end(False)

    def accept(self) -> None:
        from acr_desktop.registry import errors
        from acr_desktop.registry.reference import parse_reference

        refs: list[Reference] = []
        for name, edit in (("A", self.left_edit), ("B", self.right_edit)):
            try:
                refs.append(parse_reference(edit.text()))
            except errors.InvalidReference as exc:
                self.problem.setText(f"{name}: {exc.sentence}")
                self.problem.show()
                edit.setFocus()
                return
        self.chosen = (refs[0], refs[1])
        super().accept()


def second_guess(left: Reference) -> str:
    """What B starts as: A's repository, ready for a tag."""
    return f"{left.name}:"


class CompareHost(Protocol):
    """What comparing needs of the window (`MainWindow` has it all): its runner and client, its
    sign-in (`apply(registry)` hands credentials and connection settings to the client, on this
    thread, before each job), the reference on show, and the navigator (whose tag pane asks for
    compares)."""

    runner: JobRunner
    sign_in: SignIn
    navigator: Navigator

    @property
    def client(self) -> RegistryClient: ...
    @property
    def current(self) -> Reference | None: ...


class Comparing(QObject):
    """Compares for `host`; the compare window is a window of `parent` (the main window).
    From `preferences`: the seconds one compare may take in all, and the layer listings' disk
    cache limit (the cache the Files tab fills, so what it listed is not listed again)."""

    def __init__(self, host: CompareHost, parent: QWidget, preferences: Preferences) -> None:
        super().__init__(parent)
        self._host = host
        self._runner = host.runner
        self._parent = parent
        self._preferences = preferences
        self.window: CompareWindow | None = None
        self.dialog: CompareDialog | None = None

    # -- entry points ----------------------------------------------------------------------------
    def ask(self, left: Reference | None = None) -> CompareDialog:
        """Tools ▸ Compare with… (A is the reference on show) or a tag's "Compare with…"."""
        left = left or self._host.current
        dialog = CompareDialog(
            str(left) if left else "", second_guess(left) if left else "", self._parent
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: dialog.chosen and self.compare(*dialog.chosen))
        dialog.destroyed.connect(lambda: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def compare_wanted(self, left: Reference, right: Reference | None) -> None:
        """A tag pane's signal: two tags compare at once, one asks for the other."""
        if right is None:
            self.ask(left)
        else:
            self.compare(left, right)

    def compare(self, left: Reference, right: Reference) -> CompareWindow:
        """Compare `left` with `right` in the compare window (instead of what it showed)."""
        window = self.show_window()
        self._runner.cancel(FILES_CHANNEL)
        for registry in dict.fromkeys((left.registry, right.registry)):
            self._host.sign_in.apply(registry)
        client = self._host.client

        def work(report: Callable[[object], None]) -> Comparison:
            from acr_desktop.compare import compare

            return compare(client, left, right, report=report)

        timeout = self._preferences.timeout()
        job = self._runner.start(CHANNEL, work, with_progress=True, timeout=timeout)
        job.progress.connect(lambda text: window.show_status(str(text)))
        job.returned.connect(window.show_comparison)
        job.errored.connect(self._failed)
        window.start(left, right)
        return window

    def list_files(self, pc: PlatformComparison) -> None:
        """The Files tab's "List files to compare": list the layers (bounded) in a job."""
        window = self.window
        if window is None:
            return
        c = window.comparison
        if c is not None:
            for registry in dict.fromkeys((c.left_ref.registry, c.right_ref.registry)):
                self._host.sign_in.apply(registry)
        client = self._host.client
        limit = self._preferences.layer_cache_limit()

        def work() -> tuple[FileChange, ...] | None:
            from acr_desktop.compare import compare_files
            from acr_desktop.registry.listing_cache import ListingCache

            return compare_files(client, pc, cached_only=False, cache=ListingCache(limit=limit))

        job = self._runner.start(FILES_CHANNEL, work, timeout=self._preferences.timeout())
        job.returned.connect(lambda files: window.show_files(pc.label, files))
        job.errored.connect(self._failed)
        window.set_busy(True)
        window.show_status(f"Listing the files of {pc.label} in both images…")

    # -- the window ------------------------------------------------------------------------------
    def show_window(self) -> CompareWindow:
        """The compare window, made on first use, raised."""
        if self.window is None:
            from acr_desktop.ui.compare_view import CompareWindow
            from acr_desktop.ui.screen_fit import first_size, keep_on_screen

            window = self.window = CompareWindow(self._parent)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.stop_wanted.connect(self.cancel)
            window.files_wanted.connect(self.list_files)
            window.closed.connect(self._closed)
            # A share of the screen's free area, frame included (at 150 % a 1400×900 screen is
            # 933×600: 1100×720 plus the title bar would hang off its bottom edge).
            first_size(window, QSize(1100, 720))
            window.show()
            keep_on_screen(window)
            QTimer.singleShot(200, self._first_fit)  # again once the frame's size is known
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        return self.window

    def _first_fit(self) -> None:
        from acr_desktop.ui.screen_fit import first_size

        if self.window is not None:  # not closed (and deleted) in the meantime
            first_size(self.window, QSize(1100, 720))

    @property
    def busy(self) -> bool:
        return self._runner.is_busy(CHANNEL) or self._runner.is_busy(FILES_CHANNEL)

    def cancel(self) -> bool:
        """Stop / Esc: end the compare (or the listing) running; False when none was."""
        if not self.busy:
            return False
        self._runner.cancel(CHANNEL)
        self._runner.cancel(FILES_CHANNEL)
        if self.window is not None:
            self.window.stopped()
        return True

    def _failed(self, exc: BaseException) -> None:
        from acr_desktop.ui.messages import describe

        if self.window is not None:
            self.window.show_failure(describe(exc).text)

    def _closed(self) -> None:
        self._runner.cancel(CHANNEL)
        self._runner.cancel(FILES_CHANNEL)
        self.window = None
