"""Platforms: parsing what a person types, and choosing an index entry for it the way the
container runtimes do. The one place these rules live; `tests/registry/test_platforms.py` holds
their table.

Matching follows containerd's `platforms.Only` (github.com/containerd/platforms, compare.go and
database.go), which Docker and nerdctl use:

- Normalised first: `x86_64`/`x86-64` → `amd64`, `aarch64` → `arm64`, `i386` → `386`, `armhf` →
  `arm/v7`, `armel` → `arm/v6`, `macos` → `darwin`; case ignored. A variant-less entry is the
  base variant: `amd64` ≡ `amd64/v1`, `arm64` ≡ `arm64/v8`, `arm` ≡ `arm/v7`.
- Then the wanted platform and what also runs there, best first: `arm/v7` → v7, v6, v5
  (`arm/v8` starts at v8); `amd64/v3` → v3, v2, v1, then `386`; `amd64` → amd64, then `386`;
  `arm64/v8` → arm64/v8 (v8.x, v9.x walk down their minor versions), then arm v8 … v5.
- Among entries equally good, skopeo's preference (containers/image `WantedPlatforms`) decides:
  an entry spelled the way it was asked wins (`linux/arm64` prefers a variant-less entry,
  `linux/arm64/v8` one that says `v8`); after that, the first in the index.
- `os.version` (Windows): asked as containerd writes it, `windows(10.0.17763.5576)/amd64`, or as
  `windows/amd64:10.0.17763.5576`. Like containerd's Windows matcher, an entry matches when its
  build (`major.minor.build`) equals the one asked, or, from Windows Server 2022 (build 20348)
  on, lies between the previous LTSC release and the one asked; an entry without `os.version`
  matches too. The version asked is preferred, then its build, then the first in the index.
  Without one asked, any version matches; other systems ignore `os.version` in matching (an
  exact one is still preferred). Typed text is at most 200 characters.
- `unknown/unknown` (BuildKit's attestation entries) matches only when asked for by name.
- An entry without a platform runs anywhere, but comes after every entry that says it runs
  there (containerd's `FilterPlatforms` keeps it and `LimitManifests` sorts it last; skopeo
  takes it too).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from acr_desktop.registry.errors import InvalidReference
from acr_desktop.registry.json_doc import clean_text

ARCH_ALIASES = {
    "aarch64": "arm64",
    "x86_64": "amd64",
    "x86-64": "amd64",
    "armhf": "arm",
    "i386": "386",
}
_OS_PART = re.compile(r"^([a-z0-9_-]+)(?:\(([a-z0-9_.-]*)\))?$")
_PART = re.compile(r"^[a-z0-9_.-]+$")
UNKNOWN = "unknown"
MAX_PLATFORM_TEXT = 200  # characters: the longest real one (windows, arm64/v8.9, a build) is 40


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None
    os_version: str | None = None
    os_features: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    def display(self) -> str:
        """`os/arch[/variant]`, with the OS version when there is one: `windows/amd64
        (10.0.17763.5576)`."""
        return f"{self} ({self.os_version})" if self.os_version else str(self)

    @property
    def is_unknown(self) -> bool:
        """BuildKit's `unknown/unknown`: an attestation, not something that runs."""
        return self.os.lower() == UNKNOWN and self.architecture.lower() == UNKNOWN

    @classmethod
    def parse(cls, text: str) -> Platform:
        """`os/arch[/variant]`, `os(version)/arch[/variant]` or `os/arch[/variant]:version`."""
        return parse_platform(text)

    def matches(self, wanted: Platform) -> bool:
        """Does an entry with this platform run where `wanted` runs (containerd's rules)?"""
        return rank(self, wanted) is not None


def parse_platform(text: str) -> Platform:
    """What a person typed for `--platform`; InvalidReference (a ValueError) with a sentence."""
    text = clean_text(text)  # the parts are shown and compared: they must encode
    spec = text.strip().lower()
    too_long = len(spec) > MAX_PLATFORM_TEXT
    version = None
    head, colon, tail = spec.rpartition(":")
    if colon and "/" in head and "/" not in tail:
        spec, version = head, tail
    parts = spec.split("/")
    os_match = _OS_PART.match(parts[0]) if parts else None
    if (
        too_long
        or len(parts) not in (2, 3)
        or os_match is None
        or not all(_PART.match(p) for p in parts[1:])
        or (version is not None and (os_match[2] is not None or not _PART.match(version)))
    ):
        shown = text if len(text) <= 80 else text[:80] + "…"  # typed: any length
        raise InvalidReference(
            f"“{shown}” is not a platform: use os/architecture[/variant], e.g. linux/arm64 or "
            "windows/amd64:10.0.17763",
            part="platform",
            text=shown,
        )
    version = version or os_match[2] or None
    return Platform(os_match[1], parts[1], parts[2] if len(parts) == 3 else None, version)


def normalize_architecture(arch: str) -> str:
    arch = arch.lower()
    return ARCH_ALIASES.get(arch, arch)


def normalize(p: Platform) -> tuple[str, str, str]:
    """(os, architecture, variant) as containerd normalises them: base variants left empty
    for amd64 (v1) and arm64 (v8), arm's made explicit (v7)."""
    os_name = p.os.lower()
    os_name = "darwin" if os_name == "macos" else os_name
    arch, variant = p.architecture.lower(), (p.variant or "").lower()
    if arch == "i386":
        return os_name, "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return os_name, "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        variant = {"8": "", "v8": "", "v8.0": "", "9": "v9", "9.0": "v9", "v9.0": "v9"}.get(
            variant, variant
        )
        return os_name, "arm64", variant
    if arch in ("armhf", "armel"):
        return os_name, "arm", "v7" if arch == "armhf" else "v6"
    if arch == "arm":
        if variant in ("", "7"):
            variant = "v7"
        elif variant in ("5", "6", "8"):
            variant = "v" + variant
    return os_name, arch, variant


def candidates(wanted: Platform) -> list[tuple[str, str, str]]:
    """What runs where `wanted` runs, best first (containerd's `platformVector`), normalised."""
    os_name, arch, variant = normalize(wanted)
    vector = [(os_name, arch, variant)]
    if arch == "amd64":
        level = _version(variant) or 1
        vector += [(os_name, "amd64", f"v{n}" if n > 1 else "") for n in range(level - 1, 0, -1)]
        vector.append((os_name, "386", ""))
    elif arch == "arm":
        arm_level = _version(variant)
        if arm_level is not None:
            vector += [(os_name, "arm", f"v{n}") for n in range(arm_level - 1, 4, -1)]
    elif arch == "arm64":
        vector = [(os_name, "arm64", v) for v in _arm64_versions(variant or "v8")] or vector
        arm = "v8" if (variant or "v8").startswith(("v8", "v9")) else variant
        vector += candidates(Platform(os_name, "arm", arm))
    return vector


def _version(variant: str) -> int | None:
    digits = variant[1:] if variant.startswith("v") else variant
    return int(digits) if digits.isdigit() else None


def _arm64_versions(variant: str) -> list[str]:
    """containerd's arm64 ladder: v8.x → v8.x … v8; v9.x → v9.x … v9, then v8.(x+5) … v8."""
    found = re.fullmatch(r"v(8|9)(?:\.(\d))?", variant)
    if found is None:
        return []
    major, minor = int(found[1]), int(found[2] or 0)
    ladder = [(8, minor)] if major == 8 else [(9, minor), (8, min(minor + 5, 9))]
    out = []
    for maj, top in ladder:
        out += [f"v{maj}.{m}" if m else f"v{maj}" for m in range(top, -1, -1)]
    # normalise as entries are normalised: arm64/v8 is the variant-less base
    return ["" if v == "v8" else v for v in out]


_LTSC_2022, _LTSC_2025 = 20348, 26100  # builds whose containers later hosts keep running


def _windows_version(text: str | None) -> tuple[int, int, int] | None:
    """(major, minor, build) as containerd reads `os.version`; None when it cannot."""
    parts = (text or "").split(".")
    if len(parts) < 3 or not all(p.isascii() and p.isdigit() for p in parts[:3]):
        return None
    major, minor, build = (int(p) for p in parts[:3])
    return (major, minor, build) if major < 256 and minor < 256 and build < 65536 else None


def windows_runs(entry_version: str | None, wanted_version: str | None) -> bool:
    """containerd's Windows matcher: any entry when no (readable) version is asked or the entry
    says none; else the same major.minor, and the same build below Windows Server 2022; from
    2022 on, any build from the previous LTSC release up to the one asked."""
    host = _windows_version(wanted_version)
    if host is None or not entry_version:
        return True
    ctr = _windows_version(entry_version)
    if ctr is None or host[:2] != ctr[:2]:
        return False
    if host[2] < _LTSC_2022:
        return host[2] == ctr[2]
    oldest = _LTSC_2025 if host[2] > _LTSC_2025 else _LTSC_2022
    return oldest <= ctr[2] <= host[2]


def rank(entry: Platform, wanted: Platform) -> int | None:
    """How well `entry` serves `wanted`: 0 best; None when it does not run there."""
    return rank_among(entry, wanted, candidates(wanted))


def rank_among(entry: Platform, wanted: Platform, vector: list[tuple[str, str, str]]) -> int | None:
    """`rank`, with `candidates(wanted)` worked out once by the caller."""
    if entry.is_unknown or wanted.is_unknown:
        return 0 if entry.is_unknown and wanted.is_unknown else None
    windows = wanted.os.lower() == "windows"
    if windows and not windows_runs(entry.os_version, wanted.os_version):
        return None
    try:
        return vector.index(normalize(entry))
    except ValueError:
        return None


def _version_fit(p: Platform, wanted: Platform) -> int:
    """0: the version asked (or none asked); 1: its Windows build; 2: another that runs there."""
    if not wanted.os_version or p.os_version == wanted.os_version:
        return 0
    same_build = _windows_version(p.os_version) == _windows_version(wanted.os_version)
    return 1 if same_build and _windows_version(p.os_version) is not None else 2


class HasPlatform(Protocol):
    @property
    def platform(self) -> Platform | None: ...


E = TypeVar("E", bound=HasPlatform)


def choose(entries: Sequence[E], wanted: Platform) -> E | None:
    """The entry that best serves `wanted`, or None; deterministic (see the module's rules)."""
    best: tuple[int, int, int, int] | None = None
    found = None
    typed = (normalize_architecture(wanted.architecture), (wanted.variant or "").lower())
    vector = candidates(wanted)
    for position, entry in enumerate(entries):
        p = entry.platform
        if p is None:  # says nothing: runs anywhere, after every entry that says it runs here
            key = (len(vector), 0, 0, position)
        else:
            level = rank_among(p, wanted, vector)
            if level is None:
                continue
            spelled = (normalize_architecture(p.architecture), (p.variant or "").lower())
            key = (level, 0 if spelled == typed else 1, _version_fit(p, wanted), position)
        if p is None and wanted.is_unknown:
            continue
        if best is None or key < best:
            best, found = key, entry
    return found
