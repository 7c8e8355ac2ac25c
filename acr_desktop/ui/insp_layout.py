"""How the inspector's parts share the window: dividers that never collapse a pane (also not
from a saved layout), and the "Loading … — showing the previous result" banner."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QProgressBar,
    QSplitter,
    QWidget,
)

from acr_desktop.ui.elided_label import ElidedLabel

# The text colours that take their disabled look while a previous result is on show. (Not an
# opacity effect: over scroll areas it leaves stale pixels behind.)
DIMMED_ROLES = (
    QPalette.ColorRole.WindowText,
    QPalette.ColorRole.Text,
    QPalette.ColorRole.ButtonText,
    QPalette.ColorRole.HighlightedText,
)


def steady_splitter(orientation: Qt.Orientation, *panes: tuple[QWidget, int]) -> QSplitter:
    """A splitter of `panes` (each with its minimum along `orientation`) that never collapses
    one: a drag stops at the minimum."""
    splitter = QSplitter(orientation)
    splitter.setChildrenCollapsible(False)
    for pane, minimum in panes:
        if orientation == Qt.Orientation.Horizontal:
            pane.setMinimumWidth(minimum)
        else:
            pane.setMinimumHeight(minimum)
        splitter.addWidget(pane)
    return splitter


def restore_splitter(splitter: QSplitter, state: QByteArray) -> bool:
    """Restore a saved layout unless it would squeeze a pane below its minimum (a layout saved
    collapsed, or by an older version); then the splitter keeps the layout it had."""
    before = splitter.saveState()
    collapsible = splitter.childrenCollapsible()
    restored = splitter.restoreState(state)
    splitter.setChildrenCollapsible(collapsible)  # a saved state carries its own flag
    if not restored:
        return False
    horizontal = splitter.orientation() == Qt.Orientation.Horizontal
    for number, size in enumerate(splitter.sizes()):
        pane = splitter.widget(number)
        if pane is None or pane.isHidden():
            continue
        least = pane.minimumWidth() if horizontal else pane.minimumHeight()
        if size <= 0 or size < least:
            splitter.restoreState(before)
            splitter.setChildrenCollapsible(collapsible)
            return False
    return True


def dimmed(palette: QPalette) -> QPalette:
    """`palette` with its text in the disabled colours, and still usable (selectable, focusable)."""
    palette = QPalette(palette)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role in DIMMED_ROLES:
            palette.setColor(group, role, palette.color(QPalette.ColorGroup.Disabled, role))
    return palette


class LoadingBanner(QWidget):
    """The line "Loading <what>… — showing the previous result" with a busy bar; the content
    it covers is dimmed (its text greyed, still usable) until `show_loading(None)`."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._content = content
        self.label = ElidedLabel()
        self.label.setObjectName("loading")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # busy, no percentage: an inspect does not know its length
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(self.fontMetrics().height())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.busy)
        row.addWidget(self.label, 1)
        self.setVisible(False)

    def show_loading(self, what: str | None) -> None:
        """Dim the content under "Loading <what>… — showing the previous result"; None ends it.
        A `what` that already ends in "…" ("Fetching linux/arm64…") is shown as it is."""
        self.setVisible(what is not None)
        self.busy.setVisible(what is not None)
        if what is None:
            self._content.setPalette(QPalette())  # the window's own again (light or dark)
            return
        doing = what if what.endswith("…") else f"Loading {what}…"
        self.label.setText(f"{doing} — showing the previous result")
        self._content.setPalette(dimmed(self.palette()))

    def dimmed(self) -> bool:
        """Is the content shown as the previous result?"""
        role = QPalette.ColorRole.WindowText
        return self._content.palette().color(role) != self.palette().color(role)

    def show_note(self, text: str) -> None:
        """A note over the content, not dimmed and not busy (a load failed; this stays)."""
        self.show_loading(None)
        self.label.setText(text)
        self.busy.setVisible(False)
        self.setVisible(True)

    def loading(self) -> bool:
        return not self.isHidden()
