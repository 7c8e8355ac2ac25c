"""Lists a registry serves, page by page: tags, the catalog, ACR's tag metadata, and referrers
(the referrers API, else the tag fallbacks). Mixed into RegistryClient."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.acr import ACR_PAGE_SIZE, METADATA_ACTION, TagInfo, parse_acr_tags
from acr_desktop.registry.auth import CATALOG_SCOPE, repository_scope
from acr_desktop.registry.errors import InvalidResponse, NotFound
from acr_desktop.registry.http import origin
from acr_desktop.registry.manifest import Descriptor, ImageIndex, parse_manifest
from acr_desktop.registry.problems import RequestContext
from acr_desktop.registry.reference import Reference
from acr_desktop.registry.transport import MiB, Transport

if TYPE_CHECKING:
    from acr_desktop.registry.client import FetchedManifest

MAX_MANIFEST_BYTES = 4 * MiB
MAX_LIST_PAGE_BYTES = 16 * MiB
PAGE_SIZE = 1000
MAX_PAGES = 10_000
_LINK_NEXT = re.compile(r'<([^>]*)>\s*;[^,]*?\brel="?next"?', re.I)


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


class Listings:
    """The listing half of RegistryClient (which provides `transport` and `get_manifest`)."""

    transport: Transport

    if TYPE_CHECKING:

        def get_manifest(self, ref: Reference) -> FetchedManifest: ...

    def iter_tags(self, registry: str, repository: str) -> Iterator[list[str]]:
        """Tags page by page (`n=1000`, following `Link`), skipping null and garbage entries."""
        ctx = RequestContext(registry, "tags", repository)
        scopes = (repository_scope(repository, "pull"),)
        path = f"/v2/{repository}/tags/list?n={PAGE_SIZE}"
        for doc in self._json_pages(ctx, path, scopes, "tags"):
            yield _names(doc, "tags")

    def iter_catalog(self, registry: str) -> Iterator[list[str]]:
        ctx = RequestContext(registry, "catalog")
        path = f"/v2/_catalog?n={PAGE_SIZE}"
        for doc in self._json_pages(ctx, path, (CATALOG_SCOPE,), "repositories"):
            yield _names(doc, "repositories")

    def iter_acr_tags(
        self, registry: str, repository: str, *, orderby: str = "timedesc"
    ) -> Iterator[list[TagInfo]]:
        """ACR's tag metadata, newest first, page by page. Needs `metadata_read`."""
        ctx = RequestContext(registry, "metadata", repository)
        scopes = (repository_scope(repository, "pull", METADATA_ACTION),)
        path = f"/acr/v1/{repository}/_tags?n={ACR_PAGE_SIZE}&orderby={orderby}"
        for doc in self._json_pages(ctx, path, scopes, "tags"):
            yield parse_acr_tags(doc)

    def acr_tags_of(self, registry: str, repository: str, digest: str) -> list[TagInfo]:
        """Every tag that points at `digest` (ACR `_tags?digest=`)."""
        ctx = RequestContext(registry, "metadata", repository)
        scopes = (repository_scope(repository, "pull", METADATA_ACTION),)
        path = f"/acr/v1/{repository}/_tags?digest={quote(digest, safe=':')}&n={ACR_PAGE_SIZE}"
        return [
            t for doc in self._json_pages(ctx, path, scopes, "tags") for t in parse_acr_tags(doc)
        ]

    def _json_pages(
        self, ctx: RequestContext, path: str, scopes: tuple[str, ...], key: str
    ) -> Iterator[Any]:
        """GET a JSON list and its next pages (`Link: <…>; rel="next"`, same host only)."""
        base = self.transport.base_url(ctx.registry)
        url: str | None = base + path
        seen: set[str] = set()
        while url and len(seen) < MAX_PAGES:
            seen.add(url)
            resp = self.transport.request(
                "GET", ctx, url, scopes=scopes, max_bytes=MAX_LIST_PAGE_BYTES
            )
            try:
                yield json.loads(resp.body)
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise InvalidResponse(
                    f"{ctx.registry} sent a {key} list that is not valid JSON."
                ) from None
            url = next_link(resp.headers.get("Link"), resp.url)
            if url and origin(url) != origin(base):
                raise InvalidResponse(
                    f"{ctx.registry} pointed the next page of the {key} list to another host; "
                    "stopped there."
                )
            if url in seen:
                break

    # -- referrers -----------------------------------------------------------------------------
    def referrers(self, ref: Reference) -> Referrers:
        """What refers to `ref.digest`: the referrers API, else the `sha256-<hex>` tag schema and
        cosign's legacy `.sig` / `.att` / `.sbom` tags (PROTOCOL §5)."""
        digest = ref.digest
        if not digest:
            raise ValueError("referrers need a digest")
        ctx = RequestContext(ref.registry, "referrers", ref.repository, digest)
        scopes = (repository_scope(ref.repository, "pull"),)
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
                return Referrers(index.manifests, "referrers API")
        found: list[Descriptor] = []
        fallback_tag = digest.replace(":", "-")
        try:
            fetched = self.get_manifest(ref.with_tag(fallback_tag))
        except NotFound:
            fetched = None
        if fetched is not None and isinstance(fetched.manifest, ImageIndex):
            found += fetched.manifest.manifests
        for suffix, kind in COSIGN_SUFFIXES:
            head = self.transport.request(
                "HEAD",
                RequestContext(ref.registry, "manifest", ref.repository, fallback_tag + suffix),
                f"/v2/{ref.repository}/manifests/{fallback_tag}{suffix}",
                scopes=scopes,
                accept=mt.MANIFEST_ACCEPT,
                ok_statuses=frozenset({404}),
            )
            tag_digest = head.headers.get("Docker-Content-Digest")
            if head.status == 200 and tag_digest:
                size = head.headers.get("Content-Length", "0")
                found.append(
                    Descriptor(
                        media_type=mt.base_type(head.content_type or ""),
                        digest=tag_digest,
                        size=int(size) if size.isdigit() else 0,
                        annotations={"org.opencontainers.image.ref.name": fallback_tag + suffix},
                        artifact_type=kind,
                    )
                )
        return Referrers(tuple(found), "tag fallback")


def _names(doc: Any, key: str) -> list[str]:
    items = doc.get(key) if isinstance(doc, dict) else None
    return [x for x in items if isinstance(x, str) and x.strip()] if isinstance(items, list) else []


def next_link(header: str | None, current_url: str) -> str | None:
    """The `rel="next"` target of a Link header, resolved against the current URL."""
    if not header:
        return None
    match = _LINK_NEXT.search(header)
    return urljoin(current_url, match.group(1)) if match else None
