"""Time `acr-desktop inspect` against skopeo, the ACR curl recipe and a bare Python script on a
local token registry.

Run from the repo root:  .venv/bin/python benchmarks/inspect_bench.py [--runs N] [--json PATH]

Starts the test rig (Distribution + ACR-like token server on 127.0.0.1), pushes the test content,
then runs every tool in interleaved rounds (same warm-up for all). Requests are counted at the
servers: token requests from the token server's log, registry requests from the registry's access
log (one combined-format line per request, 401s included), synchronised after each run by a
marker request that is not counted. Not counted: connections that carry no HTTP request, such as
skopeo's first attempt at TLS on the plain-HTTP port before it falls back to http://.

Python tools run with their bytecode cached, as an installed package runs (pip compiles on
install): PYTHONDONTWRITEBYTECODE is dropped and PYTHONPYCACHEPREFIX points into the temporary
folder, so nothing is written into the source tree. `--baseline PATH` times a second acr-desktop
(say, one built from an earlier commit) in the same rounds, for a before/after side by side.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from acr_desktop import __version__  # noqa: E402
from acr_desktop.registry.auth import Credentials  # noqa: E402
from acr_desktop.registry.client import RegistryClient  # noqa: E402
from acr_desktop.registry.reference import parse_reference  # noqa: E402
from acr_desktop.registry.transport import Transport  # noqa: E402
from tests.rig import ACCEPT, ALICE_PASSWORD, ALICE_USER, Registry, TokenServer, push_all  # noqa: E402

TARGET = "test/app:oci"
ACCESS_LINE = re.compile(rb'^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+)[^"]*" (\d{3}) ')
CURL_RECIPE = r"""set -euo pipefail
scope="repository:$REPO:pull"
token=$(curl -fsS -u "$ACR_USER:$ACR_PASSWORD" "$REALM?service=$SERVICE&scope=$scope" \
  | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
curl -fsS -H "Authorization: Bearer $token" -H "Accept: $ACCEPT" \
  "http://$HOST/v2/$REPO/manifests/$TAG"
"""
# The floor for a Python CLI: import requests, fetch the token, fetch the manifest, print it.
BARE_SCRIPT = """import os, sys, requests
e = os.environ
s = requests.Session()
scope = "repository:" + e["REPO"] + ":pull"
r = s.get(e["REALM"], params={"service": e["SERVICE"], "scope": scope},
          auth=(e["ACR_USER"], e["ACR_PASSWORD"]), timeout=30)
r.raise_for_status()
headers = {"Authorization": "Bearer " + r.json()["access_token"], "Accept": e["ACCEPT"]}
m = s.get("http://" + e["HOST"] + "/v2/" + e["REPO"] + "/manifests/" + e["TAG"],
          headers=headers, timeout=30)
m.raise_for_status()
sys.stdout.buffer.write(m.content)
"""
BARE = "bare python + requests"
ACR = "acr-desktop inspect --json"
BASELINE = "baseline inspect --json"
# One run -> (seconds, CPU seconds of the tool's process or None when in-process, digest got).
Runner = Callable[[], tuple[float, float | None, str]]


@dataclass
class Result:
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system, subprocess tools only
    registry: Counter[str] = field(default_factory=Counter)  # method -> requests, all runs
    token: Counter[str] = field(default_factory=Counter)
    unauthorized: int = 0  # registry 401 answers, all runs


class RequestMeter:
    """Counts what the registry and the token server received since the previous `take()`."""

    def __init__(self, registry: Registry, token_server: TokenServer) -> None:
        self.registry, self.token_server = registry, token_server
        self.offset, self.seen, self.seq = 0, 0, 0

    def take(self) -> tuple[Counter[str], Counter[str], int]:
        token_reqs = self.token_server.requests  # logged before the answer: already complete
        token = Counter(r.method for r in token_reqs[self.seen :])
        self.seen = len(token_reqs)
        self.seq += 1
        marker = f"/v2/?bench-sync={self.seq}".encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.registry.port, timeout=5)
        try:
            conn.request("GET", marker.decode())
            conn.getresponse().read()
        finally:
            conn.close()
        registry: Counter[str] = Counter()
        unauthorized = 0
        deadline = time.monotonic() + 5
        with self.registry.stderr_path.open("rb") as log:
            while time.monotonic() < deadline:
                log.seek(self.offset)
                for line in log.read().splitlines(keepends=True):
                    if not line.endswith(b"\n"):
                        break  # half-written: read it again next time
                    self.offset += len(line)
                    match = ACCESS_LINE.match(line)
                    if match is None:
                        continue  # an application log line, not a request
                    if match[2] == marker:
                        return registry, token, unauthorized
                    registry[match[1].decode()] += 1
                    unauthorized += match[3] == b"401"
                time.sleep(0.005)
        raise RuntimeError("the registry access log never showed the marker request")


def subprocess_runner(cmd: list[str], env: dict[str, str], stdin: bytes, json_out: bool) -> Runner:
    def run() -> tuple[float, float | None, str]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env, check=False)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} exited {proc.returncode}: {proc.stderr.decode()[-800:]}")
        if json_out:
            return elapsed, cpu, str(json.loads(proc.stdout)["digest"])
        return elapsed, cpu, "sha256:" + hashlib.sha256(proc.stdout).hexdigest()

    return run


def in_process_runners(host: str) -> tuple[Runner, Runner]:
    """cold: a new Transport each run, as for a new registry; warm: challenge and token cached."""
    ref = parse_reference(f"{host}/{TARGET}")
    creds = Credentials.for_user(ALICE_USER, ALICE_PASSWORD)

    def cold() -> tuple[float, float | None, str]:
        start = time.perf_counter()
        client = RegistryClient(Transport())
        client.transport.set_credentials(ref.registry, creds)
        digest = client.get_manifest(ref).digest
        elapsed = time.perf_counter() - start
        client.transport.session.close()
        return elapsed, None, digest

    warm_client = RegistryClient(Transport())
    warm_client.transport.set_credentials(ref.registry, creds)
    warm_client.get_manifest(ref)  # prime: challenge and token cached from here on

    def warm() -> tuple[float, float | None, str]:
        start = time.perf_counter()
        digest = warm_client.get_manifest(ref).digest
        return time.perf_counter() - start, None, digest

    return cold, warm


@dataclass(frozen=True)
class Clis:
    acr: str  # the acr-desktop to time
    baseline: str | None  # another one, side by side
    pycache: Path  # PYTHONPYCACHEPREFIX for every Python tool


def tools(registry: Registry, token_server: TokenServer, clis: Clis) -> dict[str, Runner]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    env["PYTHONPYCACHEPREFIX"] = str(clis.pycache)
    host, (repo, tag) = registry.host, TARGET.split(":")
    curl_env = {
        **env,
        **{"ACR_USER": ALICE_USER, "ACR_PASSWORD": ALICE_PASSWORD, "REALM": token_server.realm},
        **{"SERVICE": host, "HOST": host, "REPO": repo, "TAG": tag, "ACCEPT": ACCEPT},
    }
    creds = f"{ALICE_USER}:{ALICE_PASSWORD}"
    cold, warm = in_process_runners(host)
    acr_cmd = f"inspect {host}/{TARGET} --username {ALICE_USER} --password-stdin --json"
    skopeo_cmd = f"skopeo inspect --raw --tls-verify=false --creds {creds} docker://{host}/{TARGET}"
    secret = f"{ALICE_PASSWORD}\n".encode()
    runners = {ACR: subprocess_runner([clis.acr, *acr_cmd.split()], env, secret, json_out=True)}
    if clis.baseline:
        cmd = [clis.baseline, *acr_cmd.split()]
        runners[BASELINE] = subprocess_runner(cmd, env, secret, json_out=True)
    return runners | {
        "skopeo inspect --raw": subprocess_runner(skopeo_cmd.split(), env, b"", json_out=False),
        "curl recipe (bash)": subprocess_runner(["bash", "-c", CURL_RECIPE], curl_env, b"", False),
        BARE: subprocess_runner([sys.executable, "-c", BARE_SCRIPT], curl_env, b"", False),
        "in-process get_manifest cold": cold,
        "in-process get_manifest warm": warm,
    }


def per_run(counter: Counter[str], runs: int) -> str:
    return " + ".join(f"{v / runs:g} {k}" for k, v in sorted(counter.items())) or "0"


def bench(
    registry: Registry, token_server: TokenServer, runs: int, warmup: int, clis: Clis, expected: str
) -> dict[str, Result]:
    runners = tools(registry, token_server, clis)
    names = list(runners)
    results = {name: Result() for name in names}
    meter = RequestMeter(registry, token_server)
    meter.take()  # the push and the warm client's priming are nobody's run
    for round_no in range(-warmup, runs):
        shift = round_no % len(names)  # rotate the order so no tool always runs first
        for name in names[shift:] + names[:shift]:
            elapsed, cpu, digest = runners[name]()
            reg, tok, unauthorized = meter.take()
            if digest != expected:
                raise RuntimeError(f"{name} got {digest}, expected {expected}")
            if round_no >= 0:
                res = results[name]
                res.times.append(elapsed)
                if cpu is not None:
                    res.cpu.append(cpu)
                res.registry.update(reg)
                res.token.update(tok)
                res.unauthorized += unauthorized
    return results


def report(results: dict[str, Result], runs: int) -> tuple[str, dict[str, Any]]:
    skopeo = statistics.median(results["skopeo inspect --raw"].times)
    curl = statistics.median(results["curl recipe (bash)"].times)
    head = (
        f"{'tool':<30} {'median ms':>9} {'p90 ms':>8} {'cpu ms':>7} {'/skopeo':>7} {'/curl':>6}  "
        f"{'registry req/run':<17} {'401/run':>7}  token req/run"
    )
    lines, data = [head, "-" * len(head)], {}
    for name, res in results.items():
        med = statistics.median(res.times)
        high = statistics.quantiles(res.times, n=10, method="inclusive")[8]  # p90
        reg, tok = per_run(res.registry, runs), per_run(res.token, runs)
        cpu = f"{statistics.median(res.cpu) * 1e3:.1f}" if res.cpu else "-"
        lines.append(
            f"{name:<30} {med * 1e3:>9.2f} {high * 1e3:>8.2f} {cpu:>7} {med / skopeo:>7.2f} "
            f"{med / curl:>6.2f}  {reg:<17} {res.unauthorized / runs:>7g}  {tok}"
        )
        data[name] = {
            "times_ms": [round(t * 1e3, 3) for t in res.times],
            "cpu_ms": [round(t * 1e3, 3) for t in res.cpu],
            **{"median_ms": med * 1e3, "p90_ms": high * 1e3},
            **{"ratio_to_skopeo": med / skopeo, "ratio_to_curl": med / curl},
            "registry_requests_per_run": {k: v / runs for k, v in res.registry.items()},
            "registry_401_per_run": res.unauthorized / runs,
            "token_requests_per_run": {k: v / runs for k, v in res.token.items()},
        }
    bare, bare_cpu = (statistics.median(results[BARE].times), statistics.median(results[BARE].cpu))
    for name in (ACR, BASELINE):
        if name in results:
            ratio = statistics.median(results[name].times) / bare
            cpu_ratio = statistics.median(results[name].cpu) / bare_cpu
            lines.append(
                f"ratio {name} / {BARE} (medians): {ratio:.2f}x wall (aim <= 1.3x), "
                f"{cpu_ratio:.2f}x cpu"
            )
    return "\n".join(lines), data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per tool (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results here")
    venv_acr = REPO / ".venv" / "bin" / "acr-desktop"
    acr = str(venv_acr) if venv_acr.exists() else shutil.which("acr-desktop") or "acr-desktop"
    parser.add_argument("--acr-desktop", default=acr, help=f"the CLI to time (default {acr})")
    parser.add_argument("--baseline", metavar="PATH", help="another acr-desktop to time beside it")
    opts = parser.parse_args(argv)
    if opts.runs < 2 or opts.warmup < 0:
        parser.error("--runs must be at least 2 and --warmup at least 0")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up as on Ctrl+C
    with tempfile.TemporaryDirectory(prefix="inspect-bench-") as tmp:
        (Path(tmp) / "token").mkdir()
        token_server = TokenServer(Path(tmp) / "token")
        registry = Registry(Path(tmp) / "registry", "token", token_server)
        try:
            registry.start()
            registry.content = push_all(registry.url, registry.push_headers())
            expected = registry.content.refs[TARGET].digest
            clis = Clis(opts.acr_desktop, opts.baseline, Path(tmp) / "pycache")
            results = bench(registry, token_server, opts.runs, opts.warmup, clis, expected)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            registry.stop()
            token_server.stop()
    versions = {"acr-desktop": __version__, "python": sys.version.split()[0]}
    for tool in ("skopeo", "curl", "docker-registry"):
        out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
        versions[tool] = (re.findall(r"\d+\.\d+[\w.+-]*", out.stdout) or ["?"])[0]
    table, data = report(results, opts.runs)
    print(f"{opts.runs} timed runs per tool after {opts.warmup} warm-up rounds, {TARGET}; ", end="")
    print(", ".join(f"{k} {v}" for k, v in versions.items()))
    print(table)
    if opts.json:
        meta = {"runs": opts.runs, "warmup": opts.warmup, "target": TARGET, "versions": versions}
        meta |= {"acr-desktop": opts.acr_desktop, "baseline": opts.baseline}
        opts.json.write_text(json.dumps({"meta": meta, "tools": data}, indent=2) + "\n")
        print(f"results written to {opts.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
