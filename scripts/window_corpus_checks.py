"""What scripts/window_corpus.py checks in the window's widgets against the documents' own JSON
(never our parser): counts, the Type line, sizes, history, annotations, subject, platform cells,
and words (plurals, media types left raw, empty cells); and waiting for the window's answer."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from acr_desktop.inspection import Inspection
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.models import OBJECT_ROLE, PlatformRow


@dataclass
class Outcome:
    """What waiting for one answer of the window gave."""

    ins: Inspection | None = None
    error: BaseException | None = None
    timed_out: bool = False


def answer(window: MainWindow, action: Callable[[], None], timeout_ms: int = 30_000) -> Outcome:
    """Run `action` and wait for the window's inspected / failed signal (either may come at
    once: going up, or a result already fetched, is shown without a request)."""
    got = Outcome()
    loop = QEventLoop()

    def done_ok(ins: object) -> None:
        got.ins = ins if isinstance(ins, Inspection) else None
        loop.quit()

    def done_err(exc: object) -> None:
        got.error = exc if isinstance(exc, BaseException) else RuntimeError(str(exc))
        loop.quit()

    window.inspected.connect(done_ok)
    window.failed.connect(done_err)
    try:
        action()
        if got.ins is None and got.error is None:
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(loop.quit)
            timer.start(timeout_ms)
            loop.exec()
            got.timed_out = got.ins is None and got.error is None
        QApplication.processEvents()
    finally:
        window.inspected.disconnect(done_ok)
        window.failed.disconnect(done_err)
    return got


def raw_counts(raw: bytes) -> tuple[int | None, int | None]:
    """(entries, layers) as the document's own JSON has them, without our parser."""
    try:
        doc = json.loads(raw)
    except ValueError:
        return None, None
    if not isinstance(doc, dict):
        return None, None
    entries = doc.get("manifests")
    layers = doc.get("layers", doc.get("fsLayers"))
    return (
        len(entries) if isinstance(entries, list) else None,
        len(layers) if isinstance(layers, list) else None,
    )


def type_line_total(text: str) -> int | None:
    """The sum of the counts the Type line names ("… — 9 platforms, 1 attestation")."""
    tail = text.rsplit(" — ", 1)[-1]
    numbers = re.findall(r"(\d+) [a-z]", tail)
    if "no entries" in tail:
        return 0
    return sum(int(n) for n in numbers) if numbers else None


PLURAL_SLIP = re.compile(
    r"(?<![\d.,])\b1 (?:layers|platforms|entries|attestations|bytes|steps|records)\b"
    r"|(?<![\d.,])\b(?:0|[2-9]|\d{2,}) (?:layer|platform|entry)\b(?! (?:manifest|record|digest))"
)
RAW_TYPE = re.compile(r"application/vnd\.(?:oci|docker|cncf)\.")


def words_seen(window: MainWindow) -> list[tuple[str, str]]:
    """(where, text) for what the inspector shows in words: its labels and table cells (not the
    JSON view)."""
    inspector = window.inspector
    seen = [
        (label.objectName() or type(label).__name__, label.text())
        for label in inspector.content.findChildren(QLabel)
        if label.isVisibleTo(inspector) and label.text()
    ]
    seen.append(("Type", inspector.summary.kind.text()))
    for name, table in inspector.tables():
        model = table.model()
        for r in range(min(model.rowCount(), 50)):
            for c in range(model.columnCount()):
                header = model.headerData(c, Qt.Orientation.Horizontal)
                seen.append((f"{name}/{header}", str(model.index(r, c).data())))
    return seen


def word_slips(window: MainWindow) -> list[str]:
    """Plural slips, raw media types outside the JSON, empty cells, "None"."""
    slips = []
    for where, text in words_seen(window):
        raw_ok = where.startswith(("Referrers/Digest", "Layers/Digest")) or "Annotations" in where
        if PLURAL_SLIP.search(text):
            slips.append(f"plural in {where}: {text!r}")
        typed = where.endswith(("Media type", "Type"))
        if typed and RAW_TYPE.search(text):
            slips.append(f"raw media type in {where}: {text!r}")
        if where.count("/") == 1 and not raw_ok and text in ("", "None", "?"):
            slips.append(f"empty cell {where}: {text!r}")
        if re.search(r"\bNone\b", text):
            slips.append(f"None in {where}: {text!r}")
    return list(dict.fromkeys(slips))


def _doc(raw: bytes | None) -> dict[str, Any]:
    try:
        doc = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def truth_problems(window: MainWindow, ins: Inspection) -> list[str]:
    inspector = window.inspector
    problems = platform_cells(window)
    shown = ins.image or (ins.top if ins.index is None else None)
    doc = _doc(shown.raw if shown is not None else None)
    layers = doc.get("layers")
    if isinstance(layers, list) and doc.get("schemaVersion") == 2:
        total = sum(int(d.get("size", 0)) for d in layers if isinstance(d, dict))
        size = inspector.summary.size_label.text()
        if f"({total:,} bytes)" not in size:
            problems.append(f"Size line {size!r}, the layers add up to {total:,} bytes")
    config = _doc(ins.config.raw if ins.config else None)
    history = config.get("history")
    rows = inspector.history_view.table.model().rowCount()
    if isinstance(history, list) and rows != len(history):
        problems.append(f"{rows} history rows, the config has {len(history)} steps")
    if doc.get("fsLayers") is not None and rows != len(doc["fsLayers"]):
        problems.append(f"{rows} history rows, schema 1 has {len(doc['fsLayers'])}")
    top = _doc(ins.top.raw)
    notes = top.get("annotations") or {}
    text = inspector.summary.annotations.text()
    if isinstance(notes, dict) and any(f"{k}={v}" not in text for k, v in notes.items()):
        problems.append(f"Annotations {text!r}, the manifest has {notes}")
    subject = top.get("subject")
    line = inspector.summary.subject
    if isinstance(subject, dict):
        if line.isHidden() or line.digest.text() != subject.get("digest"):
            problems.append(f"Subject {line.digest.text()!r}, the manifest's {subject}")
    elif not line.isHidden():
        problems.append("a Subject line, the manifest has none")
    return problems


def platform_cells(window: MainWindow) -> list[str]:
    """Each listed entry's OS / architecture / variant / OS version cells against the entry's
    own `platform` in the index's JSON."""
    level = window.inspector.level
    if level is None:
        return []
    opened = level.trail[-1].image if level.trail else None
    index = _doc(opened.raw if opened is not None else window.inspection.top.raw)  # type: ignore[union-attr]
    by_digest = {e.get("digest"): e for e in index.get("manifests") or [] if isinstance(e, dict)}
    model = window.inspector.platforms_model
    labelled = model.headerData(0, Qt.Orientation.Horizontal) == "Entry"
    problems = []
    for r, entry_row in enumerate(listed_rows(window)):
        raw = by_digest.get(entry_row.descriptor.digest, {})
        found = raw.get("platform")
        plat: dict[str, Any] = found if isinstance(found, dict) else {}
        if entry_row.descriptor.kind != "platform":
            continue
        cells = [str(model.index(r, c).data()) for c in range(4)]
        wanted = [plat.get("os"), plat.get("architecture"), plat.get("variant"),
                  plat.get("os.version")]  # fmt: skip
        for c in range(1 if labelled else 0, 4):
            if wanted[c] and str(wanted[c]) not in cells[c]:
                problems.append(f"row {r} column {c}: {cells[c]!r}, the index says {wanted[c]!r}")
            elif not wanted[c] and cells[c].replace(" ⚠ missing", "") not in ("—",):
                problems.append(f"row {r} column {c}: {cells[c]!r}, the index has none")
    return problems


def listed_rows(window: MainWindow) -> list[PlatformRow]:
    model = window.inspector.platforms_model
    rows = [model.index(r, 0).data(OBJECT_ROLE) for r in range(model.rowCount())]
    return [r for r in rows if isinstance(r, PlatformRow)]
