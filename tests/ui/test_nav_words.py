"""What the navigator says: counts that follow the filter, correct plurals, `sha256-…` tags shown
as signatures / attestations / SBOMs / referrers and counted apart, and messages that wrap at a
narrow width without being clipped."""

from __future__ import annotations

import math
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
import requests
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from acr_desktop.registry.client import RegistryClient
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.nav_words import repository_count
from acr_desktop.ui.navigator import CATALOG_HELP, Navigator
from acr_desktop.ui.worker import JobRunner
from tests.rig import Registry
from tests.rig.content import Manifest, image

SUBJECT = "0123456789abcdef" * 4
FALLBACKS = [f"sha256-{SUBJECT}.sig", f"sha256-{SUBJECT}.att", f"sha256-{SUBJECT}.sbom"]
FALLBACKS += [f"sha256-{SUBJECT}"]
VERSIONS = [f"2.{i}" for i in range(12)]


def push(registry: Registry, manifest: Manifest, tags: list[str]) -> None:
    """Push `manifest` (its blobs once) under each of `tags`."""
    repo = manifest.repository
    with requests.Session() as session:
        for blob in [manifest.config, *manifest.layers]:
            assert blob is not None
            start = session.post(f"{registry.url}/v2/{repo}/blobs/uploads/", timeout=10)
            location = urljoin(f"{registry.url}/", start.headers["Location"])
            sep = "&" if "?" in location else "?"
            done = session.put(f"{location}{sep}digest={blob.digest}", data=blob.data, timeout=10)
            assert done.status_code == 201, done.text
        for tag in tags:
            put = session.put(
                f"{registry.url}/v2/{repo}/manifests/{tag}",
                data=manifest.data,
                headers={"Content-Type": manifest.media_type},
                timeout=10,
            )
            assert put.status_code == 201, put.text


@pytest.fixture(scope="module")
def words_registry(anon_registry: Registry) -> Registry:
    """The anonymous registry with nav/one (one tag) and nav/signed (versions and fallbacks)."""
    push(anon_registry, image("nav/one", "one", docker=False), ["only"])
    push(anon_registry, image("nav/signed", "signed", docker=False), VERSIONS + FALLBACKS)
    return anon_registry


def list_tags(qtbot: QtBot, nav: Navigator, registry: Registry, repository: str) -> None:
    nav.load_repositories(registry.host)
    qtbot.waitUntil(lambda: not nav.busy, timeout=10_000)
    nav.load_tags(repository)
    qtbot.waitUntil(lambda: not nav.busy and "Loading" not in nav.tag_status.text(), timeout=10_000)


def test_one_tag_is_one_tag(qtbot: QtBot, window: MainWindow, words_registry: Registry) -> None:
    nav = window.navigator
    list_tags(qtbot, nav, words_registry, "nav/one")
    assert nav.tag_status.text() == "1 tag"


def test_counts_follow_the_filter(
    qtbot: QtBot, window: MainWindow, words_registry: Registry
) -> None:
    nav = window.navigator
    list_tags(qtbot, nav, words_registry, "nav/signed")
    kinds = "1 signature · 1 attestation · 1 SBOM · 1 referrers index"
    assert nav.tag_status.text() == f"12 tags · {kinds}"
    qtbot.keyClicks(nav.tag_filter, "2.1")
    qtbot.waitUntil(lambda: nav.tag_status.text() == f"3 of 12 tags · {kinds}", timeout=5_000)
    assert nav.tags_model.names() == ["2.11", "2.10", "2.1"]
    nav.tag_filter.clear()
    qtbot.waitUntil(lambda: nav.tag_status.text() == f"12 tags · {kinds}", timeout=5_000)

    total = nav.repo_model.rowCount()
    qtbot.keyClicks(nav.repo_filter, "nav/one")
    assert nav.repo_status.text() == f"1 of {total} repositories"
    nav.repo_filter.clear()
    assert nav.repo_status.text() == f"{total} repositories"


def test_one_repository_is_one_repository() -> None:
    assert repository_count(1, 1) == "1 repository"
    assert repository_count(1, 1_204) == "1 of 1,204 repositories"


def test_fallback_tags_are_marked_last_and_not_counted_as_tags(
    qtbot: QtBot, window: MainWindow, words_registry: Registry
) -> None:
    nav = window.navigator
    list_tags(qtbot, nav, words_registry, "nav/signed")
    model = nav.tags_model
    assert model.rowCount() == 16
    assert model.names()[:12] == [f"2.{i}" for i in range(11, -1, -1)]
    assert sorted(model.names()[12:]) == sorted(FALLBACKS)  # a group of their own, last
    shown = {model.index(row, 0).data() for row in range(12, 16)}
    short = f"sha256:{SUBJECT[:12]}"
    assert shown == {f"{kind} of {short}" for kind in ("signature", "attestation", "SBOM")} | {
        f"referrers of {short}"
    }
    ordinary = model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole)
    greyed = model.index(12, 0).data(Qt.ItemDataRole.ForegroundRole)
    assert ordinary is None and greyed is not None
    assert model.names()[12] in model.index(12, 0).data(Qt.ItemDataRole.ToolTipRole)
    nav.order.setCurrentIndex(1)  # oldest first: the fallback tags stay last
    assert model.names()[:2] == ["2.0", "2.1"] and sorted(model.names()[12:]) == sorted(FALLBACKS)


@pytest.fixture
def narrow(qtbot: QtBot) -> Iterator[Navigator]:
    """A navigator on its own, 240 px wide, as in a narrow window."""
    runner = JobRunner()
    client = RegistryClient()
    nav = Navigator(runner, lambda: client, lambda _registry: None)
    qtbot.addWidget(nav)
    nav.resize(240, 560)
    nav.show()
    yield nav
    runner.shutdown(2000)


def fully_shown(nav: Navigator, label: object) -> bool:
    """The whole label is inside the navigator and tall enough for all its lines: at least as
    many as the text's width over the label's (a word wider than the label breaks too)."""
    from acr_desktop.ui.nav_message import MessageLabel

    assert isinstance(label, MessageLabel)
    inside = nav.rect().contains(label.mapTo(nav, QPoint(label.width() - 1, label.height() - 1)))
    metrics = label.fontMetrics()
    lines = math.ceil(metrics.horizontalAdvance(label.text()) / label.width())
    tall = label.height() >= max(label.heightForWidth(label.width()), lines * metrics.height())
    return inside and tall


def test_a_long_message_wraps_at_240_px_and_is_not_clipped(
    qtbot: QtBot, narrow: Navigator, token_registry: Registry
) -> None:
    narrow.load_repositories(token_registry.host)  # no sign-in: the catalog is refused
    qtbot.waitUntil(lambda: CATALOG_HELP in narrow.repo_status.text(), timeout=10_000)
    label = narrow.repo_status
    line = label.fontMetrics().height()
    qtbot.waitUntil(lambda: fully_shown(narrow, label), timeout=2_000)
    assert label.height() >= 4 * line  # wrapped onto several lines, all shown
    assert narrow.width() == 240  # and the navigator kept its width

    digest = "sha256:" + "0123456789abcdef" * 4  # one word wider than the panel
    narrow.tag_status.setText(f"The registry sent {digest} for {digest}.")
    qtbot.waitUntil(lambda: fully_shown(narrow, narrow.tag_status), timeout=2_000)
    assert narrow.tag_status.height() >= 3 * line
    assert narrow.width() == 240
