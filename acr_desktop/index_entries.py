"""Index entries in words, for the window and the CLI alike: what each entry is ("linux/amd64",
"attestation for linux/amd64", "builder record for linux/arm64", "index", "artifact: SPDX SBOM")
and how many of each an index holds ("2 platforms, 2 attestations"; "3 entries" when they carry
no platform). One pass over the entries: an index may hold 20,000."""

from __future__ import annotations

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.manifest import Descriptor, ImageIndex
from acr_desktop.text import plural

_NOUNS = {
    "platform": ("platform", "platforms"),
    "entry": ("entry", "entries"),
    "attestation": ("attestation", "attestations"),
    "builder": ("builder record", "builder records"),
    "reference": ("other reference", "other references"),
}
_ORDER = ("platform", "entry", "attestation", "builder", "reference")


def count_entries(index: ImageIndex) -> str:
    """How many of each: "2 platforms, 2 attestations". Nested indexes, artifacts and entries
    without a platform are "entries" ("2 platforms, 1 other entry" beside platforms); "no
    entries" when empty."""
    counts = dict.fromkeys(_ORDER, 0)
    for d in index.manifests:
        kind = d.kind
        counts["entry" if kind in ("index", "artifact") else kind] += 1
    parts = []
    for kind in _ORDER:
        if counts[kind]:
            one, many = _NOUNS[kind]
            if kind == "entry" and counts["platform"]:
                one, many = f"other {one}", f"other {many}"
            parts.append(plural(counts[kind], one, many))
    return ", ".join(parts) or "no entries"


def has_platforms(index: ImageIndex) -> bool:
    """Every entry in its own right carries a platform (and there is one): list them as
    "Platforms", else as "Entries"."""
    own = index.platforms
    return bool(own) and all(d.kind == "platform" for d in own)


def entry_labels(index: ImageIndex) -> list[str]:
    """One label per entry, in order."""
    by_digest = {d.digest: d for d in index.manifests if d.kind == "platform"}
    return [entry_label(d, by_digest) for d in index.manifests]


def entry_label(entry: Descriptor, platforms: dict[str, Descriptor] | None = None) -> str:
    """What one entry is; `platforms` (digest → entry) names what an attestation describes."""
    kind = entry.kind
    if kind == "platform" and entry.platform is not None:
        return entry.platform.display()
    if kind in ("attestation", "builder", "reference"):
        noun = {"attestation": "attestation", "builder": "builder record"}.get(
            kind, entry.reference_type or "reference"
        )
        target = (platforms or {}).get(entry.attests or "")
        if target is not None and target.platform is not None:
            return f"{noun} for {target.platform.display()}"
        return f"{noun} for {entry.attests[:19]}…" if entry.attests else noun
    if kind == "index":
        return "index" + (f" ({mt.plain_name(entry.artifact_type)})" if entry.artifact_type else "")
    if kind == "artifact":
        return f"artifact: {mt.plain_name(entry.artifact_type)}"
    return mt.plain_name(entry.media_type) if entry.media_type else "entry"
