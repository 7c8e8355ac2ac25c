"""Issue 15 under attack: a hostile token service and registry, a careless user and a broken `az`
against the Microsoft Entra ID sign-in and ACR's error details. Each attack ends in a typed,
bounded sentence within the deadline, and no Entra token or ACR refresh token reaches anything but
the registry's own token service: not another host (however the realm spells it, however the
exchange or the token POST is redirected), not a sentence, log record, keyring or file."""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from acr_desktop.cli import EXIT_AUTH, EXIT_ERROR
from acr_desktop.credentials import CredentialStore, service_name
from acr_desktop.registry.auth import ENTRA_USERNAME, Credentials
from acr_desktop.registry.challenge import Challenge
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.entra import EntraLogin, EntraUnavailable
from acr_desktop.registry.entra_exchange import MAX_REFRESH_LIFETIME, refresh_expiry, refusal
from acr_desktop.registry.errors import (
    AuthenticationRequired,
    Cancelled,
    InvalidResponse,
    RegistryError,
    RegistryTimeout,
)
from acr_desktop.registry.operation import operation
from acr_desktop.registry.problems import RequestContext, error_for
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.sending import Response
from acr_desktop.registry.token_service import fetch_token
from acr_desktop.registry.transport import Transport
from tests.rig import FakeRequest, FakeServer, Registry, TokenServer
from tests.rig.entra import (
    ENTRA_USER,
    OTHER_TENANT,
    EntraAuthority,
    install_fake_az,
)
from tests.rig.hostile import jwt
from tests.secret_service import MemoryKeyring

RT = jwt({"sub": ENTRA_USER, "exp": int(time.time()) + 3600, "nonce": "ACR-REFRESH-SECRET-1"})
BIDI = "\u202e\u2066\x1b[31m\x00\r\n"


# -- helpers ---------------------------------------------------------------------------------
class _Fixed:
    """A TokenCredential-like source answering one token (counting calls)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls = 0

    def get_token(self, *scopes: str, **options: object) -> object:
        from azure.core.credentials import AccessToken

        self.calls += 1
        return AccessToken(self.token, int(time.time()) + 3600)


@pytest.fixture(scope="module")
def authority() -> EntraAuthority:
    return EntraAuthority()


@pytest.fixture
def entra_token(authority: EntraAuthority) -> str:
    return authority.mint(ENTRA_USER)


@pytest.fixture
def no_environment_identity(monkeypatch: pytest.MonkeyPatch) -> None:
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


@pytest.fixture
def my_az(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    authority: EntraAuthority,
    no_environment_identity: None,
) -> Iterator[Path]:
    bin_dir = install_fake_az(tmp_path / "bin", authority)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    yield bin_dir
    for line in _az_processes(bin_dir):  # what this test started and left running: ended here
        subprocess.run(["kill", line.split()[0]], check=False)


def _client(host: str, login: EntraLogin) -> RegistryClient:
    transport = Transport(timeout=(2.0, 3.0))
    transport.set_credentials(host, Credentials.of_entra(login))
    return RegistryClient(transport)


def _acr(server: FakeServer, realm: str | None = None) -> None:
    """The fake server as ACR: its own token service, a refresh token from the exchange."""
    realm = realm or f"{server.url}/oauth2/token"
    quoted = realm.replace("\\", "\\\\")  # a quoted-string: a backslash is sent as two
    challenge = f'Bearer realm="{quoted}",service="{server.host}"'
    server.reply("GET", r"/v2/.*", 401, {"WWW-Authenticate": challenge})
    server.reply_json("POST", r"/oauth2/exchange", 200, {"refresh_token": RT})
    server.reply_json("POST", r"/oauth2/token", 200, {"access_token": "at", "expires_in": 60})


def _inspect(server: FakeServer, login: EntraLogin, timeout: float = 5) -> RegistryError:
    with operation(timeout=timeout), pytest.raises(RegistryError) as caught:
        _client(server.host, login).get_manifest(parse_reference(f"{server.host}/team/app:1"))
    return caught.value


def _carried(server: FakeServer, *secrets: str) -> list[FakeRequest]:
    def holds(r: FakeRequest) -> bool:
        text = r.body.decode("latin-1") + r.path + json.dumps(r.headers)
        return any(s in text for s in secrets)

    return [r for r in server.requests if holds(r)]


def _clean(sentence: str, *secrets: str, limit: int = 1200) -> None:
    assert sentence.isprintable(), repr(sentence)
    assert len(sentence) <= limit, len(sentence)
    assert "\u202e" not in sentence and "\x1b" not in sentence
    for secret in secrets:
        assert secret not in sentence


# -- the realm: where the Entra token and the ACR refresh token may go ------------------------
@pytest.mark.parametrize(
    ("registry", "realm", "allowed"),
    [
        ("myreg.azurecr.io", "https://evil@myreg.azurecr.io/oauth2/token", True),  # same host
        ("myreg.azurecr.io", "https://MYREG.AZURECR.IO./oauth2/token", True),
        ("myreg.azurecr.io", "https://myreg.azurecr.io:443/oauth2/token", True),
        ("myreg.azurecr.io", "https://myreg.azurecr.io@evil.example/oauth2/token", False),
        ("myreg.azurecr.io", "https://evil.example#@myreg.azurecr.io/oauth2/token", False),
        ("myreg.azurecr.io", "https://evil.example?@myreg.azurecr.io/oauth2/token", False),
        # urllib3 (what requests sends with) ends the host at a backslash; urlsplit does not
        ("myreg.azurecr.io", "https://evil.example\\@myreg.azurecr.io/oauth2/token", False),
        ("myreg.azurecr.io", "https://xn--myrg-5qa.azurecr.io/oauth2/token", False),  # IDNA
        ("myreg.azurecr.io", "https://\uff4dyreg.azurecr.io/oauth2/token", False),  # fullwidth
        ("myreg.azurecr.io", "https://myreg\u3002azurecr\u3002io/oauth2/token", False),
        ("myreg.azurecr.io", "https://myreg.azurecr.io%2eevil.example/oauth2/token", False),
        ("myreg.azurecr.io", "https://evil.westeurope.geo.azurecr.io/oauth2/token", False),
        ("myreg.azurecr.io", "https://myreg.azurecr.cn/oauth2/token", False),
        ("registry.example:5000", "https://registry.example:5001/token", False),
        ("10.1.2.3:5000", "http://10.1.2.3:5001/token", False),
        ("127.0.0.1:5000", "http://127.1:6000/token", False),
        ("[::1]:5000", "http://[::ffff:127.0.0.1]:5000/token", False),
    ],
)
def test_which_realm_may_see_the_entra_token(registry: str, realm: str, allowed: bool) -> None:
    said = refusal(registry, realm)
    assert (said is None) is allowed, said
    if said is not None:
        _clean(said)


def test_a_backslash_realm_gets_neither_token_on_another_host(
    fake_server: FakeServer, other_fake_server: FakeServer, entra_token: str
) -> None:
    """`http://OTHER\\@REGISTRY/…`: urlsplit reads REGISTRY (the refusal lets it through and the
    exchange goes to REGISTRY), requests sends the token POST to OTHER with the refresh token."""
    realm = f"http://{other_fake_server.host}\\@{fake_server.host}/oauth2/token"
    _acr(fake_server, realm)
    other_fake_server.reply_json("*", r".*", 200, {"access_token": "x", "expires_in": 60})
    _inspect(fake_server, EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))]))
    assert _carried(other_fake_server, RT, entra_token) == []


def test_userinfo_in_the_realm_is_never_sent_as_basic(
    fake_server: FakeServer, entra_token: str
) -> None:
    _acr(fake_server, f"http://evil:pw@{fake_server.host}/oauth2/token")
    _inspect(fake_server, EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))]))
    posts = [r for r in fake_server.requests if r.method == "POST"]
    assert posts and all(r.header("Authorization") is None for r in posts)


def test_a_plain_http_realm_not_allowed_gets_nothing_and_no_source_is_asked() -> None:
    sent: list[str] = []

    def send(method: str, url: str, *_a: Any, **_k: Any) -> Any:
        sent.append(url)
        raise AssertionError("nothing may be sent")

    source = _Fixed("entra-token-SECRET")
    login = EntraLogin(sources=[("Azure CLI", source)])
    challenge = Challenge("bearer", {"realm": "http://myreg.azurecr.io/oauth2/token"})
    with pytest.raises(InvalidResponse) as caught:
        fetch_token(
            send,
            "myreg.azurecr.io",
            challenge,
            ("repository:a:pull",),
            Credentials.of_entra(login),
            source=None,
            password_grant="oauth",
            now=time.time,
            plain_http_ok=lambda _host: False,
        )
    assert "plain HTTP" in caught.value.sentence
    assert sent == [] and source.calls == 0


# -- redirects of the exchange and of the token POST -----------------------------------------
@pytest.mark.parametrize("status", [307, 308])
def test_the_token_post_never_carries_the_refresh_token_to_another_host(
    fake_server: FakeServer, other_fake_server: FakeServer, entra_token: str, status: int
) -> None:
    _acr(fake_server)
    target = f"{other_fake_server.url}/oauth2/token"
    fake_server.reply("POST", r"/oauth2/token", status, {"Location": target})
    other_fake_server.reply_json("*", r".*", 200, {"access_token": "x", "expires_in": 60})
    error = _inspect(fake_server, EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))]))
    _clean(error.sentence, RT, entra_token)
    assert _carried(other_fake_server, RT, entra_token) == []


@pytest.mark.parametrize("path", ["/oauth2/exchange", "/oauth2/token"])
def test_a_backslash_redirect_keeps_the_post_body_home(
    fake_server: FakeServer,
    other_fake_server: FakeServer,
    entra_token: str,
    path: str,
) -> None:
    """A 307 to `http://OTHER\\@REGISTRY/…`: the same origin to urlsplit, OTHER to requests."""
    _acr(fake_server)
    target = f"http://{other_fake_server.host}\\@{fake_server.host}{path}"
    fake_server.reply("POST", path, 307, {"Location": target})
    other_fake_server.reply_json("*", r".*", 200, {"refresh_token": RT, "access_token": "x"})
    _inspect(fake_server, EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))]))
    assert _carried(other_fake_server, RT, entra_token) == []


def test_a_backslash_redirect_of_a_registry_read_keeps_the_bearer_token_home(
    fake_server: FakeServer, other_fake_server: FakeServer, entra_token: str
) -> None:
    _acr(fake_server)
    fake_server.route(
        "GET", r"/v2/team/app/manifests/.*", _bearer_or_redirect(fake_server, other_fake_server)
    )
    _inspect(fake_server, EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))]))
    assert [r for r in other_fake_server.requests if r.header("Authorization")] == []


def _bearer_or_redirect(home: FakeServer, other: FakeServer) -> Any:
    challenge = f'Bearer realm="{home.url}/oauth2/token",service="{home.host}"'

    def handler(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if req.header("Authorization") is None:
            return 401, {"WWW-Authenticate": challenge}, b""
        return 307, {"Location": f"http://{other.host}\\@{home.host}/v2/x"}, b""

    return handler


def test_an_endless_redirect_of_the_exchange_ends_in_a_sentence(
    fake_server: FakeServer, entra_token: str
) -> None:
    _acr(fake_server)
    fake_server.reply("POST", r"/oauth2/exchange", 307, {"Location": "/oauth2/exchange"})
    error = _inspect(fake_server, EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))]))
    assert isinstance(error, InvalidResponse) and "redirects" in error.sentence
    _clean(error.sentence, entra_token)


# -- hostile exchange answers ----------------------------------------------------------------
MEGA = "A" * 1_000_000


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000 + b"]" * 200_000,
        b'{"refresh_token": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"refresh_token": 12345}',
        b'{"refresh_token": ["a", "b"]}',
        b'{"refresh_token": {"nested": "x"}}',
        b'{"refresh_token": null}',
        b'{"refresh_token": "' + MEGA.encode() + b'"}',
        b'{"refresh_token": "a b"}',
        b'{"refresh_token": "' + "\u202e".encode() + b'x"}',
        b'{"refresh_token": NaN}',
        b'{"refresh_token": 1e999}',
    ],
    ids=lambda b: repr(b[:24]),
)
def test_a_hostile_exchange_body_ends_in_a_typed_sentence(
    fake_server: FakeServer, entra_token: str, body: bytes
) -> None:
    _acr(fake_server)
    fake_server.reply("POST", r"/oauth2/exchange", 200, {"Content-Type": "application/json"}, body)
    login = EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))])
    error = _inspect(fake_server, login)
    assert isinstance(error, InvalidResponse), error
    _clean(error.sentence, entra_token, MEGA[:100])
    assert not login.has_refresh()
    assert [r for r in fake_server.requests if r.path_only == "/oauth2/token"] == []


@pytest.mark.parametrize("exp", [0, 253402300799, "NaN", 1e300, -1, True, "soon"])
def test_a_refresh_token_expiry_is_bounded(exp: object) -> None:
    now = 2_000_000_000.0
    token = jwt({"sub": "x", "exp": exp}) if exp != "NaN" else _nan_jwt()
    when = refresh_expiry(token, now)
    assert when <= now + MAX_REFRESH_LIFETIME
    assert math.isfinite(when)


def _nan_jwt() -> str:
    import base64

    claims = base64.urlsafe_b64encode(b'{"sub":"x","exp":NaN}').decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{claims}.c2ln"


def test_an_expired_refresh_token_is_used_once_and_exchanged_again(
    fake_server: FakeServer, entra_token: str
) -> None:
    """A refresh token whose `exp` is in 1970: no loop, one exchange per token request."""
    _acr(fake_server)
    old = jwt({"sub": ENTRA_USER, "exp": 0})
    fake_server.reply_json("POST", r"/oauth2/exchange", 200, {"refresh_token": old})
    source = _Fixed(entra_token)
    _inspect(fake_server, EntraLogin(sources=[("Azure CLI", source)]))
    exchanges = [r for r in fake_server.requests if r.path_only == "/oauth2/exchange"]
    assert 1 <= len(exchanges) <= 4


def test_a_drip_fed_token_answer_ends_at_the_deadline(
    fake_server: FakeServer, entra_token: str
) -> None:
    _acr(fake_server)

    def drip(_req: FakeRequest) -> tuple[int, dict[str, str], Iterator[bytes]]:
        def body() -> Iterator[bytes]:
            yield b'{"access_token": "'
            for _ in range(40):
                time.sleep(0.1)
                yield b"a"

        return 200, {"Content-Type": "application/json"}, body()

    fake_server.route("POST", r"/oauth2/token", drip)
    error = _inspect(fake_server, EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))]), 1.0)
    assert isinstance(error, RegistryTimeout), error
    _clean(error.sentence, entra_token, RT)


def test_a_hostile_account_name_in_the_entra_token_is_shown_plain(
    authority: EntraAuthority,
) -> None:
    upn = f"alice{BIDI}<b>@contoso.com" + "x" * 10_000
    token = authority.mint(ENTRA_USER, claims={"upn": upn, "unique_name": None})
    login = EntraLogin(sources=[("Azure CLI", _Fixed(token))])
    with operation(timeout=2):
        login.entra_token()
    described = login.describe()
    _clean(described, token, limit=200)
    assert token not in repr(login) and token not in repr(Credentials.of_entra(login))


def test_a_rate_limit_with_a_huge_retry_after_ends_within_the_deadline(
    fake_server: FakeServer, entra_token: str
) -> None:
    _acr(fake_server)
    fake_server.reply_json(
        "POST",
        r"/oauth2/exchange",
        429,
        {"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]},
        {"Retry-After": "99999"},
    )
    error = _inspect(fake_server, EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))]), 3)
    _clean(error.sentence, entra_token)


def test_a_refusal_quoting_the_token_and_markup_is_redacted_and_plain(
    fake_server: FakeServer, entra_token: str
) -> None:
    _acr(fake_server)
    message = f"<b>no</b> &lt;script&gt; {BIDI} you sent {entra_token} " + "x" * 20_000
    fake_server.reply_json(
        "POST",
        r"/oauth2/exchange",
        401,
        {"errors": [{"code": "UNAUTHORIZED", "message": message}]},
        {"X-Ms-Correlation-Request-Id": "c" * 10_000 + "\x1b[31mevil\x7f"},
    )
    error = _inspect(fake_server, EntraLogin(sources=[("Azure CLI", _Fixed(entra_token))]))
    assert isinstance(error, AuthenticationRequired)
    _clean(error.sentence, entra_token, entra_token[:40])
    assert error.correlation_id is None or (
        len(error.correlation_id) <= 64 and error.correlation_id.isprintable()
    )
    assert entra_token not in repr(error) and entra_token not in str(error.args)


# -- ACR error details -----------------------------------------------------------------------
DETAILS: list[Any] = [
    [{"Type": "repository", "Name": f"team/app{i}", "Action": "pull"} for i in range(10_000)],
    [{"Type": {"deep": [1, 2]}, "Name": ["x"], "Action": {"a": 1}}],
    [{"Type": "repository", "Name": "team/app", "Action": 12345}],
    [{"Type": "repository", "Name": f"team/{BIDI}app<b>", "Action": f"pull{BIDI}"}],
    [{"type": "repository", "name": "x" * 100_000, "action": "metadata_read"}],
    {"Type": "repository", "Name": "team/app", "Action": "pull"},
    "not a list",
    [[[[[[[[[[[]]]]]]]]]]],
]


@pytest.mark.parametrize("detail", DETAILS, ids=range(len(DETAILS)))
def test_acr_error_details_are_bounded_and_quoted(fake_server: FakeServer, detail: Any) -> None:
    fake_server.reply("GET", r"/v2/$", 200)
    body = {"errors": [{"code": "DENIED", "message": "denied", "detail": detail}]}
    fake_server.reply_json(
        "GET",
        r"/v2/team/app/manifests/.*",
        403,
        body,
        {"X-Ms-Correlation-Request-Id": "\x1b]0;title\x07" + "c" * 10_000},
    )
    client = RegistryClient(Transport(timeout=(2.0, 3.0)))
    with operation(timeout=5), pytest.raises(RegistryError) as caught:
        client.get_manifest(parse_reference(f"{fake_server.host}/team/app:1"))
    error = caught.value
    _clean(error.sentence, limit=2000)
    assert len(error.missing) <= 50
    for p in error.missing:
        for part in (p.type, p.name, p.action):
            assert isinstance(part, str) and part.isprintable() and len(part) <= 300
    assert error.correlation_id is None or (
        len(error.correlation_id) <= 64 and error.correlation_id.isprintable()
    )


@pytest.mark.parametrize("detail", DETAILS, ids=range(len(DETAILS)))
def test_what_is_missing_is_said_bounded_and_plain(detail: Any) -> None:
    body = {"errors": [{"code": "DENIED", "message": "denied", "detail": detail}]}
    resp = Response(
        403,
        CaseInsensitiveDict({"X-Ms-Correlation-Request-Id": "\x1b]0;t\x07" + "c" * 10_000}),
        json.dumps(body).encode(),
        "https://r.azurecr.io/v2/team/app/manifests/1",
    )
    ctx = RequestContext("r.azurecr.io", "manifest", repository="team/app")
    error = error_for(resp, ctx, username="alice", secrets=())
    _clean(error.sentence, limit=1000)
    assert len(error.missing) <= 8
    assert error.correlation_id is not None and len(error.correlation_id) <= 64
    assert error.correlation_id.isprintable() and "\x1b" not in error.correlation_id


# -- a broken `az` -----------------------------------------------------------------------------
def _az_processes(bin_dir: Path) -> list[str]:
    out = subprocess.run(
        ["ps", "-ww", "-eo", "pid,stat,args"], check=False, capture_output=True, text=True
    ).stdout
    return [line for line in out.splitlines() if str(bin_dir) in line and "ps -eo" not in line]


def test_a_cancel_leaves_no_hanging_az_behind(my_az: Path, authority: EntraAuthority) -> None:
    install_fake_az(my_az, authority, mode="hang", hang_seconds=25)
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    with operation(cancel), pytest.raises(Cancelled):
        EntraLogin().entra_token()
    for _ in range(40):  # up to 2 s for the process to go
        if not _az_processes(my_az):
            break
        time.sleep(0.05)
    assert _az_processes(my_az) == []


def test_a_hanging_az_at_the_deadline_leaves_no_process_for_long(
    my_az: Path, authority: EntraAuthority
) -> None:
    install_fake_az(my_az, authority, mode="hang", hang_seconds=25)
    with operation(timeout=1.0), pytest.raises(RegistryTimeout) as caught:
        EntraLogin().entra_token()
    _clean(caught.value.sentence)
    for _ in range(60):  # az's own timeout is bounded by what was left (1 s)
        if not _az_processes(my_az):
            break
        time.sleep(0.05)
    assert _az_processes(my_az) == []


def test_an_expired_token_from_az_is_refused_by_the_registry_in_a_sentence(
    my_az: Path,
    authority: EntraAuthority,
    token_registry: Registry,
    token_server: TokenServer,
    entra_authority: EntraAuthority,
) -> None:
    install_fake_az(my_az, entra_authority, lifetime=-600)
    login = EntraLogin()
    with operation(timeout=10), pytest.raises(RegistryError) as caught:
        _client(token_registry.host, login).get_manifest(
            parse_reference(f"{token_registry.host}/test/app:oci")
        )
    _clean(caught.value.sentence, *login.secrets())


@pytest.mark.parametrize(
    "claims",
    [
        {"audience": "https://management.core.windows.net/"},
        {"tenant": OTHER_TENANT},
        {"lifetime": -600},
    ],
    ids=["audience", "tenant", "expired"],
)
def test_a_wrong_entra_token_is_refused_in_a_typed_sentence(
    token_registry: Registry,
    token_server: TokenServer,
    entra_authority: EntraAuthority,
    claims: dict[str, Any],
) -> None:
    token = entra_authority.mint(ENTRA_USER, **claims)
    login = EntraLogin(sources=[("Azure CLI", _Fixed(token))])
    with operation(timeout=10), pytest.raises(AuthenticationRequired) as caught:
        _client(token_registry.host, login).get_manifest(
            parse_reference(f"{token_registry.host}/test/app:oci")
        )
    _clean(caught.value.sentence, token)
    assert "AcrPull" in caught.value.sentence


# -- secrets: logs (ours, azure-identity's, msal's), files, keyring ---------------------------
def test_no_token_in_any_log_record_or_file_after_an_az_sign_in(
    my_az: Path,
    fake_server: FakeServer,
    caplog: pytest.LogCaptureFixture,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    marker = tmp_path_factory.mktemp("marker") / "start"
    marker.write_text("")
    time.sleep(0.01)
    caplog.set_level(logging.DEBUG)
    for name in ("azure", "azure.identity", "azure.core", "msal", "urllib3", "acr_desktop"):
        caplog.set_level(logging.DEBUG, logger=name)
    _acr(fake_server)
    echo = {"errors": [{"code": "DENIED", "message": f"you sent {RT}"}]}
    fake_server.reply_json("POST", r"/oauth2/token", 400, echo)
    login = EntraLogin()
    error = _inspect(fake_server, login)
    secrets = (*login.secrets(), RT)
    assert len(login.secrets()) >= 2, login.secrets()
    for secret in secrets:
        assert secret not in error.sentence and secret not in repr(error)
        for record in caplog.records:
            text = record.getMessage() + repr(record.args) + str(record.exc_info)
            assert secret not in text, record.name
    _no_new_file_holds(secrets, marker, tmp_path_factory.getbasetemp())


def _no_new_file_holds(secrets: tuple[str, ...], marker: Path, basetemp: Path) -> None:
    """Files written since `marker` under HOME and /tmp (4 levels) and this run's temp dirs."""
    found = subprocess.run(
        [
            "find",
            str(Path.home()),
            "/tmp",
            "-xdev",
            "-maxdepth",
            "4",
            "-type",
            "f",
            "-newer",
            str(marker),
            "-size",
            "-5M",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    found += [str(p) for p in basetemp.rglob("*") if p.is_file()]
    needles = [s.encode() for s in secrets]
    for name in found:
        try:
            data = Path(name).read_bytes()
        except OSError:
            continue
        assert not any(n in data for n in needles), name


def test_remember_off_keeps_the_refresh_token_out_of_the_keyring() -> None:
    memory = MemoryKeyring()
    store = CredentialStore(memory)
    arrived: list[tuple[EntraLogin, str]] = []
    store.relay_refresh = lambda login, token: arrived.append((login, token))
    login = store.entra_login(sources=[])
    store.session_only("contoso.azurecr.io", Credentials.of_entra(login))
    assert login.on_refresh is not None
    login.on_refresh(RT)
    for got_login, token in arrived:
        store.refresh_arrived(got_login, token)
    assert memory.entries == {}


@pytest.mark.parametrize("sign_out", ["forget", "forget_session"])
def test_a_sign_out_during_a_refresh_never_saves_it_afterwards(
    fake_server: FakeServer, entra_token: str, sign_out: str
) -> None:
    """Remember on; the exchange is in flight when the user signs out; its answer arrives after
    (the relay brings it to the UI thread then): the keyring stays empty."""
    registry = fake_server.host
    memory = MemoryKeyring()
    store = CredentialStore(memory)
    arrived: list[tuple[EntraLogin, str]] = []
    store.relay_refresh = lambda login, token: arrived.append((login, token))
    gate, entered = threading.Event(), threading.Event()
    _acr(fake_server)

    def slow_exchange(_req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        entered.set()
        gate.wait(5)
        return 200, {"Content-Type": "application/json"}, json.dumps({"refresh_token": RT}).encode()

    fake_server.route("POST", r"/oauth2/exchange", slow_exchange)
    login = store.entra_login(sources=[("Azure CLI", _Fixed(entra_token))])
    creds = Credentials.of_entra(login)
    store.save(registry, creds)
    transport = Transport(timeout=(2.0, 5.0))
    transport.set_credentials(registry, creds)
    worker = threading.Thread(target=_swallow, args=(transport, registry), daemon=True)
    worker.start()
    assert entered.wait(5)
    getattr(store, sign_out)(registry, ENTRA_USERNAME)  # sign out (keyring entry or not)
    gate.set()
    worker.join(10)
    for got_login, token in arrived:  # the UI thread handles the relayed token after sign-out
        store.refresh_arrived(got_login, token)
    assert arrived, "the refresh token was never reported"
    assert (service_name(registry), ENTRA_USERNAME) not in memory.entries
    assert memory.entries == {}


def _swallow(transport: Transport, registry: str) -> None:
    with operation(timeout=8), pytest.raises(RegistryError):
        RegistryClient(transport).get_manifest(parse_reference(f"{registry}/team/app:1"))


# -- the CLI ---------------------------------------------------------------------------------
def _cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from acr_desktop.cli import main

    code = main(list(args))
    return code, capsys.readouterr().err


def test_cli_entra_without_any_source_says_what_was_tried(
    my_az: Path,
    authority: EntraAuthority,
    fake_server: FakeServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_fake_az(my_az, authority, mode="not_logged_in")
    _acr(fake_server)
    code, err = _cli("inspect", f"{fake_server.host}/team/app:1", "--entra", capsys=capsys)
    assert code == EXIT_AUTH, err
    assert "az login" in err and "Traceback" not in err
    assert all(line.isprintable() for line in err.splitlines())


def test_cli_entra_with_a_hanging_az_ends_at_its_timeout(
    my_az: Path,
    authority: EntraAuthority,
    fake_server: FakeServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_fake_az(my_az, authority, mode="hang", hang_seconds=25)
    _acr(fake_server)
    ref = f"{fake_server.host}/team/app:1"
    code, err = _cli("inspect", ref, "--entra", "--timeout", "2", capsys=capsys)
    assert code == EXIT_ERROR, err
    assert "did not finish" in err and "Traceback" not in err


def test_cli_entra_without_the_extra_exits_4_with_the_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from acr_desktop.registry import entra

    monkeypatch.setattr(entra, "azure_identity_available", lambda: False)
    code, err = _cli("inspect", "contoso.azurecr.io/app:1", "--entra", capsys=capsys)
    assert code == EXIT_AUTH
    assert "pip install 'acr-desktop[azure]'" in err


def test_cli_stderr_never_holds_a_token(
    my_az: Path, fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _acr(fake_server)
    message = {"errors": [{"code": "DENIED", "message": f"echo {RT}"}]}
    fake_server.reply_json("POST", r"/oauth2/token", 400, message)
    code, err = _cli("inspect", f"{fake_server.host}/team/app:1", "--entra", capsys=capsys)
    assert code != 0
    assert RT not in err and "eyJ" not in err and "Traceback" not in err


def test_entra_unavailable_is_a_typed_sentence_without_sources() -> None:
    with operation(timeout=2), pytest.raises(EntraUnavailable) as caught:
        EntraLogin(sources=[]).entra_token()
    _clean(caught.value.sentence)
