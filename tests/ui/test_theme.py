"""Light, Dark and System through `theme.apply_theme`, and the widgets that re-colour when the
scheme flips: the JSON view (tokens, find marks, the no-match field), the message bar, and any
widget that asks with `on_scheme_change`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QStyleFactory, QWidget
from pytestqt.qtbot import QtBot

from acr_desktop.ui import colours
from acr_desktop.ui.empty_state import empty_state
from acr_desktop.ui.json_parts import DARK, LIGHT
from acr_desktop.ui.json_view import JsonView
from acr_desktop.ui.message_bar import STYLES, MessageBar
from acr_desktop.ui.messages import Message, NextStep
from acr_desktop.ui.theme import (
    apply_theme,
    current,
    dark_palette,
    light_palette,
    on_scheme_change,
)

MANIFEST = Path(__file__).parent.parent / "fixtures" / "acr-aspnetapp-latest.manifest.json"


def window_lightness(app: QApplication) -> int:
    return app.palette().color(QPalette.ColorRole.Window).lightness()


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application; given back to the system's scheme (light here) after the test."""
    yield qapp
    apply_theme(qapp, "system")
    assert not colours.is_dark()


@pytest.fixture
def view(qtbot: QtBot) -> JsonView:
    widget = JsonView()
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.set_document(MANIFEST.read_bytes())
    with qtbot.waitActive(widget):
        widget.show()
        widget.activateWindow()
    return widget


def test_dark_gives_a_dark_palette_and_dark_colours(app: QApplication) -> None:
    apply_theme(app, "dark")
    assert current() == "dark"
    assert window_lightness(app) < 128
    assert app.palette().color(QPalette.ColorRole.Base).lightness() < 128
    assert app.palette().color(QPalette.ColorRole.Text).lightness() > 128
    assert colours.is_dark()
    assert colours.ok() == "#57c46e"


def test_light_after_dark_gives_a_light_palette(app: QApplication) -> None:
    apply_theme(app, "dark")
    apply_theme(app, "light")
    assert current() == "light"
    assert window_lightness(app) >= 128
    assert app.palette().color(QPalette.ColorRole.Text).lightness() < 128
    assert not colours.is_dark()
    assert colours.ok() == "#187733"


def test_system_gives_back_the_original_style_and_palette(app: QApplication) -> None:
    style, window = app.style().name(), app.palette().color(QPalette.ColorRole.Window)
    for choice in ("dark", "system", "light", "system"):
        apply_theme(app, choice)
    assert current() == "system"
    assert app.style().name() == style
    assert app.palette().color(QPalette.ColorRole.Window) == window
    assert app.palette().resolveMask() == 0  # no palette of ours left: the platform's own
    assert app.styleHints().colorScheme() == Qt.ColorScheme.Unknown  # no request left behind


def test_an_unknown_choice_follows_the_system(app: QApplication) -> None:
    apply_theme(app, "dark")
    apply_theme(app, "sepia")
    assert current() == "system"
    assert not colours.is_dark()


def test_the_light_palette_is_fusions_light_palette(app: QApplication) -> None:
    """Spelled out, since Fusion's own turns dark with a dark platform; here (offscreen, no
    platform scheme) Fusion's own is light, and ours is the same in every role and group."""
    fusion = QStyleFactory.create("Fusion").standardPalette()
    ours = light_palette()
    groups = (
        QPalette.ColorGroup.Active,
        QPalette.ColorGroup.Inactive,
        QPalette.ColorGroup.Disabled,
    )
    roles = [r for r in QPalette.ColorRole if r != QPalette.ColorRole.NColorRoles]
    differ = [
        (g.name, r.name)
        for g in groups
        for r in roles
        if ours.color(g, r).rgba() != fusion.color(g, r).rgba()
    ]
    assert differ == []


def test_the_dark_palette_keeps_disabled_text_apart_from_enabled(app: QApplication) -> None:
    palette = dark_palette()
    enabled = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert enabled.lightness() - disabled.lightness() > 60
    assert disabled.lightness() - palette.color(QPalette.ColorRole.Base).lightness() > 60


def token_colours(view: JsonView, needle: str) -> dict[str, str]:
    """The foreground of each coloured token on the line holding `needle`."""
    block = view.editor.document().findBlock(view.text().index(needle))
    text = block.text()
    return {
        text[r.start : r.start + r.length]: r.format.foreground().color().name()
        for r in block.layout().formats()
    }


def test_json_view_recolours_its_tokens_when_the_scheme_flips(
    app: QApplication, view: JsonView
) -> None:
    needle = '"schemaVersion": 2'
    assert token_colours(view, needle)['"schemaVersion"'] == LIGHT["key"]
    apply_theme(app, "dark")
    assert token_colours(view, needle)['"schemaVersion"'] == DARK["key"]
    assert token_colours(view, needle)["2"] == DARK["number"]
    apply_theme(app, "light")
    assert token_colours(view, needle)['"schemaVersion"'] == LIGHT["key"]


def test_find_marks_and_the_no_match_field_follow_the_scheme(
    app: QApplication, view: JsonView, qtbot: QtBot
) -> None:
    view.focus_find()
    qtbot.keyClicks(view.find_bar.edit, "gzip")

    def backgrounds() -> list[str]:
        selections = view.editor.extraSelections()
        return [s.format.background().color().name() for s in selections]

    assert LIGHT["current"] in backgrounds() and LIGHT["match"] in backgrounds()
    apply_theme(app, "dark")
    assert DARK["match"] in backgrounds()
    qtbot.keyClicks(view.find_bar.edit, "zz")
    assert view.find_bar.count.text() == "No matches"
    image = view.find_bar.edit.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() - 4).lightness() < 128
    apply_theme(app, "light")  # the field re-coloured while it shows no match
    image = view.find_bar.edit.grab().toImage()
    background = image.pixelColor(image.width() // 2, image.height() - 4)
    assert background.red() > 240 > background.green() + 20


def test_message_bar_is_restyled_when_the_scheme_flips(app: QApplication, qtbot: QtBot) -> None:
    window = QWidget()  # inside a window, as in the app: its style sheet keeps it from palette news
    qtbot.addWidget(window)
    bar = MessageBar(window)
    bar.resize(600, 50)
    window.show()
    bar.show_message(Message("Access denied to test/app.", NextStep.SIGN_IN, "warning"))

    def background() -> QColor:
        return bar.grab().toImage().pixelColor(bar.width() // 2, 3)

    assert background().name() == STYLES[False]["warning"][0]
    apply_theme(app, "dark")
    assert background().name() == STYLES[True]["warning"][0]
    assert STYLES[True]["warning"][2] in bar.styleSheet()
    apply_theme(app, "light")
    assert background().name() == STYLES[False]["warning"][0]


def test_on_scheme_change_calls_back_once_per_flip_even_when_hidden(
    app: QApplication, qtbot: QtBot
) -> None:
    label = QLabel()  # never shown: a tab not yet opened
    qtbot.addWidget(label)
    calls: list[bool] = []
    on_scheme_change(label, lambda: calls.append(colours.is_dark()))
    label.setStyleSheet(f"color: {colours.ok()};")  # its own palette changes: no flip
    apply_theme(app, "light")  # light again: no flip
    assert calls == []
    apply_theme(app, "dark")
    apply_theme(app, "dark")
    assert calls == [True]
    apply_theme(app, "system")
    assert calls == [True, False]


def link_pixels(label: QLabel) -> int:
    """How many pixels of the label are drawn in (or near) its palette's link colour."""
    link = label.palette().color(QPalette.ColorRole.Link)
    image = label.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(image.constBits())[: image.sizeInBytes()]
    stride, wanted = image.bytesPerLine(), (link.red(), link.green(), link.blue())
    return sum(
        sum(abs(a - b) for a, b in zip(data[i : i + 3], wanted, strict=True)) < 60
        for row in range(image.height())
        for i in range(row * stride, row * stride + 3 * image.width(), 3)
    )


def test_empty_state_links_take_the_link_colour_of_each_scheme(
    app: QApplication, qtbot: QtBot
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    label = empty_state()
    label.setParent(window)
    label.resize(600, 300)
    window.show()
    assert link_pixels(label) > 50
    apply_theme(app, "dark")
    assert label.palette().color(QPalette.ColorRole.Link).lightness() > 128
    assert link_pixels(label) > 50  # the links were drawn again, in the dark link colour
    background = label.grab().toImage().pixelColor(3, 3)
    assert background.lightness() < 128
