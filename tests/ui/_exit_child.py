"""Child process for test_exit.py: the app as `python -m acr_desktop REFERENCE` starts it, plus a
timer that closes every window once the file named on the command line exists.

    _exit_child.py REFERENCE CLOSE_FLAG_PATH
"""

from __future__ import annotations

import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from acr_desktop.ui import app as ui_app  # noqa: E402
from acr_desktop.ui.main_window import MainWindow  # noqa: E402


def main() -> int:
    reference, flag = sys.argv[1], sys.argv[2]
    app = QApplication([sys.argv[0]])
    timer = QTimer(app)
    timer.setInterval(20)

    def poll() -> None:
        if os.path.exists(flag):
            timer.stop()
            windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
            busy = any(w.inspecting.busy for w in windows)
            print(f"closing{' while inspecting' if busy else ''} {time.time():.3f}", flush=True)
            for widget in windows:
                widget.close()

    timer.timeout.connect(poll)
    timer.start()
    return ui_app.run(reference, [])


if __name__ == "__main__":
    raise SystemExit(main())
