"""Fixtures for connection and credential tests: a test CA with two HTTPS registries (one that
demands client certificates), and a private Docker / Podman config with credential helpers."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.rig import push_all
from tests.rig.tls import TestCA, TLSRegistry


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("test-ca"))


@pytest.fixture(scope="session")
def tls_registry(
    tmp_path_factory: pytest.TempPathFactory, test_ca: TestCA
) -> Iterator[TLSRegistry]:
    """HTTPS on 127.0.0.1 with a certificate from `test_ca`; test content pushed."""
    registry = TLSRegistry(tmp_path_factory.mktemp("tls-registry"), test_ca)
    registry.start()
    try:
        # The rig's pusher is plain requests: point it at the test CA for the push only.
        previous = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = str(test_ca.cert_path)
        try:
            registry.content = push_all(registry.url, {})
        finally:
            if previous is None:
                del os.environ["REQUESTS_CA_BUNDLE"]
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = previous
        yield registry
    finally:
        registry.stop()


@dataclass(frozen=True)
class ClientPair:
    cert: Path
    key: Path


@pytest.fixture(scope="session")
def client_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("client-ca"), "acr-desktop test client CA")


@pytest.fixture(scope="session")
def client_pair(client_ca: TestCA) -> ClientPair:
    return ClientPair(*client_ca.issue("acr-desktop user", server=False))


@pytest.fixture(scope="session")
def mtls_registry(
    tmp_path_factory: pytest.TempPathFactory,
    test_ca: TestCA,
    client_ca: TestCA,
    client_pair: ClientPair,
) -> Iterator[TLSRegistry]:
    """HTTPS that demands a client certificate issued by `client_ca` (http.tls.clientcas)."""
    registry = TLSRegistry(
        tmp_path_factory.mktemp("mtls-registry"),
        test_ca,
        client_ca=client_ca,
        probe_cert=(client_pair.cert, client_pair.key),
    )
    registry.start()
    try:
        yield registry
    finally:
        registry.stop()


class DockerEnv:
    """A private HOME with a Docker config dir, a Podman runtime dir, and a bin dir on PATH."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.home = root / "home"
        self.docker_dir = root / "docker"
        self.runtime_dir = root / "run"
        self.bin = root / "bin"
        for d in (self.home, self.docker_dir, self.runtime_dir, self.bin):
            d.mkdir()
        monkeypatch.setenv("HOME", str(self.home))
        monkeypatch.setenv("DOCKER_CONFIG", str(self.docker_dir))
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(self.runtime_dir))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(self.home / ".config"))
        monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
        monkeypatch.setenv("PATH", f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}")

    @property
    def config_path(self) -> Path:
        return self.docker_dir / "config.json"

    def write_config(self, config: dict[str, Any]) -> Path:
        self.config_path.write_text(json.dumps(config))
        return self.config_path

    def write_podman(self, config: dict[str, Any]) -> Path:
        path = self.runtime_dir / "containers" / "auth.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(config))
        return path

    def helper(self, name: str, script: str) -> Path:
        """`docker-credential-<name>` as a shell script (the server URL arrives on stdin)."""
        path = self.bin / f"docker-credential-{name}"
        path.write_text("#!/bin/sh\n" + script)
        path.chmod(0o755)
        return path

    def answering_helper(self, name: str, server: str, username: str, secret: str) -> Path:
        """A helper that knows one server URL, and logs every URL it is asked about."""
        answer = json.dumps({"ServerURL": server, "Username": username, "Secret": secret})
        log = self.bin / f"{name}.log"
        return self.helper(
            name,
            f'[ "$1" = get ] || exit 2\nread -r url\necho "$url" >> "{log}"\n'
            f"if [ \"$url\" = '{server}' ]; then echo '{answer}'; exit 0; fi\n"
            "echo 'credentials not found in native keychain'; exit 1\n",
        )

    def asked(self, name: str) -> list[str]:
        log = self.bin / f"{name}.log"
        return log.read_text().split() if log.exists() else []


@pytest.fixture
def docker_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DockerEnv:
    return DockerEnv(tmp_path, monkeypatch)
