"""Manifests parsed into typed objects: image manifest, index / manifest list, schema1, unknown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.errors import InvalidReference, InvalidResponse
from acr_desktop.registry.json_doc import MAX_SIZE, clean_text, load_json
from acr_desktop.registry.reference import parse_digest

ATTESTATION_TYPE = "attestation-manifest"
ARCH_ALIASES = {"aarch64": "arm64", "x86_64": "amd64", "x86-64": "amd64", "armhf": "arm"}


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None
    os_version: str | None = None
    os_features: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    @classmethod
    def parse(cls, text: str) -> Platform:
        """`os/arch[/variant]`, e.g. `linux/arm64/v8`."""
        text = clean_text(text)  # the parts are shown and compared: they must encode
        parts = text.strip().lower().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise InvalidReference(  # a ValueError too, as callers expect
                f"“{text}” is not a platform: use os/architecture[/variant]",
                part="platform",
                text=text,
            )
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def matches(self, wanted: Platform) -> bool:
        """Does this platform satisfy `wanted`? Aliases normalised; no wanted variant: any."""
        if self.os.lower() != wanted.os.lower():
            return False
        if normalize_architecture(self.architecture) != normalize_architecture(wanted.architecture):
            return False
        return not wanted.variant or (self.variant or "").lower() == wanted.variant.lower()


def normalize_architecture(arch: str) -> str:
    arch = arch.lower()
    return ARCH_ALIASES.get(arch, arch)


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    annotations: Mapping[str, str] = field(default_factory=dict)
    platform: Platform | None = None
    artifact_type: str | None = None
    urls: tuple[str, ...] = ()

    @property
    def is_attestation(self) -> bool:
        """A BuildKit attestation entry (`unknown/unknown`), not a platform."""
        return self.annotations.get("vnd.docker.reference.type") == ATTESTATION_TYPE

    @property
    def attests(self) -> str | None:
        """For an attestation entry: the digest of the manifest it describes."""
        return self.annotations.get("vnd.docker.reference.digest")


@dataclass(frozen=True)
class ImageManifest:
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    annotations: Mapping[str, str] = field(default_factory=dict)
    subject: Descriptor | None = None
    explicit_artifact_type: str | None = None

    @property
    def artifact_type(self) -> str | None:
        """What an artifact is (`artifactType`, else a non-image config type); None for images."""
        if self.explicit_artifact_type:
            return self.explicit_artifact_type
        if self.config.media_type not in mt.IMAGE_CONFIG_TYPES:
            return self.config.media_type
        return None

    @property
    def layers_size(self) -> int:
        return sum(layer.size for layer in self.layers)

    @property
    def total_size(self) -> int:
        """Compressed size: config plus layers."""
        return self.config.size + self.layers_size


@dataclass(frozen=True)
class ImageIndex:
    media_type: str
    manifests: tuple[Descriptor, ...]
    annotations: Mapping[str, str] = field(default_factory=dict)
    subject: Descriptor | None = None
    artifact_type: str | None = None

    @property
    def platforms(self) -> tuple[Descriptor, ...]:
        """Entries that are images for a platform (attestations left out)."""
        return tuple(d for d in self.manifests if not d.is_attestation)

    @property
    def attestations(self) -> tuple[Descriptor, ...]:
        return tuple(d for d in self.manifests if d.is_attestation)

    def attestations_of(self, digest: str) -> tuple[Descriptor, ...]:
        return tuple(d for d in self.attestations if d.attests == digest)

    def find_platform(self, wanted: Platform) -> Descriptor | None:
        for entry in self.platforms:
            if entry.platform and entry.platform.matches(wanted):
                return entry
        return None


@dataclass(frozen=True)
class Schema1Manifest:
    """Legacy schema 1: shown read-only; its layers have digests but no sizes."""

    media_type: str
    name: str
    tag: str
    architecture: str
    blob_sums: tuple[str, ...]


@dataclass(frozen=True)
class UnknownManifest:
    """A media type we do not know: kept raw, never rejected."""

    media_type: str
    document: Any


Manifest = ImageManifest | ImageIndex | Schema1Manifest | UnknownManifest


def effective_media_type(content_type: str | None, document: Any) -> tuple[str, list[str]]:
    """Pick the media type from Content-Type and the body's `mediaType`; report disagreement."""
    warnings: list[str] = []
    header = mt.base_type(clean_text(content_type)) if content_type else ""
    body = document.get("mediaType") if isinstance(document, dict) else None
    body = body if isinstance(body, str) and body else None
    if header and body and header != body and header not in ("application/json", "text/plain"):
        warnings.append(
            f"The registry sent Content-Type “{header}” but the manifest says “{body}”."
        )
    known = mt.INDEX_TYPES | mt.IMAGE_TYPES | mt.SCHEMA1_TYPES
    if header in known:
        return header, warnings
    if body:
        return body, warnings
    if isinstance(document, dict):
        if document.get("schemaVersion") == 1:
            return mt.DOCKER_SCHEMA1, warnings
        if "manifests" in document:
            return mt.OCI_INDEX, warnings
        if "config" in document and "layers" in document:
            return mt.OCI_MANIFEST, warnings
    return header or "application/octet-stream", warnings


def parse_manifest(raw: bytes, content_type: str | None) -> tuple[Manifest, list[str]]:
    """Parse exact bytes. Returns the manifest and warnings; raises InvalidResponse if malformed.

    JSON is read bounded (json_doc.load_json). A structural field of the wrong type (config,
    layers, manifests, fsLayers, a digest, a size outside 0…2^63-1) is InvalidResponse; optional
    metadata of the wrong type (annotations, platform, urls, artifactType) is read as absent."""
    try:
        document = load_json(raw, what="manifest")
    except InvalidResponse:
        media = mt.base_type(clean_text(content_type)) if content_type else ""
        media = media or "application/octet-stream"
        known = mt.INDEX_TYPES | mt.IMAGE_TYPES | mt.SCHEMA1_TYPES
        if media in known or media.endswith("json"):
            raise
        return UnknownManifest(media, None), []
    media, warnings = effective_media_type(content_type, document)
    if media in mt.INDEX_TYPES or media in mt.IMAGE_TYPES or media in mt.SCHEMA1_TYPES:
        if not isinstance(document, dict):
            raise InvalidResponse("The manifest is not a JSON object.")
        if media in mt.INDEX_TYPES:
            return _parse_index(media, document), warnings
        if media in mt.IMAGE_TYPES:
            return _parse_image(media, document), warnings
        return _parse_schema1(media, document), warnings
    return UnknownManifest(media, document), warnings


def _parse_image(media: str, doc: dict[str, Any]) -> ImageManifest:
    if "config" not in doc:
        raise InvalidResponse("The image manifest has no config.")
    layers = doc.get("layers") or []
    if not isinstance(layers, list):
        raise InvalidResponse("The image manifest's layers are not a list.")
    return ImageManifest(
        media_type=media,
        config=parse_descriptor(doc["config"], "config"),
        layers=tuple(parse_descriptor(d, f"layers[{i}]") for i, d in enumerate(layers)),
        annotations=_annotations(doc.get("annotations")),
        subject=parse_descriptor(doc["subject"], "subject") if doc.get("subject") else None,
        explicit_artifact_type=_opt_str(doc.get("artifactType")),
    )


def _parse_index(media: str, doc: dict[str, Any]) -> ImageIndex:
    entries = doc.get("manifests") or []
    if not isinstance(entries, list):
        raise InvalidResponse("The index's manifests are not a list.")
    return ImageIndex(
        media_type=media,
        manifests=tuple(parse_descriptor(d, f"manifests[{i}]") for i, d in enumerate(entries)),
        annotations=_annotations(doc.get("annotations")),
        subject=parse_descriptor(doc["subject"], "subject") if doc.get("subject") else None,
        artifact_type=_opt_str(doc.get("artifactType")),
    )


def _parse_schema1(media: str, doc: dict[str, Any]) -> Schema1Manifest:
    layers = doc.get("fsLayers") or []
    if not isinstance(layers, list):
        raise InvalidResponse("The schema 1 manifest's fsLayers are not a list.")
    sums = tuple(_text(x.get("blobSum")) for x in layers if isinstance(x, dict))
    return Schema1Manifest(
        media_type=media,
        name=_text(doc.get("name")),
        tag=_text(doc.get("tag")),
        architecture=_text(doc.get("architecture")),
        blob_sums=sums,
    )


def parse_descriptor(value: Any, where: str) -> Descriptor:
    if not isinstance(value, dict):
        raise InvalidResponse(f"The manifest's {where} is not a descriptor object.")
    digest = value.get("digest")
    size = value.get("size")
    media = value.get("mediaType")
    if not isinstance(digest, str):
        raise InvalidResponse(f"The manifest's {where} has no digest.")
    try:
        parse_digest(digest)
    except InvalidReference as exc:
        raise InvalidResponse(f"The manifest's {where} has a bad digest: {exc}") from None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidResponse(f"The manifest's {where} has no valid size.")
    if size > MAX_SIZE:
        raise InvalidResponse(
            f"The manifest's {where} declares a size larger than 2^63-1 bytes, "
            "which no blob can have."
        )
    platform = value.get("platform")
    urls = value.get("urls")
    return Descriptor(
        media_type=media if isinstance(media, str) else "",
        digest=digest,
        size=size,
        annotations=_annotations(value.get("annotations")),
        platform=_parse_platform(platform) if isinstance(platform, dict) else None,
        artifact_type=_opt_str(value.get("artifactType")),
        urls=tuple(u for u in urls if isinstance(u, str)) if isinstance(urls, list) else (),
    )


def _parse_platform(value: dict[str, Any]) -> Platform:
    features = value.get("os.features")
    return Platform(
        os=_text(value.get("os")),
        architecture=_text(value.get("architecture")),
        variant=_opt_str(value.get("variant")),
        os_version=_opt_str(value.get("os.version")),
        os_features=tuple(str(f) for f in features) if isinstance(features, list) else (),
    )


def _annotations(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _text(value: Any) -> str:
    """A string field; any other JSON type reads as empty."""
    return value if isinstance(value, str) else ""


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
