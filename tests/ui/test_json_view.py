"""JsonView on real manifests: exact text, highlighting, find, descriptor marks, non-JSON bytes,
long lines cut for display with an exact Copy, and a construction that defers all costly work."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence, QPalette, QTextCursor
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from acr_desktop.ui.json_parts import FindBar, LazyHighlighter
from acr_desktop.ui.json_text import (
    TOKEN,
    WRAP,
    anchor,
    document_text,
    prepare,
    shown_text,
    source_index,
    utf16,
)
from acr_desktop.ui.json_view import JsonView
from acr_desktop.ui.worker import JobRunner

FIXTURES = Path(__file__).parent.parent / "fixtures"
MANIFEST = "acr-aspnetapp-latest.manifest.json"
LIST = "mcr-dotnet-runtime-7.0.list.json"
ALL = sorted(p.name for p in FIXTURES.glob("*.json"))


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def pretty(raw: bytes) -> str:
    return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)


def compact(doc: object) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def marked(view: JsonView) -> Any:
    """The JSON value under the descriptor mark (the first extra selection)."""
    selections = view.editor.extraSelections()  # keep the list alive while reading from it
    text = selections[0].cursor.selectedText()
    return json.loads(text.replace("\u2029", "\n"))


def visible(view: JsonView, position: int) -> bool:
    cursor = QTextCursor(view.editor.document())
    cursor.setPosition(position)
    return view.editor.viewport().rect().contains(view.editor.cursorRect(cursor).center())


@pytest.fixture
def view(qtbot: QtBot) -> JsonView:
    widget = JsonView()
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    return widget


@pytest.mark.parametrize("name", ALL)
def test_pretty_text_is_exactly_json_dumps(view: JsonView, name: str) -> None:
    raw = load(name)
    view.set_document(raw)
    assert view.editor.toPlainText() == pretty(raw)
    assert view.text() == pretty(raw)
    assert view.size_label.text() == f"{len(raw):,} bytes"
    assert view.note_label.text() == ""


def test_exact_bytes_toggle_shows_the_bytes_as_received(view: JsonView) -> None:
    doc = json.loads(load(MANIFEST))
    doc["annotations"] = {"org.opencontainers.image.description": "Café ☕ 🐳 ünïcode"}
    raw = compact(doc)
    view.set_document(raw)
    assert view.editor.toPlainText() == pretty(raw) != raw.decode()
    view.exact_toggle.click()
    assert view.editor.toPlainText() == raw.decode() == view.text()
    assert view.size_label.text() == f"{len(raw):,} bytes"
    view.exact_toggle.click()
    assert view.editor.toPlainText() == pretty(raw)


def test_exact_toggle_survives_a_new_document(view: JsonView) -> None:
    view.exact_toggle.setChecked(True)
    view.set_document(load(LIST))
    assert view.editor.toPlainText() == load(LIST).decode()


def test_highlighter_colours_keys_strings_and_digests_differently(view: JsonView) -> None:
    view.set_document(load(MANIFEST))
    document = view.editor.document()

    def colours(needle: str) -> dict[str, str]:
        block = document.findBlock(view.text().index(needle))
        text = block.text()
        return {
            text[r.start : r.start + r.length]: r.format.foreground().color().name()
            for r in block.layout().formats()
        }

    media = colours('"mediaType": "application/vnd.docker.container.image.v1+json"')
    key, value = media['"mediaType"'], media['"application/vnd.docker.container.image.v1+json"']
    assert key != value
    assert media[":"] not in (key, value) and media[","] not in (key, value)
    digest = json.loads(load(MANIFEST))["config"]["digest"]
    line = colours(f'"digest": "{digest}"')
    assert line['"digest"'] == key
    assert line[f'"{digest}"'] not in (key, value)
    size = colours('"size": 3924')
    assert size["3924"] not in (key, value)
    assert document.toPlainText() == pretty(load(MANIFEST))


def test_dark_palette_gets_light_colours(view: JsonView) -> None:
    view.set_document(load(MANIFEST))
    block = view.editor.document().firstBlock().next()  # '  "schemaVersion": 2,'

    def key_colour() -> QColor:
        ranges = [r for r in block.layout().formats() if r.length == len('"schemaVersion"')]
        return ranges[0].format.foreground().color()

    assert key_colour().lightness() < 128
    palette = view.palette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#dddddd"))
    view.setPalette(palette)
    assert key_colour().lightness() > 128
    assert view.editor.toPlainText() == pretty(load(MANIFEST))


class Host(QWidget):
    """A window that owns Ctrl+F, as the main window does: a window-wide action that calls
    `focus_find`, beside another focusable widget."""

    def __init__(self, view: JsonView) -> None:
        super().__init__()
        self.other = QLineEdit()
        layout = QVBoxLayout(self)
        layout.addWidget(self.other)
        layout.addWidget(view)
        self.find_action = QAction("Find", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(view.focus_find)
        self.addAction(self.find_action)


@pytest.fixture
def host(view: JsonView, qtbot: QtBot) -> Host:
    window = Host(view)
    qtbot.addWidget(window)
    window.resize(700, 560)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


@pytest.mark.parametrize("focus", ["editor", "other widget", "find field"])
def test_window_wide_ctrl_f_focuses_the_find_field_without_ambiguity(
    view: JsonView, host: Host, qtbot: QtBot, focus: str
) -> None:
    view.set_document(load(MANIFEST))
    view.focus_find()
    view.find_bar.edit.setText("gzip")
    target = {"editor": view.editor, "other widget": host.other, "find field": view.find_bar.edit}
    if focus != "find field":
        view.close_find()
    target[focus].setFocus()
    # An ambiguous shortcut (the view's own Ctrl+F beside the window's) would do nothing.
    qtbot.keyClick(target[focus], Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.find_bar.isVisible()
    assert view.find_bar.edit.hasFocus()
    assert view.find_bar.edit.selectedText() == "gzip"  # typing replaces the old term
    assert view.find_bar.count.text() == "1 of 7"


def test_f3_and_shift_f3_find_again_from_the_editor(
    view: JsonView, host: Host, qtbot: QtBot
) -> None:
    view.set_document(load(MANIFEST))
    starts = [m.start() for m in re.finditer("gzip", view.text())]
    view.editor.setFocus()
    qtbot.keyClick(view.editor, Qt.Key.Key_F3)  # no term yet: the find bar opens
    assert view.find_bar.edit.hasFocus()
    qtbot.keyClicks(view.find_bar.edit, "gzip")
    view.editor.setFocus()
    qtbot.keyClick(view.editor, Qt.Key.Key_F3)
    assert view.editor.textCursor().selectionStart() == starts[1]
    assert view.find_bar.count.text() == "2 of 7"
    qtbot.keyClick(view.editor, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert view.editor.textCursor().selectionStart() == starts[6]
    assert view.find_bar.count.text() == "7 of 7"


def test_find_bar(view: JsonView, host: Host, qtbot: QtBot) -> None:
    view.set_document(load(MANIFEST))
    view.editor.setFocus()
    assert view.find_bar.isHidden()
    qtbot.keyClick(view.editor, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.find_bar.isVisible()
    assert view.find_bar.edit.hasFocus()

    text = view.text().lower()
    starts = [i for i in range(len(text)) if text.startswith("gzip", i)]
    assert len(starts) == 7
    qtbot.keyClicks(view.find_bar.edit, "GZip")

    def current() -> tuple[str, int]:
        cursor = view.editor.textCursor()
        return cursor.selectedText(), cursor.selectionStart()

    assert current() == ("gzip", starts[0])
    assert view.find_bar.count.text() == "1 of 7"
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_Return)
    assert current() == ("gzip", starts[1])
    assert view.find_bar.count.text() == "2 of 7"
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_Enter, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert current() == ("gzip", starts[6])
    assert view.find_bar.count.text() == "7 of 7"
    assert visible(view, starts[6])
    assert view.find_bar.edit.styleSheet() == ""

    qtbot.keyClicks(view.find_bar.edit, "zz")
    assert view.find_bar.count.text() == "No matches"
    image = view.find_bar.edit.grab().toImage()
    background = image.pixelColor(image.width() // 2, image.height() - 4)
    assert background.red() > 240 > background.green() + 20
    qtbot.keyClick(view.find_bar.edit, Qt.Key.Key_Escape)
    assert view.find_bar.isHidden()
    assert view.editor.extraSelections() == []
    assert view.text() == pretty(load(MANIFEST))


@pytest.mark.parametrize(
    ("name", "path"),
    [
        (MANIFEST, ("layers", 3)),
        (MANIFEST, ("config",)),
        (LIST, ("manifests", 2)),
        (LIST, ("manifests", 0)),
    ],
)
@pytest.mark.parametrize("exact", [False, True])
def test_highlight_digest_marks_the_whole_descriptor(
    view: JsonView, name: str, path: tuple[str | int, ...], exact: bool
) -> None:
    raw = load(name)
    descriptor: Any = json.loads(raw)
    for part in path:
        descriptor = descriptor[part]
    view.exact_toggle.setChecked(exact)
    view.set_document(raw)
    shown = view.text()
    assert view.highlight_digest(descriptor["digest"])
    assert marked(view) == descriptor
    assert view.editor.toPlainText() == shown
    assert not view.highlight_digest("sha256:" + "0" * 64)
    assert view.editor.extraSelections() == []
    assert view.editor.toPlainText() == shown


def test_highlight_digest_respects_strings_and_nesting(view: JsonView) -> None:
    doc = json.loads(load(MANIFEST))
    target = doc["layers"][4]
    doc["annotations"] = {"ref": target["digest"], "trap": '{"digest": "' + target["digest"]}
    doc["layers"][1]["annotations"] = {"odd": 'braces } { ] [ and "quotes" \\'}
    target["annotations"] = {"note": 'a } brace, a " quote {', "🐳": "[{"}
    doc["subject"] = {"mediaType": "m", "digest": "sha256:" + "5" * 64, "size": 1}
    view.set_document(compact(doc))
    assert view.highlight_digest(target["digest"])
    assert marked(view) == target
    assert view.highlight_digest(doc["subject"]["digest"])
    assert marked(view) == doc["subject"]
    view.exact_toggle.setChecked(True)
    assert marked(view) == doc["subject"]  # the mark follows the toggle
    assert view.highlight_digest(target["digest"])
    assert marked(view) == target


def test_exact_bytes_with_crlf_line_ends(view: JsonView) -> None:
    raw = load(LIST).replace(b"\n", b"\r\n")
    digest = json.loads(raw)["manifests"][3]
    view.exact_toggle.setChecked(True)
    view.set_document(raw)
    assert view.text() == raw.decode()
    assert view.highlight_digest(digest["digest"])
    assert marked(view) == digest


def test_highlight_digest_scrolls_into_view_and_toggle_keeps_the_place(
    view: JsonView, qtbot: QtBot
) -> None:
    raw = load(MANIFEST)
    view.resize(700, 250)
    view.set_document(raw)
    view.show()
    qtbot.waitExposed(view)
    digest = json.loads(raw)["layers"][-2]["digest"]
    assert not visible(view, view.text().index(digest))
    assert view.highlight_digest(digest)
    assert visible(view, view.text().index(digest))
    assert view.editor.verticalScrollBar().value() > 0
    view.exact_toggle.click()  # the fixture's own 3-space indentation: a different layout
    assert view.text() == raw.decode()
    assert visible(view, view.text().index(digest))
    assert marked(view)["digest"] == digest
    view.exact_toggle.click()
    assert visible(view, view.text().index(digest))
    assert marked(view)["digest"] == digest


def test_non_json_bytes_are_shown_as_text_with_a_note(view: JsonView) -> None:
    raw = b"<html><body>502 Bad Gateway \xff</body></html>"
    view.set_document(raw)
    assert view.text() == view.editor.toPlainText() == raw.decode("utf-8", errors="replace")
    assert "Not JSON" in view.note_label.text()
    assert view.size_label.text() == f"{len(raw)} bytes"
    assert not view.exact_toggle.isEnabled()
    assert not view.highlight_digest("sha256:" + "0" * 64)
    block = view.editor.document().firstBlock()
    assert block.layout().formats() == []


def test_clear(view: JsonView) -> None:
    view.set_document(load(LIST))
    view.clear()
    assert view.text() == view.editor.toPlainText() == ""
    assert view.size_label.text() == view.note_label.text() == ""
    view.set_document(b"{}")
    assert view.text() == "{}"
    assert view.size_label.text() == "2 bytes"


# -- big documents: nothing long on the UI thread ------------------------------------------------
def big_index(target: int = 4 << 20) -> tuple[bytes, list[dict[str, Any]]]:
    """An OCI index of about `target` bytes, 3-space indented as ACR sends it."""
    entries: list[dict[str, Any]] = [
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": 1000 + i,
            "digest": f"sha256:{i:064x}",
            "platform": {"architecture": ("amd64", "arm64")[i % 2], "os": "linux"},
            "annotations": {"org.opencontainers.image.description": f"Café 🐳 build {i}"},
        }
        for i in range(target // 400)
    ]
    entries[-1]["annotations"]["last"] = "needle-at-the-end"
    doc = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json"}
    raw = json.dumps({**doc, "manifests": entries}, indent=3, ensure_ascii=False).encode()
    return raw, entries


@pytest.fixture(scope="module")
def big() -> tuple[bytes, list[dict[str, Any]]]:
    return big_index()


@pytest.fixture
def shown(view: JsonView, qtbot: QtBot) -> JsonView:
    view.show()
    qtbot.waitExposed(view)
    return view


def load_big(view: JsonView, qtbot: QtBot, raw: bytes) -> int:
    """set_document(raw) and wait for it; how often a 5 ms timer ticked meanwhile."""
    ticks: list[int] = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    with qtbot.waitSignal(view.loaded, timeout=60_000):
        view.set_document(raw)
        loading_at_return = view.loading
    timer.stop()
    assert loading_at_return  # set_document returned before the work was done
    assert not view.loading
    return len(ticks)


def test_a_4_mib_manifest_loads_while_the_event_loop_keeps_running(
    shown: JsonView, qtbot: QtBot, big: tuple[bytes, list[dict[str, Any]]]
) -> None:
    raw, _ = big
    assert len(raw) > 4 << 20
    ticks = load_big(shown, qtbot, raw)
    assert ticks >= 3  # the UI thread ran its timers while the document was prepared and loaded
    assert shown.text() == shown.editor.toPlainText() == pretty(raw)
    assert shown.size_label.text() == f"{len(raw):,} bytes"
    assert shown.note_label.text() == ""


def test_a_big_document_is_coloured_where_it_is_seen(
    shown: JsonView, qtbot: QtBot, big: tuple[bytes, list[dict[str, Any]]]
) -> None:
    load_big(shown, qtbot, big[0])
    document = shown.editor.document()
    assert document.firstBlock().next().layout().formats()  # '  "schemaVersion": 2,'
    middle = document.findBlockByNumber(document.blockCount() // 2)
    assert middle.layout().formats() == []  # never on screen: never coloured
    shown.editor.verticalScrollBar().setValue(shown.editor.verticalScrollBar().maximum())
    last = document.lastBlock().previous()  # ']' then '}'
    qtbot.waitUntil(lambda: bool(last.layout().formats()))


def test_find_in_a_big_document_reaches_the_last_match(
    shown: JsonView, qtbot: QtBot, big: tuple[bytes, list[dict[str, Any]]]
) -> None:
    raw, entries = big
    load_big(shown, qtbot, raw)
    shown.focus_find()
    shown.find_bar.edit.setText("NEEDLE-AT-THE")
    qtbot.waitUntil(lambda: shown.find_bar.count.text() == "1 of 1")
    position = utf16(shown.text()).index("needle-at-the-end")
    cursor = shown.editor.textCursor()
    assert (cursor.selectedText(), cursor.selectionStart()) == ("needle-at-the", position)
    assert visible(shown, position)
    shown.find_bar.edit.setText("sha256:")
    qtbot.waitUntil(lambda: shown.find_bar.count.text() == f"1 of {len(entries)}")


def test_highlight_digest_finds_a_descriptor_at_the_end_of_a_big_document(
    shown: JsonView, qtbot: QtBot, big: tuple[bytes, list[dict[str, Any]]]
) -> None:
    raw, entries = big
    load_big(shown, qtbot, raw)
    shown.highlight_digest(entries[-1]["digest"])  # False until the worker has indexed it
    qtbot.waitUntil(lambda: bool(shown.editor.extraSelections()), timeout=60_000)
    assert marked(shown) == entries[-1]
    assert visible(shown, utf16(shown.text()).index(entries[-1]["digest"]))
    assert shown.highlight_digest(entries[-2]["digest"])  # indexed now: found at once
    assert marked(shown) == entries[-2]
    assert not shown.highlight_digest("sha256:" + "f" * 64)


def test_exact_bytes_on_a_big_document_keeps_the_place(
    shown: JsonView, qtbot: QtBot, big: tuple[bytes, list[dict[str, Any]]]
) -> None:
    raw, entries = big
    load_big(shown, qtbot, raw)
    digest = entries[len(entries) // 2]["digest"]
    qtbot.waitUntil(lambda: shown.highlight_digest(digest), timeout=60_000)
    assert visible(shown, utf16(shown.text()).index(digest))
    with qtbot.waitSignal(shown.loaded, timeout=60_000):
        shown.exact_toggle.click()
    assert shown.text() == raw.decode()
    assert visible(shown, utf16(shown.text()).index(digest))
    qtbot.waitUntil(lambda: bool(shown.editor.extraSelections()), timeout=60_000)
    assert marked(shown) == entries[len(entries) // 2]


def test_a_document_prepared_on_a_worker_is_not_prepared_again(
    view: JsonView, qtbot: QtBot
) -> None:
    raw, _ = big_index(300 * 1024)
    view.set_document(raw, prepared=prepare(raw))
    assert view.text() == pretty(raw)  # at once; the editor gets it piece by piece from here
    assert view.note_label.text() == ""
    assert view.loading
    qtbot.waitUntil(lambda: not view.loading)
    assert view.editor.toPlainText() == pretty(raw)


@pytest.mark.parametrize("name", ALL)
def test_anchor_names_the_same_token_in_pretty_and_exact_text(name: str) -> None:
    raw = load(name)
    exact, nice = raw.decode(), pretty(raw)
    for old, new in ((exact, nice), (nice, exact)):
        old_tokens = [m.start() for m in TOKEN.finditer(old)]
        new_tokens = [m.start() for m in TOKEN.finditer(new)]
        for i in range(0, len(old_tokens), 7):
            assert anchor(old, old_tokens[i], new) == new_tokens[i]


# -- long lines: cut for display, exact for Copy, find and descriptor marks -----------------------
def compact_index(count: int) -> tuple[bytes, list[dict[str, Any]]]:
    """A one-line OCI index as crane or ORAS push it, with commas and escapes inside strings."""
    raw, entries = big_index(400 * count)
    for i, entry in enumerate(entries):
        entry["annotations"]["odd"] = 'a, "quoted", \\ back,slash' if i % 3 else "🐳," * 40
    return compact(json.loads(raw) | {"manifests": entries}), entries


def copied(view: JsonView, qtbot: QtBot) -> str:
    """Select all and Ctrl+C in the editor, as a person would; what the clipboard got."""
    QGuiApplication.clipboard().clear()
    view.editor.setFocus()
    qtbot.keyClick(view.editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.editor, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    return QGuiApplication.clipboard().text()


def test_a_compact_document_is_shown_in_blocks_and_copied_exactly(
    shown: JsonView, qtbot: QtBot
) -> None:
    raw, _ = compact_index(150)
    assert b"\n" not in raw and len(raw) > 10 * WRAP
    shown.exact_toggle.setChecked(True)
    shown.set_document(raw)
    exact = raw.decode()
    assert shown.text() == exact
    document = shown.editor.document()
    blocks = [document.findBlockByNumber(i).text() for i in range(document.blockCount())]
    assert len(blocks) > 10
    assert max(map(len, blocks)) <= WRAP
    assert "".join(blocks) == exact  # the cuts only added line breaks
    assert all(block.endswith(",") for block in blocks[:-1])  # at commas between values
    assert f"{WRAP:,} characters" in shown.note_label.text()
    assert "Copy" in shown.note_label.text()
    assert copied(shown, qtbot) == exact

    # A selection across a cut copies the exact characters, without the added break.
    cursor = QTextCursor(document)
    start = document.findBlockByNumber(1).position() - 30
    cursor.setPosition(start)
    cursor.setPosition(start + 60, QTextCursor.MoveMode.KeepAnchor)
    shown.editor.setTextCursor(cursor)
    shown.editor.copy()
    before, after = cursor.selectedText().split("\u2029")  # the cut is a paragraph break
    position = len(blocks[0]) - len(before)  # the same place in the exact text
    assert QGuiApplication.clipboard().text() == before + after
    assert exact[position : position + len(before + after)] == before + after


def test_find_and_marks_in_a_compact_document_count_the_exact_text(
    shown: JsonView, qtbot: QtBot
) -> None:
    raw, entries = compact_index(150)
    shown.exact_toggle.setChecked(True)
    shown.set_document(raw)
    document = shown.editor.document()
    second = document.findBlockByNumber(1).text()
    term = document.findBlockByNumber(0).text()[-6:] + second[:6]  # across the first cut
    exact = raw.decode()
    shown.focus_find()
    shown.find_bar.edit.setText(term)
    qtbot.waitUntil(lambda: shown.find_bar.count.text() == f"1 of {exact.count(term)}")
    assert shown.editor.textCursor().selectedText().replace("\u2029", "") == term
    shown.find_bar.edit.setText("MEDIATYPE")
    expected = exact.lower().count("mediatype")
    qtbot.waitUntil(lambda: shown.find_bar.count.text() == f"1 of {expected}")
    shown.close_find()
    for entry in (entries[0], entries[len(entries) // 2], entries[-1]):
        assert shown.highlight_digest(entry["digest"])
        assert marked(shown) == entry
        assert visible(shown, shown.editor.textCursor().position())
    shown.exact_toggle.click()  # pretty: short lines, nothing cut, no note
    assert shown.text() == pretty(raw) == shown.editor.toPlainText()
    assert shown.note_label.text() == ""
    assert marked(shown) == entries[-1]


def test_exact_copy_keeps_crlf_and_astral_characters_of_long_lines(
    view: JsonView, qtbot: QtBot
) -> None:
    body, _ = compact_index(40)
    raw = b"{\r\n" + body[1:-1] + b"\r\n}\r\n"  # still JSON: CRLF is whitespace
    view.exact_toggle.setChecked(True)
    view.set_document(raw)
    assert view.text() == raw.decode()
    assert view.editor.document().blockCount() > 4
    assert copied(view, qtbot) == raw.decode()
    text = "x" * 50 + "🐳," * 5000 + "\r" + "é," * 6000 + "\r\n" + "end"
    view.set_document(text.encode())  # not JSON: shown as text, cut all the same
    assert "Not JSON" in view.note_label.text() and "Copy" in view.note_label.text()
    assert copied(view, qtbot) == text


def test_a_compact_4_mib_manifest_in_exact_bytes_loads_while_the_event_loop_keeps_running(
    shown: JsonView, qtbot: QtBot
) -> None:
    raw, entries = compact_index(11_500)
    assert len(raw) > 4 << 20
    shown.exact_toggle.setChecked(True)
    ticks = load_big(shown, qtbot, raw)
    assert ticks >= 3
    assert shown.text() == raw.decode()
    document = shown.editor.document()
    assert document.blockCount() >= len(shown.text()) // WRAP
    assert max(len(document.findBlockByNumber(i).text()) for i in range(100)) <= WRAP
    qtbot.waitUntil(lambda: shown.highlight_digest(entries[-1]["digest"]), timeout=60_000)
    assert marked(shown) == entries[-1]
    assert copied(shown, qtbot) == raw.decode()


def test_shown_text_maps_editor_positions_to_exact_ones() -> None:
    samples = [
        compact({"a": "x" * 120, "b": "y\\" * 40, "c": 1, "d": ["e", 3] * 20, "f": "🐳,é" * 9}),
        b"{\r\n" + b"1,\r" * 30 + b'"tail"\r\n}',
    ]
    for sample in samples:
        text = sample.decode()
        for width in (10, 25, 60):
            view = shown_text(text, width)
            shown = document_text(text)
            assert view.shown == shown
            display = document_text(view.display)
            assert all(display[mark] == "\n" for mark in view.marks)
            kept = set(range(len(display))) - set(view.marks)
            assert "".join(display[i] for i in sorted(kept)) == shown
            for position in range(len(shown) + 1):
                assert view.from_display(view.to_display(position)) == position
                if not "\ud800" <= shown[position - 1 : position] <= "\udbff":  # not mid-pair
                    assert document_text(text[: source_index(text, position)]) == shown[:position]
            assert view.source(0, len(shown)) == text


# -- construction: nothing costly until the first document ----------------------------------------
def test_an_empty_view_colours_nothing_and_starts_no_worker(qtbot: QtBot) -> None:
    view = JsonView()
    qtbot.addWidget(view)
    with qtbot.waitActive(view):
        view.show()
        view.activateWindow()
    assert view.findChildren(LazyHighlighter) == []  # no colours, formats or passes
    assert view.findChildren(JobRunner) == []  # no worker
    assert view.findChildren(FindBar) == []  # the find row comes with the first Ctrl+F
    assert not view.exact_toggle.isEnabled()
    assert view.text() == view.editor.toPlainText() == ""
    assert not view.loading

    view.set_document(load(MANIFEST))  # small: prepared here, still no worker
    (highlighter,) = view.findChildren(LazyHighlighter)
    assert highlighter.passes >= 1
    assert view.editor.document().firstBlock().next().layout().formats()
    assert view.findChildren(JobRunner) == []
    view.editor.setFocus()
    view.focus_find()  # what the window's Ctrl+F calls
    assert view.find_bar.isVisible() and view.find_bar.edit.hasFocus()
    with qtbot.waitSignal(view.loaded, timeout=60_000):
        view.set_document(big_index(300 * 1024)[0])
    assert len(view.findChildren(JobRunner)) == 1
