"""File ▸ Save …: a manifest or an image config written exactly as the registry sent it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from acr_desktop.text import format_size

if TYPE_CHECKING:
    from acr_desktop.inspection import Inspection

# What File ▸ Save can write, by the name the menu gives it.
DOCUMENTS = {
    "manifest": "manifest",  # what the reference names: an index or an image manifest
    "platform": "platform manifest",  # the chosen platform's image manifest
    "config": "image config",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def document_bytes(ins: Inspection, which: str) -> bytes | None:
    """The exact bytes of one document of `ins`, or None when it has no such document."""
    if which == "manifest":
        return ins.top.raw
    if which == "platform":
        return ins.chosen.raw if ins.chosen is not None else None
    if which == "config":
        return ins.config.raw if ins.config is not None else None
    raise ValueError(which)


def suggested_name(ins: Inspection, which: str) -> str:
    """`app-sha256-0123456789ab-manifest.json`: only letters, digits, `.`, `_` and `-`."""
    fetched = ins.chosen if which == "platform" and ins.chosen is not None else ins.top
    repo = ins.reference.repository.rsplit("/", 1)[-1]
    digest = fetched.digest.replace(":", "-")[:19]
    if which == "config" and ins.image_manifest is not None:
        digest = ins.image_manifest.config.digest.replace(":", "-")[:19]
    name = f"{repo}-{digest}-{DOCUMENTS[which].replace(' ', '-')}.json"
    return _UNSAFE.sub("_", name)


def save_document(parent: QWidget, ins: Inspection, which: str) -> str | None:
    """Ask where, then write the document's exact bytes; a sentence for the status bar, or
    None when nothing was saved (no such document, the user cancelled, or the write failed,
    which is said in a message box)."""
    data = document_bytes(ins, which)
    what = DOCUMENTS[which]
    if data is None:
        QMessageBox.information(parent, "Nothing to save", f"This inspection has no {what}.")
        return None
    path, _filter = QFileDialog.getSaveFileName(
        parent,
        f"Save {what} as",
        str(Path.home() / suggested_name(ins, which)),
        "JSON (*.json);;All files (*)",
    )
    if not path:
        return None
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        QMessageBox.warning(
            parent, "Not saved", f"The {what} could not be written to {path}: {exc.strerror}."
        )
        return None
    return f"Saved the {what} ({format_size(len(data))}, exactly as received) to {path}"


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: a temporary file beside it, then renamed
    over it (a failed write never leaves half a file, nor spoils what was there)."""
    import os
    import tempfile

    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
