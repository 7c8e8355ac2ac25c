"""Every colour the app chooses is readable in both schemes: WCAG contrast of at least 4.5:1
for the status colours on the palette's window and base, the JSON tokens on the editor and on
the descriptor mark, find marks, the no-match field, the message bar and the dark palette."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from acr_desktop.ui import colours
from acr_desktop.ui.json_parts import DARK, LIGHT, NO_MATCH, TOKENS
from acr_desktop.ui.message_bar import STYLES
from acr_desktop.ui.theme import apply_theme, dark_palette, light_palette

READABLE = 4.5  # WCAG AA for normal text
Role = QPalette.ColorRole
STATUS: dict[str, Callable[[], str]] = {
    "ok": colours.ok,
    "warning": colours.warning,
    "error": colours.error,
    "note": colours.note,
}


def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: str | QColor, b: str | QColor) -> float:
    high, low = sorted((luminance(QColor(a)), luminance(QColor(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_matches_the_wcag_examples() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffffff", "#ffffff") == 1


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    apply_theme(qapp, "system")


@pytest.mark.parametrize("name", sorted(STATUS))
@pytest.mark.parametrize(("choice", "extreme"), [("light", "#e8e8e8"), ("dark", "#353535")])
def test_status_colours_are_readable_on_window_and_base(
    app: QApplication, name: str, choice: str, extreme: str
) -> None:
    apply_theme(app, choice)
    colour, palette = STATUS[name](), app.palette()
    assert colours.is_dark() == (choice == "dark")
    for background in (palette.color(Role.Window), palette.color(Role.Base), QColor(extreme)):
        assert contrast(colour, background) >= READABLE, (colour, background.name())


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_json_tokens_are_readable_on_the_editor_and_the_descriptor_mark(
    token: str, dark: bool
) -> None:
    palette, scheme = (dark_palette(), DARK) if dark else (light_palette(), LIGHT)
    for background in (palette.color(Role.Base), QColor(scheme["span"])):
        assert contrast(scheme[token], background) >= READABLE, (scheme[token], background.name())


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_find_marks_and_the_no_match_field_are_readable(dark: bool) -> None:
    scheme = DARK if dark else LIGHT
    assert contrast(scheme["match_text"], scheme["match"]) >= READABLE
    assert contrast(scheme["current_text"], scheme["current"]) >= READABLE
    background, text = NO_MATCH[dark]
    assert contrast(text, background) >= READABLE
    # The current match stands out from the others.
    assert contrast(scheme["current"], scheme["match"]) > 1.5


@pytest.mark.parametrize("level", ["error", "warning", "info"])
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_message_bar_text_is_readable_on_its_background(level: str, dark: bool) -> None:
    background, _border, text = STYLES[dark][level]
    assert contrast(text, background) >= READABLE


@pytest.mark.parametrize(
    ("text", "background"),
    [
        (Role.WindowText, Role.Window),
        (Role.Text, Role.Base),
        (Role.Text, Role.AlternateBase),
        (Role.ButtonText, Role.Button),
        (Role.PlaceholderText, Role.Base),
        (Role.PlaceholderText, Role.Window),
        (Role.Link, Role.Window),
        (Role.Link, Role.Base),
        (Role.LinkVisited, Role.Base),
        (Role.HighlightedText, Role.Highlight),
        (Role.ToolTipText, Role.ToolTipBase),
    ],
)
def test_the_dark_palette_is_readable(
    text: QPalette.ColorRole, background: QPalette.ColorRole
) -> None:
    palette = dark_palette()
    assert contrast(palette.color(text), palette.color(background)) >= READABLE
