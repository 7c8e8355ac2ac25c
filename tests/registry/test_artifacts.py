"""Every referrer and attestation kind named in words (registry/artifacts.py), from descriptors
and manifests built here in the shapes the real tools write (cosign, Sigstore bundles, Notation,
ORAS/regctl attachments, BuildKit, `az acr artifact-streaming`, Microsoft's lifecycle
annotation); end of life, base image, ACR's `signed` flag."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.artifacts import (
    BUILDKIT_ATTESTATION,
    EOL_KEY,
    MAX_SHOWN,
    BaseImage,
    acr_signed_flag_text,
    base_image,
    end_of_life,
    layer_predicates,
    name_descriptor,
    name_manifest,
    name_predicate,
)
from acr_desktop.registry.manifest import Descriptor, ImageManifest

D = "sha256:" + "a" * 64


def desc(
    media: str = mt.OCI_MANIFEST, artifact_type: str | None = None, **annotations: str
) -> Descriptor:
    return Descriptor(media, D, 10, annotations, artifact_type=artifact_type)


def manifest(
    layers: list[Descriptor],
    *,
    config: str = mt.OCI_EMPTY,
    artifact_type: str | None = None,
    annotations: dict[str, str] | None = None,
) -> ImageManifest:
    return ImageManifest(mt.OCI_MANIFEST, Descriptor(config, D, 2), tuple(layers),
                         annotations or {}, explicit_artifact_type=artifact_type)  # fmt: skip


def layer(media: str, annotations: dict[str, str] | None = None) -> Descriptor:
    return Descriptor(media, D, 100, annotations or {})


def triple(name: Any) -> tuple[str, str, str | None]:
    return name.kind, name.label, name.format


@pytest.mark.parametrize(
    ("artifact_type", "annotations", "expected"),
    [
        (mt.COSIGN_SIGNATURE, {}, ("signature", "cosign signature", "cosign")),
        (mt.COSIGN_SIMPLESIGNING, {}, ("signature", "cosign signature", "cosign")),
        (mt.SIGSTORE_BUNDLE_V03, {"dev.sigstore.bundle.content": "message-signature",
                                  "dev.sigstore.bundle.predicateType":
                                  "https://sigstore.dev/cosign/sign/v1"},
         ("signature", "Sigstore bundle (v0.3)", "sigstore-bundle")),
        ("application/vnd.dev.sigstore.bundle+json;version=0.2", {},
         ("signature", "Sigstore bundle (v0.2)", "sigstore-bundle")),
        (mt.SIGSTORE_BUNDLE_V03, {"dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"},
         ("provenance", "SLSA provenance v1 (Sigstore bundle (v0.3))", "slsa-v1")),
        (mt.NOTATION_SIGNATURE, {}, ("signature", "Notation signature", "notation")),
        (mt.SPDX_JSON, {}, ("sbom", "SPDX SBOM", "spdx")),
        (mt.CYCLONEDX_JSON, {}, ("sbom", "CycloneDX SBOM", "cyclonedx")),
        (mt.SARIF, {}, ("vulnerability_report", "vulnerability report (SARIF)", "sarif")),
        (mt.OPENVEX, {}, ("vulnerability_report", "vulnerability report (OpenVEX)", "openvex")),
        (mt.TRIVY_REPORT, {}, ("vulnerability_report", "vulnerability report (Trivy)", "trivy")),
        (mt.ACR_STREAMING, {"streaming.format": "overlaybd"},
         ("streaming", "ACR artifact streaming", "overlaybd")),
        (mt.MS_LIFECYCLE, {EOL_KEY: "2022-12-13"},
         ("lifecycle", "end-of-life annotation (2022-12-13)", None)),
        (mt.MS_LIFECYCLE, {EOL_KEY: "2025-03-01T00:00:00Z"},
         ("lifecycle", "end-of-life annotation (2025-03-01)", None)),
        (mt.MS_LIFECYCLE, {EOL_KEY: "soon"}, ("lifecycle", "end-of-life annotation", None)),
        (mt.HELM_CONFIG, {"org.opencontainers.image.title": "nginx",
                          "org.opencontainers.image.version": "15.0.2"},
         ("helm", "Helm chart nginx 15.0.2", "helm")),
        (mt.COSIGN_ATTESTATION, {"predicateType": "https://cyclonedx.org/bom"},
         ("sbom", "CycloneDX SBOM", "cyclonedx")),
        (mt.ORAS_UNKNOWN_ARTIFACT, {}, ("other", "artifact: unknown artifact (ORAS)", None)),
        (mt.OCI_CONFIG, {}, ("other", "image (not an artifact)", None)),
        ("application/vnd.acme.rocket.v1", {},
         ("other", "artifact: application/vnd.acme.rocket.v1", None)),
    ],
)  # fmt: skip
def test_descriptors_are_named_by_artifact_type(
    artifact_type: str, annotations: dict[str, str], expected: tuple[str, str, str | None]
) -> None:
    assert triple(name_descriptor(desc(artifact_type=artifact_type, **annotations))) == expected


@pytest.mark.parametrize(
    ("predicate", "expected"),
    [
        ("https://spdx.dev/Document", ("sbom", "SPDX SBOM", "spdx")),
        ("https://spdx.dev/Document/v2.3", ("sbom", "SPDX SBOM", "spdx")),
        ("https://cyclonedx.org/bom/v1.5", ("sbom", "CycloneDX SBOM", "cyclonedx")),
        ("https://slsa.dev/provenance/v0.2", ("provenance", "SLSA provenance v0.2", "slsa-v0.2")),
        ("https://slsa.dev/provenance/v1", ("provenance", "SLSA provenance v1", "slsa-v1")),
        ("https://cosign.sigstore.dev/attestation/vuln/v1",
         ("vulnerability_report", "vulnerability report (cosign vuln)", "cosign-vuln")),
        ("cosign.sigstore.dev/attestation/vuln/v1",
         ("vulnerability_report", "vulnerability report (cosign vuln)", "cosign-vuln")),
        ("https://openvex.dev/ns/v0.2.0",
         ("vulnerability_report", "vulnerability report (OpenVEX)", "openvex")),
        ("https://example.com/custom/v9",
         ("attestation", "attestation (https://example.com/custom/v9)", None)),
    ],
)  # fmt: skip
def test_in_toto_predicates(predicate: str, expected: tuple[str, str, str | None]) -> None:
    assert triple(name_predicate(predicate)) == expected
    carried = desc(mt.IN_TOTO, None, **{"in-toto.io/predicate-type": predicate})
    assert triple(name_descriptor(carried)) == expected  # a BuildKit layer


def test_untrusted_types_and_predicates_are_quoted_bounded() -> None:
    hostile = "application/x-\x1b[31mred\u202e" + "y" * 5000
    label = name_descriptor(desc(artifact_type=hostile)).label
    assert "\x1b" not in label and "\u202e" not in label and len(label) <= MAX_SHOWN + 10
    label = name_predicate("https://evil/\n" + "z" * 5000).label
    assert "\n" not in label and len(label) <= MAX_SHOWN + 20


def test_descriptors_without_an_artifact_type() -> None:
    assert triple(name_descriptor(desc())) == ("other", "artifact (type not given)", None)
    assert name_descriptor(desc(mt.OCI_INDEX)).label == "index (type not given)"
    assert name_descriptor(desc(**{EOL_KEY: "2024-01-01"})).kind == "lifecycle"
    buildkit = desc(**{"vnd.docker.reference.type": "attestation-manifest"})
    assert triple(name_descriptor(buildkit)) == (
        "attestation", "attestation manifest (BuildKit)", "in-toto")  # fmt: skip


def test_manifests_name_themselves() -> None:
    sig = layer(mt.COSIGN_SIMPLESIGNING, {"dev.cosignproject.cosign/signature": "MEUC"})
    cosign_tag = manifest([sig], config=mt.OCI_CONFIG)  # what `cosign sign` writes to `.sig`
    assert triple(name_manifest(cosign_tag)) == ("signature", "cosign signature", "cosign")
    notation = manifest([layer("application/jose+json")], config=mt.NOTATION_SIGNATURE)
    assert name_manifest(notation).label == "Notation signature"
    oras_spdx = manifest([layer(mt.SPDX_JSON)])  # empty config, no artifactType
    assert name_manifest(oras_spdx).format == "spdx"
    cosign_sbom = manifest([layer(mt.CYCLONEDX_JSON)], artifact_type=mt.COSIGN_SBOM)
    assert triple(name_manifest(cosign_sbom)) == ("sbom", "CycloneDX SBOM", "cyclonedx")
    image = manifest([layer("application/vnd.oci.image.layer.v1.tar+gzip")], config=mt.OCI_CONFIG)
    assert name_manifest(image).label == "image (not an artifact)"
    eol = manifest([], artifact_type=mt.MS_LIFECYCLE, annotations={EOL_KEY: "2030-01-01"})
    assert name_manifest(eol).label == "end-of-life annotation (2030-01-01)"
    spdx_bundle = {"dev.sigstore.bundle.predicateType": "https://spdx.dev/Document"}
    bundle = manifest(
        [layer(mt.SIGSTORE_BUNDLE_V03)],
        artifact_type=mt.SIGSTORE_BUNDLE_V03,
        annotations=spdx_bundle,
    )
    assert name_manifest(bundle).kind == "sbom"


def test_attestation_manifests_are_named_by_their_statements() -> None:
    spdx = layer(mt.IN_TOTO, {"in-toto.io/predicate-type": "https://spdx.dev/Document"})
    slsa = layer(mt.IN_TOTO, {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"})
    buildkit = manifest([spdx, slsa], config=mt.OCI_CONFIG)
    both = "in-toto attestations: SPDX SBOM, SLSA provenance v0.2"
    assert triple(name_manifest(buildkit)) == ("attestation", both, "in-toto")
    assert [n.label for _, n in layer_predicates(buildkit)] == ["SPDX SBOM", "SLSA provenance v0.2"]
    att = manifest([layer(mt.DSSE_ENVELOPE, {"predicateType": "https://slsa.dev/provenance/v1"})],
                   config=mt.OCI_CONFIG)  # cosign `.att`  # fmt: skip
    assert triple(name_manifest(att)) == ("provenance", "SLSA provenance v1", "slsa-v1")
    many = manifest([layer(mt.IN_TOTO, {"predicateType": f"https://x/{n}"}) for n in range(9)])
    assert name_manifest(many).label.endswith(", and 5 more")
    # BuildKit's attestation manifest as an OCI artifact (oci-artifact=true): a referrer of the
    # platform image, named by its statements, and read (not "artifact: …") from its descriptor.
    artifact = manifest([spdx, slsa], artifact_type=BUILDKIT_ATTESTATION)
    assert triple(name_manifest(artifact)) == ("attestation", both, "in-toto")
    found = Descriptor(mt.OCI_MANIFEST, D, 700, {}, artifact_type=BUILDKIT_ATTESTATION)
    assert triple(name_descriptor(found)) == (
        "attestation",
        "attestation manifest (BuildKit)",
        "in-toto",
    )


def test_end_of_life() -> None:
    today = date(2026, 11, 29)
    past = end_of_life({EOL_KEY: "2024-06-30T00:00:00Z"}, today)
    assert past is not None and past.past and not past.near and past.days_left == -882
    assert past.describe() == "Past end of life since 2024-06-30 (882 days ago)."
    near = end_of_life({EOL_KEY: "2027-01-15"}, today)
    assert near is not None and near.near and near.describe() == (
        "Reaches end of life on 2027-01-15, in 47 days.")  # fmt: skip
    far = end_of_life({EOL_KEY: "2028-01-01T23:00:00-05:00"}, today)  # 04:00 UTC next day
    assert far is not None and far.date == date(2028, 1, 2) and not far.near
    assert far.describe() == "End of life on 2028-01-02 (in 399 days)."
    on_the_day = end_of_life({EOL_KEY: "2026-11-29"}, today)
    assert on_the_day is not None and on_the_day.past
    assert on_the_day.describe() == "Past end of life since 2026-11-29 (today)."
    for bad in ("", "tomorrow", "2024-13-45", "2024-02-30T00:00:00Z", "9" * 10_000):
        assert end_of_life({EOL_KEY: bad}, today) is None
    assert end_of_life({}, today) is None


def test_base_image() -> None:
    digest = "sha256:" + "c" * 64
    found = base_image({"org.opencontainers.image.base.name": "debian:trixie-slim",
                        "org.opencontainers.image.base.digest": digest})  # fmt: skip
    assert found == BaseImage("debian:trixie-slim", digest)
    assert found.describe() == f"debian:trixie-slim ({digest[:19]}…)"
    labels = {"org.opencontainers.image.base.name": "alpine:3.20"}
    assert base_image({}, labels) == BaseImage("alpine:3.20", None)
    hostile = {"org.opencontainers.image.base.name": "x\x1b]0;pwned\x07" + "y" * 9000,
               "org.opencontainers.image.base.digest": "sha256:nothex"}  # fmt: skip
    got = base_image(hostile)
    assert got is not None and got.digest is None and got.name is not None
    assert "\x1b" not in got.name and len(got.name) <= 300
    assert (
        base_image({}, {}) is None
        and base_image({"org.opencontainers.image.base.name": " "}) is None
    )


def test_acr_signed_flag_is_docker_content_trust_never_cosign() -> None:
    texts = [acr_signed_flag_text(v) for v in (True, False, None)]
    assert texts[0] == "Docker Content Trust signed (deprecated)"
    assert all("cosign" not in t.lower() and "notation" not in t.lower() for t in texts)
