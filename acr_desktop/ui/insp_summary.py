"""The summary's words for every kind of content: the entry chosen, size and created (schema 1,
a missing config), the subject with a way to open it, annotations, and the notes (a deprecated
format, a platform chosen by fallback, what is missing)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from acr_desktop.index_entries import count_entries, entry_label
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.manifest import Descriptor, ImageIndex, ImageManifest
from acr_desktop.text import format_size, format_time, plural
from acr_desktop.ui.elided_label import ElidedLabel
from acr_desktop.ui.insp_words import MISSING_CONFIG, missing_entry
from acr_desktop.ui.saving import write_atomically

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.manifest import Manifest
    from acr_desktop.sizes import IndexSizes

EMPTY = "—"
_ENTRY_NOUNS = {
    "attestation": "Attestation",
    "builder": "Builder record",
    "reference": "Record",
    "index": "Nested index",
    "artifact": "Artifact",
    "entry": "Entry",
}


def entry_field_label(entry: Descriptor) -> str:
    """The summary's label for the chosen entry's digest: "linux/arm64 digest", "Attestation
    digest", "Nested index digest" …"""
    if entry.kind == "platform" and entry.platform is not None:
        return f"{entry.platform.display()} digest"
    return f"{_ENTRY_NOUNS.get(entry.kind, 'Entry')} digest"


def size_text(ins: Inspection) -> tuple[str, str]:
    """(the field's label, its text): which size it is, and how big."""
    image, s1 = ins.image_manifest, ins.schema1
    if image is not None:
        total = image.total_size
        entry = ins.platform_entry
        which = f"{entry_label(entry)}: " if entry is not None else ""
        return "Download size", (
            f"{which}{format_size(total)} ({total:,} bytes) — the config and "
            f"{plural(len(image.layers), 'layer')}, compressed"
        )
    if s1 is not None:
        return "Layers", f"{plural(len(s1.layers), 'layer')}; schema 1 gives no layer sizes"
    nested = ins.chosen_index
    if nested is not None:
        return "Entries", f"nested index: {count_entries(nested)}"
    if ins.index is not None:
        return "Entries", count_entries(ins.index)
    return "Manifest size", f"{plural(len(ins.top.raw), 'byte')} of manifest"


SIZE_TIP = (
    "Download size: the config and every layer, compressed, as the registry stores them and a "
    "pull downloads them. Unpacked on disk an image is larger."
)


def created_text(ins: Inspection) -> tuple[str, str]:
    """(local time · platform, UTC) — or why it is not known."""
    if ins.missing_config is not None:
        return f"{EMPTY} ({MISSING_CONFIG})", MISSING_CONFIG
    s1 = ins.schema1
    if s1 is not None:
        top = s1.layers[-1] if s1.layers else None
        local, utc = format_time(top.created if top else None)
        return (f"{local}  ·  {s1.architecture}" if s1.architecture else local), utc
    config = ins.config.config if ins.config else None
    local, utc = format_time(config.created if config else None)
    if config and config.platform:
        local += f"  ·  {config.platform}"
    return local, utc


def annotations_text(manifest: Manifest) -> str:
    """ "key=value; key=value" (the tooltip has them all), "—" when none."""
    found = manifest.annotations if isinstance(manifest, ImageIndex | ImageManifest) else {}
    return "; ".join(f"{k}={v}" for k, v in found.items()) or EMPTY


def notes_lines(ins: Inspection) -> list[str]:
    """The warnings of the manifests fetched, what is missing, and the notes."""
    lines = [f"⚠ {w}" for w in ins.top.warnings]
    if ins.image is not None and ins.image is not ins.top:
        lines += [f"⚠ {w}" for w in ins.image.warnings]
    missing = missing_entry(ins)
    if missing is not None:
        lines.append(f"⚠ {missing}")
    if ins.missing_config is not None:
        lines.append(
            f"⚠ The manifest was fetched and verified, but {MISSING_CONFIG}: no config, "
            "no history, no creation date."
        )
    lines += [f"Note: {note}" for note in ins.notes]
    return list(dict.fromkeys(lines))


class SubjectLine(QWidget):
    """The manifest this one is about (`subject`): its digest and type, and Open.

    Signals:
    open_digest(str): the person opened the subject.
    """

    open_digest = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.digest = ElidedLabel()
        self.digest.setObjectName("subject")
        self.open = QPushButton("Open")
        self.open.setToolTip("Inspect the subject in this repository")
        self.open.clicked.connect(self._open)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.digest, 1)
        row.addWidget(self.open)
        self._subject: Descriptor | None = None

    def show_subject(self, subject: Descriptor | None) -> None:
        self._subject = subject
        if subject is None:
            self.digest.setText(EMPTY)
            return
        self.digest.setText(subject.digest)  # what Copy copies
        self.digest.setToolTip(f"{subject.digest}\n{mt.plain_name(subject.media_type)}")

    def _open(self) -> None:
        if self._subject is not None:
            self.open_digest.emit(self._subject.digest)


# -- the whole inspect as a report -------------------------------------------------------------
def report_json(ins: Inspection, sizes: IndexSizes | None) -> bytes:
    """`acr-desktop inspect --json`'s report of `ins`, with the download sizes known of the
    index's entries (as `inspect --sizes` writes them)."""
    import json

    from acr_desktop.report import build_report

    report = build_report(ins, sizes)
    return json.dumps(report, indent=2, ensure_ascii=True).encode() + b"\n"  # as the CLI writes


def report_name(ins: Inspection) -> str:
    """`app-sha256-0123456789ab-inspect.json`: only letters, digits, `.`, `_` and `-`."""
    import re

    repo = ins.reference.repository.rsplit("/", 1)[-1]
    name = f"{repo}-{ins.top.digest.replace(':', '-')[:19]}-inspect.json"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def save_report(parent: QWidget, ins: Inspection, sizes: IndexSizes | None) -> str | None:
    """Ask where, then write the report; a sentence for the status bar, or None when nothing
    was saved (cancelled, or the write failed, which is said in a message box)."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    data = report_json(ins, sizes)
    chosen, _filter = QFileDialog.getSaveFileName(
        parent, "Save the inspect report as JSON", str(Path.home() / report_name(ins)),
        "JSON (*.json);;All files (*)",
    )  # fmt: skip
    if not chosen:
        return None
    try:
        write_atomically(Path(chosen), data)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        QMessageBox.warning(
            parent, "Not saved", f"The report could not be written to {chosen}: {why}."
        )
        return None
    return f"Saved the inspect report ({format_size(len(data))}) to {chosen}"
