"""Time and memory of reading big SBOMs: parse_sbom on generated SPDX 2.3 and CycloneDX 1.5 JSON
documents (Syft-like packages: CPE and purl references, licences, copyright, properties; SPDX with
a relationship per package), plain and as a BuildKit in-toto statement in a DSSE envelope; then
sbom_csv of the result.

Run from the repo root:
    .venv/bin/python benchmarks/sbom_bench.py [--packages 50000] [--repeat 3] [--json PATH]

Time is the best of --repeat runs (a busy machine's pauses left out). Peak memory is measured in
a fresh child process per case that reads the document from a file: tracemalloc's peak of Python
allocations while parsing (the document's bytes not counted), and the child's peak RSS
before and after parsing (before: interpreter, imports and the document's bytes).
"""

from __future__ import annotations

import argparse
import base64
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from acr_desktop.registry.sbom import parse_sbom, sbom_csv  # noqa: E402

KINDS = ("deb", "npm", "pypi", "golang", "maven", "apk")
LICENCES = ("MIT", "Apache-2.0", "GPL-2.0-only", "BSD-3-Clause", "NOASSERTION")


def _row(i: int) -> tuple[str, str, str, str, str]:
    kind = KINDS[i % len(KINDS)]
    name = f"package-{i}-{kind}"
    version = f"{i % 17}.{i % 101}.{i % 7}"
    return kind, name, version, f"pkg:{kind}/example/{name}@{version}", LICENCES[i % len(LICENCES)]


def spdx_document(count: int) -> bytes:
    packages = []
    relationships = []
    for i in range(count):
        kind, name, version, purl, licence = _row(i)
        packages.append({
            "name": name, "SPDXID": f"SPDXRef-Package-{kind}-{name}-{i:x}",
            "versionInfo": version, "supplier": "Organization: Example Maintainers",
            "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
            "sourceInfo": f"acquired package info from installed {kind} database",
            "licenseConcluded": "NOASSERTION", "licenseDeclared": licence,
            "copyrightText": "NOASSERTION",
            "externalRefs": [
                {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
                 "referenceLocator": f"cpe:2.3:a:example:{name}:{version}:*:*:*:*:*:*:*"},
                {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                 "referenceLocator": purl},
            ],
        })  # fmt: skip
        relationships.append({"spdxElementId": "SPDXRef-DOCUMENT",
                              "relatedSpdxElement": packages[-1]["SPDXID"],
                              "relationshipType": "CONTAINS"})  # fmt: skip
    doc = {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": "bench", "documentNamespace": "https://example.com/bench",
        "creationInfo": {"created": "2025-01-02T03:04:05Z", "creators": ["Tool: syft-1.0.0"]},
        "packages": packages, "relationships": relationships,
    }  # fmt: skip
    return json.dumps(doc, separators=(",", ":")).encode()


def cyclonedx_document(count: int) -> bytes:
    components = []
    for i in range(count):
        kind, name, version, purl, licence = _row(i)
        components.append({
            "bom-ref": f"{purl}&package-id={i:016x}", "type": "library", "name": name,
            "version": version, "purl": purl,
            "cpe": f"cpe:2.3:a:example:{name}:{version}:*:*:*:*:*:*:*",
            "licenses": [{"license": {"id": licence}}] if licence != "NOASSERTION" else [],
            "properties": [{"name": "syft:package:type", "value": kind},
                           {"name": "syft:location:0:path", "value": f"/usr/lib/{name}"}],
        })  # fmt: skip
    doc = {
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "metadata": {"timestamp": "2025-01-02T03:04:05Z",
                     "tools": {"components": [{"type": "application", "name": "syft",
                                               "version": "1.0.0"}]}},
        "components": components,
    }  # fmt: skip
    return json.dumps(doc, separators=(",", ":")).encode()


def in_dsse(document: bytes, predicate_type: str) -> bytes:
    statement = json.dumps({
        "_type": "https://in-toto.io/Statement/v0.1", "predicateType": predicate_type,
        "subject": [{"name": "pkg:docker/bench@1", "digest": {"sha256": "ab" * 32}}],
        "predicate": json.loads(document),
    }, separators=(",", ":")).encode()  # fmt: skip
    payload = base64.b64encode(statement).decode()
    return json.dumps({"payloadType": "application/vnd.in-toto+json", "payload": payload,
                       "signatures": []}).encode()  # fmt: skip


CASES: dict[str, Callable[[int], tuple[bytes, str]]] = {
    "SPDX 2.3": lambda n: (spdx_document(n), "application/spdx+json"),
    "CycloneDX 1.5": lambda n: (cyclonedx_document(n), "application/vnd.cyclonedx+json"),
    "SPDX in DSSE": lambda n: (
        in_dsse(spdx_document(n), "https://spdx.dev/Document"),
        "application/vnd.dsse.envelope.v1+json",
    ),
}


def best_time(raw: bytes, media: str, repeat: int) -> tuple[float, float, int]:
    """Best parse time, best CSV time, packages read."""
    parse_times, csv_times = [], []
    packages = 0
    for _ in range(repeat):
        started = time.perf_counter()
        sbom = parse_sbom(raw, media)
        parse_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        sbom_csv(sbom)
        csv_times.append(time.perf_counter() - started)
        packages = len(sbom.packages)
        del sbom
    return min(parse_times), min(csv_times), packages


def peak_rss_mib() -> float:
    """This process's peak resident memory: VmHWM (Linux; ru_maxrss would carry the forking
    parent's peak across exec), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    scale = 2**20 if sys.platform == "darwin" else 2**10  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def child_memory(path: Path, media: str, mode: str) -> dict[str, float]:
    """In this (fresh) process, the document read from `path`: with `mode` "trace",
    tracemalloc's peak while parsing; with "rss", peak RSS before and after (a separate run:
    tracemalloc's own bookkeeping would inflate it)."""
    raw = path.read_bytes()
    if mode == "trace":
        tracemalloc.start()
        sbom = parse_sbom(raw, media)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {"peak_mib": peak / 2**20, "packages": len(sbom.packages)}
    before = peak_rss_mib()
    sbom = parse_sbom(raw, media)
    return {"rss_mib": peak_rss_mib(), "rss_before_mib": before, "packages": len(sbom.packages)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)  # PATH MEDIA-TYPE MODE
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_memory(Path(args.child[0]), args.child[1], args.child[2])))
        return
    results: dict[str, Any] = {}
    for case, build in CASES.items():
        raw, media = build(args.packages)
        parse_s, csv_s, packages = best_time(raw, media, args.repeat)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "sbom.json"
            path.write_bytes(raw)
            memory: dict[str, float] = {}
            for mode in ("trace", "rss"):
                answer = subprocess.run(
                    [sys.executable, __file__, "--child", str(path), media, mode],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                memory |= json.loads(answer.stdout)
        results[case] = {"bytes": len(raw), "packages": packages, "parse_s": parse_s,
                         "csv_s": csv_s, **memory}  # fmt: skip
        print(
            f"{case:14} {len(raw) / 2**20:6.1f} MiB  {packages:,} packages  parse "
            f"{parse_s * 1000:7.0f} ms  csv {csv_s * 1000:5.0f} ms  peak (tracemalloc) "
            f"{memory['peak_mib']:6.1f} MiB  peak RSS {memory['rss_before_mib']:5.1f} → "
            f"{memory['rss_mib']:5.1f} MiB"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
