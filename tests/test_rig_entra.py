"""The Entra ID rig works: fake az/azd answer the real azure-identity CLI credentials, and the token
server's /oauth2/exchange turns a verified Entra token into an ACR refresh token whose access
tokens the real token registry accepts; everything else is refused in ACR's shapes."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    AzureCliCredential,
    AzureDeveloperCliCredential,
    CredentialUnavailableError,
    DeviceCodeCredential,
    EnvironmentCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.rig import Registry, TokenServer
from tests.rig.entra import (
    ACR_AUDIENCE,
    ACR_SCOPE,
    ENTRA_PULLER,
    ENTRA_USER,
    OTHER_TENANT,
    TENANT,
    EntraAuthority,
    fake_az_calls,
    install_fake_az,
    unverified_claims,
)
from tests.rig.entra_authority_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    FEDERATED_TOKEN,
    PUBLIC_CLIENT_ID,
    USER_CODE,
    AuthorityServer,
)

MANIFEST_ACCEPT = (
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json"
)


def _exchange(server: TokenServer, service: str, **fields: str) -> requests.Response:
    form = {"grant_type": "access_token", "service": service, **fields}
    return requests.post(f"{server.url}/oauth2/exchange", data=form, timeout=10)


def _access(server: TokenServer, service: str, refresh_token: str, *scopes: str) -> Any:
    form = {
        "grant_type": "refresh_token",
        "service": service,
        "scope": " ".join(scopes),
        "refresh_token": refresh_token,
    }
    return requests.post(f"{server.url}/oauth2/token", data=form, timeout=10)


def _refresh(server: TokenServer, registry: Registry, token: str, **fields: str) -> str:
    resp = _exchange(server, registry.host, access_token=token, **fields)
    assert resp.status_code == 200, resp.text
    assert list(resp.json()) == ["refresh_token"]
    return str(resp.json()["refresh_token"])


def _unauthorized(resp: requests.Response, status: int = 401) -> None:
    assert resp.status_code == status
    errors = resp.json()["errors"]
    assert len(errors) == 1 and set(errors[0]) == {"code", "message"}
    if status == 401:
        assert errors[0]["code"] == "UNAUTHORIZED"


# --- the authority ---------------------------------------------------------------------------


def test_minted_token_is_entra_shaped_and_verifies(entra_authority: EntraAuthority) -> None:
    token = entra_authority.mint()
    claims = unverified_claims(token)
    assert claims["aud"] == ACR_AUDIENCE and claims["tid"] == TENANT
    assert claims["iss"] == f"https://sts.windows.net/{TENANT}/"
    assert claims["upn"] == ENTRA_USER and len(claims["oid"]) == 36
    assert claims["nbf"] <= time.time() < claims["exp"] and "iat" in claims
    assert entra_authority.verify(token, None) == ENTRA_USER
    assert entra_authority.verify(token, TENANT) == ENTRA_USER


def test_verify_refuses_wrong_audience_tenant_expiry_and_key(
    entra_authority: EntraAuthority,
) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = [
        entra_authority.mint(audience="https://management.azure.com"),
        entra_authority.mint(tenant=OTHER_TENANT),
        entra_authority.mint(lifetime=-60),
        entra_authority.mint(key=other_key),
        entra_authority.mint(claims={"tid": None}),
        "not-a-jwt",
    ]
    assert [entra_authority.verify(t, None) for t in bad] == [None] * len(bad)
    assert entra_authority.verify(entra_authority.mint(), OTHER_TENANT) is None


# --- fake az / azd with the real azure-identity credentials ----------------------------------


def test_real_azure_cli_credential_gets_a_token_from_fake_az(
    fake_az: Path, entra_authority: EntraAuthority
) -> None:
    before = time.time()
    token = AzureCliCredential().get_token(ACR_SCOPE)
    assert entra_authority.verify(token.token, TENANT) == ENTRA_USER
    assert before + 3500 < token.expires_on < time.time() + 3700
    assert fake_az_calls(fake_az) == [
        ["az", "account", "get-access-token", "--output", "json", "--resource", ACR_AUDIENCE]
    ]


def test_fake_az_prints_what_the_azure_cli_prints(fake_az: Path) -> None:
    out = subprocess.run(
        ["az", "account", "get-access-token", "--output", "json", "--resource", ACR_AUDIENCE],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    answer = json.loads(out)
    assert list(answer) == [
        "accessToken",
        "expiresOn",
        "expires_on",
        "subscription",
        "tenant",
        "tokenType",
    ]
    assert time.strptime(answer["expiresOn"], "%Y-%m-%d %H:%M:%S.%f")
    assert isinstance(answer["expires_on"], int) and answer["tokenType"] == "Bearer"
    assert answer["tenant"] == TENANT


def test_real_azure_cli_credential_with_tenant_and_other_subject(
    fake_az: Path, entra_authority: EntraAuthority
) -> None:
    install_fake_az(fake_az, entra_authority, subject=ENTRA_PULLER, lifetime=120)
    token = AzureCliCredential(tenant_id=OTHER_TENANT).get_token(ACR_SCOPE)
    claims = unverified_claims(token.token)
    assert claims["upn"] == ENTRA_PULLER and claims["tid"] == OTHER_TENANT
    assert token.expires_on < time.time() + 200
    assert fake_az_calls(fake_az)[-1][-2:] == ["--tenant", OTHER_TENANT]


def test_real_azure_developer_cli_credential_gets_a_token_from_fake_azd(
    fake_az: Path, entra_authority: EntraAuthority
) -> None:
    before = time.time()
    token = AzureDeveloperCliCredential().get_token(ACR_SCOPE)
    assert entra_authority.verify(token.token, TENANT) == ENTRA_USER
    assert before + 3500 < token.expires_on < time.time() + 3700
    assert fake_az_calls(fake_az) == [
        ["azd", "auth", "token", "--output", "json", "--no-prompt", "--scope", ACR_SCOPE]
    ]


def test_not_logged_in_is_credential_unavailable(
    fake_az: Path, entra_authority: EntraAuthority
) -> None:
    install_fake_az(fake_az, entra_authority, mode="not_logged_in")
    with pytest.raises(CredentialUnavailableError, match="az login"):
        AzureCliCredential().get_token(ACR_SCOPE)
    with pytest.raises(CredentialUnavailableError, match="azd auth login"):
        AzureDeveloperCliCredential().get_token(ACR_SCOPE)


def test_hang_times_out_as_credential_unavailable(
    fake_az: Path, entra_authority: EntraAuthority
) -> None:
    install_fake_az(fake_az, entra_authority, mode="hang", hang_seconds=20)
    with pytest.raises(CredentialUnavailableError, match="Failed to invoke the Azure CLI"):
        AzureCliCredential(process_timeout=1).get_token(ACR_SCOPE)


def test_garbage_is_an_authentication_error_without_the_token(
    fake_az: Path, entra_authority: EntraAuthority
) -> None:
    install_fake_az(fake_az, entra_authority, mode="garbage")
    with pytest.raises(ClientAuthenticationError, match="Unexpected output from Azure CLI"):
        AzureCliCredential().get_token(ACR_SCOPE)


def test_calls_log_holds_no_token(fake_az: Path) -> None:
    AzureCliCredential().get_token(ACR_SCOPE)
    AzureDeveloperCliCredential().get_token(ACR_SCOPE)
    log = (fake_az / "calls.log").read_text()
    assert log.count("\n") == 2 and "eyJ" not in log


# --- the exchange ----------------------------------------------------------------------------


def test_exchange_then_refresh_grant_opens_the_real_registry(
    token_registry: Registry, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    entra_token = entra_authority.mint()
    refresh = _refresh(token_server, token_registry, entra_token, tenant=TENANT)
    claims = unverified_claims(refresh)
    assert claims["sub"] == ENTRA_USER and claims["aud"] == token_registry.host
    assert claims["grant_type"] == "refresh_token"
    assert 10700 < claims["exp"] - time.time() <= 10800

    scope = "repository:test/app:pull,metadata_read"
    resp = _access(token_server, token_registry.host, refresh, scope, "registry:catalog:*")
    assert resp.status_code == 200, resp.text
    access = resp.json()["access_token"]
    granted = unverified_claims(access)["access"]
    assert granted[0]["actions"] == ["pull", "metadata_read"]
    assert granted[1]["actions"] == ["*"]

    auth = {"Authorization": f"Bearer {access}", "Accept": MANIFEST_ACCEPT}
    assert requests.get(f"{token_registry.url}/v2/", headers=auth, timeout=10).status_code == 200
    digest = token_registry.content["test/app:oci"].digest
    head = requests.head(
        f"{token_registry.url}/v2/test/app/manifests/oci", headers=auth, timeout=10
    )
    assert head.status_code == 200 and head.headers["Docker-Content-Digest"] == digest
    catalog = requests.get(f"{token_registry.url}/v2/_catalog", headers=auth, timeout=10)
    assert "test/app" in catalog.json()["repositories"]

    exchange, token = token_server.requests
    assert exchange.path == "/oauth2/exchange" and exchange.identity == ENTRA_USER
    assert exchange.form_fields == ["access_token", "grant_type", "service", "tenant"]
    assert exchange.tenant == TENANT and exchange.grant_type == "access_token"
    assert token.identity == ENTRA_USER and token.grant_type == "refresh_token"
    logged = repr(token_server.requests)
    assert entra_token not in logged and refresh not in logged and "eyJ" not in logged


def test_fake_az_token_is_exchanged_end_to_end(
    fake_az: Path, token_registry: Registry, token_server: TokenServer
) -> None:
    entra_token = AzureCliCredential().get_token(ACR_SCOPE).token
    refresh = _refresh(token_server, token_registry, entra_token)
    resp = _access(token_server, token_registry.host, refresh, "repository:test/app:pull")
    access = resp.json()["access_token"]
    auth = {"Authorization": f"Bearer {access}", "Accept": MANIFEST_ACCEPT}
    url = f"{token_registry.url}/v2/test/app/manifests/oci"
    assert requests.head(url, headers=auth, timeout=10).status_code == 200


def test_puller_gets_the_walls(
    token_registry: Registry, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    refresh = _refresh(token_server, token_registry, entra_authority.mint(ENTRA_PULLER))
    resp = _access(
        token_server,
        token_registry.host,
        refresh,
        "repository:test/app:pull,metadata_read",
        "registry:catalog:*",
    )
    granted = unverified_claims(resp.json()["access_token"])["access"]
    assert [g["actions"] for g in granted] == [["pull"], []]


@pytest.mark.parametrize(
    "case", ["audience", "tenant_claim", "tenant_field", "expired", "other_key", "not_jwt"]
)
def test_exchange_refuses_bad_entra_tokens(
    case: str,
    token_registry: Registry,
    token_server: TokenServer,
    entra_authority: EntraAuthority,
) -> None:
    fields = {"tenant": TENANT}
    if case == "audience":
        token = entra_authority.mint(audience="https://management.azure.com")
    elif case == "tenant_claim":
        token = entra_authority.mint(tenant=OTHER_TENANT)
    elif case == "tenant_field":
        token, fields = entra_authority.mint(), {"tenant": OTHER_TENANT}
    elif case == "expired":
        token = entra_authority.mint(lifetime=-30)
    elif case == "other_key":
        token = entra_authority.mint(
            key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )
    else:
        token = "not-a-jwt"
    resp = _exchange(token_server, token_registry.host, access_token=token, **fields)
    _unauthorized(resp)
    (logged,) = token_server.requests
    assert logged.path == "/oauth2/exchange" and logged.status == 401 and logged.identity is None


@pytest.mark.parametrize("missing", ["grant_type", "service", "access_token"])
def test_exchange_refuses_missing_fields(
    missing: str, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    form = {"grant_type": "access_token", "service": "r.example", "access_token": "x"}
    form["access_token"] = entra_authority.mint()
    del form[missing]
    resp = requests.post(f"{token_server.url}/oauth2/exchange", data=form, timeout=10)
    _unauthorized(resp, 400)


def test_exchange_refuses_wrong_grant_type(
    token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    form = {"grant_type": "password", "service": "r", "access_token": entra_authority.mint()}
    resp = requests.post(f"{token_server.url}/oauth2/exchange", data=form, timeout=10)
    _unauthorized(resp, 400)


def test_expired_or_foreign_refresh_token_is_refused(
    token_registry: Registry, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    service = token_registry.host
    token_server.refresh_lifetime = -30
    expired = _refresh(token_server, token_registry, entra_authority.mint())
    token_server.reset()
    fresh = _refresh(token_server, token_registry, entra_authority.mint())
    access_token = token_server.mint([], service=service)  # an access token is no refresh token
    for refresh in (expired, access_token):
        _unauthorized(_access(token_server, service, refresh, "repository:test/app:pull"))
    _unauthorized(_access(token_server, "other.example", fresh, "repository:test/app:pull"))
    assert _access(token_server, service, fresh, "repository:test/app:pull").status_code == 200


def test_short_refresh_lifetime_and_reset(
    token_registry: Registry, token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    token_server.refresh_lifetime = 60
    refresh = _refresh(token_server, token_registry, entra_authority.mint())
    assert unverified_claims(refresh)["exp"] - time.time() <= 60
    token_server.reset()
    assert token_server.refresh_lifetime == 10800


def test_exchange_reply_makes_a_hostile_answer(
    token_server: TokenServer, entra_authority: EntraAuthority
) -> None:
    token_server.exchange_reply = (200, b'{"refresh_token": "\\u202e<b>x</b>"}')
    form = {"grant_type": "access_token", "service": "r", "access_token": entra_authority.mint()}
    resp = requests.post(f"{token_server.url}/oauth2/exchange", data=form, timeout=10)
    assert resp.json() == {"refresh_token": "\u202e<b>x</b>"}
    token_server.reset()
    assert token_server.exchange_reply is None


# --- the HTTPS authority stand-in --------------------------------------------------------------


def _use(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_environment_credential_gets_a_token_from_the_local_authority(
    entra_authority_server: AuthorityServer,
    monkeypatch: pytest.MonkeyPatch,
    token_registry: Registry,
    token_server: TokenServer,
) -> None:
    _use(monkeypatch, entra_authority_server.environment())
    token = EnvironmentCredential(disable_instance_discovery=True).get_token(ACR_SCOPE)
    claims = unverified_claims(token.token)
    assert claims["appid"] == CLIENT_ID and "upn" not in claims
    assert claims["aud"] == ACR_AUDIENCE and claims["tid"] == TENANT
    refresh = _refresh(token_server, token_registry, token.token, tenant=TENANT)
    resp = _access(token_server, token_registry.host, refresh, "repository:test/app:pull")
    assert unverified_claims(resp.json()["access_token"])["access"][0]["actions"] == ["pull"]
    discovery, grant = entra_authority_server.requests
    assert discovery.path.endswith("/v2.0/.well-known/openid-configuration")
    assert grant.grant_type == "client_credentials" and grant.client_id == CLIENT_ID
    assert CLIENT_SECRET not in repr(entra_authority_server.requests)


def test_wrong_client_secret_is_refused_with_an_aadsts_error(
    entra_authority_server: AuthorityServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = entra_authority_server.environment()
    env["AZURE_CLIENT_SECRET"] = "wrong-SECRET"
    _use(monkeypatch, env)
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        EnvironmentCredential(disable_instance_discovery=True).get_token(ACR_SCOPE)


def test_workload_identity_gets_a_token_from_the_local_authority(
    entra_authority_server: AuthorityServer,
    entra_authority: EntraAuthority,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    federated = tmp_path / "federated-token"
    federated.write_text(FEDERATED_TOKEN)
    _use(monkeypatch, entra_authority_server.environment(federated))
    token = WorkloadIdentityCredential().get_token(ACR_SCOPE)
    assert entra_authority.verify(token.token, TENANT) == ENTRA_USER
    (grant,) = entra_authority_server.requests
    assert "client_assertion" in grant.form_fields and "client_secret" not in grant.form_fields


def test_device_code_sign_in_against_the_local_authority(
    entra_authority_server: AuthorityServer,
    entra_authority: EntraAuthority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra_authority_server.ca_path))
    prompts: list[tuple[str, str]] = []
    credential = DeviceCodeCredential(
        client_id=PUBLIC_CLIENT_ID,
        tenant_id=TENANT,
        authority=entra_authority_server.url,
        disable_instance_discovery=True,
        prompt_callback=lambda uri, code, expires: prompts.append((uri, code)),
    )
    token = credential.get_token(ACR_SCOPE)
    assert prompts == [("https://microsoft.com/devicelogin", USER_CODE)]
    assert entra_authority.verify(token.token, TENANT) == ENTRA_USER
    assert unverified_claims(token.token)["upn"] == ENTRA_USER
    grants = [r.grant_type for r in entra_authority_server.requests if r.grant_type]
    assert grants == ["urn:ietf:params:oauth:grant-type:device_code"] * 2  # pending, then token


def test_app_service_managed_identity_gets_a_token(
    entra_authority_server: AuthorityServer,
    entra_authority: EntraAuthority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _use(monkeypatch, entra_authority_server.managed_identity_environment())
    token = ManagedIdentityCredential().get_token(ACR_SCOPE)
    assert entra_authority.verify(token.token, TENANT) == ENTRA_USER
    assert [r.path for r in entra_authority_server.requests] == ["/msi/token"]
