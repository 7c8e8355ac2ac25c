"""One inspect as the window needs it: the manifest, the chosen platform's image, and its config.
Plain Python, run inside a worker; the fewest requests the protocol allows."""

from __future__ import annotations

import platform as host_platform
from dataclasses import dataclass

from acr_desktop.registry.client import FetchedConfig, FetchedManifest, RegistryClient
from acr_desktop.registry.manifest import Descriptor, ImageIndex, ImageManifest, Platform
from acr_desktop.registry.reference import Reference

_MACHINE = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


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


def default_platform() -> Platform:
    """The platform of this computer, as the docker CLI would pick it."""
    machine = host_platform.machine().lower()
    return Platform("linux", _MACHINE.get(machine, machine or "amd64"))


def choose_entry(index: ImageIndex, wanted: Platform | None) -> Descriptor | None:
    if not index.platforms:
        return None
    if wanted is not None:
        found = index.find_platform(wanted)
        if found is not None:
            return found
    return index.find_platform(default_platform()) or index.platforms[0]


def inspect(client: RegistryClient, ref: Reference, wanted: Platform | None = None) -> Inspection:
    top = client.get_manifest(ref)
    if isinstance(top.manifest, ImageIndex):
        entry = choose_entry(top.manifest, wanted)
        if entry is None:
            return Inspection(ref, top, None, None, None)
        return inspect_entry(client, ref, top, entry)
    return Inspection(ref, top, top, None, _config(client, top))


def inspect_entry(
    client: RegistryClient, ref: Reference, top: FetchedManifest, entry: Descriptor
) -> Inspection:
    """The image behind one index entry (a platform or an attestation), and its config."""
    child = client.get_child(top.reference, entry)
    return Inspection(ref, top, child, entry, _config(client, child))


def _config(client: RegistryClient, fetched: FetchedManifest) -> FetchedConfig | None:
    manifest = fetched.manifest
    if isinstance(manifest, ImageManifest) and manifest.artifact_type is None:
        return client.get_config(fetched.reference, manifest.config)
    return None
