"""What the app asks of a registry: manifests (verified), config blobs, tags, catalog, sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from requests.structures import CaseInsensitiveDict

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.auth import CATALOG_SCOPE, Access, Token, repository_scope
from acr_desktop.registry.content_cache import ContentCache
from acr_desktop.registry.digest import (
    digest_algorithm,
    manifest_digest,
    manifest_matches,
    verify,
)
from acr_desktop.registry.errors import (
    DigestMismatch,
    InvalidResponse,
    NotFound,
    RegistryError,
    TooLarge,
)
from acr_desktop.registry.manifest import Descriptor, Manifest, parse_manifest
from acr_desktop.registry.problems import RequestContext, looks_like_registry, not_a_registry
from acr_desktop.registry.redaction import quotable
from acr_desktop.registry.reference import Reference
from acr_desktop.registry.sending import MAX_LIST_PAGE_BYTES, MiB, Response
from acr_desktop.registry.transport import Transport

if TYPE_CHECKING:  # imported when first used: an inspect from the CLI needs neither
    from acr_desktop.registry.acr import ManifestInfo, TagInfo
    from acr_desktop.registry.image_config import ImageConfig
    from acr_desktop.registry.listing import Listings, Pages, Referrers

MAX_MANIFEST_BYTES = 4 * MiB
MAX_CONFIG_BYTES = 4 * MiB


@dataclass(frozen=True)
class FetchedManifest:
    """A manifest as received: exact bytes, their digest, and how that digest was checked."""

    reference: Reference  # with `digest` set to the computed digest
    raw: bytes
    digest: str
    media_type: str
    manifest: Manifest
    header_digest: str | None  # Docker-Content-Digest, advisory
    verified_by: str  # "requested digest", "Docker-Content-Digest", or "" (nothing to compare)
    warnings: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return bool(self.verified_by)

    @property
    def header_mismatch(self) -> bool:
        return self.header_digest is not None and not manifest_matches(
            self.raw, self.media_type, self.header_digest
        )


@dataclass(frozen=True)
class FetchedConfig:
    raw: bytes
    config: ImageConfig


@dataclass(frozen=True)
class NeedRow:
    """One view and the scope it needs; `granted` from the token (None: it does not say)."""

    view: str  # "Inspect images", "Tag times, sizes from ACR", "Repository list"
    scope: str  # e.g. repository:team/app:pull
    granted: bool | None


VIEW_INSPECT = "Inspect images"
VIEW_METADATA = "Tag times, sizes from ACR"
VIEW_CATALOG = "Repository list"


def view_scopes(repository: str | None) -> tuple[tuple[str, str], ...]:
    """(view, scope) for each view a sign-in is checked for: the repository's views only when a
    repository is named."""
    rows = [(VIEW_CATALOG, CATALOG_SCOPE)]
    if repository:
        rows[:0] = [
            (VIEW_INSPECT, repository_scope(repository, "pull")),
            (VIEW_METADATA, repository_scope(repository, "metadata_read")),
        ]
    return tuple(rows)


@dataclass(frozen=True)
class SignInResult:
    registry: str
    scheme: str  # "bearer", "basic" or "none"
    granted: tuple[Access, ...] | None  # from the token, when it says
    needs: tuple[NeedRow, ...] = ()  # per view: what it needs, and whether the token grants it

    def describe(self) -> str:
        if self.scheme == "none":
            return f"{self.registry} needs no sign-in."
        if self.granted is None:
            return f"Signed in to {self.registry}."
        if not self.granted:
            return f"Signed in to {self.registry}, but the token grants nothing here."
        return "Granted: " + "; ".join(str(a) for a in self.granted) + "."


class RegistryClient:
    """What the app asks of registries, over one `Transport` (many registries)."""

    def __init__(self, transport: Transport | None = None) -> None:
        self.transport = transport or Transport()
        self.cache = ContentCache()
        self._listings: Listings | None = None

    @property
    def listings(self) -> Listings:
        if self._listings is None:
            from acr_desktop.registry.listing import Listings

            self._listings = Listings(
                self.transport, lambda ref: self.get_manifest(ref, known_repository=True).manifest
            )
        return self._listings

    # -- lists (see listing.py) ----------------------------------------------------------------
    def iter_tags(self, registry: str, repository: str) -> Pages[str]:
        """Tags page by page; after the loop, `.notice` says if the list was cut short."""
        return self.listings.iter_tags(registry, repository)

    def iter_catalog(self, registry: str) -> Pages[str]:
        return self.listings.iter_catalog(registry)

    def iter_acr_tags(
        self, registry: str, repository: str, *, orderby: str = "timedesc"
    ) -> Pages[TagInfo]:
        return self.listings.iter_acr_tags(registry, repository, orderby=orderby)

    def iter_acr_manifests(
        self, registry: str, repository: str, *, orderby: str = "timedesc"
    ) -> Pages[ManifestInfo]:
        """ACR's manifest metadata (size, platform, tags) page by page; needs metadata_read."""
        return self.listings.iter_acr_manifests(registry, repository, orderby=orderby)

    def answers_acr(self, registry: str) -> bool:
        """Whether `registry` is an Azure Container Registry: by its host name, or because it
        answered ACR's metadata API in this session (a custom domain)."""
        from acr_desktop.registry.acr import is_acr_host

        return is_acr_host(registry) or registry in self.listings.acr_registries

    def acr_tags_of(self, registry: str, repository: str, digest: str) -> list[TagInfo]:
        return self.listings.acr_tags_of(registry, repository, digest)

    def referrers(self, ref: Reference, *, cosign_tags: tuple[str, ...] | None = None) -> Referrers:
        return self.listings.referrers(ref, cosign_tags=cosign_tags)

    # -- manifests -----------------------------------------------------------------------------
    def get_manifest(self, ref: Reference, *, known_repository: bool = False) -> FetchedManifest:
        """GET a manifest by tag or digest, with every manifest type in Accept. A 404 asks
        whether the repository exists (one more request) unless `known_repository`."""
        key = (ref.registry, ref.repository, ref.digest or "")
        cached = self.cache.get(key) if ref.digest else None
        if cached is not None:
            raw, content_type = cached
            headers = CaseInsensitiveDict({"Content-Type": content_type or ""})
            return self._verified_manifest(ref, Response(200, headers, raw, ""))
        ctx = RequestContext(ref.registry, "manifest", ref.repository, ref.target)
        try:
            resp = self.transport.request(
                "GET",
                ctx,
                f"/v2/{ref.repository}/manifests/{quote(ref.target, safe=':')}",
                scopes=(repository_scope(ref.repository, "pull"),),
                accept=mt.MANIFEST_ACCEPT,
                max_bytes=MAX_MANIFEST_BYTES,
            )
        except NotFound as exc:
            if exc.what in ("tag", "manifest") and not known_repository:
                self._raise_if_no_repository(ref)
            raise
        if not looks_like_registry(resp):
            raise not_a_registry(resp, ctx)
        if not resp.body:
            raise InvalidResponse(
                f"{ref.registry} answered the request for the manifest of {ref} with an empty body."
            )
        fetched = self._verified_manifest(ref, resp)
        # Kept by the digest of the bytes received (the one asked for, when by digest): a later
        # request by that digest (the referrers' subject, a platform) needs no round trip.
        self.cache.put((ref.registry, ref.repository, fetched.digest), resp.body, resp.content_type)
        return fetched

    def _raise_if_no_repository(self, ref: Reference) -> None:
        """Distribution says MANIFEST_UNKNOWN even when the repository is missing: ask which."""
        ctx = RequestContext(ref.registry, "tags", ref.repository)
        try:
            self.transport.request(
                "GET",
                ctx,
                f"/v2/{ref.repository}/tags/list?n=1",
                scopes=(repository_scope(ref.repository, "pull"),),
                max_bytes=MAX_LIST_PAGE_BYTES,
            )
        except NotFound as exc:
            if exc.what == "repository":
                raise
        except RegistryError:
            pass  # no better answer: keep the original error

    def _verified_manifest(self, ref: Reference, resp: Response) -> FetchedManifest:
        raw = resp.body
        # Server text, shown as is by the CLI and the window: printable and bounded.
        header = quotable(resp.headers.get("Docker-Content-Digest") or "", limit=200) or None
        warnings: list[str] = []
        if ref.digest:
            # a signed schema 1 manifest: the digest of its payload (digest.digested_bytes)
            digest = manifest_digest(raw, resp.content_type, digest_algorithm(ref.digest))
            if digest != ref.digest:
                raise DigestMismatch(
                    f"The registry answered {ref.digest} with a manifest that hashes to {digest}: "
                    "it is not the manifest that was asked for.",
                    expected=ref.digest,
                    actual=digest,
                )
            verified_by = "requested digest"
        else:
            digest = manifest_digest(raw, resp.content_type)
            verified_by = ""
        if header:
            if manifest_matches(raw, resp.content_type, header):
                verified_by = verified_by or "Docker-Content-Digest"
            else:
                warnings.append(
                    f"The registry says the digest is {header}, but the bytes received hash to "
                    f"{digest}."
                )
        manifest, parse_warnings = parse_manifest(raw, resp.content_type)
        warnings += parse_warnings
        media = getattr(manifest, "media_type", "") or mt.base_type(resp.content_type or "")
        return FetchedManifest(
            reference=ref.with_digest(digest) if ref.digest != digest else ref,
            raw=raw,
            digest=digest,
            media_type=media,
            manifest=manifest,
            header_digest=header,
            verified_by=verified_by,
            warnings=tuple(warnings),
        )

    def get_child(self, parent: Reference, entry: Descriptor) -> FetchedManifest:
        """Fetch an index entry by its digest (verified), keeping the parent's tag for display."""
        fetched = self.get_manifest(parent.with_digest(entry.digest))
        if len(fetched.raw) != entry.size:
            raise DigestMismatch(
                f"The manifest {entry.digest} is {len(fetched.raw)} bytes, but the index says "
                f"{entry.size}.",
                expected=entry.digest,
                actual=fetched.digest,
            )
        return fetched

    # -- blobs ---------------------------------------------------------------------------------
    def get_blob(self, ref: Reference, descriptor: Descriptor, *, max_bytes: int) -> bytes:
        """A small blob, verified against its descriptor's size and digest."""
        if descriptor.size > max_bytes:
            raise TooLarge(
                f"The blob {descriptor.digest} is {descriptor.size:,} bytes; at most "
                f"{max_bytes:,} are read here.",
                limit=max_bytes,
            )
        key = (ref.registry, ref.repository, descriptor.digest)
        cached = self.cache.get(key)
        if cached is not None:
            return cached[0]
        ctx = RequestContext(ref.registry, "blob", ref.repository, descriptor.digest)
        resp = self.transport.request(
            "GET",
            ctx,
            f"/v2/{ref.repository}/blobs/{descriptor.digest}",
            scopes=(repository_scope(ref.repository, "pull"),),
            max_bytes=max_bytes,
        )
        if not resp.body and descriptor.size:
            raise InvalidResponse(
                f"{ref.registry} answered the request for the blob {descriptor.digest} with an "
                "empty body."
            )
        verify(resp.body, descriptor.digest, size=descriptor.size, what="blob")
        self.cache.put(key, resp.body, None)
        return resp.body

    def get_config(self, ref: Reference, descriptor: Descriptor) -> FetchedConfig:
        from acr_desktop.registry.image_config import parse_config

        raw = self.get_blob(ref, descriptor, max_bytes=MAX_CONFIG_BYTES)
        return FetchedConfig(raw, parse_config(raw))

    # -- sign-in -------------------------------------------------------------------------------
    def sign_in(self, registry: str, repository: str | None = None) -> SignInResult:
        """Check credentials the way an inspect would: challenge, token, and what it grants.
        One token is asked for every view's scope at once (pull and metadata_read on
        `repository`, the catalog); a token service grants what it allows of them, and
        `needs` says, per view, whether that was granted."""
        transport = self.transport
        transport.tokens.invalidate(registry)
        ctx = RequestContext(registry, "ping")
        views = view_scopes(repository)
        scopes: tuple[str, ...] = (CATALOG_SCOPE,)
        if repository:
            scopes = (repository_scope(repository, "pull", "metadata_read"), CATALOG_SCOPE)
        answer = transport.request("GET", ctx, "/v2/", scopes=scopes, max_bytes=MiB)
        if not looks_like_registry(answer):
            raise not_a_registry(answer, ctx)
        challenge = transport.challenge(registry)
        unknown = tuple(NeedRow(view, scope, None) for view, scope in views)
        if challenge is None:
            return SignInResult(registry, "none", None, unknown)
        if challenge.scheme == "basic":
            return SignInResult(registry, "basic", None, unknown)
        token: Token | None = transport.tokens.get(registry, frozenset(scopes))
        granted = token.granted if token else None
        if granted is None:
            return SignInResult(registry, "bearer", None, unknown)
        needs = tuple(
            NeedRow(view, scope, any(a.allows(scope) for a in granted)) for view, scope in views
        )
        return SignInResult(registry, "bearer", granted, needs)


__all__ = [
    "ContentCache",
    "FetchedConfig",
    "FetchedManifest",
    "NeedRow",
    "RegistryClient",
    "SignInResult",
]
