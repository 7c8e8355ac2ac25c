"""Supply-chain content for issue 16: signatures, SBOMs, provenance, attestations, lifecycle and
base-image annotations, built in code and pushed to the real registry (`layers_registry` only).

Debian's docker-registry is Distribution 2.8.2: it has NO OCI 1.1 referrers API (GET
/v2/<repo>/referrers/<digest> is a 404), so `Pusher.attach` does what ORAS and cosign do against
such a registry: push the referrer by digest, then rewrite the subject's tag-schema index
`sha256-<hex>` (an OCI index of the referrers' descriptors, with `artifactType` and annotations).
cosign's legacy tag `sha256-<hex>.sig` is `Pusher.push(sig, tag=cosign_tag(subject, ".sig"))`.
`serve_referrers_api` puts a FakeServer in front of the registry that answers the referrers API
from what was attached (and forwards everything else), for the client's API path.

    supply = push_supply(layers_registry, "supply/mine")   # one repository per test module
    supply.ref("image"), supply["spdx"].digest, supply.referrers[supply["image"].digest]

Signatures and certificates are real bytes (a test key and self-signed certificates from
`cryptography`), but nothing here is meant to verify against any trust root.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from .content import (
    CREATED,
    IN_TOTO,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    SPDX,
    Blob,
    Content,
    Manifest,
    _compact,
    _push_manifest,
    image,
    record,
)
from .fake_server import FakeRequest, FakeServer, Response
from .registry import Registry

COSIGN_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_SIG_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"
SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
NOTATION = "application/vnd.cncf.notary.signature"
JOSE = "application/jose+json"
CYCLONEDX = "application/vnd.cyclonedx+json"
DSSE = "application/vnd.dsse.envelope.v1+json"
LIFECYCLE = "application/vnd.microsoft.artifact.lifecycle"
EOL_ANNOTATION = "vnd.microsoft.artifact.lifecycle.end-of-life.date"
STREAMING = "application/vnd.azure.artifact.streaming.v1"
SARIF = "application/sarif+json"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
PREDICATE = "in-toto.io/predicate-type"
SPDX_PREDICATE = "https://spdx.dev/Document"
CYCLONEDX_PREDICATE = "https://cyclonedx.org/bom"
SLSA_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_V1 = "https://slsa.dev/provenance/v1"
BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"

SIGNER_EMAIL = "alice@example.com"
OIDC_ISSUER = "https://accounts.example.com"
FULCIO_ISSUER_CN = "sigstore-intermediate"
NOTATION_SUBJECT_CN = "rig-notation-signer"
REKOR_LOG_INDEX = 12345678
BUNDLE_LOG_INDEX = 12345679
REKOR_TIME = 1704164700  # 2024-01-02T03:05:00Z
NOTATION_TIME = "2024-01-02T03:06:00Z"
SOURCE_REPO = "https://github.com/example/app"
SOURCE_COMMIT = "0123456789abcdef0123456789abcdef01234567"
BUILDER_ID = "https://github.com/example/app/.github/workflows/build.yml@refs/heads/main"
STARTED, FINISHED = "2024-01-02T03:00:00Z", "2024-01-02T03:04:00Z"
PAST_EOL = "2024-06-30T00:00:00Z"
SUPPLY_REPOSITORY = "supply/app"

# The packages every rig SBOM holds first (then `pkg-<n>` up to the count asked for).
PACKAGES: tuple[tuple[str, str, str, str], ...] = (  # name, version, purl, licence
    ("libc6", "2.36-9", "pkg:deb/debian/libc6@2.36-9?arch=amd64", "LGPL-2.1-or-later"),
    ("openssl", "3.0.11", "pkg:deb/debian/openssl@3.0.11?arch=amd64", "Apache-2.0"),
    ("requests", "2.31.0", "pkg:pypi/requests@2.31.0", "Apache-2.0"),
    ("lodash", "4.17.21", "pkg:npm/lodash@4.17.21", "MIT"),
)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def cosign_tag(subject: Manifest | str, suffix: str = ".sig") -> str:
    """cosign's legacy tag for `subject`: `sha256-<hex>.sig` (".att", ".sbom"; "" = the OCI
    referrers tag schema)."""
    digest = subject if isinstance(subject, str) else subject.digest
    return digest.replace(":", "-") + suffix


# --- keys and certificates -----------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.derive_private_key(0x5EED_5C_16, ec.SECP256R1())


def sign(data: bytes) -> bytes:
    """An ECDSA P-256 / SHA-256 signature of `data` with the rig's test key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    return bytes(_key().sign(data, ec.ECDSA(hashes.SHA256())))


def _der_utf8(text: str) -> bytes:
    raw = text.encode()
    assert len(raw) < 128
    return bytes([0x0C, len(raw)]) + raw


@functools.lru_cache(maxsize=2)
def certificate(kind: str = "fulcio") -> bytes:
    """DER of a test certificate. "fulcio": like a Fulcio leaf (no subject, SAN email
    SIGNER_EMAIL, issuer CN FULCIO_ISSUER_CN, O sigstore.dev, the OIDC issuer extensions
    1.3.6.1.4.1.57264.1.1 and .1.8). "notation": a self-signed code-signing certificate
    (CN NOTATION_SUBJECT_CN, O Notary, C US)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = _key()
    start = dt.datetime(2024, 1, 2, 3, 0, tzinfo=dt.UTC)
    if kind == "fulcio":
        subject = x509.Name([])
        issuer = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstore.dev"),
                            x509.NameAttribute(NameOID.COMMON_NAME, FULCIO_ISSUER_CN)])  # fmt: skip
        end = start + dt.timedelta(minutes=10)
    else:
        subject = issuer = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Notary"),
            x509.NameAttribute(NameOID.COMMON_NAME, NOTATION_SUBJECT_CN),
        ])  # fmt: skip
        end = start + dt.timedelta(days=3650)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(0x16 if kind == "fulcio" else 0x17)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
    )
    if kind == "fulcio":
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(SIGNER_EMAIL)]), critical=True
        )
        for oid, value in (("1.3.6.1.4.1.57264.1.1", OIDC_ISSUER.encode()),
                           ("1.3.6.1.4.1.57264.1.8", _der_utf8(OIDC_ISSUER))):  # fmt: skip
            ext = x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), value)
            builder = builder.add_extension(ext, critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.DER)


def certificate_pem(kind: str = "fulcio") -> str:
    body = b64(certificate(kind))
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


# --- documents -----------------------------------------------------------------------------


def _packages(count: int) -> list[tuple[str, str, str, str]]:
    rows = list(PACKAGES[:count])
    rows += [(f"pkg-{i}", f"1.{i}", f"pkg:generic/pkg-{i}@1.{i}", "MIT")
             for i in range(len(rows), count)]  # fmt: skip
    return rows


def spdx_document(
    count: int = len(PACKAGES), *, name: str = "rig-image", extra: Sequence[str] = ()
) -> dict[str, Any]:
    """An SPDX 2.3 JSON document of `count` packages (PACKAGES first), plus one package per name
    in `extra` (version 9.9, purl pkg:generic/<name>@9.9, licence NOASSERTION)."""
    rows = _packages(count) + [(n, "9.9", f"pkg:generic/{n}@9.9", "NOASSERTION") for n in extra]
    packages = [
        {
            "name": n, "SPDXID": f"SPDXRef-Package-{i}", "versionInfo": v,
            "downloadLocation": "NOASSERTION", "licenseConcluded": lic, "licenseDeclared": lic,
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
                              "referenceType": "purl", "referenceLocator": p}],
        }
        for i, (n, v, p, lic) in enumerate(rows)
    ]  # fmt: skip
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": f"https://example.com/spdx/{name}",
        "creationInfo": {"created": CREATED, "creators": ["Tool: syft-1.0.0", "Organization: rig"]},
        "packages": packages,
    }


def cyclonedx_document(count: int = len(PACKAGES)) -> dict[str, Any]:
    """A CycloneDX 1.5 JSON BOM of `count` components (PACKAGES first)."""
    components = [
        {"type": "library", "name": n, "version": v, "purl": p,
         "licenses": [{"license": {"id": lic}}] if " " not in lic else [{"expression": lic}]}
        for n, v, p, lic in _packages(count)
    ]  # fmt: skip
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {
            "timestamp": CREATED,
            "tools": {"components": [{"type": "application", "name": "trivy", "version": "0.50"}]},
        },
        "components": components,
    }


def _subject(subject: Manifest, name: str = "pkg:docker/supply/app") -> list[dict[str, Any]]:
    return [{"name": name, "digest": {"sha256": subject.digest.removeprefix("sha256:")}}]


def statement(subject: Manifest, predicate_type: str, predicate: Any) -> dict[str, Any]:
    """An in-toto v1 statement about `subject`."""
    return {"_type": "https://in-toto.io/Statement/v1", "subject": _subject(subject),
            "predicateType": predicate_type, "predicate": predicate}  # fmt: skip


def slsa_v1(subject: Manifest) -> dict[str, Any]:
    """An in-toto statement with a SLSA v1 provenance predicate (GitHub Actions style)."""
    predicate = {
        "buildDefinition": {
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "externalParameters": {"workflow": {"ref": "refs/heads/main",
                                                "repository": SOURCE_REPO,
                                                "path": ".github/workflows/build.yml"},
                                   "target": "release", "platform": "linux/amd64"},
            "resolvedDependencies": [
                {"uri": f"git+{SOURCE_REPO}@refs/heads/main",
                 "digest": {"gitCommit": SOURCE_COMMIT}},
                {"uri": "pkg:docker/debian@bookworm", "digest": {"sha256": "ab" * 32}},
            ],
        },
        "runDetails": {
            "builder": {"id": BUILDER_ID},
            "metadata": {"invocationId": f"{SOURCE_REPO}/actions/runs/1/attempts/1",
                         "startedOn": STARTED, "finishedOn": FINISHED},
        },
    }  # fmt: skip
    return statement(subject, SLSA_V1, predicate)


def slsa_v02(subject: Manifest, platform: str = "linux/amd64") -> dict[str, Any]:
    """A BuildKit-style in-toto v0.1 statement with a SLSA v0.2 provenance predicate."""
    predicate = {
        "builder": {"id": BUILDER_ID},
        "buildType": "https://mobyproject.org/buildkit@v1",
        "materials": [{"uri": f"pkg:docker/debian@bookworm?platform={platform.replace('/', '%2F')}",
                       "digest": {"sha256": "cd" * 32}}],
        "invocation": {
            "configSource": {"entryPoint": "Dockerfile",
                             "uri": f"{SOURCE_REPO}.git#refs/heads/main",
                             "digest": {"sha1": SOURCE_COMMIT}},
            "parameters": {"frontend": "dockerfile.v0", "args": {"target": "release"}},
            "environment": {"platform": platform},
        },
        "metadata": {
            "buildStartedOn": STARTED, "buildFinishedOn": FINISHED, "reproducible": False,
            "https://mobyproject.org/buildkit@v1#metadata": {
                "vcs": {"source": SOURCE_REPO, "revision": SOURCE_COMMIT}},
        },
    }  # fmt: skip
    doc = statement(subject, SLSA_V02, predicate)
    doc["_type"] = "https://in-toto.io/Statement/v0.1"
    return doc


def dsse(payload: bytes, payload_type: str = IN_TOTO) -> dict[str, Any]:
    """A DSSE envelope of `payload`, signed with the rig's test key."""
    pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(), len(payload), payload)
    return {"payloadType": payload_type, "payload": b64(payload),
            "signatures": [{"keyid": "", "sig": b64(sign(pae))}]}  # fmt: skip


def simplesigning(subject: Manifest, identity: str) -> bytes:
    return _compact({
        "critical": {"identity": {"docker-reference": identity},
                     "image": {"docker-manifest-digest": subject.digest},
                     "type": "cosign container image signature"},
        "optional": None,
    })  # fmt: skip


def rekor_bundle(payload: bytes, log_index: int = REKOR_LOG_INDEX) -> str:
    """The `dev.sigstore.cosign/bundle` annotation (cosign's Rekor bundle)."""
    digest = {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}
    body = _compact({"apiVersion": "0.0.1", "kind": "hashedrekord",
                     "spec": {"data": {"hash": digest}}})  # fmt: skip
    return json.dumps({
        "SignedEntryTimestamp": b64(sign(body)),
        "Payload": {"body": b64(body), "integratedTime": REKOR_TIME, "logIndex": log_index,
                    "logID": "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d"},
    })  # fmt: skip


def sigstore_bundle(subject: Manifest) -> dict[str, Any]:
    """A Sigstore bundle v0.3 (message signature over the subject digest, certificate, one Rekor
    entry with its integrated time)."""
    digest = bytes.fromhex(subject.digest.removeprefix("sha256:"))
    return {
        "mediaType": SIGSTORE_BUNDLE,
        "verificationMaterial": {
            "certificate": {"rawBytes": b64(certificate("fulcio"))},
            "tlogEntries": [{
                "logIndex": str(BUNDLE_LOG_INDEX),
                "logId": {"keyId": b64(b"\xc0\xd2" * 16)},
                "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
                "integratedTime": str(REKOR_TIME),
                "inclusionPromise": {"signedEntryTimestamp": b64(sign(digest))},
                "canonicalizedBody": b64(b'{"kind":"hashedrekord"}'),
            }],
        },
        "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": b64(digest)},
                             "signature": b64(sign(digest))},
    }  # fmt: skip


def notation_jws(subject: Manifest, signing_time: str = NOTATION_TIME) -> dict[str, Any]:
    """A Notation JWS envelope (JSON serialization) for `subject`, x5c = the notation cert."""
    target = {"mediaType": subject.media_type, "digest": subject.digest, "size": subject.size}
    payload = _compact({"targetArtifact": target})
    protected = _compact({
        "alg": "ES256", "crit": ["io.cncf.notary.signingScheme"],
        "cty": "application/vnd.cncf.notary.payload.v1+json",
        "io.cncf.notary.signingScheme": "notary.x509", "io.cncf.notary.signingTime": signing_time,
    })  # fmt: skip
    signing_input = f"{b64url(protected)}.{b64url(payload)}".encode()
    return {"payload": b64url(payload), "protected": b64url(protected),
            "header": {"x5c": [b64(certificate("notation"))],
                       "io.cncf.notary.signingAgent": "Notation/1.0.0"},
            "signature": b64url(sign(signing_input))}  # fmt: skip


# --- manifests -----------------------------------------------------------------------------

EMPTY = Blob(OCI_EMPTY, b"{}")


def referrer(  # noqa: PLR0913 - a manifest and its parts
    repository: str,
    subject: Manifest,
    layers: Sequence[Blob],
    *,
    artifact_type: str | None,
    config: Blob = EMPTY,
    annotations: Mapping[str, str] | None = None,
) -> Manifest:
    """An OCI image manifest whose `subject` is `subject` (`artifact_type` None: no field)."""
    body: dict[str, Any] = {"schemaVersion": 2, "mediaType": OCI_MANIFEST}
    if artifact_type:
        body["artifactType"] = artifact_type
    body["config"] = config.descriptor()
    body["layers"] = [layer.descriptor() for layer in layers]
    body["subject"] = {"mediaType": subject.media_type, "digest": subject.digest,
                       "size": subject.size}  # fmt: skip
    body["annotations"] = {"org.opencontainers.image.created": CREATED, **(annotations or {})}
    pushed = [layer for layer in layers if layer.digest != EMPTY.digest]
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, pushed)


def _cosign_layer(subject: Manifest, identity: str, log_index: int) -> Blob:
    payload = simplesigning(subject, identity)
    return Blob(COSIGN_SIMPLESIGNING, payload, {
        "dev.cosignproject.cosign/signature": b64(sign(payload)),
        "dev.sigstore.cosign/certificate": certificate_pem("fulcio"),
        "dev.sigstore.cosign/chain": certificate_pem("notation"),
        "dev.sigstore.cosign/bundle": rekor_bundle(payload, log_index),
    })  # fmt: skip


def cosign_tag_signature(
    repository: str, subject: Manifest, identity: str = "supply/app"
) -> Manifest:
    """cosign's legacy signature (push it as `cosign_tag(subject)`): no `subject` field, an OCI
    config, one simplesigning layer with signature, certificate, chain and Rekor bundle."""
    layer = _cosign_layer(subject, identity, REKOR_LOG_INDEX)
    cfg = {"architecture": "", "os": "", "created": "0001-01-01T00:00:00Z", "config": {},
           "rootfs": {"type": "layers", "diff_ids": [layer.digest]}}  # fmt: skip
    config = Blob(OCI_CONFIG, _compact(cfg))
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.descriptor(),
            "layers": [layer.descriptor()]}  # fmt: skip
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, [layer])


def cosign_referrer(repository: str, subject: Manifest, identity: str = "supply/app") -> Manifest:
    """cosign's OCI 1.1 signature (`--registry-referrers-mode=oci-1-1`)."""
    layer = _cosign_layer(subject, identity, REKOR_LOG_INDEX + 1)
    return referrer(repository, subject, [layer], artifact_type=COSIGN_SIG_ARTIFACT)


def bundle_referrer(repository: str, subject: Manifest) -> Manifest:
    """cosign's Sigstore bundle v0.3 referrer (`--new-bundle-format`)."""
    layer = Blob(SIGSTORE_BUNDLE, _compact(sigstore_bundle(subject)))
    notes = {
        "dev.sigstore.bundle.content": "message-signature",
        "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1",
    }
    return referrer(repository, subject, [layer], artifact_type=SIGSTORE_BUNDLE, annotations=notes)


def notation_referrer(repository: str, subject: Manifest, *, oci11: bool = False) -> Manifest:
    """A Notation JWS signature, as `notation sign` writes it: config media type
    NOTATION (or, with `oci11`, `artifactType` NOTATION and the empty config)."""
    layer = Blob(JOSE, _compact(notation_jws(subject)))
    thumb = hashlib.sha256(certificate("notation")).hexdigest()
    notes = {"io.cncf.notary.x509chain.thumbprint#S256": json.dumps([thumb])}
    if oci11:
        return referrer(repository, subject, [layer], artifact_type=NOTATION, annotations=notes)
    config = Blob(NOTATION, b"{}")
    return referrer(repository, subject, [layer], artifact_type=None, config=config,
                    annotations=notes)  # fmt: skip


def sbom_referrer(  # noqa: PLR0913 - a manifest and its parts
    repository: str, subject: Manifest, document: bytes, media_type: str = SPDX,
    *, artifact_type: str | None = None, title: str = "sbom.json",
) -> Manifest:  # fmt: skip
    """An SBOM (any bytes, hostile ones too) attached as ORAS does: artifactType = media type."""
    layer = Blob(media_type, document, {"org.opencontainers.image.title": title})
    return referrer(repository, subject, [layer], artifact_type=artifact_type or media_type)


def spdx_referrer(repository: str, subject: Manifest, count: int = len(PACKAGES)) -> Manifest:
    doc = _compact(spdx_document(count))
    return sbom_referrer(repository, subject, doc, SPDX, title="sbom.spdx.json")


def cyclonedx_referrer(repository: str, subject: Manifest, count: int = len(PACKAGES)) -> Manifest:
    doc = _compact(cyclonedx_document(count))
    return sbom_referrer(repository, subject, doc, CYCLONEDX, title="bom.cdx.json")


def provenance_referrer(repository: str, subject: Manifest, *, envelope: bool = False) -> Manifest:
    """A SLSA v1 provenance referrer: a plain in-toto statement, or (`envelope`) a DSSE one."""
    doc = _compact(slsa_v1(subject))
    if envelope:
        layer = Blob(DSSE, _compact(dsse(doc)), {PREDICATE: SLSA_V1})
        return referrer(repository, subject, [layer], artifact_type=DSSE)
    layer = Blob(IN_TOTO, doc, {PREDICATE: SLSA_V1})
    return referrer(repository, subject, [layer], artifact_type=IN_TOTO)


def lifecycle_referrer(repository: str, subject: Manifest, eol: str = PAST_EOL) -> Manifest:
    """ACR's lifecycle annotation, as `oras attach --artifact-type LIFECYCLE --annotation
    vnd.microsoft.artifact.lifecycle.end-of-life.date=…` writes it (the empty layer)."""
    return referrer(repository, subject, [EMPTY], artifact_type=LIFECYCLE,
                    annotations={EOL_ANNOTATION: eol})  # fmt: skip


def streaming_referrer(repository: str, subject: Manifest) -> Manifest:
    """An ACR artifact-streaming referrer (its layer is opaque streaming data)."""
    layer = Blob("application/vnd.azure.artifact.streaming.blob.v1", b"streaming index bytes")
    return referrer(repository, subject, [layer], artifact_type=STREAMING)


def vulnerability_referrer(repository: str, subject: Manifest) -> Manifest:
    """A SARIF vulnerability report referrer (as `oras attach` of a Trivy SARIF file)."""
    sarif = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Trivy"}}, "results": []}]}
    layer = Blob(SARIF, _compact(sarif), {"org.opencontainers.image.title": "report.sarif"})
    return referrer(repository, subject, [layer], artifact_type=SARIF)


def helm_chart(repository: str) -> Manifest:
    """A Helm chart as `helm push` writes it."""
    config = Blob(HELM_CONFIG, _compact({"name": "rig", "version": "0.1.0", "apiVersion": "v2"}))
    chart = Blob(HELM_CHART, b"\x1f\x8b helm chart bytes")
    body = {"schemaVersion": 2, "config": config.descriptor(), "layers": [chart.descriptor()],
            "annotations": {"org.opencontainers.image.title": "rig"}}  # fmt: skip
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, [chart])


def _attestation(repository: str, subject: Manifest, layers: Sequence[Blob]) -> Manifest:
    cfg = {"architecture": "unknown", "os": "unknown", "config": {},
           "rootfs": {"type": "layers", "diff_ids": [b.digest for b in layers]}}  # fmt: skip
    config = Blob(OCI_CONFIG, _compact(cfg))
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.descriptor(),
            "layers": [b.descriptor() for b in layers]}  # fmt: skip
    notes = {"vnd.docker.reference.type": "attestation-manifest",
             "vnd.docker.reference.digest": subject.digest}  # fmt: skip
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, list(layers),
                    platform={"architecture": "unknown", "os": "unknown"},
                    entry_annotations=notes)  # fmt: skip


def buildkit_attestation(repository: str, subject: Manifest, platform: str) -> Manifest:
    """BuildKit's attestation manifest for `subject`: an SPDX in-toto statement (with one extra
    package named `only-<arch>`) and a SLSA v0.2 provenance statement."""
    arch = platform.split("/")[1]
    sbom = statement(subject, SPDX_PREDICATE, spdx_document(extra=[f"only-{arch}"]))
    sbom["_type"] = "https://in-toto.io/Statement/v0.1"
    prov = slsa_v02(subject, platform)
    layers = [Blob(IN_TOTO, _compact(sbom), {PREDICATE: SPDX_PREDICATE}),
              Blob(IN_TOTO, _compact(prov), {PREDICATE: SLSA_V02})]  # fmt: skip
    return _attestation(repository, subject, layers)


def oci_index(repository: str, children: list[Manifest]) -> Manifest:
    body = {"schemaVersion": 2, "mediaType": OCI_INDEX,
            "manifests": [c.descriptor() for c in children]}  # fmt: skip
    return Manifest(repository, OCI_INDEX, _compact(body), children=children)


def buildkit_index(repository: str) -> Manifest:
    """linux/amd64 + linux/arm64 images and one attestation manifest for each."""
    amd64 = image(repository, "bk-amd64", docker=False)
    arm64 = image(repository, "bk-arm64", "arm64", docker=False)
    atts = [buildkit_attestation(repository, amd64, "linux/amd64"),
            buildkit_attestation(repository, arm64, "linux/arm64")]  # fmt: skip
    return oci_index(repository, [amd64, arm64, *atts])


def based_image(repository: str, name: str, base_name: str, base_digest: str) -> Manifest:
    """An image whose manifest annotations and config labels name its base image."""
    plain = image(repository, name, docker=False)
    assert plain.config is not None
    cfg = json.loads(plain.config.data)
    cfg["config"]["Labels"] |= {BASE_NAME: base_name, BASE_DIGEST: base_digest}
    config = Blob(OCI_CONFIG, _compact(cfg))
    body = json.loads(plain.data)
    body["config"] = config.descriptor()
    body["annotations"] |= {BASE_NAME: base_name, BASE_DIGEST: base_digest}
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, plain.layers,
                    platform=plain.platform)  # fmt: skip


# --- pushing -------------------------------------------------------------------------------


class Pusher:
    """Pushes manifests into one registry; `attach` keeps the referrers tag schema up to date."""

    def __init__(self, registry: Registry, repositories: tuple[str, ...]) -> None:
        self.registry = registry
        self.session = requests.Session()
        self.session.headers.update(registry.push_headers(repositories))
        self.pushed: set[tuple[str, str]] = set()
        self.content = Content()
        # subject digest -> descriptors of its referrers (what the tag schema index holds)
        self.referrers: dict[str, list[dict[str, Any]]] = {}

    def close(self) -> None:
        self.session.close()

    def push(self, manifest: Manifest, tag: str | None = None) -> Manifest:
        """PUT `manifest` (children and blobs first) as `tag`, or by digest."""
        _push_manifest(self.session, self.registry.url, manifest, tag or manifest.digest,
                       self.pushed)  # fmt: skip
        record(self.content, tag or manifest.digest, manifest)
        return manifest

    def attach(self, referrer: Manifest, *, fallback: bool = True, plain: bool = False) -> Manifest:
        """Push `referrer` by digest and add it to its subject's `sha256-<hex>` index (read back
        from the registry first, so other pushers' entries stay). `plain`: the index entry has no
        `artifactType` or annotations (as older clients wrote it), so a client must read it."""
        self.push(referrer)
        body = referrer.json
        subject = body["subject"]["digest"]
        desc = referrer.descriptor()
        artifact_type = body.get("artifactType") or body["config"]["mediaType"]
        if not plain:
            desc["artifactType"] = artifact_type
        if body.get("annotations") and not plain:
            desc["annotations"] = body["annotations"]
        entries = self.referrers.setdefault(subject, [])
        if all(e["digest"] != desc["digest"] for e in entries):
            entries.append(desc)
        if fallback:
            self._write_fallback(referrer.repository, subject, desc)
        return referrer

    def delete(self, manifest: Manifest) -> None:
        """DELETE `manifest` by digest (its tag-schema entries stay: a referrer listed but gone)."""
        registry, repo = self.registry, manifest.repository
        headers = registry.push_headers((repo,))
        if registry.mode == "token" and registry.token_server is not None:
            access = [{"type": "repository", "name": repo, "actions": ["pull", "push", "delete"]}]
            token = registry.token_server.mint(access, service=registry.host)
            headers = {"Authorization": f"Bearer {token}"}
        url = f"{registry.url}/v2/{repo}/manifests/{manifest.digest}"
        resp = requests.delete(url, headers=headers, timeout=10)
        if resp.status_code != 202:
            raise RuntimeError(f"delete {url}: HTTP {resp.status_code} {resp.text[:300]}")

    def _write_fallback(self, repo: str, subject: str, desc: dict[str, Any]) -> None:
        url = f"{self.registry.url}/v2/{repo}/manifests/{cosign_tag(subject, '')}"
        resp = self.session.get(url, headers={"Accept": OCI_INDEX}, timeout=10)
        manifests = resp.json().get("manifests", []) if resp.status_code == 200 else []
        if any(m.get("digest") == desc["digest"] for m in manifests):
            return
        data = _compact({"schemaVersion": 2, "mediaType": OCI_INDEX,
                         "manifests": [*manifests, desc]})  # fmt: skip
        resp = self.session.put(url, data=data, headers={"Content-Type": OCI_INDEX}, timeout=10)
        if resp.status_code != 201:
            raise RuntimeError(f"put {url}: HTTP {resp.status_code} {resp.text[:300]}")


@dataclass
class Supply:
    """What `push_supply` pushed: `named` manifests, `referrers` per subject digest."""

    registry: str  # host:port
    repository: str
    named: dict[str, Manifest] = field(default_factory=dict)
    referrers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    content: Content = field(default_factory=Content)

    def __getitem__(self, name: str) -> Manifest:
        return self.named[name]

    def ref(self, name: str) -> str:
        """`host:port/repo:<tag>` for tagged names, `host:port/repo@<digest>` otherwise."""
        m = self.named[name]
        tag = name if name in TAGGED else None
        return f"{self.registry}/{m.repository}:{tag}" if tag else self.digest_ref(m.digest, m)

    def digest_ref(self, digest: str, m: Manifest | None = None) -> str:
        return f"{self.registry}/{m.repository if m else self.repository}@{digest}"

    def kinds_of(self, name: str) -> list[str]:
        """artifactType of each referrer of `name`, in push order."""
        return [d["artifactType"] for d in self.referrers.get(self.named[name].digest, [])]


TAGGED = frozenset({"image", "bare", "index", "multi", "based", "helm"})


def push_supply(registry: Registry, repository: str = SUPPLY_REPOSITORY) -> Supply:
    """Push every supply-chain kind into `repository` (and `<repository>-base`), tags:
    - `image` ← cosign `.sig` tag, cosign OCI 1.1, Sigstore bundle, Notation (config type),
      SPDX (`spdx`, with its own cosign referrer `sbom-signature`), CycloneDX, SLSA v1
      provenance, SARIF vulnerability report (names: cosign-tag, cosign, bundle, notation, spdx,
      sbom-signature, cyclonedx, provenance, vulnerability)
    - `bare`: nothing attached; `helm`: a Helm chart
    - `index`: BuildKit index (children named index-amd64/-arm64, attestation-amd64/-arm64)
    - `multi`: index whose linux/arm64 child (`multi-arm64`) has a CycloneDX referrer
      (`multi-sbom`) and linux/amd64 child (`multi-amd64`) has nothing
    - `based`: base annotations + labels naming `<repository>-base:1` at `base-old`, while that
      tag now points at `base-new`; lifecycle EOL PAST_EOL (`lifecycle`) and streaming
      (`streaming`) referrers."""
    base_repo = f"{repository}-base"
    pusher = Pusher(registry, (repository, base_repo))
    n: dict[str, Manifest] = {}
    try:
        r = repository
        n["image"] = pusher.push(image(r, "signed", docker=False), "image")
        n["bare"] = pusher.push(image(r, "bare", "arm64", docker=False), "bare")
        n["helm"] = pusher.push(helm_chart(r), "helm")
        subject = n["image"]
        n["cosign-tag"] = pusher.push(cosign_tag_signature(r, subject), cosign_tag(subject))
        for name, build in (("cosign", cosign_referrer), ("bundle", bundle_referrer),
                            ("notation", notation_referrer), ("spdx", spdx_referrer),
                            ("cyclonedx", cyclonedx_referrer),
                            ("provenance", provenance_referrer),
                            ("vulnerability", vulnerability_referrer)):  # fmt: skip
            n[name] = pusher.attach(build(r, subject))
        n["sbom-signature"] = pusher.attach(cosign_referrer(r, n["spdx"]))
        n["index"] = pusher.push(buildkit_index(r), "index")
        kids = n["index"].children
        n |= {"index-amd64": kids[0], "index-arm64": kids[1],
              "attestation-amd64": kids[2], "attestation-arm64": kids[3]}  # fmt: skip
        amd64 = image(r, "multi-amd64", docker=False)
        arm64 = image(r, "multi-arm64", "arm64", docker=False)
        n["multi"] = pusher.push(oci_index(r, [amd64, arm64]), "multi")
        n["multi-amd64"], n["multi-arm64"] = amd64, arm64
        n["multi-sbom"] = pusher.attach(cyclonedx_referrer(r, arm64, 6))
        n["base-old"] = pusher.push(image(base_repo, "base-old", docker=False), "old")
        n["base-new"] = pusher.push(image(base_repo, "base-new", docker=False), "1")
        base_name = f"{registry.host}/{base_repo}:1"
        n["based"] = pusher.push(based_image(r, "based", base_name, n["base-old"].digest), "based")
        n["lifecycle"] = pusher.attach(lifecycle_referrer(r, n["based"]))
        n["streaming"] = pusher.attach(streaming_referrer(r, n["based"]))
    finally:
        pusher.close()
    return Supply(registry.host, repository, n, pusher.referrers, pusher.content)


# --- the referrers API, served in front of the real registry -------------------------------


def referrers_index(
    descriptors: Sequence[Mapping[str, Any]], artifact_type: str | None = None
) -> bytes:
    """The referrers API answer: an OCI index of `descriptors` (filtered by `artifact_type`)."""
    chosen = [
        dict(d) for d in descriptors if not artifact_type or d.get("artifactType") == artifact_type
    ]
    return _compact({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": chosen})


_HOP = {"connection", "transfer-encoding", "keep-alive", "content-encoding"}


def serve_referrers_api(server: FakeServer, registry: Registry, supply: Supply) -> None:
    """Make `server` a registry with the OCI 1.1 referrers API: `/v2/<repo>/referrers/<digest>`
    answered from `supply.referrers` (`?artifactType=` filters, with the OCI-Filters-Applied
    header), everything else forwarded to `registry` (auth headers included). Use
    `server.host` in references instead of `supply.registry`."""

    def forward(req: FakeRequest) -> Response:
        headers = {k: v for k, v in req.headers.items() if k.lower() not in {"host", *_HOP}}
        url = registry.url + req.path
        resp = requests.request(req.method, url, headers=headers, data=req.body or None,
                                timeout=30, allow_redirects=False)  # fmt: skip
        out = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP}
        return resp.status_code, out, resp.content

    def answer(req: FakeRequest) -> Response:
        wanted = next(iter(req.query.get("artifactType", [])), None)
        body = referrers_index(supply.referrers.get(req.groups["digest"], []), wanted)
        headers = {"Content-Type": OCI_INDEX}
        if wanted:
            headers["OCI-Filters-Applied"] = "artifactType"
        return 200, headers, body

    server.route("*", r"/.*", forward)
    server.route("GET", r"/v2/(?P<name>.+)/referrers/(?P<digest>sha256:[0-9a-f]{64})", answer)
