"""Microsoft Entra ID on the wire: the real azure-identity Azure CLI credential running the rig's
fake `az`, exchanged at the real token registry's token service; and hostile token services
answering the exchange (HTML, not JSON, a huge token, a drip-fed body, redirects to another host),
each ending in a typed sentence within the deadline, the Entra token never sent elsewhere."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.entra import EntraLogin, EntraUnavailable
from acr_desktop.registry.errors import (
    AuthenticationRequired,
    InvalidResponse,
    RegistryError,
    RegistryTimeout,
    ServerError,
)
from acr_desktop.registry.operation import operation
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import FakeRequest, FakeServer, Registry, TokenServer
from tests.rig.entra import (
    ACR_AUDIENCE,
    ENTRA_USER,
    TENANT,
    EntraAuthority,
    fake_az_calls,
    install_fake_az,
)
from tests.rig.entra_authority_server import CLIENT_ID as SP_CLIENT_ID
from tests.rig.entra_authority_server import FEDERATED_TOKEN, AuthorityServer


@pytest.fixture
def no_environment_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the CLIs are asked: no service principal, workload or managed identity set here."""
    for name in (
        "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_FEDERATED_TOKEN_FILE",
        "IDENTITY_ENDPOINT",
        "MSI_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)


def _client(registry_host: str, login: EntraLogin) -> RegistryClient:
    transport = Transport(timeout=(2.0, 5.0))
    transport.set_credentials(registry_host, Credentials.of_entra(login))
    return RegistryClient(transport)


@pytest.mark.usefixtures("no_environment_identity")
def test_an_azure_cli_login_opens_an_image_without_a_secret(
    token_registry: Registry, token_server: TokenServer, fake_az: Path
) -> None:
    login = EntraLogin()
    client = _client(token_registry.host, login)
    ref = parse_reference(f"{token_registry.host}/test/app:oci")
    with operation(timeout=30):
        manifest = client.get_manifest(ref)
    assert manifest.digest == token_registry.content["test/app:oci"].digest
    assert (login.source, login.account, login.tenant) == ("Azure CLI", ENTRA_USER, TENANT)
    [call] = fake_az_calls(fake_az)
    assert call[:3] == ["az", "account", "get-access-token"]
    assert call[call.index("--resource") + 1] == ACR_AUDIENCE
    exchange = next(r for r in token_server.requests if r.path == "/oauth2/exchange")
    assert exchange.identity == ENTRA_USER and exchange.tenant == TENANT


@pytest.mark.usefixtures("no_environment_identity")
def test_not_signed_in_anywhere_says_what_was_tried(
    fake_az: Path, entra_authority: EntraAuthority
) -> None:
    install_fake_az(fake_az, entra_authority, mode="not_logged_in")
    with operation(timeout=30), pytest.raises(EntraUnavailable) as caught:
        EntraLogin().entra_token()
    sentence = caught.value.sentence
    assert "Azure CLI: not signed in (run az login)" in sentence
    assert "Azure Developer CLI: not signed in (run azd auth login)" in sentence
    assert "managed identity: not on an Azure host" in sentence


@pytest.mark.usefixtures("no_environment_identity")
def test_garbage_from_az_ends_in_a_bounded_printable_sentence(
    fake_az: Path, entra_authority: EntraAuthority
) -> None:
    install_fake_az(fake_az, entra_authority, mode="garbage")
    with operation(timeout=30), pytest.raises(EntraUnavailable) as caught:
        EntraLogin().entra_token()
    sentence = caught.value.sentence
    assert sentence.isprintable() and len(sentence) < 900
    assert "Azure CLI: answered with something that is not a token" in sentence
    assert "WARNING" not in sentence and "<b>" not in sentence  # the output is not quoted


@pytest.mark.usefixtures("no_environment_identity")
def test_a_hanging_az_ends_at_the_deadline(fake_az: Path, entra_authority: EntraAuthority) -> None:
    install_fake_az(fake_az, entra_authority, mode="hang", hang_seconds=20)
    with operation(timeout=1.5), pytest.raises(RegistryTimeout) as caught:
        EntraLogin().entra_token()
    assert "Azure CLI: still asking" in caught.value.sentence


# -- hostile exchange answers from the real token service -------------------------------------
HUGE = json.dumps({"refresh_token": "r" * 200_000}).encode()


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (200, b"<html><title>Sign in</title></html>", InvalidResponse, "not"),
        (200, b"refresh_token=abc", InvalidResponse, "not"),
        (200, b"{}", InvalidResponse, "without a token"),
        (200, b'{"refresh_token": "bad token\\u202e"}', InvalidResponse, "characters no token"),
        (200, HUGE, InvalidResponse, "at most 16,384"),
        (500, b"<html><title>Oops</title></html>", ServerError, "HTTP 500"),
        (
            401,
            b'{"errors":[{"code":"UNAUTHORIZED","message":"nope"}]}',
            AuthenticationRequired,
            "AcrPull",
        ),
    ],
)
def test_a_hostile_exchange_answer_ends_in_a_typed_sentence(  # noqa: PLR0913
    token_registry: Registry,
    token_server: TokenServer,
    entra_authority: EntraAuthority,
    status: int,
    body: bytes,
    kind: type[RegistryError],
    words: str,
) -> None:
    token_server.exchange_reply = (status, body)
    token = entra_authority.mint(ENTRA_USER)
    login = EntraLogin(sources=[("Azure CLI", _Fixed(token))])
    with operation(timeout=10), pytest.raises(kind) as caught:
        _client(token_registry.host, login).get_manifest(
            parse_reference(f"{token_registry.host}/test/app:oci")
        )
    sentence = caught.value.sentence
    assert words in sentence, sentence
    assert token not in sentence and "eyJ" not in sentence and sentence.isprintable()
    assert len(sentence) < 1000


class _Fixed:
    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **options: object) -> object:
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + 3600)


def _fake_acr(server: FakeServer) -> None:
    """The fake server as a registry whose token service is itself (as ACR's is)."""
    challenge = f'Bearer realm="{server.url}/oauth2/token",service="{server.host}"'
    server.reply("GET", r"/v2/.*", 401, {"WWW-Authenticate": challenge})


def test_a_drip_fed_exchange_answer_ends_at_the_deadline(
    fake_server: FakeServer, entra_authority: EntraAuthority
) -> None:
    _fake_acr(fake_server)

    def drip(_req: FakeRequest) -> tuple[int, dict[str, str], Iterator[bytes]]:
        def body() -> Iterator[bytes]:
            for _ in range(60):
                time.sleep(0.25)
                yield b" "

        return 200, {"Content-Type": "application/json"}, body()

    fake_server.route("POST", r"/oauth2/exchange", drip)
    login = EntraLogin(sources=[("Azure CLI", _Fixed(entra_authority.mint(ENTRA_USER)))])
    with operation(timeout=1.5), pytest.raises(RegistryTimeout) as caught:
        _client(fake_server.host, login).get_manifest(
            parse_reference(f"{fake_server.host}/team/app:1")
        )
    assert fake_server.host in caught.value.sentence


@pytest.mark.parametrize("status", [302, 307, 308])
def test_the_entra_token_never_follows_a_redirect_to_another_host(
    fake_server: FakeServer,
    other_fake_server: FakeServer,
    entra_authority: EntraAuthority,
    status: int,
) -> None:
    _fake_acr(fake_server)
    target = f"{other_fake_server.url}/oauth2/exchange"
    fake_server.reply("POST", r"/oauth2/exchange", status, {"Location": target})
    other_fake_server.reply_json("*", r".*", 200, {"refresh_token": "planted-SECRET"})
    token = entra_authority.mint(ENTRA_USER)
    login = EntraLogin(sources=[("Azure CLI", _Fixed(token))])
    with operation(timeout=10), pytest.raises(InvalidResponse) as caught:
        _client(fake_server.host, login).get_manifest(
            parse_reference(f"{fake_server.host}/team/app:1")
        )
    assert "127.0.0.2" in caught.value.sentence
    sent = [r for r in other_fake_server.requests if token.encode() in r.body or r.body]
    assert sent == []  # a 302 may lead to a bare GET there; never with the token
    assert "planted-SECRET" not in login.secrets()


# -- the environment's identities against the rig's HTTPS login stand-in ----------------------
def _only_environment(
    monkeypatch: pytest.MonkeyPatch, fake_az: Path, authority: EntraAuthority, env: dict[str, str]
) -> None:
    install_fake_az(fake_az, authority, mode="not_logged_in")  # the CLIs have no login here
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("no_environment_identity")
def test_a_service_principal_in_the_environment_opens_an_image(
    token_registry: Registry,
    fake_az: Path,
    entra_authority: EntraAuthority,
    entra_authority_server: AuthorityServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _only_environment(monkeypatch, fake_az, entra_authority, entra_authority_server.environment())
    login = EntraLogin()
    with operation(timeout=30):
        _client(token_registry.host, login).get_manifest(
            parse_reference(f"{token_registry.host}/test/app:oci")
        )
    assert login.source == "environment (service principal)"
    assert login.account == f"application {SP_CLIENT_ID}" and login.tenant == TENANT
    assert [r.grant_type for r in entra_authority_server.requests if r.grant_type] == [
        "client_credentials"
    ]


@pytest.mark.usefixtures("no_environment_identity")
def test_workload_identity_in_the_environment_signs_in(
    fake_az: Path,
    entra_authority: EntraAuthority,
    entra_authority_server: AuthorityServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    federated = tmp_path / "federated-token"
    federated.write_text(FEDERATED_TOKEN)
    env = entra_authority_server.environment(federated)
    _only_environment(monkeypatch, fake_az, entra_authority, env)
    login = EntraLogin()
    with operation(timeout=30):
        token = login.entra_token()
    assert entra_authority.verify(token, TENANT) == ENTRA_USER
    assert login.source == "workload identity"


@pytest.mark.usefixtures("no_environment_identity")
def test_a_managed_identity_is_asked_only_where_its_endpoint_is_set(
    fake_az: Path,
    entra_authority: EntraAuthority,
    entra_authority_server: AuthorityServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    install_fake_az(fake_az, entra_authority, mode="not_logged_in")
    with operation(timeout=30), pytest.raises(EntraUnavailable):
        EntraLogin().entra_token()
    assert entra_authority_server.requests == []  # no IMDS probe, no request anywhere
    env = entra_authority_server.managed_identity_environment()
    _only_environment(monkeypatch, fake_az, entra_authority, env)
    login = EntraLogin()
    with operation(timeout=30):
        login.entra_token()
    assert login.source == "managed identity"
    assert [r.path for r in entra_authority_server.requests] == ["/msi/token"]
