"""The text form of the CLI report (report.py builds the dict). Every line goes through
`write_line`: tags, media types, platforms and annotations are the registry's text, shown as text
(no escape sequence reaches the terminal). Every media type is named in words."""

from __future__ import annotations

from typing import Any, TextIO

from acr_desktop.registry.mediatypes import plain_name
from acr_desktop.text import format_size, plural, write_line

LABEL_WIDTH = 12


def write_report(summary: dict[str, Any], out: TextIO) -> None:
    missing = {m["part"]: m for m in summary.get("missing", [])}
    _write_part(summary, out, missing_config=None)
    for note in summary.get("notes", []):
        write_line(out, f"{'Note:':<{LABEL_WIDTH}}{note}")
    entry = summary.get("selected_entry")
    if entry is None:
        return
    write_line(out, "")
    noun = "platform" if entry["kind"] == "platform" else "entry"
    write_line(out, f"Selected {noun}: {entry['label']}")
    if "selected" in summary:
        _write_part(summary["selected"], out, indent="  ", missing_config=missing.get("config"))
    elif "entry" in missing:
        write_line(
            out,
            f"  {'Digest:':<{LABEL_WIDTH}}{entry['digest']}  MISSING: {missing['entry']['error']}",
        )


def _write_part(
    part: dict[str, Any], out: TextIO, indent: str = "", *, missing_config: dict[str, Any] | None
) -> None:
    def line(label: str, value: str) -> None:
        write_line(out, f"{indent}{label + ':':<{LABEL_WIDTH}}{value}")

    line("Reference", part["reference"])
    line("Digest", f"{part['digest']}  [{_check(part)}]")
    line("Media type", f"{part['media_type_name']} ({part['media_type']})")
    if part.get("artifact_type"):
        line("Artifact", _named(part["artifact_type"], part.get("artifact_type_name")))
    if part.get("subject"):
        subject = part["subject"]
        line("Subject", f"{subject['digest']}  ({subject['media_type_name'] or 'no type'})")
    for key, value in (part.get("annotations") or {}).items():
        line("Annotation", f"{key}={value}")
    if part["kind"] == "index":
        _write_entries(part, out, indent)
    elif part["kind"] in ("image", "artifact", "schema1"):
        _write_layers(part, out, indent, missing_config)


def _check(part: dict[str, Any]) -> str:
    if part["verified"]:
        return f"verified ({part['verified_by']})"
    if part["docker_content_digest"] and part["docker_content_digest"] != part["digest"]:
        return "MISMATCH: the registry's Docker-Content-Digest differs"
    return "computed from the bytes; the registry sent no digest to compare"


def _named(media_type: str, name: str | None) -> str:
    words = name or plain_name(media_type)
    return words if words == media_type else f"{words} ({media_type})"


def _write_entries(part: dict[str, Any], out: TextIO, indent: str) -> None:
    heading = "Platforms:" if part["lists_platforms"] else "Entries:"
    write_line(out, f"{indent}{heading:<{LABEL_WIDTH}}{part['entry_counts']}")
    width = max((len(e["label"]) for e in part["entries"]), default=0)
    sized = "download_sizes" in part
    if sized:  # two sizes side by side: say which is which
        digits = max((len(e["digest"]) for e in part["entries"]), default=0)
        write_line(
            out,
            f"{indent}  {'':<{width}}  {'':<{digits}}  {'manifest':>9}  {'download':>22}",
        )
    for e in part["entries"]:
        size = format_size(e["size"])
        kind = e["media_type_name"] or "no type"
        download = f"  {_download(e):>22}" if sized else ""
        write_line(
            out, f"{indent}  {e['label']:<{width}}  {e['digest']}  {size:>9}{download}  {kind}"
        )
    if sized:
        sizes = part["download_sizes"]
        write_line(out, f"{indent}{'Download:':<{LABEL_WIDTH}}{sizes['summary']}")
        write_line(out, f"{indent}{'':<{LABEL_WIDTH}}({sizes['meaning']}.)")
        for e in part["entries"]:
            if e.get("size_problem"):
                write_line(out, f"{indent}  {e['label']}: size unknown: {e['size_problem']}")


def _download(entry: dict[str, Any]) -> str:
    """ "31.4 MB, 5 layers" for a measured entry; "—" for the rest."""
    if entry.get("download_size") is None:
        return "—"
    layers = entry.get("layer_count")
    count = f", {plural(layers, 'layer')}" if layers is not None else ""
    return f"{format_size(entry['download_size'])}{count}"


def _write_layers(
    part: dict[str, Any], out: TextIO, indent: str, missing_config: dict[str, Any] | None
) -> None:
    def line(label: str, value: str) -> None:
        write_line(out, f"{indent}{label + ':':<{LABEL_WIDTH}}{value}")

    if part["kind"] == "schema1":
        line("Name", f"{part['name']}:{part['tag']}  ({part['architecture'] or 'no architecture'})")
        line("Signed", "yes (JWS)" if part["signed"] else "no")
    if part.get("config"):
        cfg = part["config"]
        state = f"  MISSING: {missing_config['error']}" if missing_config else ""
        line(
            "Config",
            f"{cfg['digest']}  {format_size(cfg['size'])}  {cfg['media_type_name']}{state}",
        )
    layers = part["layers"]
    line("Layers", plural(len(layers), "layer") + (", base first" if len(layers) > 1 else ""))
    for i, layer in enumerate(layers, 1):
        size = format_size(layer["size"])
        if part["kind"] == "schema1":
            kind = "(no files)" if layer["empty"] else ""
            what = f"{kind} {layer['created_by']}".strip()
        else:
            what = layer["media_type_name"] or "no type"
        write_line(out, f"{indent}  {i:>3}  {layer['digest']}  {size:>9}  {what}")
        for url in layer["urls"]:
            write_line(out, f"{indent}       from {url}")
    if "total_size" in part:
        line(
            "Total",
            f"{plural(len(layers), 'layer')}, {format_size(part['layers_size'])} "
            f"({part['layers_size']:,} bytes) compressed; with config "
            f"{format_size(part['total_size'])}",
        )
