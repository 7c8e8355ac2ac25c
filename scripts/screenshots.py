"""Render the window on the local test registry to PNGs under docs/screenshots/ (offscreen, on
a 1400×900 screen: the window keeps itself inside its screen).

.venv/bin/python scripts/screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_SCREEN = Path(tempfile.mkdtemp()) / "screen.json"
_SCREEN.write_text(json.dumps({"screens": [{"name": "S", "x": 0, "y": 0, "width": 1400,
                                            "height": 900, "logicalDpi": 96}]}))  # fmt: skip
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

import keyring.backends.fail  # noqa: E402
import requests  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from acr_desktop.credentials import CredentialStore  # noqa: E402
from acr_desktop.ui.main_window import MainWindow  # noqa: E402
from acr_desktop.ui.preferences import Preferences  # noqa: E402
from tests.rig import Registry, TokenServer, push_all  # noqa: E402
from tests.rig.content import _push_manifest, image, index  # noqa: E402
from tests.ui.test_window_fit import DEEP_REPO, NINE  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def wait_for(signal: object, ms: int = 10_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def settle(ms: int = 200) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def small_and_dark(window: MainWindow, registry: Registry, out: Path) -> None:
    """A nine-platform index at a deep path on an 800×600 window; then the dark theme."""
    with requests.Session() as session:
        session.headers.update(registry.push_headers((DEEP_REPO,)))
        children = [image(DEEP_REPO, f"shot-{a}{v or ''}", a, v, docker=False) for a, v in NINE]
        idx = index(DEEP_REPO, children, docker=False)
        _push_manifest(session, registry.url, idx, "release-2024.11.29-build.12345", set())
    window.message_bar.hide()
    window.resize(800, 600)
    window.inspect_text(f"{registry.host}/{DEEP_REPO}:release-2024.11.29-build.12345@{idx.digest}")
    wait_for(window.inspected)
    settle(400)
    window.grab().save(str(out / "small-800x600.png"))
    window.resize(1280, 800)
    window.view.set_theme("dark")
    settle(400)
    window.grab().save(str(out / "index-dark.png"))
    window.view.show_shortcuts().grab().save(str(out / "keyboard-shortcuts.png"))
    window.view.set_theme("light")
    settle()


def until(done: object, ms: int = 10_000) -> None:
    """Let the window work until `done()` (or `ms` have passed)."""
    for _ in range(ms // 50):
        if done():  # type: ignore[operator]
            return
        settle(50)


def files_tab(window: MainWindow, registry: Registry, out: Path) -> None:
    """The Files tab: the whole image as a tree with its wasted space, one layer's table, and a
    text file previewed (an image of three layers: overwrite, whiteout, opaque folder)."""
    from tests.rig.layers import layer, push_layers_image, whiteout_layers

    base, one, two = whiteout_layers()
    blobs = [layer(base, "gzip"), layer(one, "zstd"), layer(two, "none")]
    pushed = push_layers_image(registry, "demo/layers", "three", blobs)
    window.inspect_text(pushed.reference)
    wait_for(window.inspected)
    inspector = window.inspector
    panel = inspector.files
    inspector.tabs.setCurrentWidget(panel)
    until(lambda: panel.files.fs is not None and not panel.files.busy)
    panel.tree.expandToDepth(0)
    settle()
    window.grab().save(str(out / "files-whole-image.png"))
    inspector.show_files(1)
    settle()
    window.grab().save(str(out / "files-one-layer.png"))
    inspector.show_files(2)
    table = panel.table
    table.setCurrentIndex(table.model().index(0, 0))  # etc/os-release
    dialog = panel.preview_selected()
    assert dialog is not None
    until(lambda: dialog.shown is not None)
    dialog.grab().save(str(out / "files-preview.png"))
    dialog.close()
    inspector.tabs.setCurrentIndex(0)
    settle()


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv)
    app.setApplicationName("ACR Desktop")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "ts").mkdir()
        token_server = TokenServer(Path(tmp) / "ts")
        (Path(tmp) / "reg").mkdir()
        registry = Registry(Path(tmp) / "reg", "token", token_server).start()
        try:
            registry.content = push_all(registry.url, registry.push_headers())
            settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
            store = CredentialStore(backend=keyring.backends.fail.Keyring())
            window = MainWindow(preferences=Preferences(settings), store=store)
            window.resize(1280, 800)
            window.show()
            settle()
            window.grab().save(str(out / "empty.png"))
            window.inspect_text(f"{registry.host}/public/hello:latest")
            wait_for(window.inspected)
            settle()
            window.grab().save(str(out / "image.png"))
            from acr_desktop.registry.auth import Credentials
            from tests.rig import ALICE_PASSWORD, ALICE_USER

            store.session_only(registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
            window.preferences.set_username(registry.host, ALICE_USER)
            window.navigator.load_repositories(registry.host)
            settle(600)
            window.navigator.load_tags("test/app")
            settle(600)
            window.inspect_text(f"{registry.host}/test/app:index")
            wait_for(window.inspected)
            settle()
            window.grab().save(str(out / "index.png"))
            window.inspector.layers.selectRow(1)
            settle()
            window.grab().save(str(out / "layer-selected.png"))
            window.inspector.tabs.setCurrentIndex(1)
            settle()
            window.grab().save(str(out / "config.png"))
            window.inspector.tabs.setCurrentIndex(2)
            settle()
            window.grab().save(str(out / "history.png"))
            window.inspector.tabs.setCurrentIndex(0)
            window.inspect_text(f"{registry.host}/test/app:nope")
            wait_for(window.failed)
            settle(300)
            window.grab().save(str(out / "error.png"))
            dialog = window.sign_in_dialog or window.open_sign_in(None)
            settle()
            dialog.grab().save(str(out / "credentials.png"))
            dialog.reject()
            files_tab(window, registry, out)
            small_and_dark(window, registry, out)
            window.close()
        finally:
            registry.stop()
            token_server.stop()
    print(f"wrote {len(list(out.glob('*.png')))} screenshots to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
