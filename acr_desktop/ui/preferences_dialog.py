"""Edit ▸ Preferences…: whether every inspect looks for signatures, SBOMs and end of life; the
layer listings kept on disk (how many, how much room, the limit, Clear), so a layer shared by many
images is read once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from acr_desktop.text import format_size, plural
from acr_desktop.ui.plain import plain_label

if TYPE_CHECKING:
    from acr_desktop.registry.listing_cache import ListingCache
    from acr_desktop.ui.preferences import Preferences

MIB = 1024 * 1024
MIN_LIMIT_MIB, MAX_LIMIT_MIB = 1, 100_000


class PreferencesDialog(QDialog):
    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        from acr_desktop.registry.listing_cache import ListingCache, default_cache_dir

        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.preferences = preferences
        self.cache: ListingCache = ListingCache(
            default_cache_dir(), preferences.layer_cache_limit()
        )
        group = QGroupBox("Layer listings kept on disk")
        form = QFormLayout(group)
        self.where = plain_label(str(default_cache_dir()), wrap=True, selectable=True)
        self.usage = plain_label()
        self.usage.setObjectName("cacheUsage")
        self.limit = QSpinBox()
        self.limit.setObjectName("cacheLimit")
        self.limit.setRange(MIN_LIMIT_MIB, MAX_LIMIT_MIB)
        self.limit.setSuffix(" MiB")
        self.limit.setValue(max(MIN_LIMIT_MIB, round(self.cache.limit / MIB)))
        self.limit.setToolTip("When the listings take more room, the least recently used go.")
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        row = QHBoxLayout()
        row.addWidget(self.usage, 1)
        row.addWidget(self.clear_button)
        form.addRow("Folder", self.where)
        form.addRow("Kept", row)
        form.addRow("Limit", self.limit)
        form.addRow(plain_label(
            "A listing is kept per layer digest once the layer was read to its end and its "
            "digest verified, so reopening it needs no download.", wrap=True))  # fmt: skip
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.supply_auto = QCheckBox(
            "Look for signatures, SBOMs, provenance and end of life on every inspect"
        )
        self.supply_auto.setObjectName("supplyAuto")
        self.supply_auto.setChecked(preferences.supply_auto())
        self.supply_auto.setToolTip(
            "In the background, after the image is shown: the summary says what is attached. "
            "Off: only when the Referrers tab is opened. Never on Docker Hub, where each "
            "manifest read counts as a pull."
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.supply_auto)
        layout.addWidget(group)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.show_usage()

    def show_usage(self) -> None:
        count, size = self.cache.count(), self.cache.size()
        self.usage.setText(f"{plural(count, 'layer')}, {format_size(size)}")
        self.clear_button.setEnabled(count > 0)

    def clear(self) -> None:
        self.cache.clear()
        self.show_usage()

    def accept(self) -> None:
        limit = self.limit.value() * MIB
        self.preferences.set_supply_auto(self.supply_auto.isChecked())
        self.preferences.set_layer_cache_limit(limit)
        self.cache.limit = limit
        super().accept()
