"""Content of every kind seen in the wild, through the one inspect service against a real
Distribution registry (schema 1 enabled, `tests/rig/kinds.py`): platform choice like containerd,
attestation and builder entries, nested and artifact indexes, an empty index, and a partial
mirror (a missing child, a missing config) that still shows what was fetched and verified."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from acr_desktop import inspection
from acr_desktop.index_entries import count_entries, entry_labels, has_platforms
from acr_desktop.inspection import NoSuchEntry, NoSuchPlatform, PlatformNotApplicable
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import NotFound
from acr_desktop.registry.manifest import ImageIndex, ImageManifest, Platform
from acr_desktop.registry.reference import Reference, parse_reference
from acr_desktop.registry.transport import Transport
from acr_desktop.report import build_report
from tests.rig import Registry
from tests.rig.kinds import KINDS_REPOSITORY, SCHEMA1_ENABLED, push_kinds

pytestmark = pytest.mark.registry


class Schema1Registry(Registry):
    """The rig's registry with schema 1 pushes enabled (Distribution 2.8 refuses them by
    default: "manifest schema v1 unsupported")."""

    def _config(self) -> str:
        return super()._config() + SCHEMA1_ENABLED


@pytest.fixture(scope="session")
def kinds_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    registry = Schema1Registry(tmp_path_factory.mktemp("kinds-registry")).start()
    try:
        registry.content = push_kinds(registry.url)
        yield registry
    finally:
        registry.stop()


def ref(registry: Registry, tag: str) -> Reference:
    return parse_reference(f"{registry.host}/{KINDS_REPOSITORY}:{tag}")


def client() -> RegistryClient:
    return RegistryClient(Transport(timeout=(5.0, 10.0)))


def platform_of(registry: Registry, digest: str) -> str:
    child = registry.content.by_digest[digest]
    assert child.platform is not None
    return "/".join(
        child.platform[k] for k in ("os", "architecture", "variant") if k in child.platform
    )


@pytest.mark.parametrize(
    ("wanted", "chosen"),
    [
        ("linux/arm", "linux/arm/v7"),
        ("linux/arm/v6", "linux/arm/v5"),
        ("linux/arm64", "linux/arm64"),
        ("linux/arm64/v8", "linux/arm64/v8"),
        ("linux/aarch64", "linux/arm64"),
        ("linux/x86_64", "linux/amd64"),
        ("linux/amd64/v4", "linux/amd64/v3"),
        ("windows/amd64:10.0.20348", "windows/amd64"),
        ("unknown/unknown", "unknown/unknown"),
    ],
)
def test_platform_choice_through_the_registry(
    kinds_registry: Registry, wanted: str, chosen: str
) -> None:
    ins = inspection.inspect(
        client(), ref(kinds_registry, "arches"), Platform.parse(wanted), strict_platform=True
    )
    assert ins.platform_entry is not None and ins.image is not None
    assert ins.image.digest == ins.platform_entry.digest
    assert platform_of(kinds_registry, ins.image.digest) == chosen
    if wanted == "windows/amd64:10.0.20348":
        assert ins.platform_entry.platform
        assert ins.platform_entry.platform.os_version == "10.0.20348.2340"
    if wanted == "unknown/unknown":
        assert ins.platform_entry.is_attestation


def test_fallback_choice_is_noted(kinds_registry: Registry) -> None:
    ins = inspection.inspect(
        client(),
        ref(kinds_registry, "arches"),
        Platform.parse("linux/arm/v6"),
        strict_platform=True,
    )
    assert ins.notes == (
        "There is no linux/arm/v6 entry; linux/arm/v5 was chosen, which runs there too "
        "(containerd's rule).",
    )


def test_no_such_platform_lists_real_platforms(kinds_registry: Registry) -> None:
    with pytest.raises(NoSuchPlatform) as missing:
        inspection.inspect(
            client(), ref(kinds_registry, "arches"), Platform.parse("linux/riscv64"),
            strict_platform=True,
        )  # fmt: skip
    text = str(missing.value)
    assert "it has: linux/amd64, linux/amd64/v3, linux/arm/v5, linux/arm/v7, linux/arm64, " in text
    assert "windows/amd64 (10.0.17763.5576), windows/amd64 (10.0.20348.2340))" in text
    assert "None" not in text and "unknown" not in text
    # entries without a platform run anywhere, after those that say so (containerd, skopeo)
    ins = inspection.inspect(
        client(), ref(kinds_registry, "no-platforms"), Platform.parse("linux/amd64"),
        strict_platform=True,
    )  # fmt: skip
    assert ins.platform_entry is not None and ins.platform_entry.platform is None
    assert ins.platform_note is not None and "names no platform" in ins.platform_note


def test_attestations_and_builder_records_are_not_platforms(kinds_registry: Registry) -> None:
    ins = inspection.inspect(client(), ref(kinds_registry, "arches"), strict_platform=True)
    index = ins.index
    assert index is not None
    assert count_entries(index) == "9 platforms, 1 attestation, 2 builder records"
    assert len(index.platforms) == 9 and has_platforms(index)
    labels = entry_labels(index)
    assert labels[-3:] == [
        "attestation for linux/amd64",
        "builder record for linux/amd64",
        "builder record for linux/arm64",
    ]
    assert "windows/amd64 (10.0.20348.2340)" in labels


def test_any_entry_opens_by_digest(kinds_registry: Registry) -> None:
    top = kinds_registry.content[f"{KINDS_REPOSITORY}:arches"]
    builder = top.children[-1]
    ins = inspection.inspect_by_entry(client(), ref(kinds_registry, "arches"), builder.digest)
    assert ins.platform_entry is not None and ins.platform_entry.kind == "builder"
    assert ins.image is not None and ins.image.digest == builder.digest
    assert ins.image_manifest is not None and ins.config is not None  # its config, verified
    short = builder.digest.split(":")[1][:12]
    by_prefix = inspection.inspect_by_entry(client(), ref(kinds_registry, "arches"), short)
    assert by_prefix.platform_entry == ins.platform_entry
    with pytest.raises(NoSuchEntry, match=r"no entry sha256:0000 in .* 12 entries"):
        inspection.inspect_by_entry(client(), ref(kinds_registry, "arches"), "sha256:0000")
    with pytest.raises(PlatformNotApplicable, match="--entry does not apply"):
        inspection.inspect_by_entry(client(), ref(kinds_registry, "one-layer"), short)


def test_nested_index_is_an_index_and_drills_in(kinds_registry: Registry) -> None:
    c = client()
    ins = inspection.inspect(c, ref(kinds_registry, "nested"))  # what the window runs
    assert ins.index is not None and count_entries(ins.index) == "2 entries"
    assert not has_platforms(ins.index) and entry_labels(ins.index) == ["index", "index"]
    inner = ins.chosen_index
    assert inner is not None and ins.image is not None  # the inner index, not "No layers"
    assert count_entries(inner) == "9 platforms, 1 attestation, 2 builder records"
    assert ins.image_manifest is None and ins.config is None
    # drilling in: the inner index is the `top` of the next step
    arm = inner.find_platform(Platform.parse("linux/arm"))
    assert arm is not None
    deeper = inspection.inspect_entry(c, ins.reference, ins.image, arm)
    assert deeper.image_manifest is not None and len(deeper.image_manifest.layers) == 1
    assert deeper.config is not None and deeper.config.config.platform == "linux/arm/v7"


def test_artifact_index_fields_reach_the_report(kinds_registry: Registry) -> None:
    ins = inspection.inspect(client(), ref(kinds_registry, "artifact-index"), strict_platform=True)
    summary = build_report(ins)
    amd64 = kinds_registry.content[f"{KINDS_REPOSITORY}:one-layer"]
    assert summary["kind"] == "index"
    assert summary["artifact_type"] == "application/vnd.example.sbom.v1+json"
    assert summary["subject"]["digest"] == amd64.digest
    assert summary["annotations"] == {"org.example.kind": "artifact index"}
    assert summary["entries"][0]["kind"] == "artifact"
    assert summary["entry_counts"] == "1 entry"


def test_empty_index(kinds_registry: Registry) -> None:
    ins = inspection.inspect(client(), ref(kinds_registry, "empty-index"))
    assert ins.index is not None and ins.image is None and ins.platform_entry is None
    assert count_entries(ins.index) == "no entries"


def test_missing_child_keeps_the_verified_index(kinds_registry: Registry) -> None:
    top = kinds_registry.content[f"{KINDS_REPOSITORY}:missing-child"]
    lost = top.children[-1]
    ins = inspection.inspect(
        client(), ref(kinds_registry, "missing-child"), Platform.parse("linux/riscv64"),
        strict_platform=True,
    )  # fmt: skip
    assert ins.top.digest == top.digest and ins.top.verified
    assert ins.platform_entry is not None and ins.platform_entry.digest == lost.digest
    assert isinstance(ins.missing_child, NotFound) and ins.image is None
    assert ins.problems == (ins.missing_child,)
    missing = build_report(ins)["missing"]
    assert missing == [{"part": "entry", "digest": lost.digest, "error": missing[0]["error"]}]
    present = inspection.inspect(client(), ref(kinds_registry, "missing-child"))
    assert present.missing_child is None and present.image_manifest is not None


def test_missing_config_keeps_the_verified_manifest(kinds_registry: Registry) -> None:
    image = kinds_registry.content[f"{KINDS_REPOSITORY}:missing-config"]
    ins = inspection.inspect(client(), ref(kinds_registry, "missing-config"))
    assert ins.image_manifest is not None and ins.top.digest == image.digest
    assert ins.config is None and isinstance(ins.missing_config, NotFound)
    assert [m["part"] for m in build_report(ins)["missing"]] == ["config"]


def test_layers_of_every_kind_are_named_and_urls_kept(kinds_registry: Registry) -> None:
    ins = inspection.inspect(client(), ref(kinds_registry, "layer-kinds"), with_config=False)
    layers = build_report(ins)["layers"]
    assert [layer["media_type_name"] for layer in layers] == [
        "non-distributable layer (tar.zst)",
        "encrypted layer (tar.gz)",
        "layer (tar.zst)",
        "layer (tar)",
    ]
    assert layers[0]["urls"] == ["https://example.com/foreign.tar.zst"]
    assert isinstance(ins.top.manifest, ImageManifest)
    assert not isinstance(ins.top.manifest, ImageIndex)
