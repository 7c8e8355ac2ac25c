"""The CLI report of an inspect: a stable, plain-data dict (`--json`) and its text form.

Every part (the reference's manifest, and `selected`, the entry chosen) has the same fields
whatever its kind: `kind` ("index", "image", "artifact", "schema1", "unknown"), `media_type`,
`media_type_name`, `artifact_type`, `subject`, `annotations`; then the kind's own: `entries`
(and, as before, `platforms` and `attestations`) for an index, `config` and `layers` (each with
`urls` and `annotations`) for an image or artifact, base-first `layers` with their history for
schema 1. `notes` and `missing` say what a reader must know: a deprecated format, a platform
chosen by fallback, a part that could not be fetched.

With sizes measured (`inspect --sizes`, `sizes.index_sizes`), each entry of the index also has
`download_size`, `layer_count`, `size_source` and `size_problem`, and the index part a
`download_sizes` summary (range, shared layers, all platforms together)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from acr_desktop.index_entries import count_entries, entry_labels, has_platforms
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.client import FetchedManifest
from acr_desktop.registry.manifest import (
    Descriptor,
    ImageIndex,
    ImageManifest,
    Schema1Manifest,
)
from acr_desktop.report_text import write_report

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.sizes import IndexSizes

SCHEMA_VERSION = 1
_REFERENCE_KINDS = ("attestation", "builder", "reference")

__all__ = ["SCHEMA_VERSION", "build_report", "write_report"]


def _descriptor(d: Descriptor) -> dict[str, Any]:
    return {
        "digest": d.digest,
        "media_type": d.media_type,
        "media_type_name": mt.plain_name(d.media_type) if d.media_type else None,
        "size": d.size,
        "artifact_type": d.artifact_type,
        "urls": list(d.urls),
        "annotations": dict(d.annotations),
    }


def _entry(d: Descriptor, label: str) -> dict[str, Any]:
    p = d.platform
    return {
        **_descriptor(d),
        "kind": d.kind,
        "label": label,
        "platform": str(p) if p else None,
        "os": p.os if p else None,
        "architecture": p.architecture if p else None,
        "variant": p.variant if p else None,
        "os_version": p.os_version if p else None,
        "os_features": list(p.os_features) if p else [],
        "for": d.attests if d.is_reference else None,
    }


def _index_part(m: ImageIndex) -> dict[str, Any]:
    entries = [_entry(d, label) for d, label in zip(m.manifests, entry_labels(m), strict=True)]
    return {
        "entry_counts": count_entries(m),
        "lists_platforms": has_platforms(m),
        "entries": entries,
        # as in earlier reports: entries in their own right, and the attestations
        "platforms": [
            e for e in entries if e["kind"] not in ("attestation", "builder", "reference")
        ],
        "attestations": [e for e in entries if e["kind"] == "attestation"],
    }


def _image_part(m: ImageManifest) -> dict[str, Any]:
    return {
        "config": _descriptor(m.config),
        "layers": [_descriptor(d) for d in m.layers],
        "layers_size": m.layers_size,
        "total_size": m.total_size,
    }


def _schema1_part(m: Schema1Manifest) -> dict[str, Any]:
    return {
        "name": m.name,
        "tag": m.tag,
        "architecture": m.architecture,
        "signed": m.signed,
        "deprecated": m.deprecated,
        "layers": [  # base first, as skopeo and docker list them
            {
                "digest": layer.digest,
                "media_type": None,
                "media_type_name": None,
                "size": None,
                "urls": [],
                "annotations": {},
                "created": layer.created,
                "created_by": layer.created_by,
                "empty": layer.empty,
            }
            for layer in m.layers
        ],
    }


def _manifest_part(fetched: FetchedManifest) -> dict[str, Any]:
    m = fetched.manifest
    part: dict[str, Any] = {
        "reference": str(fetched.reference),
        "pinned": fetched.reference.pinned(),
        "digest": fetched.digest,
        "verified": fetched.verified,
        "verified_by": fetched.verified_by or None,
        "docker_content_digest": fetched.header_digest,
        "media_type": fetched.media_type,
        "media_type_name": mt.plain_name(fetched.media_type),
        "size": len(fetched.raw),
        "kind": "unknown",
        "artifact_type": None,
        "subject": None,
        "annotations": {},
    }
    if isinstance(m, ImageIndex | ImageManifest):
        part["artifact_type"] = m.artifact_type
        part["subject"] = _descriptor(m.subject) if m.subject else None
        part["annotations"] = dict(m.annotations)
    if isinstance(m, ImageIndex):
        part["kind"] = "index"
        part.update(_index_part(m))
    elif isinstance(m, ImageManifest):
        part["kind"] = "artifact" if m.artifact_type else "image"
        part.update(_image_part(m))
    elif isinstance(m, Schema1Manifest):
        part["kind"] = "schema1"
        part.update(_schema1_part(m))
    return part


def build_report(inspection: Inspection, sizes: IndexSizes | None = None) -> dict[str, Any]:
    """What the reference resolved to and, when an entry was chosen, that manifest as
    `selected`; `missing` lists what could not be fetched, `notes` what a reader must know.
    `sizes` (of the reference's index) adds each entry's download size."""
    fetched, chosen = inspection.top, inspection.chosen
    summary: dict[str, Any] = {"schema": SCHEMA_VERSION, **_manifest_part(fetched)}
    index = inspection.index
    if sizes is not None and index is not None:
        _add_sizes(summary, index, sizes)
    warnings = list(fetched.warnings)
    entry = inspection.platform_entry
    if entry is not None:
        summary["selected_entry"] = _entry(entry, _label_of(inspection, entry))
    if chosen is not None:
        summary["selected"] = _manifest_part(chosen)
        warnings += chosen.warnings
    summary["missing"] = _missing(inspection)
    summary["notes"] = list(inspection.notes)
    summary["warnings"] = list(dict.fromkeys(warnings))
    return summary


def _label_of(inspection: Inspection, entry: Descriptor) -> str:
    index = inspection.index
    if index is None:
        return entry.digest
    labels = entry_labels(index)
    return next(
        (label for d, label in zip(index.manifests, labels, strict=True) if d is entry),
        entry.digest,
    )


def _missing(inspection: Inspection) -> list[dict[str, Any]]:
    missing = []
    if inspection.missing_child is not None and inspection.platform_entry is not None:
        missing.append(
            {
                "part": "entry",
                "digest": inspection.platform_entry.digest,
                "error": inspection.missing_child.sentence,
            }
        )
    image = inspection.image_manifest
    if inspection.missing_config is not None and image is not None:
        missing.append(
            {
                "part": "config",
                "digest": image.config.digest,
                "error": inspection.missing_config.sentence,
            }
        )
    return missing


def _add_sizes(part: dict[str, Any], index: ImageIndex, sizes: IndexSizes) -> None:
    """Each entry's download size (None where not measured: attestations, problems) and the
    index's totals."""
    from acr_desktop.sizes import SIZE_WORDS

    for entry in part["entries"]:  # the same dicts appear in `platforms`
        size = sizes.sizes.get(entry["digest"])
        entry["download_size"] = size.download if size else None
        entry["layer_count"] = size.layer_count if size and size.layers_known else None
        entry["size_source"] = size.source if size else None
        entry["size_problem"] = sizes.problems.get(entry["digest"])
    measured = [s.download for s in sizes.sizes.values()]
    part["download_sizes"] = {
        "meaning": SIZE_WORDS,
        "summary": sizes.summary(index),
        "measured": len(measured),
        "smallest": min(measured, default=None),
        "largest": max(measured, default=None),
        "shared_layers": list(sizes.shared()),
        "all_platforms": sizes.union_download() if measured else None,
    }
