"""The tag list stays linear and bounded against a registry that never stops sending pages:
pages are appended (no reset, no copy), the list stops at a cap and says so, and filtering a
long list runs in slices with the same answer as a plain scan."""

from __future__ import annotations

import json
import time

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from acr_desktop.registry import listing
from acr_desktop.ui import nav_jobs, tags_model
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.tag_order import name_order, version_key
from acr_desktop.ui.tags_model import TagsModel
from acr_desktop.versions import natural_key
from tests.rig import FakeRequest, FakeServer
from tests.rig.fake_server import Response


def endless(server: FakeServer, per_page: int) -> None:
    """Every page links to a new one (the server never runs out)."""

    def tags(req: FakeRequest) -> Response:
        page = int(req.query.get("page", ["0"])[0])
        names = [f"{page}.{i}" for i in range(per_page)]
        link = f'</v2/r/tags/list?n={per_page}&page={page + 1}>; rel="next"'
        headers = {"Content-Type": "application/json", "Link": link}
        return 200, headers, json.dumps({"tags": names}).encode()

    server.reply("GET", r"/acr/v1/.*", 404, {}, b"404 page not found")
    server.route("GET", r"/v2/r/tags/list", tags)


def load(qtbot: QtBot, window: MainWindow, server: FakeServer) -> None:
    nav = window.navigator
    nav.registry = server.host
    nav.load_tags("r")
    qtbot.waitUntil(
        lambda: not nav.runner.is_busy("tags") and "Loading" not in nav.tag_status.text(),
        timeout=20_000,
    )


def test_endless_pages_stop_where_the_core_stops_and_say_so(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "MAX_PAGES", 5)
    endless(fake_server, 100)
    load(qtbot, window, fake_server)
    nav = window.navigator
    assert nav.tags_model.total() == 500
    assert "Stopped after 5 pages / 500 tags" in nav.tag_status.text()


def test_the_window_keeps_at_most_its_cap_of_tags(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nav_jobs, "MAX_TAGS", 2_500)
    monkeypatch.setattr(tags_model, "MAX_TAGS", 2_500)
    endless(fake_server, 1000)
    load(qtbot, window, fake_server)
    nav = window.navigator
    assert nav.tags_model.total() == 2_500
    assert nav.tags_model.rowCount() == 2_500
    assert "Stopped after 2,500 tags." in nav.tag_status.text()
    assert len(fake_server.requests) <= 4  # no page fetched past the one that filled the cap


def test_pages_are_appended_rows_not_a_reset_per_page(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "MAX_PAGES", 10)
    endless(fake_server, 50)
    model = window.navigator.tags_model
    resets: list[int] = []
    inserted: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(model.rowCount()))
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    load(qtbot, window, fake_server)
    assert inserted == [(50 * i, 50 * i + 49) for i in range(10)]  # one append per page
    assert resets == [0, 500]  # cleared when loading starts; the version order once at the end
    assert window.navigator.tags_model.names()[:2] == ["9.49", "9.48"]


def test_a_long_list_filters_in_slices_with_the_answer_of_a_plain_scan(
    qtbot: QtBot, qtmodeltester: ModelTester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tags_model, "SLICE_MS", 0.0)  # one slice a round: a slow machine
    model = TagsModel()
    names = [f"v{i // 1000}.{i % 1000}" for i in range(100_000)] + ["latest", "main"]
    for start in range(0, len(names), 1000):
        model.add_page(names[start : start + 1000])
    model.set_name_order(*name_order(names))
    longest = 0.0
    original = model._filter_some

    def timed() -> None:
        nonlocal longest
        started = time.perf_counter()
        original()
        longest = max(longest, time.perf_counter() - started)

    model._filter_some = timed  # type: ignore[method-assign]
    model._slicer.timeout.disconnect()
    model._slicer.timeout.connect(timed)
    model.set_filter("99")
    assert model.filtering  # not all at once: the window runs between slices
    qtbot.waitUntil(lambda: not model.filtering, timeout=10_000)
    expected = sorted((n for n in names if "99" in n), key=natural_key, reverse=True)
    assert model.names() == expected
    assert longest < 0.1 * 3  # each slice is meant to stay near 25 ms; slack for a busy machine
    model.set_filter("v1?.5*")
    qtbot.waitUntil(lambda: not model.filtering, timeout=10_000)
    assert model.names()[:3] == ["v19.599", "v19.598", "v19.597"]
    model.set_filter("")
    assert model.names()[-2:] == ["main", "latest"]  # words after the versions

    small = TagsModel()
    small.add_page([*names[:60], "latest"])
    small.set_filter("1")
    qtmodeltester.check(small)


def test_version_key_orders_like_natural_key() -> None:
    names = ["1.10", "1.9", "v2", "V1.010", "latest", "0", "00", "007", "7", "1.2a", "1.2", "a1"]
    names += ["9" * 5000, "1" + "0" * 4999]  # 5,000 digits: no int() involved
    by_key = sorted(names, key=version_key)
    assert [n for n in by_key if len(n) < 10] == sorted(names[:-2], key=natural_key)
    assert by_key.index("7") < by_key.index("1" + "0" * 4999) < by_key.index("9" * 5000)
    assert by_key.index("9" * 5000) < by_key.index("a1")
