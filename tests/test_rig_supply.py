"""The supply-chain rig (tests/rig/supply.py) lands in the real registry: Distribution 2.8.2 has
no referrers API, so referrers are found through the `sha256-<hex>` tag schema (and cosign's
`.sig` tag); the fake server in front of it answers the referrers API for the client's API path.
Every document the rig builds is the shape its kind should have."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from cryptography import x509

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.manifest import ImageIndex
from acr_desktop.registry.reference import parse_reference
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeServer, Registry
from tests.rig import supply as rig
from tests.rig.supply import Supply

pytestmark = pytest.mark.registry


@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> Supply:
    return rig.push_supply(layers_registry, "supply/rig-smoke")


def _client(host: str) -> RegistryClient:
    client = RegistryClient()
    client.transport.set_credentials(host, Credentials(ALICE_USER, ALICE_PASSWORD))
    return client


def _digest_types(client: RegistryClient, supply: Supply, ref: str) -> tuple[str, dict[str, str]]:
    fetched = client.get_manifest(parse_reference(ref))
    found = client.referrers(fetched.reference)
    return found.via, {d.digest: d.artifact_type or "" for d in found.descriptors}


def test_the_registry_has_no_referrers_api(layers_registry: Registry, supply: Supply) -> None:
    url = f"{layers_registry.url}/v2/{supply.repository}/referrers/{supply['image'].digest}"
    headers = layers_registry.push_headers((supply.repository,))
    assert requests.get(url, headers=headers, timeout=10).status_code == 404


def test_referrers_of_the_image_come_through_the_tag_fallback(supply: Supply) -> None:
    via, found = _digest_types(_client(supply.registry), supply, supply.ref("image"))
    assert via == "tag fallback"
    names = ("cosign", "bundle", "notation", "spdx", "cyclonedx", "provenance", "vulnerability")
    expected = {supply[n].digest: supply.kinds_of("image")[i] for i, n in enumerate(names)}
    expected[supply["cosign-tag"].digest] = "application/vnd.dev.cosign.simplesigning.v1+json"
    assert found == expected
    assert found[supply["notation"].digest] == rig.NOTATION  # the config media type stands in
    assert found[supply["bundle"].digest] == rig.SIGSTORE_BUNDLE


def test_a_referrer_of_a_referrer_and_the_platform_child(supply: Supply) -> None:
    client = _client(supply.registry)
    _, found = _digest_types(client, supply, supply.digest_ref(supply["spdx"].digest))
    assert found == {supply["sbom-signature"].digest: rig.COSIGN_SIG_ARTIFACT}
    _, found = _digest_types(client, supply, supply.digest_ref(supply["multi-arm64"].digest))
    assert found == {supply["multi-sbom"].digest: rig.CYCLONEDX}
    _, found = _digest_types(client, supply, supply.digest_ref(supply["multi-amd64"].digest))
    assert found == {}
    _, found = _digest_types(client, supply, supply.ref("bare"))
    assert found == {}
    _, found = _digest_types(client, supply, supply.ref("based"))
    assert set(found.values()) == {rig.LIFECYCLE, rig.STREAMING}


def test_the_referrers_api_is_served_in_front_of_the_registry(
    layers_registry: Registry, supply: Supply, fake_server: FakeServer
) -> None:
    rig.serve_referrers_api(fake_server, layers_registry, supply)
    client = _client(fake_server.host)
    ref = f"{fake_server.host}/{supply.repository}:image"
    fetched = client.get_manifest(parse_reference(ref))
    assert fetched.digest == supply["image"].digest
    found = client.referrers(fetched.reference)
    assert found.via == "referrers API"
    assert [d.digest for d in found.descriptors] == [
        supply[n].digest
        for n in (
            "cosign",
            "bundle",
            "notation",
            "spdx",
            "cyclonedx",
            "provenance",
            "vulnerability",
        )
    ]  # the API knows nothing of cosign's legacy `.sig` tag
    sig = supply["cosign-tag"].digest
    child = client.get_manifest(parse_reference(f"{fake_server.host}/{supply.repository}@{sig}"))
    assert child.verified


def test_the_buildkit_index_names_its_attestations(supply: Supply) -> None:
    client = _client(supply.registry)
    index = client.get_manifest(parse_reference(supply.ref("index"))).manifest
    assert isinstance(index, ImageIndex)
    kinds = [(e.annotations or {}).get("vnd.docker.reference.type") for e in index.manifests]
    assert kinds == [None, None, "attestation-manifest", "attestation-manifest"]
    att = supply["attestation-arm64"]
    assert att.entry_annotations == {
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": supply["index-arm64"].digest,
    }
    sbom, prov = (json.loads(layer.data) for layer in att.layers)
    assert sbom["predicateType"] == rig.SPDX_PREDICATE
    assert sbom["predicate"]["packages"][-1]["name"] == "only-arm64"
    assert prov["predicateType"] == rig.SLSA_V02
    assert [la.annotations for la in att.layers] == [
        {rig.PREDICATE: rig.SPDX_PREDICATE},
        {rig.PREDICATE: rig.SLSA_V02},
    ]


def test_each_document_has_the_shape_of_its_kind(supply: Supply) -> None:
    sig = supply["cosign-tag"].layers[0]
    notes = sig.annotations or {}
    assert json.loads(sig.data)["critical"]["image"]["docker-manifest-digest"] == (
        supply["image"].digest
    )
    cert = x509.load_pem_x509_certificate(notes["dev.sigstore.cosign/certificate"].encode())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == [rig.SIGNER_EMAIL]
    assert json.loads(notes["dev.sigstore.cosign/bundle"])["Payload"]["logIndex"] == 12345678
    bundle = json.loads(supply["bundle"].layers[0].data)
    raw = base64.b64decode(bundle["verificationMaterial"]["certificate"]["rawBytes"])
    assert x509.load_der_x509_certificate(raw).issuer.rfc4514_string() == (
        "CN=sigstore-intermediate,O=sigstore.dev"
    )
    jws = json.loads(supply["notation"].layers[0].data)
    protected = json.loads(base64.urlsafe_b64decode(jws["protected"] + "=="))
    assert protected["io.cncf.notary.signingTime"] == rig.NOTATION_TIME
    leaf = x509.load_der_x509_certificate(base64.b64decode(jws["header"]["x5c"][0]))
    assert rig.NOTATION_SUBJECT_CN in leaf.subject.rfc4514_string()
    assert json.loads(supply["spdx"].layers[0].data)["spdxVersion"] == "SPDX-2.3"
    assert json.loads(supply["cyclonedx"].layers[0].data)["specVersion"] == "1.5"
    prov = json.loads(supply["provenance"].layers[0].data)
    assert prov["predicate"]["runDetails"]["builder"]["id"] == rig.BUILDER_ID
    assert supply["lifecycle"].json["annotations"][rig.EOL_ANNOTATION] == rig.PAST_EOL
    based = supply["based"].json["annotations"]
    assert based[rig.BASE_NAME] == f"{supply.registry}/supply/rig-smoke-base:1"
    assert based[rig.BASE_DIGEST] == supply["base-old"].digest != supply["base-new"].digest
    envelope = rig.dsse(b"{}")
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
