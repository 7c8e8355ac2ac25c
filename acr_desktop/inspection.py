"""The one inspect service, for the window and the CLI alike: the manifest a reference resolves to,
the chosen entry's manifest (a platform's image, an attestation, a nested index), and (for the
window) its config. Plain Python, run inside a worker or a CLI process; the fewest requests the
protocol allows for what the caller asked. What was fetched and verified is kept when a later part
is missing."""

from __future__ import annotations

from dataclasses import dataclass, replace

from acr_desktop.registry.client import FetchedConfig, FetchedManifest, RegistryClient
from acr_desktop.registry.errors import NotFound, RegistryError
from acr_desktop.registry.manifest import (
    MIN_DIGEST_PREFIX,
    Descriptor,
    ImageIndex,
    ImageManifest,
    Platform,
    Schema1Manifest,
    normalize_architecture,
)
from acr_desktop.registry.platforms import rank
from acr_desktop.registry.reference import Reference
from acr_desktop.text import plural


class NoSuchPlatform(NotFound):
    """A platform was asked for by name and the index has no image for it; `available` lists
    the platforms it does have (entries without a platform, attestations and builder records
    left out)."""

    def __init__(self, reference: Reference, wanted: Platform, available: tuple[Platform, ...]):
        have = ", ".join(dict.fromkeys(p.display() for p in available))
        have = f"it has: {have}" if have else "none of its entries carries a platform"
        super().__init__(f"no {wanted.display()} in {reference} ({have})", what="platform")
        self.reference = reference
        self.wanted = wanted
        self.available = available


class NoSuchEntry(NotFound):
    """An entry was asked for by digest and the index has none (or more than one) that fits:
    `matches` says how many entries' digests start with what was given."""

    def __init__(self, reference: Reference, digest: str, count: int, matches: int = 0) -> None:
        shown = digest if len(digest) <= 80 else digest[:80] + "…"  # typed: any length
        if matches > 1:
            sentence = (
                f"{shown} is the start of {matches} entries' digests in {reference}; give more "
                "of it"
            )
        else:
            sentence = (
                f"no entry {shown} in {reference} (it has {plural(count, 'entry', 'entries')}; "
                f"give a digest from its list, or a unique start of one, at least "
                f"{MIN_DIGEST_PREFIX} hex digits)"
            )
        super().__init__(sentence, what="entry")
        self.reference = reference
        self.digest = digest
        self.matches = matches


class PlatformNotApplicable(RegistryError, ValueError):
    """A platform (or entry) was asked for by name, but the reference is an image, not an
    index (a usage error: there is nothing to choose from)."""

    def __init__(self, reference: Reference, wanted: Platform | str) -> None:
        what = "--platform" if isinstance(wanted, Platform) else "--entry"
        super().__init__(f"{reference} is not a multi-arch index; {what} does not apply")
        self.reference = reference
        self.wanted = wanted


@dataclass(frozen=True)
class Inspection:
    """What an inspect found. What could not be fetched is recorded, not raised, once something
    was fetched and verified: `missing_child` (the chosen entry's manifest is gone: a partial
    mirror, a cleaned-up platform) and `missing_config` (its config blob is gone)."""

    reference: Reference  # as asked
    top: FetchedManifest  # what the reference resolved to (an index or an image)
    # The manifest shown: `top` itself, or the chosen entry's, which may itself be an index
    # (a nested index: `chosen_index`) or a schema 1 manifest.
    image: FetchedManifest | None
    platform_entry: Descriptor | None  # the index entry chosen, for an index
    config: FetchedConfig | None
    missing_child: RegistryError | None = None
    missing_config: RegistryError | None = None
    platform_note: str | None = None  # the entry chosen runs on the platform asked, not equal

    @property
    def index(self) -> ImageIndex | None:
        return self.top.manifest if isinstance(self.top.manifest, ImageIndex) else None

    @property
    def image_manifest(self) -> ImageManifest | None:
        if self.image is not None and isinstance(self.image.manifest, ImageManifest):
            return self.image.manifest
        return None

    @property
    def chosen(self) -> FetchedManifest | None:
        """The manifest fetched for the chosen index entry; None when `top` is the image itself."""
        return self.image if self.platform_entry is not None else None

    @property
    def chosen_index(self) -> ImageIndex | None:
        """The chosen entry is itself an index: its entries (open one with `inspect_entry(client,
        ref, ins.image, entry)`)."""
        chosen = self.chosen
        return chosen.manifest if chosen and isinstance(chosen.manifest, ImageIndex) else None

    @property
    def schema1(self) -> Schema1Manifest | None:
        shown = self.image or self.top
        return shown.manifest if isinstance(shown.manifest, Schema1Manifest) else None

    @property
    def problems(self) -> tuple[RegistryError, ...]:
        """What is missing, in the order a reader meets it."""
        return tuple(p for p in (self.missing_child, self.missing_config) if p is not None)

    @property
    def notes(self) -> tuple[str, ...]:
        """Sentences for a person: a deprecated format, a platform chosen by fallback."""
        notes = [self.schema1.deprecated] if self.schema1 else []
        return (*notes, self.platform_note) if self.platform_note else tuple(notes)


def default_platform() -> Platform:
    """The platform of this computer, as the docker CLI would pick it."""
    import platform as host_platform  # here: the CLI never needs it, and it costs an import

    machine = host_platform.machine().lower()
    return Platform("linux", normalize_architecture(machine or "amd64"))


def choose_entry(index: ImageIndex, wanted: Platform | None) -> Descriptor | None:
    """`wanted` if the index has it, else this computer's platform, else the first entry that is
    not an attestation or builder record."""
    if not index.platforms:
        return None
    if wanted is not None:
        found = index.find_platform(wanted)
        if found is not None:
            return found
    return index.find_platform(default_platform()) or index.platforms[0]


def inspect(
    client: RegistryClient,
    ref: Reference,
    wanted: Platform | None = None,
    *,
    strict_platform: bool = False,
    with_config: bool = True,
) -> Inspection:
    """Fetch what `ref` resolves to and, for an index, one entry's manifest.

    By default (the window) an index shows `wanted`, else this computer's platform, else its
    first entry; an image's config is fetched too. With `strict_platform` (the CLI) only `wanted`
    is fetched: none wanted → the index alone; wanted but absent → `NoSuchPlatform`; wanted on an
    image → `PlatformNotApplicable`. Without `with_config` no config blob is fetched. A missing
    entry or config is recorded in the Inspection, not raised.
    """
    top = client.get_manifest(ref)
    index = top.manifest if isinstance(top.manifest, ImageIndex) else None
    if index is None:
        if strict_platform and wanted is not None:
            raise PlatformNotApplicable(ref, wanted)
        return _with_config(client, Inspection(ref, top, top, None, None), with_config)
    if strict_platform:
        if wanted is None:
            return Inspection(ref, top, None, None, None)
        chosen = index.find_platform(wanted)
        if chosen is None:
            raise NoSuchPlatform(ref, wanted, index.real_platforms)
    else:
        chosen = choose_entry(index, wanted)
        if chosen is None:
            return Inspection(ref, top, None, None, None)
    ins = inspect_entry(client, ref, top, chosen, with_config=with_config)
    return replace(ins, platform_note=_fallback_note(chosen, wanted))


def inspect_by_entry(
    client: RegistryClient, ref: Reference, digest: str, *, with_config: bool = True
) -> Inspection:
    """The index `ref` and its entry `digest` (or a unique start of one), whatever its kind:
    a platform, an attestation, a builder record, a nested index, an artifact. `NoSuchEntry` if
    the index has none; `PlatformNotApplicable` if `ref` is not an index."""
    top = client.get_manifest(ref)
    if not isinstance(top.manifest, ImageIndex):
        raise PlatformNotApplicable(ref, digest)
    found = top.manifest.entries_starting(digest)
    if len(found) != 1:
        raise NoSuchEntry(ref, digest, len(top.manifest.manifests), len(found))
    return inspect_entry(client, ref, top, found[0], with_config=with_config)


def inspect_entry(
    client: RegistryClient,
    ref: Reference,
    top: FetchedManifest,
    entry: Descriptor,
    *,
    with_config: bool = True,
) -> Inspection:
    """The manifest behind one index entry (a platform, an attestation, a nested index …), and
    its config. `top` is the index the entry is in (for a nested index: the inner one). A
    missing manifest is recorded as `missing_child`."""
    try:
        child = client.get_child(top.reference, entry)
    except NotFound as exc:
        return Inspection(ref, top, None, entry, None, missing_child=exc)
    return _with_config(client, Inspection(ref, top, child, entry, None), with_config)


def _with_config(client: RegistryClient, ins: Inspection, with_config: bool) -> Inspection:
    fetched = ins.image
    if not with_config or fetched is None:
        return ins
    manifest = fetched.manifest
    if not isinstance(manifest, ImageManifest) or manifest.artifact_type is not None:
        return ins
    try:
        return replace(ins, config=client.get_config(fetched.reference, manifest.config))
    except NotFound as exc:
        return replace(ins, missing_config=exc)


def _fallback_note(chosen: Descriptor, wanted: Platform | None) -> str | None:
    if wanted is None:
        return None
    if chosen.platform is None:
        return (
            f"No entry says it is for {wanted.display()}; the first entry that names no platform "
            "was chosen (containerd and skopeo do the same)."
        )
    if rank(chosen.platform, wanted) in (0, None):
        return None
    return (
        f"There is no {wanted.display()} entry; {chosen.platform.display()} was chosen, "
        "which runs there too (containerd's rule)."
    )
