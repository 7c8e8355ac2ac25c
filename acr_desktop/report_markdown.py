"""An inspect as Markdown, for a ticket or a pull request: what the reference resolved to, the
platforms of an index with their download sizes, the layers of the image shown, its config (what
it runs, env, labels), and the notes.

Registry text is data, never markup: every cell is made one visible line (`terminal_safe`),
shortened, and its Markdown punctuation escaped, so a hostile tag or annotation cannot break
the table, start a heading, or hide text. Long lists are cut (the JSON report has them all)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from acr_desktop.index_entries import count_entries, entry_labels
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.manifest import Descriptor, ImageIndex, ImageManifest
from acr_desktop.text import format_size, format_time, plural, terminal_safe

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import FetchedManifest
    from acr_desktop.sizes import ImageSize, IndexSizes

MAX_ROWS = 200  # rows of one table; the rest are counted
CELL_LIMIT = 160  # characters of registry text in one cell
EMPTY = "—"
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>#|~&])")
_DIGEST = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{1,128}")


def md(text: str, limit: int = CELL_LIMIT) -> str:
    """`text` from a registry as one line of Markdown that shows exactly those characters:
    controls, bidi and newlines by name (`\\x0a`), cut at `limit`, punctuation escaped."""
    shown = terminal_safe(text)
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return _PUNCTUATION.sub(r"\\\1", shown)


def code(digest: str) -> str:
    """A digest as inline code when it looks like one; anything else escaped as text."""
    return f"`{digest}`" if _DIGEST.fullmatch(digest) else md(digest)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(
    headers: tuple[str, ...], align: str, rows: Sequence[tuple[str, ...]], total: int
) -> list[str]:
    lines = [_row(*headers), _row(*(("--:" if a == "r" else "---") for a in align))]
    lines += [_row(*r) for r in rows]
    if total > len(rows):
        lines.append("")
        lines.append(f"… and {total - len(rows):,} more (the JSON report lists them all).")
    return lines


def _verified(fetched: FetchedManifest) -> str:
    if fetched.header_mismatch:
        return "⚠ the registry's Docker-Content-Digest differs"
    if fetched.verified:
        return f"✔ verified ({md(fetched.verified_by)})"
    return "computed from the bytes received"


def size_words(size: ImageSize | str | None) -> tuple[str, str]:
    """(download size, layers) cells for one entry: a size, a failure's sentence, or "—"."""
    if size is None:
        return EMPTY, EMPTY
    if isinstance(size, str):
        return f"⚠ {md(size)}", EMPTY
    layers = f"{size.layer_count:,}" if size.layers_known else EMPTY
    return format_size(size.download), layers


def _facts(ins: Inspection, sizes: IndexSizes | None) -> list[tuple[str, str]]:
    top = ins.top
    facts = [("Digest", f"{code(top.digest)} {_verified(top)}"), ("Type", _kind(top))]
    entry, image = ins.platform_entry, ins.image
    if entry is not None:
        which = "entry" if entry.kind != "platform" else "platform"
        facts.append((f"Chosen {which}", f"{md(_label(ins, entry))}: {code(entry.digest)}"))
    manifest = ins.image_manifest
    if manifest is not None:
        facts.append(("Download size", _download(manifest)))
    if ins.index is not None and sizes is not None:
        facts.append(("All platforms", md(sizes.summary(ins.index), 1000)))
    config = ins.config.config if ins.config else None
    if config is not None:
        _local, utc = format_time(config.created)
        when = md(utc or config.created or EMPTY)
        facts.append(("Created", f"{when} · {md(config.platform)}" if config.platform else when))
    if image is not None and image is not top and manifest is None and entry is not None:
        facts.append(("Chosen manifest", _kind(image)))
    found = top.manifest.annotations if isinstance(top.manifest, ImageIndex | ImageManifest) else {}
    if found:
        facts.append(("Annotations", md("; ".join(f"{k}={v}" for k, v in found.items()), 400)))
    return facts


def _kind(fetched: FetchedManifest) -> str:
    m = fetched.manifest
    name = md(mt.plain_name(fetched.media_type))
    if isinstance(m, ImageIndex):
        return f"{name} — {count_entries(m)}"
    if isinstance(m, ImageManifest) and m.artifact_type:
        return f"{name} — artifact: {md(mt.plain_name(m.artifact_type))}"
    return name


def _download(m: ImageManifest) -> str:
    total = m.total_size
    return (
        f"{format_size(total)} ({total:,} bytes): the config and "
        f"{plural(len(m.layers), 'layer')}, compressed"
    )


def _label(ins: Inspection, entry: Descriptor) -> str:
    index = ins.index
    if index is not None:
        for d, label in zip(index.manifests, entry_labels(index), strict=True):
            if d is entry or d.digest == entry.digest:
                return label
    return entry.digest


def _platforms(index: ImageIndex, sizes: IndexSizes | None) -> list[str]:
    rows = []
    for d, label in zip(index.manifests[:MAX_ROWS], entry_labels(index), strict=False):
        answer: ImageSize | str | None = None
        if sizes is not None:
            answer = sizes.sizes.get(d.digest) or sizes.problems.get(d.digest)
        rows.append((md(label), code(d.digest), *size_words(answer), f"{d.size:,}"))
    headers = ("Entry", "Digest", "Download size", "Layers", "Manifest bytes")
    lines = [f"#### Entries ({count_entries(index)})", ""]
    return lines + _table(headers, "llrrr", rows, len(index.manifests))


def _layers(ins: Inspection, m: ImageManifest) -> list[str]:
    steps = ins.config.config.history if ins.config else ()
    made_by = {s.layer_index: s.created_by for s in steps if s.layer_index is not None}
    rows = [
        (str(n + 1), code(d.digest), format_size(d.size), md(made_by.get(n) or EMPTY, 120))
        for n, d in enumerate(m.layers[:MAX_ROWS])
    ]
    entry = ins.platform_entry
    title = "Layers" if entry is None else f"Layers of {md(_label(ins, entry))}"
    headers = ("#", "Digest", "Compressed size", "Created by")
    return [f"#### {title}", "", *_table(headers, "rlrl", rows, len(m.layers))]


def _config(ins: Inspection) -> list[str]:
    """What the image runs: entrypoint, cmd, user, workdir, ports, volumes, env, labels."""
    config = ins.config.config if ins.config else None
    if config is None:
        return []
    rows: list[tuple[str, str]] = []
    for name, argv in (("Entrypoint", config.entrypoint), ("Cmd", config.cmd)):
        if argv is not None:
            rows.append((name, md(json.dumps(list(argv), ensure_ascii=False), 400)))
    for name, value in (("User", config.user), ("Working dir", config.working_dir)):
        if value:
            rows.append((name, md(value)))
    if config.exposed_ports:
        rows.append(("Exposed ports", md(", ".join(config.exposed_ports), 400)))
    if config.volumes:
        rows.append(("Volumes", md(", ".join(config.volumes), 400)))
    for item in config.env:
        key, _, value = item.partition("=")
        rows.append((f"Env {md(key, 80)}", md(value)))
    rows += [(f"Label {md(key, 80)}", md(value)) for key, value in config.labels.items()]
    if not rows:
        return []
    table = _table(("Setting", "Value"), "ll", rows[:MAX_ROWS], len(rows))
    return ["#### Config", "", *table]


def _notes(ins: Inspection) -> list[str]:
    lines = [f"⚠ {w}" for w in ins.top.warnings]
    if ins.image is not None and ins.image is not ins.top:
        lines += [f"⚠ {w}" for w in ins.image.warnings]
    lines += [f"⚠ {p.sentence}" for p in ins.problems]
    lines += list(ins.notes)
    return [f"- {md(line, 400)}" for line in dict.fromkeys(lines)]


def inspection_markdown(ins: Inspection, sizes: IndexSizes | None = None) -> str:
    """The inspect `ins` as Markdown; `sizes` (of the index `ins.top`, complete or not) fill
    the download sizes of its entries."""
    from acr_desktop.sizes import SIZE_WORDS

    lines = [f"### {md(str(ins.reference), 300)}", "", _row("", ""), _row("---", "---")]
    lines += [_row(f"**{name}**", value) for name, value in _facts(ins, sizes)]
    if ins.index is not None:
        lines += ["", *_platforms(ins.index, sizes)]
    manifest = ins.image_manifest
    if manifest is not None:
        lines += ["", *_layers(ins, manifest)]
    config = _config(ins)
    if config:
        lines += ["", *config]
    if manifest is not None or (ins.index is not None and sizes is not None):
        lines += ["", f"_{SIZE_WORDS}; a manifest's bytes are the size of its JSON document._"]
    notes = _notes(ins)
    if notes:
        lines += ["", "#### Notes", "", *notes]
    return "\n".join(lines) + "\n"
