"""What Microsoft Entra ID sign-in costs: round trips, time, renewal, and imports.

Run from the repo root:  .venv/bin/python benchmarks/entra_bench.py [--runs N] [--json PATH]

Starts the test rig (Distribution + the ACR-like token server with the Entra stand-in on
127.0.0.1), pushes the rig's test content with tests/rig/content.py, puts the fake `az`/`azd`
(tests/rig/entra.py, a Python script) first on PATH, and uses the real azure-identity
AzureCliCredential through EntraLogin, as `acr-desktop inspect REF --entra` does.

1. Requests of an inspect (manifest + config) signed in with Entra, a password (alice), an ACR
   refresh token, and a saved Entra sign-in (its ACR refresh token, no `az`): the first inspect
   on a fresh Transport, then another tag of the same repository, then another repository, in
   the same session. Counted by a response hook on the transport's session (every registry and
   token-service answer) and checked against the token server's own request log.
2. Wall time of the first Entra inspect (fresh Transport and EntraLogin each run, median of N),
   split into getting the Entra token (AzureCliCredential running `az`), the exchange
   (POST /oauth2/exchange) and the rest; beside it `az` started alone, a bare `python -c pass`,
   and the same inspect with a password.
3. Renewal over 3 simulated hours: a fake clock on the Transport and the EntraLogin advances 10 s
   before each request. The rig's servers run on the real clock, and the client reads token
   expiry from the JWTs' `exp`, so while the renewal runs the token server's JWTs state `exp` on
   the fake clock (moved by the clock's lead; `iat`/`nbf` stay real so the real registry and the
   token server accept them). Counts exchanges, /oauth2/token requests, `az` runs, sign-in errors.
4. Import cost: `python -X importtime -c "import azure.identity"`, `import acr_desktop.cli` with
   and without azure.identity, and whether a CLI inspect without --entra loads azure.identity.
"""

from __future__ import annotations

import argparse
import itertools
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
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from acr_desktop import __version__  # noqa: E402
from acr_desktop.inspection import inspect  # noqa: E402
from acr_desktop.registry.auth import Credentials  # noqa: E402
from acr_desktop.registry.client import RegistryClient  # noqa: E402
from acr_desktop.registry.entra import EntraLogin, saved_sign_in  # noqa: E402
from acr_desktop.registry.errors import RegistryError  # noqa: E402
from acr_desktop.registry.reference import parse_reference  # noqa: E402
from acr_desktop.registry.transport import Transport  # noqa: E402
from tests.rig import token_server as token_server_module  # noqa: E402
from tests.rig.content import push_all  # noqa: E402
from tests.rig.entra import (  # noqa: E402
    ACR_AUDIENCE,
    ENTRA_USER,
    EntraAuthority,
    fake_az_calls,
    install_fake_az,
)
from tests.rig.registry import Registry  # noqa: E402
from tests.rig.token_server import (  # noqa: E402
    ALICE_PASSWORD,
    ALICE_USER,
    REFRESH_TOKEN,
    REFRESH_USER,
    TokenServer,
)

FIRST, SECOND, OTHER = "test/app:oci", "test/app:docker", "test/other:1.0"
KINDS = ("401", "exchange", "token", "manifest", "blob", "other")
SIM_SECONDS, STEP = 3 * 3600, 10.0


class Hits:
    """Every answer the transport's session saw, by kind (a response hook)."""

    def __init__(self, token_origin: str) -> None:
        self.token_origin = token_origin
        self.kinds: list[str] = []

    def hook(self, resp: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        parts = urlsplit(str(resp.request.url))
        if f"{parts.scheme}://{parts.netloc}" == self.token_origin:
            kind = "exchange" if parts.path == "/oauth2/exchange" else "token"
        elif resp.status_code == 401:
            kind = "401"
        elif "/manifests/" in parts.path:
            kind = "manifest"
        elif "/blobs/" in parts.path:
            kind = "blob"
        else:
            kind = "other"
        self.kinds.append(kind)

    def take(self) -> Counter[str]:
        taken = Counter(self.kinds)
        self.kinds.clear()
        return taken


class TimedLogin(EntraLogin):
    """EntraLogin that adds up the time spent getting Entra tokens and ACR refresh tokens."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entra_s = self.refresh_s = 0.0

    def entra_token(self) -> str:
        start = time.perf_counter()
        try:
            return super().entra_token()
        finally:
            self.entra_s += time.perf_counter() - start

    def acr_refresh(self, send: Any, registry: str, challenge: Any, now: float) -> Credentials:
        start = time.perf_counter()
        try:
            return super().acr_refresh(send, registry, challenge, now)
        finally:
            self.refresh_s += time.perf_counter() - start


class Rig:
    def __init__(self, registry: Registry, token_server: TokenServer, az_bin: Path) -> None:
        self.registry, self.token_server, self.az_bin = registry, token_server, az_bin
        self.seen = 0

    def client(self, creds: Credentials, clock: Callable[[], float] | None = None) -> Any:
        transport = Transport(clock=clock) if clock else Transport()
        transport.set_credentials(self.registry.host, creds)
        hits = Hits(self.token_server.url)
        transport.session.hooks["response"].append(hits.hook)
        return RegistryClient(transport), hits

    def server_log(self) -> Counter[str]:
        """Token-server requests since the last call, by path (its own log)."""
        reqs = self.token_server.requests[self.seen :]
        self.seen += len(reqs)
        return Counter(
            ("exchange" if r.path == "/oauth2/exchange" else "token")
            + ("" if r.status == 200 else f" {r.status}")
            for r in reqs
        )

    def ref(self, target: str) -> Any:
        return parse_reference(f"{self.registry.host}/{target}")


# -- 1. requests ---------------------------------------------------------------------------------
def sign_ins(rig: Rig) -> dict[str, Callable[[], Credentials]]:
    host = rig.registry.host
    return {
        "Entra (az)": lambda: Credentials.of_entra(TimedLogin()),
        "password (alice)": lambda: Credentials.for_user(ALICE_USER, ALICE_PASSWORD),
        "ACR refresh token": lambda: Credentials.for_user(REFRESH_USER, REFRESH_TOKEN),
        "saved Entra sign-in": lambda: saved_sign_in(
            rig.token_server.mint_refresh(ENTRA_USER, host)
        ),
    }


def bench_requests(rig: Rig) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, make in sign_ins(rig).items():
        client, hits = rig.client(make())
        rig.server_log()
        rows = {}
        for label, target in (("first", FIRST), ("other tag", SECOND), ("other repo", OTHER)):
            calls_before = len(fake_az_calls(rig.az_bin))
            start = time.perf_counter()
            inspect(client, rig.ref(target))
            elapsed = time.perf_counter() - start
            seen, logged = hits.take(), rig.server_log()
            hooked = Counter({k: v for k, v in seen.items() if k in ("exchange", "token")})
            if hooked != logged:
                raise RuntimeError(f"{name} {label}: hook saw {hooked}, token server {logged}")
            rows[label] = {
                "target": target,
                "requests": {k: seen.get(k, 0) for k in KINDS},
                "total": sum(seen.values()),
                "az_runs": len(fake_az_calls(rig.az_bin)) - calls_before,
                "ms": elapsed * 1e3,
            }
        client.transport.session.close()
        out[name] = rows
    return out


def report_requests(data: dict[str, Any]) -> list[str]:
    head = f"{'sign-in':<20} {'inspect':<27} " + " ".join(f"{k:>8}" for k in KINDS[:-1])
    head += f" {'total':>6} {'az':>3} {'ms':>7}"
    lines = ["1. Requests per inspect (manifest + config), same session top to bottom", head]
    lines.append("-" * len(head))
    for name, rows in data.items():
        for label, row in rows.items():
            counts = " ".join(f"{row['requests'][k]:>8}" for k in KINDS[:-1])
            other = f" (+{row['requests']['other']} other)" if row["requests"]["other"] else ""
            lines.append(
                f"{name if label == 'first' else '':<20} {label + ' ' + row['target']:<27} "
                f"{counts} {row['total']:>6} {row['az_runs']:>3} {row['ms']:>7.1f}{other}"
            )
    lines.append(
        "   (the first Entra row's ms includes importing azure.identity; 401 = the registry's "
        "challenge; az = fake az runs)"
    )
    return lines


# -- 2. time -------------------------------------------------------------------------------------
def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_time(rig: Rig, runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    series: dict[str, list[float]] = {
        k: [] for k in ("entra_total", "entra_token", "exchange", "rest", "password_total")
    }
    series |= {"az_alone": [], "python_pass": []}
    az = [str(rig.az_bin / "az"), "account", "get-access-token", "--output", "json"]
    az += ["--resource", ACR_AUDIENCE]
    for _ in range(runs):
        login = TimedLogin()
        client, _hits = rig.client(Credentials.of_entra(login))
        start = time.perf_counter()
        inspect(client, rig.ref(FIRST))
        total = time.perf_counter() - start
        client.transport.session.close()
        series["entra_total"].append(total)
        series["entra_token"].append(login.entra_s)
        series["exchange"].append(login.refresh_s - login.entra_s)
        series["rest"].append(total - login.refresh_s)
        client, _hits = rig.client(Credentials.for_user(ALICE_USER, ALICE_PASSWORD))
        start = time.perf_counter()
        inspect(client, rig.ref(FIRST))
        series["password_total"].append(time.perf_counter() - start)
        client.transport.session.close()
        series["az_alone"].append(timed(az, env))
        series["python_pass"].append(timed([sys.executable, "-c", "pass"], env))
    rig.server_log()
    return series


def report_time(series: dict[str, list[float]], runs: int) -> list[str]:
    med = {k: statistics.median(v) * 1e3 for k, v in series.items()}
    total = med["entra_total"]
    lines = [f"2. First inspect {FIRST}, fresh Transport + EntraLogin each run, median of {runs}"]
    rows = [
        ("Entra inspect, total", "entra_total"),
        ("  Entra token (AzureCliCredential -> az)", "entra_token"),
        ("  exchange (POST /oauth2/exchange)", "exchange"),
        ("  rest (401, token, manifest, blob)", "rest"),
        ("password inspect, total", "password_total"),
        ("fake az started alone (Python script)", "az_alone"),
        ("python -c pass", "python_pass"),
    ]
    for label, key in rows:
        share = f" {med[key] / total:>5.0%}" if key in ("entra_token", "exchange", "rest") else ""
        lines.append(f"   {label:<42} {med[key]:>8.1f} ms{share}")
    lines.append(
        "   The fake az is a small Python script (interpreter + PyJWT + one RSA signature); the "
        "real Azure CLI is a large Python application and takes longer per run (not measured "
        "here: not installed)."
    )
    return lines


# -- 3. renewal ----------------------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def lead(self) -> float:
        return self.now - time.time()


class ShiftedJwt:
    """Stands in for the token server module's `jwt` during the renewal run: `exp` of what it
    mints is moved by the fake clock's lead over the real clock."""

    PyJWTError = jwt.PyJWTError

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    @staticmethod
    def decode(*args: Any, **kwargs: Any) -> Any:
        return jwt.decode(*args, **kwargs)

    def encode(self, claims: dict[str, Any], key: Any, **kwargs: Any) -> str:
        moved = {**claims, "exp": int(claims["exp"] + self.clock.lead())}
        return jwt.encode(moved, key, **kwargs)


def renew(rig: Rig, refresh_lifetime: int, lifetime: int) -> dict[str, Any]:
    server = rig.token_server
    server.refresh_lifetime, server.lifetime = refresh_lifetime, lifetime
    clock = FakeClock()
    refreshed: list[float] = []
    login = EntraLogin(clock=clock, on_refresh=lambda _v: refreshed.append(clock()))
    client, hits = rig.client(Credentials.of_entra(login), clock)
    ref, errors, steps = rig.ref(FIRST), Counter[str](), int(SIM_SECONDS / STEP)
    rig.server_log()
    az_before = len(fake_az_calls(rig.az_bin))
    names = vars(token_server_module)  # the token server module's globals
    original, names["jwt"] = names["jwt"], ShiftedJwt(clock)
    start = time.perf_counter()
    try:
        for _ in range(steps):
            clock.now += STEP
            try:
                client.get_manifest(ref)
            except RegistryError as exc:
                errors[type(exc).__name__] += 1
    finally:
        names["jwt"] = original
        server.refresh_lifetime, server.lifetime = 10800, 300
    wall = time.perf_counter() - start
    client.transport.session.close()
    seen, logged = hits.take(), rig.server_log()
    gaps = [b - a for a, b in itertools.pairwise(refreshed)]
    return {
        "refresh_lifetime_s": refresh_lifetime,
        "access_lifetime_s": lifetime,
        "requests": steps,
        "exchanges": logged.get("exchange", 0),
        "token_requests": logged.get("token", 0),
        "refused": {k: v for k, v in logged.items() if " " in k},
        "registry_401": seen.get("401", 0),
        "az_runs": len(fake_az_calls(rig.az_bin)) - az_before,
        "sign_in_errors": dict(errors),
        "refresh_every_s": statistics.median(gaps) if gaps else None,
        "wall_s": wall,
    }


def report_renewal(rows: list[dict[str, Any]]) -> list[str]:
    head = (
        f"   {'refresh/access life':<20} {'requests':>8} {'exchange':>8} {'token':>6} "
        f"{'az':>4} {'401':>4} {'renewed every':>13} {'errors':>6} {'wall s':>6}"
    )
    lines = [f"3. Renewal: fake clock +{STEP:g} s per request, {SIM_SECONDS // 3600} h simulated"]
    lines.append(head)
    for r in rows:
        life = f"{r['refresh_lifetime_s']} s / {r['access_lifetime_s']} s"
        every = f"{r['refresh_every_s']:.0f} s" if r["refresh_every_s"] else "-"
        errors = sum(r["sign_in_errors"].values()) + sum(r["refused"].values())
        lines.append(
            f"   {life:<20} {r['requests']:>8} {r['exchanges']:>8} {r['token_requests']:>6} "
            f"{r['az_runs']:>4} {r['registry_401']:>4} {every:>13} {errors:>6} {r['wall_s']:>6.1f}"
        )
    lines.append(
        "   (exp of the token server's JWTs on the fake clock; renewed every = median time between "
        "exchanges; errors = sign-in errors raised + token requests refused)"
    )
    return lines


# -- 4. imports ----------------------------------------------------------------------------------
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")
CHILD = """import sys
from acr_desktop.cli import main
code = main(sys.argv[1:])
loaded = [m for m in sys.modules if m.split(".")[0] in ("azure", "msal")]
also = [m in sys.modules for m in ("acr_desktop.registry.entra", "subprocess")]
sys.stderr.write(f"\\nLOADED {len(loaded)} {'azure.identity' in loaded} {also[0]} {also[1]}\\n")
sys.exit(code)
"""


def cumulative_us(module: str, env: dict[str, str], code: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in proc.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match and match[4] == module:
            return int(match[2])
    raise RuntimeError(f"{module} not in the import-time log")


def cli_run(rig: Rig, env: dict[str, str], entra: bool) -> tuple[float, list[Any]]:
    args = ["inspect", f"{rig.registry.host}/{FIRST}", "--json"]
    args += ["--entra"] if entra else ["--username", ALICE_USER, "--password-stdin"]
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        env=env,
        input=b"" if entra else ALICE_PASSWORD.encode() + b"\n",
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"inspect exited {proc.returncode}: {proc.stderr.decode()[-800:]}")
    match = re.search(rb"LOADED (\d+) (\w+) (\w+) (\w+)", proc.stderr)
    assert match is not None
    return elapsed, [int(match[1]), *(match[i] == b"True" for i in (2, 3, 4))]


def bench_imports(rig: Rig, env: dict[str, str], runs: int) -> dict[str, Any]:
    plain = [sys.executable, "-c", "import acr_desktop.cli"]
    both = [sys.executable, "-c", "import acr_desktop.cli, azure.identity"]
    for cmd in (plain, both):
        timed(cmd, env)  # bytecode written into PYTHONPYCACHEPREFIX: not timed
    series: dict[str, list[float]] = {"cli": [], "cli+azure": [], "inspect": [], "entra": []}
    loaded: dict[str, list[Any]] = {}
    for _ in range(runs):
        series["cli"].append(timed(plain, env))
        series["cli+azure"].append(timed(both, env))
        for key, entra in (("inspect", False), ("entra", True)):
            elapsed, loaded[key] = cli_run(rig, env, entra)
            series[key].append(elapsed)
    rig.server_log()
    importtime = [cumulative_us("azure.identity", env, "import azure.identity") for _ in range(3)]
    cli_importtime = [cumulative_us("acr_desktop.cli", env, "import acr_desktop.cli")]
    return {
        "importtime_azure_identity_ms": statistics.median(importtime) / 1e3,
        "importtime_acr_desktop_cli_ms": cli_importtime[0] / 1e3,
        "median_ms": {k: statistics.median(v) * 1e3 for k, v in series.items()},
        "azure_msal_modules_loaded": {k: v[0] for k, v in loaded.items()},
        "azure_identity_loaded": {k: v[1] for k, v in loaded.items()},
        "registry_entra_loaded": {k: v[2] for k, v in loaded.items()},
        "subprocess_loaded": {k: v[3] for k, v in loaded.items()},
    }


def report_imports(data: dict[str, Any], runs: int) -> list[str]:
    med, mods = data["median_ms"], data["azure_msal_modules_loaded"]
    ident, entra, sub = (
        data["azure_identity_loaded"],
        data["registry_entra_loaded"],
        data["subprocess_loaded"],
    )
    return [
        f"4. Imports (fresh processes, bytecode cached, median of {runs})",
        f"   python -X importtime: azure.identity cumulative "
        f"{data['importtime_azure_identity_ms']:.1f} ms; acr_desktop.cli cumulative "
        f"{data['importtime_acr_desktop_cli_ms']:.1f} ms",
        f"   python -c 'import acr_desktop.cli'                 {med['cli']:>7.1f} ms",
        f"   python -c 'import acr_desktop.cli, azure.identity' {med['cli+azure']:>7.1f} ms "
        f"(+{med['cli+azure'] - med['cli']:.1f} ms)",
        f"   CLI inspect --password-stdin: {med['inspect']:>7.1f} ms, azure/msal modules loaded: "
        f"{mods['inspect']}, azure.identity: {ident['inspect']}, registry/entra.py: "
        f"{entra['inspect']}, subprocess: {sub['inspect']}",
        f"   CLI inspect --entra:          {med['entra']:>7.1f} ms, azure/msal modules loaded: "
        f"{mods['entra']}, azure.identity: {ident['entra']}, registry/entra.py: "
        f"{entra['entra']}, subprocess: {sub['entra']}",
    ]


# -- main ----------------------------------------------------------------------------------------
def child_env(tmp: Path, az_bin: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("PYTHONPYCACHEPREFIX", str(tmp / "pycache"))
    env["PATH"] = f"{az_bin}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(REPO)
    env |= {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    env["ACR_DESKTOP_CACHE_DIR"] = str(tmp / "layer-cache")
    return env


def run_all(rig: Rig, opts: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    results: dict[str, Any] = {"requests": bench_requests(rig)}
    results["time_s"] = bench_time(rig, opts.runs, env)
    results["renewal"] = [renew(rig, 30, 300), renew(rig, 10800, 300)]
    results["imports"] = bench_imports(rig, env, opts.import_runs)
    return results


def report(results: dict[str, Any], opts: argparse.Namespace) -> str:
    lines = report_requests(results["requests"])
    lines += ["", *report_time(results["time_s"], opts.runs)]
    lines += ["", *report_renewal(results["renewal"])]
    lines += ["", *report_imports(results["imports"], opts.import_runs)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9, help="timed Entra inspects (default 9)")
    parser.add_argument("--import-runs", type=int, default=5, help="per import row (default 5)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results here")
    opts = parser.parse_args(argv)
    if opts.runs < 1 or opts.import_runs < 1:
        parser.error("--runs and --import-runs must be at least 1")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up as on Ctrl+C
    with tempfile.TemporaryDirectory(prefix="entra-bench-") as name:
        tmp = Path(name)
        (tmp / "token").mkdir()
        token_server = TokenServer(tmp / "token")
        token_server.entra = authority = EntraAuthority()
        registry = Registry(tmp / "registry", "token", token_server)
        az_bin = install_fake_az(tmp / "bin", authority)
        env = child_env(tmp, az_bin)
        os.environ["PATH"] = env["PATH"]  # AzureCliCredential in this process finds the fake az
        os.environ["ACR_DESKTOP_CACHE_DIR"] = env["ACR_DESKTOP_CACHE_DIR"]
        try:
            registry.start()
            registry.content = push_all(registry.url, registry.push_headers())
            rig = Rig(registry, token_server, az_bin)
            started = time.perf_counter()
            results = run_all(rig, opts, env)
            results["bench_wall_s"] = time.perf_counter() - started
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        finally:
            registry.stop()
            token_server.stop()
    import azure.identity

    versions = {"acr-desktop": __version__, "python": sys.version.split()[0]}
    versions["azure-identity"] = azure.identity.__version__
    print(", ".join(f"{k} {v}" for k, v in versions.items()))
    print(report(results, opts))
    print(f"bench wall time {results['bench_wall_s']:.1f} s")
    if opts.json:
        meta = {"runs": opts.runs, "import_runs": opts.import_runs, "versions": versions}
        opts.json.write_text(json.dumps({"meta": meta, **results}, indent=2) + "\n")
        print(f"results written to {opts.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
