"""Child processes for benchmarks/window_bench.py (not meant to be run by hand).

    _window_child.py app SETTINGS.ini   the app's window, built as acr_desktop.ui.app.run builds it
    _window_child.py bare               a bare PySide6 window (QTableView | QPlainTextEdit)
    _window_child.py inspect            Enter -> layers painted, and plain requests (stdin: JSON)

The launch modes print one JSON line on stdout as soon as the window's first paint pass is
complete, then quit. "Complete" is defined as: an event filter on the top-level window sees its
first QEvent.Paint, and a QTimer.singleShot(0) posted from there runs. Qt paints a top-level window
in one pass (QWidgetRepaintManager::sync): the window's Paint event comes first, then every child
widget's, then the backing store is flushed to the platform window; the posted zero timer runs only
after that whole pass has returned to the event loop, so it marks a frame that has really been
painted and handed to the window system, not just a window that has been asked to show.

Nothing is imported at module level beyond the standard library, so the launch modes pay exactly
for what they use, in the order the app itself imports it.
"""

from __future__ import annotations

import os
import sys
import time

START = time.perf_counter()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

# PySide6 imports typing anyway, but not json: the launch line is written by hand.
from collections.abc import Callable  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
    import requests
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication, QWidget

    from acr_desktop.ui.main_window import MainWindow

SAMPLE_TIMEOUT_MS = 15_000


def maxrss_kib() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _json(value: object) -> str:
    """JSON for the few plain values of a launch line, without importing json."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    raise TypeError(type(value).__name__)


def emit(record: dict[str, Any]) -> None:
    if "json" in sys.modules:
        import json

        line = json.dumps(record)
    else:
        line = "{" + ", ".join(f'"{k}": {_json(v)}' for k, v in record.items()) + "}"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def paint_watcher(widget: QWidget, on_painted: Callable[[float, float], None]) -> QObject:
    """Calls on_painted(paint_event_time, pass_done_time) once, after `widget`'s next paint pass.

    The watcher fires only while armed (`watcher.armed = True`); it disarms itself on the first
    Paint event and posts a zero timer that runs once the whole paint pass has returned.
    """
    from PySide6.QtCore import QEvent, QObject, QTimer

    class Watcher(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.armed = True

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if self.armed and event.type() == QEvent.Type.Paint:
                self.armed = False
                painted = time.perf_counter()
                QTimer.singleShot(0, lambda: on_painted(painted, time.perf_counter()))
            return False

    watcher = Watcher()
    widget.installEventFilter(watcher)
    return watcher


# -- launch ------------------------------------------------------------------------------------
def launch(kind: str, settings_path: str | None) -> int:
    window: QWidget
    if kind == "app":
        assert settings_path is not None
        # As acr_desktop.ui.app.run does it: create_app(qt_args), then create_window's body
        # except for preferences= (a temp file, so the user's settings are not read) and the report
        # hooked onto the first paint. The log file goes to ACR_DESKTOP_LOG_DIR (set by the
        # parent to a temp folder).
        from acr_desktop.ui.app import create_app

        app = create_app([])

        from PySide6.QtCore import QSettings

        from acr_desktop.ui.main_window import MainWindow
        from acr_desktop.ui.preferences import Preferences

        window = MainWindow(
            preferences=Preferences(QSettings(settings_path, QSettings.Format.IniFormat))
        )
    else:
        from PySide6.QtWidgets import (
            QApplication,
            QMainWindow,
            QPlainTextEdit,
            QSplitter,
            QTableView,
        )

        app = QApplication([sys.argv[0]])
        bare = QMainWindow()
        split = QSplitter()
        split.addWidget(QTableView())
        split.addWidget(QPlainTextEdit())
        bare.setCentralWidget(split)
        bare.resize(1200, 760)  # the size MainWindow gives itself without saved geometry
        window = bare

    def painted(paint_event: float, pass_done: float) -> None:
        emit(
            {
                "keyring_at_paint": "keyring" in sys.modules,
                "paint_event_ms": (paint_event - START) * 1e3,
                "pass_done_ms": (pass_done - START) * 1e3,
                "maxrss_kib": maxrss_kib(),
                "modules": len(sys.modules),
                "size": [window.width(), window.height()],
            }
        )
        from PySide6.QtCore import QTimer

        def after_warm_up() -> None:
            # The window's warm-up import is a job on its runner, started 250 ms after it is made.
            runner = getattr(window, "runner", None)
            if runner is not None:
                runner.wait(10_000)
            emit({"keyring_after_warm_up": "keyring" in sys.modules})
            app.quit()

        if "importtime" in sys._xoptions:  # the import table is about the start path only
            app.quit()
        else:
            QTimer.singleShot(400, after_warm_up)

    watcher = paint_watcher(window, painted)
    window.show()
    code = app.exec()
    del watcher
    return code


# -- inspect -----------------------------------------------------------------------------------
class Hits:
    """Every response a requests.Session saw (through its response hook), with its request."""

    def __init__(self) -> None:
        self.items: list[tuple[float, str, str, int, dict[str, str]]] = []

    def hook(self, resp: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        req = resp.request
        headers = {k: str(v) for k, v in req.headers.items()}
        self.items.append(
            (time.perf_counter(), str(req.method), str(req.url), resp.status_code, headers)
        )

    def since(self, mark: int) -> list[tuple[float, str, str, int, dict[str, str]]]:
        return self.items[mark:]


class InspectProbe:
    """Times window.inspect_text(ref) up to the end of the layers table's next paint pass."""

    def __init__(self, app: QApplication, window: MainWindow) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        self.app, self.window = app, window
        self.loop = QEventLoop()
        self.timer = QTimer()
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._timed_out)
        self.watcher = paint_watcher(window.inspector.layers.viewport(), self._painted)
        self.watcher.armed = False  # type: ignore[attr-defined]
        window.inspected.connect(self._inspected)
        window.failed.connect(self._failed)
        self.marks: dict[str, float] = {}
        self.error: str | None = None
        # The moment the job's answer reaches the UI thread: MainWindow._start connects
        # job.returned to `self._inspected`, looked up on the instance, so a wrapper set on the
        # instance sees it first (the class, and so the app's behaviour, is left as it is).
        original = getattr(window, "_inspected", None)
        if callable(original):

            def arrived(ins: object) -> None:
                self.marks.setdefault("result", time.perf_counter())
                original(ins)

            vars(window)["_inspected"] = arrived

    def _inspected(self, _ins: object) -> None:
        self.marks["signal"] = time.perf_counter()
        self.watcher.armed = True  # type: ignore[attr-defined]

    def _painted(self, paint_event: float, pass_done: float) -> None:
        self.marks["paint_event"], self.marks["done"] = paint_event, pass_done
        self.loop.quit()

    def _failed(self, exc: object) -> None:
        self.error = f"{type(exc).__name__}: {exc}"
        self.loop.quit()

    def _timed_out(self) -> None:
        self.error = f"no layers paint within {SAMPLE_TIMEOUT_MS} ms"
        self.loop.quit()

    def run(self, text: str) -> dict[str, float]:
        self.marks, self.error = {}, None
        self.watcher.armed = False  # type: ignore[attr-defined]
        start = time.perf_counter()
        self.marks["start"] = start
        self.window.inspect_text(text)
        self.timer.start(SAMPLE_TIMEOUT_MS)
        self.loop.exec()
        self.timer.stop()
        if self.error is not None:
            raise RuntimeError(f"inspecting {text}: {self.error}")
        return {k: (v - start) * 1e3 for k, v in self.marks.items() if k != "start"}


def inspect_mode() -> int:
    import json

    cfg = json.loads(sys.stdin.read())
    host, user, password = cfg["host"], cfg["username"], cfg["password"]
    refs: list[str] = cfg["refs"]
    samples, warmup = int(cfg["samples"]), int(cfg["warmup"])

    import keyring.backends.fail
    import requests
    from PySide6.QtCore import QEventLoop, QSettings

    from acr_desktop.credentials import CredentialStore
    from acr_desktop.registry.auth import CLIENT_ID, Credentials, repository_scope
    from acr_desktop.registry.mediatypes import MANIFEST_ACCEPT
    from acr_desktop.ui.app import create_app
    from acr_desktop.ui.main_window import MainWindow
    from acr_desktop.ui.preferences import Preferences

    app = create_app([])  # as run() does (log in ACR_DESKTOP_LOG_DIR, a temp folder)
    preferences = Preferences(QSettings(cfg["settings"], QSettings.Format.IniFormat))
    store = CredentialStore(backend=keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    window = MainWindow(preferences=preferences, store=store, client=None)
    window.store.session_only(host, Credentials(user, password))
    preferences.set_username(host, user)

    shown = QEventLoop()
    first_paint = paint_watcher(window, lambda _p, _d: shown.quit())
    window.show()
    shown.exec()
    del first_paint
    rss_at_first_paint = maxrss_kib()

    client = window.client
    app_hits, base_hits = Hits(), Hits()
    client.transport.session.hooks["response"].append(app_hits.hook)
    probe = InspectProbe(app, window)
    base_url = client.transport.base_url(host)

    # First inspect of each ref: challenge, token, imports, first paint of the inspector.
    first: dict[str, dict[str, Any]] = {}
    expected_calls: dict[str, list[str]] = {}
    for ref in refs:
        mark = len(app_hits.items)
        client.cache = type(client.cache)()
        probe.run(f"{host}/{ref}")
        hits = app_hits.since(mark)
        first[ref] = {"requests": [f"{m} {u} -> {s}" for _, m, u, s, _ in hits]}
        ins = window.inspection
        assert ins is not None and ins.image is not None and ins.image_manifest is not None
        repo, tag = ref.split(":", 1)
        urls = [f"{base_url}/v2/{repo}/manifests/{tag}"]
        if ins.index is not None:
            urls.append(f"{base_url}/v2/{repo}/manifests/{ins.image.digest}")
        urls.append(f"{base_url}/v2/{repo}/blobs/{ins.image_manifest.config.digest}")
        expected_calls[ref] = urls
    rss_after_first = maxrss_kib()

    session = requests.Session()  # the baseline's one session, reused like the app's
    session.hooks["response"].append(base_hits.hook)
    scope = frozenset({repository_scope(ref.split(":", 1)[0], "pull") for ref in refs})
    assert len(scope) == 1, "all refs must share a repository (and so one token)"

    def baseline(ref: str) -> tuple[float, int]:
        token = client.transport.tokens.get(host, scope)
        assert token is not None, "the app's token is not cached"
        calls = []
        for url in expected_calls[ref]:
            headers = {"User-Agent": CLIENT_ID, "Authorization": f"Bearer {token.value}"}
            if "/manifests/" in url:
                headers["Accept"] = MANIFEST_ACCEPT
            calls.append((url, headers))
        start = time.perf_counter()
        size = 0
        for url, headers in calls:
            resp = session.get(url, headers=headers, timeout=(5.0, 30.0))
            resp.raise_for_status()
            size += len(resp.content)
        return (time.perf_counter() - start) * 1e3, size

    result: dict[str, Any] = {"first_inspect": first, "refs": {}}
    for ref in refs:
        result["refs"][ref] = {
            "app": [],
            "baseline_ms": [],
            "app_requests": [],
            "baseline_requests": [],
            "calls": expected_calls[ref],
            "app_calls_match": True,
            "headers_match": True,
        }
    for round_no in range(-warmup, samples):
        for ref in refs:
            out = result["refs"][ref]
            pair = ("app", "baseline") if round_no % 2 == 0 else ("baseline", "app")
            for who in pair:
                if who == "app":
                    client.cache = type(client.cache)()  # every sample fetches manifest + config
                    mark = len(app_hits.items)
                    marks = probe.run(f"{host}/{ref}")
                    app_sample = app_hits.since(mark)
                else:
                    mark = len(base_hits.items)
                    elapsed, _size = baseline(ref)
                    base_sample = base_hits.since(mark)
            if round_no < 0:
                continue
            out["app"].append(marks)
            out["baseline_ms"].append(elapsed)
            out["app_requests"].append(len(app_sample))
            out["baseline_requests"].append(len(base_sample))
            app_urls = [(m, u, s) for _, m, u, s, _ in app_sample]
            base_urls = [(m, u, s) for _, m, u, s, _ in base_sample]
            if app_urls != base_urls or [u for _, u, _ in app_urls] != expected_calls[ref]:
                out["app_calls_match"] = False
                out["mismatch"] = {"app": app_urls, "baseline": base_urls}
            if [h for *_, h in app_sample] != [h for *_, h in base_sample]:
                out["headers_match"] = False
                out["header_mismatch"] = {
                    "app": [h for *_, h in app_sample],
                    "baseline": [h for *_, h in base_sample],
                }
    for seen, name in ((app_hits, "app"), (base_hits, "baseline")):
        per_origin: dict[str, int] = {}
        for _, _, url, _, _ in seen.items:
            key = "registry" if url.startswith(base_url) else "other"
            per_origin[key] = per_origin.get(key, 0) + 1
        result[f"{name}_total_requests"] = per_origin
    header_names = sorted(base_hits.items[-1][4]) if base_hits.items else []
    result["request_header_names"] = header_names
    result["maxrss_first_paint_kib"] = rss_at_first_paint
    result["maxrss_after_first_kib"] = rss_after_first
    result["maxrss_end_kib"] = maxrss_kib()
    result["keyring_imported"] = "keyring" in sys.modules
    session.close()
    window.close()
    emit(result)
    return 0


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if argv[:1] == ["app"] and len(argv) == 2:
        return launch("app", argv[1])
    if argv == ["bare"]:
        return launch("bare", None)
    if argv == ["inspect"]:
        return inspect_mode()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
