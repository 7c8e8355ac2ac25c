"""The table models: qtmodeltester on each, numeric size sorting, row objects."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from acr_desktop.registry.image_config import align_history
from acr_desktop.registry.manifest import Descriptor, Platform
from acr_desktop.ui.models import (
    OBJECT_ROLE,
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
    assert model.index(0, LayersModel.COL_DIGEST).data() == "sha256:000000000000"
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
