"""The tag list: a model with lazy rows over up to a million tags, filtered as you type (substring
or glob) and ordered by version-aware name or by time. No widget per tag. Tags that stand for a
signature, attestation, SBOM or referrers index (`sha256-…`) are drawn as such, kept last and
counted apart. Pages are appended as they arrive (only the new page is looked at); the version
order comes from the worker. Filtering runs in slices, so no keystroke freezes the window. The
optional columns show what `tag_details` learnt, kept by digest."""

from __future__ import annotations

import fnmatch
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QGuiApplication, QPalette

from acr_desktop.registry.acr import TagInfo
from acr_desktop.text import short_digest
from acr_desktop.ui.nav_words import fallback_label, fallback_tooltip
from acr_desktop.ui.plain import list_entry, tooltip
from acr_desktop.ui.roles import OBJECT_ROLE
from acr_desktop.ui.tag_order import fallback_kind
from acr_desktop.ui.tag_rounds import COLUMN_TIPS

if TYPE_CHECKING:
    from acr_desktop.ui.tag_rounds import Facts, Found

Index = QModelIndex | QPersistentModelIndex
MAX_TAGS = 1_000_000  # tags kept in the window; the rest are not shown (and the status says so)
MAX_FACTS = 20_000  # manifests whose facts are kept (by digest, across repositories)
SLICE = 32_768  # tags looked at between two checks of the clock while filtering
SLICE_MS = 25.0  # UI-thread time one round of filtering may take before the window runs again

Matcher = Callable[[Sequence[int], list[str]], list[int]]


@dataclass(frozen=True)
class TagCounts:
    """Ordinary tags shown (through the filter) and in all; fallback tags by kind."""

    shown: int
    total: int
    kinds: dict[str, int]


def _matcher(pattern: str) -> Matcher | None:
    """What keeps the indices whose lower-cased name matches; None matches everything."""
    pattern = pattern.strip().lower()
    if not pattern:
        return None
    if any(c in pattern for c in "*?["):
        match = re.compile(fnmatch.translate(pattern)).match
        return lambda chunk, lower: [i for i in chunk if match(lower[i])]
    return lambda chunk, lower: [i for i in chunk if pattern in lower[i]]


def _lowered(names: Sequence[str]) -> list[str]:
    """Lower-case names, sharing the string when it already is (half the memory for most tags)."""
    out = []
    for name in names:
        low = name.lower()
        out.append(name if low == name else low)
    return out


class TagsModel(QAbstractTableModel):
    (COL_TAG, COL_UPDATED, COL_DIGEST, COL_KIND, COL_PLATFORMS, COL_SIZE, COL_CREATED,
     COL_ALIASES, COL_SIGNED, COL_LOCKS) = range(10)  # fmt: skip
    HEADERS = ("Tag", "Last updated", "Digest", "Kind", "Platforms", "Download size", "Created",
               "Same as", "DCT signed", "Locks")  # fmt: skip
    KEYS = ("tag", "updated", "digest", "kind", "platforms", "size", "created", "aliases",
            "signed", "locks")  # fmt: skip  # the columns' names in the preferences
    TIPS = COLUMN_TIPS
    ACR_ONLY = (COL_UPDATED, COL_SIGNED, COL_LOCKS)  # shown only with ACR's metadata
    NEEDS: ClassVar[dict[int, str]] = dict(zip(range(COL_DIGEST, COL_SIGNED), (
        "digest", "kind", "platforms", "size", "created", "digest"), strict=True))  # fmt: skip

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []  # in arrival order (ACR: newest first)
        self._lower: list[str] = []
        self._infos: list[TagInfo] = []  # ACR metadata, parallel to _names; empty for plain lists
        self._versions: list[int] | None = None  # ascending version order, from the worker
        self._words: list[int] = []
        self._fallbacks: set[int] = set()  # indices of the `sha256-…` tags
        self._fallback_order: list[int] = []  # the same, in name order, from the worker
        self._kinds: dict[str, int] = {}  # fallback tags by kind
        self._visible_fallbacks = 0  # fallback tags among _visible
        self._visible: list[int] = []  # indices into _names, in display order
        self._pattern = ""
        self._match: Matcher | None = None
        self._todo: list[tuple[Sequence[int], int]] = []  # (order, next position) left to filter
        self._slicer = QTimer(self)
        self._slicer.setInterval(0)
        self._slicer.timeout.connect(self._filter_some)
        self.by_time = False
        self.descending = True
        self.has_metadata = False
        self.capped = False  # MAX_TAGS reached: later tags were dropped
        # The optional columns (tag_details.py): facts by digest (kept across lists), the
        # digests learnt per tag (by index into _names), tags that failed, rows being filled.
        self.facts: dict[str, Facts] = {}
        self._links: dict[int, str] = {}
        self._problems: dict[int, str] = {}
        self.pending: set[int] = set()
        self._alias: dict[str, list[int]] = {}
        self._alias_upto = 0  # ACR tags looked at for _alias so far

    # -- data ----------------------------------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        self._names, self._lower, self._infos, self._visible = [], [], [], []
        self._versions, self._words, self._todo = None, [], []
        self._fallbacks, self._fallback_order, self._kinds = set(), [], {}
        self._visible_fallbacks = 0
        self._slicer.stop()
        self.has_metadata = self.capped = False
        self._links, self._problems, self.pending, self._alias, self._alias_upto = (
            {},
            {},
            set(),
            {},
            0,
        )
        self.endResetModel()

    def add_page(self, page: Sequence[TagInfo] | Sequence[str]) -> None:
        """Append a page (tag names, or ACR's TagInfo): only the page is looked at."""
        room = MAX_TAGS - len(self._names)
        if len(page) > room:
            page, self.capped = page[:room], True
        if not page:
            return
        start = len(self._names)
        if isinstance(page[0], TagInfo):
            infos = [t for t in page if isinstance(t, TagInfo)]
            if start and not self._infos:  # names before: give them rows of their own
                self._infos = [TagInfo(n) for n in self._names]
            self._infos += infos
            self.has_metadata = self.has_metadata or any(t.updated or t.created for t in infos)
            names = [t.name for t in infos]
        else:
            names = [str(n) for n in page]
            if self._infos:
                self._infos += [TagInfo(n) for n in names]
        self._note_fallbacks(start, names)
        self._names += names
        self._lower += _lowered(names)
        self._versions = None
        new = range(start, len(self._names))
        if self._todo:  # a filter is still walking the list: the page is next in line
            self._todo.append((new, 0))
        else:
            self._append(new if self._match is None else self._match(new, self._lower))

    def _note_fallbacks(self, start: int, names: list[str]) -> None:
        for offset, name in enumerate(names):
            kind = fallback_kind(name)
            if kind is not None:
                self._fallbacks.add(start + offset)
                self._kinds[kind] = self._kinds.get(kind, 0) + 1

    def set_name_order(
        self, versions: list[int], words: list[int], fallbacks: Sequence[int] = ()
    ) -> None:
        """The version order of everything loaded (ascending), computed off the UI thread."""
        if len(versions) + len(words) + len(fallbacks) == len(self._names):
            self._versions, self._words = versions, words
            self._fallback_order = list(fallbacks)
            self._rebuild()

    def set_filter(self, pattern: str) -> None:
        self._pattern = pattern
        self._rebuild()

    def set_order(self, *, by_time: bool, descending: bool) -> None:
        self.by_time, self.descending = by_time, descending
        self._rebuild()

    def _order(self) -> list[Sequence[int]]:
        """The display order, in parts: versions then words (by name), or arrival (by time)."""
        n = len(self._names)
        if self._versions is None:
            return [range(n)]  # still loading: as the pages came
        if self.by_time:  # the registry's order (ACR sends newest first)
            arrival = range(n) if self.descending else range(n - 1, -1, -1)
            if not self._fallbacks:
                return [arrival]
            skip = self._fallbacks
            return [[i for i in arrival if i not in skip], [i for i in arrival if i in skip]]
        if self.descending:  # newest versions first; words after them, either way
            return [self._versions[::-1], self._words[::-1], self._fallback_order]
        return [self._versions, self._words, self._fallback_order]  # fallbacks: by subject

    def _rebuild(self) -> None:
        self._slicer.stop()
        self._match = _matcher(self._pattern)
        parts = self._order()
        self.beginResetModel()
        self._visible_fallbacks = 0
        if self._match is None:
            self._visible = []
            for part in parts:
                self._visible.extend(part)  # in C: a million indices in a few milliseconds
            self._visible_fallbacks = len(self._fallbacks)
            self._todo = []
        else:
            self._visible = []
            self._todo = [(part, 0) for part in parts]
        self.endResetModel()
        if self._todo:
            self._filter_some()

    def _filter_some(self) -> None:
        """Filter for up to SLICE_MS, append the matches, and come back later for the rest."""
        started = time.perf_counter()
        match = self._match
        while self._todo and match is not None:
            order, position = self._todo[0]
            end = min(position + SLICE, len(order))
            self._append(match(order[position:end], self._lower))
            if end >= len(order):
                self._todo.pop(0)
            else:
                self._todo[0] = (order, end)
            if (time.perf_counter() - started) * 1000 > SLICE_MS:
                break
        if self._todo:
            self._slicer.start()
        else:
            self._slicer.stop()

    def _append(self, indices: Sequence[int]) -> None:
        if indices:
            first = len(self._visible)
            if self._fallbacks:
                self._visible_fallbacks += sum(1 for i in indices if i in self._fallbacks)
            self.beginInsertRows(QModelIndex(), first, first + len(indices) - 1)
            self._visible += indices
            self.endInsertRows()

    @property
    def filtering(self) -> bool:
        """A filter is still walking a long list."""
        return bool(self._todo)

    def total(self) -> int:
        """Every tag loaded, fallback tags included."""
        return len(self._names)

    def counts(self) -> TagCounts:
        fallbacks = len(self._fallbacks)
        shown = len(self._visible) - self._visible_fallbacks
        return TagCounts(shown, len(self._names) - fallbacks, dict(self._kinds))

    def names(self) -> list[str]:
        return [self._names[i] for i in self._visible]

    def tag(self, row: int) -> TagInfo:
        i = self._visible[row]
        return self._infos[i] if self._infos else TagInfo(self._names[i])

    # -- the optional columns ------------------------------------------------------------------
    def position(self, row: int) -> int:  # the tag at `row`: its index into all loaded
        return self._visible[row]

    def name_at(self, i: int) -> str:
        return self._names[i]

    @property
    def from_acr(self) -> bool:  # the tags came with ACR's metadata (digests included)
        return bool(self._infos)

    def digest_at(self, i: int) -> str | None:
        return (self._infos[i].digest if self._infos else None) or self._links.get(i)

    def known(self, i: int, needs: frozenset[str]) -> bool:
        """Everything `needs` says is known of tag `i` (or it failed)."""
        digest = self.digest_at(i)
        if i in self._problems or (digest and needs <= {"digest"}):
            return True
        facts = self.facts.get(digest or "")
        return facts is not None and all(facts.knows(n) for n in needs)

    def learn(self, found: Found, index_of: dict[str, int]) -> None:
        """What a round found; `index_of` maps its tags to their indices."""
        links = {index_of[n]: d for n, d in found.links.items() if n in index_of}
        for i, digest in links.items():
            self._alias.setdefault(digest, []).append(i)
        self._links.update(links)
        self._problems.update(
            (index_of[n], s) for n, s in found.tag_problems.items() if n in index_of
        )
        for facts in found.facts:
            self.facts.pop(facts.digest, None)  # the newest last: the oldest go first
            self.facts[facts.digest] = facts
        while len(self.facts) > MAX_FACTS:
            del self.facts[next(iter(self.facts))]
        self.refresh()

    def refresh(self) -> None:
        """Repaint the optional columns (the view only draws the rows on screen)."""
        first, last = self.index(0, self.COL_DIGEST), len(self._visible) - 1
        if self._visible:
            self.dataChanged.emit(first, self.index(last, self.COL_ALIASES))

    def aliases(self, i: int, digest: str) -> tuple[list[str], int]:
        """Up to 50 other tags known to point to `digest` (tag `i`'s), and how many there are."""
        for j in range(self._alias_upto, len(self._infos)):  # ACR's digests, looked at once
            if self._infos[j].digest:
                self._alias.setdefault(self._infos[j].digest or "", []).append(j)
        self._alias_upto = len(self._infos)
        same = self._alias.get(digest, [])
        return [self._names[j] for j in same[:51] if j != i][:50], len(same) - (i in same[:51])

    def _detail(self, i: int, column: int, tooltip_role: bool) -> str:
        """The text (or tooltip) of an optional column for tag `i`."""
        problem = self._problems.get(i)
        digest = self.digest_at(i)
        facts = self.facts.get(digest) if digest else None
        if column == self.COL_DIGEST and digest:
            return digest if tooltip_role else short_digest(digest)
        if column == self.COL_ALIASES and digest:
            names, count = self.aliases(i, digest)
            if tooltip_role:
                return ("Same manifest as: " + ", ".join(names) + " …" * (count > 50)) * bool(names)
            more = f" +{count - 3:,}" * (count > 3)
            return "= " + ", ".join(list_entry(n, 30) for n in names[:3]) + more if names else ""
        problem = problem or (facts.problem if facts else None)
        if problem:
            return problem if tooltip_role else "⚠"
        need = self.NEEDS.get(column, "")
        if facts is None or not facts.knows(need):
            return "" if tooltip_role or i not in self.pending else "…"
        text = facts.words(need, tooltip_role)  # server text (a platform, a time): one line
        return text if tooltip_role else list_entry(text, 60)

    # -- Qt ------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return self.TIPS[section] or None if role == Qt.ItemDataRole.ToolTipRole else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visible):
            return None
        column, i = index.column(), self._visible[index.row()]
        if role == Qt.ItemDataRole.DisplayRole and column == self.COL_TAG:
            if i in self._fallbacks:
                return fallback_label(self._names[i])
            return list_entry(self._names[i])  # the common case: no TagInfo made
        if i in self._fallbacks and role == Qt.ItemDataRole.ForegroundRole:
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)  # greyed
        if i in self._fallbacks and role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return tooltip(fallback_tooltip(self._names[i]))
        if role not in (OBJECT_ROLE, Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if column in self.NEEDS and role != OBJECT_ROLE:
            tip = role == Qt.ItemDataRole.ToolTipRole
            text = self._detail(i, column, tip)
            return (tooltip(text) if text else None) if tip else text
        tag = self.tag(index.row())
        if role == OBJECT_ROLE:
            return tag
        if role == Qt.ItemDataRole.DisplayRole:
            return self._metadata_text(tag, column)
        return None

    def _metadata_text(self, tag: TagInfo, column: int) -> str:
        if column == self.COL_UPDATED:
            when = tag.updated or tag.created
            return when[:19].replace("T", " ") if when else ""
        if column == self.COL_SIGNED:
            return "✔ DCT (deprecated)" if tag.signed else ""  # Docker Content Trust, not cosign
        if column == self.COL_LOCKS:
            return tag.locks_text()
        return ""
