"""Index entries by kind, entries by digest, media types in words, and malformed bytes kept."""

from __future__ import annotations

import json

import pytest

from acr_desktop.index_entries import count_entries, entry_labels, has_platforms
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.manifest import (
    Descriptor,
    ImageIndex,
    MalformedManifest,
    parse_manifest,
)
from acr_desktop.registry.platforms import parse_platform


def entry(n: int, platform: str | None = None, **extra: object) -> Descriptor:
    return Descriptor(
        media_type=str(extra.get("media_type", mt.OCI_MANIFEST)),
        digest=f"sha256:{n:02x}{'ab' * 31}",
        size=100 + n,
        annotations=extra.get("annotations", {}),  # type: ignore[arg-type]
        platform=parse_platform(platform) if platform else None,
        artifact_type=extra.get("artifact_type"),  # type: ignore[arg-type]
    )


def about(kind: str, target: Descriptor) -> dict[str, str]:
    return {"vnd.docker.reference.type": kind, "vnd.docker.reference.digest": target.digest}


AMD = entry(1, "linux/amd64")
WIN = entry(2, "windows/amd64:10.0.17763.5576")
ATTEST = entry(3, "unknown/unknown", annotations=about("attestation-manifest", AMD))
BUILDER = entry(4, "unknown/unknown", annotations=about("builder", WIN))
OTHER = entry(5, "unknown/unknown", annotations=about("signature", AMD))
NESTED = entry(6, media_type=mt.OCI_INDEX)
ARTIFACT = entry(7, artifact_type="application/spdx+json")
PLAIN = entry(8)


@pytest.mark.parametrize(
    ("d", "kind", "label"),
    [
        (AMD, "platform", "linux/amd64"),
        (WIN, "platform", "windows/amd64 (10.0.17763.5576)"),
        (ATTEST, "attestation", "attestation for linux/amd64"),
        (BUILDER, "builder", "builder record for windows/amd64 (10.0.17763.5576)"),
        (OTHER, "reference", "signature for linux/amd64"),
        (NESTED, "index", "index"),
        (ARTIFACT, "artifact", "artifact: SPDX SBOM"),
        (PLAIN, "entry", "OCI image manifest"),
    ],
)
def test_entry_kinds_and_labels(d: Descriptor, kind: str, label: str) -> None:
    index = ImageIndex(mt.OCI_INDEX, (AMD, WIN, ATTEST, BUILDER, OTHER, NESTED, ARTIFACT, PLAIN))
    assert d.kind == kind
    assert entry_labels(index)[index.manifests.index(d)] == label


@pytest.mark.parametrize(
    ("entries", "counted", "platforms_heading"),
    [
        ((AMD, WIN, ATTEST, BUILDER), "2 platforms, 1 attestation, 1 builder record", True),
        ((AMD, NESTED, ARTIFACT), "1 platform, 2 other entries", False),
        ((NESTED, NESTED), "2 entries", False),
        ((PLAIN,), "1 entry", False),
        ((OTHER,), "1 other reference", False),
        ((), "no entries", False),
    ],
)
def test_counts(entries: tuple[Descriptor, ...], counted: str, platforms_heading: bool) -> None:
    index = ImageIndex(mt.OCI_INDEX, entries)
    assert count_entries(index) == counted
    assert has_platforms(index) is platforms_heading


def test_references_are_not_platforms_and_open_by_digest() -> None:
    index = ImageIndex(mt.OCI_INDEX, (AMD, WIN, ATTEST, BUILDER, NESTED))
    assert index.platforms == (AMD, WIN, NESTED)
    assert index.references == (ATTEST, BUILDER)
    assert index.real_platforms == (AMD.platform, WIN.platform)
    assert index.find_entry(BUILDER.digest) is BUILDER
    assert index.find_entry(BUILDER.digest[7:20]) is BUILDER  # a unique start, no "sha256:"
    assert index.find_entry("sha256:0") is None  # too short to mean one
    twins = ImageIndex(mt.OCI_INDEX, (AMD, Descriptor(mt.OCI_MANIFEST, AMD.digest[:-1] + "0", 1)))
    assert twins.find_entry(AMD.digest[:30]) is None  # ambiguous
    assert index.find_platform(parse_platform("unknown/unknown")) is ATTEST


@pytest.mark.parametrize(
    ("media_type", "words"),
    [
        ("application/vnd.oci.image.layer.v1.tar+gzip", "layer (tar.gz)"),
        ("application/vnd.oci.image.layer.v1.tar+zstd", "layer (tar.zst)"),
        ("application/vnd.oci.image.layer.v1.tar", "layer (tar)"),
        ("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
         "non-distributable layer (tar.zst)"),
        ("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
         "non-distributable layer (tar.gz)"),
        ("application/vnd.oci.image.layer.v1.tar+gzip+encrypted", "encrypted layer (tar.gz)"),
        ("application/vnd.oci.image.layer.v1.tar+zstd+encrypted", "encrypted layer (tar.zst)"),
        ("application/vnd.docker.image.rootfs.diff.tar.gzip", "layer (tar.gz)"),
        ("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
         "non-distributable layer (tar.gz)"),
        ("application/vnd.docker.image.rootfs.diff.tar.zstd", "layer (tar.zst)"),
        ("application/vnd.oci.image.layer.v1.tar+bzip2", "layer (tar+bzip2)"),
        ("Application/VND.OCI.IMAGE.LAYER.V1.TAR+GZIP; x=y", "layer (tar.gz)"),
        (mt.DOCKER_SCHEMA1_SIGNED, "Docker schema 1 manifest (signed, legacy)"),
        ("application/vnd.example.thing", "application/vnd.example.thing"),
        (None, "unknown type"),
    ],
)  # fmt: skip
def test_media_types_in_words(media_type: str | None, words: str) -> None:
    assert mt.plain_name(media_type) == words


def test_malformed_manifest_keeps_its_bytes() -> None:
    raw = json.dumps(
        {"schemaVersion": 2, "mediaType": mt.OCI_MANIFEST,
         "config": {"mediaType": mt.OCI_CONFIG, "digest": "", "size": 0}, "layers": None}
    ).encode()  # fmt: skip
    with pytest.raises(MalformedManifest) as bad:
        parse_manifest(raw, mt.OCI_MANIFEST)
    assert isinstance(bad.value, InvalidResponse)
    assert bad.value.raw == raw and bad.value.media_type == mt.OCI_MANIFEST
    assert "config has a bad digest" in bad.value.sentence
