"""Test sign-in reports, per view, what it needs and whether the token grants it: one token
request asks for pull and metadata_read on the repository and for the catalog at once (the
token service grants what it allows of them), against the real registry and token server."""

from __future__ import annotations

import json

import pytest

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import (
    VIEW_CATALOG,
    VIEW_INSPECT,
    VIEW_METADATA,
    NeedRow,
    RegistryClient,
)
from acr_desktop.registry.transport import Transport
from tests.rig import FakeServer, Registry, TokenServer
from tests.rig.token_server import ALICE_PASSWORD, ALICE_USER, PULLER_PASSWORD, PULLER_USER

PULL = "repository:test/app:pull"
METADATA = "repository:test/app:metadata_read"
CATALOG = "registry:catalog:*"


def signed_in(registry: str, credentials: Credentials | None = None) -> RegistryClient:
    transport = Transport()
    transport.set_credentials(registry, credentials)
    return RegistryClient(transport)


def token_requests(server: TokenServer) -> list[list[str]]:
    return [sorted(r.scopes) for r in server.requests if r.path == "/oauth2/token"]


def test_alice_is_granted_every_view_in_one_token_request(
    token_registry: Registry, token_server: TokenServer
) -> None:
    client = signed_in(token_registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    result = client.sign_in(token_registry.host, "test/app")
    assert result.needs == (
        NeedRow(VIEW_INSPECT, PULL, True),
        NeedRow(VIEW_METADATA, METADATA, True),
        NeedRow(VIEW_CATALOG, CATALOG, True),
    )
    assert token_requests(token_server) == [[CATALOG, "repository:test/app:pull,metadata_read"]]
    assert "pull, metadata_read on test/app" in result.describe()
    assert "* on catalog" in result.describe()


def test_puller_may_inspect_but_has_neither_tag_times_nor_the_catalog(
    token_registry: Registry, token_server: TokenServer
) -> None:
    client = signed_in(token_registry.host, Credentials(PULLER_USER, PULLER_PASSWORD))
    result = client.sign_in(token_registry.host, "test/app")
    assert [(row.view, row.granted) for row in result.needs] == [
        (VIEW_INSPECT, True),
        (VIEW_METADATA, False),
        (VIEW_CATALOG, False),
    ]
    assert len(token_requests(token_server)) == 1
    assert result.describe() == "Granted: pull on test/app."


def test_puller_outside_its_repositories_is_granted_nothing(token_registry: Registry) -> None:
    client = signed_in(token_registry.host, Credentials(PULLER_USER, PULLER_PASSWORD))
    result = client.sign_in(token_registry.host, "public/hello")
    assert [row.granted for row in result.needs] == [False, False, False]
    assert result.describe().endswith("the token grants nothing here.")


def test_without_a_repository_only_the_catalog_is_checked(
    token_registry: Registry, token_server: TokenServer
) -> None:
    client = signed_in(token_registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    result = client.sign_in(token_registry.host)
    assert result.needs == (NeedRow(VIEW_CATALOG, CATALOG, True),)
    assert token_requests(token_server) == [[CATALOG]]


def test_anonymous_on_a_token_registry(token_registry: Registry) -> None:
    result = signed_in(token_registry.host).sign_in(token_registry.host, "test/app")
    assert [row.granted for row in result.needs] == [False, False, False]


def test_a_registry_without_sign_in_cannot_say(anon_registry: Registry) -> None:
    result = signed_in(anon_registry.host).sign_in(anon_registry.host, "test/app")
    assert result.scheme == "none"
    assert [row.granted for row in result.needs] == [None, None, None]
    assert [row.view for row in result.needs] == [VIEW_INSPECT, VIEW_METADATA, VIEW_CATALOG]


@pytest.mark.parametrize("token", ["opaque-token-SECRET", "a.b.c", "x" * 5000])
def test_a_token_that_does_not_say_leaves_granted_unknown(
    fake_server: FakeServer, token: str
) -> None:
    realm = f"{fake_server.url}/oauth2/token"
    fake_server.route(
        "GET",
        r"/v2/",
        lambda req: (
            (200, {"Docker-Distribution-API-Version": "registry/2.0"}, b"{}")
            if req.header("Authorization") == f"Bearer {token}"
            else (401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="s"'}, b"")
        ),
    )
    fake_server.reply("POST", r"/oauth2/token", 405)
    fake_server.reply(
        "GET",
        r"/oauth2/token",
        200,
        {"Content-Type": "application/json"},
        json.dumps({"access_token": token}),
    )
    result = signed_in(fake_server.host, Credentials("u", "p-SECRET")).sign_in(
        fake_server.host, "team/app"
    )
    assert result.scheme == "bearer" and result.granted is None
    assert [row.granted for row in result.needs] == [None, None, None]
    assert result.describe() == f"Signed in to {fake_server.host}."
