"""Content digests, always computed from the exact bytes."""

from __future__ import annotations

import hashlib

from acr_desktop.registry.errors import DigestMismatch, InvalidReference
from acr_desktop.registry.json_doc import clean_text

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
