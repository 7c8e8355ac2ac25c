"""Issue 16 in the whole window, against the real token registry with every supply-chain kind
pushed (tests/rig/supply.py, tag fallback: Debian's registry has no referrers API): the summary's
"Supply chain" line, the referrers tree with names and referrers of referrers, what a signature
and a provenance document say, the SBOM's packages, BuildKit attestations, the end-of-life
warning, the base image with Open / Open current, stale answers dropped, Docker Hub not walked
unasked, and a base image on another registry checked only when asked, without our
credentials."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from acr_desktop.registry.auth import Credentials
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.roles import OBJECT_ROLE
from acr_desktop.ui.supply_tree import Item
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig import supply as rig
from tests.rig.fake_server import FakeServer
from tests.rig.supply import Supply
from tests.ui.test_main_window import inspect

SHOTS = "/tmp/acr-supply-shots"


@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> Supply:
    return rig.push_supply(layers_registry, "supply/window")


def shown(qtbot: QtBot, window: MainWindow, supply: Supply, name: str) -> None:
    """`name` inspected, signed in as alice, and its supply-chain report arrived."""
    window.store.session_only(supply.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_supply_auto(True)  # the default; the `window` fixture turns it off
    window.resize(1400, 900)
    inspect(qtbot, window, supply.ref(name))
    panel = window.inspector.referrers_panel
    qtbot.waitUntil(lambda: panel.report is not None, timeout=20_000)


def rows(window: MainWindow) -> list[tuple[int, str, Item]]:
    """(level, What, item) for every row of the tree, depth first; subjects are level 0."""
    model = window.inspector.referrers_panel.model
    found: list[tuple[int, str, Item]] = []

    def walk(parent: QModelIndex, level: int) -> None:
        for r in range(model.rowCount(parent)):
            index = model.index(r, 0, parent)
            found.append((level, index.data(), index.data(OBJECT_ROLE)))
            walk(index, level + 1)

    walk(QModelIndex(), 0)
    return found


def select(window: MainWindow, label: str) -> Item:
    panel = window.inspector.referrers_panel
    model = panel.model
    for index in model.match(model.index(0, 0), 0, label, -1, _recursive()):
        panel.tree.setCurrentIndex(index)
        return index.data(OBJECT_ROLE)  # type: ignore[no-any-return]
    raise AssertionError(f"no row {label!r}: {[t for _, t, _ in rows(window)]}")


def _recursive() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive


def details_text(window: MainWindow) -> str:
    """Every label of the details pane, and its form's fields as drawn."""
    pane = window.inspector.referrers_panel.details
    labels = [label.text() for label in pane.findChildren(QLabel) if label.isVisibleTo(pane)]
    fields = [f"{k}: {v}" for k, v in pane.fields().items()]
    return " ".join(labels + fields)


def save(widget: QWidget, name: str) -> None:
    import os

    os.makedirs(SHOTS, exist_ok=True)
    widget.grab().save(f"{SHOTS}/{name}.png")


def test_the_summary_line_and_the_tree_name_every_kind(
    qtbot: QtBot, window: MainWindow, supply: Supply
) -> None:
    shown(qtbot, window, supply, "image")
    inspector = window.inspector
    line = inspector.summary.supply.line.text()
    assert line.startswith(
        "signed, not verified (cosign, Sigstore bundle, Notation) · 2 SBOMs, 4 packages"
    )
    assert "provenance" in line and "vulnerability report" in line
    found = rows(window)
    assert found[0][0] == 0 and found[0][1].startswith("Referrers of this manifest (")
    names = [(level, text) for level, text, _ in found[1:]]
    for expected in [(1, "cosign signature"), (1, "Sigstore bundle (v0.3)"),
                     (1, "Notation signature"), (1, "SPDX SBOM"), (2, "cosign signature"),
                     (1, "CycloneDX SBOM"), (1, "SLSA provenance v1"),
                     (1, "vulnerability report (SARIF)")]:  # fmt: skip
        assert expected in names, names
    # The SPDX SBOM's own signature is a child of the SBOM: referrers of referrers.
    spdx = next(n for n, (_, text, _) in enumerate(found) if text == "SPDX SBOM")
    assert found[spdx + 1][0] == 2 and found[spdx + 1][2].parent == supply["spdx"].digest
    assert all(item.node is None or not item.node.problem for _, _, item in found)
    inspector.tabs.setCurrentWidget(inspector.referrers_panel)
    save(window, "image-referrers")


def test_a_signature_says_what_it_claims_present_not_verified(
    qtbot: QtBot, window: MainWindow, supply: Supply
) -> None:
    shown(qtbot, window, supply, "image")
    window.inspector.tabs.setCurrentWidget(window.inspector.referrers_panel)
    item = select(window, "Notation signature")
    assert item.node is not None and item.node.descriptor.digest == supply["notation"].digest
    qtbot.waitUntil(lambda: "not verified" in details_text(window).lower(), timeout=10_000)
    text = details_text(window)
    assert "Notation" in text
    assert "verified" not in text.lower().replace("not verified", "")
    save(window, "notation-signature")
    select(window, "SLSA provenance v1")
    qtbot.waitUntil(lambda: "github.com" in details_text(window), timeout=10_000)
    save(window, "provenance")


def test_the_sbom_opens_its_packages_and_open_inspects_a_referrer(
    qtbot: QtBot, window: MainWindow, supply: Supply
) -> None:
    shown(qtbot, window, supply, "image")
    panel = window.inspector.referrers_panel
    window.inspector.tabs.setCurrentWidget(panel)
    select(window, "CycloneDX SBOM")
    assert panel.sbom_button.isEnabled() and panel.open_button.isEnabled()
    panel.sbom_button.click()
    sbom = panel.sbom_window
    assert sbom is not None
    qtbot.waitUntil(lambda: sbom.model.rowCount() > 0, timeout=10_000)  # type: ignore[attr-defined]
    save(sbom, "sbom-window")
    sbom.close()
    select(window, "SLSA provenance v1")
    assert not panel.sbom_button.isEnabled()
    with qtbot.waitSignal(window.inspected, timeout=10_000) as opened:
        panel.open_button.click()
    assert opened.args[0].top.digest == supply["provenance"].digest


def test_buildkit_attestations_in_an_index_and_their_statements(
    qtbot: QtBot, window: MainWindow, supply: Supply
) -> None:
    shown(qtbot, window, supply, "index")
    found = rows(window)
    subjects = [text for level, text, _ in found if level == 0]
    assert subjects[0].startswith("Referrers of index (") and len(subjects) == 2
    statements = [(level, text) for level, text, _ in found if level == 2]
    assert any("SPDX" in text for _, text in statements), found
    assert any("SLSA provenance v0.2" in text for _, text in statements), found
    line = window.inspector.summary.supply.line.text()
    assert "SBOM" in line and "provenance" in line
    # A statement is a layer of its attestation manifest: Open opens the attestation.
    panel = window.inspector.referrers_panel
    statement = next(item for level, text, item in found if level == 2 and "SLSA" in text)
    assert statement.openable == statement.parent != statement.node.descriptor.digest  # type: ignore[union-attr]
    window.inspector.tabs.setCurrentWidget(panel)
    save(window, "index-attestations")
    # A BuildKit SBOM statement: its packages are read from the attestation's layer.
    select(window, "SPDX SBOM")
    panel.sbom_button.click()
    sbom = panel.sbom_window
    assert sbom is not None
    qtbot.waitUntil(lambda: sbom.model.rowCount() > 0, timeout=10_000)  # type: ignore[attr-defined]
    sbom.close()
    # Copy digest says so on the status bar.
    with qtbot.waitSignal(window.inspector.copied, timeout=2_000) as copied:
        panel.copy_button.click()
    assert copied.args[0].startswith("sha256:")


def test_end_of_life_and_the_base_image_with_open_and_open_current(
    qtbot: QtBot, window: MainWindow, supply: Supply
) -> None:
    shown(qtbot, window, supply, "based")
    rows_ = window.inspector.summary.supply
    qtbot.waitUntil(lambda: "updated" in rows_.base_note.text(), timeout=10_000)
    assert rows_.eol.isVisibleTo(window) and rows_.eol.text().startswith(
        "⚠ Past end of life since 2024-06-30"
    )
    assert "Base image has been updated since this was built" in rows_.base_note.text()
    assert rows_.open_current.isVisibleTo(window) and not rows_.check.isVisibleTo(window)
    assert "ACR artifact streaming" in rows_.line.text()
    save(window, "based-summary")
    base_old, base_repo = supply["base-old"], f"{supply.repository}-base"
    with qtbot.waitSignal(window.inspected, timeout=10_000) as opened:
        rows_.open.click()
    assert opened.args[0].top.digest == base_old.digest
    assert opened.args[0].reference.repository == base_repo
    shown(qtbot, window, supply, "based")
    with qtbot.waitSignal(window.inspected, timeout=10_000) as opened:
        window.inspector.summary.supply.open_current.click()
    assert opened.args[0].top.digest != base_old.digest
    assert opened.args[0].reference.tag == "1"


def test_nothing_attached_is_said_and_no_base_or_eol_row(
    qtbot: QtBot, window: MainWindow, supply: Supply
) -> None:
    shown(qtbot, window, supply, "bare")
    rows_ = window.inspector.summary.supply
    assert rows_.line.text() == "no signatures, SBOMs or provenance found"
    assert not rows_.eol.isVisibleTo(window) and not rows_.base_row.isVisibleTo(window)
    found = rows(window)
    assert len(found) == 1
    assert "Nothing refers to it." in window.inspector.referrers_panel.model.index(0, 4).data()


def test_a_late_report_for_another_image_is_dropped(
    qtbot: QtBot, window: MainWindow, supply: Supply
) -> None:
    shown(qtbot, window, supply, "image")
    panel = window.inspector.referrers_panel
    old = panel.report
    inspect(qtbot, window, supply.ref("bare"))
    qtbot.waitUntil(lambda: panel.report is not None and panel.report is not old, timeout=20_000)
    assert old is not None and panel.inspection is not None
    stale = copy.copy(panel.inspection)  # an inspection no longer on show
    panel._arrived(stale, old)
    assert window.inspector.summary.supply.line.text() == (
        "no signatures, SBOMs or provenance found"
    )
    assert len(rows(window)) == 1


def test_a_base_image_on_another_registry_is_checked_only_when_asked_without_our_credentials(
    qtbot: QtBot, window: MainWindow, supply: Supply, fake_server: FakeServer
) -> None:
    """The image names a base on another host: nothing is sent there until "Check for update";
    then one HEAD, with no Authorization (the window holds no sign-in for that host)."""
    shown(qtbot, window, supply, "based")
    rows_ = window.inspector.summary.supply
    doc = dict(window.inspector.referrers_panel.report.base or {})  # type: ignore[union-attr]
    other = f"{fake_server.host}/team/base:1"
    moved = "sha256:" + "e" * 64
    fake_server.reply("HEAD", "/v2/team/base/manifests/1", 200, {"Docker-Content-Digest": moved,
                      "Content-Type": "application/vnd.oci.image.manifest.v1+json"})  # fmt: skip
    doc.update(name=other, registry=fake_server.host, same_registry=False, updated=None,
               current_digest=None, problem=None)  # fmt: skip
    rows_.show_base(doc)
    assert rows_.check.isVisibleTo(window) and not rows_.base_note.isVisibleTo(window)
    assert fake_server.requests == []
    rows_.check.click()
    qtbot.waitUntil(lambda: "updated" in rows_.base_note.text(), timeout=10_000)
    heads = [r for r in fake_server.requests if r.method == "HEAD"]
    assert len(heads) == 1
    assert all(r.header("Authorization") is None for r in fake_server.requests)
    assert not rows_.check.isVisibleTo(window)


def buttons(widget: QWidget) -> list[str]:
    return [b.text() for b in widget.findChildren(QPushButton) if b.isVisibleTo(widget)]


def test_with_the_background_look_off_nothing_is_asked_until_the_tab_opens(
    qtbot: QtBot, window: MainWindow, supply: Supply
) -> None:
    """The `window` fixture has the preference off: the inspect sends no referrers request, the
    summary says so, and opening the Referrers tab looks."""
    window.store.session_only(supply.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    inspect(qtbot, window, supply.ref("image"))
    qtbot.wait(200)
    calls = window.client.calls  # type: ignore[attr-defined]
    assert not [p for _, p, _ in calls if "/referrers/" in p or "/manifests/sha256-" in p]
    line = window.inspector.summary.supply.line.text()
    assert line.startswith("not looked for yet") and "Look now" in line
    panel = window.inspector.referrers_panel
    assert panel.look_button.isVisibleTo(panel) and panel.report is None
    window.inspector.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.report is not None, timeout=20_000)
    assert window.inspector.summary.supply.line.text().startswith("signed, not verified (cosign")
    assert not panel.look_button.isVisibleTo(panel)
