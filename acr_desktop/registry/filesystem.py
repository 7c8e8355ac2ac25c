"""The image's filesystem built from its layers' listings, base layer first, with the OCI whiteout
rules: what each layer does to a path, folder sizes, wasted space, and finding paths by glob.
Pure data: every step is linear in the entries (and in the length of their paths)."""

from __future__ import annotations

import fnmatch
import heapq
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from acr_desktop.registry.layer_entries import (
    OPAQUE_MARKER,
    WHITEOUT_PREFIX,
    Change,
    EntryKind,
    TarEntry,
)

MAX_OFFENDERS = 1000  # the largest wasted files remembered (bounded, whatever the layers hold)
IMPLIED = -1  # `Node.layer` of a folder no layer listed, there because something is inside it

WasteHow = Literal["overwritten", "deleted"]


class PathSet(Protocol):
    """Paths present in the layers below (a `MergedFs`, or any set of normalised paths)."""

    def __contains__(self, path: object, /) -> bool: ...


class Node:
    """One path of the merged filesystem. `children` is None for anything but a folder; `size` is
    a regular file's size (0 for links and devices: a hard link's bytes belong to its target),
    and for a folder the sum of the files below it."""

    __slots__ = ("children", "entry", "layer", "name", "parent", "size")

    def __init__(
        self,
        parent: Node | None,
        name: str,
        entry: TarEntry | None,
        layer: int,
        children: dict[str, Node] | None,
    ) -> None:
        self.parent = parent  # None for the root (what a tree view asks for its parent index)
        self.name = name
        self.entry = entry  # None: an implied folder
        self.layer = layer  # the layer that last wrote it (IMPLIED if none did)
        self.children = children
        self.size = 0

    @property
    def is_dir(self) -> bool:
        return self.children is not None

    @property
    def path(self) -> str:
        """The normalised path ("" for the root), spelled from the parents."""
        names: list[str] = []
        node: Node | None = self
        while node is not None and node.parent is not None:
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))


@dataclass(frozen=True, slots=True)
class Waste:
    """Bytes of a file that `layer` wrote and a later layer (`by_layer`) overwrote or deleted."""

    path: str
    size: int
    layer: int
    by_layer: int
    how: WasteHow


@dataclass(frozen=True, slots=True)
class Found:
    """An entry that matched a search, in the layer that holds it, with what that layer does."""

    layer: int
    entry: TarEntry
    change: Change


def _marker_change(entry: TarEntry) -> Change | None:
    if entry.is_opaque_marker:
        return Change.OPAQUE
    if entry.is_whiteout:
        return Change.DELETED
    return None


def changes(lower: PathSet | None, entries: Sequence[TarEntry]) -> list[Change]:
    """What each entry does, against the paths present in the layers below (`lower`); with no
    `lower` (not listed yet) an added-or-modified entry is UNKNOWN."""
    if isinstance(lower, MergedFs):
        return lower.changes(entries)
    found: list[Change] = []
    for entry in entries:
        change = _marker_change(entry)
        if change is None:
            if lower is None:
                change = Change.UNKNOWN
            else:
                change = Change.MODIFIED if entry.path in lower else Change.ADDED
        found.append(change)
    return found


class MergedFs:
    """Layers applied in order: `apply(0, …)`, `apply(1, …)`, … A whiteout or opaque marker of a
    layer hides only what lower layers wrote; a non-folder replacing a folder drops its subtree.
    Wasted bytes are credited to the layer that wrote them. One thread at a time: apply on a
    worker, then hand the whole thing over."""

    def __init__(self) -> None:
        self._root = Node(None, "", None, IMPLIED, {})
        self._sized = True  # folder sizes are summed once, on first look after an apply
        self._heap: list[tuple[int, int, str, int, int, WasteHow]] = []
        self._seq = 0
        self.applied: list[int] = []
        self.wasted_by_layer: dict[int, int] = {}
        self.wasted_total = 0

    @property
    def root(self) -> Node:
        self._sum_sizes()
        return self._root

    def node(self, path: str) -> Node | None:
        """The node at a normalised path ("" is the root), or None."""
        self._sum_sizes()
        return self._walk(path)

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        if not path:
            return self._root.entry is not None or bool(self._root.children)
        return self._walk(path) is not None

    def changes(self, entries: Sequence[TarEntry]) -> list[Change]:
        """What each entry of the next layer does against what is applied so far (no change)."""
        return self._scan(entries)[0]

    def apply(self, index: int, entries: Sequence[TarEntry]) -> list[Change]:
        """Apply layer `index` on top of what is applied; returns what each entry does."""
        found, markers = self._scan(entries)
        self._sized = False
        # Whiteouts and opaque markers first: they hide lower layers only, wherever they sit in
        # the tar relative to this layer's own entries.
        for position in markers:
            if found[position] is Change.DELETED:
                self._delete(entries[position].target, index)
            else:
                self._empty(entries[position].target, index)
        self._write(entries, found, index)
        self.applied.append(index)
        return found

    def _scan(self, entries: Sequence[TarEntry]) -> tuple[list[Change], list[int]]:
        """Each entry's change, and the positions of whiteouts and opaque markers."""
        parents: dict[str, Node | None] = {"": self._root}
        found: list[Change] = []
        markers: list[int] = []
        for position, entry in enumerate(entries):
            parent, _, name = entry.path.rpartition("/")
            if name.startswith(WHITEOUT_PREFIX):
                markers.append(position)
                found.append(Change.OPAQUE if name == OPAQUE_MARKER else Change.DELETED)
                continue
            if not name:
                present = "" in self
            else:
                if parent in parents:
                    folder = parents[parent]
                else:
                    folder = parents[parent] = self._walk(parent)
                kids = folder.children if folder is not None else None
                present = kids is not None and name in kids
            found.append(Change.MODIFIED if present else Change.ADDED)
        return found, markers

    def _write(self, entries: Sequence[TarEntry], found: list[Change], index: int) -> None:
        """Write the entries of layer `index` that are not whiteouts or opaque markers."""
        folders: dict[str, Node] = {"": self._root}  # this layer's folders found so far
        file, folder_kind = EntryKind.FILE, EntryKind.DIR
        deleted, opaque = Change.DELETED, Change.OPAQUE
        for entry, change in zip(entries, found, strict=True):
            if change is deleted or change is opaque:
                continue
            parent, _, name = entry.path.rpartition("/")
            kind = entry.kind
            if not name:
                if kind is folder_kind:  # the root itself ("./"); never replaced
                    self._root.entry, self._root.layer = entry, index
                continue
            folder = folders.get(parent)
            if folder is None:
                folder = folders[parent] = self._folders(parent, index)
            kids = folder.children
            assert kids is not None
            old = kids.get(name)
            if kind is folder_kind and old is not None and old.children is not None:
                old.entry, old.layer = entry, index  # a folder over a folder: its contents stay
                continue
            node = kids[name] = Node(
                folder, name, entry, index, {} if kind is folder_kind else None
            )
            if kind is file and entry.size > 0:
                node.size = entry.size
            if old is not None:
                self._waste(old, entry.path, index, "overwritten")
                if old.children is not None:
                    folders = {"": self._root}  # the folders under it are gone

    def offenders(self, n: int = 20) -> list[Waste]:
        """The largest files whose bytes are wasted, largest first (at most MAX_OFFENDERS)."""
        best = heapq.nlargest(max(n, 0), self._heap)
        return [Waste(path, size, layer, by, how) for size, _, path, layer, by, how in best]

    # -- inside

    def _walk(self, path: str) -> Node | None:
        node = self._root
        if not path:
            return node
        for part in path.split("/"):
            kids = node.children
            if kids is None:
                return None
            child = kids.get(part)
            if child is None:
                return None
            node = child
        return node

    def _folders(self, path: str, index: int) -> Node:
        """The folder at `path`, made (implied) where missing; a non-folder in the way is
        replaced, as extracting the layer would."""
        node = self._root
        walked = ""
        for part in path.split("/"):
            walked = f"{walked}/{part}" if walked else part
            kids = node.children
            assert kids is not None
            child = kids.get(part)
            if child is None or child.children is None:
                if child is not None:
                    self._waste(child, walked, index, "overwritten")
                child = kids[part] = Node(node, part, None, IMPLIED, {})
            node = child
        return node

    def _delete(self, target: str, index: int) -> None:
        parent, _, name = target.rpartition("/")
        if not name:
            return
        folder = self._walk(parent)
        if folder is None or folder.children is None:
            return
        old = folder.children.pop(name, None)
        if old is not None:
            self._waste(old, target, index, "deleted")

    def _empty(self, target: str, index: int) -> None:
        folder = self._walk(target)
        if folder is None or folder.children is None:
            return
        old, folder.children = folder.children, {}
        for name, child in old.items():
            self._waste(child, f"{target}/{name}" if target else name, index, "deleted")

    def _waste(self, node: Node, path: str, index: int, how: WasteHow) -> None:
        """Count the file bytes in `node` (and below it) as wasted by layer `index`."""
        stack = [(node, 0)]
        trail: list[str] = []  # names below `path` down to the node visited
        while stack:
            current, depth = stack.pop()
            if depth:
                del trail[depth - 1 :]
                trail.append(current.name)
            if current.children is not None:
                stack.extend((child, depth + 1) for child in current.children.values())
            elif current.size:
                self._note(current, path, trail, index, how)

    def _note(self, node: Node, path: str, trail: list[str], index: int, how: WasteHow) -> None:
        size, layer = node.size, node.layer
        self.wasted_by_layer[layer] = self.wasted_by_layer.get(layer, 0) + size
        self.wasted_total += size
        heap = self._heap
        if len(heap) >= MAX_OFFENDERS and size <= heap[0][0]:
            return  # the path is only spelled out for files that make the list
        self._seq -= 1  # ties: the one wasted first ranks first
        full = "/".join([path, *trail]) if trail else path
        item = (size, self._seq, full, layer, index, how)
        if len(heap) < MAX_OFFENDERS:
            heapq.heappush(heap, item)
        else:
            heapq.heapreplace(heap, item)

    def _sum_sizes(self) -> None:
        if self._sized:
            return
        folders: list[Node] = []
        stack = [self._root]
        while stack:
            node = stack.pop()
            folders.append(node)
            kids = node.children
            assert kids is not None
            stack.extend(child for child in kids.values() if child.children is not None)
        for folder in reversed(folders):  # every folder after all the folders inside it
            kids = folder.children
            assert kids is not None
            folder.size = sum(child.size for child in kids.values())
        self._sized = True


def find(pattern: str, listings: Sequence[Sequence[TarEntry]]) -> Iterator[Found]:
    """Entries matching a glob in each layer's listing (base first), with what each layer does
    to them. A whiteout matches by the path it deletes, an opaque marker by its folder too."""
    match = glob_match(pattern)
    merged = MergedFs()
    for index, entries in enumerate(listings):
        found = merged.apply(index, entries)
        for entry, change in zip(entries, found, strict=True):
            if match(entry.path) or (
                (change is Change.DELETED or change is Change.OPAQUE) and match(entry.target)
            ):
                yield Found(index, entry, change)


def glob_match(pattern: str) -> Callable[[str], bool]:
    """A test for normalised paths: `*`, `?` and `[…]` (`[!…]` negated) match within one name,
    a `**` part matches any number of folders. With no "/" the pattern matches a name anywhere;
    with a leading "/" it is anchored to the root; otherwise it matches the path's last parts.
    An empty pattern matches nothing. Names are matched by fnmatch's expressions, which do not
    backtrack between stars; `**` by one greedy pass, so a hostile path costs time in proportion
    to its parts times the pattern's."""
    parts: list[str] = []
    for part in pattern.split("/"):
        if part and not (part == "**" and parts and parts[-1] == "**"):
            parts.append(part)
    if not parts:
        return lambda path: False
    names = [None if part == "**" else re.compile(fnmatch.translate(part)).match for part in parts]
    if not pattern.startswith("/") and None not in names:
        if len(names) == 1:
            name = names[0]
            assert name is not None
            return lambda path: name(path, path.rfind("/") + 1) is not None

        def match_tail(path: str) -> bool:
            start = len(path)
            for _ in names:  # the start of the last len(names) parts
                start = path.rfind("/", 0, start)
                if start < 0:
                    break
            return _match_parts(names, path[start + 1 :].split("/"))

        return match_tail
    if not pattern.startswith("/") and names[0] is not None:
        names.insert(0, None)
    return lambda path: _match_parts(names, path.split("/"))


def _match_parts(tests: Sequence[Callable[[str], object] | None], names: Sequence[str]) -> bool:
    """Names against tests, None standing for `**` (any number of names): the classic greedy
    wildcard pass that goes back only to the last `**`."""
    t = n = 0
    star, resume = -1, 0
    while n < len(names):
        test = tests[t] if t < len(tests) else None
        if test is None and t < len(tests):
            star, resume = t, n
            t += 1
        elif test is not None and test(names[n]):
            t += 1
            n += 1
        elif star >= 0:
            t, resume = star + 1, resume + 1
            n = resume
        else:
            return False
    return all(test is None for test in tests[t:])
