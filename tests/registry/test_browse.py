"""Browsing: thousands of tags over pages, ACR tag metadata with and without `metadata_read`,
referrers through the API and the tag fallback, catalog on a real registry and denied."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
import requests

from acr_desktop.registry.acr import is_acr_host
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import AccessDenied
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeRequest, FakeServer, Registry

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI = "application/vnd.oci.image.manifest.v1+json"


def jwt(access: list[dict[str, object]]) -> str:
    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'none'})}.{b64({'access': access, 'exp': 4102444800})}.sig-SECRET"


def acr_like(server: FakeServer, actions: list[str]) -> dict[str, int]:
    """An ACR-like fake: bearer challenge, a token granting `actions`, the /acr/v1 tags API."""
    token = jwt([{"type": "repository", "name": "team/app", "actions": actions}])
    realm = f"{server.url}/oauth2/token"
    seen = {"metadata": 0}

    def token_endpoint(_req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"access_token": token}).encode(),
        )

    def tags(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        scope = "repository:team/app:pull,metadata_read"
        challenge = f'Bearer realm="{realm}",service="fake",scope="{scope}"'
        if req.header("Authorization") != f"Bearer {token}":
            return 401, {"WWW-Authenticate": challenge}, b""
        if "metadata_read" not in actions:
            return 401, {"WWW-Authenticate": challenge + ',error="insufficient_scope"'}, b""
        seen["metadata"] += 1
        if "digest" in req.query:
            wanted = req.query["digest"][0]
            rows = [t for t in TAGS if isinstance(t, dict) and t.get("digest") == wanted]
            return 200, {"Content-Type": "application/json"}, json.dumps({"tags": rows}).encode()
        start = int(req.query.get("last", ["0"])[0])
        page = TAGS[start : start + 2]
        headers = {"Content-Type": "application/json"}
        if start + 2 < len(TAGS):
            headers["Link"] = (
                f'</acr/v1/team/app/_tags?last={start + 2}&n=100&orderby=timedesc>; rel="next"'
            )
        return (
            200,
            headers,
            json.dumps({"registry": "x", "imageName": "team/app", "tags": page}).encode(),
        )

    server.route("POST", r"/oauth2/token", lambda r: (405, {}, b""))
    server.route("GET", r"/oauth2/token", token_endpoint)
    server.route("GET", r"/acr/v1/team/app/_tags", tags)
    return seen


D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64
TAGS = [
    {
        "name": "1.4",
        "digest": D1,
        "createdTime": "2024-03-01T00:00:00Z",
        "lastUpdateTime": "2024-03-02T00:00:00Z",
        "signed": True,
        "changeableAttributes": {
            "deleteEnabled": False,
            "writeEnabled": False,
            "readEnabled": True,
            "listEnabled": True,
        },
    },
    {
        "name": "latest",
        "digest": D1,
        "createdTime": "2024-03-01T00:00:00Z",
        "lastUpdateTime": "2024-03-01T00:00:00Z",
        "signed": False,
        "changeableAttributes": {
            "deleteEnabled": True,
            "writeEnabled": True,
            "readEnabled": True,
            "listEnabled": True,
        },
    },
    {"name": "1.3", "digest": D2, "createdTime": "2024-02-01T00:00:00Z"},
    None,
]


def client_for(server: FakeServer) -> RegistryClient:
    client = RegistryClient(Transport(timeout=(2, 5)))
    client.transport.set_credentials(server.host, Credentials("u", "p-SECRET"))
    return client


def test_acr_metadata_pages_newest_first(fake_server: FakeServer) -> None:
    acr_like(fake_server, ["pull", "metadata_read"])
    pages = list(client_for(fake_server).iter_acr_tags(fake_server.host, "team/app"))
    assert [[t.name for t in page] for page in pages] == [["1.4", "latest"], ["1.3"]]
    first = pages[0][0]
    assert first.digest == D1 and first.signed is True
    assert first.updated == "2024-03-02T00:00:00Z"
    assert first.locked and first.locks_text() == "no write, no delete"
    assert not pages[0][1].locked
    assert "orderby=timedesc" in fake_server.requests[0].path


def test_every_tag_of_a_digest(fake_server: FakeServer) -> None:
    acr_like(fake_server, ["pull", "metadata_read"])
    tags = client_for(fake_server).acr_tags_of(fake_server.host, "team/app", D1)
    assert [t.name for t in tags] == ["1.4", "latest"]


def test_without_metadata_read_the_error_says_what_is_missing(fake_server: FakeServer) -> None:
    acr_like(fake_server, ["pull"])
    with pytest.raises(AccessDenied) as info:
        list(client_for(fake_server).iter_acr_tags(fake_server.host, "team/app"))
    assert "metadata_read on team/app" in str(info.value)
    assert info.value.granted == ("pull on team/app",)


def test_ten_thousand_tags_over_ten_pages(fake_server: FakeServer) -> None:
    names = [f"1.{i}" for i in range(10_000)]

    def tags(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        last = req.query.get("last", [None])[0]
        start = names.index(last) + 1 if last else 0
        page = names[start : start + 1000]
        headers = {"Content-Type": "application/json"}
        if start + 1000 < len(names):
            headers["Link"] = f'</v2/r/tags/list?n=1000&last={page[-1]}>; rel="next"'
        return 200, headers, json.dumps({"name": "r", "tags": page}).encode()

    fake_server.route("GET", r"/v2/r/tags/list", tags)
    pages = list(RegistryClient().iter_tags(fake_server.host, "r"))
    assert len(pages) == 10
    assert [t for p in pages for t in p] == names


def test_referrers_api(fake_server: FakeServer) -> None:
    subject = "sha256:" + "3" * 64
    sig = {
        "mediaType": OCI,
        "digest": "sha256:" + "4" * 64,
        "size": 500,
        "artifactType": "application/vnd.cncf.notary.signature",
    }
    fake_server.reply_json(
        "GET",
        rf"/v2/r/referrers/{subject}",
        200,
        {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [sig]},
        headers={"Content-Type": OCI_INDEX},
    )
    found = RegistryClient().referrers(parse_reference(f"{fake_server.host}/r@{subject}"))
    assert found.via == "referrers API"
    assert [d.artifact_type for d in found.descriptors] == ["application/vnd.cncf.notary.signature"]
    assert fake_server.requests[0].header("Accept") == OCI_INDEX


def test_referrers_fall_back_to_tags(fake_server: FakeServer) -> None:
    subject = "sha256:" + "5" * 64
    fallback = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": OCI,
                "digest": "sha256:" + "6" * 64,
                "size": 10,
                "artifactType": "application/spdx+json",
            }
        ],
    }
    body = json.dumps(fallback).encode()
    fake_server.reply("GET", rf"/v2/r/referrers/{subject}", 404, {}, b"404 page not found")
    fake_server.reply(
        "GET", rf"/v2/r/manifests/sha256-{'5' * 64}", 200, {"Content-Type": OCI_INDEX}, body
    )
    sig_digest = "sha256:" + "7" * 64
    fake_server.reply(
        "HEAD",
        rf"/v2/r/manifests/sha256-{'5' * 64}\.sig",
        200,
        {"Content-Type": OCI, "Docker-Content-Digest": sig_digest, "Content-Length": "321"},
    )
    found = RegistryClient().referrers(parse_reference(f"{fake_server.host}/r@{subject}"))
    assert found.via == "tag fallback"
    assert [d.digest for d in found.descriptors] == ["sha256:" + "6" * 64, sig_digest]
    assert found.descriptors[1].artifact_type == "application/vnd.dev.cosign.simplesigning.v1+json"
    assert found.descriptors[1].size == 321


def test_referrers_tag_fallback_on_a_real_registry(token_registry: Registry) -> None:
    """Distribution 2.8 has no referrers API: the `sha256-<hex>` tag index is found instead."""
    subject = token_registry.content["test/app:oci"]
    artifact = token_registry.content["test/app:artifact"]
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI,
                    "digest": artifact.digest,
                    "size": artifact.size,
                    "artifactType": "application/vnd.example.sbom.v1+json",
                }
            ],
        }
    ).encode()
    tag = subject.digest.replace(":", "-")
    headers = {**token_registry.push_headers(), "Content-Type": OCI_INDEX}
    put = requests.put(
        f"{token_registry.url}/v2/test/app/manifests/{tag}", data=index, headers=headers, timeout=10
    )
    assert put.status_code == 201, put.text
    client = RegistryClient()
    client.transport.set_credentials(token_registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    found = client.referrers(parse_reference(f"{token_registry.host}/test/app@{subject.digest}"))
    assert found.via == "tag fallback"
    assert [d.digest for d in found.descriptors] == [artifact.digest]
    other = "sha256:" + hashlib.sha256(b"x").hexdigest()
    none = client.referrers(parse_reference(f"{token_registry.host}/test/other@{other}"))
    assert none.descriptors == ()


def test_catalog_on_a_real_registry_pages(anon_registry: Registry) -> None:
    repos = [r for page in RegistryClient().iter_catalog(anon_registry.host) for r in page]
    assert {"test/app", "test/other", "public/hello"} <= set(repos)


def test_acr_hosts() -> None:
    assert is_acr_host("myreg.azurecr.io") and is_acr_host("x.azurecr.cn:443")
    assert not is_acr_host("mcr.microsoft.com")
