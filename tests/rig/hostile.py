"""A hostile registry and token service, for what no real registry does, plus a recorder on
127.0.0.2 that keeps every request it receives (any secret there is a leak).

    recorder = Recorder()                       # 127.0.0.2, answers everything with 404
    server = HostileServer(recorder)            # 127.0.0.1; HostileServer(recorder, tls=(c, k))
    ref = f"{server.host}/<scenario>/app:v1"    # the first path segment picks the misbehaviour
    ... server.count("<scenario>") ... recorder.requests ...

Every registry path needs a bearer token from the server's own token service (realm
`/token/<mode>`, mode from the scenario: see TOKEN_MODES), so a request carries something to leak.
A scenario not listed answers like a registry with one small OCI image.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .fake_server import FakeServer, error_body

CONFIG = b'{"architecture":"amd64","os":"linux","config":{}}'
CONFIG_DIGEST = "sha256:" + hashlib.sha256(CONFIG).hexdigest()
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": CONFIG_DIGEST,
            "size": len(CONFIG),
        },
        "layers": [],
    }
).encode()
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
ESCAPES = '<img src="file:///dev/zero"><h1>big</h1>\x1b]0;pwned\x07\x1b[2J\x1b[31mPassword:'
DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = "1" + "0" * 400  # 10**400, as JSON text

# Scenarios whose token service misbehaves: realm path `/token/<mode>`.
TOKEN_MODES = {
    "tok-redirect-get": "redirect",
    "tok-redirect-post": "redirect",
    "tok-500": "fail",
    "tok-echo": "echo",
    "tok-deep": "deep",
    "tok-huge": "huge",
    "tok-types": "types",
    "tok-claims": "claims",
}


def jwt(claims: dict[str, Any]) -> str:
    """An unsigned JWT-shaped token (the client never verifies signatures)."""

    def part(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.c2ln"


class Recorder(FakeServer):
    """Another host (127.0.0.2): records what reaches it, answers 404 to everything."""

    def __init__(self) -> None:
        super().__init__("127.0.0.2")
        self.reply("*", r".*", 404, {"Content-Type": "text/plain"}, b"recorder")

    def received(self) -> str:
        """Everything received, as text: paths, headers and bodies."""
        return "\n".join(f"{r.method} {r.path} {r.headers!r} {r.body!r}" for r in self.requests)


class HostileServer:
    def __init__(self, recorder: Recorder, *, tls: tuple[Path, Path] | None = None) -> None:
        self.recorder = recorder
        self.counts: Counter[str] = Counter()
        self.bodies: list[bytes] = []  # request bodies received (token POSTs)
        self.flaky_failures = 1  # how many authorized requests of "flaky" get a 502
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), self)
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def count(self, scenario: str) -> int:
        with self._lock:
            return self.counts[scenario]

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def _note(self, scenario: str, body: bytes) -> None:
        with self._lock:
            self.counts[scenario] += 1
            if body:
                self.bodies.append(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: HostileServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-answer is what these tests do


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        with contextlib.suppress(OSError):
            self._handle()

    do_HEAD = do_POST = do_GET

    # -- plumbing --------------------------------------------------------------------------------
    def _send(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        headers = dict(headers or {})
        headers.setdefault("Content-Length", str(len(body)))
        headers.setdefault("Connection", "close")
        self.close_connection = True
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"Content-Type": "application/json", **(headers or {})}, _dump(obj))

    def _drip(self, data: bytes) -> None:
        """One byte a second until the client hangs up or the server stops."""
        for byte in data:
            if self.server.owner.stopping.wait(1.0):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    @property
    def _recorder(self) -> str:
        return self.server.owner.recorder.url

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -- what is answered ----------------------------------------------------------------------
    def _handle(self) -> None:
        path = self.path.split("?", 1)[0]
        body = self._body()
        if path.startswith("/token/"):
            scenario = path.split("/")[2]
            self.server.owner._note(scenario, body)
            return self._token(scenario, body)
        parts = path.split("/")
        scenario = parts[2] if len(parts) > 2 else ""
        self.server.owner._note(scenario or "/v2/", body)
        if path in ("/v2/", "/v2"):
            return self._send(200, {"Docker-Distribution-API-Version": "registry/2.0"})
        if scenario == "html":  # a web server, not a registry
            page = b"<html><head><title>Welcome to nginx!</title></head></html>"
            return self._send(404, {"Content-Type": "text/html"}, page)
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            realm = self._realm(scenario)
            return self._json(
                401,
                {"errors": [{"code": "UNAUTHORIZED", "message": "sign in"}]},
                {
                    "WWW-Authenticate": f'Bearer realm="{realm}",service="hostile",'
                    f'scope="repository:{scenario}/app:pull"'
                },
            )
        handler = getattr(self, "_s_" + scenario.replace("-", "_"), None)
        if handler is not None:
            handler(path)
        else:
            self._registry(path)

    def _realm(self, scenario: str) -> str:
        if scenario == "realm-http":
            return f"{self._recorder}/token"  # plain HTTP, on another host
        if scenario == "realm-tls":  # HTTPS named, but the host speaks plain HTTP
            return f"https://{self.server.owner.recorder.host}/token"
        if scenario == "realm-closed":  # nothing listens there
            return "http://127.0.0.1:9/token"
        own = self.server.owner.url
        return f"{own}/token/{scenario if scenario in TOKEN_MODES else 'ok'}"

    def _token(self, scenario: str, body: bytes) -> None:
        mode = TOKEN_MODES.get(scenario, "ok")
        good = {"access_token": jwt({"access": [], "exp": time.time() + 300})}
        if mode == "redirect":
            return self._send(307, {"Location": f"{self._recorder}/oauth2/token"})
        if mode == "fail":
            return self._json(500, {"errors": [{"code": "UNKNOWN", "message": "token db down"}]})
        if mode == "echo":  # quotes back what it was sent, as careless servers do
            said = f"bad grant {body.decode(errors='replace')} {self.headers.get('Authorization')}"
            return self._json(400, {"errors": [{"code": "DENIED", "message": said}]})
        if mode == "deep":
            return self._send(200, {"Content-Type": "application/json"}, DEEP)
        if mode == "huge":
            text = f'{{"access_token": "{good["access_token"]}", "expires_in": {HUGE}}}'
            return self._send(200, {"Content-Type": "application/json"}, text.encode())
        if mode == "types":
            return self._json(200, {"access_token": ["x"], "token": 5, "expires_in": "²"})
        if mode == "claims":  # 600 entries, duplicates, wrong types among them
            access: list[Any] = [
                {"type": "repository", "name": f"r{i % 300}", "actions": ["pull", i % 7]}
                for i in range(600)
            ] + [5, {"type": [], "name": "x", "actions": ["pull"]}, {"actions": "pull"}]
            claims = {"access": access, "exp": "soon"}
            return self._json(200, {"access_token": jwt(claims), "expires_in": -5})
        return self._json(200, good)

    def _registry(self, path: str) -> None:
        if "/manifests/" in path:
            return self._send(
                200,
                {
                    "Content-Type": MANIFEST_TYPE,
                    "Docker-Distribution-API-Version": "registry/2.0",
                },
                MANIFEST,
            )
        if "/blobs/" in path:
            return self._send(200, {"Content-Type": "application/octet-stream"}, CONFIG)
        if path.endswith("/tags/list"):
            return self._json(200, {"name": "app", "tags": ["v1"]})
        return self._json(404, {"errors": [{"code": "NAME_UNKNOWN", "message": "no"}]})

    # -- scenarios (first path segment; `-` becomes `_`) ----------------------------------------
    def _s_drip_body(self, path: str) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", MANIFEST_TYPE)
        self.send_header("Content-Length", str(len(MANIFEST)))
        self.end_headers()
        self.wfile.flush()
        self._drip(MANIFEST)

    def _s_drip_headers(self, path: str) -> None:
        self.close_connection = True
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(MANIFEST)}\r\n" + "X-Slow: a\r\n" * 50
        self._drip(head.encode())

    def _s_redirect_manifest(self, path: str) -> None:
        self._send(307, {"Location": f"{self._recorder}{path}"})

    _s_redirect_blob = _s_redirect_manifest

    def _s_escapes(self, path: str) -> None:
        self._send(500, {"Content-Type": "application/json"}, error_body("UNKNOWN", ESCAPES))

    def _s_echo(self, path: str) -> None:
        said = f"token {self.headers.get('Authorization')} is not valid here"
        self._send(400, {"Content-Type": "application/json"}, error_body("DENIED", said))

    def _s_deep_error(self, path: str) -> None:
        self._send(500, {"Content-Type": "application/json"}, b'{"errors":' + DEEP + b"}")

    def _s_huge_message(self, path: str) -> None:
        self._send(500, {"Content-Type": "application/json"}, error_body("X", "A" * 2_000_000))

    def _s_wrong_types(self, path: str) -> None:
        body = _dump({"errors": [5, {"code": [], "message": {"a": 1}}, None]})
        self._send(404, {"Content-Type": "application/json"}, body)

    def _s_endless(self, path: str) -> None:
        nxt = f'</v2/endless/app/tags/list?n=1000&last={time.monotonic_ns()}>; rel="next"'
        self._json(200, {"tags": ["t"]}, {"Link": nxt})

    def _s_long_link(self, path: str) -> None:
        self._json(200, {"tags": ["t"]}, {"Link": "<" * 65_000})

    def _s_bad_link(self, path: str) -> None:
        self._json(200, {"tags": ["t"]}, {"Link": '<http://[::1>; rel="next"'})

    def _s_lying_length(self, path: str) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", MANIFEST_TYPE)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(MANIFEST[:10])

    def _garbage_length(self, value: str) -> None:
        self._send(200, {"Content-Type": MANIFEST_TYPE, "Content-Length": value}, MANIFEST)

    def _s_length_sup(self, path: str) -> None:
        self._garbage_length("²")

    def _s_length_long(self, path: str) -> None:
        self._garbage_length("9" * 5000)

    def _s_length_neg(self, path: str) -> None:
        self._garbage_length("-5")

    def _s_empty(self, path: str) -> None:
        self._send(200, {"Content-Type": MANIFEST_TYPE, "Docker-Content-Digest": "x"})

    def _s_flaky(self, path: str) -> None:
        owner = self.server.owner
        with owner._lock:
            fail, owner.flaky_failures = owner.flaky_failures > 0, owner.flaky_failures - 1
        if fail:
            return self._send(502, {"Content-Type": "text/html"}, b"<title>Bad Gateway</title>")
        self._registry(path)

    def _s_slow_down(self, path: str) -> None:
        self._json(429, {"errors": [{"code": "TOOMANYREQUESTS"}]}, {"Retry-After": "60"})

    def _s_odd_retry(self, path: str) -> None:
        self._json(429, {"errors": []}, {"Retry-After": "²", "ratelimit-remaining": "²;w=1"})

    def _s_huge_size(self, path: str) -> None:
        text = MANIFEST.decode().replace(f'"size": {len(CONFIG)}', f'"size": {HUGE}')
        self._send(200, {"Content-Type": MANIFEST_TYPE}, text.encode())

    def _s_deep_manifest(self, path: str) -> None:
        self._send(200, {"Content-Type": MANIFEST_TYPE}, b'{"a":' + DEEP + b"}")


def _dump(obj: Any) -> bytes:
    return json.dumps(obj).encode()


@contextlib.contextmanager
def hostile_pair(tls: tuple[Path, Path] | None = None) -> Iterator[HostileServer]:
    """A recorder and a hostile server, stopped afterwards."""
    recorder = Recorder()
    server = HostileServer(recorder, tls=tls)
    try:
        yield server
    finally:
        server.stop()
        recorder.stop()


__all__ = ["HostileServer", "Recorder", "hostile_pair", "jwt"]
