"""What the app asks of the desktop: its icon, and the log folder opened in the file manager.

Shared by the app start-up, the main window's menus and the About and crash dialogs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)


def app_icon() -> QIcon:
    """The application icon at every rendered size (empty, and logged, if the files are gone)."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon

    from acr_desktop.resources import icon_pngs

    icon = QIcon()
    try:
        pngs = icon_pngs()
    except FileNotFoundError as exc:
        log.warning("No application icon: %s", exc)
        return icon
    for size, path in pngs.items():
        icon.addFile(str(path), QSize(size, size))
    return icon


def show_log_folder() -> bool:
    """Open the log folder in the file manager (created first, so there is something to open)."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    from acr_desktop.logs import log_dir

    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("Cannot create the log folder %s: %s", folder, exc)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
