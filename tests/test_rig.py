"""Sanity tests of the test rig itself, with plain requests (no acr_desktop)."""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

import jwt
import pytest
import requests
from cryptography import x509

from tests.rig import (
    ACCEPT,
    ALICE_PASSWORD,
    ALICE_USER,
    PULLER_PASSWORD,
    PULLER_USER,
    REFRESH_TOKEN,
    REFRESH_USER,
    FakeServer,
    Registry,
)
from tests.rig.content import IN_TOTO, OCI_EMPTY, SBOM_ARTIFACT_TYPE, build
from tests.rig.fake_server import stream

T = 5  # seconds: every request in these tests has a timeout


def get_token(
    registry: Registry, scopes: list[str], auth: tuple[str, str] | None = None
) -> dict[str, Any]:
    assert registry.token_server is not None
    resp = requests.get(
        registry.token_server.realm,
        params={"service": registry.host, "scope": scopes},
        auth=auth,
        timeout=T,
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def claims(token: str, registry: Registry) -> dict[str, Any]:
    assert registry.token_server is not None
    cert = x509.load_pem_x509_certificate(registry.token_server.cert_path.read_bytes())
    decoded: dict[str, Any] = jwt.decode(
        token,
        cert.public_key(),  # type: ignore[arg-type]  # an EC key from the test rig
        algorithms=["ES256"],
        audience=registry.host,
    )
    return decoded


def get_manifest(registry: Registry, repo: str, ref: str, token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": ACCEPT}
    return requests.get(f"{registry.url}/v2/{repo}/manifests/{ref}", headers=headers, timeout=T)


def test_acr_recipe_returns_exact_index_bytes(token_registry: Registry) -> None:
    body = get_token(token_registry, ["repository:test/app:pull"], (ALICE_USER, ALICE_PASSWORD))
    assert set(body) == {"access_token"}  # like ACR: no expires_in, no token
    resp = get_manifest(token_registry, "test/app", "index", body["access_token"])
    expected = token_registry.content["test/app:index"]
    assert resp.status_code == 200
    assert resp.content == expected.data
    assert resp.headers["Docker-Content-Digest"] == expected.digest
    assert resp.headers["Content-Type"] == expected.media_type
    assert token_registry.token_server is not None
    (record,) = token_registry.token_server.requests
    assert record.has_authorization and record.grant_type is None and record.identity == "alice"
    assert ALICE_PASSWORD not in repr(record)


def test_token_is_acr_like(token_registry: Registry) -> None:
    token = get_token(
        token_registry, ["repository:test/app:pull,push"], (ALICE_USER, ALICE_PASSWORD)
    )
    header = jwt.get_unverified_header(token["access_token"])
    assert token_registry.token_server is not None
    assert header["kid"] == token_registry.token_server.kid
    c = claims(token["access_token"], token_registry)
    assert c["aud"] == token_registry.host and c["exp"] - c["iat"] == 300
    assert c["access"] == [{"type": "repository", "name": "test/app", "actions": ["pull", "push"]}]
    token_registry.token_server.send_expires_in = True
    token_registry.token_server.lifetime = 90
    body = get_token(token_registry, ["registry:catalog:*"], (ALICE_USER, ALICE_PASSWORD))
    assert body["expires_in"] == 90
    resp = requests.get(
        f"{token_registry.url}/v2/_catalog",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=T,
    )
    assert resp.json() == {"repositories": ["public/hello", "test/app", "test/other"]}


def test_puller_gets_no_push(token_registry: Registry) -> None:
    body = get_token(
        token_registry, ["repository:test/app:pull,push"], (PULLER_USER, PULLER_PASSWORD)
    )
    access = claims(body["access_token"], token_registry)["access"]
    assert access == [{"type": "repository", "name": "test/app", "actions": ["pull"]}]
    assert get_manifest(token_registry, "test/app", "oci", body["access_token"]).status_code == 200
    resp = requests.post(
        f"{token_registry.url}/v2/test/app/blobs/uploads/",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=T,
    )
    assert resp.status_code == 401


def test_anonymous_reads_public_only(token_registry: Registry) -> None:
    scopes = ["repository:public/hello:pull repository:test/app:pull"]  # space-separated in one
    token = get_token(token_registry, scopes)["access_token"]
    assert claims(token, token_registry)["access"] == [
        {"type": "repository", "name": "public/hello", "actions": ["pull"]},
        {"type": "repository", "name": "test/app", "actions": []},
    ]
    resp = get_manifest(token_registry, "public/hello", "latest", token)
    assert resp.content == token_registry.content["public/hello:latest"].data
    assert get_manifest(token_registry, "test/app", "oci", token).status_code == 401


def test_token_post_grants_and_refusals(token_registry: Registry) -> None:
    ts = token_registry.token_server
    assert ts is not None
    form = {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "service": token_registry.host,
        "scope": "repository:test/app:pull repository:test/other:pull",
        "client_id": "acr-desktop",
    }
    resp = requests.post(ts.realm, data=form, timeout=T)
    assert resp.status_code == 200 and set(resp.json()) == {"access_token"}
    access = claims(resp.json()["access_token"], token_registry)["access"]
    assert [a["name"] for a in access] == ["test/app", "test/other"]
    assert REFRESH_TOKEN not in repr(ts.requests)
    assert ts.requests[-1].form_fields == sorted(form)
    get_token(token_registry, ["repository:test/app:pull"], (REFRESH_USER, REFRESH_TOKEN))
    wrong = {"grant_type": "password", "username": PULLER_USER, "password": "nope"}
    resp = requests.post(ts.realm, data=wrong, timeout=T)
    assert resp.status_code == 401 and resp.json()["errors"][0]["code"] == "UNAUTHORIZED"
    ts.post_enabled = False
    assert requests.post(ts.realm, data=form, timeout=T).status_code == 405


def test_expired_token_is_refused(token_registry: Registry) -> None:
    assert token_registry.token_server is not None
    access = [{"type": "repository", "name": "test/app", "actions": ["pull"]}]
    token = token_registry.token_server.mint(access, lifetime=-120, service=token_registry.host)
    assert get_manifest(token_registry, "test/app", "oci", token).status_code == 401


def test_basic_registry(basic_registry: Registry) -> None:
    url = f"{basic_registry.url}/v2/test/app/manifests/docker"
    resp = requests.get(url, headers={"Accept": ACCEPT}, timeout=T)
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Basic ")
    assert basic_registry.username and basic_registry.password
    auth = (basic_registry.username, basic_registry.password)
    resp = requests.get(url, headers={"Accept": ACCEPT}, auth=auth, timeout=T)
    assert resp.status_code == 200
    assert resp.content == basic_registry.content["test/app:docker"].data


def test_anon_registry_serves_every_manifest_and_blob(anon_registry: Registry) -> None:
    content = anon_registry.content
    with requests.Session() as session:
        for digest, manifest in content.by_digest.items():
            url = f"{anon_registry.url}/v2/{manifest.repository}/manifests/{digest}"
            resp = session.get(url, headers={"Accept": ACCEPT}, timeout=T)
            assert resp.content == manifest.data, digest
            for blob in ([manifest.config] if manifest.config else []) + manifest.layers:
                url = f"{anon_registry.url}/v2/{manifest.repository}/blobs/{blob.digest}"
                data = session.get(url, timeout=T).content
                assert data == blob.data and len(data) == blob.size, blob.digest
        resp = session.get(f"{anon_registry.url}/v2/test/app/tags/list", timeout=T)
        assert sorted(resp.json()["tags"]) == content.tags("test/app")


def test_content_is_deterministic_and_realistic() -> None:
    first, second = build(), build()
    assert [m.digest for _, m in first] == [m.digest for _, m in second]
    refs = {f"{m.repository}:{tag}": m for tag, m in first}
    oci = refs["test/app:oci"]
    assert oci.config is not None
    config = json.loads(oci.config.data)
    assert config["rootfs"]["diff_ids"] == [
        "sha256:" + hashlib.sha256(gzip.decompress(layer.data)).hexdigest() for layer in oci.layers
    ]
    assert len(config["history"]) == 4
    assert sum(bool(h.get("empty_layer")) for h in config["history"]) == 2
    entries = refs["test/app:index"].json["manifests"]
    assert entries[1]["platform"] == {"architecture": "arm64", "os": "linux", "variant": "v8"}
    att = entries[2]
    assert att["platform"] == {"architecture": "unknown", "os": "unknown"}
    assert att["annotations"]["vnd.docker.reference.digest"] == entries[0]["digest"]
    assert refs["test/app:index"].children[2].layers[0].media_type == IN_TOTO
    art = refs["test/app:artifact"].json
    assert art["artifactType"] == SBOM_ARTIFACT_TYPE and art["config"]["mediaType"] == OCI_EMPTY
    assert art["subject"]["digest"] == oci.digest
    platforms = [e["platform"] for e in refs["test/app:list"].json["manifests"]]
    assert platforms[1] == {"architecture": "arm", "os": "linux", "variant": "v7"}


def test_fake_server_routes_and_log(fake_server: FakeServer) -> None:
    fake_server.reply("GET", r"/v2/", 200, {"Docker-Distribution-Api-Version": "registry/2.0"})
    fake_server.route(
        "GET", r"/v2/(?P<name>.+)/tags/list", lambda req: (200, {}, json.dumps(req.query))
    )
    assert requests.get(f"{fake_server.url}/v2/", timeout=T).status_code == 200
    resp = requests.get(f"{fake_server.url}/v2/a/b/tags/list?n=2", timeout=T)
    assert resp.json() == {"n": ["2"]}
    assert requests.head(f"{fake_server.url}/v2/", timeout=T).status_code == 200
    missing = requests.put(f"{fake_server.url}/nowhere", data=b"abc", timeout=T)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"]
    log = fake_server.requests
    assert [(r.method, r.path) for r in log] == [
        ("GET", "/v2/"),
        ("GET", "/v2/a/b/tags/list?n=2"),
        ("HEAD", "/v2/"),
        ("PUT", "/nowhere"),
    ]
    assert log[1].groups == {"name": "a/b"} and log[3].body == b"abc"
    assert (
        log[0].header(
            "user-agent",
        )
        is not None
    )


def test_fake_server_bodies(fake_server: FakeServer, other_fake_server: FakeServer) -> None:
    assert other_fake_server.host.startswith("127.0.0.2:")
    other_fake_server.reply("GET", r"/blob", 200, body=b"elsewhere")
    assert requests.get(f"{other_fake_server.url}/blob", timeout=T).content == b"elsewhere"
    fake_server.route("GET", r"/close", lambda _r: (200, {}, stream(100_000)))
    fake_server.route(
        "GET", r"/chunked", lambda _r: (200, {"Transfer-Encoding": "chunked"}, stream(70_000))
    )
    fake_server.reply("GET", r"/short", 200, {"Content-Length": "3"}, b"abcdef")
    assert len(requests.get(f"{fake_server.url}/close", timeout=T).content) == 100_000
    resp = requests.get(f"{fake_server.url}/chunked", timeout=T)
    assert len(resp.content) == 70_000 and "Content-Length" not in resp.headers
    assert requests.get(f"{fake_server.url}/short", timeout=T).content == b"abc"
    fake_server.hang("GET", r"/slow")
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{fake_server.url}/slow", timeout=(T, 0.2))
