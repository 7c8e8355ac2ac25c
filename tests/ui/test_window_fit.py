"""The whole window on small screens and at 150 % scaling, in a process of its own each (the
screen and the scale factor are fixed when Qt starts): a long reference and a nine-platform
index, and every part of the window on the screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.rig import Registry
from tests.rig.content import _push_manifest, image, index

CHILD = Path(__file__).with_name("_fit_child.py")
ROOT = Path(__file__).resolve().parents[2]
DEEP_REPO = "fit/" + "/".join(f"a-rather-long-path-component-{n}" for n in range(5)) + "/app"
NINE = (
    ("amd64", None), ("arm64", "v8"), ("arm", "v7"), ("arm", "v6"), ("386", None),
    ("ppc64le", None), ("s390x", None), ("riscv64", None), ("mips64le", None),
)  # fmt: skip


@pytest.fixture(scope="module")
def nine_platforms(anon_registry: Registry) -> str:
    """A nine-platform index at a deep repository path; its reference with tag and digest."""
    children = [image(DEEP_REPO, f"fit-{a}{v or ''}", a, v, docker=False) for a, v in NINE]
    idx = index(DEEP_REPO, children, docker=False)
    with requests.Session() as session:
        _push_manifest(session, anon_registry.url, idx, "release-2024.11.29-build.12345", set())
    return f"{anon_registry.host}/{DEEP_REPO}:release-2024.11.29-build.12345@{idx.digest}"


def run_window(  # noqa: PLR0913
    tmp_path: Path,
    reference: str,
    width: int,
    height: int,
    scale: float,
    settings: str = "",
    size: str = "",
) -> dict[str, Any]:
    config = tmp_path / f"screen-{width}x{height}.json"
    config.write_text(json.dumps({"screens": [
        {"name": "S", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96}
    ]}))  # fmt: skip
    settings_path = settings or str(tmp_path / "settings.ini")
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               QT_SCALE_FACTOR=str(scale), HOME=str(tmp_path))  # fmt: skip
    done = subprocess.run(
        [sys.executable, str(CHILD), reference, settings_path, *([size] if size else [])],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["inspected"], report
    return report


def inside(outer: list[int], inner: list[int]) -> bool:
    x, y, w, h = outer
    a, b, c, d = inner
    return x <= a and y <= b and a + c <= x + w and b + d <= y + h


def assert_fits(report: dict[str, Any]) -> None:
    screen = report["screen"]
    assert inside(screen, report["frame"]), report
    for name, where in report["widgets"].items():
        assert where[2] > 0 and where[3] > 0, (name, where)
        assert inside(screen, where), (name, where, screen)


@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [(800, 600, 1.0), (1400, 900, 1.5), (1280, 800, 1.0)],
    ids=["800x600", "1400x900-at-150%", "1280x800"],
)
def test_every_part_of_the_window_is_on_a_small_screen(
    tmp_path: Path, nine_platforms: str, width: int, height: int, scale: float
) -> None:
    report = run_window(tmp_path, nine_platforms, width, height, scale)
    assert_fits(report)
    assert report["minimum"][0] <= 800 and report["minimum"][1] <= 600, report["minimum"]


def test_nine_platforms_show_six_rows_and_every_column_at_1280(
    tmp_path: Path, nine_platforms: str
) -> None:
    report = run_window(tmp_path, nine_platforms, 1400, 900, 1.0, size="1280x800")
    assert report["width"] == 1280
    assert report["platform_rows"] == 9
    assert report["visible_platform_rows"] >= 5, report
    assert not report["platforms_hscroll"], report


def test_a_geometry_saved_on_a_bigger_screen_is_pulled_onto_a_small_one(
    tmp_path: Path, nine_platforms: str
) -> None:
    settings = str(tmp_path / "moved.ini")
    big = run_window(tmp_path, nine_platforms, 2560, 1440, 1.0, settings)
    assert big["frame"][2] > 800
    small = run_window(tmp_path, nine_platforms, 800, 600, 1.0, settings)
    assert_fits(small)
