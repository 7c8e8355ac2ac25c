"""The inspector tells the truth: loading is visible, referrers of the index and of the platform
are both listed, a manifest's byte count is called that, entries without a platform are
"entries", one date format everywhere, "—" for empty cells, whole layer digests when there is
room."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from pytestqt.qtbot import QtBot

from acr_desktop.text import format_time
from acr_desktop.ui.inspector import Inspector
from acr_desktop.ui.models import HistoryModel, LayersModel, PlatformsModel
from acr_desktop.ui.worker import JobRunner
from tests.rig.content import CREATED
from tests.ui.test_inspector_rig import REPOSITORY, Nine, client, inspected, inspector, nine

__all__ = ["inspector", "nine"]  # fixtures


def test_loading_dims_the_previous_result_until_the_next_arrives(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    inspector.show_inspection(inspected(nine.reference()))
    banner = inspector.loading_banner
    assert banner.isHidden() and not banner.dimmed()
    next_one = f"{nine.registry.host}/insp/nine:other"
    inspector.set_loading(next_one)
    assert banner.isVisible() and banner.busy.isVisible()
    assert banner.busy.minimum() == banner.busy.maximum() == 0  # busy, no percentage
    assert banner.label.text() == f"Loading {next_one}… — showing the previous result"
    assert banner.dimmed()
    role = QPalette.ColorRole.Text  # the tables' text takes its disabled colour
    palette = inspector.layers.palette()
    assert palette.color(role) == palette.color(QPalette.ColorGroup.Disabled, role)
    assert inspector.layers.isEnabled()  # still usable: the arrow keys keep working
    inspector.set_loading(None)
    assert banner.isHidden() and not banner.dimmed()
    inspector.set_loading("Fetching linux/arm/v7…")  # a status as the window words it
    assert banner.label.text() == "Fetching linux/arm/v7… — showing the previous result"
    inspector.show_inspection(inspected(nine.reference()))  # the next result clears it
    assert banner.isHidden() and not banner.dimmed()
    inspector.show_previous("Still showing the previous result, x.")
    assert banner.isVisible() and not banner.busy.isVisible() and not banner.dimmed()


def test_referrers_of_the_index_and_the_platform_are_both_listed(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    ins = inspected(nine.reference())
    runner = JobRunner()
    panel = inspector.referrers_panel
    panel.bind(runner, client, lambda _registry: None)
    inspector.show_inspection(ins)
    qtbot.waitUntil(lambda: panel.report is not None, timeout=10_000)
    assert panel.report is not None
    found = {s.label: [(n.descriptor.digest, n.via) for n in s.chain.nodes]  # type: ignore[union-attr]
             for s in panel.report.subjects}  # fmt: skip
    index = [d for d, via in found["index"] if via != "index attestation"]  # BuildKit's, too
    assert index == [nine.index_referrer.digest]
    assert found["linux/arm64/v8"] == [(nine.arm64_referrer.digest, "tag fallback")]
    model = panel.model
    subjects = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert subjects[0].startswith("Referrers of index (")
    assert subjects[1].startswith("Referrers of linux/arm64/v8 (")
    assert [model.rowCount(model.index(r, 0)) for r in range(2)] == [len(found["index"]), 1]
    # A late answer for a manifest no longer shown is dropped.
    report = panel.report
    inspector.show_inspection(inspected(nine.reference()))
    panel._arrived(ins, report)
    assert panel.report is not report
    runner.shutdown(2000)


def test_manifest_sizes_and_entries_are_called_what_they_are(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    inspector.show_inspection(inspected(nine.reference()))
    model = inspector.platforms_model
    header = model.headerData(PlatformsModel.COL_MANIFEST, Qt.Orientation.Horizontal)
    tip = model.headerData(
        PlatformsModel.COL_MANIFEST, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert header == "Manifest bytes" and "not of the image" in tip
    assert not any(
        model.headerData(c, Qt.Orientation.Horizontal) == "Size" for c in range(model.columnCount())
    )  # no manifest byte count labelled as an image's size
    assert inspector.summary.kind.text() == "OCI image index — 9 platforms, 1 attestation"
    assert inspector.attestation_note.text().startswith("1 attestation manifest (provenance")
    assert "describes the platforms above; it is not a platform itself" in (
        inspector.attestation_note.text()
    )
    # The referrers-tag fallback index: one entry, no platform.
    tag = nine.index.digest.replace(":", "-")
    inspector.show_inspection(inspected(f"{nine.registry.host}/{REPOSITORY}:{tag}", None))
    assert inspector.summary.kind.text() == "OCI image index — 1 entry"
    assert inspector.platforms_box.title() == "Entries"  # not "Platforms": none has one
    assert inspector.platforms_box.isVisible()


def test_one_date_format_in_summary_config_and_history(nine: Nine, inspector: Inspector) -> None:
    inspector.show_inspection(inspected(nine.reference()))
    local, utc = format_time(CREATED)
    assert utc == "2024-01-02 03:04:05 UTC" and len(local) == len("2024-01-02 03:04")
    assert format_time("2024-01-02T05:04:05.123456789+02:00")[1] == utc  # offsets, nanoseconds
    assert format_time(None) == ("—", "") and format_time("soon") == ("soon", "soon")
    created = inspector.summary.created
    assert created.text().startswith(local + "  ·  linux/arm64") and created.toolTip() == utc
    field = inspector.config_view.fields["Created"]
    assert field.text() == local and field.toolTip() == utc
    history = inspector.history_view.model
    cell = history.index(0, HistoryModel.COL_CREATED)
    assert cell.data() == local and cell.data(Qt.ItemDataRole.ToolTipRole) == utc


def test_empty_cells_show_a_dash_and_layer_digests_are_whole_when_there_is_room(
    qtbot: QtBot, nine: Nine, inspector: Inspector
) -> None:
    inspector.show_inspection(inspected(nine.reference()))
    platforms = inspector.platforms.proxy
    amd64 = 0
    assert platforms.index(amd64, PlatformsModel.COL_VARIANT).data() == "—"
    assert platforms.index(amd64, PlatformsModel.COL_OS_VERSION).data() == "—"
    assert platforms.index(1, PlatformsModel.COL_ATTEST).data() == "—"
    layers = inspector.layers
    digest = nine.arm64.layers[0].digest
    assert layers.proxy.index(0, LayersModel.COL_DIGEST).data() == digest
    inspector.resize(1900, 700)
    inspector.split.setSizes([1400, 480])
    qtbot.waitUntil(
        lambda: (
            layers.columnWidth(LayersModel.COL_DIGEST)
            >= layers.fontMetrics().horizontalAdvance(digest)
        )
    )  # wide enough: the whole digest, from the contents
    inspector.split.setSizes([420, 1460])
    qtbot.waitUntil(lambda: not layers.horizontalScrollBar().isVisible())
    assert layers.columnWidth(LayersModel.COL_DIGEST) < layers.fontMetrics().horizontalAdvance(
        digest
    )  # too narrow: it gives way first, eliding in the middle
