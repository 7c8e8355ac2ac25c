"""The Referrers tab's tree: one row per subject (the index, the platform's image, or the one
manifest), its referrers and attestations below it, each named in words; and what a row stands
for (`Item`), what opening it opens, and what its descriptor says."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from acr_desktop.registry import mediatypes as mt
from acr_desktop.text import format_size, plural, short_digest
from acr_desktop.ui.plain import list_entry, tooltip
from acr_desktop.ui.roles import OBJECT_ROLE

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.reference import Reference
    from acr_desktop.supply_chain import ReferrerNode
    from acr_desktop.supply_report import SubjectChain, SupplyReport

HEADERS = ("What", "Digest", "Size", "Found via", "Note")
COL_WHAT, COL_DIGEST, COL_SIZE, COL_VIA, COL_NOTE = range(5)
MAX_ANNOTATIONS = 20  # annotations listed in a row's details


class Item:
    """What a tree row stands for: a subject, or a node with the manifest it belongs to."""

    def __init__(self, subject: SubjectChain, node: ReferrerNode | None, parent: str) -> None:
        self.subject = subject
        self.node = node
        self.parent = parent  # the digest of the manifest above it

    @property
    def openable(self) -> str | None:
        """The manifest to open: the node itself, or (a statement inside an attestation) the
        attestation holding it; a subject is already on show."""
        if self.node is None:
            return None
        d = self.node.descriptor
        media = mt.base_type(d.media_type)
        return d.digest if media in mt.IMAGE_TYPES or media in mt.INDEX_TYPES else self.parent


def fill_tree(model: QStandardItemModel, report: SupplyReport) -> int:
    """The report as rows of `model` (emptied first); the number of referrers and attestations."""
    model.removeRows(0, model.rowCount())
    root = model.invisibleRootItem()
    count = 0
    for subject in report.subjects:
        row = _row(Item(subject, None, ""), _subject_cells(subject))
        root.appendRow(row)
        count += sum(1 for _ in subject.chain.walk()) if subject.chain else 0
        for node in subject.chain.nodes if subject.chain else ():
            _add(row[0], subject, node, subject.reference.digest or "")
    return count


def _add(parent: QStandardItem, subject: SubjectChain, node: ReferrerNode, above: str) -> None:
    d = node.descriptor
    kind = d.artifact_type or d.media_type
    cells = [
        (node.name.label, f"{node.name.label}\n{kind}"),
        (d.digest, d.digest),
        (format_size(d.size), f"{d.size:,} bytes"),
        (node.via, None),
        (node.problem or "", node.problem),
    ]
    row = _row(Item(subject, node, above), cells)
    row[COL_SIZE].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    parent.appendRow(row)
    for child in node.children:
        _add(row[0], subject, child, d.digest)


def _subject_cells(subject: SubjectChain) -> list[tuple[str, str | None]]:
    digest = subject.reference.digest or ""
    chain = subject.chain
    if chain is None:
        note = f"Its referrers could not be listed: {subject.problem}"
    elif not chain.nodes:
        note = "Nothing refers to it."
    else:
        count = sum(1 for _ in chain.walk())
        note = plural(count, "referrer or attestation", "referrers and attestations")
    label = f"Referrers of {subject.label} ({short_digest(digest)})"
    return [(label, None), (digest, digest), ("", None), ("", None), (note, note)]


def _row(item: Item, cells: list[tuple[str, str | None]]) -> list[QStandardItem]:
    row = []
    for text, tip in cells:
        cell = QStandardItem(list_entry(text))
        if tip:
            cell.setToolTip(tooltip(tip))
        cell.setData(item, OBJECT_ROLE)
        row.append(cell)
    return row


def read_details(client: RegistryClient, ref: Reference, node: ReferrerNode) -> Any:
    from acr_desktop.registry.attached import read_provenance
    from acr_desktop.registry.signatures import signature_claims

    if node.name.kind == "signature":
        return signature_claims(client, ref, node.descriptor)
    return read_provenance(client, ref, node.descriptor)


def node_rows(node: ReferrerNode) -> list[tuple[str, str]]:
    """What the descriptor itself says, for kinds without a reader of their own."""
    d = node.descriptor
    rows = [("Kind", node.name.label)]
    if d.artifact_type:
        rows.append(("Artifact type", d.artifact_type))
    rows += [("Media type", d.media_type), ("Digest", d.digest), ("Size", f"{d.size:,} bytes"),
             ("Found via", node.via)]  # fmt: skip
    annotations = list(d.annotations.items())[:MAX_ANNOTATIONS]
    if annotations:
        more = len(d.annotations) - len(annotations)
        text = ", ".join(f"{k}={v}" for k, v in annotations) + (
            f", and {more} more" if more else ""
        )
        rows.append(("Annotations", text))
    return rows
