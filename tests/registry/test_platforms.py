"""Platform matching (registry/platforms.py): the rules of containerd's matcher as a table, the
tie-breaks skopeo makes, `os.version`, `unknown/unknown`, and what a person may type."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from acr_desktop.registry.errors import InvalidReference
from acr_desktop.registry.platforms import (
    Platform,
    candidates,
    choose,
    normalize,
    parse_platform,
    rank,
)


@dataclass(frozen=True)
class Entry:
    name: str
    platform: Platform | None


def entries(*specs: str) -> list[Entry]:
    """`linux/arm/v7`, `windows/amd64:10.0.17763.5576`, or `-` for an entry without a platform."""
    return [Entry(s, None if s == "-" else parse_platform(s)) for s in specs]


DOCKER_HUB_POSTGRES = entries(
    "linux/amd64", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm64/v8",
    "linux/386", "linux/mips64le", "linux/ppc64le", "linux/s390x", "unknown/unknown",
)  # fmt: skip
BOTH_ARM64 = entries("linux/arm64", "linux/arm64/v8")
BOTH_ARM64_REVERSED = entries("linux/arm64/v8", "linux/arm64")
WINDOWS = entries(
    "linux/amd64",
    "windows/amd64:10.0.17763.5576",
    "windows/amd64:10.0.20348.2340",
    "windows/amd64:10.0.17763.6000",
)
AMD64_LEVELS = entries("linux/amd64/v3", "linux/amd64/v2", "linux/amd64")
ONLY_OLD = entries("linux/386", "linux/arm/v5", "linux/arm/v6")
ARM_PLAIN = entries("linux/arm/v7", "linux/arm", "linux/arm/v6")
ALIASES = entries("linux/x86_64", "linux/aarch64", "Linux/ARMHF")


@pytest.mark.parametrize(
    ("index", "wanted", "chosen"),
    [
        # arm: v7 first, then v6, v5 (not the first arm entry in the list)
        (DOCKER_HUB_POSTGRES, "linux/arm", "linux/arm/v7"),
        (DOCKER_HUB_POSTGRES, "linux/arm/v7", "linux/arm/v7"),
        (DOCKER_HUB_POSTGRES, "linux/arm/v6", "linux/arm/v6"),
        (DOCKER_HUB_POSTGRES, "linux/arm/v5", "linux/arm/v5"),
        (DOCKER_HUB_POSTGRES, "linux/arm/v8", "linux/arm/v7"),
        (DOCKER_HUB_POSTGRES, "linux/armhf", "linux/arm/v7"),
        (DOCKER_HUB_POSTGRES, "linux/armel", "linux/arm/v6"),
        (ONLY_OLD, "linux/arm", "linux/arm/v6"),
        (ONLY_OLD, "linux/arm/v6", "linux/arm/v6"),
        (ONLY_OLD, "linux/arm/v5", "linux/arm/v5"),
        # a variant-less arm entry is arm/v7; spelled as asked, it wins among equals
        (ARM_PLAIN, "linux/arm", "linux/arm"),
        (ARM_PLAIN, "linux/arm/v7", "linux/arm/v7"),
        # arm64 ≡ arm64/v8 ≡ aarch64
        (DOCKER_HUB_POSTGRES, "linux/arm64", "linux/arm64/v8"),
        (DOCKER_HUB_POSTGRES, "linux/arm64/v8", "linux/arm64/v8"),
        (DOCKER_HUB_POSTGRES, "linux/aarch64", "linux/arm64/v8"),
        (DOCKER_HUB_POSTGRES, "LINUX/ARM64", "linux/arm64/v8"),
        (entries("linux/arm64"), "linux/arm64/v8", "linux/arm64"),
        (entries("linux/arm64"), "linux/aarch64/8", "linux/arm64"),
        # both spellings present: the one spelled as asked (skopeo's order), whatever the list order
        (BOTH_ARM64, "linux/arm64", "linux/arm64"),
        (BOTH_ARM64, "linux/arm64/v8", "linux/arm64/v8"),
        (BOTH_ARM64_REVERSED, "linux/arm64", "linux/arm64"),
        (BOTH_ARM64_REVERSED, "linux/arm64/v8", "linux/arm64/v8"),
        (BOTH_ARM64, "linux/aarch64", "linux/arm64"),
        # arm64 runs 32-bit arm when there is no arm64 entry
        (entries("linux/amd64", "linux/arm/v7", "linux/arm/v6"), "linux/arm64", "linux/arm/v7"),
        (entries("linux/arm64/v8.2", "linux/arm64"), "linux/arm64/v8.2", "linux/arm64/v8.2"),
        (entries("linux/arm64"), "linux/arm64/v8.2", "linux/arm64"),
        (entries("linux/arm64/v8.2"), "linux/arm64", None),
        # amd64 and its levels: v1 is the variant-less entry
        (AMD64_LEVELS, "linux/amd64", "linux/amd64"),
        (AMD64_LEVELS, "linux/amd64/v1", "linux/amd64"),
        (AMD64_LEVELS, "linux/amd64/v2", "linux/amd64/v2"),
        (AMD64_LEVELS, "linux/amd64/v3", "linux/amd64/v3"),
        (AMD64_LEVELS, "linux/amd64/v4", "linux/amd64/v3"),
        (AMD64_LEVELS, "linux/x86_64", "linux/amd64"),
        (entries("linux/amd64/v3"), "linux/amd64", None),
        (entries("linux/amd64/v2", "linux/386"), "linux/amd64/v3", "linux/amd64/v2"),
        (ONLY_OLD, "linux/amd64", "linux/386"),
        (ONLY_OLD, "linux/i386", "linux/386"),
        (ALIASES, "linux/amd64", "linux/x86_64"),
        (ALIASES, "linux/arm64/v8", "linux/aarch64"),
        (ALIASES, "linux/arm/v7", "Linux/ARMHF"),
        # nothing that runs there
        (DOCKER_HUB_POSTGRES, "linux/riscv64", None),
        (DOCKER_HUB_POSTGRES, "windows/amd64", None),
        (DOCKER_HUB_POSTGRES, "darwin/arm64", None),
        (entries("macos/arm64"), "darwin/arm64", "macos/arm64"),
        # Windows: the build (major.minor.build) must match; an exact version is preferred
        (WINDOWS, "windows/amd64", "windows/amd64:10.0.17763.5576"),
        (WINDOWS, "windows/amd64:10.0.20348", "windows/amd64:10.0.20348.2340"),
        (WINDOWS, "windows(10.0.20348)/amd64", "windows/amd64:10.0.20348.2340"),
        (WINDOWS, "windows/amd64:10.0.17763.6000", "windows/amd64:10.0.17763.6000"),
        (WINDOWS, "windows(10.0.17763.6000)/amd64", "windows/amd64:10.0.17763.6000"),
        (WINDOWS, "windows/amd64:10.0.17763.1", "windows/amd64:10.0.17763.5576"),
        (WINDOWS, "windows/amd64:10.0.14393", None),
        (WINDOWS, "linux/amd64", "linux/amd64"),
        # attestations only by name; entries without a platform last (containerd's
        # FilterPlatforms keeps them, LimitManifests sorts them after the rest; skopeo agrees)
        (DOCKER_HUB_POSTGRES, "unknown/unknown", "unknown/unknown"),
        (entries("-", "unknown/unknown"), "linux/amd64", "-"),
        (entries("-", "linux/arm/v6"), "linux/arm", "linux/arm/v6"),
        (entries("-", "unknown/unknown"), "unknown/unknown", "unknown/unknown"),
        (entries("-", "linux/amd64"), "linux/amd64", "linux/amd64"),
        (entries(), "linux/amd64", None),
    ],
)
def test_choose(index: list[Entry], wanted: str, chosen: str | None) -> None:
    found = choose(index, parse_platform(wanted))
    assert (found.name if found else None) == chosen


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux/amd64", Platform("linux", "amd64")),
        ("linux/arm/v7", Platform("linux", "arm", "v7")),
        (" Linux/ARM64/V8 ", Platform("linux", "arm64", "v8")),
        ("windows/amd64:10.0.17763.5576", Platform("windows", "amd64", None, "10.0.17763.5576")),
        ("windows(10.0.17763.5576)/amd64", Platform("windows", "amd64", None, "10.0.17763.5576")),
        ("windows/arm64/v8:10.0.22631", Platform("windows", "arm64", "v8", "10.0.22631")),
        ("unknown/unknown", Platform("unknown", "unknown")),
    ],
)
def test_parse(text: str, expected: Platform) -> None:
    assert parse_platform(text) == expected
    assert Platform.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "linux", "linux/", "/amd64", "a/b/c/d", "linux amd64", "windows(1)/amd64:2", "linux/*",
     "windows/amd64:", "linux/amd64:x y", "linux\x1b[31m/amd64"],
)  # fmt: skip
def test_parse_refuses_with_a_sentence(text: str) -> None:
    with pytest.raises(InvalidReference, match="is not a platform: use os/architecture"):
        parse_platform(text)


@pytest.mark.parametrize(
    ("platform", "normal"),
    [
        (Platform("linux", "x86_64"), ("linux", "amd64", "")),
        (Platform("linux", "amd64", "v1"), ("linux", "amd64", "")),
        (Platform("linux", "aarch64", "8"), ("linux", "arm64", "")),
        (Platform("linux", "arm64", "v9.0"), ("linux", "arm64", "v9")),
        (Platform("linux", "arm"), ("linux", "arm", "v7")),
        (Platform("linux", "arm", "6"), ("linux", "arm", "v6")),
        (Platform("linux", "armel"), ("linux", "arm", "v6")),
        (Platform("linux", "i386", "v9"), ("linux", "386", "")),
        (Platform("MacOS", "arm64"), ("darwin", "arm64", "")),
    ],
)
def test_normalize_like_containerd(platform: Platform, normal: tuple[str, str, str]) -> None:
    assert normalize(platform) == normal


def test_candidates_in_containerd_order() -> None:
    def names(text: str) -> list[str]:
        return ["/".join(p for p in c if p) for c in candidates(parse_platform(text))]

    assert names("linux/arm/v7") == ["linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]
    assert names("linux/amd64/v3") == [
        "linux/amd64/v3", "linux/amd64/v2", "linux/amd64", "linux/386",
    ]  # fmt: skip
    assert names("linux/arm64") == [
        "linux/arm64", "linux/arm/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5",
    ]  # fmt: skip


def test_rank_and_display() -> None:
    win = parse_platform("windows/amd64:10.0.17763.5576")
    assert win.display() == "windows/amd64 (10.0.17763.5576)"
    assert str(win) == "windows/amd64"
    assert rank(parse_platform("linux/arm/v6"), parse_platform("linux/arm")) == 1
    assert rank(parse_platform("linux/arm/v7"), parse_platform("linux/arm/v6")) is None
    assert parse_platform("linux/arm64/v8").matches(parse_platform("linux/aarch64"))
