"""The tag list's optional columns through the real window: only the rows in view are filled
(requests counted), scrolling fills more, aliases are marked, an index shows its platforms and
size range, the request budget and the requests in flight are never exceeded, another
repository cancels the fill; on ACR the metadata answers (one `_manifests` request); the
header menu shows and remembers columns; a tag's menu asks to compare."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.reference import Reference
from acr_desktop.text import format_size
from acr_desktop.ui import tag_details, tag_rounds
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.nav_tags import TagPane
from acr_desktop.ui.tags_model import TagsModel
from tests.registry.test_browse import jwt
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeRequest, FakeServer, Registry
from tests.rig.content import Manifest, _push_manifest, image, index
from tests.rig.kinds import oci_index, platform_image

REPO = "h4/tags"
SHOTS = Path("/tmp/team/shots")


@dataclass
class Pushed:
    registry: str
    by_tag: dict[str, Manifest] = field(default_factory=dict)


@pytest.fixture(scope="module")
def pushed(layers_registry: Registry) -> Pushed:
    """61 tags on `layers_registry`: 1.0 … 1.49 and 2.0 … 2.5 (images), `multi` (an index of
    two platforms), `wide` (an index of 17) and aliases: latest = 1.49, stable = 1.40,
    multi-latest = multi."""
    out = Pushed(layers_registry.host)
    tags: list[tuple[str, Manifest]] = []
    for name in [f"1.{n}" for n in range(50)] + [f"2.{n}" for n in range(6)]:
        tags.append((name, image(REPO, f"h4-{name}", docker=False)))
    two = [
        image(REPO, "m-amd64", docker=False),
        image(REPO, "m-arm64", "arm64", "v8", docker=False),
    ]
    multi = index(REPO, two, docker=False)
    arches = [("amd64", None), ("arm64", "v8"), ("arm", "v7"), ("arm", "v6"), ("386", None),
              ("ppc64le", None), ("s390x", None), ("riscv64", None), ("mips", None)]  # fmt: skip
    wide = oci_index(REPO, [platform_image(REPO, {"os": os, "architecture": a}
                                           | ({"variant": v} if v else {}))
                            for os in ("linux", "freebsd") for a, v in arches][:17])  # fmt: skip
    by = dict(tags)
    tags += [("multi", multi), ("multi-latest", multi), ("wide", wide), ("latest", by["1.49"]),
             ("stable", by["1.40"])]  # fmt: skip
    with requests.Session() as session:
        session.headers.update(layers_registry.push_headers((REPO,)))
        done: set[tuple[str, str]] = set()
        for tag, manifest in tags:
            _push_manifest(session, layers_registry.url, manifest, tag, done)
            out.by_tag[tag] = manifest
    return out


class Wire:
    """Every request the window's client sends, with when it started, and the most in flight."""

    def __init__(self, window: MainWindow) -> None:
        session = window.client.transport.session
        self.log: list[tuple[float, str, str]] = []
        self.in_flight = self.peak = 0
        lock = threading.Lock()
        send = session.send

        def counted(request: Any, **kwargs: Any) -> Any:
            with lock:
                self.log.append((time.monotonic(), request.method, request.path_url))
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
            try:
                return send(request, **kwargs)
            finally:
                with lock:
                    self.in_flight -= 1

        session.send = counted  # type: ignore[method-assign]

    def paths(self, part: str, since: float = 0.0) -> list[str]:
        return [p for t, _m, p in self.log if part in p and t >= since]

    def tags_fetched(self) -> set[str]:
        prefix = f"/v2/{REPO}/manifests/"
        return {p[len(prefix) :] for p in self.paths(prefix) if "sha256:" not in p}


def open_tags(qtbot: QtBot, window: MainWindow, registry: str, repository: str) -> TagPane:
    window.store.session_only(registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_username(registry, ALICE_USER)
    window.resize(1400, 900)
    nav = window.navigator
    nav.registry = registry
    nav.load_tags(repository)
    pane = nav.tag_pane
    qtbot.waitUntil(lambda: not pane.busy and "Loading" not in pane.status.text(), timeout=20_000)
    return pane


def settled(qtbot: QtBot, pane: TagPane) -> None:
    """The fill is done for what is in view (no round runs, none is due)."""
    details = pane.details

    def done() -> bool:
        if pane.runner.is_busy(tag_details.CHANNEL) or details.timer.isActive():
            return False
        return not details.wanted()[0]

    qtbot.waitUntil(done, timeout=20_000)


def cell(pane: TagPane, tag: str, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    row = pane.model.names().index(tag)
    return pane.model.index(row, column).data(role)


def in_view(pane: TagPane) -> list[str]:
    names = pane.model.names()
    return [names[r] for r in pane.details.rows_in_view()]


def shot(widget: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.split.setSizes([720, 680])  # a wide navigator: every column chosen in view
    widget.grab().save(str(SHOTS / name))


def test_only_rows_in_view_are_fetched_and_scrolling_fetches_more(
    qtbot: QtBot, window: MainWindow, pushed: Pushed
) -> None:
    wire = Wire(window)
    pane = open_tags(qtbot, window, pushed.registry, REPO)
    pane.show_column("digest", True)
    assert pane.model.total() == 61
    settled(qtbot, pane)
    first = in_view(pane)
    assert 5 <= len(first) < 40
    assert wire.tags_fetched() == set(first)  # one GET per tag in view, nothing else by tag
    top = first[0]
    assert cell(pane, top, TagsModel.COL_DIGEST) == pushed.by_tag[top].digest[:19]
    assert cell(pane, top, TagsModel.COL_PLATFORMS) == "linux/amd64"  # from the config
    size = pushed.by_tag[top].config.size + sum(b.size for b in pushed.by_tag[top].layers)  # type: ignore[union-attr]
    assert cell(pane, top, TagsModel.COL_SIZE, Qt.ItemDataRole.ToolTipRole).startswith(
        f"{size:,} bytes"
    )
    blobs = wire.paths("/blobs/")
    assert len(blobs) == len(first)  # one config each (platforms), no layer ever
    shot(window, "tag-columns-top.png")
    pane.table.scrollToBottom()
    settled(qtbot, pane)
    last = in_view(pane)
    assert "stable" in last
    assert wire.tags_fetched() == set(first) | set(last)
    assert len(wire.tags_fetched()) < pane.model.total()  # never the whole list
    assert wire.peak <= tag_rounds.IN_FLIGHT
    shot(window, "tag-columns-bottom.png")


def test_aliases_and_an_index(qtbot: QtBot, window: MainWindow, pushed: Pushed) -> None:
    wire = Wire(window)
    pane = open_tags(qtbot, window, pushed.registry, REPO)
    pane.show_column("kind", True)
    pane.show_column("created", True)
    pane.filter.setText("multi")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2, timeout=5_000)
    settled(qtbot, pane)
    assert cell(pane, "multi", TagsModel.COL_ALIASES) == "= multi-latest"
    assert cell(pane, "multi-latest", TagsModel.COL_ALIASES) == "= multi"
    assert cell(pane, "multi", TagsModel.COL_KIND) == "index"
    assert cell(pane, "multi", TagsModel.COL_PLATFORMS) == "linux/amd64, linux/arm64/v8"
    children = pushed.by_tag["multi"].children
    sizes = sorted(c.config.size + sum(b.size for b in c.layers) for c in children)  # type: ignore[union-attr]
    low, high = (format_size(n) for n in sizes)
    assert cell(pane, "multi", TagsModel.COL_SIZE) == (low if low == high else f"{low} – {high}")
    tip = cell(pane, "multi", TagsModel.COL_SIZE, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("2 platforms: ")
    assert cell(pane, "multi", TagsModel.COL_CREATED).startswith("2024-01-0")
    # two tags, one manifest; its two children once each; the first child's config once
    assert len(wire.tags_fetched()) == 2
    child_paths = [c.digest for c in children]
    fetched = wire.paths("/manifests/sha256:")
    assert sorted(p.rsplit("/", 1)[1] for p in fetched) == sorted(child_paths)
    assert len(wire.paths("/blobs/")) == 1
    pane.filter.setText("")  # back to the whole list: what is known is not asked again
    settled(qtbot, pane)
    assert set(wire.tags_fetched()) == {"multi", "multi-latest", *in_view(pane)}
    assert len(wire.paths("/manifests/sha256:")) == 2


def test_an_index_of_17_platforms(qtbot: QtBot, window: MainWindow, pushed: Pushed) -> None:
    wire = Wire(window)
    pane = open_tags(qtbot, window, pushed.registry, REPO)
    since = time.monotonic()  # a round for the rows in view before the filter may fetch configs
    pane.filter.setText("wide")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1, timeout=5_000)
    settled(qtbot, pane)
    assert cell(pane, "wide", TagsModel.COL_PLATFORMS) == "17 platforms"
    tip = cell(pane, "wide", TagsModel.COL_PLATFORMS, Qt.ItemDataRole.ToolTipRole)
    assert "linux/arm/v7" in tip and "freebsd/amd64" in tip
    size_tip = cell(pane, "wide", TagsModel.COL_SIZE, Qt.ItemDataRole.ToolTipRole)
    assert size_tip.startswith("17 platforms: ")
    assert len(wire.paths("/manifests/sha256:")) == 17  # each child once; no config, no layer
    assert wire.paths("/blobs/", since) == []
    shot(window, "tag-columns-wide.png")


def test_the_budget_and_the_requests_in_flight_are_never_exceeded(
    qtbot: QtBot, window: MainWindow, pushed: Pushed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tag_rounds, "ROUND_BUDGET", 7)
    monkeypatch.setattr(tag_rounds, "IN_FLIGHT", 3)
    rounds: list[tag_rounds.RoundResult] = []
    real_fill = tag_rounds.fill

    def fill(*args: Any) -> tag_rounds.RoundResult:
        result = real_fill(*args)
        rounds.append(result)
        return result

    monkeypatch.setattr(tag_rounds, "fill", fill)
    wire = Wire(window)
    pane = open_tags(qtbot, window, pushed.registry, REPO)
    settled(qtbot, pane)
    assert len(rounds) >= 3  # the rows in view took several rounds of 7
    assert all(r.requests <= 7 for r in rounds)
    assert any(r.exhausted for r in rounds)
    assert wire.peak <= 3
    asked = wire.paths("/manifests/") + wire.paths("/blobs/")  # 401s answered once each
    assert len(asked) <= sum(r.requests for r in rounds)
    assert wire.tags_fetched() == set(in_view(pane))


def test_another_repository_cancels_the_fill(
    qtbot: QtBot, window: MainWindow, pushed: Pushed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tag_rounds, "IN_FLIGHT", 1)  # slow enough to switch mid-way
    wire = Wire(window)
    pane = open_tags(qtbot, window, pushed.registry, REPO)
    qtbot.waitUntil(lambda: bool(wire.tags_fetched()), timeout=10_000)
    window.navigator.load_tags("test/app")
    switched = time.monotonic()
    assert not pane.model.pending
    qtbot.waitUntil(lambda: not pane.busy and pane.model.total() > 0, timeout=10_000)
    settled(qtbot, pane)
    qtbot.wait(300)
    late = [p for p in wire.paths(f"/v2/{REPO}/", since=switched + 0.1)]
    assert late == []  # nothing more asked of the list no longer shown
    assert cell(pane, "latest", TagsModel.COL_PLATFORMS) == "linux/amd64, linux/arm64/v8"


def test_header_menu_shows_and_remembers_columns(
    qtbot: QtBot, window: MainWindow, pushed: Pushed
) -> None:
    class Store:
        def __init__(self) -> None:
            self.keys: list[str] | None = ["kind", "size"]

        def tag_columns(self) -> list[str] | None:
            return self.keys

        def set_tag_columns(self, keys: list[str]) -> None:
            self.keys = list(keys)

    pane = open_tags(qtbot, window, pushed.registry, REPO)
    store = Store()
    pane.remember_columns(store)
    table = pane.table
    assert not table.isColumnHidden(TagsModel.COL_KIND)
    assert table.isColumnHidden(TagsModel.COL_DIGEST)
    assert pane.details.needs == frozenset({"kind", "size"})
    pane._column_menu(QPoint(5, 5))
    menu: QMenu = pane.column_menu
    actions = {a.text(): a for a in menu.actions()}
    assert not actions["DCT signed"].isEnabled()  # ACR's metadata only
    actions["Platforms"].trigger()
    menu.close()
    assert not table.isColumnHidden(TagsModel.COL_PLATFORMS)
    assert store.keys == ["kind", "size", "platforms"]
    tip = pane.model.headerData(TagsModel.COL_SIZE, Qt.Orientation.Horizontal,
                                Qt.ItemDataRole.ToolTipRole)  # fmt: skip
    assert "compressed" in tip


def test_compare_from_a_tags_menu(qtbot: QtBot, window: MainWindow, pushed: Pushed) -> None:
    pane = open_tags(qtbot, window, pushed.registry, REPO)
    table, model = pane.table, pane.model
    row = model.names().index("1.49")
    pos = table.visualRect(model.index(row, 0)).center()

    def right_click() -> None:
        click = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, table.mapToGlobal(pos))
        QApplication.sendEvent(table.viewport(), click)

    right_click()
    compare = {a.text(): a for a in pane.tag_menu.actions()}
    assert "Compare with…" in compare and not any(t.startswith("Compare these") for t in compare)
    with qtbot.waitSignal(pane.compare_wanted) as asked:
        compare["Compare with…"].trigger()
    assert asked.args == [Reference(pushed.registry, REPO, "1.49"), None]
    pane.tag_menu.close()
    other = model.names().index("1.48")
    selection = table.selectionModel()
    table.selectRow(row)
    flags = QItemSelectionModel.SelectionFlag
    selection.select(model.index(other, 0), flags.Select | flags.Rows)
    right_click()
    pair = [a for a in pane.tag_menu.actions() if a.text().startswith("Compare these two")]
    assert len(pair) == 1 and "1.48 ⇄ 1.49" in pair[0].text()
    with qtbot.waitSignal(pane.compare_wanted) as asked:
        pair[0].trigger()
    assert asked.args == [Reference(pushed.registry, REPO, "1.48"),
                          Reference(pushed.registry, REPO, "1.49")]  # fmt: skip
    pane.tag_menu.close()
    table.clearSelection()
    table.setCurrentIndex(model.index(model.names().index("1.47"), 0))  # the keyboard's row
    table.setFocus()
    # What Qt does for the Menu key (QWidgetWindow): a keyboard context menu at the focus
    # widget's cursor rectangle, which an item view answers with its current row.
    at = table.inputMethodQuery(Qt.InputMethodQuery.ImCursorRectangle).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, at, table.mapToGlobal(at))
    QApplication.sendEvent(table, event)
    assert pane.tag_menu.isVisible()
    keyed = {a.text(): a for a in pane.tag_menu.actions()}
    with qtbot.waitSignal(pane.compare_wanted) as asked:
        keyed["Compare with…"].trigger()
    assert asked.args == [Reference(pushed.registry, REPO, "1.47"), None]
    pane.tag_menu.close()


# -- ACR: the metadata answers -----------------------------------------------------------------
def _index_doc(children: list[tuple[str, str]]) -> bytes:
    manifests = [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d,
                  "size": 500, "platform": {"os": "linux", "architecture": a}}
                 for d, a in children]  # fmt: skip
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}).encode()


OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI = "application/vnd.oci.image.manifest.v1+json"


def acr_fake(server: FakeServer) -> dict[str, Any]:
    """An ACR-like registry: 40 images (1.0 … 1.39), `multi` (an index of two), aliases, a
    hostile tag name; `_tags` and `_manifests` with sizes, platforms and times."""
    token = jwt([{"type": "repository", "name": "team/app", "actions": ["pull", "metadata_read"]}])
    realm = f"{server.url}/oauth2/token"

    def digest(n: int) -> str:
        return "sha256:" + f"{n:064x}"

    children = [(digest(900), "amd64"), (digest(901), "arm64")]
    body = _index_doc(children)
    multi = "sha256:" + hashlib.sha256(body).hexdigest()
    tags = [{"name": f"1.{n}", "digest": digest(n), "createdTime": "2024-05-01T10:00:00Z",
             "lastUpdateTime": "2024-05-01T10:00:00Z"} for n in range(40)]  # fmt: skip
    tags += [{"name": "latest", "digest": digest(39)}, {"name": "multi", "digest": multi},
             {"name": "gone", "digest": digest(77)},
             {"name": "<b>evil</b>\u202e", "digest": digest(7)}]  # fmt: skip
    manifests = [{"digest": digest(n), "imageSize": 1_000_000 + n, "architecture": "amd64",
                  "os": "linux", "mediaType": OCI, "createdTime": "2024-05-01T10:00:00Z"}
                 for n in range(40)]  # fmt: skip
    manifests += [{"digest": d, "imageSize": 5_000_000 if a == "amd64" else 7_000_000,
                   "architecture": a, "os": "linux", "mediaType": OCI}
                  for d, a in children]  # fmt: skip
    manifests.append({"digest": multi, "mediaType": OCI_INDEX, "imageSize": 0})
    seen = {"manifests": 0, "v2": 0}

    def authed(req: FakeRequest) -> bool:
        return req.header("Authorization") == f"Bearer {token}"

    def challenge() -> tuple[int, dict[str, str], bytes]:
        scope = "repository:team/app:pull,metadata_read"
        return (
            401,
            {"WWW-Authenticate": f'Bearer realm="{realm}",service="fake",scope="{scope}"'},
            b"",
        )

    def listing(key: str, rows: list[dict[str, Any]]) -> Any:
        def answer(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
            if not authed(req):
                return challenge()
            seen[key] = seen.get(key, 0) + 1
            doc = {"registry": "x", "imageName": "team/app", key: rows}
            return 200, {"Content-Type": "application/json"}, json.dumps(doc).encode()

        return answer

    def manifest(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if not authed(req):
            return challenge()
        seen["v2"] += 1
        if req.path.endswith(multi):
            return 200, {"Content-Type": OCI_INDEX, "Docker-Content-Digest": multi}, body
        return (
            404,
            {"Content-Type": "application/json"},
            b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}',
        )

    granted = json.dumps({"access_token": token}).encode()
    server.route(
        "GET", r"/oauth2/token", lambda r: (200, {"Content-Type": "application/json"}, granted)
    )
    server.route("POST", r"/oauth2/token", lambda r: (405, {}, b""))
    server.route("GET", r"/acr/v1/team/app/_tags", listing("tags", tags))
    server.route("GET", r"/acr/v1/team/app/_manifests", listing("manifests", manifests))
    server.route("GET", r"/v2/team/app/manifests/.*", manifest)
    return seen


def test_on_acr_the_metadata_answers_in_a_few_requests(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    seen = acr_fake(fake_server)
    wire = Wire(window)
    pane = open_tags(qtbot, window, fake_server.host, "team/app")
    pane.show_column("kind", True)
    pane.show_column("created", True)
    pane.order.setCurrentIndex(2)  # as ACR sent them
    settled(qtbot, pane)
    assert seen["manifests"] == 1  # once for the repository
    assert seen["v2"] == 0  # images: everything from the metadata
    top = pane.model.names()[0]
    assert cell(pane, top, TagsModel.COL_SIZE) == "1.0 MB"
    assert cell(pane, top, TagsModel.COL_PLATFORMS) == "linux/amd64"
    assert cell(pane, top, TagsModel.COL_KIND) == "image"
    assert cell(pane, "1.39", TagsModel.COL_ALIASES) == "= latest"  # ACR's digests: all known
    pane.table.scrollToBottom()
    settled(qtbot, pane)
    assert cell(pane, "multi", TagsModel.COL_SIZE) == "5.0 MB – 7.0 MB", cell(
        pane, "multi", TagsModel.COL_SIZE, Qt.ItemDataRole.ToolTipRole
    )
    assert cell(pane, "multi", TagsModel.COL_PLATFORMS) == "linux/amd64, linux/arm64"
    assert seen["v2"] >= 1 and seen["manifests"] == 1
    assert cell(pane, "gone", TagsModel.COL_SIZE) == "⚠"  # not in ACR's list, and a 404
    assert "does not exist" in cell(pane, "gone", TagsModel.COL_SIZE, Qt.ItemDataRole.ToolTipRole)
    evil = [n for n in pane.model.names() if n.startswith("<b>")]
    assert evil and not [p for p in wire.paths("/v2/") if "evil" in p or "%3C" in p]
    shot(window, "tag-columns-acr.png")


def test_a_denied_registry_stops_the_fill_and_says_why(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    names = [f"1.{n}" for n in range(200)]
    fake_server.reply("GET", r"/acr/v1/.*", 404, {}, b"404 page not found")
    fake_server.reply_json("GET", r"/v2/r/tags/list", 200, {"tags": names})
    denied = {
        "errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]
    }
    fake_server.reply_json("GET", r"/v2/r/manifests/.*", 403, denied)
    nav = window.navigator
    nav.registry = fake_server.host
    nav.load_tags("r")
    pane = nav.tag_pane
    qtbot.waitUntil(lambda: bool(pane.details.note), timeout=20_000)
    qtbot.waitUntil(lambda: not pane.runner.is_busy(tag_details.CHANNEL), timeout=5_000)
    pane.table.scrollToBottom()  # no new round once stopped
    qtbot.wait(tag_details.SETTLE_MS * 3)
    asked = [r for r in fake_server.requests if "/manifests/" in r.path]
    assert 1 <= len(asked) <= tag_rounds.IN_FLIGHT  # the first wave, no more
    assert "Tag details stopped" in pane.status.text()
    assert "denied" in pane.status.text().lower()
    assert cell(pane, names[-1], TagsModel.COL_SIZE) == ""  # unknown, not "…"
