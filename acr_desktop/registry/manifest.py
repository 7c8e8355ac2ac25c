"""Manifests parsed into typed objects: image manifest, index / manifest list, schema1, unknown.
Platforms and their matching live in platforms.py, schema 1 in schema1.py (both re-exported)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.errors import InvalidReference, InvalidResponse
from acr_desktop.registry.json_doc import MAX_SIZE, clean_text, load_json
from acr_desktop.registry.platforms import (
    ARCH_ALIASES,
    Platform,
    choose,
    normalize_architecture,
)
from acr_desktop.registry.reference import parse_digest
from acr_desktop.registry.schema1 import Schema1Layer, Schema1Manifest, parse_schema1

MIN_DIGEST_PREFIX = 6  # hex digits: fewer could mean many entries by chance
_HEX = re.compile(r"[0-9a-f]+")
ATTESTATION_TYPE = "attestation-manifest"
BUILDER_TYPE = "builder"
REFERENCE_TYPE_KEY = "vnd.docker.reference.type"


class MalformedManifest(InvalidResponse):
    """Bytes that were received (and, by digest, verified) but are not a readable manifest of
    their type. `raw` keeps them: `--raw` still prints exactly what was received."""

    def __init__(self, sentence: str, *, raw: bytes, media_type: str) -> None:
        super().__init__(sentence)
        self.raw = raw
        self.media_type = media_type


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
        return self.annotations.get(REFERENCE_TYPE_KEY) == ATTESTATION_TYPE

    @property
    def reference_type(self) -> str | None:
        """`vnd.docker.reference.type`: what this entry says about another one (an
        `attestation-manifest`, a `builder` record …); None for an entry in its own right."""
        return self.annotations.get(REFERENCE_TYPE_KEY) or None

    @property
    def is_reference(self) -> bool:
        """An entry about another entry (attestation, builder record): never a platform."""
        return self.reference_type is not None

    @property
    def kind(self) -> str:
        """What the entry is: "attestation", "builder", "reference" (another
        `vnd.docker.reference.type`), "platform" (a real platform), "index", "artifact", or
        "entry" (none of those)."""
        ref_type = self.reference_type
        if ref_type is not None:
            return {ATTESTATION_TYPE: "attestation", BUILDER_TYPE: "builder"}.get(
                ref_type, "reference"
            )
        p = self.platform
        if p is not None and not p.is_unknown and p.os and p.architecture:  # both REQUIRED
            return "platform"
        if self.media_type in mt.INDEX_TYPES:
            return "index"
        return "artifact" if self.artifact_type else "entry"

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
        """Entries in their own right: images for a platform, nested indexes, artifacts
        (attestations and builder records left out)."""
        return tuple(d for d in self.manifests if not d.is_reference)

    @property
    def real_platforms(self) -> tuple[Platform, ...]:
        """The platforms of the entries that carry one (no `unknown/unknown`), in order."""
        return tuple(d.platform for d in self.manifests if d.kind == "platform" and d.platform)

    @property
    def attestations(self) -> tuple[Descriptor, ...]:
        return tuple(d for d in self.manifests if d.is_attestation)

    @property
    def references(self) -> tuple[Descriptor, ...]:
        """Attestations, builder records and other entries about another entry."""
        return tuple(d for d in self.manifests if d.is_reference)

    def attestations_of(self, digest: str) -> tuple[Descriptor, ...]:
        return tuple(d for d in self.attestations if d.attests == digest)

    def find_platform(self, wanted: Platform) -> Descriptor | None:
        """The entry that best serves `wanted` (platforms.py: containerd's rules); attestation
        entries only when `unknown/unknown` is asked for."""
        pool = self.manifests if wanted.is_unknown else self.platforms
        return choose(pool, wanted)

    def find_entry(self, digest: str) -> Descriptor | None:
        """The entry with this digest (any kind); a unique start of its hex is enough."""
        found = self.entries_starting(digest)
        return found[0] if len(found) == 1 else None

    def entries_starting(self, digest: str) -> tuple[Descriptor, ...]:
        """The entries whose digest is `digest`, else starts with it (`sha256:` optional, at
        least MIN_DIGEST_PREFIX hex digits): one per digest (an index may list one twice);
        more than one when the start is ambiguous."""
        text = digest.strip().lower()
        exact = [d for d in self.manifests if d.digest == text]
        if exact:
            return (exact[0],)
        hex_part = text.split(":", 1)[-1]
        if len(hex_part) < MIN_DIGEST_PREFIX or not _HEX.fullmatch(hex_part):
            return ()
        found = {
            d.digest: d
            for d in self.manifests
            if d.digest.startswith(text) or d.digest.split(":", 1)[-1].startswith(text)
        }
        return tuple(found.values())


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
    """Parse exact bytes. Returns the manifest and warnings; raises MalformedManifest (an
    InvalidResponse carrying the bytes) if malformed.

    JSON is read bounded (json_doc.load_json). A structural field of the wrong type (config,
    layers, manifests, fsLayers, a digest, a size outside 0…2^63-1) is InvalidResponse; optional
    metadata of the wrong type (annotations, platform, urls, artifactType) is read as absent."""
    media = mt.base_type(clean_text(content_type)) if content_type else ""
    try:
        return _parse(raw, media)
    except MalformedManifest:
        raise
    except InvalidResponse as exc:
        raise MalformedManifest(
            exc.sentence, raw=raw, media_type=media or "application/octet-stream"
        ) from None


def _parse(raw: bytes, header: str) -> tuple[Manifest, list[str]]:
    try:
        document = load_json(raw, what="manifest")
    except InvalidResponse:
        media = header or "application/octet-stream"
        known = mt.INDEX_TYPES | mt.IMAGE_TYPES | mt.SCHEMA1_TYPES
        if media in known or media.endswith("json"):
            raise
        return UnknownManifest(media, None), []
    media, warnings = effective_media_type(header, document)
    if media in mt.INDEX_TYPES or media in mt.IMAGE_TYPES or media in mt.SCHEMA1_TYPES:
        if not isinstance(document, dict):
            raise InvalidResponse("The manifest is not a JSON object.")
        if media in mt.INDEX_TYPES:
            return _parse_index(media, document), warnings
        if media in mt.IMAGE_TYPES:
            return _parse_image(media, document), warnings
        return parse_schema1(media, document), warnings
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


__all__ = [
    "ARCH_ALIASES",
    "ATTESTATION_TYPE",
    "BUILDER_TYPE",
    "MIN_DIGEST_PREFIX",
    "Descriptor",
    "ImageIndex",
    "ImageManifest",
    "MalformedManifest",
    "Manifest",
    "Platform",
    "Schema1Layer",
    "Schema1Manifest",
    "UnknownManifest",
    "effective_media_type",
    "normalize_architecture",
    "parse_descriptor",
    "parse_manifest",
]
