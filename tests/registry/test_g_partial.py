"""Partial content from a hostile registry: only "not found" makes a part *missing* (shown
beside what was fetched and verified); a server failure, a lie about the digest or a body that
never ends stay errors, never shown as a partial answer."""

from __future__ import annotations

import pytest

from acr_desktop import inspection
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import (
    DigestMismatch,
    NotFound,
    RegistryError,
    ServerError,
)
from acr_desktop.registry.operation import operation
from acr_desktop.registry.platforms import Platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import FakeServer
from tests.rig.content import OCI_INDEX, OCI_MANIFEST, image, index

REPO = "partial/app"
IMAGE = image(REPO, "partial", "amd64", docker=False)
OTHER = image(REPO, "other", "arm64", docker=False)
INDEX = index(REPO, [IMAGE, OTHER], docker=False)
API = {"Docker-Distribution-API-Version": "registry/2.0"}


def _serve(fake_server: FakeServer, *, child: str, config: str) -> None:
    fake_server.reply("GET", r"/v2/", 200, API, b"{}")
    fake_server.reply(
        "GET", rf"/v2/{REPO}/manifests/v1", 200, {**API, "Content-Type": OCI_INDEX}, INDEX.data
    )
    _behave(fake_server, rf"/v2/{REPO}/manifests/{IMAGE.digest}", child, IMAGE.data, OCI_MANIFEST)
    assert IMAGE.config is not None
    cfg = IMAGE.config
    _behave(fake_server, rf"/v2/{REPO}/blobs/{cfg.digest}", config, cfg.data, cfg.media_type)
    fake_server.reply("GET", rf"/v2/{REPO}/tags/list.*", 200, API, b'{"tags":["v1"]}')


def _behave(fake_server: FakeServer, path: str, how: str, data: bytes, media: str) -> None:
    headers = {**API, "Content-Type": media}
    if how == "ok":
        fake_server.reply("GET", path, 200, headers, data)
    elif how == "404":
        fake_server.reply("GET", path, 404, API, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
    elif how == "500":
        fake_server.reply("GET", path, 500, API, b"")
    elif how == "lie":  # the right digest asked for, other bytes sent
        fake_server.reply("GET", path, 200, headers, OTHER.data if media == OCI_MANIFEST else b"{}")
    else:
        fake_server.hang("GET", path)


def _inspect(fake_server: FakeServer) -> inspection.Inspection:
    client = RegistryClient(Transport(timeout=(5.0, 2.0)))
    wanted = Platform("linux", "amd64")
    with operation(timeout=2.0):
        return inspection.inspect(client, parse_reference(f"{fake_server.host}/{REPO}:v1"), wanted)


def test_a_child_not_found_is_missing_beside_the_index(fake_server: FakeServer) -> None:
    _serve(fake_server, child="404", config="ok")
    ins = _inspect(fake_server)
    assert ins.index is not None and ins.top.verified is False  # no header: computed only
    assert ins.platform_entry is not None and ins.platform_entry.digest == IMAGE.digest
    assert isinstance(ins.missing_child, NotFound) and ins.image is None


def test_a_config_not_found_is_missing_beside_the_image(fake_server: FakeServer) -> None:
    _serve(fake_server, child="ok", config="404")
    ins = _inspect(fake_server)
    assert ins.image_manifest is not None and ins.chosen is not None
    assert ins.chosen.verified_by == "requested digest"
    assert isinstance(ins.missing_config, NotFound) and ins.config is None


@pytest.mark.parametrize(
    ("child", "config", "error"),
    [
        ("500", "ok", ServerError),
        ("lie", "ok", DigestMismatch),
        ("hang", "ok", RegistryError),
        ("ok", "500", ServerError),
        ("ok", "lie", DigestMismatch),
        ("ok", "hang", RegistryError),
    ],
)
def test_other_failures_stay_errors_not_partial_answers(
    fake_server: FakeServer, child: str, config: str, error: type[RegistryError]
) -> None:
    _serve(fake_server, child=child, config=config)
    with pytest.raises(error) as caught:
        _inspect(fake_server)
    assert not isinstance(caught.value, NotFound)
