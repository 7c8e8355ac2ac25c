"""The inspector's sentences about kinds of content: attestation and builder entries, the way
into a nested index, schema 1 layers and history, and what is missing from a partial mirror."""

from __future__ import annotations

from typing import TYPE_CHECKING

from acr_desktop.index_entries import entry_label
from acr_desktop.registry.image_config import HistoryStep
from acr_desktop.registry.manifest import Descriptor, ImageIndex
from acr_desktop.text import format_size, plural, short_digest
from acr_desktop.ui.insp_received import entry_problem, unreadable
from acr_desktop.ui.models import LayerRow, foreign_words

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.schema1 import Schema1Manifest

MISSING_CONFIG = "the image config is missing from the registry"
_REFERENCE_NOUNS = {
    "attestation": ("attestation manifest (provenance / SBOM)", "attestation manifests "
                    "(provenance / SBOM)"),
    "builder": ("builder record", "builder records"),
    "reference": ("other record", "other records"),
}  # fmt: skip


def references_note(index: ImageIndex, *, listed: bool) -> str | None:
    """ "1 attestation manifest (provenance / SBOM) describes the platforms above; …" — None
    when the index has no attestations or builder records."""
    counts = dict.fromkeys(_REFERENCE_NOUNS, 0)
    for d in index.references:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    total = sum(counts.values())
    if not total:
        return None
    parts = [plural(n, *_REFERENCE_NOUNS[k]) for k, n in counts.items() if n]
    what = " and ".join(parts)
    if not index.platforms:
        return f"{what}: listed above, each about another entry."
    where = "listed with" if listed else "describes" if total == 1 else "describe"
    if listed:
        return f"{what}, {where} the platforms above (open one to see it)."
    return f"{what} {where} the platforms above; " + (
        "it is not a platform itself." if total == 1 else "they are not platforms themselves."
    )


def crumb_text(trail: tuple[Inspection, ...]) -> str:
    """ "index ▸ index sha256:0123456789ab": the way into the nested index listed."""
    steps = ["index"]
    for opened in trail:
        entry = opened.platform_entry
        if entry is not None:
            steps.append(f"{entry_label(entry)} {short_digest(entry.digest)}")
    return " ▸ ".join(steps)


def missing_entry(ins: Inspection) -> str | None:
    """The sentence for a chosen entry the registry has no manifest for."""
    entry = ins.platform_entry
    problem = entry_problem(ins)
    if problem is None or entry is None:
        return None
    which = f"{entry_label(entry)} ({short_digest(entry.digest)})"
    if problem == "unreadable":
        return (
            f"The manifest of {which} was received but cannot be read: "
            f"{ins.missing_child.sentence if ins.missing_child else ''}"
        ).strip()
    return (
        f"The registry has no manifest for {which}: "
        "the index lists it, but it is missing (a partial mirror, or a platform cleaned up)."
    )


def layer_rows(ins: Inspection) -> list[LayerRow]:
    """The layers table: an image's layers beside the history steps that made them, or a
    schema 1 manifest's, base first."""
    s1 = ins.schema1
    if s1 is not None:
        return [
            LayerRow(n + 1, Descriptor("", layer.digest, 0), layer.created_by or None, False)
            for n, layer in enumerate(s1.layers)
        ]
    image = ins.image_manifest
    steps = ins.config.config.history if ins.config else ()
    made_by = {s.layer_index: s.created_by for s in steps if s.layer_index is not None}
    layers = image.layers if image else ()
    return [LayerRow(i + 1, d, made_by.get(i)) for i, d in enumerate(layers)]


def layers_total(ins: Inspection, inside: bool) -> str:
    """The line under the layers table; `inside`: the nested index shown is opened above."""
    image, s1 = ins.image_manifest, ins.schema1
    if image is not None:
        foreign = [d for d in image.layers if d.urls]
        urls = tuple(u for d in foreign for u in d.urls)
        return (
            f"{plural(len(image.layers), 'layer')} · "
            f"{format_size(image.layers_size)} compressed ({image.layers_size:,} bytes) · "
            f"config {format_size(image.config.size)}"
            + (f" · {plural(len(foreign), 'foreign layer')} {foreign_words(urls)}" if urls else "")
        )
    if s1 is not None:
        return f"{plural(len(s1.layers), 'layer')}, base first · schema 1 gives no layer sizes"
    return f"No layers: {_why_no_layers(ins, inside)}"


def _why_no_layers(ins: Inspection, inside: bool) -> str:
    missing = missing_entry(ins)
    if missing is not None:
        return missing[0].lower() + missing[1:]
    if unreadable(ins.image or ins.top):
        return "the manifest cannot be read (the note above says why); its exact bytes are shown."
    if ins.chosen_index is not None:
        where = "its entries are listed above" if inside else "press Enter on its row to open it"
        return f"this entry is an index; {where}."
    if ins.index is not None and not ins.index.manifests:
        return "this index has no entries."
    if ins.index is not None and ins.image is None:
        return "choose an entry above."
    return "this manifest is not an image."


def schema1_history(s1: Schema1Manifest) -> tuple[HistoryStep, ...]:
    """Schema 1's v1Compatibility history, base first, each step beside its layer."""
    return tuple(
        HistoryStep(layer.created, layer.created_by, None, layer.empty, n)
        for n, layer in enumerate(s1.layers)
    )


def history_note(ins: Inspection) -> str | None:
    """Instead of the config's history: schema 1's, or why there is none."""
    if ins.schema1 is not None:
        n = len(ins.schema1.layers)
        return (
            f"{plural(n, 'build step')} from the schema 1 v1Compatibility history (its only "
            "config), base first; steps that added no files are shown dimmed."
        )
    if ins.missing_config is not None:
        return f"No build history: {MISSING_CONFIG}. The manifest was fetched and verified."
    return None


def documents_of(
    ins: Inspection, trail: tuple[Inspection, ...]
) -> tuple[list[tuple[str, bytes]], int]:
    """The documents on show as (name, exact bytes) — the index, each nested index opened, the
    chosen entry's manifest, the image config — and which one the tables show."""
    docs: list[tuple[str, bytes]] = [
        ("Index manifest" if ins.index is not None else "Manifest", ins.top.raw)
    ]
    for opened in trail:
        if opened is not ins and opened.image is not None and opened.platform_entry is not None:
            docs.append((_document_name(opened.platform_entry), opened.image.raw))
    shown = 0
    if ins.image is not None and ins.image is not ins.top and ins.platform_entry is not None:
        shown = len(docs)
        docs.append((_document_name(ins.platform_entry), ins.image.raw))
    if ins.config is not None:
        docs.append(("Image config", ins.config.raw))
    return docs, shown


def _document_name(entry: Descriptor) -> str:
    if entry.kind == "platform" and entry.platform is not None:
        return f"Image manifest ({entry.platform.display()})"
    if entry.kind == "index":
        return f"Nested index ({short_digest(entry.digest)})"
    return f"Manifest ({entry_label(entry)})"
