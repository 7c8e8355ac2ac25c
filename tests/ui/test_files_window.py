"""The Files tab in the whole window, against the real token registry: "Show files" from the
Layers tab (Enter, double-click, the row menu), the window's sign-in handed to the listing
jobs, Edit ▸ Preferences… with the layer listings kept on disk, and screenshots at 1400×900."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.listing_cache import ListingCache
from acr_desktop.ui.files_models import EntriesModel
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.models import OBJECT_ROLE
from acr_desktop.ui.preferences_dialog import PreferencesDialog
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig.layers import (
    PushedImage,
    debian_like,
    layer,
    push_layers_image,
    whiteout_layers,
)
from tests.ui.test_files_panel import shot
from tests.ui.test_inspector_rig import pick_from_popup
from tests.ui.test_main_window import inspect


@pytest.fixture(scope="module")
def token_registry(layers_registry: Registry) -> Registry:
    """The layers tests' own token registry: what they push stays out of the shared catalog."""
    return layers_registry


@pytest.fixture(scope="module")
def three(token_registry: Registry) -> PushedImage:
    base, one, two = whiteout_layers()
    blobs = [layer(base, "gzip"), layer(one, "zstd"), layer(two, "none")]
    return push_layers_image(token_registry, "files/window", "three", blobs, docker=True)


def signed_in(qtbot: QtBot, window: MainWindow, image: PushedImage) -> None:
    window.store.session_only(image.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    window.preferences.set_username(image.registry, ALICE_USER)
    window.resize(1400, 900)
    inspect(qtbot, window, image.reference)


def files_shown(qtbot: QtBot, window: MainWindow, layer: int) -> None:
    """The Files tab is on show with layer `layer` (0-based), and its entries arrived."""
    inspector = window.inspector
    qtbot.waitUntil(lambda: inspector.tabs.currentWidget() is inspector.files, timeout=5_000)
    assert inspector.files.shown_layer == layer
    qtbot.waitUntil(lambda: inspector.files.entries_model.rowCount() > 0, timeout=20_000)


def test_enter_on_a_layer_shows_its_files_with_the_windows_sign_in(
    qtbot: QtBot, window: MainWindow, three: PushedImage
) -> None:
    signed_in(qtbot, window, three)
    inspector = window.inspector
    layers = inspector.layers
    layers.setFocus()
    layers.setCurrentIndex(layers.model().index(1, 0))
    panel = inspector.files
    order: list[int] = []
    panel.files.listed.connect(order.append)
    qtbot.keyClick(layers, Qt.Key.Key_Return)
    files_shown(qtbot, window, 1)
    change = EntriesModel.COL_CHANGE
    qtbot.waitUntil(
        lambda: panel.entries_model.index(0, change).data() == "modified", timeout=20_000
    )
    qtbot.waitUntil(lambda: panel.files.fs is not None, timeout=20_000)
    assert order == [1, 0, 2]  # the layer chosen, the one below it, then the rest
    assert "Docker" not in panel.message.text()  # no error: the window's credentials were used
    assert "digest verified" in panel.integrity.text()
    inspector.tabs.setCurrentWidget(panel)
    shot(window, "files-window-layer.png")
    panel.scope.setCurrentIndex(0)
    panel.tree.expandToDepth(0)
    shot(window, "files-window-whole-image.png")


def test_double_click_and_the_row_menu_offer_show_files(
    qtbot: QtBot, window: MainWindow, three: PushedImage
) -> None:
    signed_in(qtbot, window, three)
    inspector = window.inspector
    layers = inspector.layers
    rect = layers.visualRect(layers.model().index(2, 1))
    qtbot.mouseClick(layers.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(layers.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    files_shown(qtbot, window, 2)
    inspector.tabs.setCurrentIndex(0)
    layers.setCurrentIndex(layers.model().index(0, 0))
    seen: list[list[str]] = []
    pick_from_popup("Show files", seen)
    layers.customContextMenuRequested.emit(QPoint(5, 5))
    assert seen and seen[0][0] == "Show files"
    files_shown(qtbot, window, 0)


def test_preferences_show_and_clear_the_layer_listings_kept_on_disk(
    qtbot: QtBot, window: MainWindow, three: PushedImage
) -> None:
    signed_in(qtbot, window, three)
    inspector = window.inspector
    inspector.tabs.setCurrentWidget(inspector.files)
    qtbot.waitUntil(lambda: inspector.files.files.fs is not None, timeout=20_000)
    action = next(a for a in window.menus.edit.actions() if a.text() == "Preferences…")
    assert action.shortcut().toString() == "Ctrl+,"
    action.trigger()
    dialog = window.findChild(PreferencesDialog)
    assert isinstance(dialog, PreferencesDialog)
    assert dialog.usage.text().startswith("3 layers, ")
    shot(dialog, "preferences-dialog.png")
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    assert dialog.usage.text() == "0 layers, 0 B"
    assert ListingCache().count() == 0
    dialog.limit.setValue(64)
    dialog.accept()
    assert window.preferences.layer_cache_limit() == 64 * 1024 * 1024


def test_a_debian_sized_layer_in_the_window(
    qtbot: QtBot, window: MainWindow, token_registry: Registry
) -> None:
    image = push_layers_image(token_registry, "files/debian", "window", [debian_like()])
    signed_in(qtbot, window, image)
    inspector = window.inspector
    panel = inspector.files
    inspector.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.files.fs is not None, timeout=60_000)
    assert "1 of 1 layer listed (30,000 entries)" in panel.integrity.text()
    panel.tree.expandToDepth(0)
    shot(window, "files-window-debian-tree.png")
    panel.show_layer(0)
    assert panel.entries_model.rowCount() == 30_000
    panel.table.sort_by(EntriesModel.COL_SIZE, Qt.SortOrder.DescendingOrder)
    sizes = [panel.entries_model.index(r, 0).data(OBJECT_ROLE).size for r in range(50)]
    assert sizes == sorted(sizes, reverse=True)
    shot(window, "files-window-debian-by-size.png")
