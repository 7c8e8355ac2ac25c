"""Browsing from the window: catalog → repository → tags → inspect; a denied catalog; thousands
of tags over pages; ACR metadata with and without metadata_read; history, bookmarks, referrers."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from acr_desktop.registry.auth import Credentials
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.navigator import CATALOG_HELP
from tests.registry.test_browse import TAGS, acr_like
from tests.rig import PULLER_PASSWORD, PULLER_USER, FakeRequest, FakeServer, Registry


def wait_tags(qtbot: QtBot, window: MainWindow) -> None:
    nav = window.navigator
    qtbot.waitUntil(
        lambda: not nav.runner.is_busy("tags") and "Loading" not in nav.tag_status.text(),
        timeout=10_000,
    )


def test_catalog_repository_tags_then_inspect(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    nav = window.navigator
    nav.registry_box.setEditText(anon_registry.host)
    nav.load_repositories()
    qtbot.waitUntil(
        lambda: (
            "repositories" in nav.repo_status.text() and "Loading" not in nav.repo_status.text()
        ),
        timeout=10_000,
    )
    repos = nav.repo_model.stringList()
    assert {"test/app", "test/other", "public/hello"} <= set(repos)
    nav.repo_filter.setText("OTHER")
    assert nav.repo_proxy.rowCount() == 1
    nav.repo_filter.setText("")
    nav.load_tags("test/app")
    wait_tags(qtbot, window)
    names = nav.tags_model.names()
    assert names[:3] == ["1.10", "1.9", "1.2"]  # newest versions first, words after them
    assert set(names[3:]) == {"artifact", "docker", "index", "latest", "list", "oci"}
    nav.order.setCurrentIndex(1)
    assert nav.tags_model.names()[:3] == ["1.2", "1.9", "1.10"]
    row = nav.tags_model.names().index("oci")
    with qtbot.waitSignal(window.inspected, timeout=10_000) as shown:
        nav.tags.setCurrentIndex(nav.tags_model.index(row, 0))
        nav.tags.clicked.emit(nav.tags_model.index(row, 0))
    assert shown.args[0].top.digest == anon_registry.content["test/app:oci"].digest


def test_denied_catalog_says_why_and_opens_by_name(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    window.store.session_only(token_registry.host, Credentials(PULLER_USER, PULLER_PASSWORD))
    window.preferences.set_username(token_registry.host, PULLER_USER)
    nav = window.navigator
    nav.load_repositories(token_registry.host)
    qtbot.waitUntil(lambda: CATALOG_HELP in nav.repo_status.text(), timeout=10_000)
    nav.open_repository("test/app")
    wait_tags(qtbot, window)
    assert "oci" in nav.tags_model.names()
    assert nav.opened_by_name[token_registry.host] == ["test/app"]
    assert "test/app" in nav.repo_model.stringList()


def test_ten_thousand_tags_load_page_by_page_and_filter(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    names = [f"1.{i}" for i in range(10_000)]

    def tags(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        last = req.query.get("last", [None])[0]
        start = int(last.split(".")[1]) + 1 if last else 0
        page = names[start : start + 1000]
        headers = {"Content-Type": "application/json"}
        if start + 1000 < len(names):
            headers["Link"] = f'</v2/r/tags/list?n=1000&last={page[-1]}>; rel="next"'
        return 200, headers, json.dumps({"tags": page}).encode()

    fake_server.reply("GET", r"/acr/v1/.*", 404, {}, b"404 page not found")
    fake_server.route("GET", r"/v2/r/tags/list", tags)
    nav = window.navigator
    nav.registry = fake_server.host
    pages: list[int] = []
    nav.load_tags("r")
    qtbot.waitUntil(lambda: nav.tags_model.total() > 0, timeout=10_000)
    pages.append(nav.tags_model.total())
    wait_tags(qtbot, window)
    assert nav.tags_model.total() == 10_000
    assert nav.tags_model.names()[:2] == ["1.9999", "1.9998"]
    assert pages[0] < 10_000  # the first page was shown before the rest arrived
    nav.tag_filter.setText("1.99*")
    qtbot.wait(300)  # typing is debounced
    assert nav.tags_model.rowCount() == 111
    nav.tag_filter.setText("999")
    qtbot.wait(300)
    assert nav.tags_model.rowCount() == 19  # 1.999, 1.9990-1.9999, 1.1999 … 1.8999


def test_acr_metadata_and_missing_permission(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    acr_like(fake_server, ["pull", "metadata_read"])
    window.store.session_only(fake_server.host, Credentials("u", "p-SECRET"))
    window.preferences.set_username(fake_server.host, "u")
    nav = window.navigator
    nav.registry = fake_server.host
    nav.load_tags("team/app")
    wait_tags(qtbot, window)
    assert nav.tags_model.total() == len([t for t in TAGS if t])
    assert "newest first from ACR" in nav.tag_status.text()
    assert not nav.tags.isColumnHidden(nav.tags_model.COL_LOCKS)
    row = nav.tags_model.names().index("1.4")
    assert nav.tags_model.index(row, nav.tags_model.COL_LOCKS).data() == "no write, no delete"
    assert nav.tags_model.index(row, nav.tags_model.COL_SIGNED).data() == "✔ DCT (deprecated)"
    nav.order.setCurrentIndex(2)  # recently updated: as ACR sent them
    assert nav.tags_model.names() == ["1.4", "latest", "1.3"]


def test_without_metadata_read_the_plain_list_and_a_note(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    acr_like(fake_server, ["pull"])
    fake_server.reply_json(
        "GET", r"/v2/team/app/tags/list", 200, {"tags": ["1.3", "1.4", "latest"]}
    )
    window.store.session_only(fake_server.host, Credentials("u", "p-SECRET"))
    window.preferences.set_username(fake_server.host, "u")
    nav = window.navigator
    nav.registry = fake_server.host
    nav.load_tags("team/app")
    wait_tags(qtbot, window)
    assert nav.tags_model.total() == 3
    assert "metadata_read permission on team/app" in nav.tag_status.text()
    assert nav.tags.isColumnHidden(nav.tags_model.COL_UPDATED)


def test_back_forward_and_bookmarks(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    a, b = f"{anon_registry.host}/test/app:oci", f"{anon_registry.host}/test/app:docker"
    for text in (a, b):
        with qtbot.waitSignal(window.inspected, timeout=10_000):
            window.inspect_text(text)
    with qtbot.waitSignal(window.inspected, timeout=10_000) as back:
        qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert str(back.args[0].reference) == a
    assert window.forward_button.isEnabled()
    with qtbot.waitSignal(window.inspected, timeout=10_000) as forward:
        qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert str(forward.args[0].reference) == b
    window.toggle_bookmark()
    assert window.bookmarks() == [b]
    assert window.bookmark_button.text() == "★"
    assert b in [action.text() for action in window.bookmarks_menu.actions()]
    window.toggle_bookmark()
    assert window.bookmarks() == []


def test_referrers_tab_lists_and_opens(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    import requests

    subject = anon_registry.content["test/app:oci"]
    artifact = anon_registry.content["test/app:artifact"]
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": artifact.media_type,
                "digest": artifact.digest,
                "size": artifact.size,
                "artifactType": "application/spdx+json",
            }
        ],
    }
    tag = subject.digest.replace(":", "-")
    put = requests.put(
        f"{anon_registry.url}/v2/test/app/manifests/{tag}",
        data=json.dumps(index),
        headers={"Content-Type": "application/vnd.oci.image.index.v1+json"},
        timeout=10,
    )
    assert put.status_code == 201
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        window.inspect_text(f"{anon_registry.host}/test/app:oci")
    inspector = window.inspector
    inspector.tabs.setCurrentIndex(3)
    panel = inspector.referrers_panel
    qtbot.waitUntil(lambda: panel.report is not None, timeout=10_000)
    model = panel.model
    sbom_of = model.index(0, 0)  # the subject's row
    assert model.rowCount() == 1 and model.rowCount(sbom_of) == 1
    assert model.index(0, 0, sbom_of).data() == "SPDX SBOM"
    with qtbot.waitSignal(window.inspected, timeout=10_000) as opened:
        panel.tree.setCurrentIndex(model.index(0, 0, sbom_of))
        panel.tree.activated.emit(model.index(0, 0, sbom_of))
    assert opened.args[0].top.digest == artifact.digest


def test_known_registries_and_split_survive_a_restart(
    qtbot: QtBot, window: MainWindow, anon_registry: Registry
) -> None:
    from tests.ui.conftest import CountingClient

    with qtbot.waitSignal(window.inspected, timeout=10_000):
        window.inspect_text(f"{anon_registry.host}/test/app:oci")
    window.split.setSizes([250, 950])
    window.close()
    again = MainWindow(preferences=window.preferences, store=window.store, client=CountingClient())
    qtbot.addWidget(again)
    again.show()  # a restart shows the window: the divider is restored at its size
    assert anon_registry.host in [
        again.navigator.registry_box.itemText(i)
        for i in range(again.navigator.registry_box.count())
    ]
    assert abs(again.split.sizes()[0] - 250) < 30  # restored (scaled to the new window size)
    assert not again.back_button.isEnabled() and not again.forward_button.isEnabled()
