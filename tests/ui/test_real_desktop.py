"""The window on a real X desktop (Xvfb + openbox), driven by xdotool from the keyboard as a
person would: it fits the screen at 150 %, menus give the keys back after Esc, the Edit menu's
copy shortcuts fill the clipboard, and Ctrl+Q ends the process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.rig import Registry
from tests.rig.desktop import App, Desktop
from tests.ui.test_window_fit import nine_platforms  # noqa: F401  (a fixture)


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    screen = Desktop(tmp_path_factory.mktemp("desktop")).start()
    try:
        yield screen
    finally:
        screen.stop()


@pytest.fixture
def app(desktop: Desktop, tmp_path: Path) -> Iterator[App]:
    desktop.workdir = tmp_path  # an empty profile for each test
    running = App(desktop)
    yield running
    if running.process is not None:
        running.stop()


def test_a_long_reference_at_150_percent_fits_the_screen(
    app: App,
    nine_platforms: str,  # noqa: F811
) -> None:
    app.scale = 1.5
    app.start(nine_platforms)
    app.wait_title("ACR Desktop")
    app.wait_title("release-2024.11.29-build.12345")
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
