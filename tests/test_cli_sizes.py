"""`acr-desktop inspect --sizes`: each platform's download size in the report of an index, as
users run it (a process against a real token registry)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.registry.test_sizes import BASE, expected_download, sixteen
from tests.rig import Registry
from tests.rig.content import _push_manifest
from tests.test_cli import alice


@pytest.fixture(scope="module")
def pushed(layers_registry: Registry) -> tuple[str, Any]:
    repo = "sizes/cli"
    top, images = sixteen(repo)
    with requests.Session() as session:
        session.headers.update(layers_registry.push_headers((repo,)))
        _push_manifest(session, layers_registry.url, top, "v1", set())
    return f"{repo}:v1", images


def test_json_gives_each_platform_its_download_size(
    layers_registry: Registry, pushed: tuple[str, Any]
) -> None:
    ref, images = pushed
    result = alice(layers_registry, ref, "--sizes", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    by_digest = {e["digest"]: e for e in summary["entries"]}
    for image in images:
        assert by_digest[image.digest]["download_size"] == expected_download(image)
        assert by_digest[image.digest]["layer_count"] == 3
    sizes = summary["download_sizes"]
    assert sizes["measured"] == 16 and set(sizes["shared_layers"]) == {b.digest for b in BASE}
    assert sizes["summary"].startswith("16 platforms: ")


def test_text_shows_the_sizes_and_without_the_flag_nothing_changes(
    layers_registry: Registry, pushed: tuple[str, Any]
) -> None:
    ref, images = pushed
    text = alice(layers_registry, ref, "--sizes").stdout.decode()
    assert "Download:   16 platforms: " in text and "shared by all" in text
    line = next(x for x in text.splitlines() if images[0].digest in x)
    assert f"{expected_download(images[0]) / 1000:.1f} kB, 3 layers" in line
    plain = alice(layers_registry, ref, "--json")
    assert "download_size" not in plain.stdout.decode()


def test_sizes_of_a_single_image_is_its_total(
    layers_registry: Registry, pushed: tuple[str, Any]
) -> None:
    ref, images = pushed
    single = f"{ref.split(':')[0]}@{images[0].digest}"
    result = alice(layers_registry, single, "--sizes", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["total_size"] == expected_download(images[0]) and "download_sizes" not in summary
