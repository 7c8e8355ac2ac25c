"""What listing a layer costs in this process, without a network: the tar reader alone, then
decompression + reader, then the whole LayerStream pipeline (both digests checked), side by side
with `tar -tvzf` (or `zstd -dc | tar -tv`) of the same bytes from a temp file.

Layers (deterministic, built in memory by tests/rig/layers.py):
  debian      debian_like(30,000 entries, --content-mib of data; ~100 MB gzip at the default)
  million     million_entries(1,000,000 empty files), gzip

Columns (median of --repeat runs, seconds and µs per entry):
  reader      TarReader over the uncompressed bytes in memory (io.BytesIO.read)
  decode      + decompression (layer_decode.decoder over the compressed bytes in memory)
  stream      + LayerStream: compressed sha256/size, uncompressed sha256 (diff_id), finish()
  tar -tv     `tar -tvzf FILE > /dev/null` (zstd: `zstd -dc FILE | tar -tv`), a new process
  ratio       stream / tar -tv (the issue's target: ≤ 1.25)

Run from the repo root:  .venv/bin/python benchmarks/tar_reader_bench.py [--repeat 3]
  [--layers debian,million] [--formats gzip,zstd] [--package-root DIR] [--json OUT]
`--package-root DIR` measures another copy of the package (say `git archive HEAD acr_desktop |
tar -x -C /tmp/orig`, then DIR=/tmp/orig), for before/after figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _paths(package_root: str | None) -> None:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    if package_root:
        sys.path.insert(0, str(Path(package_root).resolve()))


def _median_seconds(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


def _reader_only(raw: bytes) -> int:
    from acr_desktop.registry.tar_reader import TarReader

    reader = TarReader(io.BytesIO(raw).read)
    for _ in reader:
        pass
    return reader.count


def _decode_and_read(blob: bytes) -> int:
    from acr_desktop.registry.layer_decode import decoder
    from acr_desktop.registry.tar_reader import TarReader

    source = io.BytesIO(blob)
    _, decoded = decoder(source.read(4), source.read)
    reader = TarReader(decoded.read)
    for _ in reader:
        pass
    while decoded.read(1024 * 1024):  # as finish() drains: to the end of the compressed bytes
        pass
    return reader.count


class _Body:
    """An in-memory stand-in for a registry's BodyStream."""

    host = "bench.invalid"

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.length = len(data)

    def read(self, n: int) -> bytes:
        return self._data.read(n)

    def close(self) -> None:
        pass


def _stream(blob: bytes, diff_id: str, media_type: str) -> int:
    import hashlib

    from acr_desktop.registry.layer_stream import LayerSource, LayerStream
    from acr_desktop.registry.manifest import Descriptor
    from acr_desktop.registry.reference import Reference
    from acr_desktop.registry.tar_reader import TarReader

    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    descriptor = Descriptor(media_type=media_type, digest=digest, size=len(blob))
    source = LayerSource(Reference("bench.invalid", "bench"), descriptor, diff_id, 0)
    stream = LayerStream(_Body(blob), source, None)  # type: ignore[arg-type]
    reader = TarReader(stream.read)
    for _ in reader:
        pass
    integrity = stream.finish()
    assert integrity.digest_verified and integrity.diff_id_status == "verified", integrity
    return reader.count


def _tar_tv(blob: bytes, compression: str) -> int:
    with tempfile.NamedTemporaryFile(suffix=".layer") as file:
        file.write(blob)
        file.flush()
        if compression == "gzip":
            command = f"tar -tvzf {file.name}"
        else:
            command = f"zstd -dc {file.name} | tar -tv"
        out = subprocess.run(
            ["sh", "-c", command], check=True, capture_output=True
        ).stdout  # counted, so the lines are really written (not to /dev/null)
        return out.count(b"\n")


def _layers(names: list[str], content_mib: int) -> dict[str, bytes]:
    import zlib

    from tests.rig import layers as rig

    raws: dict[str, bytes] = {}
    if "debian" in names:
        raws["debian"] = rig.debian_like(30_000, total_size=content_mib * rig.MiB)
    if "million" in names:
        raws["million"] = zlib.decompress(rig.million_entries().data, 31)
    return raws


def measure(name: str, raw: bytes, compression: str, repeat: int) -> dict[str, Any]:
    import hashlib

    from tests.rig import layers as rig

    blob = rig.compress(raw, compression)  # type: ignore[arg-type]
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    media_type = rig.media_type(compression)  # type: ignore[arg-type]
    reader, count = _median_seconds(lambda: _reader_only(raw), repeat)
    decode, _ = _median_seconds(lambda: _decode_and_read(blob), repeat)
    stream, _ = _median_seconds(lambda: _stream(blob, diff_id, media_type), repeat)
    tar, tar_lines = _median_seconds(lambda: _tar_tv(blob, compression), repeat)
    assert tar_lines == count, (tar_lines, count)
    return {
        "layer": name,
        "compression": compression,
        "entries": count,
        "tar_mb": len(raw) / 1e6,
        "blob_mb": len(blob) / 1e6,
        "reader_s": reader,
        "decode_s": decode,
        "stream_s": stream,
        "tar_tv_s": tar,
        "ratio": stream / tar,
    }


def table(results: list[dict[str, Any]]) -> str:
    head = (
        f"{'layer':<8} {'comp':<5} {'entries':>9} {'blob MB':>8} "
        f"{'reader':>15} {'decode':>15} {'stream':>15} {'tar -tv':>15} {'ratio':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        per = 1e6 / r["entries"]

        def cell(seconds: float, per: float = per) -> str:
            return f"{seconds:6.2f}s {seconds * per:5.1f}µs"

        lines.append(
            f"{r['layer']:<8} {r['compression']:<5} {r['entries']:>9,} {r['blob_mb']:>8.1f} "
            f"{cell(r['reader_s'])} {cell(r['decode_s'])} {cell(r['stream_s'])} "
            f"{cell(r['tar_tv_s'])} {r['ratio']:>6.2f}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--layers", default="debian,million")
    parser.add_argument("--formats", default="gzip,zstd", help="for debian (million: gzip)")
    parser.add_argument("--content-mib", type=int, default=135, help="debian's file content")
    parser.add_argument("--package-root", help="measure the acr_desktop package under this dir")
    parser.add_argument("--json", metavar="OUT", help="also write the figures to this file")
    opts = parser.parse_args()
    _paths(opts.package_root)
    import acr_desktop

    print(f"package: {Path(acr_desktop.__file__).parent}", file=sys.stderr)
    raws = _layers(opts.layers.split(","), opts.content_mib)
    results = []
    for name, raw in raws.items():
        formats = opts.formats.split(",") if name == "debian" else ["gzip"]
        for compression in formats:
            results.append(measure(name, raw, compression, opts.repeat))
            print(table(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(table(results))
    figures = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "results": results}
    if opts.json:
        Path(opts.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
