"""Keep the window on its screen: a first size that fits the screen's free area, a restored
geometry pulled back inside it, and splitter states that never bring back a collapsed pane."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QVBoxLayout, QWidget

PREFERRED = QSize(1200, 760)
SCREEN_SHARE = 0.92  # of the free area, for a first window larger than the screen allows
MIN_PANE = 40  # pixels below which a restored splitter pane counts as collapsed


def available_area(window: QWidget) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def _frame_extra(window: QWidget) -> QSize:
    """What the window manager adds around the client area (zero before the first show)."""
    frame, inner = window.frameGeometry(), window.geometry()
    return QSize(max(0, frame.width() - inner.width()), max(0, frame.height() - inner.height()))


def first_size(window: QWidget, preferred: QSize = PREFERRED) -> None:
    """Size a window opened for the first time: `preferred`, or less on a small screen,
    centred in the free area."""
    area = available_area(window)
    extra = _frame_extra(window)
    width = min(preferred.width(), int(area.width() * SCREEN_SHARE) - extra.width())
    height = min(preferred.height(), int(area.height() * SCREEN_SHARE) - extra.height())
    window.resize(max(width, 200), max(height, 150))
    window.move(
        area.x() + (area.width() - window.width() - extra.width()) // 2,
        area.y() + (area.height() - window.height() - extra.height()) // 2,
    )


def keep_on_screen(window: QWidget) -> None:
    """Pull the window back inside the free area of its screen: smaller if it is larger than
    the area (a geometry saved on a bigger screen or at another scale), moved if it hangs off."""
    area = available_area(window)
    extra = _frame_extra(window)
    width = min(window.width(), area.width() - extra.width())
    height = min(window.height(), area.height() - extra.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.x()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.y()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


class _StayOnScreen(QObject):
    """Pulls its window back inside the screen once it grew by itself: a longer message raises
    the window's minimum height, and Qt then grows it downwards, its status bar off the screen."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            unmanaged = Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen
            if watched.isVisible() and not watched.windowState() & unmanaged and _forced(watched):
                QTimer.singleShot(0, watched, lambda: _pull_back(watched))
        return False


def _forced(window: QWidget) -> bool:
    """Was the window grown by its own minimum (not by a person or a program resizing it)?"""
    least = window.minimumSize().expandedTo(window.minimumSizeHint())
    return window.height() <= least.height() or window.width() <= least.width()


def _pull_back(window: QWidget) -> None:
    if not fits(window):
        keep_on_screen(window)


def stay_on_screen(window: QWidget) -> None:
    """`keep_on_screen` now and whenever the window is resized from then on."""
    keep_on_screen(window)
    if window.findChild(_StayOnScreen) is None:
        window.installEventFilter(_StayOnScreen(window))


def fits(window: QWidget) -> bool:
    """The whole window frame lies inside its screen's free area."""
    return available_area(window).contains(window.frameGeometry())


def restore_splitter(splitter: QSplitter, state: QByteArray | None) -> bool:
    """Restore a saved splitter state unless it would leave a pane collapsed; False (and the
    old sizes kept) when it was refused."""
    if state is None:
        return False
    before = splitter.sizes()
    if not splitter.restoreState(state):
        return False
    sizes = splitter.sizes()
    if len(sizes) == len(before) and min(sizes, default=0) >= MIN_PANE:
        return True
    splitter.setSizes(before)
    return False


def window_frame(
    bar: tuple[QWidget, ...], navigator: QWidget, message_bar: QWidget, stack: QWidget
) -> tuple[QWidget, QSplitter]:
    """The main window's central widget: the bar's widgets in a row (the reference bar, third,
    takes the room), then the navigator beside the message bar and the stack, in a splitter
    whose panes keep a minimum width and never collapse."""
    row = QHBoxLayout()
    for number, widget in enumerate(bar):
        row.addWidget(widget, 1 if number == 2 else 0)
    main = QWidget()
    main.setMinimumWidth(520)  # the inspector: its tables (280) beside the JSON (200), and margins
    column = QVBoxLayout(main)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(message_bar)
    column.addWidget(stack, 1)
    navigator.setMinimumWidth(160)
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(navigator)
    split.addWidget(main)
    split.setStretchFactor(1, 1)
    split.setChildrenCollapsible(False)
    split.setSizes([300, 900])
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.addLayout(row)
    layout.addWidget(split, 1)
    return central, split
