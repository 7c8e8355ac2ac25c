"""What a Transport keeps per registry (one `Endpoint` each): credentials given beat those a
fallback found, settings and learned state stay with their registry, and the rate limit a registry
reports (a header a real registry cannot be made to send, hence the fake server)."""

from __future__ import annotations

import pytest

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.connection import ConnectionSettings, RateLimitStatus
from acr_desktop.registry.docker_credentials import CredentialLookup, FoundCredentials
from acr_desktop.registry.errors import RegistryError
from acr_desktop.registry.transport import Transport
from tests.rig import FakeServer

DOCKER_USER = Credentials("docker-user", "s3cret")
FOUND = CredentialLookup(FoundCredentials(DOCKER_USER, "Docker config"))


def test_rate_limit_is_kept_for_the_registry_that_reported_it(fake_server: FakeServer) -> None:
    fake_server.reply(
        "GET",
        r"/v2/",
        200,
        {"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "76;w=21600"},
    )
    transport = Transport(timeout=(2, 5))
    assert transport.rate_limit(fake_server.host) is None
    RegistryClient(transport).sign_in(fake_server.host)
    assert transport.rate_limit(fake_server.host) == RateLimitStatus(76, 100)
    assert transport.rate_limit("registry.invalid") is None


def test_rate_limit_headers_read_as_docker_hub_sends_them() -> None:
    assert RateLimitStatus.from_headers({"ratelimit-remaining": "7"}) == RateLimitStatus(7, None)
    assert RateLimitStatus.from_headers({"ratelimit-remaining": "soon"}) is None
    assert RateLimitStatus.from_headers({}) is None


def test_credentials_given_win_over_those_found() -> None:
    transport = Transport(credential_fallback=lambda registry: FOUND)
    transport._consult_fallback("r.example")  # what the first 401 does
    assert transport.endpoint("r.example").credentials == DOCKER_USER
    assert transport.endpoint("r.example").found_in_use[1] == "Docker config"
    given = Credentials("alice", "pw")
    transport.set_credentials("r.example", given)
    assert transport.endpoint("r.example").credentials == given
    assert transport.endpoint("r.example").found_in_use == (None, None)
    assert transport.credential_lookup("r.example") == FOUND  # still known, just not in use
    transport.set_credentials("r.example", None)
    assert transport.endpoint("r.example").credentials == DOCKER_USER


def test_each_registry_keeps_its_own_settings_and_scheme() -> None:
    transport = Transport()
    transport.set_connection_settings("a.example", ConnectionSettings(plain_http=True))
    assert transport.base_url("a.example") == "http://a.example"
    assert transport.base_url("b.example") == "https://b.example"
    assert transport.base_url("localhost:5000") == "http://localhost:5000"
    assert transport.connection_settings("b.example") == ConnectionSettings()
    transport.decline_fallback("a.example")
    assert transport.credential_lookup("a.example") == CredentialLookup(None, ())
    assert transport.connection_settings("a.example") == ConnectionSettings(plain_http=True)


def test_the_token_service_is_named_when_it_is_another_host(fake_server: FakeServer) -> None:
    for realm, expected in [
        ("http://127.0.0.2:5/oauth2/token", "127.0.0.2:5"),
        (f"{fake_server.url}/oauth2/token", None),  # the registry itself
    ]:
        fake_server.reset()
        fake_server.reply(
            "GET", r"/v2/", 401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="x"'}
        )
        fake_server.reply("GET", r"/oauth2/token", 200, {}, b'{"token": "t"}')
        transport = Transport(timeout=(2, 5))
        with pytest.raises(RegistryError):  # the token is refused: only the name matters here
            RegistryClient(transport).sign_in(fake_server.host)
        assert transport.token_service(fake_server.host) == expected
