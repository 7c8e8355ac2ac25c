"""Compare benchmark: two 16-platform indexes of 20 layers each (tests/rig/compare_images.py,
`compare/many` v1 → v2: the top two layers of every platform rebuilt) on a local registry.

Prints registry requests (token requests aside) and times, median of --repeat runs, for:
  cold         a new client: the two tops, 16 + 16 images, 16 + 16 configs
  warm         the same client again: only the two tops (tags may move); every digest cached
  after inspect  a new client that inspected both first (linux/amd64): digests already fetched
               are not asked again
  identical    the same digest on both sides: the two tops, nothing more
  files        --files on a new client (every layer listed, into an empty cache), then again
               from the cache (no layer fetched)
and the cold compare at several `compare.CONCURRENCY` values. Figures, not assertions.

    .venv/bin/python benchmarks/compare_bench.py [--repeat 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from acr_desktop import compare as compare_module  # noqa: E402
from acr_desktop.compare import compare  # noqa: E402
from acr_desktop.inspection import inspect  # noqa: E402
from acr_desktop.registry.client import RegistryClient  # noqa: E402
from acr_desktop.registry.platforms import Platform  # noqa: E402
from acr_desktop.registry.reference import parse_reference  # noqa: E402
from acr_desktop.registry.transport import Transport  # noqa: E402
from tests.rig import compare_images as rig  # noqa: E402
from tests.rig.registry import Registry  # noqa: E402


class Counted:
    """A client whose registry requests are logged (method, path)."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        session = requests.Session()
        session.hooks["response"].append(self._hook)
        self.client = RegistryClient(Transport(session=session, timeout=(5.0, 60.0)))

    def _hook(self, resp: requests.Response, *args: object, **kwargs: object) -> None:
        self.log.append((resp.request.method or "", resp.request.path_url))

    def run(self, left: str, right: str, **options: Any) -> tuple[int, float, int]:
        """(requests, seconds, the most times one path was asked) for one compare."""
        before = len(self.log)
        start = time.perf_counter()
        compare(self.client, parse_reference(left), parse_reference(right), **options)
        seconds = time.perf_counter() - start
        asked = Counter(self.log[before:])
        return len(self.log) - before, seconds, max(asked.values(), default=0)


def median_of(repeat: int, once: Callable[[], tuple[int, float, int]]) -> dict[str, Any]:
    runs = [once() for _ in range(repeat)]
    return {
        "requests": runs[0][0],
        "ms": round(statistics.median(r[1] for r in runs) * 1000, 1),
        "most_asked": max(r[2] for r in runs),
    }


def measure(host: str, repeat: int) -> dict[str, Any]:
    v1, v2 = f"{host}/{rig.MANY_REPO}:v1", f"{host}/{rig.MANY_REPO}:v2"
    rows: dict[str, Any] = {}
    rows["cold"] = median_of(repeat, lambda: Counted().run(v1, v2))
    warm = Counted()
    warm.run(v1, v2)
    rows["warm"] = median_of(repeat, lambda: warm.run(v1, v2))

    def after_inspect() -> tuple[int, float, int]:
        counted = Counted()
        for ref in (v1, v2):
            inspect(counted.client, parse_reference(ref), Platform.parse("linux/amd64"))
        seen = {path for _m, path in counted.log if "sha256:" in path}
        result = counted.run(v1, v2)
        again = [p for _m, p in counted.log[-result[0] :] if p in seen]
        return result[0], result[1], len(again)  # here: digests asked again (want 0)

    rows["after inspect"] = median_of(repeat, after_inspect)
    rows["identical"] = median_of(repeat, lambda: Counted().run(v1, v1))

    def files_cold() -> tuple[int, float, int]:
        os.environ["ACR_DESKTOP_CACHE_DIR"] = tempfile.mkdtemp(prefix="compare-bench-")
        return Counted().run(v1, v2, files=True)

    rows["files, cold"] = median_of(repeat, files_cold)
    rows["files, cached"] = median_of(repeat, lambda: Counted().run(v1, v2))
    rows["one manifest"] = median_of(repeat, lambda: _one_manifest(f"{host}/{rig.MANY_REPO}:v1"))
    concurrency = {}
    for value in (1, 2, 4, 8):
        compare_module.CONCURRENCY = value
        concurrency[value] = median_of(repeat, lambda: Counted().run(v1, v2))["ms"]
    compare_module.CONCURRENCY = 4
    return {"rows": rows, "cold ms by concurrency": concurrency}


def _one_manifest(ref: str) -> tuple[int, float, int]:
    counted = Counted()
    start = time.perf_counter()
    counted.client.get_manifest(parse_reference(ref))
    return len(counted.log), time.perf_counter() - start, 1


def table(figures: dict[str, Any]) -> str:
    lines = [f"{'compare of 16 × 20-layer indexes':<34}{'requests':>9}{'ms':>10}{'max/path':>10}"]
    for name, row in figures["rows"].items():
        lines.append(f"{name:<34}{row['requests']:>9}{row['ms']:>10}{row['most_asked']:>10}")
    lines.append("")
    lines.append("cold compare, ms by CONCURRENCY: " + ", ".join(
        f"{k}: {v}" for k, v in figures["cold ms by concurrency"].items()))  # fmt: skip
    lines.append("(max/path: most times one path was asked in one run; for 'after inspect', "
                 "how many digests the inspects fetched were asked again)")  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", metavar="OUT", help="also write the figures to this file")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        os.environ["ACR_DESKTOP_CACHE_DIR"] = str(Path(work) / "cache")
        registry = Registry(Path(work) / "registry").start()
        try:
            rig.push_compare_images(registry, many=True)
            figures = measure(registry.host, opts.repeat)
        finally:
            registry.stop()
    print(table(figures))
    text = json.dumps({"python": sys.version.split()[0], **figures}, indent=2, default=str)
    if opts.json:
        Path(opts.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
