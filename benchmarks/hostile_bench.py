"""What a hostile registry costs the CLI and the log: redaction time on a megabyte of adversarial
text, and `acr-desktop inspect` against misbehaving fake servers (exit code, seconds, whether
anything a terminal acts on reached it, whether it printed a traceback).

Run from the repo root:  .venv/bin/python benchmarks/hostile_bench.py [--baseline TREE]

`--baseline TREE` runs the same cases on a second copy of the package (say `git archive HEAD
acr_desktop | tar -x -C /tmp/orig`), side by side. Every case runs in its own process with a time
cap (`--cap`, default 45 s): a case over the cap is shown as `>cap` rather than waited for.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.rig.fake_server import FakeRequest, FakeServer, Response, error_body  # noqa: E402

OCI = "application/vnd.oci.image.manifest.v1+json"
ESCAPES = "\x1b]0;pwned\x07 \x1b[2J \x1b[31mPassword: <b>markup</b>"
DIGEST = "sha256:" + "a" * 64
MB = 1_000_000

# Python expressions for the redaction inputs (evaluated in the child, with N = the size).
REDACTION_INPUTS = {
    "dotted run (.A)": "'.A' * (N // 2)",
    "dashed run after :password": "':password' + '-a' * (N // 2)",
    "JWT starts (eyJ.)": "'eyJ.' * (N // 4)",
    "JSON keys ('token':')": "\"'token':'\" * (N // 9)",
    "Bearer repeated": "'Bearer ' * (N // 7)",
    "base64 run": "'A' * N + '==='",
    "ordinary words": "'hello world ' * (N // 12)",
}
REDACT_CHILD = """
import sys, time
from acr_desktop.logs import redact
N = int(sys.argv[1]); text = eval(sys.argv[2])
start = time.process_time(); redact(text); print(time.process_time() - start)
"""


def manifest(layer_type: str) -> bytes:
    config = {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": DIGEST, "size": 3}
    layer = {"mediaType": layer_type, "digest": DIGEST, "size": 5}
    body = {"schemaVersion": 2, "mediaType": OCI, "config": config, "layers": [layer]}
    return json.dumps(body).encode()


def drip(server: FakeServer, framing: dict[str, str], count: int = 40) -> Callable[..., Response]:
    def handler(_req: FakeRequest) -> Response:
        def body() -> Any:
            for _ in range(count):
                if server.stopping.wait(1.0):
                    return
                yield b" "

        return 200, {"Content-Type": OCI, **framing}, body()

    return handler


def _registry(server: FakeServer) -> None:
    server.reply("GET", r"/v2/", 200, {"Docker-Distribution-API-Version": "registry/2.0"})


def setup_case(name: str, server: FakeServer) -> list[str]:
    """Program `server` for the case; the extra `inspect` arguments."""
    manifests = r"/v2/r/manifests/v1"
    if name != "web server (HTML 404)":
        _registry(server)
    if name == "escapes in an error":
        server.reply("GET", r"/v2/r/.*", 404, {}, error_body("MANIFEST_UNKNOWN", ESCAPES))
    elif name == "escapes in a report":
        server.reply("GET", manifests, 200, {"Content-Type": OCI}, manifest("x/" + ESCAPES))
    elif name == "lone surrogate":
        server.reply("GET", manifests, 200, {"Content-Type": OCI}, manifest("x/\ud800"))
    elif name == "empty 200":
        server.reply("GET", manifests, 200, {"Content-Type": OCI}, b"")
    elif name == "web server (HTML 404)":
        page = b"<html><h1>Not Found</h1></html>"
        server.reply("GET", r"/.*", 404, {"Content-Type": "text/html"}, page)
    elif name == "drip, Content-Length":
        server.route("GET", manifests, drip(server, {"Content-Length": "40"}))
    elif name == "drip, chunked":
        server.route("GET", manifests, drip(server, {"Transfer-Encoding": "chunked"}))
    elif name == "Retry-After: 60":
        headers = {"Retry-After": "60", "Content-Type": "application/json"}
        server.reply("GET", manifests, 429, headers, error_body("TOOMANYREQUESTS", "slow down"))
    elif name == "Ctrl+C while waiting":
        server.hang("GET", manifests)
    return ["--timeout", "5"]


CASES = [
    "escapes in an error",
    "escapes in a report",
    "lone surrogate",
    "empty 200",
    "web server (HTML 404)",
    "drip, Content-Length",
    "drip, chunked",
    "Retry-After: 60",
    "Ctrl+C while waiting",
]


def run_case(tree: Path, name: str, cap: float, home: Path) -> dict[str, Any]:
    server = FakeServer()
    try:
        args = setup_case(name, server)
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env["DOCKER_CONFIG"] = str(home)  # no credentials of this user take part
        cmd = [sys.executable, "-m", "acr_desktop", "inspect", f"{server.host}/r:v1", *args]
        start = time.monotonic()
        pipe = subprocess.PIPE
        process = subprocess.Popen(cmd, cwd=tree, env=env, stdout=pipe, stderr=pipe)
        if name.startswith("Ctrl+C"):
            while not [r for r in server.requests if "/manifests/" in r.path]:
                time.sleep(0.05)
            process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=cap)
            code: int | None = process.returncode
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            code = None
        seconds = time.monotonic() - start
    finally:
        server.stop()
    said = [line for line in err.decode(errors="replace").splitlines() if "acr-desktop:" in line]
    return {
        "exit": code,
        "seconds": round(seconds, 2),
        "terminal_controls": any(b in out + err for b in (b"\x1b", b"\x07")),
        "traceback": b"Traceback" in err,
        "computed_digest_printed": b"computed from the bytes" in out,
        "said": said[0][:160] if said else "",
    }


def time_redaction(tree: Path, size: int, cap: float) -> dict[str, float | None]:
    times: dict[str, float | None] = {}
    for name, expr in REDACTION_INPUTS.items():
        cmd = [sys.executable, "-c", REDACT_CHILD, str(size), expr]
        try:
            done = subprocess.run(cmd, cwd=tree, capture_output=True, timeout=cap, check=True)
            times[name] = round(float(done.stdout), 3)
        except subprocess.TimeoutExpired:
            times[name] = None
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--baseline", type=Path, help="a tree holding an older acr_desktop/")
    parser.add_argument("--cap", type=float, default=45.0, help="seconds before a case is cut")
    parser.add_argument("--size", type=int, default=MB, help="redaction input size (chars)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    opts = parser.parse_args(argv)
    trees = {"now": REPO} | ({"baseline": opts.baseline.resolve()} if opts.baseline else {})
    figures: dict[str, Any] = {"redaction_seconds": {}, "cli": {}}

    print(f"redaction of {opts.size:,} characters (CPU seconds; None = over {opts.cap:g} s)")
    for label, tree in trees.items():
        figures["redaction_seconds"][label] = time_redaction(tree, opts.size, opts.cap)
    for name in REDACTION_INPUTS:
        row = "  ".join(f"{label}={figures['redaction_seconds'][label][name]}" for label in trees)
        print(f"  {name:30s} {row}")

    print("\ninspect --timeout 5 against a fake server")
    with tempfile.TemporaryDirectory() as home, ThreadPoolExecutor(4) as pool:
        futures = {
            (name, label): pool.submit(run_case, tree, name, opts.cap, Path(home))
            for name in CASES
            for label, tree in trees.items()
        }
        for name in CASES:
            for label in trees:
                result = futures[(name, label)].result()
                figures["cli"].setdefault(name, {})[label] = result
                flags = [k for k in ("terminal_controls", "traceback") if result[k]]
                if result["computed_digest_printed"] and name == "empty 200":
                    flags.append("digest of the bytes printed")
                code = "cut" if result["exit"] is None else result["exit"]
                print(
                    f"  {name:24s} {label:8s} exit {code!s:4s} {result['seconds']:6.1f} s  "
                    f"{', '.join(flags) or '-'}  {result['said']!r}"
                )
    if opts.json:
        opts.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
