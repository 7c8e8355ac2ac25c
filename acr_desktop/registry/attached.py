"""Documents attached to images (SBOMs, provenance): which layers of an artifact or attestation
manifest hold one, read with a cap. Shared by `sbom.read_sbom` and `read_provenance` here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.errors import InvalidResponse, TooLarge
from acr_desktop.registry.manifest import Descriptor, ImageManifest
from acr_desktop.registry.provenance import (
    DSSE,
    IN_TOTO,
    MAX_PROVENANCE_BYTES,
    NotProvenance,
    Provenance,
    TooLargeDocument,
    field_text,
    parse_provenance,
    predicate_kind,
    too_large_sentence,
)
from acr_desktop.registry.sending import MiB

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.reference import Reference

MAX_TRIES = 4  # unlabelled in-toto layers tried when looking for an SBOM or provenance
SBOM_TYPES = frozenset({mt.SPDX_JSON, mt.CYCLONEDX_JSON})
PREDICATE_KEYS = ("in-toto.io/predicate-type", "predicateType")  # BuildKit, cosign annotations


def read_provenance(client: RegistryClient, ref: Reference, descriptor: Descriptor) -> Provenance:
    """The provenance `descriptor` stands for: an attestation or artifact manifest (its SLSA
    layer is read) or the statement blob itself. NotProvenance when it holds none."""
    for raw, _media, _more in attached_documents(
        client, ref, descriptor, "provenance", MAX_PROVENANCE_BYTES
    ):
        try:
            return parse_provenance(raw)
        except NotProvenance:
            continue
    raise NotProvenance(f"{field_text(descriptor.digest, 100)} holds no SLSA provenance.")


def attached_documents(
    client: RegistryClient, ref: Reference, descriptor: Descriptor, kind: str, limit: int
) -> Iterator[tuple[bytes, str, int]]:
    """Yield (bytes, media type, how many more of `kind` there are) for the layers of the
    manifest `descriptor` that may hold a document of `kind` ("sbom" or "provenance"), labelled
    ones first, then up to MAX_TRIES unlabelled in-toto layers; or for the blob itself. Each is
    read with `limit` as cap: TooLargeDocument beyond it."""
    media = mt.base_type(descriptor.media_type)
    digest = field_text(descriptor.digest, 100)
    if media in mt.INDEX_TYPES:
        raise InvalidResponse(f"{digest} is an index, not an artifact: choose one of its entries.")
    if media not in mt.IMAGE_TYPES and media:
        yield _blob(client, ref, descriptor, kind, limit), media, 0
        return
    manifest = client.get_child(ref, descriptor).manifest
    if not isinstance(manifest, ImageManifest):
        raise InvalidResponse(f"{digest} is not an artifact manifest.")
    labelled, unlabelled = _layers_of(manifest, kind)
    for layer in labelled:
        yield _blob(client, ref, layer, kind, limit), layer.media_type, len(labelled) - 1
    for layer in unlabelled[:MAX_TRIES]:
        yield _blob(client, ref, layer, kind, limit), layer.media_type, 0


def _layers_of(manifest: ImageManifest, kind: str) -> tuple[list[Descriptor], list[Descriptor]]:
    """The layers that say they hold `kind`, and the in-toto layers that do not say."""
    labelled: list[Descriptor] = []
    unlabelled: list[Descriptor] = []
    for layer in manifest.layers:
        media = mt.base_type(layer.media_type)
        if media in SBOM_TYPES and kind == "sbom":
            labelled.append(layer)
        elif media in (IN_TOTO, DSSE):
            notes = layer.annotations
            said = next((notes[k] for k in PREDICATE_KEYS if k in notes), "")
            if not said:
                unlabelled.append(layer)
            elif predicate_kind(said) == kind:
                labelled.append(layer)
    # `oras attach --artifact-type application/spdx+json sbom.json`: one file layer
    artifact = mt.base_type(manifest.artifact_type or "")
    if kind == "sbom" and artifact in SBOM_TYPES and not labelled + unlabelled:
        unlabelled.extend(replace(d, media_type=artifact) for d in manifest.layers[:1])
    return labelled, unlabelled


def _blob(
    client: RegistryClient, ref: Reference, layer: Descriptor, kind: str, limit: int
) -> bytes:
    try:
        return client.get_blob(ref, layer, max_bytes=limit)
    except TooLarge:
        what = f"{'SBOM' if kind == 'sbom' else 'provenance'} {field_text(layer.digest, 100)}"
        if layer.size > limit:
            sentence = too_large_sentence(what, layer.size, limit)
        else:  # the registry sent more than the descriptor says
            sentence = f"The {what} is larger than {limit // MiB} MiB; it is not shown."
        raise TooLargeDocument(sentence, limit=limit) from None
