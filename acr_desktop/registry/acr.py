"""Azure Container Registry's metadata API (`/acr/v1/`): tag times, digests, signing and locks.
Needs the `metadata_read` action on the repository."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACR_SUFFIXES = (".azurecr.io", ".azurecr.cn", ".azurecr.us")
METADATA_ACTION = "metadata_read"
ACR_PAGE_SIZE = 100


def is_acr_host(registry: str) -> bool:
    host = registry.rsplit(":", 1)[0].lower()
    return host.endswith(ACR_SUFFIXES)


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


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
