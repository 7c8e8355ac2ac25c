"""What a signature claims (registry/signatures.py), always "present, not verified": cosign
(`.sig` tag and OCI 1.1 referrer), Sigstore bundle v0.3, Notation JWS and COSE — from documents
built here and from the rig's artifacts in the real registry (tests/rig/supply.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import InvalidResponse, RegistryError
from acr_desktop.registry.manifest import Descriptor, ImageManifest, parse_manifest
from acr_desktop.registry.mediatypes import OCI_MANIFEST
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.signatures import (
    COSE,
    JWS,
    MAX_ANNOTATION_TEXT,
    NOT_VERIFIED,
    SignatureClaims,
    claims_from_bundle,
    claims_from_cosign,
    claims_from_notation,
    signature_claims,
)
from tests.registry import fuzz_inputs as fi
from tests.registry.test_x509_names import timestamp_token
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig import supply as rig
from tests.rig.content import Manifest, image

# pytest-timeout's 120 s is per test: the CI slow tier runs 4000 examples a property.
pytestmark = pytest.mark.timeout(max(120, fi.EXAMPLES // 10))
# The CI tier's 4,000 examples would cost minutes here (certificates, whole documents): 500 is
# the most any property of this file runs, 200 in the quick suite.
FUZZ_CAP = 300
fuzz = settings(
    max_examples=min(fi.EXAMPLES, FUZZ_CAP),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
SUBJECT = image("supply/claims", "signed", docker=False)
FULCIO_ISSUER = f"{rig.OIDC_ISSUER} via {rig.FULCIO_ISSUER_CN}, sigstore.dev"
REKOR_AT = "2024-01-02 03:05 UTC (Rekor)"
SIGNER = rig.SIGNER_EMAIL
PEM = "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----"


def cosign_manifest(manifest: Manifest) -> ImageManifest:
    parsed, _ = parse_manifest(manifest.data, OCI_MANIFEST)
    assert isinstance(parsed, ImageManifest)
    return parsed


def rig_key(name: str) -> str:
    return f"dev.sigstore.cosign/{name}"


def with_annotations(manifest: ImageManifest, **changes: str | None) -> ImageManifest:
    """The manifest with its first layer's annotations changed (None removes one)."""
    layer = manifest.layers[0]
    notes = dict(layer.annotations)
    for key, value in changes.items():
        name = {"cert": rig_key("certificate"), "bundle": rig_key("bundle")}.get(key, key)
        if value is None:
            notes.pop(name, None)
        else:
            notes[name] = value
    return replace(manifest, layers=(replace(layer, annotations=notes), *manifest.layers[1:]))


def assert_honest(claims: SignatureClaims) -> None:
    assert claims.verified is False
    text = claims.describe()
    assert NOT_VERIFIED in text
    assert "verified" not in text.replace(NOT_VERIFIED, "")  # never a hint of trust
    assert text.isprintable()


# -- cosign -----------------------------------------------------------------------------------
def test_a_cosign_tag_signature_claims_its_signer_issuer_log_and_digest() -> None:
    manifest = cosign_manifest(rig.cosign_tag_signature("supply/claims", SUBJECT))
    claims = claims_from_cosign(manifest, rig.simplesigning(SUBJECT, "supply/claims"))
    assert claims == SignatureClaims(
        format="cosign",
        subject=rig.SIGNER_EMAIL,
        issuer=FULCIO_ISSUER,
        signed_at=REKOR_AT,
        transparency_log=f"Rekor entry {rig.REKOR_LOG_INDEX}",
        signed_digest=SUBJECT.digest,
    )
    assert claims.describe() == (
        f"cosign signature by alice@example.com (issuer {FULCIO_ISSUER}), {REKOR_AT}, "
        f"Rekor entry {rig.REKOR_LOG_INDEX} — present, not verified"
    )
    assert_honest(claims)


def test_a_cosign_oci_referrer_reads_the_same_way() -> None:
    manifest = cosign_manifest(rig.cosign_referrer("supply/claims", SUBJECT))
    claims = claims_from_cosign(manifest, None)  # no payload: no signed digest
    log = f"Rekor entry {rig.REKOR_LOG_INDEX + 1}"
    assert (claims.subject, claims.transparency_log, claims.signed_digest) == (SIGNER, log, None)


def test_a_key_signed_cosign_signature_names_no_signer() -> None:
    base = cosign_manifest(rig.cosign_tag_signature("supply/claims", SUBJECT))
    claims = claims_from_cosign(with_annotations(base, cert=None, bundle=None), None)
    assert (claims.subject, claims.issuer, claims.signed_at) == (None, None, None)
    assert "made with a key" in claims.describe()
    assert_honest(claims)


def test_a_cosign_timestamp_annotation_gives_the_time_when_rekor_does_not() -> None:
    base = cosign_manifest(rig.cosign_tag_signature("supply/claims", SUBJECT))
    stamp = json.dumps({"SignedRFC3161Timestamp": rig.b64(timestamp_token("20250121091747Z"))})
    claims = claims_from_cosign(
        with_annotations(base, bundle=None, **{rig_key("rfc3161timestamp"): stamp}), None
    )
    assert claims.signed_at == "2025-01-21 09:17 UTC (timestamp authority)"
    assert claims.transparency_log is None


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"cert": PEM.format("not*base64")}, "no PEM"),
        ({"cert": PEM.format("AAAA")}, "could not be read"),
        ({"cert": "x" * (MAX_ANNOTATION_TEXT + 1)}, "262,144 are read"),
        ({"bundle": "{not json"}, "Rekor bundle is not valid JSON"),
        ({"bundle": "[" * 5000}, "nested deeper"),
    ],
)
def test_hostile_cosign_annotations_become_sentences(changes: dict[str, str], words: str) -> None:
    base = cosign_manifest(rig.cosign_tag_signature("supply/claims", SUBJECT))
    claims = claims_from_cosign(with_annotations(base, **changes), b"\xff not json")
    assert any(words in note for note in claims.notes), claims.notes
    assert all(len(note) <= 300 for note in claims.notes)
    assert "signed payload is not valid UTF-8" in claims.describe()
    assert_honest(claims)


def test_several_cosign_signatures_in_one_manifest_are_counted() -> None:
    base = cosign_manifest(rig.cosign_tag_signature("supply/claims", SUBJECT))
    double = replace(base, layers=(base.layers[0], base.layers[0]))
    assert (
        "holds 2 signatures; the first is described" in claims_from_cosign(double, None).describe()
    )
    with pytest.raises(InvalidResponse, match="no cosign signature layer"):
        claims_from_cosign(replace(base, layers=()), None)


# -- Sigstore bundle --------------------------------------------------------------------------
def bundle(**changes: Any) -> dict[str, Any]:
    doc = rig.sigstore_bundle(SUBJECT)
    doc["verificationMaterial"].update(changes)
    return doc


def test_a_sigstore_bundle_claims_signer_log_entry_and_digest() -> None:
    claims = claims_from_bundle(json.dumps(bundle()).encode())
    assert claims == SignatureClaims(
        format="sigstore-bundle",
        subject=rig.SIGNER_EMAIL,
        issuer=FULCIO_ISSUER,
        signed_at=REKOR_AT,
        transparency_log=f"Rekor entry {rig.BUNDLE_LOG_INDEX}",
        signed_digest=SUBJECT.digest,
    )
    assert claims.describe().startswith("Sigstore bundle signature by alice@example.com")
    assert_honest(claims)


def test_a_bundle_with_a_chain_a_timestamp_and_a_dsse_statement() -> None:
    cert = {"rawBytes": rig.b64(rig.certificate("notation"))}
    doc = bundle(
        x509CertificateChain={"certificates": [cert]},
        tlogEntries=[],
        timestampVerificationData={
            "rfc3161Timestamps": [{"signedTimestamp": rig.b64(timestamp_token("20240102030405Z"))}]
        },
    )
    del doc["verificationMaterial"]["certificate"], doc["messageSignature"]
    statement = rig.statement(SUBJECT, rig.SLSA_V1, {})
    doc["dsseEnvelope"] = rig.dsse(json.dumps(statement).encode())
    claims = claims_from_bundle(json.dumps(doc).encode())
    assert claims.subject == rig.NOTATION_SUBJECT_CN
    assert claims.signed_at == "2024-01-02 03:04 UTC (timestamp authority)"
    assert claims.transparency_log is None
    assert claims.signed_digest == SUBJECT.digest


def test_a_key_bundle_and_hostile_bundles() -> None:
    doc = bundle(publicKey={"hint": "abc"})
    del doc["verificationMaterial"]["certificate"]
    assert "made with a key" in claims_from_bundle(json.dumps(doc).encode()).describe()
    bad = claims_from_bundle(json.dumps(bundle(certificate={"rawBytes": "%%%"})).encode())
    assert bad.subject is None and "not valid base64" in bad.describe()
    with pytest.raises(InvalidResponse, match="not a Sigstore bundle"):
        claims_from_bundle(b'{"mediaType": "application/json"}')
    with pytest.raises(InvalidResponse, match="nested deeper"):
        claims_from_bundle(b"[" * 10_000)


# -- Notation ---------------------------------------------------------------------------------
def test_a_notation_jws_claims_its_certificate_and_signing_time() -> None:
    claims = claims_from_notation(json.dumps(rig.notation_jws(SUBJECT)).encode(), JWS)
    assert claims == SignatureClaims(
        format="notation",
        subject=rig.NOTATION_SUBJECT_CN,
        issuer=f"{rig.NOTATION_SUBJECT_CN}, Notary",
        signed_at="2024-01-02 03:06 UTC (signer's clock)",
        transparency_log=None,
        signed_digest=SUBJECT.digest,
    )
    assert_honest(claims)


def test_a_notation_timestamp_wins_over_the_signers_clock() -> None:
    doc = rig.notation_jws(SUBJECT, "2024-01-02T11:06:00+08:00")
    plain = claims_from_notation(json.dumps(doc).encode(), JWS)
    assert plain.signed_at == "2024-01-02 03:06 UTC (signer's clock)"
    doc["header"]["io.cncf.notary.timestampSignature"] = rig.b64(timestamp_token("20240102030700Z"))
    stamped = claims_from_notation(json.dumps(doc).encode(), JWS)
    assert stamped.signed_at == "2024-01-02 03:07 UTC (timestamp authority)"


def test_hostile_notation_envelopes() -> None:
    doc = rig.notation_jws(SUBJECT, "\u202eyesterday<script>")
    doc["header"]["x5c"] = ["!!!"]
    claims = claims_from_notation(json.dumps(doc).encode(), JWS)
    assert claims.signed_at == "yesterday<script> (signer's clock)"
    assert "certificate could not be read: The certificate is not valid base64" in claims.describe()
    del doc["header"]["x5c"]
    assert "no certificate chain" in claims_from_notation(json.dumps(doc).encode(), JWS).describe()
    with pytest.raises(InvalidResponse, match="protected header is not valid base64"):
        claims_from_notation(b'{"protected": "***"}', JWS)
    with pytest.raises(InvalidResponse, match="not a Notation envelope type"):
        claims_from_notation(b"{}", "text/html\u202e")


def cbor(value: Any) -> bytes:
    """A small CBOR encoder for the tests (ints, bytes, text, lists, dicts, tag 1 via tuple)."""

    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        size = 1 if n < 256 else 2 if n < 65536 else 4 if n < 2**32 else 8
        return bytes([major << 5 | {1: 24, 2: 25, 4: 26, 8: 27}[size]]) + n.to_bytes(size, "big")

    if isinstance(value, tuple):  # (tag, value)
        return head(6, value[0]) + cbor(value[1])
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        return head(3, len(value.encode())) + value.encode()
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(cbor(v) for v in value)
    assert isinstance(value, dict)
    return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())


def cose(unprotected: dict[Any, Any], *, signing_time: int = rig.REKOR_TIME) -> bytes:
    protected = {1: -7, 3: "application/vnd.cncf.notary.payload.v1+json",
                 "io.cncf.notary.signingScheme": "notary.x509",
                 "io.cncf.notary.signingTime": (1, signing_time)}  # fmt: skip
    payload = json.dumps({"targetArtifact": {"digest": SUBJECT.digest}}).encode()
    return cbor((18, [cbor(protected), unprotected, payload, b"\x00" * 64]))


def test_a_notation_cose_signature_reads_its_x5chain_and_time() -> None:
    claims = claims_from_notation(cose({33: [rig.certificate("notation")]}), COSE)
    assert claims.subject == rig.NOTATION_SUBJECT_CN
    assert claims.signed_at == "2024-01-02 03:05 UTC (signer's clock)"
    assert claims.signed_digest == SUBJECT.digest
    assert_honest(claims)
    stamp = {33: rig.certificate("fulcio"),
             "io.cncf.notary.timestampSignature": timestamp_token("20240102030800Z")}  # fmt: skip
    stamped = claims_from_notation(cose(stamp), COSE)
    assert (stamped.subject, stamped.signed_at) == (
        rig.SIGNER_EMAIL,
        "2024-01-02 03:08 UTC (timestamp authority)",
    )
    bare = claims_from_notation(cose({}), COSE)
    assert "COSE: certificate not read" in bare.describe()


def test_hostile_cose_signatures() -> None:
    with pytest.raises(InvalidResponse, match="too deep"):
        claims_from_notation(b"\x81" * 5000 + b"\x00", COSE)
    with pytest.raises(InvalidResponse, match="four items"):
        claims_from_notation(cbor([1, 2]), COSE)
    with pytest.raises(InvalidResponse, match="longer than itself"):
        claims_from_notation(cose({33: [b"x" * 100]})[:-10], COSE)
    with pytest.raises(InvalidResponse, match="ends early"):
        claims_from_notation(b"\x81\x19\x01", COSE)
    broken = claims_from_notation(cose({33: [b"\x30\x03\x02\x01"]}), COSE)
    assert "certificate could not be read" in broken.describe()


# -- any input --------------------------------------------------------------------------------
def outcome(call: Any) -> None:
    try:
        claims = call()
    except RegistryError as exc:
        assert exc.sentence
        exc.sentence.encode()
        return
    assert_honest(claims)


@fuzz
@given(fi.documents(fi.json_values), st.binary(max_size=200))
def test_any_document_gives_claims_or_a_sentence(body: bytes, data: bytes) -> None:
    outcome(lambda: claims_from_bundle(body))
    outcome(lambda: claims_from_notation(body, JWS))
    outcome(lambda: claims_from_notation(data, COSE))


_fields = st.dictionaries(
    st.sampled_from(["mediaType", "verificationMaterial", "messageSignature", "dsseEnvelope"]),
    fi.json_values,
)


@fuzz
@given(_fields, fi.json_values, fi.json_values)
def test_bundles_and_envelopes_of_the_wrong_shape(doc: dict[str, Any], a: Any, b: Any) -> None:
    doc = {**doc, "mediaType": rig.SIGSTORE_BUNDLE}
    outcome(lambda: claims_from_bundle(json.dumps(doc, default=str).encode()))
    material = {"certificate": a, "tlogEntries": [b], "x509CertificateChain": b}
    outcome(lambda: claims_from_bundle(json.dumps(bundle(**material), default=str).encode()))
    protected = json.dumps({"io.cncf.notary.signingTime": a}, default=str).encode()
    jws = {"protected": rig.b64url(protected),
           "header": {"x5c": b, "io.cncf.notary.timestampSignature": a}, "payload": b}  # fmt: skip
    outcome(lambda: claims_from_notation(json.dumps(jws, default=str).encode(), JWS))


@fuzz
@given(st.dictionaries(st.sampled_from([rig_key("certificate"), rig_key("bundle"),
                                        rig_key("rfc3161timestamp")]), fi.any_text))  # fmt: skip
def test_cosign_annotations_of_any_text(changes: dict[str, str]) -> None:
    base = cosign_manifest(rig.cosign_tag_signature("supply/claims", SUBJECT))
    outcome(lambda: claims_from_cosign(with_annotations(base, **changes), None))


# -- end to end, against the real registry ----------------------------------------------------
@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> rig.Supply:
    return rig.push_supply(layers_registry, "supply/signatures")


def _client(supply: rig.Supply) -> RegistryClient:
    client = RegistryClient()
    client.transport.set_credentials(supply.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    return client


def _found(supply: rig.Supply, name: str) -> tuple[RegistryClient, Any, dict[str, Descriptor]]:
    client = _client(supply)
    fetched = client.get_manifest(parse_reference(supply.ref(name)))
    found = client.referrers(fetched.reference)
    return client, fetched.reference, {d.digest: d for d in found.descriptors}


def test_every_signature_of_the_image_in_the_registry(supply: rig.Supply) -> None:
    client, ref, found = _found(supply, "image")
    claims = {
        name: signature_claims(client, ref, found[supply[name].digest])
        for name in ("cosign-tag", "cosign", "bundle", "notation")
    }
    assert claims["cosign-tag"].format == claims["cosign"].format == "cosign"
    assert claims["cosign-tag"].signed_digest == supply["image"].digest
    assert claims["cosign-tag"].transparency_log == f"Rekor entry {rig.REKOR_LOG_INDEX}"
    assert claims["bundle"].format == "sigstore-bundle"
    assert claims["bundle"].transparency_log == f"Rekor entry {rig.BUNDLE_LOG_INDEX}"
    assert claims["notation"].subject == rig.NOTATION_SUBJECT_CN
    for name in ("cosign-tag", "cosign", "bundle"):
        assert claims[name].subject == rig.SIGNER_EMAIL
        assert claims[name].issuer == FULCIO_ISSUER
    for each in claims.values():
        assert each.signed_digest == supply["image"].digest
        assert_honest(each)


def test_a_signature_on_the_sbom_and_a_referrer_that_is_no_signature(supply: rig.Supply) -> None:
    client = _client(supply)
    spdx = client.get_manifest(parse_reference(supply.digest_ref(supply["spdx"].digest)))
    found = client.referrers(spdx.reference).descriptors
    claims = signature_claims(client, spdx.reference, found[0])
    assert claims.signed_digest == supply["spdx"].digest
    _, ref, found_image = _found(supply, "image")
    with pytest.raises(InvalidResponse, match="not a signature this app reads"):
        signature_claims(client, ref, found_image[supply["spdx"].digest])
