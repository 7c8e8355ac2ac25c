"""Files inside a layer, side by side with `curl | tar`: one Debian-sized layer (~30,000 entries,
~100 MB compressed) pushed to a local Distribution registry, as gzip and as zstd.

Per format, each measured in its own child process (median of --repeat runs):
  first entry   seconds from `list_layer` called to its first batch of entries (target ≤ 0.3 s)
  full list     seconds for the whole listing, digest and diff_id checked, no cache
  curl | tar    `curl -s URL | tar -tvz` (zstd: `| zstd -dc | tar -tv`) of the same blob
                (target: full list ≤ 1.25 × this)
  CLI           `acr-desktop files REF > /dev/null`, a new process (imports and all)
  peak RSS      of the listing child above its idle baseline (imports done, signed in,
                connection open) (target ≤ 150 MB)
  cached        a second `list_layer` from the on-disk cache, in a new process (target ≤ 0.1 s)

Run from the repo root:  .venv/bin/python benchmarks/files_bench.py [--repeat 3] [--json OUT]
Prints a table, then the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.rig import layers as rig  # noqa: E402
from tests.rig.layers import MiB, PushedImage  # noqa: E402
from tests.rig.registry import Registry  # noqa: E402

# One listing in a child: idle RSS first (everything imported, the manifest fetched), then the
# listing with the time of its first batch, then the peak RSS. With --cached, the layer is read
# from the cache that the first run filled.
CHILD = """
import json, sys, time
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.layer_listing import list_layer
from acr_desktop.registry.layer_stream import layer_sources
from acr_desktop.registry.listing_cache import ListingCache
from acr_desktop.registry.operation import operation
from acr_desktop.registry.reference import parse_reference
import acr_desktop.registry.tar_reader, acr_desktop.registry.layer_decode, zstandard
ref = parse_reference(sys.argv[1])
cached = sys.argv[2] == "cached"
client = RegistryClient()
fetched = client.get_manifest(ref)
source = layer_sources(fetched.reference, fetched.manifest.layers)[0]
def status(key):  # kB; VmHWM is this process's own peak (ru_maxrss counts the parent's too)
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
with open("/proc/self/clear_refs", "w") as f:  # peak := now
    f.write("5")
idle = status("VmRSS")
first = []
start = time.perf_counter()
with operation(timeout=900):
    listing = list_layer(client, source, cache=ListingCache() if cached else None,
                         on_entries=lambda batch: first or first.append(time.perf_counter()))
done = time.perf_counter()
peak = status("VmHWM")
if not cached:  # fill the cache for the next child, outside the timing
    ListingCache().put(listing)
print(json.dumps({"first": first[0] - start if first else None, "full": done - start,
                  "entries": listing.total_entries, "complete": listing.complete,
                  "idle_rss": idle, "grew": peak - idle}))
"""


def child(reference: str, mode: str, cache_dir: Path) -> dict[str, Any]:
    env = os.environ | {"ACR_DESKTOP_CACHE_DIR": str(cache_dir)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, reference, mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
        cwd=REPO,
    )
    if proc.returncode:
        raise RuntimeError(f"listing child failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def timed_shell(command: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(["bash", "-o", "pipefail", "-c", command], check=True, cwd=REPO, env=env)
    return time.perf_counter() - start


def measure(image: PushedImage, compression: str, repeat: int) -> dict[str, Any]:
    url = f"http://{image.registry}/v2/{image.repository}/blobs/{image.layer_digests[0]}"
    untar = "tar -tvz" if compression == "gzip" else "zstd -dc | tar -tv"
    cli = f"{sys.executable} -m acr_desktop files {image.reference} > /dev/null"
    runs: dict[str, list[float]] = {
        k: [] for k in ("first", "full", "curl", "cli", "grew", "cached")
    }
    entries, idle = 0, 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            cold = child(image.reference, "cold", Path(cache))
            warm = child(image.reference, "cached", Path(cache))
        runs["curl"].append(timed_shell(f"curl -sf {url} | {untar} > /dev/null"))
        with tempfile.TemporaryDirectory() as cache:
            env = os.environ | {"ACR_DESKTOP_CACHE_DIR": cache}
            runs["cli"].append(timed_shell(cli, env))
        runs["first"].append(cold["first"])
        runs["full"].append(cold["full"])
        runs["grew"].append(cold["grew"] / 1e6)
        runs["cached"].append(warm["full"])
        entries, idle = cold["entries"], cold["idle_rss"]
    result: dict[str, Any] = {k: statistics.median(v) for k, v in runs.items()}
    result |= {"format": compression, "blob_bytes": image.layers[0].size, "entries": entries,
               "tar_bytes": image.layers[0].uncompressed_size, "idle_rss_mb": idle / 1e6,
               "full_vs_curl": result["full"] / result["curl"], "runs": runs}  # fmt: skip
    return result


ROWS = (
    ("first entry (s)", "first", "{:.3f}", "≤ 0.3"),
    ("full list, core (s)", "full", "{:.2f}", ""),
    ("curl | tar -tv (s)", "curl", "{:.2f}", ""),
    ("full list / curl|tar", "full_vs_curl", "{:.2f}×", "≤ 1.25×"),
    ("acr-desktop files (s)", "cli", "{:.2f}", ""),
    ("peak RSS above idle (MB)", "grew", "{:.0f}", "≤ 150"),
    ("second open, cache (s)", "cached", "{:.3f}", "≤ 0.1"),
)


def table(results: list[dict[str, Any]]) -> str:
    head = f"{'':26}" + "".join(f"{r['format']:>12}" for r in results) + f"{'target':>10}"
    lines = [head]
    for label, key, fmt, target in ROWS:
        cells = "".join(f"{fmt.format(r[key]):>12}" for r in results)
        lines.append(f"{label:26}{cells}{target:>10}")
    for r in results:
        lines.append(
            f"{r['format']}: {r['blob_bytes'] / 1e6:.1f} MB blob, {r['tar_bytes'] / 1e6:.1f} MB "
            f"tar, {r['entries']:,} entries; idle child RSS {r['idle_rss_mb']:.0f} MB"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=30_000, help="entries in the layer")
    parser.add_argument("--content-mib", type=int, default=135, help="bytes of file content")
    parser.add_argument("--formats", default="gzip,zstd")
    parser.add_argument("--json", metavar="OUT", help="also write the figures to this file")
    opts = parser.parse_args()
    raw = rig.debian_like(opts.files, total_size=opts.content_mib * MiB)
    with tempfile.TemporaryDirectory() as work:
        registry = Registry(Path(work) / "registry").start()
        try:
            results = []
            for compression in opts.formats.split(","):
                blob = rig.layer(raw, "zstd" if compression == "zstd" else "gzip")
                image = rig.push_layers_image(registry, "bench/debian", compression, [blob])
                results.append(measure(image, compression, opts.repeat))
        finally:
            registry.stop()
    print(table(results))
    figures = json.dumps({"python": sys.version.split()[0], "results": results}, indent=2)
    print(figures)
    if opts.json:
        Path(opts.json).write_text(figures + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
