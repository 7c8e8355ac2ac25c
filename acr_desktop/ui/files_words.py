"""The Files tab in words: progress, integrity, wasted space, foreign layers, what a Find
found, and why a path cannot be previewed or saved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from acr_desktop.registry.layer_entries import EntryKind, Integrity, LayerListing, TarEntry
from acr_desktop.text import format_size, plural, short_digest
from acr_desktop.ui.files_models import safe_text
from acr_desktop.ui.models import foreign_hosts
from acr_desktop.ui.plain import list_entry

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.layer_stream import LayerSource
    from acr_desktop.ui.files_jobs import FindResult, ImageFiles


COMPRESSION = {"gzip": "gzip", "zstd": "zstd", "none": "plain tar"}  # "zstd layer, digest verified"
QUOTE_KEEP = 120  # characters kept at each end of a path quoted in a sentence


def quoted(text: str) -> str:
    """Tar or registry text inside a sentence: one line (controls and bidi by name, bytes not
    UTF-8 as \\xNN), both ends of a very long one around "…"."""
    return list_entry(safe_text(text), QUOTE_KEEP)


def hosts(urls: tuple[str, ...]) -> str:
    return foreign_hosts(urls)


def unpacked(total: int | None) -> str:
    """ " · 40.1 MB unpacked (40,103,424 bytes)" for the layers' total line, once every layer's
    unpacked size is known (`total`); "" before."""
    return "" if total is None else f" · {format_size(total)} unpacked ({total:,} bytes)"


def no_layers(ins: Inspection) -> str:
    """Why the image shown has no files to list ("" when it has layers)."""
    if ins.image_manifest is not None:
        return "" if ins.image_manifest.layers else "This image has no layers: it has no files."
    if ins.schema1 is not None:
        return "Files are listed for OCI and Docker images; this is a schema 1 manifest."
    return "Choose an image (a platform of the index) to see its files."


def progress(files: ImageFiles, *, busy: bool, stopped: bool) -> str:
    """ "Layer 2 of 7: 12.3 MB of 40.1 MB" while listing; what is listed after."""
    total = len(files.layers)
    listed = sum(1 for s in files.layers if s.listing is not None)
    for n, state in enumerate(files.layers):
        if busy and state.listing is None and state.done:
            size = files.sources[n].descriptor.size
            return f"Layer {n + 1} of {total}: {format_size(state.done)} of {format_size(size)}"
    if busy:
        return f"Listing… {listed} of {total} layers"
    if stopped:
        return f"Stopped: {listed} of {total} layers listed"
    return f"{listed} of {total} layers listed" if total and listed < total else ""


def _diff_id_words(integrity: Integrity) -> str:
    if integrity.diff_id_status == "verified":
        return "uncompressed digest matches the config's diff_id"
    if integrity.diff_id_status == "mismatch":
        return (
            f"uncompressed digest {short_digest(integrity.diff_id)} does NOT match the "
            f"config's diff_id {short_digest(integrity.expected_diff_id or '')}"
        )
    return "the config gives no diff_id to compare with"


def layer_integrity(files: ImageFiles, layer: int, *, stopped: bool) -> str:
    """What was checked of one layer, and what is unusual about its listing."""
    state = files.state(layer)
    listing = state.listing
    count = len(state.entries)
    if listing is None:
        if state.error is not None:
            return f"{plural(count, 'entry', 'entries')} before the error; nothing verified."
        how = "stopped before its end" if stopped else "not read to its end yet"
        return f"{plural(count, 'entry', 'entries')} so far, {how}: not verified yet."
    parts = [plural(listing.total_entries, "entry", "entries")]
    integrity = listing.integrity
    if integrity is None:
        parts.append("not read to its end: not verified")
    else:
        verified = "verified" if integrity.digest_verified else "NOT verified"
        parts += [
            f"{COMPRESSION.get(integrity.compression, 'a')} layer, digest {verified}",
            _diff_id_words(integrity),
            f"{format_size(integrity.uncompressed_size)} uncompressed",
        ]
    return " · ".join(parts) + "".join(f"\n{quoted(note)}" for note in listing.notes)


def image_integrity(files: ImageFiles) -> str:
    """Every layer's checks, in one line."""
    total = len(files.layers)
    listings = [s.listing for s in files.layers if s.listing is not None]
    if not total:
        return ""
    checked = [x.integrity for x in listings if x.integrity is not None]
    entries = sum(x.total_entries for x in listings)
    parts = [f"{len(listings)} of {plural(total, 'layer')} listed ({entries:,} entries)"]
    if checked:
        good = sum(1 for i in checked if i.digest_verified)
        parts.append(f"{good} of {len(checked)} digests verified")
        bad = [n + 1 for n, s in enumerate(files.layers) if _mismatch(s.listing)]
        same = sum(1 for i in checked if i.diff_id_status == "verified")
        parts.append(f"{same} of {len(checked)} diff_ids match the config")
        if bad:
            parts.append("diff_id MISMATCH in layer " + ", ".join(map(str, bad)))
    return " · ".join(parts)


def _mismatch(listing: LayerListing | None) -> bool:
    integrity = listing.integrity if listing is not None else None
    return integrity is not None and integrity.diff_id_status == "mismatch"


def scopes(sources: Sequence[LayerSource]) -> list[str]:
    """The Show box: the whole image, then each layer by number, short digest and size."""
    return ["Whole image (all layers)"] + [
        f"Layer {n + 1} · {short_digest(s.descriptor.digest)} · {format_size(s.descriptor.size)}"
        for n, s in enumerate(sources)
    ]


def foreign_notice(files: ImageFiles, shown: int | None) -> tuple[int | None, str | None]:
    """(layer, why) for the foreign layer shown, or (the whole image) the first that failed."""
    failed = [n for n, s in enumerate(files.layers) if s.error is not None]
    layer = failed[0] if shown is None and failed else shown
    return layer, (foreign(files, layer) if layer is not None else None)


def foreign(files: ImageFiles, layer: int) -> str | None:
    """For a non-distributable layer: why it may not be in the registry, and where it is."""
    source = files.sources[layer]
    urls = source.descriptor.urls
    if not urls:
        return None
    if source.allow_urls:
        return f"Layer {layer + 1} is fetched from {hosts(urls)} (without your credentials)."
    return (
        f"Layer {layer + 1} is non-distributable: its publisher serves it from {hosts(urls)}, "
        "and registries usually do not have it. Fetching it from there sends no credentials."
    )


def wasted(total: int, by_layer: dict[int, int]) -> str:
    """ "Wasted: 12.3 MB — bytes later layers overwrote or deleted (layer 1: 10.0 MB, …)"."""
    if not total:
        return "Wasted: nothing — no layer overwrites or deletes what a lower layer wrote."
    each = ", ".join(
        f"layer {n + 1}: {format_size(size)}" for n, size in sorted(by_layer.items()) if size
    )
    return (
        f"Wasted: {format_size(total)} ({total:,} bytes) written by a layer and overwritten or "
        f"deleted by a later one — {each}. The largest:"
    )


def found(result: FindResult, layers: int) -> str:
    pattern = quoted(result.pattern)
    text = f"{plural(result.total, 'path')} match “{pattern}”"
    if result.total > len(result.found):
        text += f" (the first {len(result.found):,} listed)"
    if result.layers < layers or not result.found:
        text += f" in the layers listed so far ({result.layers} of {layers})"
    return text + "."


def no_preview(entry: TarEntry) -> str | None:
    """Why `entry` has nothing to preview (None: it has)."""
    if entry.is_whiteout or entry.is_opaque_marker:
        return f"A whiteout: this layer deletes {quoted(entry.target) or '/'} (no content)."
    if entry.kind == EntryKind.SYMLINK:
        return f"A symbolic link to {quoted(entry.link)}; links are shown, never followed."
    if entry.kind == EntryKind.HARDLINK:
        return f"A hard link to {quoted(entry.link)}: preview that path instead."
    if entry.kind not in (EntryKind.FILE,):
        return f"A {entry.kind.value}: it has no content in the layer."
    return None


def no_save(entry: TarEntry) -> str | None:
    """Why `entry` cannot be saved (only regular files are)."""
    if entry.kind == EntryKind.FILE and not (entry.is_whiteout or entry.is_opaque_marker):
        return None
    return no_preview(entry) or "Only regular files can be saved."


def saving(done: int, total: int) -> str:
    return f"Saving… {format_size(done)} of {format_size(total)}"
