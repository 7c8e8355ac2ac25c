"""The files of an image's layers as `acr-desktop files` prints them: lines like `ls -l` (every
line through `write_line`: names from a tar are data, control characters shown escaped) or JSON
written an item at a time (ASCII: control characters and the lone surrogates of non-UTF-8 names
come out as \\u escapes). Layers are numbered from 1, base first, as `inspect` lists them."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from acr_desktop.registry import layer_entries as le
from acr_desktop.text import format_size, plural, write_line

if TYPE_CHECKING:
    from acr_desktop.registry.filesystem import MergedFs, Node
    from acr_desktop.registry.layer_entries import Change, LayerListing, TarEntry
    from acr_desktop.registry.layer_stream import LayerSource

FLAG_WORDS = {  # flag: (JSON name, words in the text listing)
    le.ABSOLUTE: ("absolute", "absolute name"),
    le.DOTDOT: ("dotdot", "'..' in name"),
    le.NOT_UTF8: ("not_utf8", "name not UTF-8"),
    le.SPARSE: ("sparse", "sparse"),
    le.LONG_NAME: ("long_name", ""),
    le.BAD_FIELD: ("bad_field", "unreadable header field"),
}
# (entry, what its layer does to it, the layer that last wrote it, path, size)
Rows = Iterable[tuple["TarEntry", "Change | None", "int | None", str, int]]


class FilesWriter:
    """One listing on `out`: a layer at a time (`layer`), or the merged filesystem (`merged`);
    as JSON, `{"reference", "view", "layers": [{…, "entries": […]}, …]}` or
    `{"reference", "view", "files": […], "wasted": {…}}`, written as it goes."""

    def __init__(self, out: TextIO, as_json: bool, head: dict[str, Any]) -> None:
        self.out, self.as_json, self.layers = out, as_json, 0
        if as_json:
            key = "files" if head["view"] == "merged" else "layers"
            out.write(json.dumps(head)[:-1] + f', "{key}": ' + ("" if key == "files" else "["))

    def layer(self, source: LayerSource, listing: LayerListing, rows: Rows) -> None:
        if self.as_json:
            self.out.write(("," if self.layers else "") + "\n")
            self.out.write(json.dumps(layer_json(source, listing))[:-1] + ', "entries": ')
            json_array(self.out, rows)
            self.out.write("}")
        else:
            write_line(self.out, layer_line(source, listing))
            text_rows(self.out, rows)
        self.layers += 1

    def merged(self, fs: MergedFs, keep: Callable[[str], bool]) -> None:
        rows = ((n.entry, None, n.layer + 1, path, n.size) for path, n in walk(fs)
                if n.entry is not None and keep(path))  # fmt: skip
        (json_array if self.as_json else text_rows)(self.out, rows)
        wasted(fs, self.out, self.as_json)
        self.layers = -1

    def close(self) -> None:
        if self.as_json:
            self.out.write("}\n" if self.layers < 0 else "]}\n")
        self.out.flush()


def walk(fs: MergedFs) -> Iterator[tuple[str, Node]]:
    """Every node of the merged tree, depth first, names sorted (no recursion: deep is fine)."""
    stack: list[tuple[str, Node]] = [("", fs.root)]
    while stack:
        path, node = stack.pop()
        if path:
            yield path, node
        children = node.children or {}
        prefix = f"{path}/" if path else ""
        stack.extend((prefix + name, children[name]) for name in sorted(children, reverse=True))


def text_rows(out: TextIO, rows: Rows) -> None:
    """Lines like `ls -l` / `tar -tv`: mode, owner, size, mtime (UTC), path, link, then what the
    layer does to the path (or the layer that last wrote it) and what is odd about the entry."""
    for e, change, layer, path, size in rows:
        mode, when = _mode_text(e.kind, e.mode), _time(e.mtime)
        line = f"{mode} {_owner(e):<12} {size:>14,} {when} {path}"
        if e.kind == le.EntryKind.SYMLINK:
            line += f" -> {e.link}"
        elif e.kind == le.EntryKind.HARDLINK:
            line += f" link to {e.link}"
        words = [change.value] if change is not None else []
        words += [f"layer {layer}"] if layer is not None else []
        words += _flag_words(e.flags) if e.flags else []
        write_line(out, line + (f"  [{', '.join(words)}]" if words else ""))


def json_array(out: TextIO, rows: Rows) -> None:
    """A JSON array written an item at a time (a million entries never become one string)."""
    out.write("[")
    for i, (e, change, layer, path, size) in enumerate(rows):
        item: dict[str, Any] = {"path": path, "type": e.kind.value, "size": size, "mode": e.mode}
        item["uid"] = e.uid
        item |= {"gid": e.gid, "owner": e.uname, "group": e.gname, "mtime": e.mtime, "link": e.link}
        item["flags"] = [n for f, (n, _) in FLAG_WORDS.items() if e.flags & f]
        item |= {"change": change.value} if change is not None else {}
        item |= {"layer": layer} if layer is not None else {}
        out.write(("," if i else "") + "\n" + json.dumps(item))
    out.write("]")


def layer_json(source: LayerSource, listing: LayerListing) -> dict[str, Any]:
    d, integrity = source.descriptor, listing.integrity
    checked = None
    if integrity is not None:
        checked = {"digest_verified": integrity.digest_verified, "diff_id": integrity.diff_id,
                   "diff_id_status": integrity.diff_id_status,
                   "uncompressed_size": integrity.uncompressed_size,
                   "compression": integrity.compression}  # fmt: skip
    return {"layer": source.index + 1, "digest": d.digest, "media_type": d.media_type,
            "size": d.size, "expected_diff_id": source.diff_id, "total_entries":
            listing.total_entries, "complete": listing.complete, "integrity": checked,
            "notes": list(listing.notes)}  # fmt: skip


def layer_line(source: LayerSource, listing: LayerListing) -> str:
    d, integrity = source.descriptor, listing.integrity
    count = plural(listing.total_entries, "entry", "entries")
    head = f"Layer {source.index + 1}  {d.digest}  {format_size(d.size)}  {count}"
    if integrity is None:
        return f"{head}  (not read to its end: nothing verified)"
    digest = "digest verified" if integrity.digest_verified else "digest NOT verified"
    diff_id = {"verified": "diff_id verified", "mismatch": "diff_id MISMATCH",
               "unknown": "no diff_id to compare"}[integrity.diff_id_status]  # fmt: skip
    return f"{head}  ({integrity.compression}, {digest}, {diff_id})"


def wasted(fs: MergedFs, out: TextIO, as_json: bool) -> None:
    """Bytes of files a later layer overwrote or deleted, per layer, and the largest of them."""
    largest = fs.offenders(20)
    if as_json:
        by_layer = {str(k + 1): v for k, v in sorted(fs.wasted_by_layer.items())}
        items = [{"path": w.path, "size": w.size, "layer": w.layer + 1, "how": w.how}
                 for w in largest]  # fmt: skip
        wasted = {"total": fs.wasted_total, "by_layer": by_layer, "largest": items}
        out.write(', "wasted": ' + json.dumps(wasted))
        return
    per = ", ".join(f"layer {k + 1}: {format_size(v)}"
                    for k, v in sorted(fs.wasted_by_layer.items()) if v)  # fmt: skip
    write_line(out, f"Wasted: {format_size(fs.wasted_total)} ({per or 'none'})")
    for w in largest:
        write_line(out, f"  {w.size:>13,}  {w.path}  (layer {w.layer + 1}, {w.how})")


# A layer has few distinct modes, times and flag sets: each is worded once (bounded caches).
@functools.lru_cache(maxsize=1024)
def _mode_text(kind: le.EntryKind, mode: int) -> str:
    return le.mode_text(kind, mode)


@functools.lru_cache(maxsize=64)
def _flag_words(flags: int) -> list[str]:
    return [words for flag, (_, words) in FLAG_WORDS.items() if flags & flag and words]


def _owner(e: TarEntry) -> str:
    return f"{e.uname or e.uid}/{e.gname or e.gid}"


@functools.lru_cache(maxsize=4096)
def _time(mtime: float) -> str:
    try:
        return datetime.fromtimestamp(mtime, UTC).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):  # a tar may say any time at all
        return "????-??-?? ??:??"
