"""Manifest and config parsing on real published samples (../shared/samples) and edge cases."""

import json
from pathlib import Path

import pytest

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.image_config import parse_config
from acr_desktop.registry.manifest import (
    ImageIndex,
    ImageManifest,
    Platform,
    Schema1Manifest,
    UnknownManifest,
    parse_manifest,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_acr_docker_manifest() -> None:
    m, warnings = parse_manifest(load("acr-aspnetapp-latest.manifest.json"), mt.DOCKER_MANIFEST)
    assert isinstance(m, ImageManifest)
    assert warnings == []
    assert len(m.layers) == 7
    assert m.layers[0].size == 31420102
    assert {layer.size for layer in m.layers} >= {156, 90}
    assert m.config.digest.startswith("sha256:35dfe598")
    assert m.artifact_type is None
    assert m.total_size == m.config.size + sum(layer.size for layer in m.layers)


def test_mcr_list_with_windows_versions_and_variants() -> None:
    m, _ = parse_manifest(load("mcr-dotnet-runtime-7.0.list.json"), mt.DOCKER_LIST)
    assert isinstance(m, ImageIndex)
    names = [str(d.platform) for d in m.platforms]
    assert "linux/arm/v7" in names
    assert "linux/arm64/v8" in names
    windows = [d.platform for d in m.platforms if d.platform and d.platform.os == "windows"]
    assert len(windows) == 2
    assert all(p.os_version for p in windows)
    assert m.find_platform(Platform.parse("linux/aarch64")) is not None  # alias normalised
    assert m.find_platform(Platform.parse("linux/arm/v6")) is None


def test_dockerhub_eight_platforms() -> None:
    m, _ = parse_manifest(load("dockerhub-debian-latest.list.json"), "application/json")
    assert isinstance(m, ImageIndex)
    assert m.media_type == mt.DOCKER_LIST  # from the body's mediaType
    assert len(m.platforms) == 8


def test_config_history_aligned_to_layers() -> None:
    c = parse_config(load("mcr-dotnet-runtime-7.0-amd64.config.json"))
    assert c.platform == "linux/amd64"
    assert len(c.history) == 7
    empty = [s for s in c.history if s.empty_layer]
    assert len(empty) == 3
    assert all(s.layer_index is None for s in empty)
    assert [s.layer_index for s in c.history if not s.empty_layer] == [0, 1, 2, 3]
    assert c.cmd == ("bash",)
    assert any(e.startswith("DOTNET_VERSION=") for e in c.env)


def test_attestations_are_not_platforms() -> None:
    amd = "sha256:" + "1" * 64
    doc = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_INDEX,
        "manifests": [
            {
                "mediaType": mt.OCI_MANIFEST,
                "digest": amd,
                "size": 10,
                "platform": {"os": "linux", "architecture": "amd64"},
            },
            {
                "mediaType": mt.OCI_MANIFEST,
                "digest": "sha256:" + "2" * 64,
                "size": 10,
                "platform": {"os": "unknown", "architecture": "unknown"},
                "annotations": {
                    "vnd.docker.reference.type": "attestation-manifest",
                    "vnd.docker.reference.digest": amd,
                },
            },
        ],
    }
    m, _ = parse_manifest(json.dumps(doc).encode(), mt.OCI_INDEX)
    assert isinstance(m, ImageIndex)
    assert [d.digest for d in m.platforms] == [amd]
    assert [d.attests for d in m.attestations_of(amd)] == [amd]


def test_artifact_with_subject() -> None:
    doc = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "artifactType": "application/vnd.example.sbom.v1+json",
        "config": {"mediaType": mt.OCI_EMPTY, "digest": "sha256:" + "4" * 64, "size": 2},
        "layers": [],
        "subject": {"mediaType": mt.OCI_MANIFEST, "digest": "sha256:" + "5" * 64, "size": 9},
    }
    m, _ = parse_manifest(json.dumps(doc).encode(), mt.OCI_MANIFEST + "; charset=utf-8")
    assert isinstance(m, ImageManifest)
    assert m.artifact_type == "application/vnd.example.sbom.v1+json"
    assert m.subject is not None and m.subject.size == 9


def test_schema1_is_read_only_and_unknown_kept_raw() -> None:
    s1 = {
        "schemaVersion": 1,
        "name": "a/b",
        "tag": "t",
        "architecture": "amd64",
        "fsLayers": [{"blobSum": "sha256:" + "6" * 64}],
    }
    m, _ = parse_manifest(json.dumps(s1).encode(), mt.DOCKER_SCHEMA1_SIGNED)
    assert isinstance(m, Schema1Manifest) and len(m.blob_sums) == 1
    u, _ = parse_manifest(b'{"hello": 1}', "application/vnd.example.thing+json")
    assert isinstance(u, UnknownManifest) and u.document == {"hello": 1}
    b, _ = parse_manifest(b"\x00\x01binary", "application/octet-stream")
    assert isinstance(b, UnknownManifest)


def test_content_type_disagreeing_with_body_is_reported() -> None:
    body = json.dumps({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": []}).encode()
    m, warnings = parse_manifest(body, mt.DOCKER_LIST)
    assert isinstance(m, ImageIndex)
    assert warnings and "Content-Type" in warnings[0]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"mediaType": "application/vnd.oci.image.manifest.v1+json"}',
        b'{"config": {"digest": "sha256:1", "size": 1}, "layers": []}',
        b'{"config": {"digest": "sha256:' + b"1" * 64 + b'", "size": -1}, "layers": []}',
        b'{"manifests": "nope"}',
    ],
)
def test_malformed_manifests_are_clear_errors(body: bytes) -> None:
    with pytest.raises(InvalidResponse) as info:
        parse_manifest(body, mt.OCI_MANIFEST if b"manifests" not in body else mt.OCI_INDEX)
    assert "manifest" in str(info.value) or "index" in str(info.value)
