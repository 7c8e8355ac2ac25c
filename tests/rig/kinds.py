"""Content of every kind seen in the wild (issue 12): schema 1 signed with a test key and
unsigned, indexes with every platform shape, attestation and builder entries, nested and artifact
indexes, an empty index, layers of every media type, and a partial mirror (a missing child, a
missing config blob).

Not part of `content.build()` (the shared registries' tags stay as they are): `push_kinds` puts it
into a registry of its own, started with schema 1 enabled (`SCHEMA1_ENABLED` appended to its
config; tests/registry/test_kinds.py)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from .content import (
    CREATED,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    SBOM_ARTIFACT_TYPE,
    Blob,
    Content,
    Manifest,
    _compact,
    _push_manifest,
    artifact,
    attestation,
    gzip_tar,
    record,
    sha256,
)

SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
KINDS_REPOSITORY = "test/kinds"
SCHEMA1_ENABLED = "compatibility:\n  schema1: {enabled: true}\n"  # Distribution 2.8: off by default
TEST_KEY_SECRET = 0x5EED_0F_AC2_DE5C_70B  # the schema 1 test key, derived from this number


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Schema1(Manifest):
    """A schema 1 manifest; ``payload`` is what its digest covers (for a signed one: ``data``
    without its ``signatures``, as libtrust signs)."""

    payload: bytes = b""
    history: list[dict[str, Any]] = field(default_factory=list)  # base first

    @property
    def digest(self) -> str:
        return sha256(self.payload)


def libtrust_key_id(public_der: bytes) -> str:
    """libtrust's key id: base32 of the first 30 bytes of sha256(SPKI DER), 12 groups of 4."""
    text = base64.b32encode(hashlib.sha256(public_der).digest()[:30]).decode().rstrip("=")
    return ":".join(text[i : i + 4] for i in range(0, 48, 4))


def sign_schema1(payload: bytes, secret: int = TEST_KEY_SECRET) -> bytes:
    """``payload`` signed as libtrust does (ES256, P-256 test key): the JWS goes in before the
    closing brace; the protected header's formatLength/formatTail give the payload back."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = ec.derive_private_key(secret, ec.SECP256R1())
    cut = payload.rstrip().rindex(b"\n")  # before the final "}"
    header = {"formatLength": cut, "formatTail": _b64url(payload[cut:]), "time": CREATED}
    protected = _b64url(json.dumps(header).encode())
    der = key.sign(f"{protected}.{_b64url(payload)}".encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    public = key.public_key()
    numbers = public.public_numbers()
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    x, y = (_b64url(n.to_bytes(32, "big")) for n in (numbers.x, numbers.y))
    jwk = {"crv": "P-256", "kid": libtrust_key_id(spki), "kty": "EC", "x": x, "y": y}
    signature = {"header": {"jwk": jwk, "alg": "ES256"},
                 "signature": _b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big")),
                 "protected": protected}  # fmt: skip
    signatures = json.dumps([signature], indent=3).replace("\n", "\n   ")
    return payload[:cut] + b',\n   "signatures": ' + signatures.encode() + payload[cut:]


def schema1(repository: str, tag: str, *, signed: bool) -> Schema1:
    """A two-layer schema 1 image (three history steps, one empty), as Docker 1.x pushed it:
    fsLayers and history top first."""
    base, _ = gzip_tar({"etc/os-release": b"NAME=legacy\n"})
    app, _ = gzip_tar({"app/legacy.txt": f"{tag}\n".encode()})
    layers = [Blob("application/octet-stream", base), Blob("application/octet-stream", app)]
    empty = Blob("application/octet-stream", gzip_tar({})[0])
    ids = [hashlib.sha256(f"{tag}-{n}".encode()).hexdigest() for n in range(3)]
    steps: list[dict[str, Any]] = [
        {"id": ids[0], "created": CREATED,
         "container_config": {"Cmd": ["/bin/sh", "-c", "#(nop) ADD file:base in / "]}},
        {"id": ids[1], "parent": ids[0], "created": CREATED, "throwaway": True,
         "container_config": {"Cmd": ["/bin/sh", "-c", '#(nop)  CMD ["/bin/sh"]']}},
        {"id": ids[2], "parent": ids[1], "created": CREATED, "architecture": "amd64", "os": "linux",
         "container_config": {"Cmd": ["/bin/sh", "-c", "#(nop) COPY file:app in /app "]}},
    ]  # fmt: skip
    blobs = [layers[0], empty, layers[1]]  # base first, one per history step
    body = {
        "schemaVersion": 1,
        "name": repository,
        "tag": tag,
        "architecture": "amd64",
        "fsLayers": [{"blobSum": b.digest} for b in reversed(blobs)],
        "history": [{"v1Compatibility": json.dumps(s)} for s in reversed(steps)],
    }
    payload = json.dumps(body, indent=3).encode()
    data = sign_schema1(payload) if signed else payload
    media = SCHEMA1_SIGNED if signed else SCHEMA1
    return Schema1(repository, media, data, None, [layers[0], empty, layers[1]],
                   payload=payload, history=steps)  # fmt: skip


def layer_kinds_image(repository: str) -> Manifest:
    """An OCI image whose layers are of every kind a client must name: a foreign
    (non-distributable, with `urls`) zstd layer, an encrypted one, zstd, uncompressed."""
    nondist = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
    encrypted = "application/vnd.oci.image.layer.v1.tar+gzip+encrypted"
    zstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    plain = "application/vnd.oci.image.layer.v1.tar"
    foreign = Blob(nondist, b"foreign layer bytes, never uploaded")
    pushed = [Blob(encrypted, b"encrypted layer bytes"), Blob(zstd, b"zstd layer bytes"),
              Blob(plain, b"plain tar bytes")]  # fmt: skip
    cfg = {"architecture": "amd64", "os": "linux", "created": CREATED,
           "rootfs": {"type": "layers",
                      "diff_ids": [sha256(b"x" * n) for n in range(1, 5)]}}  # fmt: skip
    config = Blob(OCI_CONFIG, _compact(cfg))
    foreign_desc = foreign.descriptor() | {"urls": ["https://example.com/foreign.tar.zst"]}
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.descriptor(),
            "layers": [foreign_desc] + [b.descriptor() for b in pushed]}  # fmt: skip
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, pushed)


def platform_image(repository: str, platform: dict[str, str]) -> Manifest:
    """A one-layer OCI image for ``platform`` (any os/architecture/variant/os.version)."""
    name = "-".join(platform.values())
    data, diff_id = gzip_tar({"platform.txt": name.encode()})
    layer = Blob(OCI_LAYER, data)
    cfg = {"architecture": platform["architecture"], "os": platform["os"], "created": CREATED,
           "rootfs": {"type": "layers", "diff_ids": [diff_id]}}  # fmt: skip
    if "variant" in platform:
        cfg["variant"] = platform["variant"]
    config = Blob(OCI_CONFIG, _compact(cfg))
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.descriptor(),
            "layers": [layer.descriptor()]}  # fmt: skip
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, [layer], platform=platform)


def builder_record(repository: str, subject: Manifest) -> Manifest:
    """A `vnd.docker.reference.type: builder` entry (regclient's testrepo has these): a small
    manifest about how ``subject`` was built."""
    note = Blob("application/vnd.example.build-info+json",
                _compact({"builder": "rig", "subject": subject.digest}))  # fmt: skip
    config = Blob(OCI_CONFIG, _compact({"architecture": "unknown", "os": "unknown",
                                        "rootfs": {"type": "layers", "diff_ids": []}}))  # fmt: skip
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.descriptor(),
            "layers": [note.descriptor()]}  # fmt: skip
    annotations = {"vnd.docker.reference.type": "builder",
                   "vnd.docker.reference.digest": subject.digest}  # fmt: skip
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, [note],
                    platform={"architecture": "unknown", "os": "unknown"},
                    entry_annotations=annotations)  # fmt: skip


def _entry(child: Manifest) -> dict[str, Any]:
    """An index entry; an artifact's carries its `artifactType`, as the image-spec suggests."""
    desc = child.descriptor()
    artifact_type = child.json.get("artifactType")
    return desc | {"artifactType": artifact_type} if artifact_type else desc


def oci_index(repository: str, children: list[Manifest], **fields: Any) -> Manifest:
    """An OCI index with extra top-level fields (artifactType, subject, annotations)."""
    body = {"schemaVersion": 2, "mediaType": OCI_INDEX, **fields,
            "manifests": [_entry(c) for c in children]}  # fmt: skip
    return Manifest(repository, OCI_INDEX, _compact(body), children=children)


def kinds() -> list[tuple[str, Manifest]]:
    """(tag, manifest) of every kind, in push order. `missing-child` and `missing-config` lose
    a part after the push (``KINDS_DELETE``)."""
    repo = KINDS_REPOSITORY
    p = platform_image
    amd64 = p(repo, {"architecture": "amd64", "os": "linux"})
    arm64 = p(repo, {"architecture": "arm64", "os": "linux"})
    arches = oci_index(repo, [
        amd64,
        p(repo, {"architecture": "amd64", "os": "linux", "variant": "v3"}),
        p(repo, {"architecture": "arm", "os": "linux", "variant": "v5"}),
        p(repo, {"architecture": "arm", "os": "linux", "variant": "v7"}),
        arm64,
        p(repo, {"architecture": "arm64", "os": "linux", "variant": "v8"}),
        p(repo, {"architecture": "386", "os": "linux"}),
        p(repo, {"architecture": "amd64", "os": "windows", "os.version": "10.0.17763.5576"}),
        p(repo, {"architecture": "amd64", "os": "windows", "os.version": "10.0.20348.2340"}),
        attestation(repo, amd64), builder_record(repo, amd64), builder_record(repo, arm64),
    ])  # fmt: skip
    no_platforms = oci_index(repo, [layer_kinds_image(repo), artifact(repo, amd64)])
    nested = oci_index(repo, [arches, no_platforms], annotations={"org.example.kind": "nested"})
    art_index = oci_index(repo, [artifact(repo, arm64)], artifactType=SBOM_ARTIFACT_TYPE,
                          subject={"mediaType": OCI_MANIFEST, "digest": amd64.digest,
                                   "size": amd64.size},
                          annotations={"org.example.kind": "artifact index"})  # fmt: skip
    lost = p(repo, {"architecture": "riscv64", "os": "linux"})
    partial = oci_index(repo, [p(repo, {"architecture": "s390x", "os": "linux"}), lost])
    no_config = p(repo, {"architecture": "ppc64le", "os": "linux"})
    return [
        ("arches", arches), ("no-platforms", no_platforms), ("nested", nested),
        ("artifact-index", art_index), ("empty-index", oci_index(repo, [])),
        ("layer-kinds", layer_kinds_image(repo)), ("one-layer", amd64),
        ("missing-child", partial), ("missing-config", no_config),
        ("schema1-signed", schema1(repo, "schema1-signed", signed=True)),
    ]  # fmt: skip


def push_kinds(url: str, headers: Mapping[str, str] | None = None) -> Content:
    """Push `kinds()` into the registry at ``url`` (schema 1 enabled), then delete the child of
    `missing-child` and the config blob of `missing-config`: content a partial mirror serves."""
    content = Content()
    with requests.Session() as session:
        session.headers.update(headers or {})
        pushed: set[tuple[str, str]] = set()
        for tag, manifest in kinds():
            _push_manifest(session, url, manifest, tag, pushed)
            record(content, tag, manifest)
        repo = KINDS_REPOSITORY
        lost = content[f"{repo}:missing-child"].children[-1]
        config = content[f"{repo}:missing-config"].config
        assert config is not None
        for path in (f"manifests/{lost.digest}", f"blobs/{config.digest}"):
            resp = session.delete(f"{url}/v2/{repo}/{path}", timeout=10)
            if resp.status_code != 202:
                raise RuntimeError(f"delete {path}: HTTP {resp.status_code} {resp.text[:300]}")
    return content
