"""What the window's supply-chain look costs beside an inspect: requests and time.

Run from the repo root:  .venv/bin/python benchmarks/supply_bench.py [--runs N] [--json PATH]

Starts the test rig (Distribution 2.8 with the ACR-like token server on 127.0.0.1: no referrers
API, so the tag fallback), pushes tests/rig/supply.py's content, signs in as alice, and for the
rig's tags `bare` (nothing attached), `image` (nine referrers, one with its own signature),
`index` (two platforms, BuildKit attestations) and `based` (lifecycle, streaming, base image):

1. Requests of the inspect alone (warm token), then of `supply_report` — what the window runs on
   the worker after the inspection is shown (the referrers tree of the index and of the platform
   shown, the first SBOM read for its package count, the base image's tag looked up) — counted
   by a response hook on the transport's session, by kind (referrers listing and tag fallback,
   manifests, blobs, HEADs).
2. Wall time of each, median of N runs, on a fresh client per run (first: token and all).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from acr_desktop.inspection import inspect  # noqa: E402
from acr_desktop.registry.auth import Credentials  # noqa: E402
from acr_desktop.registry.client import RegistryClient  # noqa: E402
from acr_desktop.registry.reference import parse_reference  # noqa: E402
from acr_desktop.registry.transport import Transport  # noqa: E402
from acr_desktop.supply_report import supply_report  # noqa: E402
from tests.rig.registry import Registry  # noqa: E402
from tests.rig.supply import push_supply  # noqa: E402
from tests.rig.token_server import ALICE_PASSWORD, ALICE_USER, TokenServer  # noqa: E402

NAMES = ("bare", "image", "index", "based")


def client_for(host: str) -> tuple[RegistryClient, list[tuple[str, str]]]:
    calls: list[tuple[str, str]] = []
    session = requests.Session()
    session.hooks["response"].append(
        lambda r, *a, **k: calls.append((r.request.method or "", r.request.path_url))
    )
    transport = Transport(session=session, timeout=(5.0, 30.0))
    transport.set_credentials(host, Credentials(ALICE_USER, ALICE_PASSWORD))
    return RegistryClient(transport), calls


def kind(method: str, path: str) -> str:
    if "/token" in path:
        return "token"
    if "/referrers/" in path:
        return "referrers API"
    if "/manifests/sha256-" in path:
        return "tag fallback (HEAD/GET sha256-… tags)"
    if "/tags/list" in path:
        return "tag list"
    if "/blobs/" in path:
        return "blob"
    return f"manifest {method}"


def measure(host: str, ref_text: str) -> dict[str, Any]:
    client, calls = client_for(host)
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    ins = inspect(client, parse_reference(ref_text), None)
    inspect_s = time.perf_counter() - started
    inspect_calls = list(calls)
    calls.clear()
    started = time.perf_counter()
    report = supply_report(client, ins, today, check=True)
    supply_s = time.perf_counter() - started
    return {
        "inspect_requests": len(inspect_calls),
        "supply_requests": len(calls),
        "supply_by_kind": dict(Counter(kind(m, p) for m, p in calls)),
        "inspect_ms": inspect_s * 1000,
        "supply_ms": supply_s * 1000,
        "summary": report.summary(),
        "nodes": sum(1 for s in report.subjects if s.chain for _ in s.chain.walk()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="supply-bench-"))
    (work / "ts").mkdir()
    (work / "reg").mkdir()
    server = TokenServer(work / "ts")
    registry = Registry(work / "reg", "token", server)
    registry.start()
    try:
        supply = push_supply(registry, "bench/supply")
        results: dict[str, Any] = {}
        for name in NAMES:
            runs = [measure(registry.host, supply.ref(name)) for _ in range(opts.runs)]
            first = runs[0]
            kept = ("inspect_requests", "supply_requests", "supply_by_kind", "summary", "nodes")
            results[name] = {
                **{k: first[k] for k in kept},
                "inspect_ms_median": statistics.median(r["inspect_ms"] for r in runs),
                "supply_ms_median": statistics.median(r["supply_ms"] for r in runs),
            }
            r = results[name]
            print(f"{name:6} inspect {r['inspect_requests']:3} requests "
                  f"{r['inspect_ms_median']:7.1f} ms | supply look {r['supply_requests']:3} "
                  f"requests {r['supply_ms_median']:7.1f} ms, {r['nodes']} nodes | "
                  f"{r['summary']}")  # fmt: skip
            print(f"       supply requests by kind: {r['supply_by_kind']}")
        if opts.json:
            opts.json.write_text(json.dumps(results, indent=2))
    finally:
        registry.stop()
        server.stop()


if __name__ == "__main__":
    main()
