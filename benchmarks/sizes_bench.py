"""Sizes benchmark: the download size of every platform of a 16-platform index (two shared base
layers, one layer of its own each, one attestation entry) on a local token registry.

Times one manifest fetch (the floor: a child manifest by digest, token already held) against
`sizes.index_sizes` over the 16 children, cold (empty content cache) at several concurrency
values, and warm (every child cached). Medians of N runs; requests counted at the client
(token requests not included). Target: a cold measure within 2x one manifest fetch.
Figures, not assertions.

    .venv/bin/python benchmarks/sizes_bench.py [--runs 15] [--concurrency 1,2,4,6,8,16]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from acr_desktop.registry.auth import Credentials  # noqa: E402
from acr_desktop.registry.client import RegistryClient  # noqa: E402
from acr_desktop.registry.content_cache import ContentCache  # noqa: E402
from acr_desktop.registry.reference import parse_reference  # noqa: E402
from acr_desktop.registry.transport import Transport  # noqa: E402
from acr_desktop.sizes import index_sizes  # noqa: E402
from tests.registry.test_sizes import sixteen  # noqa: E402
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry, TokenServer  # noqa: E402
from tests.rig.content import _push_manifest  # noqa: E402

REPOSITORY = "bench/sizes"


class CountingTransport(Transport):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.count = 0
        self._lock = threading.Lock()

    def request(self, method: str, ctx: Any, path: str, **kw: Any) -> Any:
        with self._lock:
            self.count += 1
        return super().request(method, ctx, path, **kw)


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def run(registry: Registry, runs: int, concurrencies: list[int]) -> None:
    top, images = sixteen(REPOSITORY)
    with requests.Session() as session:
        session.headers.update(registry.push_headers((REPOSITORY,)))
        _push_manifest(session, registry.url, top, "v1", set())
    transport = CountingTransport(timeout=(5.0, 30.0))
    transport.set_credentials(registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    client = RegistryClient(transport)
    ref = parse_reference(f"{registry.host}/{REPOSITORY}:v1")
    fetched = client.get_manifest(ref)  # the token, the connection: warm for everyone
    child = ref.with_digest(images[0].digest)

    rows: list[tuple[str, float, float, float]] = []  # what, median ms, ratio, requests/run

    one: list[float] = []
    before = transport.count
    for _ in range(runs):
        client.cache = ContentCache()
        start = time.perf_counter()
        client.get_manifest(child)
        one.append(time.perf_counter() - start)
    floor = median_ms(one)
    rows.append(("one manifest fetch", floor, 1.0, (transport.count - before) / runs))

    for concurrency in concurrencies:
        times: list[float] = []
        before = transport.count
        for _ in range(runs):
            client.cache = ContentCache()
            start = time.perf_counter()
            result = index_sizes(client, fetched, concurrency=concurrency)
            times.append(time.perf_counter() - start)
            assert len(result.sizes) == 16, result.problems
        ms = median_ms(times)
        rows.append(
            (f"index_sizes cold, concurrency {concurrency}", ms, ms / floor,
             (transport.count - before) / runs)
        )  # fmt: skip

    warm: list[float] = []
    index_sizes(client, fetched)
    before = transport.count
    for _ in range(runs):
        start = time.perf_counter()
        index_sizes(client, fetched)
        warm.append(time.perf_counter() - start)
    ms = median_ms(warm)
    rows.append(("index_sizes warm (cached)", ms, ms / floor, (transport.count - before) / runs))

    print(f"16-platform index on {registry.host}, median of {runs} runs")
    print(f"{'':44}{'median ms':>10}{'x one fetch':>13}{'requests':>10}")
    for what, value, ratio, count in rows:
        print(f"{what:44}{value:>10.2f}{ratio:>13.2f}{count:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--concurrency", default="1,2,4,6,8,16")
    args = parser.parse_args()
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory(prefix="sizes-bench-") as tmp:
        (Path(tmp) / "token").mkdir()
        token_server = TokenServer(Path(tmp) / "token")
        registry = Registry(Path(tmp) / "registry", "token", token_server)
        try:
            registry.start()
            run(registry, args.runs, concurrencies)
        finally:
            registry.stop()
            token_server.stop()


if __name__ == "__main__":
    main()
