"""Media types we know, the Accept header we send, and plain-word names for people."""

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"

# Supply-chain artifacts: what signs, describes or accompanies an image (registry/artifacts.py)
COSIGN_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json"  # cosign's OCI 1.1 referrer
COSIGN_ATTESTATION = "application/vnd.dev.cosign.artifact.att.v1+json"
COSIGN_SBOM = "application/vnd.dev.cosign.artifact.sbom.v1+json"
SIGSTORE_BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
NOTATION_SIGNATURE = "application/vnd.cncf.notary.signature"
IN_TOTO = "application/vnd.in-toto+json"
DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json"
SPDX_JSON = "application/spdx+json"
CYCLONEDX_JSON = "application/vnd.cyclonedx+json"
SARIF = "application/sarif+json"
OPENVEX = "application/vnd.openvex+json"
TRIVY_REPORT = "application/vnd.aquasec.trivy.report+json"
ACR_STREAMING = "application/vnd.azure.artifact.streaming.v1"  # `az acr artifact-streaming`
MS_LIFECYCLE = "application/vnd.microsoft.artifact.lifecycle"  # end-of-life annotation referrer
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
ORAS_UNKNOWN_ARTIFACT = "application/vnd.unknown.artifact.v1"  # `oras push` without a type

INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
IMAGE_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
SCHEMA1_TYPES = frozenset({DOCKER_SCHEMA1_SIGNED, DOCKER_SCHEMA1})
IMAGE_CONFIG_TYPES = frozenset({OCI_CONFIG, DOCKER_CONFIG})

# Every manifest type, schema1 last: with fewer types a registry answers 404 for OCI content or
# converts Docker content to schema1 with a different digest (PROTOCOL §3).
MANIFEST_ACCEPT = ", ".join(
    [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST, DOCKER_SCHEMA1_SIGNED, DOCKER_SCHEMA1]
)

_NAMES = {
    OCI_INDEX: "OCI image index",
    OCI_MANIFEST: "OCI image manifest",
    DOCKER_LIST: "Docker manifest list",
    DOCKER_MANIFEST: "Docker image manifest (schema 2)",
    DOCKER_SCHEMA1_SIGNED: "Docker schema 1 manifest (signed, legacy)",
    DOCKER_SCHEMA1: "Docker schema 1 manifest (legacy)",
    OCI_CONFIG: "OCI image config",
    DOCKER_CONFIG: "Docker image config",
    OCI_EMPTY: "empty (OCI)",
    "application/vnd.in-toto+json": "in-toto attestation",
    "application/vnd.dev.cosign.simplesigning.v1+json": "cosign signature",
    "application/vnd.cncf.notary.signature": "Notation signature",
    "application/spdx+json": "SPDX SBOM",
    "application/vnd.cyclonedx+json": "CycloneDX SBOM",
    "application/vnd.cncf.helm.config.v1+json": "Helm chart config",
    "application/vnd.cncf.helm.chart.content.v1.tar+gzip": "Helm chart",
    "application/vnd.cncf.helm.chart.provenance.v1.prov": "Helm chart provenance",
    "application/vnd.docker.plugin.v1+json": "Docker plugin config",
    "application/vnd.oci.image.manifest.v1+json+encrypted": "encrypted OCI image manifest",
    "application/vnd.cncf.notary.payload.v1+json": "Notation payload",
    "application/jose+json": "JWS signature (JOSE)",
    "application/cose": "COSE signature",
    "application/vnd.dev.cosign.artifact.sig.v1+json": "cosign signature",
    "application/vnd.dev.sigstore.bundle.v0.3+json": "Sigstore bundle",
    "application/vnd.cyclonedx+xml": "CycloneDX SBOM (XML)",
    "application/vnd.syft+json": "Syft SBOM",
    "application/vnd.oci.image.config.v1+json+encrypted": "encrypted OCI image config",
    "application/octet-stream": "bytes (no type)",
    "application/tar+gzip": "tar.gz file",
    "application/vnd.docker.container.image.rootfs.diff+x-gtar": "layer (tar, old Docker)",
    "application/vnd.unknown.config.v1+json": "unknown config (ORAS)",
    COSIGN_ATTESTATION: "cosign attestation",
    COSIGN_SBOM: "cosign SBOM",
    DSSE_ENVELOPE: "in-toto attestation (DSSE envelope)",
    "application/vnd.dev.sigstore.bundle+json": "Sigstore bundle",
    SARIF: "SARIF report",
    OPENVEX: "OpenVEX document",
    TRIVY_REPORT: "Trivy report",
    ACR_STREAMING: "ACR artifact streaming",
    MS_LIFECYCLE: "end-of-life annotation (Microsoft lifecycle)",
    ORAS_UNKNOWN_ARTIFACT: "unknown artifact (ORAS)",
    "application/vnd.aquasec.trivy.config.v1+json": "Trivy database config",
    "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip": "Trivy vulnerability database",
    "application/vnd.wasm.config.v0+json": "WebAssembly module config",
    "application/vnd.wasm.content.layer.v1+wasm": "WebAssembly module",
}


_OCI_LAYER = "application/vnd.oci.image.layer."
_DOCKER_LAYER = "application/vnd.docker.image.rootfs."
_LAYER_FAMILIES = (  # prefix, foreign marker, the tar part, what joins the suffixes
    (_OCI_LAYER, "nondistributable.", "v1.tar", "+"),
    (_DOCKER_LAYER, "foreign.", "diff.tar", "."),
)
_COMPRESSION = {"": "tar", "gzip": "tar.gz", "zstd": "tar.zst"}


def plain_name(media_type: str | None) -> str:
    """A media type in plain words: every OCI and Docker layer type by its parts
    ("non-distributable layer (tar.zst)", "encrypted layer (tar.gz)"); other unknown types are
    shown as they are."""
    if not media_type:
        return "unknown type"
    base = base_type(media_type)
    return _NAMES.get(base) or _layer_name(base) or media_type


def _layer_name(base: str) -> str | None:
    """`…layer[.nondistributable].v1.tar[+gzip|+zstd][+encrypted]` and Docker's
    `…rootfs[.foreign].diff.tar[.gzip|.zstd]` in words; None for anything else."""
    for prefix, foreign_mark, tar, separator in _LAYER_FAMILIES:
        if not base.startswith(prefix):
            continue
        rest = base[len(prefix) :]
        foreign = rest.startswith(foreign_mark)
        rest = rest.removeprefix(foreign_mark)
        if not rest.startswith(tar):
            return None
        suffixes = [s for s in rest[len(tar) :].split(separator) if s]
        encrypted = "encrypted" in suffixes
        suffixes = [s for s in suffixes if s != "encrypted"]
        packing = _COMPRESSION.get(suffixes[0] if suffixes else "", "tar+" + "+".join(suffixes))
        words = ["encrypted" if encrypted else "", "non-distributable" if foreign else "", "layer"]
        return f"{' '.join(w for w in words if w)} ({packing})"
    return None


def base_type(content_type: str) -> str:
    """Drop parameters (`; charset=utf-8`) and case from a Content-Type."""
    return content_type.split(";", 1)[0].strip().lower()
