"""Platforms and entries against hostile input: what a person types for `--platform` and
`--entry` (garbage, huge, unicode, not hex, ambiguous), what an index holds (missing and
wrongly typed fields, 20,000 entries), and containerd's Windows rules (platform_windows_compat.go:
from Windows Server 2022 on, a host runs the previous LTSC release's containers; an entry without
`os.version` matches)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from acr_desktop import inspection
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import InvalidReference
from acr_desktop.registry.manifest import Descriptor, ImageIndex, parse_manifest
from acr_desktop.registry.platforms import choose, parse_platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import FakeServer


def _digest(n: int) -> str:
    return "sha256:" + hashlib.sha256(str(n).encode()).hexdigest()


def _entry(n: int, platform: str | None) -> Descriptor:
    p = parse_platform(platform) if platform else None
    return Descriptor(mt.OCI_MANIFEST, _digest(n), 100, platform=p)


WINDOWS = (
    _entry(1, "windows/amd64:10.0.17763.5576"),
    _entry(2, "windows/amd64:10.0.20348.2340"),
    _entry(3, "windows/amd64:10.0.26100.1000"),
)


@pytest.mark.parametrize(
    ("wanted", "chosen"),
    [
        ("windows/amd64:10.0.17763", 1),  # before 2022: the same build only
        ("windows/amd64:10.0.20348", 2),
        ("windows/amd64:10.0.26100", 3),  # exact first …
        ("windows/amd64:10.0.26200", 3),  # … a later host runs 2025 …
        ("windows/amd64:10.0.22631", 2),  # … and Windows 11 runs Server 2022's
        ("windows/amd64:10.0.14393", None),
        ("windows/amd64:6.3.9600", None),
    ],
)
def test_windows_hosts_run_the_previous_ltsc_as_containerd_says(
    wanted: str, chosen: int | None
) -> None:
    pool = WINDOWS if wanted != "windows/amd64:10.0.22631" else WINDOWS[:2]
    found = choose(pool, parse_platform(wanted))
    assert (found.digest if found else None) == (_digest(chosen) if chosen else None)


def test_a_windows_entry_without_os_version_runs_on_any_version() -> None:
    plain = _entry(9, "windows/amd64")
    assert choose((plain,), parse_platform("windows/amd64:10.0.17763")) is plain
    exact = _entry(1, "windows/amd64:10.0.17763.1")
    assert choose((plain, exact), parse_platform("windows/amd64:10.0.17763.1")) is exact


@pytest.mark.parametrize(
    "typed",
    ["linux/amd64:" + "1" * 100_000, "l" * 100_000 + "/amd64", "línux/amd64", "linux/ämd64",
     "linux/amd64/v8/x", "linux/\u202eamd64", "linux(1)/amd64:2", "\x00/\x00", "/" * 5000],
)  # fmt: skip
def test_hostile_platform_text_is_refused_with_a_short_sentence(typed: str) -> None:
    with pytest.raises(InvalidReference) as caught:
        parse_platform(typed)
    assert len(str(caught.value)) < 300  # a 100,000-character platform is not echoed whole


def test_a_huge_os_version_that_parses_still_matches_sensibly() -> None:
    wanted = parse_platform("windows/amd64:10.0." + "9" * 150)  # not a Windows build
    assert choose(WINDOWS, wanted) is WINDOWS[0]  # unreadable: any version, as containerd


def test_entries_with_wrong_types_and_twenty_thousand_of_them() -> None:
    shapes: list[Any] = [
        {"os": "linux", "architecture": "arm", "variant": "v7"},
        {"os": 5, "architecture": ["arm"], "variant": {}},
        {"architecture": "amd64"},
        {"os": "linux", "architecture": None, "os.features": [1, {"a": 2}], "os.version": 10},
        {},
    ]
    manifests = [
        {"mediaType": mt.OCI_MANIFEST, "digest": _digest(i), "size": 1, "platform": shapes[i % 5]}
        for i in range(20_000)
    ]
    raw = json.dumps({"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": manifests})
    index, _ = parse_manifest(raw.encode(), mt.OCI_INDEX)
    assert isinstance(index, ImageIndex) and len(index.manifests) == 20_000
    chosen = index.find_platform(parse_platform("linux/arm/v6"))
    assert chosen is None  # v7 does not run on v6
    chosen = index.find_platform(parse_platform("linux/arm"))
    assert chosen is not None and chosen.digest == _digest(0)
    assert len(index.real_platforms) == 4000  # only the entries with a real os/architecture
    assert index.find_platform(parse_platform("linux/amd64")) is None  # no os: not linux


TWINS = ImageIndex(
    mt.OCI_INDEX,
    (
        Descriptor(mt.OCI_MANIFEST, "sha256:abcdef01" + "0" * 56, 1),
        Descriptor(mt.OCI_MANIFEST, "sha256:abcdef02" + "0" * 56, 1),
    ),
)
ONE = ImageIndex(mt.OCI_INDEX, (Descriptor(mt.OCI_MANIFEST, "sha256:" + "c" * 64, 1),))


@pytest.mark.parametrize("typed", ["sha256", "sha256:", "SHA256", "sha25", "cccccz", "ccccc"])
def test_an_entry_prefix_that_is_not_hex_or_too_short_opens_nothing(typed: str) -> None:
    assert ONE.entries_starting(typed) == ()  # "sha256" matched every entry
    assert ONE.find_entry(typed) is None


def test_an_ambiguous_entry_prefix_says_so() -> None:
    assert len(TWINS.entries_starting("abcdef0")) == 2
    assert TWINS.find_entry("abcdef01") is TWINS.manifests[0]
    assert TWINS.find_entry("sha256:ABCDEF02") is TWINS.manifests[1]


def test_the_cli_message_for_an_ambiguous_or_missing_entry(fake_server: FakeServer) -> None:
    api = {"Docker-Distribution-API-Version": "registry/2.0", "Content-Type": mt.OCI_INDEX}
    body = json.dumps(
        {"schemaVersion": 2, "mediaType": mt.OCI_INDEX,
         "manifests": [{"mediaType": d.media_type, "digest": d.digest, "size": 1}
                       for d in TWINS.manifests]}
    ).encode()  # fmt: skip
    fake_server.reply("GET", r"/v2/r/manifests/v1", 200, api, body)
    client = RegistryClient(Transport(timeout=(5.0, 10.0)))
    ref = parse_reference(f"{fake_server.host}/r:v1")
    with pytest.raises(inspection.NoSuchEntry, match="start of 2 entries' digests") as caught:
        inspection.inspect_by_entry(client, ref, "abcdef0")
    assert caught.value.matches == 2
    with pytest.raises(inspection.NoSuchEntry, match="at least 6 hex digits") as caught:
        inspection.inspect_by_entry(client, ref, "sha256" + "x" * 10_000)
    assert len(str(caught.value)) < 400


def test_entries_without_a_platform_serve_any_platform_last() -> None:
    """containers/image's oci1.index.zstd-selection2: `linux/arm` picks the first entry that
    names no platform, as skopeo and containerd do (before: no such platform)."""
    index = (_entry(1, "linux/amd64"), _entry(2, "linux/arm64"), _entry(3, None), _entry(4, None))
    assert choose(index, parse_platform("linux/arm")) is index[2]
    assert choose(index, parse_platform("linux/arm64")) is index[1]  # a named match first
    assert choose(index, parse_platform("unknown/unknown")) is None  # attestations by name only
