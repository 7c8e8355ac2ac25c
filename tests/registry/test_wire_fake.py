"""Behaviour a real registry cannot be made to show, on a programmable local server: pagination
with Link, 429 + Retry-After, lying digests, cross-host redirects, oversized and odd bodies,
a server that never answers."""

from __future__ import annotations

import hashlib
import json

import pytest

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import (
    AuthenticationRequired,
    DigestMismatch,
    InvalidResponse,
    NotFound,
    RateLimited,
    RegistryTimeout,
    RegistryUnreachable,
    ServerError,
    TooLarge,
)
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.operation import operation
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import FakeRequest, FakeServer
from tests.rig.fake_server import error_body, stream

MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": {"mediaType": mt.OCI_CONFIG, "digest": "sha256:" + "c" * 64, "size": 3},
        "layers": [],
    }
).encode()
MANIFEST_DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()


def client_for(
    waits: list[float] | None = None, timeout: tuple[float, float] = (2, 5)
) -> RegistryClient:
    sleeps = waits if waits is not None else []
    return RegistryClient(Transport(timeout=timeout, sleep=sleeps.append))


def serve_manifest(server: FakeServer, body: bytes, headers: dict[str, str] | None = None) -> None:
    server.reply(
        "GET",
        r"/v2/r/manifests/.+",
        200,
        {"Content-Type": mt.OCI_MANIFEST, **(headers or {})},
        body,
    )


def test_tags_follow_link_over_pages_and_skip_garbage(fake_server: FakeServer) -> None:
    pages = {
        "": (
            {"name": "r", "tags": ["a", None, "b"]},
            '</v2/r/tags/list?n=1000&last=b>; rel="next"',
        ),
        "b": (
            {"name": "r", "tags": ["c", 5, ""]},
            f'<{fake_server.url}/v2/r/tags/list?last=c&n=1000>; rel="next"',
        ),
        "c": ({"name": "r", "tags": None}, None),
    }

    def handler(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        body, link = pages[req.query.get("last", [""])[0]]
        return (
            200,
            {"Content-Type": "application/json", **({"Link": link} if link else {})},
            json.dumps(body).encode(),
        )

    fake_server.route("GET", r"/v2/r/tags/list", handler)
    pages_seen = list(client_for().iter_tags(fake_server.host, "r"))
    assert pages_seen == [["a", "b"], ["c"], []]
    assert [r.query.get("n") for r in fake_server.requests] == [["1000"]] * 3


def test_link_to_another_host_is_refused(fake_server: FakeServer) -> None:
    fake_server.reply_json(
        "GET",
        r"/v2/r/tags/list",
        200,
        {"tags": ["a"]},
        headers={"Link": '<http://127.0.0.2:1/v2/r/tags/list?last=a>; rel="next"'},
    )
    pages = client_for().iter_tags(fake_server.host, "r")
    assert next(pages) == ["a"]
    with pytest.raises(InvalidResponse, match="another host"):
        next(pages)


def test_429_waits_retry_after_and_retries(fake_server: FakeServer) -> None:
    answers = [429, 429, 200]

    def handler(_req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        status = answers.pop(0)
        if status == 429:
            return 429, {"Retry-After": "2"}, error_body("TOOMANYREQUESTS", "slow down")
        return 200, {"Content-Type": mt.OCI_MANIFEST}, MANIFEST

    fake_server.route("GET", r"/v2/r/manifests/t", handler)
    waits: list[float] = []
    client = client_for(waits)
    told: list[tuple[float, int]] = []
    with operation(on_wait=lambda s, n: told.append((s, n))):
        fetched = client.get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert fetched.digest == MANIFEST_DIGEST
    assert waits == [2.0, 2.0]
    assert told == [(2.0, 1), (2.0, 2)]


def test_429_gives_up_after_bounded_retries(fake_server: FakeServer) -> None:
    fake_server.reply("GET", r"/v2/r/manifests/t", 429, {"Retry-After": "1"}, b"")
    waits: list[float] = []
    with pytest.raises(RateLimited) as info:
        client_for(waits).get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert info.value.retry_after == 1.0
    assert len(waits) == 3
    assert len(fake_server.requests) == 4


def test_429_with_a_long_wait_is_reported_not_slept(fake_server: FakeServer) -> None:
    fake_server.reply(
        "GET", r"/v2/r/manifests/t", 429, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}, b""
    )
    waits: list[float] = []
    with pytest.raises(RateLimited, match="limiting requests"):
        client_for(waits).get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert waits == []


def test_lying_docker_content_digest_is_flagged(fake_server: FakeServer) -> None:
    lie = "sha256:" + "0" * 64
    serve_manifest(fake_server, MANIFEST, {"Docker-Content-Digest": lie})
    fetched = client_for().get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert fetched.digest == MANIFEST_DIGEST
    assert fetched.header_mismatch
    assert not fetched.verified
    assert any(lie in w for w in fetched.warnings)


def test_honest_header_verifies(fake_server: FakeServer) -> None:
    serve_manifest(fake_server, MANIFEST, {"Docker-Content-Digest": MANIFEST_DIGEST})
    fetched = client_for().get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert fetched.verified_by == "Docker-Content-Digest"
    assert fetched.reference.digest == MANIFEST_DIGEST


def test_by_digest_body_that_does_not_match_is_an_error(fake_server: FakeServer) -> None:
    asked = "sha256:" + "9" * 64
    serve_manifest(fake_server, MANIFEST, {"Docker-Content-Digest": asked})
    with pytest.raises(DigestMismatch) as info:
        client_for().get_manifest(parse_reference(f"{fake_server.host}/r@{asked}"))
    assert info.value.expected == asked
    assert info.value.actual == MANIFEST_DIGEST


def test_redirect_to_another_host_gets_no_authorization(
    fake_server: FakeServer, other_fake_server: FakeServer
) -> None:
    blob = b'{"architecture":"amd64","os":"linux"}'
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    realm = f"{fake_server.url}/token"

    def registry(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if req.header("Authorization") != "Bearer t0ken-SECRET":
            return 401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="fake"'}, b""
        return 307, {"Location": f"{other_fake_server.url}/storage/blob?sig=abc"}, b""

    fake_server.route("GET", r"/v2/r/blobs/.+", registry)
    fake_server.reply_json("GET", r"/token.*", 200, {"token": "t0ken-SECRET"})
    other_fake_server.reply(
        "GET", r"/storage/blob.*", 200, {"Content-Type": "application/octet-stream"}, blob
    )
    client = client_for()
    client.transport.set_credentials(fake_server.host, Credentials("u", "pw-SECRET"))
    ref = parse_reference(f"{fake_server.host}/r:t")
    config = client.get_config(ref, Descriptor(mt.OCI_CONFIG, digest, len(blob)))
    assert config.config.architecture == "amd64"
    [storage_request] = other_fake_server.requests
    assert storage_request.header("Authorization") is None
    assert fake_server.requests[-1].header("Authorization") == "Bearer t0ken-SECRET"


def test_blob_that_does_not_match_its_descriptor(fake_server: FakeServer) -> None:
    fake_server.reply("GET", r"/v2/r/blobs/.+", 200, {}, b"something else")
    ref = parse_reference(f"{fake_server.host}/r:t")
    with pytest.raises(DigestMismatch):
        client_for().get_config(ref, Descriptor(mt.OCI_CONFIG, "sha256:" + "1" * 64, 14))


def test_five_mib_manifest_is_refused_without_reading_it(fake_server: FakeServer) -> None:
    fake_server.route(
        "GET",
        r"/v2/r/manifests/big",
        lambda _r: (
            200,
            {"Content-Type": mt.OCI_MANIFEST, "Content-Length": str(5 * 2**20)},
            stream(5 * 2**20),
        ),
    )
    with pytest.raises(TooLarge) as info:
        client_for().get_manifest(parse_reference(f"{fake_server.host}/r:big"))
    assert info.value.limit == 4 * 2**20


def test_oversized_body_without_length_stops_at_the_cap(fake_server: FakeServer) -> None:
    fake_server.route(
        "GET",
        r"/v2/r/manifests/big",
        lambda _r: (
            200,
            {"Content-Type": mt.OCI_MANIFEST, "Transfer-Encoding": "chunked"},
            stream(5 * 2**20),
        ),
    )
    with pytest.raises(TooLarge):
        client_for().get_manifest(parse_reference(f"{fake_server.host}/r:big"))


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            b"<html><head><title>502 Bad Gateway</title></head></html>",
            "text/html",
            "HTML page titled “502 Bad Gateway”",
        ),
        (b"", "", "failed (HTTP 502)"),
        (error_body("UNAVAILABLE", "maintenance"), "application/json", "maintenance"),
    ],
)
def test_error_bodies_become_sentences(
    fake_server: FakeServer, body: bytes, content_type: str, expected: str
) -> None:
    fake_server.reply("GET", r"/v2/r/manifests/t", 502, {"Content-Type": content_type}, body)
    with pytest.raises(ServerError) as info:
        client_for().get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert expected in str(info.value)
    assert info.value.status == 502


def test_not_found_says_which_part(fake_server: FakeServer) -> None:
    """A missing tag in an existing repository is a missing tag; a missing repository says so."""
    fake_server.reply(
        "GET", r"/v2/r/manifests/t", 404, {}, error_body("MANIFEST_UNKNOWN", "manifest unknown")
    )
    fake_server.reply(
        "GET",
        r"/v2/nope/manifests/t",
        404,
        {},
        error_body("NAME_UNKNOWN", "repository name not known"),
    )
    fake_server.reply("GET", r"/v2/empty/manifests/t", 404, {}, b"")
    fake_server.reply_json("GET", r"/v2/(r|empty)/tags/list", 200, {"tags": ["x"]})
    client = client_for()
    with pytest.raises(NotFound) as tag:
        client.get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert tag.value.what == "tag" and "“t”" in str(tag.value)
    with pytest.raises(NotFound) as repo:
        client.get_manifest(parse_reference(f"{fake_server.host}/nope:t"))
    assert repo.value.what == "repository" and "“nope”" in str(repo.value)
    with pytest.raises(NotFound) as empty:
        client.get_manifest(parse_reference(f"{fake_server.host}/empty:t"))
    assert empty.value.what == "tag"


def test_server_that_never_answers_times_out(fake_server: FakeServer) -> None:
    fake_server.hang("GET", r"/v2/r/manifests/t")
    with pytest.raises(RegistryTimeout) as info:
        client_for(timeout=(1, 0.5)).get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    assert fake_server.host in str(info.value)


def test_connection_refused_names_the_host() -> None:
    with pytest.raises(RegistryUnreachable) as info:
        client_for(timeout=(1, 1)).get_manifest(parse_reference("127.0.0.1:9/r:t"))
    assert "127.0.0.1:9" in str(info.value) and "refused" in str(info.value)


def test_post_refused_falls_back_to_get_for_refresh_tokens(fake_server: FakeServer) -> None:
    realm = f"{fake_server.url}/oauth2/token"
    fake_server.reply("POST", r"/oauth2/token", 405, {}, b"")
    fake_server.reply_json("GET", r"/oauth2/token.*", 200, {"access_token": "a-SECRET"})

    def registry(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if req.header("Authorization") != "Bearer a-SECRET":
            return 401, {"WWW-Authenticate": f'Bearer realm="{realm}",service="fake"'}, b""
        return 200, {"Content-Type": mt.OCI_MANIFEST}, MANIFEST

    fake_server.route("GET", r"/v2/r/manifests/t", registry)
    client = client_for()
    client.transport.set_credentials(
        fake_server.host, Credentials.for_user("00000000-0000-0000-0000-000000000000", "rt-SECRET")
    )
    client.get_manifest(parse_reference(f"{fake_server.host}/r:t"))
    methods = [(r.method, r.path_only) for r in fake_server.requests]
    assert methods == [
        ("GET", "/v2/r/manifests/t"),
        ("POST", "/oauth2/token"),
        ("GET", "/oauth2/token"),
        ("GET", "/v2/r/manifests/t"),
    ]


def test_basic_challenge_without_credentials(fake_server: FakeServer) -> None:
    fake_server.reply(
        "GET", r"/v2/r/manifests/t", 401, {"WWW-Authenticate": 'Basic realm="x"'}, b""
    )
    with pytest.raises(AuthenticationRequired, match="requires you to sign in"):
        client_for().get_manifest(parse_reference(f"{fake_server.host}/r:t"))
