"""The one inspect service, for the window and the CLI alike: the manifest a reference resolves to,
the chosen platform's image, and (for the window) its config. Plain Python, run inside a worker or
a CLI process; the fewest requests the protocol allows for what the caller asked."""

from __future__ import annotations

from dataclasses import dataclass

from acr_desktop.registry.client import FetchedConfig, FetchedManifest, RegistryClient
from acr_desktop.registry.errors import NotFound, RegistryError
from acr_desktop.registry.manifest import (
    Descriptor,
    ImageIndex,
    ImageManifest,
    Platform,
    normalize_architecture,
)
from acr_desktop.registry.reference import Reference


class NoSuchPlatform(NotFound):
    """A platform was asked for by name and the index has no image for it; `available` lists
    the platforms it does have."""

    def __init__(self, reference: Reference, wanted: Platform, available: tuple[Platform, ...]):
        have = ", ".join(str(p) for p in available)
        super().__init__(f"no {wanted} in {reference} (it has: {have})", what="platform")
        self.reference = reference
        self.wanted = wanted
        self.available = available


class PlatformNotApplicable(RegistryError, ValueError):
    """A platform was asked for by name, but the reference is an image, not a multi-arch index
    (a usage error: there is nothing to choose from)."""

    def __init__(self, reference: Reference, wanted: Platform) -> None:
        super().__init__(f"{reference} is not a multi-arch index; --platform does not apply")
        self.reference = reference
        self.wanted = wanted


@dataclass(frozen=True)
class Inspection:
    reference: Reference  # as asked
    top: FetchedManifest  # what the reference resolved to (an index or an image)
    image: FetchedManifest | None  # the image shown: `top` itself, or the chosen platform's
    platform_entry: Descriptor | None  # the index entry chosen, for an index
    config: FetchedConfig | None

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
        """The image fetched for the chosen index entry; None when `top` is the image itself."""
        return self.image if self.platform_entry is not None else None


def default_platform() -> Platform:
    """The platform of this computer, as the docker CLI would pick it."""
    import platform as host_platform  # here: the CLI never needs it, and it costs an import

    machine = host_platform.machine().lower()
    return Platform("linux", normalize_architecture(machine or "amd64"))


def choose_entry(index: ImageIndex, wanted: Platform | None) -> Descriptor | None:
    """`wanted` if the index has it, else this computer's platform, else the first one."""
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
    """Fetch what `ref` resolves to and, for an index, one platform's image.

    By default (the window) an index shows `wanted`, else this computer's platform, else its
    first; an image's config is fetched too. With `strict_platform` (the CLI) only `wanted` is
    fetched: none wanted → the index alone; wanted but absent → `NoSuchPlatform`; wanted on an
    image → `PlatformNotApplicable`. Without `with_config` no config blob is fetched.
    """
    top = client.get_manifest(ref)
    if not isinstance(top.manifest, ImageIndex):
        if strict_platform and wanted is not None:
            raise PlatformNotApplicable(ref, wanted)
        config = _config(client, top) if with_config else None
        return Inspection(ref, top, top, None, config)
    if strict_platform:
        if wanted is None:
            return Inspection(ref, top, None, None, None)
        entry = top.manifest.find_platform(wanted)
        if entry is None:
            available = tuple(e.platform for e in top.manifest.platforms if e.platform)
            raise NoSuchPlatform(ref, wanted, available)
    else:
        entry = choose_entry(top.manifest, wanted)
        if entry is None:
            return Inspection(ref, top, None, None, None)
    return inspect_entry(client, ref, top, entry, with_config=with_config)


def inspect_entry(
    client: RegistryClient,
    ref: Reference,
    top: FetchedManifest,
    entry: Descriptor,
    *,
    with_config: bool = True,
) -> Inspection:
    """The image behind one index entry (a platform or an attestation), and its config."""
    child = client.get_child(top.reference, entry)
    return Inspection(ref, top, child, entry, _config(client, child) if with_config else None)


def _config(client: RegistryClient, fetched: FetchedManifest) -> FetchedConfig | None:
    manifest = fetched.manifest
    if isinstance(manifest, ImageManifest) and manifest.artifact_type is None:
        return client.get_config(fetched.reference, manifest.config)
    return None
