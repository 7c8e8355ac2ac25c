"""Time the window: launch to first paint, Enter to layers painted, and peak memory.

Run from the repo root:  .venv/bin/python benchmarks/window_bench.py [--launches N] [--json PATH]

1. Launch to first painted window, against a bare PySide6 window (QMainWindow, a QSplitter with a
   QTableView and a QPlainTextEdit, same 1200x760 size) in the same run. Each sample is a fresh
   Python process (benchmarks/_window_child.py), app and bare alternating after warm-ups; the time
   is wall time in this process from Popen to the child's line on stdout, which the child writes
   once the window's first paint pass is complete (see _window_child.py for how that is detected).
   The app child builds the window as acr_desktop.ui.app.run does (create_app, MainWindow, show)
   with a temp QSettings file and log folder, and reports whether `keyring` was imported by then.
   `python -X importtime` of the app child gives the imports that cost most before the first paint.
2. Enter -> layers painted on the local token registry with a warm token: in one child process,
   window.inspect_text(ref) until the end of the layers table's next paint pass, with the client's
   content cache cleared first so each sample fetches manifest(s) + config; against the same GETs
   (same URLs and request headers, token taken from the app's token cache) sent one after another
   with a plain requests.Session. App and baseline samples are interleaved. Requests are counted by
   a response hook on each session, and checked against the registry's access log and the token
   server's log.
3. Peak memory (ru_maxrss): the app's launch child and the bare child at first paint, and the
   inspect child after showing an image and an index.

Qt runs with QT_QPA_PLATFORM from the environment (offscreen when unset). For a real X server,
prefix the command with  QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x800x24"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from acr_desktop import __version__  # noqa: E402
from benchmarks.inspect_bench import RequestMeter  # noqa: E402
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry, TokenServer, push_all  # noqa: E402

CHILD = Path(__file__).resolve().parent / "_window_child.py"
REFS = ("test/app:oci", "test/app:index")
EXPECTED_REQUESTS = {"test/app:oci": 2, "test/app:index": 3}  # warm token: no 401, no token
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")
MiB = 1024.0  # ru_maxrss is in KiB


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[8] if len(xs) > 1 else xs[0]


def child_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["ACR_DESKTOP_LOG_DIR"] = str(tmp / "logs")  # the app's log file, not in the user's folder
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


# -- 1. launch -----------------------------------------------------------------------------------
@dataclass
class Launches:
    wall_ms: list[float] = field(default_factory=list)  # Popen -> "painted" line, parent clock
    child_ms: list[float] = field(default_factory=list)  # child's own clock from its first line
    maxrss_kib: list[int] = field(default_factory=list)
    keyring_at_paint: set[bool] = field(default_factory=set)
    keyring_after_warm_up: set[bool] = field(default_factory=set)
    size: list[int] = field(default_factory=list)


def launch_once(kind: str, tmp: Path, number: int, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """One child; returns its first line plus wall time, its later lines, and its stderr."""
    args = ["app", str(tmp / f"settings-{number}.ini")] if kind == "app" else ["bare"]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *extra, str(CHILD), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(tmp),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        wall = (time.perf_counter() - start) * 1e3
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0 or not line:
        raise RuntimeError(f"{kind} child exited {proc.returncode}: {err.decode()[-1500:]}")
    first = json.loads(line)
    later = [json.loads(x) for x in rest.decode().splitlines() if x.strip()]
    return {"wall_ms": wall, "first": first, "later": later, "stderr": err.decode()}


def bench_launch(runs: int, warmup: int, tmp: Path) -> dict[str, Launches]:
    results = {"bare": Launches(), "app": Launches()}
    number = 0
    for round_no in range(-warmup, runs):
        order = ("app", "bare") if round_no % 2 == 0 else ("bare", "app")
        for kind in order:
            number += 1
            out = launch_once(kind, tmp, number)
            if round_no < 0:
                continue
            res, first = results[kind], out["first"]
            res.wall_ms.append(out["wall_ms"])
            res.child_ms.append(first["pass_done_ms"])
            res.maxrss_kib.append(first["maxrss_kib"])
            res.keyring_at_paint.add(first["keyring_at_paint"])
            res.size = first["size"]
            for later in out["later"]:
                if "keyring_after_warm_up" in later:
                    res.keyring_after_warm_up.add(later["keyring_after_warm_up"])
    return results


def import_times(kind: str, tmp: Path, runs: int) -> dict[str, tuple[float, float, int]]:
    """Module -> (median self ms, median cumulative ms, nesting level) over `runs` children."""
    seen: dict[str, list[tuple[int, int, int]]] = {}
    for number in range(runs):
        out = launch_once(kind, tmp, 10_000 + number, ("-X", "importtime"))
        for line in out["stderr"].splitlines():
            match = IMPORT_LINE.match(line)
            if match:
                own, cumulative, indent, name = match.groups()
                seen.setdefault(name, []).append((int(own), int(cumulative), len(indent) // 2))
    return {
        name: (
            median([v[0] / 1e3 for v in vals]),
            median([v[1] / 1e3 for v in vals]),
            vals[0][2],
        )
        for name, vals in seen.items()
    }


# -- 2. inspect ----------------------------------------------------------------------------------
def bench_inspect(
    registry: Registry, token_server: TokenServer, samples: int, warmup: int, tmp: Path
) -> dict[str, Any]:
    meter = RequestMeter(registry, token_server)
    meter.take()  # the push is nobody's
    cfg = {
        "host": registry.host,
        "username": ALICE_USER,
        "password": ALICE_PASSWORD,
        "refs": list(REFS),
        "samples": samples,
        "warmup": warmup,
        "settings": str(tmp / "inspect-settings.ini"),
    }
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), "inspect"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(tmp),
    )
    try:
        out, err = proc.communicate(json.dumps(cfg).encode(), timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"inspect child exited {proc.returncode}: {err.decode()[-3000:]}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    reg, tok, unauthorized = meter.take()
    result["server_log"] = {
        "registry_requests": sum(reg.values()),
        "registry_401": unauthorized,
        "token_requests": sum(tok.values()),
    }
    return result


# -- report --------------------------------------------------------------------------------------
def report_launch(res: dict[str, Launches], runs: int, warmup: int, platform: str) -> list[str]:
    bare, app = median(res["bare"].wall_ms), median(res["app"].wall_ms)
    lines = [
        f"1. Launch -> first painted window (QT_QPA_PLATFORM={platform}), fresh process per "
        f"sample, {runs} per kind after {warmup} warm-ups each, alternating",
    ]
    head = (
        f"   {'window':<34} {'median ms':>9} {'p90 ms':>8} {'/bare':>6}  {'in-child ms':>11}  "
        f"{'ru_maxrss MiB':>13}  keyring at paint / after warm-up"
    )
    lines += [head, "   " + "-" * (len(head) - 3)]
    for kind, label in (("bare", "bare PySide6 (table | text)"), ("app", "ACR Desktop MainWindow")):
        r = res[kind]
        med = median(r.wall_ms)
        kr = "/".join(str(sorted(s)) for s in (r.keyring_at_paint, r.keyring_after_warm_up))
        lines.append(
            f"   {label:<34} {med:>9.1f} {p90(r.wall_ms):>8.1f} {med / bare:>5.2f}x  "
            f"{median(r.child_ms):>11.1f}  {median([m / MiB for m in r.maxrss_kib]):>13.1f}  "
            f"{kr if kind == 'app' else '-'}"
        )
    lines.append(
        f"   ratio app/bare (medians): {app / bare:.2f}x  (aim <= 1.5x); app - bare = "
        f"{app - bare:.1f} ms. in-child ms: from the child's first line to the paint pass."
    )
    return lines


def report_imports(
    app: dict[str, tuple[float, float, int]], bare: dict[str, tuple[float, float, int]], runs: int
) -> list[str]:
    lines = [
        f"   python -X importtime, app child, top 10 cumulative (median of {runs} runs; "
        "'bare' = the bare child imports it too)"
    ]
    head = f"   {'module':<44} {'cumulative ms':>13} {'self ms':>8}  {'level':>5}  bare"
    lines += [head, "   " + "-" * (len(head) - 3)]
    ranked = sorted(app.items(), key=lambda kv: kv[1][1], reverse=True)[:10]
    for name, (own, cumulative, level) in ranked:
        lines.append(
            f"   {name:<44} {cumulative:>13.1f} {own:>8.1f}  {level:>5}  "
            f"{'yes' if name in bare else 'no'}"
        )
    own_app = sum(v[0] for v in app.values())
    own_bare = sum(v[0] for v in bare.values())
    top_app = [(n, v) for n, v in app.items() if v[2] == 0]
    lines.append(
        f"   all imports: app {own_app:.1f} ms ({len(app)} modules), bare {own_bare:.1f} ms "
        f"({len(bare)} modules); app-only top-level imports: "
        + ", ".join(
            f"{n} {v[1]:.0f} ms"
            for n, v in sorted(top_app, key=lambda kv: kv[1][1], reverse=True)
            if n not in bare and v[1] >= 1.0
        )
    )
    return lines


def report_inspect(data: dict[str, Any], samples: int, warmup: int) -> list[str]:
    lines = [
        f"2. Enter -> layers painted, local token registry, warm token, {samples} samples each "
        f"after {warmup} warm-up rounds, app and requests interleaved",
    ]
    head = (
        f"   {'ref':<16} {'what':<34} {'median ms':>9} {'p90 ms':>8} {'/requests':>9}  "
        f"{'HTTP req/inspect':>16}"
    )
    lines += [head, "   " + "-" * (len(head) - 3)]
    for ref in REFS:
        r = data["refs"][ref]
        base = median(r["baseline_ms"])
        rows: list[tuple[str, list[float], list[int] | None]] = [
            ("app: result reaches UI thread", [s["result"] for s in r["app"]], None),
            ("app: shown (inspected signal)", [s["signal"] for s in r["app"]], None),
            ("app: layers painted (total)", [s["done"] for s in r["app"]], r["app_requests"]),
            ("plain requests, same GETs", r["baseline_ms"], r["baseline_requests"]),
        ]
        for number, (what, xs, reqs) in enumerate(rows):
            counts = "/".join(str(k) for k in sorted(Counter(reqs))) if reqs is not None else ""
            lines.append(
                f"   {ref if number == 0 else '':<16} {what:<34} {median(xs):>9.2f} "
                f"{p90(xs):>8.2f} {median(xs) / base:>8.2f}x  {counts:>16}"
            )
        ok = r["app_calls_match"] and r["headers_match"]
        expected = EXPECTED_REQUESTS[ref]
        counts_ok = set(r["app_requests"]) == {expected} == set(r["baseline_requests"])
        lines.append(
            f"   {'':<16} same URLs+headers as the app: {'yes' if ok else 'NO'}; "
            f"{expected} GETs expected: {'yes' if counts_ok else 'NO'}"
        )
    totals, log = data["app_total_requests"], data["server_log"]
    hooked = totals.get("registry", 0) + data["baseline_total_requests"].get("registry", 0)
    lines.append(
        f"   server logs over the whole child: {log['registry_requests']} registry requests "
        f"({log['registry_401']} x 401), {log['token_requests']} token requests; response hooks "
        f"saw {hooked} registry + {totals.get('other', 0)} token-server responses"
    )
    first = "; ".join(f"{ref}: {len(v['requests'])}" for ref, v in data["first_inspect"].items())
    lines.append(f"   first (cold) inspect per ref, requests: {first}")
    return lines


def report_memory(res: dict[str, Launches], data: dict[str, Any]) -> list[str]:
    lines = [
        "3. Peak memory (ru_maxrss). Launch rows: median over the launch children. The inspect "
        "child also imports keyring (fail backend) and has a requests.Session of its own."
    ]
    rows = (
        ("bare PySide6 window, first paint", median([m / MiB for m in res["bare"].maxrss_kib])),
        ("ACR Desktop window, first paint", median([m / MiB for m in res["app"].maxrss_kib])),
        ("inspect child: empty window painted", data["maxrss_first_paint_kib"] / MiB),
        ("inspect child: image + index shown", data["maxrss_after_first_kib"] / MiB),
        ("inspect child: end of the run", data["maxrss_end_kib"] / MiB),
    )
    for what, mib in rows:
        lines.append(f"   {what:<40} {mib:>7.1f} MiB")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--launches", type=int, default=15, help="launches per kind (default 15)")
    parser.add_argument("--launch-warmup", type=int, default=2, help="warm-ups each (default 2)")
    parser.add_argument("--importtime-runs", type=int, default=3, help="default 3")
    parser.add_argument("--inspects", type=int, default=20, help="samples per ref (default 20)")
    parser.add_argument("--inspect-warmup", type=int, default=3, help="warm-up rounds (default 3)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results here")
    opts = parser.parse_args(argv)
    if (
        min(opts.launches, opts.inspects, opts.importtime_runs) < 1
        or min(opts.launch_warmup, opts.inspect_warmup) < 0
    ):
        parser.error("counts must be at least 1 and warm-ups at least 0")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up as on Ctrl+C
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="window-bench-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            launches = bench_launch(opts.launches, opts.launch_warmup, tmp)
            imports_app = import_times("app", tmp, opts.importtime_runs)
            imports_bare = import_times("bare", tmp, opts.importtime_runs)
            (tmp / "token").mkdir()
            token_server = TokenServer(tmp / "token")
            registry = Registry(tmp / "registry", "token", token_server)
            try:
                registry.start()
                registry.content = push_all(registry.url, registry.push_headers())
                inspect = bench_inspect(
                    registry, token_server, opts.inspects, opts.inspect_warmup, tmp
                )
            finally:
                registry.stop()
                token_server.stop()
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
    load_after = os.getloadavg()[0]
    versions = {
        "acr-desktop": __version__,
        "python": sys.version.split()[0],
        "PySide6": _pyside_version(),
    }
    lines = [
        ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; {os.cpu_count()} CPUs, 1-min load average {load_before:.2f} before, "
        + f"{load_after:.2f} after",
        *report_launch(launches, opts.launches, opts.launch_warmup, platform),
        *report_imports(imports_app, imports_bare, opts.importtime_runs),
        "",
        *report_inspect(inspect, opts.inspects, opts.inspect_warmup),
        "",
        *report_memory(launches, inspect),
    ]
    print("\n".join(lines))
    if opts.json:
        meta = {
            "platform": platform,
            "load_average_1min": [load_before, load_after],
            "versions": versions,
            **{"launches": opts.launches, "launch_warmup": opts.launch_warmup},
            **{"inspects": opts.inspects, "inspect_warmup": opts.inspect_warmup},
        }
        launch_data: dict[str, Any] = {
            kind: {
                "wall_ms": r.wall_ms,
                "median_ms": median(r.wall_ms),
                "p90_ms": p90(r.wall_ms),
                "in_child_ms": r.child_ms,
                "maxrss_kib": r.maxrss_kib,
                "keyring_at_paint": sorted(r.keyring_at_paint),
                "keyring_after_warm_up": sorted(r.keyring_after_warm_up),
                "window_size": r.size,
            }
            for kind, r in launches.items()
        }
        launch_data["ratio_app_to_bare"] = median(launches["app"].wall_ms) / median(
            launches["bare"].wall_ms
        )
        ranked = sorted(imports_app.items(), key=lambda kv: kv[1][1], reverse=True)
        doc = {
            "meta": meta,
            "launch": launch_data,
            "importtime_app_top": [
                {
                    "module": n,
                    "cumulative_ms": c,
                    "self_ms": s,
                    "level": lv,
                    "bare_too": n in imports_bare,
                }
                for n, (s, c, lv) in ranked[:25]
            ],
            "inspect": inspect,
        }
        opts.json.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"results written to {opts.json}")
    return 0


def _pyside_version() -> str:
    import PySide6

    return str(PySide6.__version__)


if __name__ == "__main__":
    sys.exit(main())
