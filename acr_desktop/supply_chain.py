"""The supply chain of one image, as a tree: its referrers (the referrers API, else the tag
fallback), their referrers, and — for an index — BuildKit's attestation manifests inside it,
each named in words (registry/artifacts.py), with a one-line summary ("signed (cosign) · SBOM,
213 packages · provenance"). Qt-free: the CLI and the window share it.

Bounded: `depth` levels of referrers, `limit` nodes in all, each digest once (a referrer that
names its parent, or one listed twice, is shown once); what was left out is said in `notices`.
Cancel and the operation's deadline are honoured between requests."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from acr_desktop.index_entries import entry_label
from acr_desktop.registry import errors
from acr_desktop.registry.artifacts import (
    EOL_KEY,
    MAX_SHOWN,
    ArtifactName,
    EndOfLife,
    earliest,
    end_of_life,
    layer_predicates,
    name_descriptor,
    name_manifest,
)
from acr_desktop.registry.manifest import Descriptor, ImageIndex, ImageManifest
from acr_desktop.registry.operation import check_cancelled, current_operation
from acr_desktop.registry.redaction import quotable
from acr_desktop.registry.sending import deadline_error
from acr_desktop.text import plural, short_digest

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.reference import Reference

VIA_API = "referrers API"
VIA_TAG = "tag fallback"
VIA_INDEX = "index attestation"
NOTHING_FOUND = "no signatures, SBOMs or provenance found"
COUNT_SHARE = 0.5  # of the time left that reading the SBOM for its package count may take
_SIGNERS = {"cosign": "cosign", "sigstore-bundle": "Sigstore bundle", "notation": "Notation"}
_COSIGN_TAG_SUFFIXES = (".sig", ".att", ".sbom")  # listing.COSIGN_SUFFIXES: the type is a guess
REF_NAME_KEY = "org.opencontainers.image.ref.name"
ATTESTS_KEY = "vnd.docker.reference.digest"  # the platform a BuildKit attestation describes
BUNDLE_PREDICATE_KEY = "dev.sigstore.bundle.predicateType"


@dataclass(frozen=True)
class ReferrerNode:
    descriptor: Descriptor
    name: ArtifactName
    via: str  # "referrers API" | "tag fallback" | "index attestation"
    children: tuple[ReferrerNode, ...]
    problem: str | None  # a sentence when it could not be read


@dataclass(frozen=True)
class SupplyChain:
    subject: str  # digest
    nodes: tuple[ReferrerNode, ...]
    sbom_packages: int | None  # packages of the first SBOM read, else None
    notices: tuple[str, ...] = ()  # what was left out, and why ("Only the first 200 …")
    sbom_complete: bool = True  # False when the SBOM reader stopped early (a floor, not a count)
    sbom_sources: tuple[Descriptor, ...] = field(default=(), repr=False)  # for read_sbom

    def walk(self) -> Iterator[tuple[int, ReferrerNode]]:
        """Every node with its level (0 for the subject's own referrers), depth first."""
        stack = [(0, n) for n in reversed(self.nodes)]
        while stack:
            level, node = stack.pop()
            yield level, node
            stack.extend((level + 1, c) for c in reversed(node.children))

    def of_kind(self, kind: str) -> list[ReferrerNode]:
        return [node for _, node in self.walk() if node.name.kind == kind]

    def end_of_life(self, today: date) -> EndOfLife | None:
        """The earliest end-of-life date a lifecycle referrer gives, against `today`."""
        return earliest(end_of_life(n.descriptor.annotations, today) for _, n in self.walk())

    def summary(self) -> str:
        """ "signed (cosign) · SBOM, 213 packages · provenance"; NOTHING_FOUND when none of
        those is there (other kinds follow it: "… · ACR artifact streaming")."""
        parts: list[str] = []
        signers = list(dict.fromkeys(_SIGNERS.get(n.name.format or "", "signature")
                                     for n in self.of_kind("signature")))  # fmt: skip
        if signers:
            parts.append(f"signed ({', '.join(signers)})")
        sboms = len(self.of_kind("sbom"))
        if sboms:
            text = "SBOM" if sboms == 1 else f"{sboms:,} SBOMs"
            if self.sbom_packages is not None:
                count = plural(self.sbom_packages, "package")
                count = count if self.sbom_complete else f"at least {count}"
                text += f", {count}" + ("" if sboms == 1 else " in the first")
            parts.append(text)
        provenance = len(self.of_kind("provenance"))
        if provenance:
            parts.append("provenance" if provenance == 1 else f"provenance ({provenance:,})")
        if not parts:
            parts.append(NOTHING_FOUND)
        unread = [n for n in self.of_kind("attestation") if n.problem]
        if unread:  # what they hold (SBOM? provenance?) is not known: "no … found" is not all
            parts.append(f"{plural(len(unread), 'attestation')} could not be read")
        reports = len(self.of_kind("vulnerability_report"))
        if reports:
            parts.append(
                "vulnerability report" if reports == 1 else f"{reports:,} vulnerability reports"
            )
        if self.of_kind("streaming"):
            parts.append("ACR artifact streaming")
        parts += [n.name.label for n in self.of_kind("lifecycle")][:1]
        return " · ".join(parts)


@dataclass
class _Draft:
    descriptor: Descriptor
    name: ArtifactName
    via: str
    level: int
    source: Descriptor  # what read_sbom is given: the manifest (for a layer, its manifest)
    children: list[_Draft] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def frozen(self) -> ReferrerNode:
        return ReferrerNode(
            self.descriptor,
            self.name,
            self.via,
            tuple(c.frozen() for c in self.children),
            " ".join(self.problems) or None,
        )


class _Walk:
    """One breadth-first walk: the subject's referrers first, so the limit cuts the deepest."""

    def __init__(self, client: RegistryClient, subject: Reference, depth: int, limit: int):
        self.client = client
        self.subject = subject
        self.depth = depth
        self.limit = limit
        self.count = 0
        self.seen: set[str] = {subject.digest or ""}
        self.left_out = 0
        self.repeats = 0
        self.queue: deque[_Draft] = deque()

    def add(self, parent: list[_Draft], d: Descriptor, via: str, level: int) -> _Draft | None:
        if d.digest in self.seen:
            self.repeats += 1
            return None
        if self.count >= self.limit:
            self.left_out += 1
            return None
        self.seen.add(d.digest)
        self.count += 1
        draft = _Draft(d, name_descriptor(d), via, level, d)
        parent.append(draft)
        if _worth_reading(d, draft.name):
            self.read(draft)
        return draft

    def read(self, draft: _Draft, *, buildkit: bool = False) -> None:
        """Fetch the manifest to name it better (and show its in-toto statements as children);
        what cannot be read is said on the node."""
        d = draft.descriptor
        check_cancelled()
        try:
            ref = self.subject.with_digest(d.digest)
            fetched = self.client.get_child(ref, d) if d.size else self.client.get_manifest(ref)
        except errors.RegistryError as exc:
            raise_if_over(self.subject.registry)
            draft.problems.append(f"It could not be read: {exc.sentence}")
            return
        m = fetched.manifest
        if not isinstance(m, ImageManifest):  # an index with a subject: its descriptor says it
            if buildkit:
                draft.problems.append("It is not an image manifest: no statements were read.")
            return
        annotations = {**m.annotations, **d.annotations}
        draft.descriptor = replace(d, annotations=annotations, artifact_type=d.artifact_type
                                   or m.artifact_type)  # fmt: skip
        statements = layer_predicates(m)
        if not buildkit:
            draft.name = name_manifest(m)
        if buildkit or len({name.label for _, name in statements}) > 1:
            for layer, name in statements:
                if self.count >= self.limit:
                    self.left_out += 1
                    continue
                self.count += 1
                draft.children.append(_Draft(layer, name, draft.via, draft.level, d))

    def referrers(self, parent: _Draft | None, level: int, into: list[_Draft]) -> None:
        """List the referrers of `parent` (the subject when None) into `into`, queued for the
        next level. Errors below the subject are said on the parent node."""
        check_cancelled()
        digest = parent.descriptor.digest if parent else self.subject.digest or ""
        # Below the subject only cosign's `.sig` (a signed SBOM or attestation); `.att` and
        # `.sbom` of an SBOM are not made: two HEADs saved per node on a tag-fallback registry.
        tags = None if parent is None else (".sig",)
        try:
            found = self.client.referrers(self.subject.with_digest(digest), cosign_tags=tags)
        except errors.RegistryError as exc:
            if parent is None:
                raise
            raise_if_over(self.subject.registry)
            parent.problems.append(f"Its referrers could not be listed: {exc.sentence}")
            return
        for d in found.descriptors:
            draft = self.add(into, d, found.via, level)
            if draft is not None and level + 1 < self.depth and draft.name.kind != "signature":
                self.queue.append(draft)  # what refers to a signature is not looked for

    def run(self, index: ImageIndex | None) -> list[_Draft]:
        top: list[_Draft] = []
        self.referrers(None, 0, top)
        if index is not None:
            self.attestations(index, top)
        while self.queue and self.count < self.limit:
            draft = self.queue.popleft()
            self.referrers(draft, draft.level + 1, draft.children)
        return top

    def attestations(self, index: ImageIndex, top: list[_Draft]) -> None:
        """BuildKit's attestation manifests in the index, each with its in-toto statements."""
        platforms = {d.digest: d for d in index.manifests if d.kind == "platform"}
        for d in index.attestations:
            if d.digest in self.seen:
                self.repeats += 1
                continue
            if self.count >= self.limit:
                self.left_out += 1
                continue
            self.seen.add(d.digest)
            self.count += 1
            label = quotable(entry_label(d, platforms), limit=MAX_SHOWN)
            name = ArtifactName("attestation", label, "in-toto")
            draft = _Draft(d, name, VIA_INDEX, 0, d)
            top.append(draft)
            self.read(draft, buildkit=True)

    def notices(self) -> list[str]:
        said = []
        if self.left_out:
            shown = plural(self.limit, "referrer or attestation", "referrers and attestations")
            said.append(
                f"Only the first {shown} are shown; {self.left_out:,} more "
                f"{'was' if self.left_out == 1 else 'were'} found and left out."
            )
        if self.queue:
            said.append(
                f"The referrers of {plural(len(self.queue), 'node')} shown were not looked for: "
                "the limit was reached."
            )
        if self.repeats:
            said.append(
                f"{plural(self.repeats, 'referrer was', 'referrers were')} listed again (or "
                "referred back to what refers to it); each is shown once."
            )
        return said


def _worth_reading(d: Descriptor, name: ArtifactName) -> bool:
    """Whether the descriptor alone may misname it: no `artifactType`, a cosign tag (its type is
    guessed from the suffix), an in-toto carrier or a cosign SBOM (the layers say what), a
    Sigstore bundle whose predicate annotation was dropped, a lifecycle without its date."""
    if not d.artifact_type or name.kind == "attestation":
        return True
    if d.annotations.get(REF_NAME_KEY, "").endswith(_COSIGN_TAG_SUFFIXES):
        return True
    if name.format == "sigstore-bundle":
        return BUNDLE_PREDICATE_KEY not in d.annotations
    if name.kind == "lifecycle":
        return EOL_KEY not in d.annotations
    return name.kind == "sbom" and name.format is None


def raise_if_over(registry: str) -> None:
    """Past the deadline or cancelled: the whole walk ends, not just this node."""
    op = current_operation()
    if op is not None and op.over:
        if op.cancel_event.is_set():
            raise errors.Cancelled()
        raise deadline_error(registry)


def supply_chain(  # noqa: PLR0913 - a reference and four options
    client: RegistryClient,
    ref: Reference,
    *,
    depth: int = 3,
    limit: int = 200,
    read_sbom: bool = True,
    sbom_of: str | None = None,
) -> SupplyChain:
    """The referrers tree of `ref` (see the module docstring). Errors reading the subject or
    listing its own referrers raise; below that they are sentences on the nodes. With
    `read_sbom`, the first SBOM found is read (registry/sbom.py) for its package count — first
    the one a BuildKit attestation gives for the platform `sbom_of` (a digest), when there is."""
    fetched = client.get_manifest(ref)
    subject = ref.with_digest(fetched.digest)
    walk = _Walk(client, subject, max(1, depth), max(1, limit))
    index = fetched.manifest if isinstance(fetched.manifest, ImageIndex) else None
    drafts = walk.run(index)
    notices = walk.notices()
    sources = tuple({d.source.digest: d.source for d in _drafts_of_kind(drafts, "sbom")}.values())
    if sbom_of:  # the platform shown before the others (a stable sort keeps their order)
        sources = tuple(sorted(sources, key=lambda d: d.annotations.get(ATTESTS_KEY) != sbom_of))
    packages: int | None = None
    complete = True
    if read_sbom and sources:
        packages, complete, sentence = _count_packages(client, subject, sources[0])
        if sentence:
            notices.append(sentence)
    return SupplyChain(
        subject=fetched.digest,
        nodes=tuple(d.frozen() for d in drafts),
        sbom_packages=packages,
        notices=tuple(notices),
        sbom_complete=complete,
        sbom_sources=sources,
    )


def _drafts_of_kind(drafts: list[_Draft], kind: str) -> list[_Draft]:
    found, stack = [], list(reversed(drafts))
    while stack:
        draft = stack.pop()
        if draft.name.kind == kind:
            found.append(draft)
        stack.extend(reversed(draft.children))
    return found


def _count_packages(
    client: RegistryClient, subject: Reference, source: Descriptor
) -> tuple[int | None, bool, str | None]:
    """(packages, complete, a sentence when they could not be counted or were cut short)."""
    from acr_desktop.registry.sbom import MAX_PACKAGES, read_sbom

    check_cancelled()
    try:
        with _share_of_the_time_left():  # a slow SBOM costs its count, not the tree
            sbom = read_sbom(client, subject, source)
    except errors.RegistryError as exc:
        raise_if_over(subject.registry)
        return (
            None,
            True,
            f"The SBOM {short_digest(source.digest)} could not be read: " + (exc.sentence),
        )
    return len(sbom.packages), len(sbom.packages) < MAX_PACKAGES, sbom.notice


@contextmanager
def _share_of_the_time_left() -> Iterator[None]:
    """Within it, a deadline of its own: COUNT_SHARE of the operation's time left (the same
    cancel switch), so that what is past it fails alone and the walk still has time to end."""
    from acr_desktop.registry.operation import operation, remaining

    op, left = current_operation(), remaining()
    if op is None or left is None:
        yield
        return
    with operation(op.cancel_event, timeout=round(left * COUNT_SHARE, 1), on_wait=op.on_wait):
        yield
