"""One round of the tag list's lazy fill (plain Python, run in the worker): what the optional
columns need (digest, kind, platforms, download size, created) for the rows in view, with
IN_FLIGHT requests at once and at most ROUND_BUDGET in all. A tag's digest comes from its
manifest (GET by tag) or ACR's tag metadata; the rest is kept by digest. On ACR, `_manifests`
(a few pages, once per repository) answers sizes and platforms. `tag_details` starts rounds."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from acr_desktop.registry import errors
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.manifest import ImageIndex, ImageManifest
from acr_desktop.registry.operation import check_cancelled
from acr_desktop.registry.reference import Reference
from acr_desktop.sizes import SIZE_WORDS
from acr_desktop.text import format_size, format_time

if TYPE_CHECKING:
    from acr_desktop.registry.acr import ManifestInfo
    from acr_desktop.registry.client import RegistryClient

IN_FLIGHT = 8  # requests at once, at most
ROUND_BUDGET = 48  # requests one round may make (what is left waits for the next round)
ACR_PAGES = 3  # pages of ACR's manifest list read once per repository
# What each column of the tag list is (its header tooltip), in TagsModel.HEADERS order.
COLUMN_TIPS = ("", "When the tag last changed (ACR)", "The manifest the tag points to",
               "Image, index (one image per platform) or artifact",
               "The platforms the image runs on",
               SIZE_WORDS + "; an index: the smallest and largest of its platforms",
               "When the image was built (its config's "
               "created time; an index: its first platform's; ACR: when the registry got it)",
               "Other tags that point to the same manifest (aliases)",
               "Signed, as ACR records it", "Locks set on the tag (ACR)")  # fmt: skip
STOPPING = (errors.AuthenticationRequired, errors.AccessDenied, errors.RegistryUnreachable,
            errors.RateLimited)  # fmt: skip  # about the registry, not one tag: end the round


Item = tuple[Any, ...]  # (priority, "tag" | "digest" | "config" | "child", target, …)


@dataclass(frozen=True)
class Facts:
    """What is known of one manifest, by digest. None: not known yet; () / "": does not apply."""

    digest: str
    kind: str = ""  # "image", "index", "artifact", "schema 1 image", "manifest"
    platforms: tuple[str, ...] | None = None
    sizes: tuple[int, ...] | None = None  # an image: (download,); an index: one per platform
    size_of: int = 1  # platforms an index has to measure
    unmeasured: int = 0  # of those, how many could not be
    created: str | None = None  # "" when there is none to say
    problem: str = ""

    def knows(self, need: str) -> bool:
        if need == "size":
            done = self.sizes is not None and len(self.sizes) + self.unmeasured >= self.size_of
        else:
            value = {"kind": self.kind or None, "platforms": self.platforms}.get(need, "")
            done = (self.created if need == "created" else value) is not None
        return done or bool(self.problem)

    def words(self, need: str, tooltip: bool) -> str:
        """A known fact in words: a cell's text, or its tooltip."""
        if need == "size":
            return self._size_words(tooltip)
        if need == "kind":
            return "" if tooltip else self.kind
        if need == "created":
            local, utc = format_time(self.created or None)
            return utc if tooltip else local
        names = self.platforms or ()
        if tooltip:
            return ", ".join(names[:40]) + (f" and {len(names) - 40:,} more" * (len(names) > 40))
        many = f"{len(names):,} platforms"
        return ", ".join(names) if len(names) <= 2 else many if names else "—"

    def _size_words(self, tooltip: bool) -> str:
        sizes = self.sizes or ()
        low, high = (min(sizes), max(sizes)) if sizes else (0, 0)
        span = " – ".join(dict.fromkeys((format_size(low), format_size(high))))  # "1.4 kB" once
        if not tooltip:
            return span if sizes else "—"
        if self.kind != "index":
            return f"{high:,} bytes to download (config and layers, compressed)" * bool(sizes)
        missed = f"; {self.unmeasured:,} could not be measured" * bool(self.unmeasured)
        return f"{len(sizes):,} platforms: {span} to download each{missed}"


@dataclass(frozen=True)
class Plan:
    """One round: the rows (first rows first), what the visible columns need, the facts known
    of their digests, ACR's manifest metadata (None: not read yet; {}: none to read)."""

    registry: str
    repository: str
    wants: tuple[tuple[str, str | None], ...]  # (tag, its digest when known)
    needs: frozenset[str]
    known: dict[str, Facts]
    acr: dict[str, ManifestInfo] | None


@dataclass(frozen=True)
class Found:
    """A report of the round: tags now linked to digests, facts learned, tags that failed."""

    links: dict[str, str] = field(default_factory=dict)
    facts: tuple[Facts, ...] = ()
    tag_problems: dict[str, str] = field(default_factory=dict)
    acr: dict[str, ManifestInfo] | None = None


@dataclass(frozen=True)
class RoundResult:
    requests: int
    exhausted: bool  # the budget ran out with work left
    stopped: str  # why the round ended early ("" when it did not)


def _platform(os: str | None, arch: str | None, variant: str | None = None) -> tuple[str, ...]:
    text = "/".join(p[:100] for p in (os, arch, variant) if p)  # a server's words: bounded
    return (text,) if text and text != "unknown/unknown" else ()


def _acr_bytes(info: ManifestInfo | None) -> int | None:
    """ACR's size of an image, when believable."""
    size = info.image_size if info is not None else None
    return size if size is not None and 0 <= size < 2**53 else None


class _Round:
    """One round: waves of items (the manifests, then configs and index children), each item
    one request, IN_FLIGHT at a time, the first rows first, until the budget is spent."""

    def __init__(self, client: RegistryClient, plan: Plan, report: Callable[[Found], None]) -> None:
        self.client, self.registry, self.repository = client, plan.registry, plan.repository
        self.needs, self.facts, self.acr = plan.needs, dict(plan.known), dict(plan.acr or {})
        self.budget, self.report, self.in_flight = ROUND_BUDGET, report, max(1, IN_FLIGHT)
        self.spent, self.exhausted, self.stopped = 0, False, ""
        self.lock = threading.Lock()
        self.learned: set[str] = set()  # digests whose manifest was looked at in this round

    def ref(self, target: str) -> Reference:  # a digest has a colon, a tag never
        digest = ":" in target
        return Reference(self.registry, self.repository, None if digest else target,
                         target if digest else None)  # fmt: skip

    def free(self, item: Item) -> bool:
        """The item's answer is in the client's cache: it costs no request."""
        if item[1] == "tag":
            return False
        digest = item[2] if item[1] == "digest" else item[-1].digest
        return self.client.cache.get((self.registry, self.repository, digest)) is not None

    def run(self, items: list[Item]) -> None:
        while items and not self.stopped:
            todo = []
            for item in sorted(items, key=lambda it: it[0]):
                free = self.free(item)
                if free or self.spent < self.budget:
                    self.spent += 0 if free else 1
                    todo.append(item)
                else:
                    self.exhausted = True
            items = self.wave(todo)

    def wave(self, items: list[Item]) -> list[Item]:
        """Do `items`, IN_FLIGHT at a time (each in a copy of the job's context, so its cancel
        and deadline reach the requests); the items they call for next."""
        follow: list[Item] = []
        pool = ThreadPoolExecutor(max_workers=self.in_flight, thread_name_prefix="tag-fill")
        try:
            pending = {pool.submit(contextvars.copy_context().run, self.one, it) for it in items}
            while pending:
                done, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                check_cancelled()
                for future in done:
                    follow += future.result()
                if self.stopped:
                    break
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # what runs ends with the operation
        return follow

    def one(self, item: Item) -> list[Item]:
        """One item: the items it calls for; a failure is the item's (or, for sign-in and
        the like, the round's)."""
        try:
            check_cancelled()
            return [] if self.stopped else self.do(item)
        except errors.RegistryError as exc:
            if isinstance(exc, STOPPING):
                self.stopped = exc.sentence
            else:
                self.failed(item, exc.sentence)
            return []

    # -- the items -----------------------------------------------------------------------------
    def do(self, item: Item) -> list[Item]:
        priority, kind = item[0], item[1]
        if kind == "tag":
            fetched = self.client.get_manifest(self.ref(item[2]))
            key = (self.registry, self.repository, fetched.digest)  # the digest of these bytes
            self.client.cache.put(key, fetched.raw, fetched.media_type)  # a later round: free
            self.report(Found(links={item[2]: fetched.digest}))
            return self.learn(priority, fetched.digest, fetched.manifest)
        if kind == "digest":
            return self.learn(
                priority, item[2], self.client.get_manifest(self.ref(item[2])).manifest
            )
        if kind == "config":
            _, _, owner, manifest_digest, descriptor = item
            config = self.client.get_config(self.ref(manifest_digest), descriptor).config
            change: dict[str, Any] = {"created": config.created or ""}
            if owner == manifest_digest:  # an image: its platform too
                change["platforms"] = _platform(config.os, config.architecture, config.variant)
            self.update(owner, **change)
            return []
        _, _, owner, with_created, with_size, entry = item  # a child of an index
        child = self.client.get_child(self.ref(owner), entry).manifest
        if not isinstance(child, ImageManifest):
            self.failed(item, "not an image")
            return []
        if with_size:  # read and written under one lock: children arrive together
            self.update(owner, lambda f: {"sizes": (*(f.sizes or ()), child.total_size)})
        return [(priority, "config", owner, entry.digest, child.config)] if with_created else []

    def failed(self, item: Item, sentence: str) -> None:
        kind, target = item[1], item[2]
        if kind == "tag":
            self.report(Found(tag_problems={target: sentence}))
        elif kind == "digest":
            self.update(target, problem=sentence)
        elif kind == "config":  # an image's config also says its platform
            extra: dict[str, Any] = {"platforms": ()} if target == item[3] else {}
            self.update(target, created="", **extra)
        else:
            more, extra = (1 if item[4] else 0), ({"created": ""} if item[3] else {})
            self.update(target, lambda f: {"unmeasured": f.unmeasured + more}, **extra)

    def update(self, digest: str, more: Callable[[Facts], dict[str, Any]] | None = None,
               **change: Any) -> None:  # fmt: skip
        """Change what is known of `digest` (`more` reads the facts under the same lock)."""
        with self.lock:  # reported under the lock too: the newest facts arrive last
            old = self.facts.get(digest, Facts(digest))
            facts = self.facts[digest] = replace(old, **change, **(more(old) if more else {}))
            self.report(Found(facts=(facts,)))

    def list_acr(self) -> None:
        """ACR's manifest metadata (ACR_PAGES pages at most, on the budget) before the rest."""
        found: dict[str, ManifestInfo] = {}
        try:
            for number, page in enumerate(
                self.client.iter_acr_manifests(self.registry, self.repository), 1
            ):
                self.spent += 1
                found.update((info.digest, info) for info in page)
                if number >= ACR_PAGES:
                    break
        except errors.RegistryError as exc:
            self.spent += 1
            if isinstance(exc, errors.RateLimited | errors.RegistryUnreachable):
                self.stopped = exc.sentence  # about the registry: the round ends, said why
            # otherwise (refused, not ACR, garbage, a redirect elsewhere): the manifests answer
        self.acr.update(found)
        self.report(Found(acr=found))

    def from_acr(self, digest: str) -> bool:
        """An image ACR describes whole (kind, size, platform, time): learnt without a request."""
        info = self.acr.get(digest)
        size = _acr_bytes(info)
        if info is None or size is None or info.media_type not in mt.IMAGE_TYPES:
            return False
        self.update(digest, kind="image", sizes=(size,), created=info.created or "",
                    platforms=_platform(info.os, info.architecture))  # fmt: skip
        return all(self.facts[digest].knows(n) for n in self.needs)

    def learn(self, priority: int, digest: str, manifest: Any) -> list[Item]:
        """What a manifest says by itself; the items still needed for the rest."""
        needs, info = self.needs, self.acr.get(digest)
        with self.lock:
            if digest in self.learned:
                return []
            self.learned.add(digest)
        if isinstance(manifest, ImageManifest):
            artifact = manifest.artifact_type
            change: dict[str, Any] = {"kind": "artifact" if artifact else "image"}
            change["sizes"] = (manifest.total_size,)
            if artifact:
                change.update(platforms=(), created=manifest.annotations.get(
                    "org.opencontainers.image.created", ""))  # fmt: skip
            elif info is not None and info.os and info.architecture:
                change.update(platforms=_platform(info.os, info.architecture),
                              created=info.created or "")  # fmt: skip
            self.update(digest, **change)
            facts = self.facts[digest]
            if not artifact and not all(facts.knows(n) for n in needs & {"platforms", "created"}):
                return [(priority, "config", digest, digest, manifest.config)]
            return []
        if isinstance(manifest, ImageIndex):
            entries = list({d.digest: d for d in manifest.platforms
                            if d.media_type not in mt.INDEX_TYPES}.values())  # fmt: skip
            labels = [d.platform.display() for d in manifest.manifests
                      if d.kind == "platform" and d.platform]  # fmt: skip
            acr_sizes = {e.digest: _acr_bytes(self.acr.get(e.digest)) for e in entries}
            known = tuple(s for s in acr_sizes.values() if s is not None)
            self.update(digest, kind="index", platforms=tuple(labels), size_of=len(entries),
                        sizes=known, created=None if entries else "")  # fmt: skip
            follow: list[Item] = []
            first_info = self.acr.get(entries[0].digest) if entries else None
            acr_time = first_info.created if first_info is not None else None
            if acr_time:  # ACR's time: no request
                self.update(digest, created=acr_time)
            for n, entry in enumerate(entries):
                first = n == 0 and "created" in needs and not acr_time
                sized = "size" in needs and acr_sizes[entry.digest] is None
                if first or sized:
                    follow.append((priority, "child", digest, first, sized, entry))
            return follow
        schema1 = type(manifest).__name__ == "Schema1Manifest"
        self.update(digest, kind="schema 1 image" if schema1 else "manifest", platforms=(),
                    sizes=(), size_of=0, created="")  # fmt: skip
        return []


def fill(client: RegistryClient, plan: Plan, report: Callable[[Found], None]) -> RoundResult:
    """Learn what `plan.needs` for its rows, reporting as it goes (on worker threads)."""
    state = _Round(client, plan, report)
    if plan.acr is None and plan.needs - {"digest"} and any(d for _, d in plan.wants):
        state.list_acr()
    items: list[Item] = []
    asked: set[str] = set()
    for priority, (tag, digest) in enumerate(plan.wants):
        if digest is None:
            items.append((priority, "tag", tag))
        elif digest not in asked:
            asked.add(digest)
            if not state.from_acr(digest):
                items.append((priority, "digest", digest))
    state.run(items)
    return RoundResult(state.spent, state.exhausted, state.stopped)
