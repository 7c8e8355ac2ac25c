"""Start and stop Debian's ``docker-registry`` (CNCF Distribution 2.8.2) on loopback."""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, Literal

import bcrypt

from .content import REPOSITORIES, Content
from .token_server import TokenServer

Mode = Literal["anonymous", "htpasswd", "token"]

BASIC_USER = "bob"
BASIC_PASSWORD = "bob-Pa55w0rd-SECRET"
BINARY = "docker-registry"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value)


class Registry:
    """One registry process with its own temp dir, config and storage.

    ``mode``: "anonymous" (no auth), "htpasswd" (Basic, user ``bob``) or "token" (Bearer tokens
    from ``token_server``). ``content`` is set once the rig has pushed the test content.
    """

    def __init__(
        self, workdir: Path, mode: Mode = "anonymous", token_server: TokenServer | None = None
    ) -> None:
        if mode == "token" and token_server is None:
            raise ValueError("token mode needs a token_server")
        self.workdir = Path(workdir)
        self.mode: Mode = mode
        self.token_server = token_server
        self.username: str | None = BASIC_USER if mode == "htpasswd" else None
        self.password: str | None = BASIC_PASSWORD if mode == "htpasswd" else None
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._content: Content | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def content(self) -> Content:
        if self._content is None:
            raise RuntimeError("no content has been pushed into this registry")
        return self._content

    @content.setter
    def content(self, value: Content) -> None:
        self._content = value

    @property
    def stderr_path(self) -> Path:
        return self.workdir / "registry.stderr"

    def push_headers(self, repositories: tuple[str, ...] = REPOSITORIES) -> dict[str, str]:
        """Headers that allow pull+push on ``repositories`` (and the catalog)."""
        if self.mode == "htpasswd":
            raw = f"{BASIC_USER}:{BASIC_PASSWORD}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        if self.mode == "token":
            assert self.token_server is not None
            access = [
                {"type": "repository", "name": r, "actions": ["pull", "push"]} for r in repositories
            ]
            access.append({"type": "registry", "name": "catalog", "actions": ["*"]})
            token = self.token_server.mint(access, service=self.host)
            return {"Authorization": f"Bearer {token}"}
        return {}

    def _config(self) -> str:
        lines = [
            "version: 0.1",
            "log: {level: warn}",
            "storage:",
            f"  filesystem: {{rootdirectory: {_q(str(self.workdir / 'data'))}}}",
            "  delete: {enabled: true}",
            f"http: {{addr: {_q(self.host)}, secret: rig-secret}}",
        ]
        if self.mode == "htpasswd":
            htpasswd = self.workdir / "htpasswd"
            hashed = bcrypt.hashpw(BASIC_PASSWORD.encode(), bcrypt.gensalt(rounds=4))
            htpasswd.write_text(f"{BASIC_USER}:{hashed.decode()}\n")
            lines.append(f"auth: {{htpasswd: {{realm: test, path: {_q(str(htpasswd))}}}}}")
        elif self.mode == "token":
            ts = self.token_server
            assert ts is not None
            lines += [
                "auth:",
                "  token:",
                f"    realm: {_q(ts.realm)}",
                f"    service: {_q(self.host)}",
                f"    issuer: {_q(ts.issuer)}",
                f"    rootcertbundle: {_q(str(ts.cert_path))}",
            ]
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 10.0) -> Registry:
        if shutil.which(BINARY) is None:
            raise RuntimeError(
                f"{BINARY} not found: install it with `bash scripts/setup.sh --test` "
                "(Debian package docker-registry)"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):
            self.port = free_port()
            if self.token_server is not None and self.mode == "token":
                self.token_server.service = self.host
            config = self.workdir / "config.yml"
            config.write_text(self._config())
            self._stderr = self.stderr_path.open("wb")
            self._proc = subprocess.Popen(
                [BINARY, "serve", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=self._stderr,
                stderr=self._stderr,
            )
            try:
                self._wait_ready(timeout)
                return self
            except RuntimeError:
                log = self.stderr_path.read_text(errors="replace")
                self.stop()
                if "address already in use" not in log or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                log = self.stderr_path.read_text(errors="replace")
                raise RuntimeError(
                    f"{BINARY} exited with status {self._proc.returncode} at start-up:\n{log}"
                )
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            try:
                conn.request("GET", "/v2/")
                resp = conn.getresponse()
                resp.read()
                if resp.getheader("Docker-Distribution-Api-Version"):  # not some other server
                    return
            except OSError:
                pass
            finally:
                conn.close()
            if time.monotonic() > deadline:
                log = self.stderr_path.read_text(errors="replace")
                raise RuntimeError(
                    f"{BINARY} did not answer on {self.host} within {timeout}s:\n{log}"
                )
            time.sleep(0.01)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
