"""The texts people copy: digests, pinned references and pull lines (no Qt here)."""

from __future__ import annotations

from acr_desktop.registry.reference import Reference


def pinned(ref: Reference, digest: str) -> str:
    """`registry/repo@sha256:…` — what a deployment file should say."""
    return f"{ref.registry}/{ref.repository}@{digest}"


def tag_and_digest(ref: Reference, digest: str) -> str:
    """`registry/repo:tag@sha256:…` — pinned, and still readable."""
    tag = f":{ref.tag}" if ref.tag else ""
    return f"{ref.registry}/{ref.repository}{tag}@{digest}"


def pull_line(ref: Reference, digest: str) -> str:
    return f"docker pull {pinned(ref, digest)}"


COPY_FORMATS: tuple[tuple[str, str], ...] = (
    ("digest", "Copy digest"),
    ("pinned", "Copy pinned reference (repo@digest)"),
    ("tag_digest", "Copy reference with tag and digest"),
    ("pull", "Copy docker pull command"),
)


def render(kind: str, ref: Reference, digest: str) -> str:
    if kind == "digest":
        return digest
    if kind == "pinned":
        return pinned(ref, digest)
    if kind == "tag_digest":
        return tag_and_digest(ref, digest)
    if kind == "pull":
        return pull_line(ref, digest)
    raise ValueError(kind)
