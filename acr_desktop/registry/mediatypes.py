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
    "application/vnd.oci.image.layer.v1.tar": "layer (tar)",
    "application/vnd.oci.image.layer.v1.tar+gzip": "layer (tar.gz)",
    "application/vnd.oci.image.layer.v1.tar+zstd": "layer (tar.zst)",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "foreign layer (tar.gz)",
    "application/vnd.docker.image.rootfs.diff.tar.gzip": "layer (tar.gz)",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "foreign layer (tar.gz)",
    "application/vnd.docker.image.rootfs.diff.tar.zstd": "layer (tar.zst)",
    "application/vnd.in-toto+json": "in-toto attestation",
    "application/vnd.dev.cosign.simplesigning.v1+json": "cosign signature",
    "application/vnd.cncf.notary.signature": "Notation signature",
    "application/spdx+json": "SPDX SBOM",
    "application/vnd.cyclonedx+json": "CycloneDX SBOM",
    "application/vnd.cncf.helm.config.v1+json": "Helm chart config",
    "application/vnd.cncf.helm.chart.content.v1.tar+gzip": "Helm chart",
}


def plain_name(media_type: str | None) -> str:
    """A media type in plain words; unknown types are shown as they are."""
    if not media_type:
        return "unknown type"
    return _NAMES.get(base_type(media_type), media_type)


def base_type(content_type: str) -> str:
    """Drop parameters (`; charset=utf-8`) and case from a Content-Type."""
    return content_type.split(";", 1)[0].strip().lower()
