"""Lists a registry serves, page by page: tags, the catalog, ACR's tag and manifest metadata,
and referrers (the referrers API, else the tag fallbacks). RegistryClient owns one `Listings`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urljoin, urlsplit

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.acr import (
    ACR_PAGE_SIZE,
    METADATA_ACTION,
    ManifestInfo,
    TagInfo,
    parse_acr_manifests,
    parse_acr_tags,
)
from acr_desktop.registry.auth import CATALOG_SCOPE, repository_scope
from acr_desktop.registry.errors import InvalidReference, InvalidResponse, NotFound
from acr_desktop.registry.json_doc import load_json
from acr_desktop.registry.manifest import Descriptor, ImageIndex, Manifest, parse_manifest
from acr_desktop.registry.problems import RequestContext
from acr_desktop.registry.reference import Reference, parse_digest
from acr_desktop.registry.sending import MAX_LIST_PAGE_BYTES, MiB, declared_length, origin
from acr_desktop.registry.transport import Transport

MAX_MANIFEST_BYTES = 4 * MiB
PAGE_SIZE = 1000
MAX_PAGES = 1000  # pages of one list followed before stopping (and saying so)
MAX_ENTRIES = 1_000_000  # entries of one list kept before stopping (and saying so)
MAX_REFERRER_PAGES = 20  # pages of one referrers list followed (the walk shows 200 in all)
_REL = re.compile(r'\brel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))', re.I)

T = TypeVar("T")


class Pages(Generic[T]):
    """The pages of one list, as an iterator of lists. When the registry keeps sending more than
    MAX_PAGES pages or MAX_ENTRIES entries, iteration stops and `notice` says so in a sentence
    for the user ("Stopped after 1,000 pages / 1,000,000 tags: …"); otherwise it stays None."""

    def __init__(self, make: Callable[[Pages[T]], Iterator[list[T]]]) -> None:
        self.notice: str | None = None
        self._pages = make(self)

    def __iter__(self) -> Pages[T]:
        return self

    def __next__(self) -> list[T]:
        return next(self._pages)


@dataclass(frozen=True)
class Referrers:
    """Manifests whose `subject` is a given manifest, and how they were found."""

    descriptors: tuple[Descriptor, ...]
    via: str  # "referrers API" or "tag fallback"


COSIGN_SUFFIXES = (
    (".sig", "application/vnd.dev.cosign.simplesigning.v1+json"),
    (".att", "application/vnd.dsse.envelope.v1+json"),
    (".sbom", "application/spdx+json"),
)


GetManifest = Callable[[Reference], Manifest]  # fetch (and verify) a manifest by tag or digest


class Listings:
    """Lists over `transport`; `get_manifest` reads the referrers tag-schema index (the client's,
    so the manifest is verified and cached like any other)."""

    def __init__(self, transport: Transport, get_manifest: GetManifest) -> None:
        self.transport = transport
        # Registries that answered ACR's metadata API: Azure behind a custom domain too.
        self.acr_registries: set[str] = set()
        # (registry, repository) without the referrers API: a registry that has it never
        # answers 404 (distribution-spec 1.1), so it is not asked again in this session
        # (Distribution 2.8 answers "404 page not found" for every digest).
        self.no_referrers_api: set[tuple[str, str]] = set()
        self._get_manifest = get_manifest

    def iter_tags(self, registry: str, repository: str) -> Pages[str]:
        """Tags page by page (`n=1000`, following `Link`), skipping null and garbage entries."""
        ctx = RequestContext(registry, "tags", repository)
        scopes = (repository_scope(repository, "pull"),)
        path = f"/v2/{repository}/tags/list?n={PAGE_SIZE}"
        return Pages(lambda pages: self._pages(pages, ctx, path, scopes, "tags", _tag_names))

    def iter_catalog(self, registry: str) -> Pages[str]:
        ctx = RequestContext(registry, "catalog")
        path = f"/v2/_catalog?n={PAGE_SIZE}"
        return Pages(
            lambda pages: self._pages(pages, ctx, path, (CATALOG_SCOPE,), "repositories", _repos)
        )

    def iter_acr_tags(
        self, registry: str, repository: str, *, orderby: str = "timedesc"
    ) -> Pages[TagInfo]:
        """ACR's tag metadata, newest first, page by page. Needs `metadata_read`."""
        ctx = RequestContext(registry, "metadata", repository)
        scopes = (repository_scope(repository, "pull", METADATA_ACTION),)
        path = f"/acr/v1/{repository}/_tags?n={ACR_PAGE_SIZE}&orderby={orderby}"
        return Pages(lambda pages: self._pages(pages, ctx, path, scopes, "tags", parse_acr_tags))

    def iter_acr_manifests(
        self, registry: str, repository: str, *, orderby: str = "timedesc"
    ) -> Pages[ManifestInfo]:
        """ACR's manifest metadata (size, platform, tags), newest first, page by page. Needs
        `metadata_read`."""
        ctx = RequestContext(registry, "metadata", repository)
        scopes = (repository_scope(repository, "pull", METADATA_ACTION),)
        path = f"/acr/v1/{repository}/_manifests?n={ACR_PAGE_SIZE}&orderby={orderby}"
        return Pages(
            lambda pages: self._pages(pages, ctx, path, scopes, "manifests", parse_acr_manifests)
        )

    def acr_tags_of(self, registry: str, repository: str, digest: str) -> list[TagInfo]:
        """Every tag that points at `digest` (ACR `_tags?digest=`)."""
        ctx = RequestContext(registry, "metadata", repository)
        scopes = (repository_scope(repository, "pull", METADATA_ACTION),)
        path = f"/acr/v1/{repository}/_tags?digest={quote(digest, safe=':')}&n={ACR_PAGE_SIZE}"
        pages: Pages[TagInfo] = Pages(
            lambda pages: self._pages(pages, ctx, path, scopes, "tags", parse_acr_tags)
        )
        return [t for page in pages for t in page]

    def _pages(
        self,
        pages: Pages[T],
        ctx: RequestContext,
        path: str,
        scopes: tuple[str, ...],
        key: str,
        entries: Callable[[Any], list[T]],
    ) -> Iterator[list[T]]:
        """GET a JSON list and its next pages (`Link: <…>; rel="next"`, same host only), up to
        MAX_PAGES pages and MAX_ENTRIES entries (then `pages.notice` says where it stopped)."""
        base = self.transport.base_url(ctx.registry)
        url: str | None = base + path
        seen: set[str] = set()
        total = 0
        while url:
            if len(seen) >= MAX_PAGES or total >= MAX_ENTRIES:
                pages.notice = (
                    f"Stopped after {len(seen):,} pages / {total:,} {key}: {ctx.registry} "
                    "kept sending more than is shown here."
                )
                return
            seen.add(url)
            resp = self.transport.request(
                "GET", ctx, url, scopes=scopes, max_bytes=MAX_LIST_PAGE_BYTES
            )
            page = entries(load_json(resp.body, what=f"{key} list from {ctx.registry}"))
            if path.startswith("/acr/v1/"):
                self.acr_registries.add(ctx.registry)
            page = page[: MAX_ENTRIES - total]
            total += len(page)
            yield page
            url = next_link(resp.headers.get("Link"), resp.url)
            if url and origin(url) != origin(base):
                raise InvalidResponse(
                    f"{ctx.registry} pointed the next page of the {key} list to another host; "
                    "stopped there."
                )
            if url in seen:
                break

    # -- referrers -----------------------------------------------------------------------------
    def referrers(self, ref: Reference, *, cosign_tags: tuple[str, ...] | None = None) -> Referrers:
        """What refers to `ref.digest`: the referrers API, else the `sha256-<hex>` tag schema and
        cosign's legacy `.sig` / `.att` / `.sbom` tags (PROTOCOL §5; `cosign_tags` the suffixes
        looked for, all by default: one HEAD each)."""
        digest = ref.digest
        if not digest:
            raise ValueError("referrers need a digest")
        ctx = RequestContext(ref.registry, "referrers", ref.repository, digest)
        scopes = (repository_scope(ref.repository, "pull"),)
        if (ref.registry, ref.repository) not in self.no_referrers_api:
            resp = self.transport.request(
                "GET",
                ctx,
                f"/v2/{ref.repository}/referrers/{digest}",
                scopes=scopes,
                accept=mt.OCI_INDEX,
                max_bytes=MAX_MANIFEST_BYTES,
                ok_statuses=frozenset({400, 404, 405}),
            )
            if resp.status == 200:
                index, _ = parse_manifest(resp.body, resp.content_type or mt.OCI_INDEX)
                if isinstance(index, ImageIndex):
                    more = self._referrer_pages(ctx, scopes, resp.headers.get("Link"), resp.url)
                    return Referrers((*index.manifests, *more), "referrers API")
            if resp.status in (404, 405):
                self.no_referrers_api.add((ref.registry, ref.repository))
        found: list[Descriptor] = []
        fallback_tag = digest.replace(":", "-")
        try:
            fetched: Manifest | None = self._get_manifest(ref.with_tag(fallback_tag))
        except NotFound:
            fetched = None
        if isinstance(fetched, ImageIndex):
            found += fetched.manifests
        wanted = [(s, k) for s, k in COSIGN_SUFFIXES if cosign_tags is None or s in cosign_tags]
        for suffix, kind in wanted:
            head = self.transport.request(
                "HEAD",
                RequestContext(ref.registry, "manifest", ref.repository, fallback_tag + suffix),
                f"/v2/{ref.repository}/manifests/{fallback_tag}{suffix}",
                scopes=scopes,
                accept=mt.MANIFEST_ACCEPT,
                ok_statuses=frozenset({404}),
            )
            tag_digest = _digest_or_none(head.headers.get("Docker-Content-Digest"))
            if head.status == 200 and tag_digest:  # no usable digest: not followed, not shown
                size = declared_length(head.headers.get("Content-Length"))
                found.append(
                    Descriptor(
                        media_type=mt.base_type(head.content_type or ""),
                        digest=tag_digest,
                        size=size or 0,
                        annotations={"org.opencontainers.image.ref.name": fallback_tag + suffix},
                        artifact_type=kind,
                    )
                )
        return Referrers(tuple(found), "tag fallback")

    def _referrer_pages(
        self, ctx: RequestContext, scopes: tuple[str, ...], link: str | None, url: str
    ) -> list[Descriptor]:
        """The referrers API's next pages (`Link: <…>; rel="next"`, same host only), up to
        MAX_REFERRER_PAGES in all; a page that is not an index ends them."""
        base = self.transport.base_url(ctx.registry)
        found: list[Descriptor] = []
        seen = {url}
        while (url := next_link(link, url) or "") and url not in seen:
            if origin(url) != origin(base):
                raise InvalidResponse(
                    f"{ctx.registry} pointed the next page of the referrers to another host; "
                    "stopped there."
                )
            if len(seen) >= MAX_REFERRER_PAGES:
                break
            seen.add(url)
            resp = self.transport.request("GET", ctx, url, scopes=scopes, accept=mt.OCI_INDEX,
                                          max_bytes=MAX_MANIFEST_BYTES)  # fmt: skip
            index, _ = parse_manifest(resp.body, resp.content_type or mt.OCI_INDEX)
            if not isinstance(index, ImageIndex):
                break
            found += index.manifests
            link = resp.headers.get("Link")
        return found


def _digest_or_none(value: str | None) -> str | None:
    """A HEAD's Docker-Content-Digest when it is a digest (markup or a path is not)."""
    try:
        return parse_digest(value[:200]) if value else None
    except InvalidReference:
        return None


def _names(doc: Any, key: str) -> list[str]:
    items = doc.get(key) if isinstance(doc, dict) else None
    return [x for x in items if isinstance(x, str) and x.strip()] if isinstance(items, list) else []


def _tag_names(doc: Any) -> list[str]:
    return _names(doc, "tags")


def _repos(doc: Any) -> list[str]:
    return _names(doc, "repositories")


def next_link(header: str | None, current_url: str) -> str | None:
    """The `rel="next"` target of a Link header, resolved against the current URL. One pass over
    the header (each `<…>` and its parameters are looked at once); InvalidResponse when the
    target is not a usable URL."""
    if not header:
        return None
    pos = 0
    while (start := header.find("<", pos)) >= 0:
        end = header.find(">", start + 1)
        if end < 0:
            return None
        following = header.find("<", end + 1)
        params = header[end + 1 : following if following >= 0 else len(header)]
        rel = _REL.search(params)
        if rel and "next" in (rel[1] or rel[2] or "").lower().split():
            return _resolved(header[start + 1 : end].strip(), current_url)
        pos = end + 1
    return None


def _resolved(target: str, current_url: str) -> str:
    try:
        url = urljoin(current_url, target)
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        url, parts = "", urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidResponse("The registry sent a next-page link that is not a valid URL.")
    return url
