"""Bytes received but not readable as a manifest of their type (a config digest of "", say):
the window shows what arrived — its digest, its exact bytes, why it cannot be read — as the
CLI's `--raw` prints it, instead of only an error. An index entry whose manifest cannot be read
is flagged on its row, beside the index that was fetched and verified."""

from __future__ import annotations

from typing import TYPE_CHECKING

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.digest import manifest_digest
from acr_desktop.registry.errors import NotFound, RegistryError
from acr_desktop.registry.manifest import (
    Descriptor,
    ImageIndex,
    MalformedManifest,
    UnknownManifest,
)

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import FetchedManifest, RegistryClient
    from acr_desktop.registry.reference import Reference

_MANIFEST_TYPES = mt.INDEX_TYPES | mt.IMAGE_TYPES | mt.SCHEMA1_TYPES


def received(ref: Reference, exc: MalformedManifest) -> FetchedManifest:
    """The bytes of `exc` as a manifest on show. Their digest was checked against the digest
    asked for, if any, before they were found unreadable."""
    from acr_desktop.registry.client import FetchedManifest  # the network stack: not at start

    digest = manifest_digest(exc.raw, exc.media_type)
    return FetchedManifest(
        reference=ref.with_digest(digest),
        raw=exc.raw,
        digest=digest,
        media_type=exc.media_type,
        manifest=UnknownManifest(exc.media_type, None),
        header_digest=None,
        verified_by="requested digest" if ref.digest == digest else "",
        warnings=(f"It cannot be read: {exc.sentence} Its exact bytes are shown.",),
    )


def unreadable(fetched: FetchedManifest | None) -> bool:
    """A manifest of a known type that could not be read (shown from `received`)."""
    if fetched is None:
        return False
    m = fetched.manifest
    return (
        isinstance(m, UnknownManifest) and m.document is None and m.media_type in (_MANIFEST_TYPES)
    )


def entry_problem(ins: Inspection) -> str | None:
    """ "missing" (the registry has no manifest for the chosen entry) or "unreadable"."""
    problem: RegistryError | None = ins.missing_child
    if problem is None:
        return None
    return "missing" if isinstance(problem, NotFound) else "unreadable"


def inspect_readable(client: RegistryClient, ref: Reference) -> Inspection:
    """`inspection.inspect`, except that unreadable bytes are shown rather than raised: the
    reference's own (as received), or the chosen entry's (flagged beside its index)."""
    from acr_desktop.inspection import Inspection, choose_entry, inspect

    try:
        return inspect(client, ref)
    except MalformedManifest as exc:
        first = exc
    # Was it the reference's own manifest or an entry's? Ask for the reference alone (one
    # more request, only when something could not be read).
    try:
        top = inspect(client, ref, strict_platform=True, with_config=False).top
    except MalformedManifest as exc:
        fetched = received(ref, exc)
        return Inspection(ref, fetched, fetched, None, None)
    index = top.manifest if isinstance(top.manifest, ImageIndex) else None
    entry = choose_entry(index, None) if index is not None else None
    if entry is None:
        raise first
    return Inspection(ref, top, None, entry, None, missing_child=first)


def inspect_entry_readable(
    client: RegistryClient, ref: Reference, within: FetchedManifest, entry: Descriptor
) -> Inspection:
    """`inspection.inspect_entry`, with an entry whose manifest cannot be read flagged."""
    from acr_desktop.inspection import Inspection, inspect_entry

    try:
        return inspect_entry(client, ref, within, entry)
    except MalformedManifest as exc:
        return Inspection(ref, within, None, entry, None, missing_child=exc)
