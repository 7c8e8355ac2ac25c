"""The table models: qtmodeltester on each, numeric size sorting, row objects."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from acr_desktop.registry.image_config import align_history
from acr_desktop.registry.manifest import Descriptor, Platform
from acr_desktop.ui.models import (
    OBJECT_ROLE,
    SORT_ROLE,
    HistoryModel,
    LayerRow,
    LayersModel,
    PlatformRow,
    PlatformsModel,
    SortProxy,
)

LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def layer(n: int, size: int) -> LayerRow:
    return LayerRow(n, Descriptor(LAYER, f"sha256:{n:064x}", size), f"RUN step {n}")


SIZES = [100, 9, 5_000_000_000_000, 10, 2**31 + 5]  # past 32 bits on purpose


def test_models_pass_qtmodeltester(qtmodeltester: ModelTester) -> None:
    layers = LayersModel()
    layers.set_rows([layer(i + 1, s) for i, s in enumerate(SIZES)])
    qtmodeltester.check(layers)
    platforms = PlatformsModel()
    platforms.set_rows(
        [
            PlatformRow(
                Descriptor("m", "sha256:" + "a" * 64, 5, platform=Platform("linux", "arm64", "v8"))
            )
        ]
    )
    qtmodeltester.check(platforms)
    history = HistoryModel()
    history.set_rows(
        align_history([{"created_by": "ADD x"}, {"created_by": "CMD", "empty_layer": True}])
    )
    qtmodeltester.check(history)
    proxy = SortProxy()
    proxy.setSourceModel(layers)
    qtmodeltester.check(proxy)


def test_sort_by_size_is_numeric() -> None:
    model = LayersModel()
    model.set_rows([layer(i + 1, s) for i, s in enumerate(SIZES)])
    proxy = SortProxy()
    proxy.setSourceModel(model)
    proxy.sort(LayersModel.COL_SIZE, Qt.SortOrder.AscendingOrder)
    shown = [proxy.index(r, 0).data(OBJECT_ROLE).descriptor.size for r in range(proxy.rowCount())]
    assert shown == sorted(SIZES)
    proxy.sort(LayersModel.COL_SIZE, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, LayersModel.COL_SIZE).data() == "5.0 TB"
    assert model.total_size() == sum(SIZES)


def test_cells_show_people_text_and_tooltips_hold_the_full_values() -> None:
    model = LayersModel()
    model.set_rows([layer(1, 31_420_102)])
    assert model.index(0, LayersModel.COL_SIZE).data() == "31.4 MB"
    assert (
        model.index(0, LayersModel.COL_SIZE).data(Qt.ItemDataRole.ToolTipRole) == "31,420,102 bytes"
    )
    assert model.index(0, LayersModel.COL_DIGEST).data() == f"sha256:{1:064x}"  # the view elides
    assert (
        model.index(0, LayersModel.COL_DIGEST).data(Qt.ItemDataRole.ToolTipRole)
        == f"sha256:{1:064x}"
    )
    assert model.index(0, LayersModel.COL_TYPE).data() == "layer (tar.gz)"


def test_history_marks_empty_steps() -> None:
    model = HistoryModel()
    model.set_rows(
        align_history([{"created_by": "ADD x"}, {"created_by": "CMD", "empty_layer": True}])
    )
    assert model.index(0, HistoryModel.COL_LAYER).data() == "#1"
    assert model.index(1, HistoryModel.COL_LAYER).data() == "empty"


def test_platform_rows_group_attestations_in_one_pass() -> None:
    from acr_desktop.registry.manifest import ImageIndex
    from acr_desktop.ui.insp_levels import platform_rows

    def attestation(n: int, subject: str) -> Descriptor:
        annotations = {
            "vnd.docker.reference.type": "attestation-manifest",
            "vnd.docker.reference.digest": subject,
        }
        return Descriptor("m", f"sha256:{n + 10**6:064x}", 1, annotations=annotations)

    platforms = [
        Descriptor("m", f"sha256:{n:064x}", 1, platform=Platform("linux", "arm64"))
        for n in range(20_000)
    ]
    attestations = [attestation(n, platforms[n % 3].digest) for n in range(6)]
    index = ImageIndex("application/vnd.oci.image.index.v1+json", (*platforms, *attestations))
    rows = platform_rows(index)
    assert [r.descriptor for r in rows] == platforms
    assert [len(r.attestations) for r in rows[:4]] == [2, 2, 2, 0]
    assert rows[1].attestations == (attestations[1], attestations[4])
    assert rows[0].attestations == tuple(
        a for a in index.attestations if a.attests == platforms[0].digest
    )  # what the index itself says, per platform
    model = PlatformsModel()
    model.set_rows(rows)
    assert model.row_of(platforms[19_999].digest) == 19_999
    assert model.row_of("sha256:none") == -1


def test_a_table_sorts_in_its_model_and_the_selection_follows(qtbot: QtBot) -> None:
    from acr_desktop.ui.tables import RowTable

    model = LayersModel()
    model.set_rows([layer(i + 1, s) for i, s in enumerate(SIZES)])
    table = RowTable(model)
    qtbot.addWidget(table)
    table.selectRow(2)  # the 5 TB layer
    table.sortByColumn(LayersModel.COL_SIZE, Qt.SortOrder.DescendingOrder)
    assert [o.descriptor.size for o in table.selected_objects()] == [5_000_000_000_000]  # type: ignore[attr-defined]
    assert table.proxy.index(0, LayersModel.COL_SIZE).data() == "5.0 TB"
    model.set_rows([layer(i + 1, s) for i, s in enumerate(SIZES)])  # new rows: still sorted
    assert table.proxy.index(4, LayersModel.COL_SIZE).data(SORT_ROLE) == 9
    assert table.proxy.index(4, LayersModel.COL_NUMBER).data() == "2"  # numbers stay the rows'
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    assert [table.proxy.index(r, 0).data() for r in range(5)] == ["1", "2", "3", "4", "5"]
