"""Switching registry in the navigator: both lists (and what they said) empty at once, answers
from the registry before are dropped, a tag opens on the registry it was listed from, and the
registry box never adds what was typed into it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from pytestqt.qtbot import QtBot

from acr_desktop.registry.reference import Reference
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.navigator import Navigator
from tests.rig import FakeRequest, FakeServer, Registry
from tests.rig.fake_server import Response

OLD_REPOSITORIES = ["old/one", "old/two"]
OLD_TAGS = ["old-1", "old-2"]


class Gate:
    """Holds a fake server's answers until opened; says when they have been sent."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.sent = threading.Event()

    def held(self, body: object) -> Response:
        self.open.wait(20)
        self.sent.set()
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.open.set()  # never leave a server thread waiting


def slow_registry(server: FakeServer, gate: Gate) -> None:
    """A registry whose catalog and tag list answer only when the gate opens."""
    server.reply("GET", r"/acr/v1/.*", 404, {}, b"404 page not found")
    server.route("GET", r"/v2/_catalog", lambda _r: gate.held({"repositories": OLD_REPOSITORIES}))

    def tags(req: FakeRequest) -> Response:
        return gate.held({"name": req.groups["name"], "tags": OLD_TAGS})

    server.route("GET", r"/v2/(?P<name>.+)/tags/list", tags)


def enter_registry(qtbot: QtBot, nav: Navigator, host: str) -> None:
    """Type `host` into the registry box and press Enter, as a person does."""
    edit = nav.registry_box.lineEdit()
    assert edit is not None
    edit.clear()
    qtbot.keyClicks(edit, host)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def list_anon_tags(qtbot: QtBot, nav: Navigator, registry: Registry) -> None:
    enter_registry(qtbot, nav, registry.host)
    qtbot.waitUntil(lambda: not nav.busy and nav.repo_model.rowCount() >= 3, timeout=10_000)
    row = nav.repo_model.stringList().index("test/app")
    qtbot.mouseClick(
        nav.repos.viewport(),
        Qt.MouseButton.LeftButton,
        pos=nav.repos.visualRect(nav.repo_proxy.index(row, 0)).center(),
    )
    qtbot.waitUntil(lambda: not nav.busy and nav.tags_model.total() > 0, timeout=10_000)


def settle(nav: Navigator, qtbot: QtBot) -> None:
    """Every worker thread ended, and what they sent delivered."""
    qtbot.waitUntil(lambda: nav.runner.wait(0), timeout=10_000)
    QCoreApplication.processEvents()


def test_switching_registry_empties_both_lists_at_once(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry, fake_server: FakeServer, gate: Gate
) -> None:
    nav = window.navigator
    list_anon_tags(qtbot, nav, anon_registry)
    nav.tag_filter.setText("1.")
    qtbot.waitUntil(lambda: nav.tag_status.text().startswith("3 of "), timeout=5_000)
    slow_registry(fake_server, gate)

    enter_registry(qtbot, nav, fake_server.host)

    # Before the new registry has said anything:
    assert not gate.sent.is_set()
    assert nav.repo_model.rowCount() == 0
    assert nav.tags_model.total() == 0 and nav.tags_model.rowCount() == 0
    assert nav.tag_status.text() == "" and nav.tag_filter.text() == ""
    assert nav.tags_title.text() == "Tags"
    assert nav.repo_status.text() == "Loading repositories…"
    assert nav.registry == fake_server.host
    gate.open.set()
    qtbot.waitUntil(lambda: nav.repo_status.text() == "2 repositories", timeout=10_000)
    assert nav.repo_model.stringList() == OLD_REPOSITORIES


def test_a_late_answer_from_the_registry_before_is_dropped(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry, fake_server: FakeServer, gate: Gate
) -> None:
    slow_registry(fake_server, gate)
    nav = window.navigator
    enter_registry(qtbot, nav, fake_server.host)
    nav.open_repository("old/one")  # both listings now wait on the old registry
    assert nav.busy

    enter_registry(qtbot, nav, anon_registry.host)  # repositories only: no tag listing
    qtbot.waitUntil(lambda: not nav.busy and nav.repo_model.rowCount() >= 3, timeout=10_000)
    gate.open.set()  # the old registry answers, late
    qtbot.waitUntil(gate.sent.is_set, timeout=10_000)
    settle(nav, qtbot)

    assert not set(nav.repo_model.stringList()) & {*OLD_REPOSITORIES}
    assert "test/app" in nav.repo_model.stringList()
    assert nav.tags_model.total() == 0
    assert nav.tags_title.text() == "Tags" and nav.tag_status.text() == ""
    assert nav.registry == anon_registry.host


def test_a_tag_opens_on_the_registry_it_was_listed_from(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    nav = window.navigator
    list_anon_tags(qtbot, nav, anon_registry)
    nav.registry_box.setEditText("elsewhere.example")  # typed, not browsed
    row = nav.tags_model.names().index("oci")
    rect = nav.tags.visualRect(nav.tags_model.index(row, 0))
    with (
        qtbot.waitSignal(nav.reference_chosen, timeout=5_000) as chosen,
        qtbot.waitSignal(window.inspected, timeout=10_000) as shown,
    ):
        qtbot.mouseClick(nav.tags.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args[0] == Reference(anon_registry.host, "test/app", "oci")
    assert shown.args[0].top.digest == anon_registry.content["test/app:oci"].digest


def test_the_registry_box_does_not_add_what_was_typed(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    nav = window.navigator
    nav.set_registries([anon_registry.host])
    enter_registry(qtbot, nav, "127.0.0.1:1")  # refused: nothing there
    qtbot.waitUntil(lambda: "Could not reach" in nav.repo_status.text(), timeout=10_000)
    items = [nav.registry_box.itemText(i) for i in range(nav.registry_box.count())]
    assert items == [anon_registry.host]
    nav.registry_box.setEditText(anon_registry.host)
    qtbot.mouseClick(nav.browse_button, Qt.MouseButton.LeftButton)  # Browse lists it
    qtbot.waitUntil(lambda: "test/app" in nav.repo_model.stringList(), timeout=10_000)
