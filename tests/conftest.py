"""Shared fixtures: a real registry in three auth modes (started lazily, once per session), an
ACR-like token server, and programmable fake servers on 127.0.0.1 and 127.0.0.2."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import rig
from tests.rig import FakeServer, Registry, TokenServer, push_all
from tests.rig.entra import EntraAuthority, install_fake_az
from tests.rig.entra_authority_server import AuthorityServer

# `from rig import ...` gives the very same modules as `from tests.rig import ...`.
sys.modules.setdefault("rig", rig)
for _name in (
    "content",
    "entra",
    "entra_authority_server",
    "fake_server",
    "registry",
    "token_server",
):
    sys.modules.setdefault(f"rig.{_name}", sys.modules[f"tests.rig.{_name}"])

REGISTRY_FIXTURES = {"token_registry", "basic_registry", "anon_registry", "layers_registry"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use a real registry get the ``registry`` marker (``-m "not registry"``)."""
    for item in items:
        if REGISTRY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.registry)


def _started(registry: Registry) -> Registry:
    registry.start()
    try:
        registry.content = push_all(registry.url, registry.push_headers())
    except BaseException:
        registry.stop()
        raise
    return registry


@pytest.fixture(scope="session")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    """ACR-like token server; its cert.pem is the token registry's rootcertbundle."""
    server = TokenServer(tmp_path_factory.mktemp("token-server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _fresh_token_server(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test that uses the token server sees an empty request log and default switches."""
    if {"token_server", "token_registry"} & set(request.fixturenames):
        server: TokenServer = request.getfixturevalue("token_server")
        server.reset()
        yield
        server.reset()
    else:
        yield


@pytest.fixture(scope="session")
def entra_authority(token_server: TokenServer) -> Iterator[EntraAuthority]:
    """The rig's Entra ID stand-in (tenant ``entra.TENANT``), trusted by the token server's
    ``/oauth2/exchange`` (``token_server.entra``)."""
    authority = EntraAuthority()
    token_server.entra = authority
    try:
        yield authority
    finally:
        token_server.entra = None


@pytest.fixture
def fake_az(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    entra_authority: EntraAuthority,
) -> Path:
    """A bin dir first on PATH with fake ``az``/``azd`` (mode "ok", subject ENTRA_USER); returns it.
    Call ``install_fake_az(fake_az, entra_authority, mode=...)`` to switch; ``calls.log`` in it."""
    bin_dir = install_fake_az(tmp_path_factory.mktemp("fake-az-bin"), entra_authority)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return bin_dir


@pytest.fixture
def entra_authority_server(
    tmp_path_factory: pytest.TempPathFactory, entra_authority: EntraAuthority
) -> Iterator[AuthorityServer]:
    """A local HTTPS login.microsoftonline.com stand-in issuing ``entra_authority`` tokens. Sets no
    environment: ``monkeypatch`` its ``environment()`` (service principal, or workload identity with
    a federated token file) or ``managed_identity_environment()``; MSAL-based credentials also need
    ``disable_instance_discovery=True``."""
    server = AuthorityServer(tmp_path_factory.mktemp("entra-authority"), entra_authority)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def token_registry(
    tmp_path_factory: pytest.TempPathFactory, token_server: TokenServer
) -> Iterator[Registry]:
    """Registry with ACR-like token auth (realm = token_server), test content pushed."""
    registry = _started(Registry(tmp_path_factory.mktemp("token-registry"), "token", token_server))
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture(scope="session")
def layers_registry(
    tmp_path_factory: pytest.TempPathFactory, token_server: TokenServer
) -> Iterator[Registry]:
    """A second token registry for the files-inside-layers tests (issue 13): they push dozens of
    repositories, which must not show up in the catalog the other tests read."""
    registry = _started(Registry(tmp_path_factory.mktemp("layers-registry"), "token", token_server))
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """Registry with htpasswd Basic auth (``.username``/``.password``), test content pushed."""
    registry = _started(Registry(tmp_path_factory.mktemp("basic-registry"), "htpasswd"))
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture(scope="session")
def anon_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """Registry without any auth, test content pushed."""
    registry = _started(Registry(tmp_path_factory.mktemp("anon-registry"), "anonymous"))
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    server = FakeServer("127.0.0.1")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def other_fake_server() -> Iterator[FakeServer]:
    """A second fake server on 127.0.0.2: "another host" for cross-host redirects."""
    server = FakeServer("127.0.0.2")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _layer_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the user's layer-listing cache: each gets an empty one."""
    monkeypatch.setenv("ACR_DESKTOP_CACHE_DIR", str(tmp_path_factory.mktemp("layer-cache")))
