"""Comparing two references against the real registry (`layers_registry`, images from
tests/rig/compare_images.py): identical digests at once, platforms matched, layers shared /
recompressed / removed / added, config changes, history, files from listings, request counts
(each digest fetched at most once), cancel; and the pure pairing rules on hand-made data."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
import requests

from acr_desktop.compare import (
    MAX_FILE_CHANGES,
    Comparison,
    FieldChange,
    FileChange,
    NotComparable,
    compare,
    compare_files,
    config_changes,
    pair_layers,
)
from acr_desktop.inspection import NoSuchPlatform, inspect
from acr_desktop.registry import image_diff
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import Cancelled
from acr_desktop.registry.filesystem import MergedFs
from acr_desktop.registry.image_config import parse_config
from acr_desktop.registry.image_diff import ImageFs, file_changes
from acr_desktop.registry.layer_entries import EntryKind, TarEntry
from acr_desktop.registry.listing_cache import ListingCache
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.operation import operation
from acr_desktop.registry.platforms import Platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig import compare_images as rig
from tests.rig.compare_images import CompareImages

pytestmark = pytest.mark.registry


class Counted:
    """A client signed in as alice whose registry requests (not the token server's) are logged."""

    def __init__(self, registry: Registry) -> None:
        self.host = registry.host
        self.log: list[tuple[str, str]] = []
        session = requests.Session()
        session.hooks["response"].append(self._hook)
        self.client = RegistryClient(Transport(session=session, timeout=(5.0, 30.0)))
        self.client.transport.set_credentials(
            registry.host, Credentials(ALICE_USER, ALICE_PASSWORD)
        )

    def _hook(self, resp: requests.Response, *args: object, **kwargs: object) -> None:
        if resp.request.url and f"//{self.host}/" in resp.request.url and resp.status_code != 401:
            self.log.append((resp.request.method or "", resp.request.path_url))

    def count(self) -> int:
        return len(self.log)

    def compare(self, left: str, right: str, **options: object) -> Comparison:
        return compare(self.client, parse_reference(left), parse_reference(right), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def images(layers_registry: Registry) -> CompareImages:
    return rig.push_compare_images(layers_registry, many=True)


def test_the_same_digest_is_identical_at_once_with_two_requests(
    layers_registry: Registry, images: CompareImages
) -> None:
    counted = Counted(layers_registry)
    result = counted.compare(images.ref("v1"), images.ref("same"))
    assert result.identical
    assert result.platforms == ()
    assert result.left.digest == result.right.digest == images.manifest("v1").digest
    assert counted.count() == 2


def test_indexes_are_matched_by_platform_and_the_rest_listed_by_side(
    layers_registry: Registry, images: CompareImages
) -> None:
    result = Counted(layers_registry).compare(images.ref("v1"), images.ref("v2"))
    assert not result.identical
    assert [p.label for p in result.platforms] == ["linux/amd64", "linux/arm64"]
    assert result.only_left == ("linux/arm/v7",)
    assert result.only_right == ("linux/s390x",)
    assert any("attestations" in note for note in result.notes)
    for pc in result.platforms:
        assert pc.problems == ()
        assert not pc.identical
        assert pc.left is not None and pc.right is not None
        assert pc.left_config is not None and pc.left_config.platform == pc.label


def test_layers_are_shared_recompressed_removed_and_added_in_order(
    layers_registry: Registry, images: CompareImages
) -> None:
    result = Counted(layers_registry).compare(images.ref("v1"), images.ref("v2"))
    amd64 = result.platforms[0]
    left, right = images.manifest("v1").children[0], images.manifest("v2").children[0]
    rows = [(r.state, r.left_index, r.right_index) for r in amd64.layers]
    assert rows == [
        ("shared", 0, 0),
        ("recompressed", 1, 1),
        ("removed", 2, None),
        ("added", None, 2),
        ("added", None, 3),
    ]
    shared, recompressed = amd64.layers[0], amd64.layers[1]
    assert shared.left is not None and shared.left.digest == left.layers[0].digest
    assert recompressed.left is not None and recompressed.right is not None
    assert recompressed.left.digest != recompressed.right.digest  # another gzip level
    assert left.config is not None and right.config is not None
    left_ids = parse_config(left.config.data).diff_ids
    assert recompressed.diff_id == left_ids[1] == parse_config(right.config.data).diff_ids[1]
    assert amd64.size_delta == (
        right.config.size + sum(b.size for b in right.layers)
        - left.config.size - sum(b.size for b in left.layers)
    )  # fmt: skip


def test_config_changes_name_each_field_with_both_values(
    layers_registry: Registry, images: CompareImages
) -> None:
    result = Counted(layers_registry).compare(images.ref("v1"), images.ref("v2"))
    changes = set(result.platforms[0].config_changes)
    expected = {
        FieldChange("created", None, rig.CREATED_V1, rig.CREATED_V2),
        FieldChange("user", None, "app", "root"),
        FieldChange("cmd", None, '["serve"]', '["serve", "--fast"]'),
        FieldChange("env", "APP_VERSION", "1.0", "2.0"),
        FieldChange("env", "DEBUG", "0", None),
        FieldChange("env", "NEW_FLAG", None, "1"),
        FieldChange("label", "org.opencontainers.image.version", "1.0", "2.0"),
        FieldChange("label", "org.example.new", None, "yes"),
        FieldChange("port", "9090/tcp", None, "9090/tcp"),
        FieldChange("volume", "/cache", None, "/cache"),
        FieldChange("base digest", None, rig.BASE_V1, rig.BASE_V2),
    }
    assert changes == expected  # entrypoint, workdir, PATH, maintainer, base name unchanged


def test_history_is_kept_for_both_sides(layers_registry: Registry, images: CompareImages) -> None:
    amd64 = Counted(layers_registry).compare(images.ref("v1"), images.ref("v2")).platforms[0]
    assert [s.created_by for s in amd64.left_history][2] == 'ENV APP_VERSION="1.0"'
    assert [s.created_by for s in amd64.right_history][2] == 'ENV APP_VERSION="2.0"'
    assert len(amd64.left_history) == 4
    assert len(amd64.right_history) == 5


def test_an_image_is_compared_with_the_matching_platform_of_an_index(
    layers_registry: Registry, images: CompareImages
) -> None:
    result = Counted(layers_registry).compare(images.ref("v1-amd64"), images.ref("v2"))
    [pc] = result.platforms
    assert pc.label == "linux/amd64"
    assert pc.right is not None and pc.right.digest == images.manifest("v2-amd64").digest
    assert any("single image (linux/amd64)" in note for note in result.notes)
    assert [r.state for r in pc.layers][:2] == ["shared", "recompressed"]
    flipped = Counted(layers_registry).compare(images.ref("v2"), images.ref("v1-amd64"))
    assert flipped.platforms[0].left is not None
    assert flipped.platforms[0].left.digest == images.manifest("v2-amd64").digest


def test_two_plain_images_are_one_comparison_named_image(
    layers_registry: Registry, images: CompareImages
) -> None:
    result = Counted(layers_registry).compare(images.ref("v1-amd64"), images.ref("v2-amd64"))
    [pc] = result.platforms
    assert pc.label == "image"
    assert len(pc.layers) == 5


def test_a_platform_asked_for_limits_the_compare_to_it(
    layers_registry: Registry, images: CompareImages
) -> None:
    counted = Counted(layers_registry)
    result = counted.compare(
        images.ref("v1"), images.ref("v2"), platform=Platform.parse("linux/arm64")
    )
    assert [p.label for p in result.platforms] == ["linux/arm64"]
    assert counted.count() == 2 + 2 + 2  # the tops, the two arm64 images, their configs
    with pytest.raises(NoSuchPlatform) as caught:
        counted.compare(images.ref("v1"), images.ref("v2"), platform=Platform.parse("linux/s390x"))
    assert "linux/s390x" in caught.value.sentence


def test_each_digest_is_fetched_once_and_a_warm_compare_costs_only_the_tops(
    layers_registry: Registry, images: CompareImages
) -> None:
    counted = Counted(layers_registry)
    many_v1, many_v2 = images.ref("v1", rig.MANY_REPO), images.ref("v2", rig.MANY_REPO)
    result = counted.compare(many_v1, many_v2)
    assert len(result.platforms) == 16
    assert all(len(p.layers) == 22 for p in result.platforms)  # 18 shared, 2 removed, 2 added
    assert counted.count() == 2 + 16 * 2 + 16 * 2  # tops, children, configs
    assert max(Counter(counted.log).values()) == 1  # no digest asked twice
    before = counted.count()
    again = counted.compare(many_v1, many_v2)
    assert counted.count() - before == 2  # the tags may have moved: only the tops again

    def parts(c: Comparison) -> list[object]:
        return [(p.label, p.layers, p.config_changes, p.left_config) for p in c.platforms]

    assert parts(again) == parts(result)


def test_after_an_inspect_of_both_no_digest_already_fetched_is_asked_again(
    layers_registry: Registry, images: CompareImages
) -> None:
    counted = Counted(layers_registry)
    for tag in ("v1", "v2"):
        inspect(counted.client, parse_reference(images.ref(tag)), Platform.parse("linux/amd64"))
    seen = {path for _method, path in counted.log if "sha256:" in path}
    counted.log.clear()
    counted.compare(images.ref("v1"), images.ref("v2"))
    asked = [path for _method, path in counted.log if "sha256:" in path]
    assert asked  # arm64's image and config were not fetched by the inspects
    assert not seen & set(asked)
    assert max(Counter(asked).values()) == 1


def test_files_are_compared_once_listed_then_from_the_cache(
    layers_registry: Registry, images: CompareImages, tmp_path: Path
) -> None:
    counted = Counted(layers_registry)
    unlisted = counted.compare(
        images.ref("v1-amd64"), images.ref("v2-amd64"), platform=None, files=False
    )
    assert unlisted.platforms[0].files is None  # nothing listed yet
    listed = counted.compare(images.ref("v1-amd64"), images.ref("v2-amd64"), files=True)
    files = listed.platforms[0].files
    assert files is not None
    by_path = {f.path: f for f in files}
    assert set(by_path) == {"app/app.py", "app/new.txt", "app/old.txt", "etc/app.conf"}
    assert by_path["app/app.py"] == FileChange("app/app.py", "changed", 12, 19)
    assert by_path["app/new.txt"].state == "added"
    assert by_path["app/old.txt"] == FileChange("app/old.txt", "removed", 4, None)
    assert [f.path for f in files] == sorted(by_path)
    fresh = Counted(layers_registry)
    cached = fresh.compare(images.ref("v1-amd64"), images.ref("v2-amd64"))
    assert cached.platforms[0].files == files
    assert not [p for _m, p in fresh.log if "/blobs/" in p and "layer" in p]
    blob_gets = [p for _m, p in fresh.log if "/blobs/" in p]
    assert len(blob_gets) == 2  # the two configs; every layer's listing came from the cache
    other_cache = ListingCache(tmp_path / "empty")
    assert compare_files(fresh.client, cached.platforms[0], cache=other_cache) is None


def test_cancel_stops_the_compare_promptly(
    layers_registry: Registry, images: CompareImages
) -> None:
    counted = Counted(layers_registry)
    cancel = threading.Event()
    heard: list[str] = []

    def report(text: str) -> None:
        heard.append(text)
        if text.startswith("Comparing"):
            cancel.set()

    many_v1, many_v2 = images.ref("v1", rig.MANY_REPO), images.ref("v2", rig.MANY_REPO)
    with pytest.raises(Cancelled), operation(cancel):
        counted.compare(many_v1, many_v2, report=report)
    assert counted.count() < 2 + 16 * 4  # stopped well before the end


def test_something_that_is_no_image_nor_index_is_not_compared(
    layers_registry: Registry, images: CompareImages
) -> None:
    from acr_desktop import compare as module
    from acr_desktop.registry.manifest import UnknownManifest

    counted = Counted(layers_registry)
    top = counted.client.get_manifest(parse_reference(images.ref("v1")))
    odd = type(top)(top.reference, top.raw, "sha256:" + "0" * 64, "x/y", UnknownManifest("x/y", {}),
                    None, "")  # fmt: skip
    with pytest.raises(NotComparable) as caught:
        module._pairs(counted.client, top, odd, None, [])
    assert "only images and indexes" in caught.value.sentence


# -- the rules on hand-made data ---------------------------------------------------------------


def _layer(n: int) -> Descriptor:
    return Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", f"sha256:{n:064x}", n)


def test_a_digest_match_wins_over_a_diff_id_match_and_duplicates_pair_in_order() -> None:
    a, b, c = _layer(1), _layer(2), _layer(3)
    # left 0 has the diff_id of right 1, but right 1 is left 2's very digest
    rows = pair_layers((a, c, b, c), (c, b, c), ("d-a", "d-c", "d-b", "d-c"), ("d-c", "d-a", "d-c"))
    assert [(r.state, r.left_index, r.right_index) for r in rows] == [
        ("removed", 0, None),
        ("shared", 1, 0),
        ("shared", 2, 1),
        ("shared", 3, 2),
    ]


def test_layers_without_diff_ids_are_matched_by_digest_only() -> None:
    rows = pair_layers((_layer(1), _layer(2)), (_layer(3), _layer(1)))
    assert [(r.state, r.left_index, r.right_index, r.diff_id) for r in rows] == [
        ("shared", 0, 1, None),
        ("removed", 1, None, None),
        ("added", None, 0, None),
    ]


def test_pairing_many_layers_stays_linear() -> None:
    n = 50_000
    left = tuple(_layer(i) for i in range(n))
    right = tuple(_layer(i + n // 2) for i in range(n))  # half shared, in another place
    ids = tuple(f"d{i}" for i in range(n))
    rows = pair_layers(left, right, ids, ids)  # quadratic would take minutes
    states = Counter(r.state for r in rows)
    assert states["shared"] == n // 2
    # the other half's diff_ids point at right layers already shared: removed and added
    assert states["removed"] == states["added"] == n // 2
    assert states["recompressed"] == 0


def _config(**run: object) -> bytes:
    import json

    return json.dumps({"os": "linux", "architecture": "amd64", "config": run}).encode()


def test_config_changes_read_env_by_name_and_base_labels_when_no_annotation() -> None:
    left = parse_config(_config(Env=["A=1", "A=2", "B", "C=x=y"], Labels={"k": "v"}))
    right = parse_config(
        _config(
            Env=["C=x=y", "A=2", "B=", "D=4"],
            Labels={"k": "v", rig.BASE_NAME: "debian:13"},
            Volumes={"/v": {}},
            Entrypoint="/bin/run",
        )
    )
    changes = config_changes(left, right, {rig.BASE_NAME: "debian:12"}, None)
    assert changes == (
        FieldChange("entrypoint", None, None, '["/bin/run"]'),
        FieldChange("env", "D", None, "4"),  # A (last wins), B (empty), C (x=y) unchanged
        FieldChange("label", rig.BASE_NAME, None, "debian:13"),
        FieldChange("volume", "/v", None, "/v"),
        FieldChange("base name", None, "debian:12", "debian:13"),
    )


def _fs(paths: list[str], size: int = 1) -> ImageFs:
    fs = MergedFs()
    fs.apply(0, [TarEntry(p, EntryKind.FILE, size, 0o644, 0, 0, "", "", 0.0) for p in paths])
    return ImageFs(fs, ("sha256:layer",))


def test_file_changes_are_bounded_and_a_folder_on_one_side_is_one_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    left = _fs([f"same/{n}" for n in range(50)] + ["gone/a", "gone/b", "size"])
    right = _fs([f"same/{n}" for n in range(50)] + ["new/a"] + [f"x{n}" for n in range(30)])
    found = file_changes(left, right)
    assert FileChange("gone", "removed", 2, None) in found  # the folder, with its files' size
    assert FileChange("new", "added", None, 1) in found
    assert not [f for f in found if f.path.startswith("same")]
    assert len(found) == 2 + 1 + 30  # gone, new, size (removed), x0…x29
    monkeypatch.setattr(image_diff, "MAX_FILE_CHANGES", 5)
    assert len(file_changes(left, right)) == 5
    assert MAX_FILE_CHANGES == 10_000


def _entry(n: int, os: str, arch: str, variant: str | None = None, version: str | None = None):  # type: ignore[no-untyped-def]
    platform = Platform(os, arch, variant, version)
    return Descriptor("application/vnd.oci.image.manifest.v1+json", f"sha256:{n:064x}", 500,
                      platform=platform)  # fmt: skip


def test_platforms_pair_by_normalised_name_preferring_the_same_os_version() -> None:
    from acr_desktop import compare as module
    from acr_desktop.registry.manifest import ImageIndex

    left = ImageIndex("application/vnd.oci.image.index.v1+json", (
        _entry(1, "linux", "x86_64"), _entry(2, "linux", "arm", "v7"), _entry(3, "linux", "amd64"),
        _entry(4, "windows", "amd64", None, "10.0.17763.1"),
        _entry(5, "windows", "amd64", None, "10.0.20348.2"),
    ))  # fmt: skip
    right = ImageIndex("application/vnd.oci.image.index.v1+json", (
        _entry(11, "windows", "amd64", None, "10.0.20348.2"), _entry(12, "linux", "arm"),
        _entry(13, "linux", "amd64"), _entry(14, "windows", "amd64", None, "10.0.17763.9"),
        _entry(15, "linux", "riscv64"),
    ))  # fmt: skip
    notes: list[str] = []
    pairs, only_left, only_right = module._match(None, left, None, right, notes)  # type: ignore[arg-type]
    got = [(p.label, p.left_entry.digest[-2:], p.right_entry.digest[-2:]) for p in pairs]  # type: ignore[union-attr]
    assert got == [
        ("linux/x86_64", "01", "0d"),  # x86_64 is amd64
        ("linux/arm/v7", "02", "0c"),  # arm without a variant is v7
        ("windows/amd64 (10.0.17763.1)", "04", "0e"),  # the one left over of its name
        ("windows/amd64 (10.0.20348.2)", "05", "0b"),  # the same os.version first
    ]
    assert only_left == ("linux/amd64",)  # a second linux/amd64: none left to pair with
    assert only_right == ("linux/riscv64",)
    assert notes == []


def test_many_entries_of_one_platform_pair_in_linear_time_with_unique_labels() -> None:
    from acr_desktop import compare as module
    from acr_desktop.registry.manifest import ImageIndex

    n = 20_000
    entries = tuple(_entry(i, "linux", "amd64") for i in range(n))
    index = ImageIndex("application/vnd.oci.image.index.v1+json", entries)
    pairs, only_left, only_right = module._match(None, index, None, index, [])  # type: ignore[arg-type]
    assert len(pairs) == n and only_left == only_right == ()
    assert [p.label for p in pairs[:3]] == ["linux/amd64", "linux/amd64 #2", "linux/amd64 #3"]
    assert len({p.label for p in pairs}) == n


def test_a_missing_platform_image_is_a_problem_of_that_platform_only(
    layers_registry: Registry, images: CompareImages
) -> None:
    result = Counted(layers_registry).compare(images.ref("v2"), images.ref("partial"))
    amd64, arm64 = result.platforms
    assert amd64.right is None and amd64.right_config is None
    assert amd64.layers == () and amd64.config_changes == ()
    [problem] = amd64.problems
    assert problem.startswith("The right side: ")
    assert "not found" in problem.lower() or "unknown" in problem.lower()
    assert arm64.identical and arm64.problems == ()
