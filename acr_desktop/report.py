"""The CLI report of an inspect: a stable, plain-data dict (`--json`) and its text form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.client import FetchedManifest
from acr_desktop.registry.manifest import (
    Descriptor,
    ImageIndex,
    ImageManifest,
    Schema1Manifest,
)
from acr_desktop.text import format_size, plural, write_line

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection

SCHEMA_VERSION = 1


def _descriptor(d: Descriptor) -> dict[str, Any]:
    return {"digest": d.digest, "media_type": d.media_type, "size": d.size}


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
    }
    if isinstance(m, ImageIndex):
        part["kind"] = "index"
        part["platforms"] = [
            {
                **_descriptor(d),
                "platform": str(d.platform) if d.platform else None,
                "os": d.platform.os if d.platform else None,
                "architecture": d.platform.architecture if d.platform else None,
                "variant": d.platform.variant if d.platform else None,
                "os_version": d.platform.os_version if d.platform else None,
            }
            for d in m.platforms
        ]
        part["attestations"] = [{**_descriptor(d), "for": d.attests} for d in m.attestations]
    elif isinstance(m, ImageManifest):
        part["kind"] = "artifact" if m.artifact_type else "image"
        part["artifact_type"] = m.artifact_type
        part["config"] = _descriptor(m.config)
        part["layers"] = [_descriptor(d) for d in m.layers]
        part["layers_size"] = m.layers_size
        part["total_size"] = m.total_size
        part["subject"] = _descriptor(m.subject) if m.subject else None
        part["annotations"] = dict(m.annotations)
    elif isinstance(m, Schema1Manifest):
        part["kind"] = "schema1"
        part["layers"] = [{"digest": d, "media_type": None, "size": None} for d in m.blob_sums]
    else:
        part["kind"] = "unknown"
    return part


def build_report(inspection: Inspection) -> dict[str, Any]:
    """What the reference resolved to and, when a platform was chosen, that image as `selected`."""
    fetched, chosen = inspection.top, inspection.chosen
    summary: dict[str, Any] = {"schema": SCHEMA_VERSION, **_manifest_part(fetched)}
    warnings = list(fetched.warnings)
    if chosen is not None:
        summary["selected"] = _manifest_part(chosen)
        warnings += chosen.warnings
    summary["warnings"] = warnings
    return summary


def write_report(summary: dict[str, Any], out: TextIO) -> None:
    """The text form. Every line goes through `write_line`: tags, media types, platforms and
    annotations are the registry's text, shown as text (no escape sequence reaches the terminal)."""
    _write_part(summary, out)
    if "selected" in summary:
        write_line(out, "")
        write_line(out, "Selected platform:")
        _write_part(summary["selected"], out, indent="  ")


def _write_part(part: dict[str, Any], out: TextIO, indent: str = "") -> None:
    def line(label: str, value: str) -> None:
        write_line(out, f"{indent}{label + ':':<12}{value}")

    if part["verified"]:
        check = f"verified ({part['verified_by']})"
    elif part["docker_content_digest"] and part["docker_content_digest"] != part["digest"]:
        check = "MISMATCH: the registry's Docker-Content-Digest differs"
    else:
        check = "computed from the bytes; the registry sent no digest to compare"
    line("Reference", part["reference"])
    line("Digest", f"{part['digest']}  [{check}]")
    line("Media type", f"{part['media_type_name']} ({part['media_type']})")
    if part["kind"] == "index":
        write_line(out, f"{indent}Platforms:")
        for p in part["platforms"]:
            name = p["platform"] or "?"
            if p["os_version"]:
                name += f" ({p['os_version']})"
            write_line(out, f"{indent}  {name:<28} {p['digest']}  {format_size(p['size'])}")
        for a in part["attestations"]:
            target = next(
                (p["platform"] for p in part["platforms"] if p["digest"] == a["for"]), "?"
            )
            write_line(out, f"{indent}  attestation for {target:<12} {a['digest']}")
    elif part["kind"] in ("image", "artifact", "schema1"):
        if part.get("artifact_type"):
            line("Artifact", part["artifact_type"])
        if part.get("config"):
            cfg = part["config"]
            line("Config", f"{cfg['digest']}  {format_size(cfg['size'])}")
        write_line(out, f"{indent}Layers:")
        for i, layer in enumerate(part["layers"], 1):
            kind = mt.plain_name(layer["media_type"]) if layer["media_type"] else ""
            write_line(
                out, f"{indent}  {i:>3}  {layer['digest']}  {format_size(layer['size']):>9}  {kind}"
            )
        if "total_size" in part:
            line(
                "Total",
                f"{plural(len(part['layers']), 'layer')}, {format_size(part['layers_size'])} "
                f"({part['layers_size']:,} bytes) compressed; with config "
                f"{format_size(part['total_size'])}",
            )
