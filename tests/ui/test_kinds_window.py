"""Content of every kind in the window (issue 12), through real widgets against a real registry
with schema 1 enabled (`kinds_registry`): attestation and builder entries labelled and opened,
a nested index drilled into and left again without a request, schema 1's layers and history,
a partial mirror's missing entry and missing config flagged, foreign layers' hosts, and an
artifact index's type, subject and annotations."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableView
from pytestqt.qtbot import QtBot

from acr_desktop import inspection
from acr_desktop.inspection import Inspection
from acr_desktop.registry.platforms import Platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.ui.inspector import Inspector
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.models import LayersModel, PlatformRow, PlatformsModel
from tests.registry.test_kinds import kinds_registry
from tests.rig import Registry
from tests.rig.kinds import KINDS_REPOSITORY
from tests.ui.conftest import CountingClient
from tests.ui.test_inspector_rig import client, inspector
from tests.ui.test_main_window import inspect

__all__ = ["inspector", "kinds_registry"]  # fixtures
SHOTS = "/tmp/team/F-"


def shoot(qtbot: QtBot, window: MainWindow, name: str) -> None:
    qtbot.wait(50)  # laid out
    window.inspector.grab().save(f"{SHOTS}{name}.png")


def open_tag(qtbot: QtBot, window: MainWindow, registry: Registry, tag: str) -> Inspection:
    return inspect(qtbot, window, f"{registry.host}/{KINDS_REPOSITORY}:{tag}")


def texts(table: QTableView, column: int = 0) -> list[str]:
    model = table.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def click_row(qtbot: QtBot, window: MainWindow, table: QTableView, row: int) -> Inspection:
    with qtbot.waitSignal(window.inspected, timeout=10_000) as blocker:
        rect = table.visualRect(table.model().index(row, 0))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    result = blocker.args[0]
    assert isinstance(result, Inspection)
    return result


def test_attestation_and_builder_rows_are_labelled_and_open(
    qtbot: QtBot, window: MainWindow, kinds_registry: Registry
) -> None:
    open_tag(qtbot, window, kinds_registry, "arches")
    inspector = window.inspector
    summary, box = inspector.summary, inspector.platforms_box
    assert summary.kind.text() == "OCI image index — 9 platforms, 1 attestation, 2 builder records"
    assert box.title() == "Platforms" and inspector.platforms_model.rowCount() == 9
    assert inspector.attestation_note.text() == (
        "1 attestation manifest (provenance / SBOM) and 2 builder records describe the "
        "platforms above; they are not platforms themselves."
    )
    qtbot.mouseClick(box.show_references, Qt.MouseButton.LeftButton)  # "List them"
    table = inspector.platforms
    assert box.title() == "Entries" and table.model().rowCount() == 12
    header = table.model().headerData(PlatformsModel.COL_OS, Qt.Orientation.Horizontal)
    assert header == "Entry"
    assert texts(table)[-3:] == [
        "attestation for linux/amd64",
        "builder record for linux/amd64",
        "builder record for linux/arm64",
    ]
    shoot(qtbot, window, "builder-rows")
    ins = click_row(qtbot, window, table, 10)
    assert ins.platform_entry is not None and ins.platform_entry.kind == "builder"
    label = summary.form.labelForField(summary.platform_digest)
    assert label.text() == "Builder record digest"  # type: ignore[attr-defined]
    assert summary.platform_digest.digest.text() == ins.platform_entry.digest
    assert inspector.layers_model.rowCount() == 1  # the build record's one blob
    ins = click_row(qtbot, window, table, 9)
    assert ins.platform_entry is not None and ins.platform_entry.kind == "attestation"
    assert label.text() == "Attestation digest"  # type: ignore[attr-defined]


def test_nested_index_drills_in_and_goes_up_without_a_request(
    qtbot: QtBot, window: MainWindow, kinds_registry: Registry
) -> None:
    outer = kinds_registry.content[f"{KINDS_REPOSITORY}:nested"]
    arches = kinds_registry.content[f"{KINDS_REPOSITORY}:arches"]
    ins = open_tag(qtbot, window, kinds_registry, "nested")
    inspector, box = window.inspector, window.inspector.platforms_box
    assert ins.chosen_index is not None  # its first entry is itself an index: opened at once
    assert box.title() == "Platforms of the nested index" and box.up.isVisible()
    assert box.crumb.text() == f"index ▸ index {arches.digest[:19]}"
    assert inspector.platforms_model.rowCount() == 9
    assert not inspector.platforms.selectionModel().hasSelection()  # none chosen inside yet
    assert inspector.summary.digest.digest.text() == outer.digest
    assert inspector.layers_total.text() == (
        "No layers: this entry is an index; its entries are listed above."
    )
    shoot(qtbot, window, "nested-inside")
    inner = click_row(qtbot, window, inspector.platforms, 4)  # linux/arm64
    assert inner.top.digest == outer.digest  # the reference still resolves to the outer index
    assert inner.platform_entry is not None and inner.platform_entry.platform is not None
    assert str(inner.platform_entry.platform) == "linux/arm64"
    assert inspector.layers_model.rowCount() == 1 and box.up.isVisible()
    assert inspector.summary.digest.digest.text() == outer.digest
    assert [name for name, _ in inspector.documents()][:3] == [
        "Index manifest",
        f"Nested index ({arches.digest[:19]})",
        "Image manifest (linux/arm64)",
    ]
    shoot(qtbot, window, "nested-inner-image")
    client = window.client
    assert isinstance(client, CountingClient)
    before = len(client.calls)
    with qtbot.waitSignal(window.inspected, timeout=5_000) as up:
        qtbot.keyClick(inspector.platforms, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert len(client.calls) == before  # back up from what was fetched: no request
    assert up.args[0] is ins and not box.up.isVisible() and box.title() == "Entries"
    assert texts(inspector.platforms) == ["index", "index"]
    current = inspector.platforms.current_object()
    assert isinstance(current, PlatformRow) and current.descriptor.digest == arches.digest
    assert "press Enter on its row to open it" in inspector.layers_total.text()
    shoot(qtbot, window, "nested-outer")
    with qtbot.waitSignal(window.inspected, timeout=5_000):
        inspector.platforms.setFocus()
        qtbot.keyClick(inspector.platforms, Qt.Key.Key_Return)  # opens it again
    assert len(client.calls) == before and box.up.isVisible()
    assert inspector.platforms_model.rowCount() == 9
    window.resize(800, 600)
    qtbot.wait(50)
    window.grab().save(f"{SHOTS}nested-800x600.png")
    go_up = next(a for a in window.menus.go.actions() if a.text() == "Up to the outer index")
    assert go_up.shortcut().toString() == "Alt+Up"
    with qtbot.waitSignal(window.inspected, timeout=5_000):
        go_up.trigger()  # Go ▸ Up to the outer index
    assert len(client.calls) == before and not box.up.isVisible()
    assert not window.inspecting.go_up()  # at the top already


def test_schema1_shows_layers_base_first_history_and_the_deprecation(
    qtbot: QtBot, window: MainWindow, kinds_registry: Registry
) -> None:
    open_tag(qtbot, window, kinds_registry, "schema1-signed")
    inspector = window.inspector
    layers = inspector.layers.proxy
    assert layers.rowCount() == 3
    steps = [layers.index(r, LayersModel.COL_STEP).data() for r in range(3)]
    assert "ADD file:base" in steps[0] and "COPY file:app" in steps[2]  # base first
    assert layers.index(0, LayersModel.COL_SIZE).data() == "—"  # schema 1 has no sizes
    assert inspector.layers_total.text() == ("3 layers, base first · schema 1 gives no layer sizes")
    history = inspector.history_view
    assert history.model.rowCount() == 3
    assert history.note.text().startswith("3 build steps from the schema 1 v1Compatibility")
    assert "deprecated" in inspector.summary.kind.text()
    assert "Docker schema 1 is a deprecated format" in inspector.summary.warnings.text()
    assert inspector.summary.warnings.isVisible()
    assert "schema 1 has no image config" in inspector.config_view.none_label.text()
    shoot(qtbot, window, "schema1")
    inspector.tabs.setCurrentWidget(history)
    shoot(qtbot, window, "schema1-history")


def test_missing_entry_is_flagged_where_it_would_be(
    qtbot: QtBot, window: MainWindow, kinds_registry: Registry
) -> None:
    open_tag(qtbot, window, kinds_registry, "missing-child")
    inspector = window.inspector
    ins = click_row(qtbot, window, inspector.platforms, 1)  # linux/riscv64: deleted
    assert ins.missing_child is not None
    assert texts(inspector.platforms)[1] == "linux ⚠ missing"
    tip = inspector.platforms.model().index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "Missing: the index lists this entry, but the registry has no manifest for it."
    digest_line = inspector.summary.platform_digest
    assert digest_line.isVisible() and "missing from the registry" in digest_line.mark.text()
    assert digest_line.digest.text() == ins.platform_entry.digest  # type: ignore[union-attr]
    assert "The registry has no manifest for linux/riscv64" in inspector.summary.warnings.text()
    assert inspector.layers_total.text().startswith("No layers: the registry has no manifest")
    assert inspector.summary.digest.mark.text().endswith("verified</span>")  # the index still
    shoot(qtbot, window, "missing-child")


def test_missing_config_is_flagged_and_the_manifest_still_shown(
    qtbot: QtBot, window: MainWindow, kinds_registry: Registry
) -> None:
    ins = open_tag(qtbot, window, kinds_registry, "missing-config")
    assert ins.missing_config is not None
    inspector = window.inspector
    assert inspector.layers_model.rowCount() == 1
    assert inspector.summary.created.text() == "— (the image config is missing from the registry)"
    assert "the image config is missing from the registry" in (
        inspector.config_view.none_label.text()
    )
    assert inspector.history_view.note.text().startswith("No build history: the image config")
    inspector.tabs.setCurrentWidget(inspector.config_view)
    shoot(qtbot, window, "missing-config")


def test_foreign_layers_say_where_they_come_from(
    qtbot: QtBot, window: MainWindow, kinds_registry: Registry
) -> None:
    open_tag(qtbot, window, kinds_registry, "layer-kinds")
    layers = window.inspector.layers.proxy
    cell = layers.index(0, LayersModel.COL_TYPE)
    assert cell.data() == "non-distributable layer (tar.zst) ↗ example.com"
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == (
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd\n"
        "fetched from example.com, not from the registry:\nhttps://example.com/foreign.tar.zst"
    )
    assert window.inspector.layers_total.text().endswith(
        " · 1 foreign layer fetched from example.com, not from the registry"
    )
    assert layers.index(1, LayersModel.COL_TYPE).data() == "encrypted layer (tar.gz)"
    shoot(qtbot, window, "foreign-layer")


def test_artifact_index_shows_its_type_subject_and_annotations(
    qtbot: QtBot, window: MainWindow, kinds_registry: Registry
) -> None:
    open_tag(qtbot, window, kinds_registry, "artifact-index")
    summary = window.inspector.summary
    amd64 = kinds_registry.content[f"{KINDS_REPOSITORY}:one-layer"]
    assert summary.kind.text().startswith("OCI image index — artifact: ")
    assert summary.kind.text().endswith(" — 1 entry")
    assert summary.subject.isVisible() and summary.subject.digest.text() == amd64.digest
    assert summary.annotations.text() == "org.example.kind=artifact index"
    shoot(qtbot, window, "artifact-index")
    with qtbot.waitSignal(window.inspected, timeout=10_000) as opened:
        qtbot.mouseClick(summary.subject.open, Qt.MouseButton.LeftButton)
    assert opened.args[0].top.digest == amd64.digest
    assert summary.annotations.text() == "—" and summary.subject.isHidden()


def test_a_platform_chosen_by_fallback_is_noted(
    qtbot: QtBot, inspector: Inspector, kinds_registry: Registry
) -> None:
    ref = parse_reference(f"{kinds_registry.host}/{KINDS_REPOSITORY}:arches")
    ins = inspection.inspect(client(), ref, Platform.parse("linux/arm/v6"))
    inspector.show_inspection(ins)
    warnings = inspector.summary.warnings
    assert warnings.isVisible()
    assert warnings.text() == (
        "Note: There is no linux/arm/v6 entry; linux/arm/v5 was chosen, which runs there too "
        "(containerd's rule)."
    )
    label = inspector.summary.form.labelForField(inspector.summary.platform_digest)
    assert isinstance(label, QLabel) and label.text() == "linux/arm/v5 digest"


def test_an_empty_index_says_so(qtbot: QtBot, window: MainWindow, kinds_registry: Registry) -> None:
    open_tag(qtbot, window, kinds_registry, "empty-index")
    inspector = window.inspector
    assert inspector.summary.kind.text() == "OCI image index — no entries"
    assert inspector.platforms_box.title() == "Entries"  # no "Platforms" heading over nothing
    assert inspector.platforms_model.rowCount() == 0
    assert inspector.layers_total.text() == "No layers: this index has no entries."
    assert inspector.summary.annotations.text() == "—"
