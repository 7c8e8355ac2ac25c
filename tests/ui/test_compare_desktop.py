"""Compare two references as a person does it, on a real X desktop (Xvfb + openbox, driven by
xdotool, the app in its own process): sign in, Tools ▸ Compare with… by its shortcut, type the
other tag, Enter; the compare window opens on the screen, Copy as Markdown fills the clipboard,
Esc closes it, Ctrl+Q quits. Never the mouse. At 150 % the compare window stays on the screen."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig import compare_images as rig
from tests.rig.compare_images import CompareImages
from tests.rig.desktop import App, Desktop

pytestmark = pytest.mark.registry
SHOTS = Path("/tmp/team/shots")  # looked at by people; not part of the repository


@pytest.fixture(scope="module")
def token_registry(layers_registry: Registry) -> Registry:
    return layers_registry  # this module pushes its own images: not into the shared catalog


@pytest.fixture(scope="module")
def images(layers_registry: Registry) -> CompareImages:
    return rig.push_compare_images(layers_registry)


def _sign_in(screen: Desktop) -> None:
    screen.wait_shown("Sign in to a registry")  # the registry wants a sign-in: asked at once
    screen.key("alt+u")
    screen.type(ALICE_USER)
    screen.key("alt+p")
    screen.type(ALICE_PASSWORD)
    screen.key("Return")
    screen.wait_shown("Sign in to a registry", shown=False)


def _window_geometry(screen: Desktop, title: str) -> tuple[int, int, int, int]:
    found = screen.run("xdotool", "search", "--onlyvisible", "--name", title).split()
    assert found, f"no window named {title!r}"
    values: dict[str, int] = {}
    for line in screen.run("xdotool", "getwindowgeometry", "--shell", found[-1]).splitlines():
        key, _, value = line.partition("=")
        if key in ("X", "Y", "WIDTH", "HEIGHT"):
            values[key] = int(value)
    return values["X"], values["Y"], values["WIDTH"], values["HEIGHT"]


def _wait_clipboard_start(screen: Desktop, start: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = screen.clipboard()
        if text.startswith(start):
            return text
        time.sleep(0.1)
    raise AssertionError(f"the clipboard never started with {start!r} ({screen.clipboard()!r})")


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_compare_two_tags_from_the_keyboard_on_a_real_desktop(
    app: App, images: CompareImages, scale: float
) -> None:
    screen = app.desktop
    app.scale = scale
    left = images.ref("v1")
    app.start(left)
    _sign_in(screen)
    app.wait_title(left)
    screen.key("ctrl+shift+k")  # Tools ▸ Compare with…
    screen.wait_shown("Compare two references")
    screen.type("v2")  # B starts as A's repository and a colon, the cursor at its end
    screen.key("Return")
    screen.wait_shown("Compare two references", shown=False)
    screen.wait_shown(" — Compare", timeout=20)
    time.sleep(0.5)  # the result painted
    shot = screen.screenshot(SHOTS / f"compare-desktop-{int(scale * 100)}.png")
    assert shot.stat().st_size > 10_000
    x, y, width, height = _window_geometry(screen, " — Compare")
    assert x >= 0 and y >= 0 and x + width <= screen.width and y + height <= screen.height, (
        x,
        y,
        width,
        height,
    )
    screen.key("alt+m")  # Copy as Markdown
    markdown = _wait_clipboard_start(screen, "## Compare ")
    assert left in markdown and images.ref("v2") in markdown
    assert "| recompressed |" in markdown and "#### Config changes" in markdown
    screen.key("Escape")  # nothing runs: Esc closes the compare window
    screen.wait_shown(" — Compare", shown=False)
    app.wait_title(left)  # the main window still shows A
    screen.key("ctrl+q")
    assert app.ended(10) == 0, app.stop()
