"""Every text surface the window reworked (navigator messages, the tag list and its title, the
summary's elided lines, the status bar and its account, the "previous result" banner, tooltips)
against a hostile registry: markup, escape and bidi characters, many lines, 100,000 characters.
Each is shown as plain text on one line or a few, loads nothing, and the window still fits
800×600."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.auth import Credentials
from acr_desktop.ui import signin_account
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.nav_message import MAX_LINES, MessageLabel
from acr_desktop.ui.plain import one_line, tooltip, visible
from tests.rig import FakeServer, Registry

LOADED = "/loaded-by-markup.png"  # asked of the fake server only if markup were rendered
MARKUP = f'<b>bold</b><img src="http://HOST{LOADED}"><a href="http://x">link</a>'
BIDI = "evil\u202egnp.exe\u2066x\u2069"
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x00"
LINES = "line one\nline two\r\nline three\n" * 200
LONG = "x" * 100_000
HOSTILE = {"markup": MARKUP, "bidi": BIDI, "escapes": ESCAPES, "lines": LINES, "long": LONG}
SHOTS = Path("/tmp/team")
CONFIG = b'{"architecture":"amd64","os":"linux","config":{}}'


def manifest(text: str) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {
                "mediaType": mt.OCI_CONFIG,
                "digest": "sha256:" + hashlib.sha256(CONFIG).hexdigest(),
                "size": len(CONFIG),
            },
            "layers": [],
            "annotations": {"org.opencontainers.image.description": text, text[:300]: "v"},
        }
    ).encode()


def serve(server: FakeServer, text: str) -> None:
    """A registry whose repository names, tag names, errors and annotations are all `text`."""
    server.reply("GET", r"/v2/", 200)
    server.reply_json("GET", r"/v2/_catalog", 200, {"repositories": [text, "app"]})
    server.reply_json("GET", r"/v2/app/tags/list", 200, {"name": "app", "tags": [text, "v1"]})
    server.reply(
        "*", r"/v2/app/manifests/v1", 200, {"Content-Type": mt.OCI_MANIFEST}, manifest(text)
    )
    server.reply("GET", r"/v2/app/blobs/.+", 200, {}, CONFIG)
    server.reply_json(
        "GET",
        r"/v2/(?!app/|_catalog).+",
        404,
        {"errors": [{"code": "NAME_UNKNOWN", "message": text}]},
    )


@pytest.fixture
def small(window: MainWindow) -> Iterator[MainWindow]:
    window.resize(800, 600)
    yield window


def assert_fits(window: MainWindow) -> None:
    hint = window.minimumSizeHint()
    assert hint.width() <= 800 and hint.height() <= 600, hint
    assert window.width() <= 800 and window.height() <= 600, window.size()


def assert_one_plain_line(label: ElidedLabel) -> None:
    assert label.textFormat() == Qt.TextFormat.PlainText
    shown = label.shown_text()
    assert not any(c in shown for c in "\n\r\x1b\x07\u202e\u2066"), shown[:200]
    assert label.minimumSizeHint().height() <= 2 * label.fontMetrics().height()
    assert label.sizeHint().width() <= 420
    assert "<img" not in label.toolTip() or "&lt;img" in label.toolTip()


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_registry_shows_plain_text_and_the_window_still_fits_800x600(
    qtbot: QtBot, small: MainWindow, fake_server: FakeServer, kind: str
) -> None:
    text = HOSTILE[kind].replace("HOST", fake_server.host)
    serve(fake_server, text)
    window, nav = small, small.navigator
    nav.registry_box.setEditText(fake_server.host)
    qtbot.keyClick(nav.registry_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "2 repositories" in nav.repo_status.text(), timeout=10_000)

    hostile_repo = next(
        nav.repo_proxy.index(r, 0)
        for r in range(nav.repo_proxy.rowCount())
        if nav.repo_proxy.index(r, 0).data(Qt.ItemDataRole.EditRole) != "app"
    )
    nav.repos.setFocus()
    nav.repos.setCurrentIndex(hostile_repo)
    qtbot.keyClick(nav.repos, Qt.Key.Key_Return)  # not a repository name: said, not listed
    assert "not a valid repository name" in nav.repo_status.text()
    assert not any("tags" in r.path for r in fake_server.requests)
    nav.load_tags(text)  # listed all the same: the registry's error names it
    qtbot.waitUntil(lambda: "Loading" not in nav.tag_status.text(), timeout=10_000)
    assert_one_plain_line(nav.tags_title)
    qtbot.wait(50)
    assert_fits(window)

    nav.open_repository("app")
    qtbot.waitUntil(lambda: nav.tag_status.text().startswith("2 tags"), timeout=10_000)
    hostile_row = next(
        r for r in range(nav.tags_model.rowCount()) if nav.tags_model.index(r, 0).data() != "v1"
    )
    nav.tags.setFocus()
    nav.tags.setCurrentIndex(nav.tags_model.index(hostile_row, 0))
    qtbot.keyClick(nav.tags, Qt.Key.Key_Return)  # not a tag: said, and nothing opened
    assert "not a valid tag name" in nav.tag_status.text()
    assert not any("/manifests/" in r.path for r in fake_server.requests)

    with qtbot.waitSignal(window.inspected, timeout=10_000):
        window.inspect_text(f"{fake_server.host}/app:v1")
    summary = window.inspector.summary
    assert_one_plain_line(summary.annotations)
    assert summary.annotations.text().startswith("org.opencontainers.image.description=")
    account = signin_account.signed_in(fake_server.host, Credentials(text, "pw"), None)
    window.status_line.show_account(account)
    assert_one_plain_line(window.status_line.account)
    window.status_line.say(text)
    assert_one_plain_line(window.status_line.status)
    window.inspector.show_previous(f"Still showing the previous result, {text}.")
    assert_one_plain_line(window.inspector.loading_banner.label)
    qtbot.wait(50)
    assert_fits(window)
    assert window.grab().save(str(SHOTS / f"I-hostile-{kind}.png"))
    window.inspector.summary.annotations.setToolTip(text)
    assert not any(r.path_only == LOADED for r in fake_server.requests)


def test_a_navigator_message_of_many_lines_stops_at_a_few_with_the_rest_in_its_tooltip(
    qtbot: QtBot,
) -> None:
    label = MessageLabel()
    qtbot.addWidget(label)
    label.resize(240, 40)
    label.setText(LINES)
    one = label.fontMetrics().height()
    assert label.heightForWidth(240) <= (MAX_LINES + 1) * one
    assert "line one" in label.toolTip()
    label.setText("The registry refused.")
    assert label.heightForWidth(240) <= 2 * one
    assert label.toolTip() == ""


def test_controls_and_bidi_are_shown_by_name_never_acted_on() -> None:
    assert visible(BIDI) == "evil⟨U+202E⟩gnp.exe⟨U+2066⟩x⟨U+2069⟩"
    assert visible(ESCAPES) == "⟨U+001B⟩]0;pwned⟨U+0007⟩⟨U+001B⟩[2J⟨U+001B⟩[31mred⟨U+0000⟩"
    assert visible("a\nb\tc") == "a\nb\tc"  # line breaks and tabs are text
    assert one_line("a\nb\r\nc") == "a⏎b⏎c"
    shown = tooltip(MARKUP + BIDI)
    assert "<img" not in shown and "&lt;img" in shown and "\u202e" not in shown
    assert len(tooltip(LONG)) < 2100


def test_a_tooltip_set_on_an_elided_label_is_literal_whoever_sets_it(qtbot: QtBot) -> None:
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.setToolTip(f"{MARKUP}\nsha256:{'a' * 64}")  # as the subject line does
    assert "<img" not in label.toolTip()
    label.setText(MARKUP)
    assert "&lt;b&gt;bold" in label.toolTip()
    assert label.text() == MARKUP  # what Copy copies is the exact text


def test_the_bar_shows_a_reference_with_a_literal_tooltip(small: MainWindow) -> None:
    small.reference_bar.show_reference(MARKUP + BIDI)  # whatever reached it, shown as text
    tip = small.reference_bar.toolTip()
    assert "&lt;b&gt;bold" in tip and "\u202e" not in tip


def test_status_bar_says_what_was_copied_on_one_short_line(small: MainWindow) -> None:
    small.status_line.copied(BIDI + LONG + "\nsecond line")
    said = small.statusBar().currentMessage()
    assert "\u202e" not in said and len(said) < 300
    assert said.endswith("(and 1 more)")
    assert isinstance(small.status_line.status, QLabel)


def test_names_in_the_lists_are_one_line_and_the_tag_column_stays_narrow(
    qtbot: QtBot, small: MainWindow, fake_server: FakeServer
) -> None:
    serve(fake_server, BIDI + LINES + LONG)
    nav = small.navigator
    nav.registry_box.setEditText(fake_server.host)
    qtbot.keyClick(nav.registry_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "2 repositories" in nav.repo_status.text(), timeout=10_000)
    nav.open_repository("app")
    qtbot.waitUntil(lambda: nav.tag_status.text().startswith("2 tags"), timeout=10_000)
    shown = [nav.repo_proxy.index(0, 0).data(), nav.tags_model.index(1, 0).data()]
    for name in shown:
        assert name.startswith("evil⟨U+202E⟩gnp.exe") and "\n" not in name and len(name) < 1100
    assert nav.repo_proxy.index(0, 0).data(Qt.ItemDataRole.EditRole).startswith(BIDI)
    assert nav.tags.columnWidth(0) <= 61 * nav.fontMetrics().horizontalAdvance("x")
    assert nav.tags.horizontalHeader().sectionViewportPosition(0) == 0  # its header in view


def test_the_json_view_never_draws_a_bidi_control(
    qtbot: QtBot, small: MainWindow, fake_server: FakeServer
) -> None:
    serve(fake_server, BIDI)
    with qtbot.waitSignal(small.inspected, timeout=10_000):
        small.inspect_text(f"{fake_server.host}/app:v1")
    view = small.inspector.json
    qtbot.waitUntil(lambda: not view.loading and "gnp.exe" in view.editor.toPlainText())
    assert "\u202e" not in view.editor.toPlainText()


def test_at_800x600_the_tabs_never_cover_the_json_pane(
    qtbot: QtBot, small: MainWindow, anon_registry: Registry
) -> None:
    with qtbot.waitSignal(small.inspected, timeout=10_000):
        small.inspect_text(f"{anon_registry.host}/test/app:oci")
    qtbot.wait(100)
    split = small.inspector.split
    left, right = split.widget(0), split.widget(1)
    assert left is not None and right is not None
    assert left.geometry().right() < right.geometry().left(), (split.sizes(), left.width())


def test_the_layers_table_never_shows_a_bidi_control(
    qtbot: QtBot, small: MainWindow, fake_server: FakeServer
) -> None:
    serve(fake_server, "x")
    document = json.loads(manifest("x"))
    document["layers"] = [{"mediaType": "application/x." + BIDI, "digest": "sha256:" + "b" * 64,
                           "size": 7}]  # fmt: skip
    body = json.dumps(document).encode()
    fake_server.reply("*", r"/v2/app/manifests/v1", 200, {"Content-Type": mt.OCI_MANIFEST}, body)
    with qtbot.waitSignal(small.inspected, timeout=10_000):
        small.inspect_text(f"{fake_server.host}/app:v1")
    model = small.inspector.layers_model
    cells = [model.index(0, c).data() for c in range(model.columnCount())]
    assert any("gnp.exe" in str(c) for c in cells), cells
    assert not any("\u202e" in str(c) for c in cells), cells
