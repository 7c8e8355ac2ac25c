"""ACR variants: regional (`NAME.REGION.geo.azurecr.io`) and data endpoints
(`NAME.REGION.data.azurecr.io`) in every cloud are the same registry as the login server, for
`is_acr_host` and for the Docker config; a classic registry's `/acr/v1` answering 405 (or 404,
400) falls back to the plain tag list and to sizes from the manifests (fake server)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from acr_desktop.registry.acr import is_acr_host, login_server
from acr_desktop.registry.auth import ACR_REFRESH_USERNAME
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.docker_credentials import lookup
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from acr_desktop.sizes import index_sizes
from acr_desktop.ui.nav_jobs import list_tags
from tests.rig import FakeServer

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI = "application/vnd.oci.image.manifest.v1+json"


@pytest.mark.parametrize(
    ("host", "server"),
    [
        ("myreg.azurecr.io", "myreg.azurecr.io"),
        ("MyReg.AzureCR.io", "myreg.azurecr.io"),
        ("myreg.eastus.geo.azurecr.io", "myreg.azurecr.io"),
        ("myreg.westeurope.data.azurecr.io", "myreg.azurecr.io"),
        ("myreg.westeurope.data.azurecr.io:443", "myreg.azurecr.io"),
        ("myreg.chinaeast2.geo.azurecr.cn", "myreg.azurecr.cn"),
        ("myreg.usgovvirginia.data.azurecr.us", "myreg.azurecr.us"),
        ("my-reg-h4sh.azurecr.io", "my-reg-h4sh.azurecr.io"),  # a domain name label hash
        ("myreg.azurecr.io.", "myreg.azurecr.io"),
    ],
)
def test_login_server_of_acr_hosts(host: str, server: str) -> None:
    assert login_server(host) == server
    assert is_acr_host(host)


@pytest.mark.parametrize(
    "host",
    [
        "docker.io",
        "127.0.0.1:5000",
        "azurecr.io",
        ".azurecr.io",
        "myreg.azurecr.io.evil.example",
        "myreg.eastus.evil.azurecr.io",
        "a.b.c.d.azurecr.io",
        "myreg.azurecr.de",
        "-bad.azurecr.io",
        "x" * 300 + ".azurecr.io",
        "",
    ],
)
def test_other_hosts_are_not_acr(host: str) -> None:
    assert login_server(host) is None
    assert not is_acr_host(host)


def docker_config(tmp_path: Path, auths: dict[str, Any]) -> dict[str, str]:
    folder = tmp_path / "docker"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"auths": auths}))
    return {"DOCKER_CONFIG": str(folder), "HOME": str(tmp_path)}


def test_a_regional_endpoint_uses_the_login_servers_docker_entry(tmp_path: Path) -> None:
    env = docker_config(tmp_path, {"myreg.azurecr.io": {"identitytoken": "rt-SECRET-1234"}})
    for host in ("myreg.eastus.geo.azurecr.io", "myreg.eastus.data.azurecr.io"):
        found = lookup(host, env).found
        assert found is not None
        assert found.credentials.kind == "refresh_token"
        assert found.credentials.username == ACR_REFRESH_USERNAME
        assert found.source.endswith("entry for myreg.azurecr.io")
        assert "rt-SECRET" not in found.source
    assert lookup("other.eastus.geo.azurecr.io", env).found is None


def test_an_exact_entry_wins_over_the_login_servers(tmp_path: Path) -> None:
    exact = "myreg.eastus.geo.azurecr.io"
    env = docker_config(
        tmp_path,
        {
            "myreg.azurecr.io": {"identitytoken": "rt-SECRET-login"},
            exact: {"identitytoken": "rt-SECRET-regional"},
        },
    )
    found = lookup(exact, env).found
    assert found is not None and found.credentials.secret == "rt-SECRET-regional"
    assert "entry for" not in found.source


# -- /acr/v1 refused: the standard API answers ---------------------------------------------


def classic(server: FakeServer, status: int) -> None:
    """A registry whose `/acr/v1` answers `status` (405: a classic ACR), tags from /v2/."""
    body = {
        405: b"",
        404: b'{"errors":[{"code":"NOT_FOUND","message":"not here"}]}',
        400: b"<html><title>Bad Request</title></html>",
    }[status]
    server.reply("GET", r"/acr/v1/.*", status, {"Allow": "HEAD"}, body)
    server.reply_json("GET", r"/v2/team/app/tags/list", 200, {"tags": ["1.0", "latest"]})


@pytest.mark.parametrize("status", [405, 404, 400])
def test_acr_v1_refused_gives_the_plain_tag_list(fake_server: FakeServer, status: int) -> None:
    classic(fake_server, status)
    client = RegistryClient(Transport(timeout=(2, 5)))
    reported: list[object] = []
    result = list_tags(client, fake_server.host, "team/app", True, reported.append)
    assert not result.acr and result.note is None
    assert [page for page in reported if page is not None] == [["1.0", "latest"]]
    paths = [r.path_only for r in fake_server.requests]
    assert paths == ["/acr/v1/team/app/_tags", "/v2/team/app/tags/list"]


def blob(data: bytes) -> dict[str, Any]:
    return {
        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
        "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }


def serve_index(server: FakeServer) -> dict[str, int]:
    """An index of two platforms; returns each child's expected download size by digest."""
    expected: dict[str, int] = {}
    children = []
    for arch, layer in (("amd64", b"a" * 1000), ("arm64", b"b" * 3000)):
        config = {
            **blob(b"{}" + arch.encode()),
            "mediaType": "application/vnd.oci.image.config.v1+json",
        }
        manifest = {"schemaVersion": 2, "mediaType": OCI, "config": config, "layers": [blob(layer)]}
        raw = json.dumps(manifest).encode()
        digest = "sha256:" + hashlib.sha256(raw).hexdigest()
        server.reply("GET", rf"/v2/team/app/manifests/{digest}", 200, {"Content-Type": OCI}, raw)
        expected[digest] = config["size"] + len(layer)
        platform = {"architecture": arch, "os": "linux"}
        children.append(
            {"mediaType": OCI, "digest": digest, "size": len(raw), "platform": platform}
        )
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children})
    server.reply("GET", r"/v2/team/app/manifests/multi", 200, {"Content-Type": OCI_INDEX}, index)
    return expected


@pytest.mark.parametrize("status", [405, 404, 400])
def test_acr_v1_refused_sizes_come_from_the_manifests(fake_server: FakeServer, status: int) -> None:
    classic(fake_server, status)
    expected = serve_index(fake_server)
    client = RegistryClient(Transport(timeout=(2, 5)))
    client.listings.acr_registries.add(fake_server.host)  # answered ACR before: a custom domain
    assert client.answers_acr(fake_server.host)
    top = client.get_manifest(parse_reference(f"{fake_server.host}/team/app:multi"))
    result = index_sizes(client, top, concurrency=1)
    assert {d: s.download for d, s in result.sizes.items()} == expected
    assert {s.source for s in result.sizes.values()} == {"manifest"}
    assert not result.problems
    assert "/acr/v1/team/app/_manifests" in [r.path_only for r in fake_server.requests]
