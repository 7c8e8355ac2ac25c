"""The navigator's Stop: it shows while a listing runs, stops that listing and nothing else (an
inspect carries on), keeps what was listed, and says so."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.navigator import Navigator
from tests.rig import FakeRequest, FakeServer
from tests.rig.fake_server import Response
from tests.ui.test_nav_switch import Gate, enter_registry, gate, settle

__all__ = ["gate"]  # the fixture, shared


def listing(nav: Navigator) -> tuple[bool, bool, bool]:
    """(a listing runs, the repositories' Stop shows, the tags' Stop shows)."""
    return nav.busy, nav.repo_stop.isVisible(), nav.tags_stop.isVisible()


def test_stop_ends_a_slow_repository_listing_and_leaves_the_inspect_alone(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer, gate: Gate
) -> None:
    fake_server.route("GET", r"/v2/_catalog", lambda _r: gate.held({"repositories": ["a"]}))
    fake_server.route("GET", r"/v2/app/manifests/v1", lambda _r: gate.held({}))
    nav = window.navigator
    changes: list[bool] = []
    nav.listing_changed.connect(changes.append)
    window.inspect_text(f"{fake_server.host}/app:v1")
    enter_registry(qtbot, nav, fake_server.host)
    assert listing(nav) == (True, True, False) and changes == [True]
    assert window.inspecting.busy

    qtbot.mouseClick(nav.repo_stop, Qt.MouseButton.LeftButton)

    assert listing(nav) == (False, False, False) and changes == [True, False]
    assert nav.repo_status.text() == "Stopped before the end of the list."
    assert window.inspecting.busy  # the inspect carries on…
    with qtbot.waitSignal(window.inspected, timeout=10_000):  # …and its answer arrives
        gate.open.set()
    settle(nav, qtbot)
    assert nav.repo_model.rowCount() == 0  # the stopped listing's answer was dropped
    assert nav.repo_status.text() == "Stopped before the end of the list."


def test_stop_ends_a_slow_tag_listing_and_keeps_the_tags_listed(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer, gate: Gate
) -> None:
    def tags(req: FakeRequest) -> Response:
        if "last" in req.query:  # the second page: held
            return gate.held({"tags": ["late"]})
        page = {"tags": [f"1.{i}" for i in range(100)]}
        link = '</v2/r/tags/list?n=100&last=1.99>; rel="next"'
        return 200, {"Content-Type": "application/json", "Link": link}, json.dumps(page).encode()

    fake_server.reply("GET", r"/acr/v1/.*", 404, {}, b"404 page not found")
    fake_server.route("GET", r"/v2/r/tags/list", tags)
    nav = window.navigator
    nav.registry = fake_server.host
    nav.load_tags("r")
    qtbot.waitUntil(lambda: nav.tags_model.total() == 100, timeout=10_000)
    assert listing(nav) == (True, False, True)

    qtbot.mouseClick(nav.tags_stop, Qt.MouseButton.LeftButton)

    assert listing(nav) == (False, False, False)
    assert nav.tag_status.text() == "100 tags\nStopped before the end of the list."
    gate.open.set()
    settle(nav, qtbot)
    assert nav.tags_model.total() == 100 and "late" not in nav.tags_model.names()


def test_cancel_listing_says_whether_it_stopped_anything(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer, gate: Gate
) -> None:
    fake_server.route("GET", r"/v2/_catalog", lambda _r: gate.held({"repositories": ["a"]}))
    nav = window.navigator
    assert not nav.cancel_listing()
    nav.load_repositories(fake_server.host)
    with qtbot.waitSignal(nav.listing_changed, timeout=1_000) as changed:
        assert nav.cancel_listing()
    assert changed.args == [False]
    assert not nav.cancel_listing()


def test_the_window_cancel_stops_the_inspect_only_and_esc_in_the_navigator_the_listing(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer, gate: Gate
) -> None:
    fake_server.route("GET", r"/v2/_catalog", lambda _r: gate.held({"repositories": ["a"]}))
    fake_server.route("GET", r"/v2/app/manifests/v1", lambda _r: gate.held({}))
    nav = window.navigator
    enter_registry(qtbot, nav, fake_server.host)
    assert listing(nav)[0] and window.go_button.text() == "Inspect"  # a listing is not an inspect
    window.inspect_text(f"{fake_server.host}/app:v1")
    assert window.go_button.text() == "Cancel"
    qtbot.mouseClick(window.go_button, Qt.MouseButton.LeftButton)
    assert not window.inspecting.busy and window.go_button.text() == "Inspect"
    assert listing(nav)[0]  # the listing carries on
    window.reference_bar.setFocus()
    qtbot.keyClick(window.reference_bar, Qt.Key.Key_Escape)
    assert listing(nav)[0]  # Esc outside the navigator: nothing of the navigator's
    nav.repos.setFocus()
    qtbot.keyClick(nav.repos, Qt.Key.Key_Escape)
    assert not listing(nav)[0]
    assert window.status.text() == "Stopped listing."
    gate.open.set()
