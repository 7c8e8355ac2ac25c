"""`acr-desktop inspect` on content of every kind (issue 12), against a real Distribution registry
with schema 1 enabled (tests/rig/kinds.py): platform choice like containerd, `--entry`,
attestation and builder entries, nested and empty indexes, partial content, `--raw`, `--json`
with the same fields for every kind, and media types in words."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from acr_desktop.cli import EXIT_NOT_FOUND, EXIT_OK, inspect_main
from tests.registry.test_kinds import kinds_registry  # noqa: F401 (a fixture)
from tests.rig import FakeServer, Registry
from tests.rig.kinds import KINDS_REPOSITORY

pytestmark = pytest.mark.registry
COMMON = {"kind", "media_type", "media_type_name", "artifact_type", "subject", "annotations"}


def run(registry: Registry | FakeServer, ref: str, *args: str) -> tuple[int, bytes]:
    """In process, as `acr-desktop inspect HOST/REF ARGS…`; stdout as bytes (for `--raw`)."""
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8", write_through=True)
    code = inspect_main([f"{registry.host}/{ref}", *args], out=out)
    out.flush()
    return code, buffer.getvalue()


def kinds(registry: Registry, tag: str, *args: str) -> tuple[int, str]:
    code, out = run(registry, f"{KINDS_REPOSITORY}:{tag}", *args)
    return code, out.decode()


def as_json(registry: Registry, tag: str, *args: str) -> dict[str, Any]:
    code, out = kinds(registry, tag, "--json", *args)
    assert code == EXIT_OK
    summary: dict[str, Any] = json.loads(out)
    return summary


def child(registry: Registry, tag: str, n: int) -> str:
    return registry.content[f"{KINDS_REPOSITORY}:{tag}"].children[n].digest


@pytest.mark.parametrize(
    ("wanted", "n"),
    [("linux/arm", 3), ("linux/arm64/v8", 5), ("linux/arm64", 4), ("linux/aarch64", 4),
     ("linux/amd64", 0), ("windows(10.0.20348)/amd64", 8), ("unknown/unknown", 9)],
)  # fmt: skip
def test_platform_choice(kinds_registry: Registry, wanted: str, n: int) -> None:  # noqa: F811
    summary = as_json(kinds_registry, "arches", "--platform", wanted)
    assert summary["selected"]["digest"] == child(kinds_registry, "arches", n)


def test_no_such_platform_names_real_platforms(
    kinds_registry: Registry,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = kinds(kinds_registry, "arches", "--platform", "linux/riscv64")
    err = capsys.readouterr().err
    assert code == EXIT_NOT_FOUND and out == ""
    assert "(it has: linux/amd64, linux/amd64/v3, linux/arm/v5, " in err
    assert "windows/amd64 (10.0.17763.5576)" in err and "None" not in err


def test_entry_opens_a_builder_record(kinds_registry: Registry) -> None:  # noqa: F811
    digest = child(kinds_registry, "arches", 10)
    summary = as_json(kinds_registry, "arches", "--entry", digest)
    assert summary["selected_entry"]["kind"] == "builder"
    assert summary["selected_entry"]["label"] == "builder record for linux/amd64"
    assert summary["selected"]["digest"] == digest
    code, text = kinds(kinds_registry, "arches", "--entry", digest[7:19])
    assert code == EXIT_OK and "Selected entry: builder record for linux/amd64" in text
    with pytest.raises(SystemExit):  # one or the other
        kinds(kinds_registry, "arches", "--entry", digest, "--platform", "linux/amd64")


def test_index_text_counts_platforms_and_labels_entries(kinds_registry: Registry) -> None:  # noqa: F811
    code, text = kinds(kinds_registry, "arches")
    assert code == EXIT_OK
    assert "Platforms:  9 platforms, 1 attestation, 2 builder records" in text
    assert "windows/amd64 (10.0.20348.2340)" in text
    assert "builder record for linux/arm64" in text
    assert "OCI image manifest" in text and "?" not in text and "None" not in text


def test_nested_index_entry_prints_its_entries(kinds_registry: Registry) -> None:  # noqa: F811
    code, text = kinds(kinds_registry, "nested")
    assert code == EXIT_OK and "Entries:    2 entries" in text and "Platforms:" not in text
    inner = child(kinds_registry, "nested", 0)
    code, text = kinds(kinds_registry, "nested", "--entry", inner)
    assert code == EXIT_OK
    assert "Selected entry: index" in text
    assert "  Platforms:  9 platforms, 1 attestation, 2 builder records" in text
    assert "Layers" not in text


def test_empty_index_has_no_platforms_heading(kinds_registry: Registry) -> None:  # noqa: F811
    code, text = kinds(kinds_registry, "empty-index")
    assert code == EXIT_OK and "Entries:    no entries" in text and "Platforms" not in text


def test_one_layer_and_layer_kinds_in_words(kinds_registry: Registry) -> None:  # noqa: F811
    _, text = kinds(kinds_registry, "one-layer")
    assert "Layers:     1 layer\n" in text and "Total:      1 layer, " in text
    _, text = kinds(kinds_registry, "layer-kinds")
    for words in ("non-distributable layer (tar.zst)", "encrypted layer (tar.gz)", "layer (tar)"):
        assert words in text
    assert "from https://example.com/foreign.tar.zst" in text


@pytest.mark.parametrize(
    "tag", ["arches", "nested", "artifact-index", "empty-index", "one-layer", "layer-kinds"]
)
def test_json_has_the_same_fields_for_every_kind(kinds_registry: Registry, tag: str) -> None:  # noqa: F811
    summary = as_json(kinds_registry, tag)
    assert set(summary) >= COMMON | {"notes", "missing", "warnings"}
    for layer in summary.get("layers", []):
        assert {"urls", "annotations", "media_type_name"} <= set(layer)


def test_missing_child_prints_the_index_and_flags_the_part(
    kinds_registry: Registry,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    lost = child(kinds_registry, "missing-child", 1)
    code, text = kinds(kinds_registry, "missing-child", "--platform", "linux/riscv64")
    assert code == EXIT_NOT_FOUND
    assert "Platforms:  2 platforms" in text
    assert f"Digest:     {lost}  MISSING: " in text
    assert "part is missing" in capsys.readouterr().err
    code, raw = run(kinds_registry, f"{KINDS_REPOSITORY}:missing-child", "--raw",
                    "--platform", "linux/riscv64")  # fmt: skip
    assert code == EXIT_NOT_FOUND and raw == b""  # nothing printed for what is not there


def test_raw_prints_exact_bytes(kinds_registry: Registry) -> None:  # noqa: F811
    code, raw = run(kinds_registry, f"{KINDS_REPOSITORY}:arches", "--raw")
    assert code == EXIT_OK
    assert raw == kinds_registry.content[f"{KINDS_REPOSITORY}:arches"].data


def test_raw_prints_bytes_it_cannot_parse(
    fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A config digest of "" (containers/image's test data has one): no registry stores it."""
    body = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",' \
        b'"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"",' \
        b'"size":2},"layers":[]}'  # fmt: skip
    headers = {"Content-Type": "application/vnd.oci.image.manifest.v1+json",
               "Docker-Distribution-API-Version": "registry/2.0"}  # fmt: skip
    fake_server.reply("GET", r"/v2/odd/app/manifests/v1", 200, headers, body)
    code, raw = run(fake_server, "odd/app:v1", "--raw")
    assert code == EXIT_OK and raw == body
    assert "warning: The manifest's config has a bad digest" in capsys.readouterr().err
    code, _ = run(fake_server, "odd/app:v1")
    assert code != EXIT_OK
