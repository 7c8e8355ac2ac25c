"""Content digests, always computed from the exact bytes (a signed schema 1 manifest: from the
exact bytes of its signed payload)."""

from __future__ import annotations

import hashlib

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.errors import DigestMismatch, InvalidReference
from acr_desktop.registry.json_doc import clean_text
from acr_desktop.registry.schema1 import covered_payload

_ALGORITHMS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


def compute_digest(data: bytes, algorithm: str = "sha256") -> str:
    """`algorithm:hex` of `data`; InvalidReference (a ValueError) for an algorithm we lack."""
    try:
        hasher = _ALGORITHMS[algorithm]
    except KeyError:
        shown = clean_text(algorithm)
        raise InvalidReference(
            f"Digest algorithm “{shown}” is not supported (use sha256 or sha512).",
            part="digest",
            text=shown,
        ) from None
    return f"{algorithm}:{hasher(data).hexdigest()}"


def digest_algorithm(digest: str) -> str:
    return clean_text(digest.split(":", 1)[0])


def matches(data: bytes, digest: str) -> bool:
    algorithm = digest_algorithm(digest)
    return algorithm in _ALGORITHMS and compute_digest(data, algorithm) == digest


def verify(data: bytes, digest: str, *, size: int | None, what: str) -> None:
    """Raise DigestMismatch unless `data` has `size` bytes and hashes to `digest`."""
    digest = clean_text(digest)  # quoted in the sentence, which must be printable
    actual = (
        compute_digest(data, digest_algorithm(digest))
        if digest_algorithm(digest) in _ALGORITHMS
        else "unsupported"
    )
    if size is not None and len(data) != size:
        raise DigestMismatch(
            f"The {what} is {len(data)} bytes but its descriptor says {size}: "
            "the registry sent something else than what was described.",
            expected=digest,
            actual=actual,
        )
    if actual != digest:
        raise DigestMismatch(
            f"The {what} does not match its digest {digest} (it hashes to {actual}): "
            "the registry sent something else than what was asked for.",
            expected=digest,
            actual=actual,
        )


def digested_bytes(raw: bytes, content_type: str | None) -> bytes:
    """The bytes a manifest's digest is computed over: the bytes themselves, except for a signed
    schema 1 manifest, whose digest covers its JWS payload (schema1.py). InvalidResponse when a
    schema 1 manifest's signatures are unreadable, or it holds more than its payload."""
    media = mt.base_type(content_type or "")
    if media in mt.SCHEMA1_TYPES or (
        media not in mt.INDEX_TYPES | mt.IMAGE_TYPES and b'"signatures"' in raw
    ):
        payload = covered_payload(raw)
        if payload is not None:
            return payload
    return raw


def manifest_digest(raw: bytes, content_type: str | None, algorithm: str = "sha256") -> str:
    """The digest a registry gives a manifest received with `content_type` (see digested_bytes)."""
    return compute_digest(digested_bytes(raw, content_type), algorithm)


def manifest_matches(raw: bytes, content_type: str | None, digest: str) -> bool:
    return matches(digested_bytes(raw, content_type), digest)
