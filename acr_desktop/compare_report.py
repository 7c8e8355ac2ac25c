"""A comparison (compare.py) in three forms: a stable JSON document (`schema_version`), Markdown
for a ticket or a pull request, and text for a terminal. Server text is data in every form:
Markdown escapes what would format, link or break a table, and shows control and bidi characters
escaped; text goes through `write_line`. Long tables are cut (MAX_ROWS) with a line saying so."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from acr_desktop.text import format_size, plural, short_digest, terminal_safe, write_line

if TYPE_CHECKING:
    from acr_desktop.compare import Comparison, LayerPair, PlatformComparison
    from acr_desktop.registry.client import FetchedManifest
    from acr_desktop.registry.image_config import HistoryStep
    from acr_desktop.registry.manifest import Descriptor

SCHEMA_VERSION = 1
MAX_ROWS = 500  # rows of one Markdown or text table
MAX_CELL = 300  # characters of server text in one cell
_ESCAPED = str.maketrans(
    {c: "\\" + c for c in "\\`*_[]()|~!@$"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
)
# what starts a heading, a list item or a rule when it begins a line
_LEADING = re.compile(r"^(?:#{1,6}|[+=-]+|\d{1,9}[.)])(?=\s|$)")
_SIGNS = {"shared": "=", "recompressed": "≈", "removed": "-", "added": "+", "changed": "~"}


# -- JSON ---------------------------------------------------------------------------------------
def comparison_dict(c: Comparison) -> dict[str, Any]:
    """The comparison as plain JSON data; keys only ever added (`schema_version` says so)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "left": _top(c.left_ref, c.left),
        "right": _top(c.right_ref, c.right),
        "identical": c.identical,
        "only_left": list(c.only_left),
        "only_right": list(c.only_right),
        "notes": list(c.notes),
        "platforms": [_platform_dict(p) for p in c.platforms],
    }


def _top(ref: object, fetched: FetchedManifest) -> dict[str, Any]:
    return {"reference": str(ref), "digest": fetched.digest, "media_type": fetched.media_type}


def _platform_dict(p: PlatformComparison) -> dict[str, Any]:
    return {
        "label": p.label,
        "identical": p.identical,
        "left_digest": p.left.digest if p.left else None,
        "right_digest": p.right.digest if p.right else None,
        "left_download_size": _download(p.left),
        "right_download_size": _download(p.right),
        "size_delta": p.size_delta,
        "layers": [
            {
                "state": r.state,
                "left": _descriptor(r.left),
                "right": _descriptor(r.right),
                "left_index": r.left_index,
                "right_index": r.right_index,
                "diff_id": r.diff_id,
            }
            for r in p.layers
        ],
        "config_changes": [
            {"part": f.part, "key": f.key, "left": f.left, "right": f.right}
            for f in p.config_changes
        ],
        "history": {"left": _steps(p.left_history), "right": _steps(p.right_history)},
        "files": None
        if p.files is None
        else [
            {"path": f.path, "state": f.state, "left_size": f.left_size, "right_size": f.right_size}
            for f in p.files
        ],
        "problems": list(p.problems),
    }


def _descriptor(d: Descriptor | None) -> dict[str, Any] | None:
    return None if d is None else {"digest": d.digest, "size": d.size, "media_type": d.media_type}


def _steps(steps: Sequence[HistoryStep]) -> list[dict[str, Any]]:
    return [
        {"created": s.created, "created_by": s.created_by, "comment": s.comment,
         "empty_layer": s.empty_layer, "layer_index": s.layer_index}
        for s in steps
    ]  # fmt: skip


def _download(fetched: FetchedManifest | None) -> int | None:
    from acr_desktop.registry.manifest import ImageManifest

    if fetched is None or not isinstance(fetched.manifest, ImageManifest):
        return None
    return fetched.manifest.total_size


# -- Markdown -----------------------------------------------------------------------------------
def md(text: str | None, limit: int = MAX_CELL) -> str:
    """Server text as inert Markdown for a table cell: controls, bidi and line breaks shown
    escaped, formatting and table characters backslash-escaped, HTML as entities, cut at
    `limit`."""
    if text is None:
        return "*(absent)*"
    cut = text if len(text) <= limit else text[:limit] + "…"
    escaped = terminal_safe(cut).translate(_ESCAPED)
    return _LEADING.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], escaped)


def comparison_markdown(c: Comparison) -> str:
    """The comparison as Markdown: a head table, then per platform its layers, config
    changes, history and files."""
    lines = [f"## Compare {md(str(c.left_ref))} ⇄ {md(str(c.right_ref))}", ""]
    lines += ["| | Left | Right |", "|---|---|---|"]
    lines.append(f"| Reference | {md(str(c.left_ref))} | {md(str(c.right_ref))} |")
    lines.append(f"| Digest | {md(c.left.digest)} | {md(c.right.digest)} |")
    lines.append("")
    if c.identical:
        lines += [f"**Identical**: both are {md(c.left.digest)}.", ""]
    for side, labels in (("left", c.only_left), ("right", c.only_right)):
        if labels:
            lines += [f"Only on the {side}: {', '.join(md(x) for x in labels)}", ""]
    lines += [f"> {md(note, 1000)}" for note in c.notes] + ([""] if c.notes else [])
    for p in c.platforms:
        lines += _platform_markdown(p)
    return "\n".join(lines).rstrip("\n") + "\n"


def _platform_markdown(p: PlatformComparison) -> list[str]:
    lines = [f"### {md(p.label)}", ""]
    if p.identical:
        return [*lines, "Identical.", ""]
    lines += [f"Download size (config and layers, compressed): {_sizes(p)}", ""]
    lines += [f"> Problem: {md(x, 1000)}" for x in p.problems] + ([""] if p.problems else [])
    rows = [
        (str(i + 1), r.state, _md_layer(r.left), _md_layer(r.right), _delta_text(r))
        for i, r in enumerate(p.layers)
    ]
    lines += _table("Layers", ("#", "State", "Left", "Right", "Size"), rows)
    changes = [(md(f.part), md(f.key) if f.key else "", md(f.left), md(f.right))
               for f in p.config_changes]  # fmt: skip
    lines += _table("Config changes", ("Part", "Key", "Left", "Right"), changes, "No changes.")
    lines += _table("History", ("#", "Left", "Right"), _history_rows(p))
    if p.files is not None:
        files = [(md(f.path), f.state, _size(f.left_size), _size(f.right_size)) for f in p.files]
        lines += _table("Files", ("Path", "State", "Left size", "Right size"), files, "Same.")
    return lines


def _table(
    title: str, head: Sequence[str], rows: Sequence[Sequence[str]], empty: str = "None."
) -> list[str]:
    lines = [f"#### {title}", ""]
    if not rows:
        return [*lines, empty, ""]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        lines.append(f"\n…and {len(rows) - MAX_ROWS:,} more rows (the JSON has them all).")
    return [*lines, ""]


def _md_layer(d: Descriptor | None) -> str:
    return "" if d is None else f"{md(short_digest(d.digest))} ({format_size(d.size)})"


def _history_rows(p: PlatformComparison) -> list[tuple[str, str, str]]:
    left, right = p.left_history, p.right_history
    return [
        (str(i + 1), _md_step(left[i] if i < len(left) else None),
         _md_step(right[i] if i < len(right) else None))
        for i in range(max(len(left), len(right)))
    ]  # fmt: skip


def _md_step(step: HistoryStep | None) -> str:
    if step is None:
        return ""
    return md(step.created_by or step.comment or "") + (" *(no layer)*" if step.empty_layer else "")


# -- text ---------------------------------------------------------------------------------------
def write_comparison_text(c: Comparison, out: TextIO) -> None:
    """The comparison for a terminal, one `write_line` per line (server text shown escaped)."""
    write_line(out, f"{c.left_ref}  ⇄  {c.right_ref}")
    if c.identical:
        write_line(out, f"Identical: both are {c.left.digest}")
        return
    write_line(out, f"Left:  {c.left.digest}")
    write_line(out, f"Right: {c.right.digest}")
    for side, labels in (("left", c.only_left), ("right", c.only_right)):
        if labels:
            write_line(out, f"Only on the {side}: {', '.join(labels)}")
    for note in c.notes:
        write_line(out, f"Note: {note}")
    for p in c.platforms:
        out.write("\n")
        _platform_text(p, out)


def _platform_text(p: PlatformComparison, out: TextIO) -> None:
    if p.identical:
        write_line(out, f"{p.label}: identical")
        return
    write_line(out, f"{p.label}: download {_sizes(p)}")
    for problem in p.problems:
        write_line(out, f"  Problem: {problem}")
    write_line(out, f"  Layers ({_counts(p.layers)}):")
    for r in _cut(p.layers, out):
        left = f"{r.left_index + 1:>3}" if r.left_index is not None else "  -"
        right = f"{r.right_index + 1:<3}" if r.right_index is not None else "-  "
        shown = r.left or r.right
        digest = short_digest(shown.digest) if shown else ""
        write_line(out, f"    {left} ⇄ {right} {_SIGNS[r.state]} {r.state:<12} {digest}  "
                        f"{_delta_text(r)}")  # fmt: skip
    if not p.config_changes:
        write_line(out, "  Config: no changes")
    else:
        write_line(out, f"  Config ({plural(len(p.config_changes), 'change')}):")
    for f in _cut(p.config_changes, out):
        name = f"{f.part} {f.key}" if f.key is not None else f.part
        write_line(out, f"    {name}: {_value(f.left)} → {_value(f.right)}")
    write_line(out, f"  History: {plural(len(p.left_history), 'step')} → "
                    f"{len(p.right_history):,}{_first_difference(p)}")  # fmt: skip
    if p.files is not None:
        write_line(out, f"  Files ({_counts(p.files) or 'the same'}):")
        for fc in _cut(p.files, out):
            sizes = f"{_size(fc.left_size)} → {_size(fc.right_size)}"
            write_line(out, f"    {_SIGNS[fc.state]} {fc.path}  {sizes}")


def _cut(rows: Sequence[Any], out: TextIO) -> Sequence[Any]:
    if len(rows) > MAX_ROWS:
        write_line(out, f"    (the first {MAX_ROWS:,} of {len(rows):,}; --json has them all)")
    return rows[:MAX_ROWS]


def _counts(rows: Sequence[Any]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    return ", ".join(f"{n:,} {state}" for state, n in counts.items())


def _first_difference(p: PlatformComparison) -> str:
    pairs = zip(p.left_history, p.right_history, strict=False)
    for i, (a, b) in enumerate(pairs):
        if (a.created_by, a.comment, a.empty_layer) != (b.created_by, b.comment, b.empty_layer):
            return f" (first different step: {i + 1})"
    return ""


def _value(text: str | None) -> str:
    if text is None:
        return "(absent)"
    return text if len(text) <= MAX_CELL else text[:MAX_CELL] + "…"


# -- shared -------------------------------------------------------------------------------------
def _size(size: int | None) -> str:
    return "" if size is None else format_size(size)


def _sizes(p: PlatformComparison) -> str:
    left, right = _download(p.left), _download(p.right)
    return f"{_size(left) or '—'} → {_size(right) or '—'} ({signed_size(p.size_delta)})"


def signed_size(delta: int) -> str:
    """`+1.2 MB`, `-340 B`, `±0 B`."""
    if delta == 0:
        return "±0 B"
    return ("+" if delta > 0 else "-") + format_size(abs(delta))


def _delta_text(r: LayerPair) -> str:
    if r.left is not None and r.right is not None:
        if r.left.size == r.right.size:
            return format_size(r.left.size)
        return f"{format_size(r.left.size)} → {format_size(r.right.size)}"
    shown = r.left or r.right
    return format_size(shown.size) if shown else ""
