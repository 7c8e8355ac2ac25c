"""ACR error bodies: the `detail` list turned into the missing permission in a sentence, the
catalog and metadata_read walls explained, the correlation id carried on the error; Distribution's
own `detail` (the real registry) read the same way; hostile bodies and headers never crash and
never show raw."""

from __future__ import annotations

import base64
import json

import pytest
from requests.structures import CaseInsensitiveDict

from acr_desktop.registry.auth import Credentials, Token
from acr_desktop.registry.challenge import Challenge
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import (
    CATALOG_ROLE,
    READER_ROLE,
    AccessDenied,
    AuthenticationRequired,
    Permission,
    RegistryError,
)
from acr_desktop.registry.problems import (
    MAX_CORRELATION_ID,
    MAX_MISSING,
    RequestContext,
    auth_error,
    correlation_id,
    error_for,
    missing_permissions,
)
from acr_desktop.registry.sending import Response
from acr_desktop.registry.transport import Transport
from tests.rig import FakeRequest, FakeServer, Registry
from tests.rig.token_server import PULLER_PASSWORD, PULLER_USER

ACR_MESSAGE = (
    "authentication required, visit https://aka.ms/acr/authorization for more information."
)
CID = "2b3c5d6e-0f1a-4b2c-8d9e-0123456789ab"


def acr_body(*detail: dict[str, str]) -> bytes:
    """ACR's 401 body (Azure/acr#675: `[map[Action:* Name:catalog Type:registry]]`)."""
    return json.dumps(
        {"errors": [{"code": "UNAUTHORIZED", "message": ACR_MESSAGE, "detail": list(detail)}]}
    ).encode()


def answer(status: int, body: bytes, **headers: str) -> Response:
    fields = CaseInsensitiveDict({k.replace("_", "-"): v for k, v in headers.items()})
    return Response(status, fields, body, "https://myreg.azurecr.io/v2/")


def jwt(access: list[dict[str, object]]) -> str:
    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'none'})}.{b64({'access': access, 'exp': 4102444800})}.sig-SECRET"


def acr_fake(server: FakeServer, actions: list[str], status: int = 401) -> str:
    """An ACR-like fake: a bearer challenge, a token granting `actions` on team/app, and ACR's
    refusal (its body, a correlation id) of `/acr/v1` without metadata_read."""
    token = jwt([{"type": "repository", "name": "team/app", "actions": actions}])
    realm = f"{server.url}/oauth2/token"
    scope = "repository:team/app:pull,metadata_read"

    def tags(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        challenge = f'Bearer realm="{realm}",service="fake",scope="{scope}"'
        if req.header("Authorization") != f"Bearer {token}":
            return 401, {"WWW-Authenticate": challenge}, b""
        refused = acr_body({"Type": "repository", "Name": "team/app", "Action": "metadata_read"})
        headers = {
            "WWW-Authenticate": challenge + ',error="insufficient_scope"',
            "Content-Type": "application/json",
            "X-Ms-Correlation-Request-Id": CID,
            "X-Ms-Request-Id": "not-this-one",
        }
        return status, headers, refused

    server.route("POST", r"/oauth2/token", lambda _r: (405, {}, b""))
    server.route(
        "GET",
        r"/oauth2/token",
        lambda _r: (200, {"Content-Type": "application/json"}, json.dumps({"access_token": token})),
    )
    server.route("GET", r"/acr/v1/team/app/_tags", tags)
    return token


def client_with(server: FakeServer, user: str = "u") -> RegistryClient:
    transport = Transport(timeout=(2, 5))
    transport.set_credentials(server.host, Credentials(user, "p-SECRET"))
    return RegistryClient(transport)


# -- the missing permission, in a sentence ---------------------------------------------------


def test_acr_metadata_read_refusal_names_it_and_carries_the_correlation_id(
    fake_server: FakeServer,
) -> None:
    acr_fake(fake_server, ["pull"])
    client = client_with(fake_server)
    with pytest.raises(AccessDenied) as info:
        list(client.iter_acr_tags(fake_server.host, "team/app"))
    exc = info.value
    assert exc.missing == (Permission("repository", "team/app", "metadata_read"),)
    assert exc.correlation_id == CID  # the correlation id first, not X-Ms-Request-Id
    assert "granted pull on team/app; this needs pull, metadata_read on team/app." in exc.sentence
    assert "no times, digests or locks" in exc.sentence
    assert "AcrPull usually includes it" in exc.sentence and READER_ROLE in exc.sentence
    assert "metadata/read in its scope map" in exc.sentence
    assert "SECRET" not in exc.sentence


def test_a_403_with_acr_detail_says_your_sign_in_lacks(fake_server: FakeServer) -> None:
    ctx = RequestContext("myreg.azurecr.io", "metadata", "team/app")
    body = acr_body({"type": "repository", "name": "team/app", "action": "metadata_read"})
    exc = error_for(answer(403, body, X_Ms_Request_Id="req-1"), ctx, username="alice")
    assert isinstance(exc, AccessDenied)
    assert "Your sign-in lacks metadata_read on repository team/app." in exc.sentence
    assert exc.correlation_id == "req-1"  # X-Ms-Request-Id when there is no correlation id


def test_several_missing_are_joined_and_grouped() -> None:
    ctx = RequestContext("myreg.azurecr.io", "manifest", "team/app", "1.0")
    body = acr_body(
        {"Type": "repository", "Name": "team/app", "Action": "pull"},
        {"Type": "repository", "Name": "team/app", "Action": "metadata_read"},
        {"Type": "registry", "Name": "catalog", "Action": "*"},
    )
    exc = error_for(answer(403, body), ctx, username="alice")
    assert (
        "Your sign-in lacks pull, metadata_read on repository team/app and the right to list "
        "repositories (registry:catalog:*)." in exc.sentence
    )
    assert CATALOG_ROLE in exc.sentence and "To read images, ask for AcrPull" in exc.sentence


def test_acr_catalog_wall_explained(fake_server: FakeServer) -> None:
    token = jwt([{"type": "registry", "name": "catalog", "actions": []}])
    realm = f"{fake_server.url}/oauth2/token"

    def catalog(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        challenge = f'Bearer realm="{realm}",service="fake",scope="registry:catalog:*"'
        headers = {"WWW-Authenticate": challenge, "X-Ms-Correlation-Request-Id": CID}
        return 401, headers, acr_body({"Type": "registry", "Name": "catalog", "Action": "*"})

    fake_server.route("POST", r"/oauth2/token", lambda _r: (405, {}, b""))
    fake_server.reply_json("GET", r"/oauth2/token", 200, {"access_token": token})
    fake_server.route("GET", r"/v2/_catalog", catalog)
    client = client_with(fake_server)
    with pytest.raises(AccessDenied) as info:
        list(client.iter_catalog(fake_server.host))
    exc = info.value
    assert exc.missing == (Permission("registry", "catalog", "*"),)
    assert exc.correlation_id == CID
    # an ACR by its error text ("aka.ms/acr"), though the host is 127.0.0.1
    assert f"Open a repository by name, or ask for the {CATALOG_ROLE} role" in exc.sentence
    assert "scope map covers all repositories (*)" in exc.sentence


def test_the_real_registry_sends_distribution_detail(token_registry: Registry) -> None:
    """Debian's docker-registry (Distribution) names what it needs in `detail`, with `Class`:
    the puller's catalog refusal and an anonymous pull are read from it."""
    transport = Transport()
    transport.set_credentials(token_registry.host, Credentials(PULLER_USER, PULLER_PASSWORD))
    puller = RegistryClient(transport)
    with pytest.raises(AccessDenied) as info:
        list(puller.iter_catalog(token_registry.host))
    assert info.value.missing == (Permission("registry", "catalog", "*"),)
    assert "ask the registry's owner for the catalog permission" in info.value.sentence
    assert CATALOG_ROLE not in info.value.sentence  # not an ACR: no Azure role names
    assert info.value.correlation_id is None

    anonymous = RegistryClient(Transport())
    with pytest.raises(RegistryError) as anon:
        list(anonymous.iter_tags(token_registry.host, "test/app"))
    assert anon.value.missing == (Permission("repository", "test/app", "pull"),)


def test_the_correlation_id_travels_on_a_token_less_refusal(fake_server: FakeServer) -> None:
    fake_server.reply(
        "GET",
        r"/v2/team/app/tags/list",
        401,
        {"WWW-Authenticate": 'Basic realm="x"', "X-Ms-Correlation-Request-Id": CID},
        acr_body({"Type": "repository", "Name": "team/app", "Action": "pull"}),
    )
    with pytest.raises(AuthenticationRequired) as info:
        list(client_with(fake_server).iter_tags(fake_server.host, "team/app"))
    assert info.value.correlation_id == CID
    assert "Your sign-in lacks pull on repository team/app." in info.value.sentence


def test_auth_error_reads_the_body_and_the_headers() -> None:
    ctx = RequestContext("myreg.azurecr.io", "metadata", "team/app")
    token = Token("t-SECRET", 0, 10**10, ())
    exc = auth_error(
        answer(401, acr_body(), X_Ms_Correlation_Request_Id=CID),
        ctx,
        username="alice",
        token=token,
        wanted=frozenset({"repository:team/app:pull,metadata_read"}),
        challenge=Challenge("bearer", {"realm": "https://x/", "error": "insufficient_scope"}),
    )
    assert isinstance(exc, AccessDenied)
    assert exc.correlation_id == CID
    # no detail: what the token lacks of what was wanted
    assert set(exc.missing) == {
        Permission("repository", "team/app", "pull"),
        Permission("repository", "team/app", "metadata_read"),
    }


# -- hostile answers -------------------------------------------------------------------------


HOSTILE_DETAILS: list[object] = [
    None,
    "a string",
    42,
    [None, 1, "x", [], {}],
    {"Type": "repository", "Name": "team/app", "Action": "pull"},  # a dict, not a list
    [{"Type": ["nested"], "Name": {"x": 1}, "Action": None}],
    [{"Type": "", "Name": "", "Action": ""}],
    [{"TYPE": "repository", "nAmE": "a/b", "ACTION": "pull", "Class": "junk"}],
]


@pytest.mark.parametrize("detail", HOSTILE_DETAILS)
def test_any_detail_shape_is_read_or_ignored(detail: object) -> None:
    body = json.dumps({"errors": [{"code": "DENIED", "message": "no", "detail": detail}]})
    missing = missing_permissions(answer(403, body.encode()))
    assert all(isinstance(p, Permission) for p in missing)
    assert len(missing) <= 1


def test_hostile_detail_text_never_appears_raw() -> None:
    evil = "<b>x</b>\x1b[31m\u202eevil\u202c" + "A" * 10_000
    entries = [{"Type": "repository", "Name": f"{i}{evil}", "Action": "pull\n"} for i in range(100)]
    body = json.dumps({"errors": [{"code": "DENIED", "message": evil, "detail": entries}]})
    resp = answer(403, body.encode(), X_Ms_Correlation_Request_Id=evil)
    exc = error_for(resp, RequestContext("myreg.azurecr.io", "tags", "a/b"), username="u")
    assert len(exc.missing) == MAX_MISSING
    for p in exc.missing:
        assert p.name.isprintable() and len(p.name) <= 200 and p.action == "pull"
    assert exc.correlation_id is not None and len(exc.correlation_id) <= MAX_CORRELATION_ID
    assert exc.correlation_id.isprintable()
    for text in (exc.sentence, exc.correlation_id):
        assert "\x1b" not in text and "\u202e" not in text and "\n" not in text
    assert len(exc.sentence) < 5000


def test_secrets_in_detail_are_redacted() -> None:
    detail = [{"Type": "repository", "Name": "p-SECRET-value", "Action": "pull"}]
    body = json.dumps({"errors": [{"code": "DENIED", "detail": detail}]}).encode()
    exc = error_for(
        answer(403, body, X_Ms_Correlation_Request_Id="id p-SECRET-value"),
        RequestContext("r.example", "tags", "a/b"),
        username="u",
        secrets=("p-SECRET-value",),
    )
    assert "p-SECRET-value" not in exc.sentence
    assert all("p-SECRET-value" not in p.name for p in exc.missing)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"X-Ms-Correlation-Request-Id": "   "}, None),
        ({"x-ms-correlation-request-id": "abc"}, "abc"),
        ({"X-Ms-Request-Id": "r1"}, "r1"),
        ({"X-Ms-Correlation-Request-Id": "a\u202eb\x00c"}, "a b c"),
        ({"X-Ms-Correlation-Request-Id": "x" * 5000}, "x" * (MAX_CORRELATION_ID - 1) + "…"),
    ],
)
def test_correlation_id_header(headers: dict[str, str], expected: str | None) -> None:
    assert correlation_id(CaseInsensitiveDict(headers)) == expected


def test_a_huge_detail_list_is_linear_enough() -> None:
    entries = [{"Type": "t", "Name": str(i), "Action": "a"} for i in range(4_000)]
    body = json.dumps({"errors": [{"detail": entries}] * 20}).encode()  # ~4 MiB: the cap
    assert len(missing_permissions(answer(401, body))) == MAX_MISSING


def test_the_metadata_wall_note_on_the_plain_tag_list(fake_server: FakeServer) -> None:
    from acr_desktop.ui.nav_jobs import list_tags

    acr_fake(fake_server, ["pull"])
    fake_server.reply_json("GET", r"/v2/team/app/tags/list", 200, {"tags": ["1.0"]})
    result = list_tags(client_with(fake_server), fake_server.host, "team/app", True, print)
    assert not result.acr
    assert result.note == (
        "Showing the plain tag list: times, digests, signing and locks need the metadata_read "
        f"permission on team/app (AcrPull usually includes it; on registries with ABAC repository "
        f"permissions, {READER_ROLE}; for a token, metadata/read in its scope map)."
    )


def test_a_token_service_failure_carries_its_correlation_id(fake_server: FakeServer) -> None:
    realm = f"{fake_server.url}/oauth2/token"
    fake_server.reply("GET", r"/v2/", 401, {"WWW-Authenticate": f'Bearer realm="{realm}"'})
    fake_server.reply(
        "*",
        r"/oauth2/token",
        500,
        {"Content-Type": "application/json", "X-Ms-Correlation-Request-Id": CID},
        b'{"errors":[{"code":"UNKNOWN","message":"token service broke"}]}',
    )
    with pytest.raises(RegistryError) as info:
        client_with(fake_server).sign_in(fake_server.host)
    assert info.value.correlation_id == CID
    assert "token service" in info.value.sentence
