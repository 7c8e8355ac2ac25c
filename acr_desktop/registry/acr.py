"""Azure Container Registry's metadata API (`/acr/v1/`): tag times, digests, signing and locks;
manifest sizes and platforms. Needs the `metadata_read` action on the repository."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ACR_SUFFIXES = (".azurecr.io", ".azurecr.cn", ".azurecr.us")  # public, China, US Government
METADATA_ACTION = "metadata_read"
ACR_PAGE_SIZE = 100
# NAME.azurecr.io, NAME.REGION.geo.azurecr.io (a geo-replica's regional endpoint),
# NAME.REGION.data.azurecr.io (a dedicated data endpoint); in each cloud.
_ACR_HOST = re.compile(
    r"(?P<name>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
    r"(?:\.[a-z0-9]{1,40}\.(?:geo|data))?"
    r"(?P<suffix>\.azurecr\.(?:io|cn|us))"
)


def login_server(host: str) -> str | None:
    """The ACR login server a host belongs to: `NAME.azurecr.io` for itself, for
    `NAME.REGION.geo.azurecr.io` and for `NAME.REGION.data.azurecr.io` (and the .cn / .us
    clouds); None for any other host. Case and a port (`:443`) do not matter."""
    text = host.strip().lower()
    name, sep, port = text.rpartition(":")
    if sep and port.isdigit():
        text = name
    if len(text) > 253:
        return None
    match = _ACR_HOST.fullmatch(text.rstrip("."))
    return match["name"] + match["suffix"] if match else None


def is_acr_host(registry: str) -> bool:
    """An Azure Container Registry by its host name: a login server, a regional or a data
    endpoint, in any cloud."""
    return login_server(registry) is not None


@dataclass(frozen=True)
class TagInfo:
    """One tag, with what the registry knows about it (ACR fills the optional fields)."""

    name: str
    digest: str | None = None
    created: str | None = None
    updated: str | None = None
    signed: bool | None = None
    write_enabled: bool | None = None
    delete_enabled: bool | None = None
    read_enabled: bool | None = None
    list_enabled: bool | None = None

    @property
    def locked(self) -> bool:
        return self.write_enabled is False or self.delete_enabled is False

    def locks_text(self) -> str:
        """The lock flags in words: only what is switched off is worth saying."""
        off = [
            name
            for name, value in (
                ("write", self.write_enabled),
                ("delete", self.delete_enabled),
                ("read", self.read_enabled),
                ("list", self.list_enabled),
            )
            if value is False
        ]
        return "no " + ", no ".join(off) if off else ""


def parse_acr_tags(doc: Any) -> list[TagInfo]:
    """`{"tags": [{"name", "digest", "createdTime", "lastUpdateTime", "signed",
    "changeableAttributes": {...}}]}` → TagInfo; garbage entries skipped."""
    entries = doc.get("tags") if isinstance(doc, dict) else None
    out: list[TagInfo] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        attrs = entry.get("changeableAttributes")
        attrs = attrs if isinstance(attrs, dict) else {}
        out.append(
            TagInfo(
                name=entry["name"],
                digest=_str(entry.get("digest")),
                created=_str(entry.get("createdTime")),
                updated=_str(entry.get("lastUpdateTime")),
                signed=_bool(entry.get("signed")),
                write_enabled=_bool(attrs.get("writeEnabled")),
                delete_enabled=_bool(attrs.get("deleteEnabled")),
                read_enabled=_bool(attrs.get("readEnabled")),
                list_enabled=_bool(attrs.get("listEnabled")),
            )
        )
    return out


MAX_TAGS_PER_MANIFEST = 1000  # tag names kept per manifest entry (a server may send more)
MAX_FIELD = 1000  # characters kept of a text field


@dataclass(frozen=True)
class ManifestInfo:
    """One manifest as ACR's `_manifests` lists it. `image_size` is what ACR counts for the
    image (config and layers, compressed); None when the server sent no usable number."""

    digest: str
    image_size: int | None = None
    architecture: str | None = None
    os: str | None = None
    media_type: str | None = None
    created: str | None = None
    updated: str | None = None
    tags: tuple[str, ...] = ()


def parse_acr_manifests(doc: Any) -> list[ManifestInfo]:
    """`{"manifests": [{"digest", "imageSize", "architecture", "os", "mediaType",
    "createdTime", "lastUpdateTime", "tags": [...]}]}` → ManifestInfo; entries without a
    digest skipped, fields of the wrong type left None (a size must be a non-negative
    integer below 2^63)."""
    entries = doc.get("manifests") if isinstance(doc, dict) else None
    out: list[ManifestInfo] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        digest = _str(entry.get("digest"))
        if digest is None or len(digest) > 200 or ":" not in digest:
            continue
        tags = entry.get("tags")
        names = (
            [t for t in tags[:MAX_TAGS_PER_MANIFEST] if _str(t)] if isinstance(tags, list) else []
        )
        out.append(
            ManifestInfo(
                digest=digest,
                image_size=_size(entry.get("imageSize")),
                architecture=_str(entry.get("architecture")),
                os=_str(entry.get("os")),
                media_type=_str(entry.get("mediaType")),
                created=_str(entry.get("createdTime")),
                updated=_str(entry.get("lastUpdateTime")),
                tags=tuple(t[:MAX_FIELD] for t in names),
            )
        )
    return out


def _size(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        return None
    return value


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
