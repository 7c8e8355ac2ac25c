"""Microsoft Entra ID sign-in (registry/entra.py) with stand-in sources (objects whose get_token
answers an AccessToken minted by the rig's Entra authority) and the real token registry: the
exchange, the refresh token renewed before it ages, a refused one exchanged again, which host may
see the Entra token, and cancel / deadline while a source is asked."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from azure.core.credentials import AccessToken
from cryptography.hazmat.primitives.asymmetric import ec

import acr_desktop
from acr_desktop.registry import entra_exchange
from acr_desktop.registry.auth import APP_VERSION, ENTRA_USERNAME, USER_AGENT, Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.entra import (
    ENTRA_SCOPE,
    EntraLogin,
    EntraUnavailable,
    azure_identity_available,
    saved_sign_in,
)
from acr_desktop.registry.errors import AuthenticationRequired, Cancelled, RegistryTimeout
from acr_desktop.registry.operation import operation
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import FakeServer, Registry, TokenServer
from tests.rig.entra import ENTRA_USER, OTHER_TENANT, TENANT, EntraAuthority


class FakeSource:
    """A TokenCredential stand-in: answers `mint()`, or raises `error`; counts its calls."""

    def __init__(
        self, mint: Callable[[], str] | None = None, error: Exception | None = None
    ) -> None:
        self.mint, self.error = mint, error
        self.calls: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def get_token(self, *scopes: str, **options: Any) -> AccessToken:
        self.calls.append((scopes, options))
        if self.error is not None:
            raise self.error
        assert self.mint is not None
        return AccessToken(self.mint(), int(time.time()) + 3600)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _client(registry: Registry, login: EntraLogin, clock: Clock | None = None) -> RegistryClient:
    transport = Transport(clock=clock) if clock else Transport()
    transport.set_credentials(registry.host, Credentials.of_entra(login))
    return RegistryClient(transport)


def _paths(server: TokenServer) -> list[str]:
    return [f"{r.path} {r.grant_type} {r.status}" for r in server.requests if r.method == "POST"]


def test_the_user_agent_names_the_app_and_its_version() -> None:
    assert acr_desktop.__version__ == APP_VERSION
    site = "(+https://github.com/acrdesktop/acr-desktop)"
    assert f"acr-desktop/{acr_desktop.__version__} {site}" == USER_AGENT
    assert azure_identity_available()


def test_the_first_source_with_a_token_signs_in_and_is_named(
    entra_authority: EntraAuthority,
) -> None:
    failing = FakeSource(error=RuntimeError("Please run 'az login' to set up an account"))
    answering = FakeSource(lambda: entra_authority.mint(ENTRA_USER))
    unused = FakeSource(lambda: entra_authority.mint("someone-else"))
    login = EntraLogin(sources=[("Azure CLI", failing), ("environment", answering), ("x", unused)])
    token = login.entra_token()
    assert token.count(".") == 2
    assert (login.source, login.account, login.tenant) == ("environment", ENTRA_USER, TENANT)
    assert login.describe() == f"Microsoft Entra ID (environment, {ENTRA_USER})"
    assert failing.calls[0][0] == (ENTRA_SCOPE,) and unused.calls == []
    assert token in login.secrets() and token not in repr(login)
    # the source that answered is asked first next time
    login.entra_token()
    assert len(failing.calls) == 1 and len(answering.calls) == 2
    assert answering.calls[1][1] == {}  # a learned tenant is not asked for (a browser refuses)
    asked = FakeSource(lambda: entra_authority.mint(ENTRA_USER))
    EntraLogin(tenant=TENANT, sources=[("Azure CLI", asked)]).entra_token()
    assert asked.calls[0][1] == {"tenant_id": TENANT}


def test_an_expired_saved_sign_in_without_a_source_says_so() -> None:
    login = EntraLogin(refresh_token="saved-refresh-SECRET", sources=[])
    with pytest.raises(EntraUnavailable) as caught:
        login.entra_token()
    assert caught.value.sentence.startswith("The saved Microsoft Entra ID sign-in has expired")
    assert "SECRET" not in caught.value.sentence


def test_no_source_says_what_was_tried_in_bounded_redacted_words(
    entra_authority: EntraAuthority,
) -> None:
    leaked = entra_authority.mint(ENTRA_USER)
    long = FakeSource(error=RuntimeError(f"boom {leaked} \x1b[31m\u202e" + "x" * 10_000))
    not_in = FakeSource(error=RuntimeError("Please run 'az login' to set up an account"))
    login = EntraLogin(sources=[("Azure CLI", not_in), ("other", long)])
    with pytest.raises(EntraUnavailable) as caught:
        login.entra_token()
    sentence = caught.value.sentence
    assert "Azure CLI: not signed in (run az login)" in sentence
    assert leaked not in sentence and "eyJ" not in sentence
    assert sentence.isprintable() and len(sentence) < 900
    assert isinstance(caught.value, AuthenticationRequired)
    assert len(caught.value.tried) == 2


def test_entra_credentials_compare_by_their_login_and_hide_it() -> None:
    login = EntraLogin(sources=[])
    creds = Credentials.of_entra(login)
    assert creds == Credentials.of_entra(login) and creds != Credentials.of_entra(EntraLogin())
    assert (creds.username, creds.kind, creds.entra) == (ENTRA_USERNAME, "entra", login)
    assert Credentials("a", "b").entra is None
    assert len({creds, Credentials.of_entra(login)}) == 1
    seeded = saved_sign_in("saved-refresh-SECRET")
    assert seeded.kind == "entra" and isinstance(seeded.entra, EntraLogin)
    assert seeded.entra.has_refresh() and seeded.entra.source == "saved refresh token"
    assert "SECRET" not in repr(seeded) and "saved-refresh-SECRET" in seeded.secrets()


def test_an_entra_sign_in_reads_a_manifest_through_the_exchange(
    token_registry: Registry, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    source = FakeSource(lambda: entra_authority.mint(ENTRA_USER))
    refreshed: list[str] = []
    login = EntraLogin(sources=[("Azure CLI", source)], on_refresh=refreshed.append)
    client = _client(token_registry, login)
    ref = parse_reference(f"{token_registry.host}/test/app:oci")
    assert client.get_manifest(ref).digest == token_registry.content["test/app:oci"].digest
    assert _paths(token_server) == [
        "/oauth2/exchange access_token 200",
        "/oauth2/token refresh_token 200",
    ]
    exchange = token_server.requests[0]
    assert exchange.tenant == TENANT and exchange.identity == ENTRA_USER
    assert exchange.service == token_registry.host
    assert {r.user_agent for r in token_server.requests} == {USER_AGENT}
    assert len(refreshed) == 1 and refreshed[0] in login.secrets()
    # a second repository: the cached refresh token, no second exchange
    client.get_manifest(parse_reference(f"{token_registry.host}/test/other:1.0"))
    assert [p for p in _paths(token_server) if "exchange" in p] == [
        "/oauth2/exchange access_token 200"
    ]


def test_a_long_session_renews_the_refresh_token_before_it_expires(
    token_registry: Registry, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    token_server.refresh_lifetime = 30  # seconds; renewed a quarter of its life early
    token_server.lifetime = 30
    clock = Clock()
    used: list[tuple[float, float]] = []  # (when exchanged, expiry) per refresh token

    def keep(value: str) -> None:
        used.append((clock(), entra_exchange.refresh_expiry(value, clock())))

    source = FakeSource(lambda: entra_authority.mint(ENTRA_USER))
    login = EntraLogin(sources=[("Azure CLI", source)], on_refresh=keep, clock=clock)
    client = _client(token_registry, login, clock)
    ref = parse_reference(f"{token_registry.host}/test/app:oci")
    start = clock.now
    client.get_manifest(ref)
    clock.now = start + 21  # within the refresh token's life, before its renewal margin
    client.transport.tokens.invalidate(token_registry.host)  # an access token is needed
    client.get_manifest(ref)
    assert len(used) == 1
    clock.now = start + 23  # inside the margin (7.5 s before expiry): renewed, not yet expired
    client.transport.tokens.invalidate(token_registry.host)
    client.get_manifest(ref)
    assert len(used) == 2 and used[0][1] > clock.now
    for _ in range(20):  # ten minutes of fake time, each step past every token's life:
        clock.now += 29  # never a sign-in error, a new refresh token each time
        client.get_manifest(ref)
    assert len(used) == 22 and len(source.calls) == 22


def test_a_refused_refresh_token_is_dropped_and_exchanged_once_more(
    token_registry: Registry, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    claims = {
        "sub": ENTRA_USER,
        "aud": token_registry.host,
        "exp": int(time.time()) + 3600,
        "grant_type": "refresh_token",
    }  # a valid lifetime, but not signed by the token server: refused, as a revoked one is
    forged = jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256")
    source = FakeSource(lambda: entra_authority.mint(ENTRA_USER))
    login = EntraLogin(refresh_token=forged, sources=[("Azure CLI", source)])
    client = _client(token_registry, login)
    client.get_manifest(parse_reference(f"{token_registry.host}/test/app:oci"))
    assert _paths(token_server) == [
        "/oauth2/token refresh_token 401",
        "/oauth2/exchange access_token 200",
        "/oauth2/token refresh_token 200",
    ]
    assert login.source == "Azure CLI"


def test_a_saved_refresh_token_signs_in_without_any_source(
    token_registry: Registry, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    saved = token_server.mint_refresh(ENTRA_USER, token_registry.host)
    creds = saved_sign_in(saved)
    transport = Transport()
    transport.set_credentials(token_registry.host, creds)
    RegistryClient(transport).get_manifest(parse_reference(f"{token_registry.host}/test/app:oci"))
    assert _paths(token_server) == ["/oauth2/token refresh_token 200"]
    assert isinstance(creds.entra, EntraLogin) and creds.entra.account == ENTRA_USER


def test_an_exchange_refused_names_the_entra_account_and_what_to_check(
    token_registry: Registry, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    wrong_tenant = FakeSource(lambda: entra_authority.mint(ENTRA_USER, tenant=OTHER_TENANT))
    login = EntraLogin(sources=[("Azure CLI", wrong_tenant)])
    client = _client(token_registry, login)
    with pytest.raises(AuthenticationRequired) as caught:
        client.get_manifest(parse_reference(f"{token_registry.host}/test/app:oci"))
    sentence = caught.value.sentence
    assert f"Microsoft Entra ID (Azure CLI, {ENTRA_USER})" in sentence
    assert "AcrPull" in sentence and OTHER_TENANT in sentence
    assert "eyJ" not in sentence


def test_the_entra_token_goes_only_to_the_registrys_own_host(
    fake_server: FakeServer, other_fake_server: FakeServer, entra_authority: EntraAuthority
) -> None:
    realm = f"{other_fake_server.url}/oauth2/token"
    fake_server.reply(
        "GET", r"/v2/.*", 401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="s"'}
    )
    source = FakeSource(lambda: entra_authority.mint(ENTRA_USER))
    client = _client_for(fake_server, EntraLogin(sources=[("Azure CLI", source)]))
    with pytest.raises(AuthenticationRequired) as caught:
        client.get_manifest(parse_reference(f"{fake_server.host}/team/app:1"))
    assert "another host (127.0.0.2" in caught.value.sentence
    assert other_fake_server.requests == [] and source.calls == []
    assert all(r.header("User-Agent") == USER_AGENT for r in fake_server.requests)


def _client_for(server: FakeServer, login: EntraLogin) -> RegistryClient:
    transport = Transport(timeout=(2.0, 5.0))
    transport.set_credentials(server.host, Credentials.of_entra(login))
    return RegistryClient(transport)


@pytest.mark.parametrize(
    ("registry", "realm", "allowed"),
    [
        ("myreg.azurecr.io", "https://myreg.azurecr.io/oauth2/token", True),
        ("myreg.eastus.geo.azurecr.io", "https://myreg.azurecr.io/oauth2/token", True),
        ("myreg.azurecr.io", "https://MYREG.westeurope.data.azurecr.io/oauth2/token", True),
        ("myreg.azurecr.io", "https://other.azurecr.io/oauth2/token", False),
        ("myreg.azurecr.io", "https://myreg.azurecr.io:8443/oauth2/token", False),
        ("myreg.azurecr.io", "https://myreg.azurecr.io.evil.example/oauth2/token", False),
        ("myreg.azurecr.io", "https://user@evil.example/oauth2/token", False),
        ("127.0.0.1:5000", "http://127.0.0.1:6000/oauth2/token", True),
        ("localhost:5000", "http://127.0.0.1:6000/oauth2/token", False),
        ("10.0.0.1:5000", "http://10.0.0.1:6000/oauth2/token", False),
        ("registry.example:5000", "https://registry.example:5000/token", True),
        ("docker.io", "https://auth.docker.io/token", False),
        ("ghcr.io", "https://ghcr.io:bad/token", False),
    ],
)
def test_which_token_service_may_see_the_entra_token(
    registry: str, realm: str, allowed: bool
) -> None:
    refusal = entra_exchange.refusal(registry, realm)
    assert (refusal is None) is allowed
    if refusal is not None:
        assert refusal.isprintable()


class Blocking:
    """A source that blocks until released (a browser sign-in nobody finishes)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def get_token(self, *scopes: str, **options: Any) -> AccessToken:
        self.release.wait(30)
        raise RuntimeError("released")


def test_a_cancel_ends_the_wait_for_a_source() -> None:
    blocking = Blocking()
    login = EntraLogin(sources=[("browser sign-in", blocking)])
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    try:
        with operation(cancel), pytest.raises(Cancelled):
            login.entra_token()
    finally:
        blocking.release.set()


def test_the_deadline_ends_the_wait_for_a_source() -> None:
    blocking = Blocking()
    login = EntraLogin(sources=[("Azure CLI", blocking)])
    try:
        with operation(timeout=0.3), pytest.raises(RegistryTimeout) as caught:
            login.entra_token()
    finally:
        blocking.release.set()
    assert "Azure CLI" in caught.value.sentence


def test_no_token_reaches_a_log_record(
    token_registry: Registry,
    token_server: TokenServer,
    entra_authority: EntraAuthority,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    source = FakeSource(lambda: entra_authority.mint(ENTRA_USER))
    login = EntraLogin(sources=[("Azure CLI", source)])
    _client(token_registry, login).get_manifest(
        parse_reference(f"{token_registry.host}/test/app:oci")
    )
    secrets = login.secrets()
    assert len(secrets) == 2
    assert not [r for r in caplog.records for s in secrets if s in r.getMessage()]
    assert not [r for r in caplog.records if "eyJ" in r.getMessage()]


def test_importing_the_entra_module_loads_neither_azure_nor_the_network_stack() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import acr_desktop.registry.entra\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('azure', 'msal', 'requests', 'urllib3')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, check=True
    )
    assert result.stdout.strip() == b"[]"


def test_one_login_for_two_registries_exchanges_at_each(
    token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    """A refresh token is good only at the registry that issued it: the login keeps it for that
    registry, and a second registry gets its own exchange (not the first one's token)."""
    from functools import partial

    from acr_desktop.registry.challenge import Challenge
    from acr_desktop.registry.sending import MiB

    login = EntraLogin(sources=[("Azure CLI", FakeSource(entra_authority.mint))])
    transport = Transport()
    got: dict[str, str] = {}
    for registry in ("127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:1"):
        challenge = Challenge("bearer", {"realm": token_server.realm, "service": registry})
        send = partial(transport._send, registry, max_bytes=MiB)
        creds = login.acr_refresh(send, registry, challenge, time.time())
        assert token_server.refresh_identity(creds.secret, registry) == ENTRA_USER
        got.setdefault(registry, creds.secret)
    assert got["127.0.0.1:1"] != got["127.0.0.1:2"]
    exchanges = [r.service for r in token_server.requests if r.path == "/oauth2/exchange"]
    assert exchanges == ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:1"]


def test_the_browser_token_cache_is_kept_on_disk_only_where_it_is_encrypted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """azure-identity's own cache (a browser or device-code sign-in): no libsecret binding (gi)
    on Linux → memory only; with one → persisted, and never allowed to fall back to plain."""
    import importlib.util

    from acr_desktop.registry import entra

    real_find = importlib.util.find_spec
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "gi" else real_find(name, *a)
    )
    assert entra._cache_options() is None
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: object() if name == "gi" else real_find(name)
    )
    options = entra._cache_options()
    assert options is not None and options.allow_unencrypted_storage is False
    assert options.name == "acr-desktop"
