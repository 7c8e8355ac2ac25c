"""Where the entries panel is in a nested index: the index listed and the way there (the
inspections whose chosen entry, itself an index, was opened), and where a choice leads — to a
manifest to fetch, or back to one already fetched (going up costs no request)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from acr_desktop.index_entries import entry_label
from acr_desktop.registry.manifest import Descriptor, ImageIndex
from acr_desktop.ui.models import PlatformRow

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import FetchedManifest

Trail = tuple["Inspection", ...]


def platform_rows(
    index: ImageIndex,
    *,
    references: bool = False,
    missing: str | None = None,
    unreadable: bool = False,
) -> list[PlatformRow]:
    """One row per entry in its own right with the attestations that describe it, in one pass
    over the index (an index may hold 20,000 entries); with `references` (or when there is
    nothing else) attestations and builder records get rows of their own. Rows are labelled
    ("attestation for linux/amd64", "index", "artifact: …") unless every row is a platform.
    `missing`: the digest of an entry whose manifest the registry does not have (or sent
    `unreadable`)."""
    by_subject: dict[str, list[Descriptor]] = {}
    shown: list[Descriptor] = []
    for entry in index.manifests:
        if entry.is_attestation:
            by_subject.setdefault(entry.attests or "", []).append(entry)
        if references or not entry.is_reference:
            shown.append(entry)
    if not shown:
        shown = list(index.manifests)
    labelled = any(d.kind != "platform" for d in shown)
    named = {d.digest: d for d in index.manifests if d.kind == "platform"} if labelled else {}
    return [
        PlatformRow(
            d,
            tuple(by_subject.get(d.digest, ())),
            entry_label(d, named) if labelled else None,
            d.digest == missing,
            unreadable and d.digest == missing,
        )
        for d in shown
    ]


@dataclass(frozen=True)
class Level:
    """The entries listed (`rows` of `index`) and `trail`: the inspections, outermost first,
    whose chosen entry is the nested index we are inside (empty at the top)."""

    index: ImageIndex
    rows: list[PlatformRow] = field(default_factory=list)
    trail: Trail = ()

    @property
    def depth(self) -> int:
        return len(self.trail)


@dataclass(frozen=True)
class Fetch:
    """Fetch `entry` of the index `within` (as fetched); `trail` is kept above it."""

    within: FetchedManifest
    entry: Descriptor
    trail: Trail


@dataclass(frozen=True)
class Show:
    """Show `inspection` again (already fetched) with `trail` above it."""

    inspection: Inspection
    trail: Trail


def level_of(ins: Inspection, trail: Trail = (), *, references: bool = False) -> Level | None:
    """The entries to list for `ins` shown under `trail`; None when nothing is an index."""
    index = trail[-1].chosen_index if trail else ins.index
    if index is None:
        return None
    missing, unreadable = missing_of(ins)
    rows = platform_rows(index, references=references, missing=missing, unreadable=unreadable)
    return Level(index, rows, trail)


def missing_of(ins: Inspection) -> tuple[str | None, bool]:
    """The digest of the chosen entry when its manifest is missing or unreadable, and whether
    it is unreadable."""
    from acr_desktop.registry.errors import NotFound

    entry, problem = ins.platform_entry, ins.missing_child
    if entry is None or problem is None:
        return None, False
    return entry.digest, not isinstance(problem, NotFound)


def arrived(ins: Inspection, trail: Trail) -> Trail:
    """The trail after `ins` arrives: a chosen entry that is an index is opened at once."""
    return (*trail, ins) if ins.chosen_index is not None else trail


def outermost(ins: Inspection, trail: Trail) -> Inspection:
    return trail[0] if trail else ins


def compose(ins: Inspection, outer: Inspection) -> Inspection:
    """`ins` (fetched inside a nested index) as the window shows it: `top` is what the
    reference resolved to, the outermost index."""
    return ins if ins.top is outer.top else replace(ins, top=outer.top)


def _levels(ins: Inspection, trail: Trail) -> list[tuple[ImageIndex | None, FetchedManifest]]:
    base = outermost(ins, trail)
    levels: list[tuple[ImageIndex | None, FetchedManifest]] = [(base.index, base.top)]
    for opened in trail:
        if opened.image is not None:
            levels.append((opened.chosen_index, opened.image))
    return levels


def _has(index: ImageIndex | None, entry: Descriptor) -> bool:
    if index is None:
        return False
    return any(d is entry for d in index.manifests) or entry in index.manifests


def choice(ins: Inspection, trail: Trail, entry: Descriptor) -> Fetch | Show | None:
    """Where choosing `entry` leads, from `ins` shown under `trail`: an entry of the level on
    show is fetched (or, already shown and itself an index, opened); an entry of a level above
    goes up (no request when it is the one that was opened from there). None: not an entry."""
    levels = _levels(ins, trail)
    depth = len(trail)
    for k in range(len(levels) - 1, -1, -1):
        index, within = levels[k]
        if not _has(index, entry):
            continue
        if k < depth:
            if trail[k].platform_entry == entry:
                return Show(trail[k], trail[:k])
            return Fetch(within, entry, trail[:k])
        inside = bool(trail) and trail[-1] is ins
        if not inside and ins.platform_entry == entry:
            return Show(ins, (*trail, ins)) if ins.chosen_index is not None else None
        return Fetch(within, entry, trail)
    return None
