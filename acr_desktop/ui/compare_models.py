"""Table models and words of the compare window (and its JSON file): the layers side by side,
the config's differences, the history in two columns, and the files. A state is always said in
words (and a sign), its colour only adds to them; sizes sort on their raw values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from acr_desktop.text import format_size, plural, short_digest
from acr_desktop.ui import colours
from acr_desktop.ui.models import EMPTY, RowsModel
from acr_desktop.ui.roles import SORT_ROLE

if TYPE_CHECKING:
    from acr_desktop.compare import (
        Comparison,
        FieldChange,
        FileChange,
        LayerPair,
        PlatformComparison,
    )
    from acr_desktop.registry.image_config import HistoryStep
    from acr_desktop.registry.reference import Reference

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
NOT_SET = "(not set)"  # a field absent on one side: never a blank that reads as "not loaded"

# A layer's state: (words, what the words mean, colour).
LAYER_STATES = {
    "shared": ("= same layer", "The same layer (same digest) on both sides", None),
    "recompressed": (
        "≈ recompressed",
        "The same content (same diff_id) compressed again: a different digest and size",
        colours.note,
    ),
    "added": ("+ added", "Only on the right (B)", colours.ok),
    "removed": ("− removed", "Only on the left (A)", colours.error),
}
FILE_STATES = {
    "added": ("+ added", colours.ok),
    "removed": ("− removed", colours.error),
    "changed": ("≠ changed", colours.note),
}


def signed_size(delta: int) -> str:
    """`+1.2 MB`, `−340 B`, `0 B`: a size change, its sign always said."""
    if delta == 0:
        return "0 B"
    return ("+" if delta > 0 else "−") + format_size(abs(delta))


def _colour(pick: Any) -> QColor | None:
    return QColor(pick()) if pick is not None else None


class LayerPairsModel(RowsModel["LayerPair"]):
    """A's side on the left, the state and the size change in the middle, B's on the right."""

    COL_LEFT_NO, COL_LEFT, COL_LEFT_SIZE, COL_STATE = range(4)
    COL_DELTA, COL_RIGHT_NO, COL_RIGHT_SIZE, COL_RIGHT = range(4, 8)
    HEADERS = ("A #", "A layer", "A compressed size", "State", "Size change", "B #",
               "B compressed size", "B layer")  # fmt: skip
    HEADER_TIPS = {  # noqa: RUF012
        2: "The layer's size in A, compressed, as the registry stores it",
        3: "Same layer, the same content recompressed, added in B or removed from A",
        4: "B's compressed size minus A's for this row",
        6: "The layer's size in B, compressed, as the registry stores it",
    }

    def cell(self, number: int, row: LayerPair, column: int, role: int) -> Any:
        left, right = row.left, row.right
        delta = (right.size if right else 0) - (left.size if left else 0)
        words, meaning, colour = LAYER_STATES[row.state]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                _number(row.left_index),
                short_digest(left.digest) if left else EMPTY,
                format_size(left.size) if left else EMPTY,
                words,
                signed_size(delta),
                _number(row.right_index),
                format_size(right.size) if right else EMPTY,
                short_digest(right.digest) if right else EMPTY,
            )[column]
        if role == SORT_ROLE:
            return (
                _raw(row.left_index),
                left.digest if left else "",
                left.size if left else -1,
                words,
                delta,
                _raw(row.right_index),
                right.size if right else -1,
                right.digest if right else "",
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{meaning}\ndiff_id {row.diff_id}" if row.diff_id else meaning
            side = left if column < self.COL_STATE else right
            about = f"{side.digest}\n{side.size:,} bytes\n{side.media_type}" if side else None
            return tip if column in (self.COL_STATE, self.COL_DELTA) else about
        if role == Qt.ItemDataRole.ForegroundRole and column in (self.COL_STATE, self.COL_DELTA):
            return _colour(colour)
        sizes = (self.COL_LEFT_SIZE, self.COL_RIGHT_SIZE, self.COL_DELTA)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in sizes:
            return _RIGHT
        return None


def _number(at: int | None) -> str:
    return EMPTY if at is None else str(at + 1)


def _raw(at: int | None) -> int:
    return -1 if at is None else at


class ConfigChangesModel(RowsModel["FieldChange"]):
    COL_PART, COL_KEY, COL_LEFT, COL_RIGHT = range(4)
    HEADERS = ("Part", "Key", "A", "B")
    HEADER_TIPS = {  # noqa: RUF012
        2: f"The value in A; {NOT_SET} when A does not have it",
        3: f"The value in B; {NOT_SET} when B does not have it",
    }

    def cell(self, number: int, row: FieldChange, column: int, role: int) -> Any:
        values = (row.part, row.key or "", row.left, row.right)
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE, Qt.ItemDataRole.ToolTipRole):
            value = values[column]
            if column == self.COL_KEY and role == Qt.ItemDataRole.DisplayRole:
                return value or EMPTY
            return NOT_SET if value is None else value
        absent = column in (self.COL_LEFT, self.COL_RIGHT) and values[column] is None
        if role == Qt.ItemDataRole.ForegroundRole and absent:
            return QColor(colours.note())
        return None


@dataclass(frozen=True)
class HistoryPair:
    """Step `number` (1-based) of each history, aligned by position."""

    number: int
    left: HistoryStep | None
    right: HistoryStep | None

    @property
    def verdict(self) -> str:
        if self.left is None:
            return "B only"
        if self.right is None:
            return "A only"
        return "same" if self.left.created_by == self.right.created_by else "differs"


def history_pairs(
    left: tuple[HistoryStep, ...], right: tuple[HistoryStep, ...]
) -> list[HistoryPair]:
    count = max(len(left), len(right))
    return [
        HistoryPair(n + 1, left[n] if n < len(left) else None, right[n] if n < len(right) else None)
        for n in range(count)
    ]


class HistoryPairsModel(RowsModel[HistoryPair]):
    COL_NO, COL_VERDICT, COL_LEFT, COL_RIGHT = range(4)
    HEADERS = ("Step", "Same?", "A: created by", "B: created by")
    _COLOURS = {"same": None, "differs": colours.note, "A only": colours.error,  # noqa: RUF012
                "B only": colours.ok}  # fmt: skip

    def cell(self, number: int, row: HistoryPair, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE, Qt.ItemDataRole.ToolTipRole):
            if column == self.COL_NO:
                return row.number if role == SORT_ROLE else str(row.number)
            if column == self.COL_VERDICT:
                return row.verdict
            return _step_text(row.left if column == self.COL_LEFT else row.right, role)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COL_VERDICT:
            return _colour(self._COLOURS[row.verdict])
        return None


def _step_text(step: HistoryStep | None, role: int) -> str:
    if step is None:
        return EMPTY
    text = step.created_by or "(no command recorded)"
    if role == Qt.ItemDataRole.ToolTipRole:
        return f"{text}\n{step.created or ''}{'  (no layer)' if step.empty_layer else ''}"
    return text


class FileChangesModel(RowsModel["FileChange"]):
    COL_STATE, COL_LEFT, COL_RIGHT, COL_DELTA, COL_PATH = range(5)
    HEADERS = ("Change", "A size", "B size", "Size change", "Path")
    HEADER_TIPS = {  # noqa: RUF012
        1: "The file's size in A, unpacked",
        2: "The file's size in B, unpacked",
    }

    def cell(self, number: int, row: FileChange, column: int, role: int) -> Any:
        delta = (row.right_size or 0) - (row.left_size or 0)
        words, colour = FILE_STATES[row.state]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                words,
                format_size(row.left_size),
                format_size(row.right_size),
                signed_size(delta),
                row.path,
            )[column]
        if role == SORT_ROLE:
            left = -1 if row.left_size is None else row.left_size
            right = -1 if row.right_size is None else row.right_size
            return (words, left, right, delta, row.path)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COL_PATH:
            return row.path
        if role == Qt.ItemDataRole.ForegroundRole and column == self.COL_STATE:
            return _colour(colour)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (1, 2, 3):
            return _RIGHT
        return None


def platform_words(pc: PlatformComparison) -> str:
    """What the chooser says of one platform: "linux/amd64 — identical" or its changes."""
    if pc.identical:
        return f"{pc.label} — identical"
    changed = sum(1 for p in pc.layers if p.state != "shared")
    parts = [plural(changed, "layer") + " differ" + ("s" if changed == 1 else "")]
    if pc.config_changes:
        parts.append(plural(len(pc.config_changes), "config change"))
    parts.append(f"size change {signed_size(pc.size_delta)}")
    return f"{pc.label} — {', '.join(parts)}"


def verdict_words(c: Comparison) -> str:
    """ "Different: 1 of 3 platforms differs" (the same manifest is said before this)."""
    if not c.platforms:
        return "Different: no platform in common"
    if len(c.platforms) == 1 and c.platforms[0].label == "image":
        return "Different images"
    differ = sum(1 for pc in c.platforms if not pc.identical)
    verb = "differs" if differ == 1 else "differ"
    return f"Different: {differ} of {plural(len(c.platforms), 'platform')} {verb}"


def layers_summary(pc: PlatformComparison) -> str:
    """ "12 layers compared: 10 same, 1 recompressed, 1 added, 0 removed · download 31.4 MB →
    33.7 MB (+2.3 MB)"."""
    counts = {state: 0 for state in ("shared", "recompressed", "added", "removed")}
    for pair in pc.layers:
        counts[pair.state] += 1
    left = sum(p.left.size for p in pc.layers if p.left is not None)
    right = sum(p.right.size for p in pc.layers if p.right is not None)
    return (
        f"{plural(len(pc.layers), 'layer')} side by side: {counts['shared']} same, "
        f"{counts['recompressed']} recompressed, {counts['added']} added, "
        f"{counts['removed']} removed · layers {format_size(left)} → {format_size(right)}; "
        f"download size change {signed_size(pc.size_delta)} (config and layers, compressed)"
    )


def suggested_name(c: Comparison) -> str:
    """`app-1.4-vs-1.5-compare.json`: only letters, digits, `.`, `_` and `-`."""

    def short(ref: Reference) -> str:
        name = ref.repository.rsplit("/", 1)[-1]
        return f"{name}-{ref.tag or (ref.digest or '').replace(':', '-')[:19]}"

    return _UNSAFE.sub("_", f"{short(c.left_ref)}-vs-{short(c.right_ref)}-compare.json")[:200]


def write_comparison_json(c: Comparison, path: Path) -> int:
    """Write the comparison's JSON to `path` whole or not at all (a file beside it, then
    renamed); the bytes written."""
    import json

    from acr_desktop.compare_report import comparison_dict
    from acr_desktop.ui.saving import write_atomically

    data = (json.dumps(comparison_dict(c), indent=2, ensure_ascii=False) + "\n").encode()
    write_atomically(path, data)
    return len(data)
