"""Browse benchmark: 10,000 tags over 10 pages from a loopback server into the window's navigator,
then 1,000,000 tags over 1,000 pages (the cap); then the lazy optional columns (digest,
platforms, download size) for the rows in view of 500 tags with real manifests and configs.

Reports time until the first page is visible and until all tags are filterable (version order
computed), the UI heartbeat's longest gap while loading and while typing a filter (until each
filter has walked the whole list), and for the big list the memory it holds above the empty
window (RSS after loading minus RSS before; and the peak). Figures, not assertions.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/tags_bench.py [--tags 10000] [--page 1000]
    ... --big 100000 --code /tmp/orig_ui     # another checkout's acr_desktop (before/after)
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "--code" in sys.argv:  # must come first: acr_desktop is imported below
    sys.path.insert(0, sys.argv[sys.argv.index("--code") + 1])

import keyring.backends.fail  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from acr_desktop.credentials import CredentialStore  # noqa: E402
from acr_desktop.ui.main_window import MainWindow  # noqa: E402

try:
    from acr_desktop.ui.preferences import Preferences
except ImportError:  # a checkout from before the one preferences owner
    Preferences = None  # type: ignore[assignment,misc]
from tests.rig import FakeRequest, FakeServer  # noqa: E402


class Heartbeat:
    """A 5 ms timer on the UI thread; the longest gap between ticks is the longest freeze."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self) -> Heartbeat:
        self.ticks = [time.perf_counter()]
        self.timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.timer.stop()
        self.ticks.append(time.perf_counter())

    @property
    def worst_ms(self) -> float:
        return max(b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)) * 1000


def spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(cond: object, timeout_s: float = 60) -> float:
    start = time.perf_counter()
    while not cond():  # type: ignore[operator]
        if time.perf_counter() - start > timeout_s:
            raise TimeoutError
        spin(1)
    return time.perf_counter()


def serve(server: FakeServer, names: list[str], page: int) -> None:
    position = {name: i for i, name in enumerate(names)}

    def tags(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        last = req.query.get("last", [None])[0]
        start = position[last] + 1 if last else 0
        chunk = names[start : start + page]
        headers = {"Content-Type": "application/json"}
        if start + page < len(names):
            headers["Link"] = f'</v2/r/tags/list?n={page}&last={chunk[-1]}>; rel="next"'
        return 200, headers, json.dumps({"name": "r", "tags": chunk}).encode()

    server.reply("GET", r"/acr/v1/.*", 404, {}, b"404 page not found")
    server.route("GET", r"/v2/r/tags/list", tags)


def serve_generated(server: FakeServer, total: int, page: int) -> None:
    """`total` tags named `major.minor`, made page by page (the server keeps no list)."""

    def name(i: int) -> str:
        return f"{i // 1000}.{i % 1000}"

    def tags(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        last = req.query.get("last", [None])[0]
        start = 0
        if last:
            major, minor = last.split(".")
            start = int(major) * 1000 + int(minor) + 1
        end = min(start + page, total)
        headers = {"Content-Type": "application/json"}
        if end < total:
            headers["Link"] = f'</v2/r/tags/list?n={page}&last={name(end - 1)}>; rel="next"'
        body = json.dumps({"name": "r", "tags": [name(i) for i in range(start, end)]})
        return 200, headers, body.encode()

    server.reply("GET", r"/acr/v1/.*", 404, {}, b"404 page not found")
    server.route("GET", r"/v2/r/tags/list", tags)


def serve_images(server: FakeServer, total: int) -> dict[str, int]:
    """`total` tags (1.0 …), each an OCI image with its own config; counts requests in flight."""
    oci, cfg_type = (
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.config.v1+json",
    )
    blobs: dict[str, bytes] = {}
    manifests: dict[str, bytes] = {}
    for i in range(total):
        config = (
            json.dumps(
                {
                    "architecture": "amd64",
                    "os": "linux",
                    "created": "2024-01-02T03:04:05Z",
                    "rootfs": {"type": "layers", "diff_ids": []},
                }
            ).encode()
            + b" " * i
        )
        cdigest = "sha256:" + hashlib.sha256(config).hexdigest()
        blobs[cdigest] = config
        layer = {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:" + f"{i:064x}",
            "size": 1_000_000 + i,
        }
        body = {
            "schemaVersion": 2,
            "mediaType": oci,
            "layers": [layer],
            "config": {"mediaType": cfg_type, "digest": cdigest, "size": len(config)},
        }
        manifests[f"1.{i}"] = json.dumps(body).encode()
    stats = {"in_flight": 0, "peak": 0, "requests": 0}
    lock = threading.Lock()

    def counted(answer: bytes | None, media: str) -> tuple[int, dict[str, str], bytes]:
        with lock:
            stats["in_flight"] += 1
            stats["requests"] += 1
            stats["peak"] = max(stats["peak"], stats["in_flight"])
        time.sleep(0.002)  # a little latency, so that requests overlap
        with lock:
            stats["in_flight"] -= 1
        if answer is None:
            return 404, {}, b""
        return 200, {"Content-Type": media}, answer

    server.route(
        "GET",
        r"/v2/r/manifests/.*",
        lambda req: counted(manifests.get(req.path.rsplit("/", 1)[1]), oci),
    )
    server.route(
        "GET",
        r"/v2/r/blobs/.*",
        lambda req: counted(blobs.get(req.path.rsplit("/", 1)[1]), "application/octet-stream"),
    )
    return stats


def details_run(window: MainWindow, server: FakeServer, total: int) -> dict[str, float]:
    """The optional columns: rows in view filled after the list is in, then after a jump."""
    from acr_desktop.ui import tag_details

    pane = window.navigator.tag_pane
    for key in ("digest", "platforms", "size"):
        pane.show_column(key, True)
    serve(server, [f"1.{i}" for i in range(total)], 1000)
    stats = serve_images(server, total)
    nav = window.navigator
    nav.registry = server.host

    def filled() -> bool:
        busy = pane.runner.is_busy(tag_details.CHANNEL) or pane.details.timer.isActive()
        return not busy and not pane.details.wanted()[0]

    with Heartbeat() as beat:
        nav.load_tags("r")
        listed = wait_until(lambda: nav.tags_model.total() == total and not pane.busy)
        first = wait_until(filled) - listed
        first_requests = stats["requests"]
        pane.table.scrollTo(nav.tags_model.index(total // 2, 0))
        jumped = time.perf_counter()
        spin(20)
        middle = wait_until(filled) - jumped
    return {
        "view_filled_ms": first * 1000,
        "after_jump_ms": middle * 1000,
        "requests_first_view": first_requests,
        "requests_in_all": stats["requests"],
        "rows_in_view": len(pane.details.rows_in_view()),
        "peak_in_flight": stats["peak"],
        "worst_gap_ms": beat.worst_ms,
    }


def columns_off(window: MainWindow) -> None:
    pane = window.navigator.tag_pane
    for key in ("digest", "kind", "platforms", "size", "created", "aliases"):
        if hasattr(pane, "show_column"):  # a checkout from before the optional columns: none
            pane.show_column(key, False)


def details_figure(window: MainWindow, server: FakeServer, total: int) -> dict[str, float] | None:
    if not hasattr(window.navigator.tag_pane, "show_column"):
        return None
    window.navigator.tags_model.clear()
    server.reset()
    return details_run(window, server, total)


def print_details(details: dict[str, float] | None, total: int) -> None:
    if details is None:
        return
    print(f"Optional columns (digest, platforms, size) over {total:,} tags:")
    for key, value in details.items():
        unit = " ms" if key.endswith("_ms") else ""
        print(f"  {key:<24} {value:8.1f}{unit}" if unit else f"  {key:<24} {value:8,.0f}")


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def settle_filter(nav: object) -> None:
    """Wait until the filter has walked the whole list (the model filters in slices)."""
    model = nav.tags_model  # type: ignore[attr-defined]
    wait_until(lambda: not getattr(model, "filtering", False), 120)


def run_once(window: MainWindow, server: FakeServer, total: int) -> dict[str, float]:
    nav = window.navigator
    nav.registry = server.host
    with Heartbeat() as loading:
        start = time.perf_counter()
        nav.load_tags("r")
        first = wait_until(lambda: nav.tags_model.rowCount() > 0)
        done = wait_until(
            lambda: nav.tags_model.total() == total and "Loading" not in nav.tag_status.text(),
            3600,
        )
    filtered = []
    with Heartbeat() as typing:
        for text in ("1", "1.", "1.9", "1.99", "1.99*", "*9", ""):
            typed = time.perf_counter()
            nav.tag_filter.setText(text)
            spin(80)  # typing is debounced (60 ms)
            settle_filter(nav)
            filtered.append(time.perf_counter() - typed)
    return {
        "first_page_ms": (first - start) * 1000,
        "all_filterable_ms": (done - start) * 1000,
        "worst_gap_loading_ms": loading.worst_ms,
        "worst_gap_typing_ms": typing.worst_ms,
        "slowest_filter_ms": max(filtered) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tags", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big", type=int, default=1_000_000, help="tags for the memory figure")
    parser.add_argument("--details", type=int, default=500, help="tags for the columns figure")
    parser.add_argument("--code", type=Path, default=ROOT, help="folder holding acr_desktop/")
    opts = parser.parse_args()
    app = QApplication(sys.argv[:1])
    server = FakeServer()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
            store = CredentialStore(backend=keyring.backends.fail.Keyring())
            if Preferences is not None:
                window = MainWindow(preferences=Preferences(settings), store=store)
            else:
                window = MainWindow(settings, store=store)  # type: ignore[arg-type]
            window.resize(1280, 800)
            window.show()
            spin(100)
            columns_off(window)  # the listing alone, as before the optional columns
            serve(server, [f"1.{i}" for i in range(opts.tags)], opts.page)
            runs = [run_once(window, server, opts.tags) for _ in range(opts.runs)]
            window.navigator.tags_model.clear()
            window.navigator.tag_filter.setText("")
            spin(300)
            gc.collect()
            before, peak_before = rss_mib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            server.reset()
            serve_generated(server, opts.big, 1000)
            big = run_once(window, server, opts.big)
            gc.collect()
            after, peak = rss_mib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            status = window.navigator.tag_status.text()
            details = details_figure(window, server, opts.details)
            window.close()
    finally:
        server.stop()
    print(
        f"{opts.tags:,} tags over {opts.tags // opts.page} pages, "
        f"{opts.runs} runs (median / worst):"
    )
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"  {key:<24} {statistics.median(values):8.1f} ms   {max(values):8.1f} ms")
    print(f"{opts.big:,} tags over {opts.big // 1000} pages, one run:")
    for key, value in big.items():
        print(f"  {key:<24} {value:8.1f} ms")
    print(f"  RSS after loading        +{after - before:.1f} MiB above the empty window")
    print(f"  peak RSS                 +{(peak - peak_before) / 1024:.1f} MiB above it")
    print(f"  status                   {status!r}")
    print_details(details, opts.details)
    del app


if __name__ == "__main__":
    main()
