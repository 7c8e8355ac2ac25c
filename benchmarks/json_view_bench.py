"""Time the JSON view's longest UI-thread stall on big manifests.

Run from the repo root:
    .venv/bin/python benchmarks/json_view_bench.py [--original PATH] [--compact] [--json PATH]

A JsonView (700x500) in a shown window; documents built like a registry's OCI index (3-space
indentation as ACR and MCR send it; pass --compact for one-line JSON too) of about 445 KiB and
4 MiB. For each step, a 2 ms heartbeat QTimer runs on the UI thread; the step's stall is the
longest gap between ticks from the moment the step starts until the view has settled (text all
in the editor, find scan and descriptor index done, and the next paint pass of the editor's
viewport returned to the event loop). "done" is the time from the step's start to settled.

Steps: show the document (set_document), Exact bytes on and off (with the view scrolled to the
middle, so the place is kept), type a find term a key per 40 ms, highlight_digest of the last
descriptor (after the view was idle, so a worker's index is ready as it would be for a person).

--original PATH runs the same steps, in another process, on a JsonView loaded from PATH (e.g.
`git show HEAD:acr_desktop/ui/json_view.py > /tmp/json_view_orig.py`) and prints both.
Qt runs with QT_QPA_PLATFORM from the environment (offscreen when unset).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SIZES = {"445 KiB": 445 * 1024, "4 MiB": 4 * 1024 * 1024}
TERM = "arm64 v8"
SETTLE_TIMEOUT_S = 120.0


def index_document(target: int, indent: int | None = 3) -> bytes:
    """An OCI index of about `target` bytes: platforms, annotations, digests, some non-ASCII."""

    def digest(kind: str, i: int) -> str:
        return "sha256:" + hashlib.sha256(f"{kind}{i}".encode()).hexdigest()

    entries = []
    per_entry = 665 if indent else 490
    for i in range(max(1, target // per_entry)):
        entries.append(
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "size": 1000 + i,
                "digest": digest("m", i),
                "platform": {"architecture": ("amd64", "arm64", "s390x")[i % 3], "os": "linux"},
                "annotations": {
                    "org.opencontainers.image.ref.name": f"1.{i}.0",
                    "vnd.docker.reference.digest": digest("r", i),
                    "vnd.docker.reference.type": "attestation-manifest",
                    "org.opencontainers.image.description": f"Café ☕ 🐳 build {i} arm64 v8",
                },
            }
        )
    doc: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
    }
    doc["manifests"] = entries
    separators = (",", ": ") if indent else (",", ":")
    return json.dumps(doc, indent=indent, separators=separators, ensure_ascii=False).encode()


def load_view_class(original: str | None) -> Any:
    if original is None:
        from acr_desktop.ui.json_view import JsonView

        return JsonView
    spec = importlib.util.spec_from_file_location("json_view_original", original)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.JsonView


def child(original: str | None, compact: bool) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    view = load_view_class(original)()
    view.resize(700, 500)
    view.show()
    app.processEvents()

    class Painted(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    painted = Painted()
    view.editor.viewport().installEventFilter(painted)

    def idle() -> bool:
        runner = getattr(view, "_runner", None)
        busy = runner is not None and runner.busy
        return not (getattr(view, "loading", False) or getattr(view, "_scan", None) or busy)

    def measure(step: Any, after_ms: float = 0) -> dict[str, float]:
        """Run `step()` from the event loop; stall and done in ms (see the module docstring)."""
        ticks: list[float] = []
        loop = QEventLoop()
        heartbeat = QTimer(interval=2)
        heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
        marks: dict[str, float] = {}
        state = {"paints": 0}

        def start() -> None:
            marks["start"] = time.perf_counter()
            step()
            marks["called"] = time.perf_counter()
            poll.start()

        def check() -> None:
            waited = (time.perf_counter() - marks["start"]) * 1e3 >= after_ms
            if "idle" not in marks and waited and idle():
                marks["idle"] = time.perf_counter()
                state["paints"] = painted.count
                view.editor.viewport().update()
            elif "idle" in marks and painted.count > state["paints"]:
                marks["done"] = time.perf_counter()
                loop.quit()
            if time.perf_counter() - marks["start"] > SETTLE_TIMEOUT_S:
                marks["done"] = time.perf_counter()
                loop.quit()

        poll = QTimer(interval=1)
        poll.timeout.connect(check)
        heartbeat.start()
        QTimer.singleShot(20, start)
        loop.exec()
        poll.stop()
        heartbeat.stop()
        times = [marks["start"]] + [t for t in ticks if t > marks["start"]] + [marks["done"]]
        stall = max(b - a for a, b in itertools.pairwise(times))
        return {
            "stall_ms": stall * 1e3,
            "call_ms": (marks["called"] - marks["start"]) * 1e3,
            "done_ms": (marks["done"] - marks["start"]) * 1e3,
        }

    def quiet(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end or not idle():
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    docs = {name: index_document(size) for name, size in SIZES.items()}
    if compact:
        docs["4 MiB compact"] = index_document(SIZES["4 MiB"], indent=None)
    results: dict[str, Any] = {}
    for name, raw in docs.items():
        row: dict[str, Any] = {"bytes": len(raw)}
        view.exact_toggle.setChecked(False)
        view.clear()
        quiet(0.2)
        row["show"] = measure(lambda raw=raw: view.set_document(raw))
        quiet(0.3)
        bar = view.editor.verticalScrollBar()
        bar.setValue(bar.maximum() // 2)
        quiet(0.2)
        row["exact on"] = measure(view.exact_toggle.click)
        quiet(0.3)
        row["exact off"] = measure(view.exact_toggle.click)
        quiet(0.3)
        view.open_find()
        quiet(0.2)

        def typing() -> None:
            for i, char in enumerate(TERM):
                QTimer.singleShot(40 * i, lambda char=char: view.find_bar.edit.insert(char))

        row["find"] = measure(typing, after_ms=40 * len(TERM))
        row["find_count"] = view.find_bar.count.text()
        view.close_find()
        quiet(0.5)
        last = json.loads(raw)["manifests"][-1]["digest"]
        found: list[bool] = []
        row["digest"] = measure(
            lambda last=last, found=found: found.append(view.highlight_digest(last))
        )
        row["digest_found"] = found[0]
        results[name] = row
    view.close()
    return results


STEPS = ("show", "exact on", "exact off", "find", "digest")


def print_table(runs: dict[str, dict[str, Any]]) -> None:
    names = list(next(iter(runs.values())))
    print(f"{'document':<15} {'step':<10}", end="")
    for who in runs:
        print(f" | {who + ' stall':>14} {'done':>8}", end="")
    print()
    for name in names:
        for step in STEPS:
            print(f"{name:<15} {step:<10}", end="")
            for run in runs.values():
                m = run[name][step]
                print(f" | {m['stall_ms']:>11.0f} ms {m['done_ms']:>5.0f} ms", end="")
            print()
    for who, run in runs.items():
        for name in names:
            r = run[name]
            print(
                f"{who}: {name} ({r['bytes']:,} bytes): find '{TERM}' -> {r['find_count']}, ",
                end="",
            )
            print(f"last descriptor found: {r['digest_found']}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", help="path of an older json_view.py to compare against")
    parser.add_argument("--compact", action="store_true", help="also a one-line 4 MiB document")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        result = child(None if args.child == "-" else args.child, args.compact)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    runs: dict[str, dict[str, Any]] = {}
    who = [("before", args.original)] if args.original else []
    for label, path in [*who, ("after", None)]:
        cmd = [sys.executable, __file__, "--child", path or "-"]
        cmd += ["--compact"] if args.compact else []
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            return 1
        runs[label] = json.loads(out.stdout.strip().splitlines()[-1])
    print_table(runs)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
