"""A programmable HTTP server for behaviour a real registry cannot show.

    server = FakeServer()                     # or FakeServer("127.0.0.2") for "another host"
    server.reply("GET", r"/v2/", 200)
    server.route("GET", r"/v2/(?P<name>.+)/tags/list", lambda req: (200, {}, b"..."))
    ... server.requests[-1].headers ...
    server.stop()

Routes are tried newest first; ``path_regex`` must fullmatch the path without its query, or else
the path with its query. A handler gets the ``FakeRequest`` (regex groups in ``.groups``) and
returns ``(status, headers, body)``; ``body`` is bytes, str or an iterable of bytes (streamed:
chunked if headers say ``Transfer-Encoding: chunked``, raw if they give ``Content-Length``, else
close-delimited). A ``Content-Length`` in headers overrides the real length (the connection is
then closed after the response). HEAD falls back to GET routes and sends no body.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Body = bytes | str | Iterable[bytes]
Response = tuple[int, Mapping[str, str], Body]
Handler = Callable[["FakeRequest"], Response]


@dataclass
class FakeRequest:
    method: str
    path: str  # with query string
    headers: dict[str, str]
    body: bytes
    groups: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    @property
    def path_only(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)


def stream(n: int, chunk: int = 64 * 1024, fill: bytes = b"x") -> Iterator[bytes]:
    """``n`` bytes in pieces of ``chunk`` (a body to stream without building it in memory)."""
    piece = (fill * chunk)[:chunk]
    while n > 0:
        yield piece[: min(n, chunk)]
        n -= chunk


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: FakeServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-response are part of the tests


class FakeServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._requests: list[FakeRequest] = []
        self._connections: set[socket.socket] = set()
        self._httpd = _Server((host, port), self)
        self.port = int(self._httpd.server_address[1])
        self.hostname = host
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-server-{host}",
            daemon=True,
        )
        self._thread.start()

    @property
    def host(self) -> str:
        return f"{self.hostname}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def requests(self) -> list[FakeRequest]:
        with self._lock:
            return list(self._requests)

    def route(self, method: str, path_regex: str, handler: Handler) -> None:
        """Answer ``method`` (or "*") on paths matching ``path_regex`` with ``handler``."""
        with self._lock:
            self._routes.insert(0, (method.upper(), re.compile(path_regex), handler))

    def reply(
        self,
        method: str,
        path_regex: str,
        status: int,
        headers: Mapping[str, str] | None = None,
        body: bytes | str = b"",
    ) -> None:
        self.route(method, path_regex, lambda _req: (status, dict(headers or {}), body))

    def reply_json(
        self,
        method: str,
        path_regex: str,
        status: int,
        obj: Any,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        self.reply(method, path_regex, status, all_headers, json.dumps(obj).encode())

    def hang(self, method: str, path_regex: str) -> None:
        """Accept the request and never answer (until ``stop()``): for read timeouts."""

        def handler(_req: FakeRequest) -> Response:
            self.stopping.wait()
            return 503, {}, b""

        self.route(method, path_regex, handler)

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self._requests.clear()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(5)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def _dispatch(self, request: FakeRequest) -> Response:
        with self._lock:
            self._requests.append(request)
            routes = list(self._routes)
        methods = [request.method] + (["GET"] if request.method == "HEAD" else [])
        for method in methods:  # HEAD falls back to GET routes
            for route_method, pattern, handler in routes:
                if route_method not in (method, "*"):
                    continue
                match = pattern.fullmatch(request.path_only) or pattern.fullmatch(request.path)
                if match:
                    request.groups = {k: v for k, v in match.groupdict().items() if v is not None}
                    return handler(request)
        message = f"fake server: no route for {request.method} {request.path}"
        return 404, {"Content-Type": "application/json"}, error_body("NAME_UNKNOWN", message)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, True)

    def finish(self) -> None:
        self.server.owner._track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        request = FakeRequest(self.command, self.path, dict(self.headers.items()), b"")
        request.body = self._read_body()
        try:
            status, headers, body = self.server.owner._dispatch(request)
        except Exception as exc:  # a broken test handler: show it to the client
            status, headers, body = 500, {}, error_body("UNKNOWN", f"handler failed: {exc!r}")
        try:
            self._respond(status, dict(headers), body)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _respond(self, status: int, headers: dict[str, str], body: Body) -> None:
        if isinstance(body, str):
            body = body.encode()
        names = {k.lower() for k in headers}
        chunked = "chunked" in (headers.get("Transfer-Encoding") or "").lower()
        if "content-length" in names:
            self.close_connection = True  # the declared length may be a lie
        elif isinstance(body, bytes):
            headers["Content-Length"] = str(len(body))
        elif not chunked:
            self.close_connection = True  # close-delimited body
        if self.close_connection and "connection" not in names:
            headers["Connection"] = "close"
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        pieces = [body] if isinstance(body, bytes) else body
        for piece in pieces:
            if not piece:
                continue
            if chunked:
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            else:
                self.wfile.write(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle
