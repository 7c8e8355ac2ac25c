"""The window on a real X desktop (Xvfb + openbox), driven by xdotool from the keyboard as a
person would: it fits the screen at 150 %, menus give the keys back after Esc, the Edit menu's
copy shortcuts fill the clipboard, a whole task is done without the mouse, and Ctrl+Q ends the
process."""

from __future__ import annotations

import time
from pathlib import Path

from tests.rig import Registry
from tests.rig.desktop import App, Desktop
from tests.ui.test_window_fit import nine_platforms  # noqa: F401  (a fixture)

SHOTS = Path("/tmp/team")  # where a person looks at the screen, when there is one


def test_a_long_reference_at_150_percent_fits_the_screen(
    app: App,
    nine_platforms: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    app.scale = 1.5
    app.start(nine_platforms)
    app.wait_title("ACR Desktop")
    app.wait_title("release-2024.11.29-build.12345")
    shot = app.desktop.screenshot(
        SHOTS / "I-desktop-150.png" if SHOTS.is_dir() else tmp_path / "s.png"
    )
    assert shot.stat().st_size > 10_000  # the screen, looked at when the test was written
    x, y, width, height = app.geometry()
    assert x >= 0 and y >= 0, (x, y)
    assert x + width <= app.desktop.width and y + height <= app.desktop.height, (
        x,
        y,
        width,
        height,
    )


def test_keys_work_after_a_menu_is_closed_with_escape(app: App, anon_registry: Registry) -> None:
    first = f"{anon_registry.host}/test/app:oci"
    second = f"{anon_registry.host}/test/app:docker"
    app.start(first)
    app.wait_title(first)
    app.desktop.key("ctrl+l")
    app.desktop.type(second)
    app.desktop.key("Return")
    app.wait_title(second)
    app.desktop.key("alt+g", "Escape", "alt+Left")
    app.wait_title(first)
    app.desktop.key("alt+e", "Escape", "alt+Right")
    app.wait_title(second)


def test_copy_shortcuts_fill_the_clipboard_and_ctrl_q_quits(
    app: App, anon_registry: Registry
) -> None:
    ref = f"{anon_registry.host}/test/app:oci"
    app.start(ref)
    app.wait_title(ref)
    digest = anon_registry.content.refs["test/app:oci"].digest
    app.desktop.key("ctrl+shift+p")
    assert app.desktop.clipboard() == f"{anon_registry.host}/test/app@{digest}"
    app.desktop.key("ctrl+shift+d")
    assert app.desktop.clipboard() == f"docker pull {anon_registry.host}/test/app@{digest}"
    app.desktop.key("ctrl+q")
    assert app.ended(10) == 0, app.stop()


def test_a_whole_task_from_the_keyboard(app: App, anon_registry: Registry) -> None:
    """Open an index, choose a platform with the arrows, copy from the Copy ▾ menu, open and
    cancel the sign-in dialog and the shortcuts list, open a tag from the navigator, quit:
    never the mouse."""
    host, content = anon_registry.host, anon_registry.content
    index = content.refs["test/app:index"]
    arm64 = next(c for c in index.children if (c.platform or {}).get("architecture") == "arm64")
    screen = app.desktop
    app.start(f"{host}/test/app:index")
    app.wait_title(f"{host}/test/app:index")
    # Tab from the bar: ☆, Inspect, Sign in, the navigator's 7 stops, Copy, Copy ▾, Report ▾.
    screen.keys("ctrl+l", *["Tab"] * 15, "Home", "Down")  # the platforms table: the 2nd row
    pinned_arm64 = f"{host}/test/app@{arm64.digest}"
    _pressing(screen, ("ctrl+shift+p",), pinned_arm64)  # once the arrows' choice settles
    screen.keys("ctrl+l", *["Tab"] * 12)
    screen.key("alt+Down", "Up", "Return")  # the index's Copy ▾
    screen.wait_clipboard(f"docker pull {host}/test/app@{index.digest}")

    screen.key("alt+r", "Return")  # Registry ▸ Sign in…
    screen.wait_shown("Sign in to a registry")
    screen.key("Escape")
    screen.wait_shown("Sign in to a registry", shown=False)
    screen.key("F1")  # Help ▸ Keyboard shortcuts
    screen.wait_shown("Keyboard shortcuts")
    screen.key("Escape")
    screen.wait_shown("Keyboard shortcuts", shown=False)

    screen.keys("ctrl+l", "Tab", "Tab", "Tab", "Tab", "ctrl+a")  # the navigator's registry box
    screen.type(host)
    screen.keys("Return", "Tab", "Tab")  # list its repositories; their filter
    screen.type("test/app")
    screen.keys("Tab")  # the repositories: Ctrl+C says when test/app is listed
    _pressing(screen, ("Home", "ctrl+c"), f"{host}/test/app")
    screen.keys("Return", "Tab", "Tab")  # open it; the tag filter
    screen.type("docker")
    screen.keys("Tab", "Tab")  # the tag list
    tag = f"{host}/test/app:docker"
    _pressing(screen, ("Home", "ctrl+c"), tag)
    screen.keys("Return")  # open the one tag left
    app.wait_title(tag)

    screen.key("ctrl+q")
    assert app.ended(10) == 0, app.stop()


def _pressing(screen: Desktop, keys: tuple[str, ...], copied: str, timeout: float = 10) -> None:
    """Press `keys` until the clipboard holds `copied` (a list fills, a choice settles)."""
    deadline = time.monotonic() + timeout
    while True:
        screen.keys(*keys)
        if screen.clipboard() == copied:
            return
        assert time.monotonic() < deadline, f"{copied!r} never reached the clipboard"
