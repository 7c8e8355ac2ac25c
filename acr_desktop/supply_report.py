"""What is said of an image's supply chain beside the referrers tree (supply_chain.py): what its
signatures and provenance claim, the base image it names (and whether that tag has moved since),
its end of life; and, for the window, the trees of the index AND of the platform shown in one
report with one summary line. Qt-free: `acr-desktop referrers` and the window share it.

The base image's tag is looked up with one HEAD, with the credentials the transport holds for
that registry only (never the image's own, when the base lives elsewhere)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from acr_desktop.index_entries import entry_label
from acr_desktop.registry import errors
from acr_desktop.registry.artifacts import EndOfLife, base_image, earliest, end_of_life
from acr_desktop.registry.manifest import ImageIndex, ImageManifest
from acr_desktop.supply_chain import NOTHING_FOUND, SupplyChain, raise_if_over, supply_chain
from acr_desktop.text import short_digest

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from acr_desktop.inspection import Inspection
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.manifest import Manifest
    from acr_desktop.registry.reference import Reference
    from acr_desktop.supply_chain import ReferrerNode

MAX_DETAILS = 50  # signatures and provenance documents read for their details, in tree order
UPDATED = "base image has been updated since this was built"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")  # what a HEAD's Docker-Content-Digest must be
Doc = dict[str, Any]


# -- what a signature or a provenance document claims -----------------------------------------
def node_details(client: RegistryClient, ref: Reference, node: ReferrerNode) -> Doc | None:
    """{"signature": {…, "text"}} or {"provenance": {…, "text"}} for those kinds, {"problem":
    sentence} when it could not be read, None for any other kind. One or two requests."""
    from acr_desktop.registry.attached import read_provenance
    from acr_desktop.registry.signatures import signature_claims

    kind = node.name.kind
    try:
        if kind == "signature":
            claims = signature_claims(client, ref, node.descriptor)
            return {kind: asdict(claims) | {"text": claims.describe()}}
        if kind == "provenance":
            prov = read_provenance(client, ref, node.descriptor)
            return {kind: asdict(prov) | {"text": prov.describe()}}
    except errors.RegistryError as exc:
        raise_if_over(ref.registry)
        return {"problem": f"What it says could not be read: {exc.sentence}"}
    return None


def details(client: RegistryClient, ref: Reference, chain: SupplyChain) -> dict[str, Doc]:
    """What the first MAX_DETAILS signatures and provenance documents claim, by digest."""
    found: dict[str, Doc] = {}
    for _, node in chain.walk():
        digest = node.descriptor.digest
        if node.name.kind not in ("signature", "provenance") or node.problem or digest in found:
            continue
        if len(found) >= MAX_DETAILS:
            break
        said = node_details(client, ref, node)
        if said is not None:
            found[digest] = said
    return found


# -- the base image ---------------------------------------------------------------------------
def base_doc(
    annotations: Mapping[str, str], labels: Mapping[str, str] | None, image_registry: str
) -> Doc | None:
    """The base image an image names (annotations, else config labels), not yet checked:
    {"name", "digest", "registry" (None when the name is not a reference), "same_registry",
    "current_digest": None, "updated": None, "problem": None, "text"}."""
    from acr_desktop.registry.reference import parse_reference

    base = base_image(annotations, labels)
    if base is None:
        return None
    registry: str | None = None
    problem: str | None = None
    if base.name:
        try:
            registry = parse_reference(base.name).registry
        except errors.InvalidReference as exc:
            problem = f"The base image's name is not a reference: {exc.sentence}"
    return {"name": base.name, "digest": base.digest, "registry": registry,
            "same_registry": registry == image_registry, "current_digest": None,
            "updated": None, "problem": problem, "text": base.describe()}  # fmt: skip


def check_base(client: RegistryClient, doc: Doc) -> Doc:
    """`doc` with `current_digest` / `updated` filled (one HEAD of the base reference; for an
    index, one GET too), or `problem` when that could not be found out."""
    doc = dict(doc)
    try:
        _base_moved(client, doc)
    except errors.RegistryError as exc:
        raise_if_over(doc.get("registry") or "")
        doc["problem"] = f"Whether the base image was updated could not be checked: {exc.sentence}"
    return doc


def _base_moved(client: RegistryClient, doc: Doc) -> None:
    from acr_desktop.registry import mediatypes as mt
    from acr_desktop.registry.auth import repository_scope
    from acr_desktop.registry.problems import RequestContext
    from acr_desktop.registry.reference import parse_reference

    if not doc["name"] or not doc["digest"]:
        return
    try:
        base = parse_reference(doc["name"])
    except errors.InvalidReference as exc:
        doc["problem"] = f"The base image's name is not a reference: {exc.sentence}"
        return
    if base.digest:  # pinned: it cannot move
        doc["current_digest"], doc["updated"] = base.digest, base.digest != doc["digest"]
        return
    tag = base.tag or "latest"
    ctx, scope = RequestContext(base.registry, "manifest", base.repository, tag), "pull"
    head = client.transport.request("HEAD", ctx, f"/v2/{base.repository}/manifests/{tag}",
                                    scopes=(repository_scope(base.repository, scope),),
                                    accept=mt.MANIFEST_ACCEPT)  # fmt: skip
    current = head.headers.get("Docker-Content-Digest", "")
    if not _DIGEST.fullmatch(current):  # 71 characters of markup or a path are no digest
        doc["problem"] = "The base image's registry did not say which digest its tag names."
        return
    doc["current_digest"], doc["updated"] = current, current != doc["digest"]
    if doc["updated"] and mt.base_type(head.content_type or "") in mt.INDEX_TYPES:
        index = client.get_manifest(base.with_digest(current)).manifest
        entries = index.manifests if isinstance(index, ImageIndex) else ()
        doc["updated"] = all(e.digest != doc["digest"] for e in entries)  # built on a platform?


def base_of(
    client: RegistryClient, ref: Reference, manifest: Manifest, own: Mapping[str, str],
    notices: list[str],
) -> Doc | None:  # fmt: skip
    """The base image `manifest` names, its config's labels read when it is an image (a
    sentence in `notices` when they cannot be)."""
    labels: dict[str, str] = {}
    if isinstance(manifest, ImageManifest) and manifest.artifact_type is None:
        try:
            labels = dict(client.get_config(ref, manifest.config).config.labels)
        except errors.RegistryError as exc:
            raise_if_over(ref.registry)
            notices.append(f"The image's config (its labels) could not be read: {exc.sentence}")
    return base_doc(own, labels, ref.registry)


def base_text(doc: Doc) -> str:
    """The note under the base image: updated, not updated, or why it is not known."""
    if doc["updated"]:
        return f"{UPDATED} (its tag now points to {short_digest(doc['current_digest'] or '')})"
    if doc["updated"] is False:
        return "the base image's tag still points to what this was built on"
    return doc["problem"] or ""


# -- the window's report: the index and the platform shown ------------------------------------
@dataclass(frozen=True)
class SubjectChain:
    label: str  # "index", "linux/arm64", "this manifest"
    reference: Reference  # by digest
    chain: SupplyChain | None
    problem: str | None  # why its referrers could not be listed


@dataclass(frozen=True)
class SupplyReport:
    subjects: tuple[SubjectChain, ...]
    end_of_life: EndOfLife | None  # the earliest, from annotations and lifecycle referrers
    base: Doc | None  # base_doc(), checked when asked
    notices: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for all subjects: "signed (cosign) · SBOM, 213 packages · provenance"."""
        chains = [s.chain for s in self.subjects if s.chain is not None]
        if not chains:
            return "referrers could not be listed"
        counted = next((c for c in reversed(chains) if c.sbom_packages is not None), None)
        whole = SupplyChain(
            subject=chains[0].subject,
            nodes=tuple(n for c in chains for n in c.nodes),
            sbom_packages=counted.sbom_packages if counted else None,
            sbom_complete=counted.sbom_complete if counted else True,
        )
        text = whole.summary()
        if len(chains) < len(self.subjects) and text.startswith(NOTHING_FOUND):
            return "some referrers could not be listed" + text[len(NOTHING_FOUND) :]
        return text


def subjects_of(ins: Inspection) -> list[tuple[str, Reference]]:
    """What the window looks up: the index and the platform's image, or the one manifest."""
    if ins.index is None:
        return [("this manifest", ins.top.reference)]
    subjects = [("index", ins.top.reference)]
    if ins.image is not None and ins.platform_entry is not None:
        subjects.append((entry_label(ins.platform_entry), ins.image.reference))
    return subjects


def supply_report(
    client: RegistryClient, ins: Inspection, today: date, *, check: bool
) -> SupplyReport:
    """The trees of every subject of `ins`, their end of life and the base image the image
    shown names (its tag looked up when `check` and it is on the image's own registry: another
    host is asked only when the person asks, check_base). Cancel and the deadline end it all."""
    subjects: list[SubjectChain] = []
    platform = (ins.image or ins.top).digest  # an index's SBOM count: the platform shown's first
    for label, ref in subjects_of(ins):
        try:
            chain = supply_chain(client, ref, sbom_of=platform)
            subjects.append(SubjectChain(label, ref, chain, None))
        except errors.RegistryError as exc:
            raise_if_over(ref.registry)
            subjects.append(SubjectChain(label, ref, None, exc.sentence))
    chains = [s.chain.end_of_life(today) for s in subjects if s.chain is not None]
    eol = earliest([own_end_of_life(ins, today), *chains])
    base = own_base(ins)
    if base is not None and check and base["same_registry"]:  # elsewhere: only when asked
        base = check_base(client, base)
    notices = tuple(n for s in subjects if s.chain is not None for n in s.chain.notices)
    return SupplyReport(tuple(subjects), eol, base, notices)


def own_end_of_life(ins: Inspection, today: date) -> EndOfLife | None:
    """What the index and the image shown say of their own end of life (no request)."""
    shown = ins.image or ins.top
    fetched = [ins.top] if shown is ins.top else [ins.top, shown]
    return earliest(end_of_life(own_annotations(f.manifest), today) for f in fetched)


def own_base(ins: Inspection) -> Doc | None:
    """The base image the image shown names (annotations, else its config's labels): not yet
    checked (no request)."""
    shown = ins.image or ins.top
    labels = dict(ins.config.config.labels) if ins.config is not None else {}
    return base_doc(own_annotations(shown.manifest), labels, shown.reference.registry)


def own_annotations(manifest: object) -> dict[str, str]:
    return dict(getattr(manifest, "annotations", None) or {})
