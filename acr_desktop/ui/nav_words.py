"""What the navigator says about its lists: counts that follow the filter ("12 of 304 tags"),
correct plurals, and the names of the `sha256-…` tags that are not ordinary tags."""

from __future__ import annotations

from collections.abc import Mapping

from acr_desktop.text import plural, short_digest
from acr_desktop.ui.tag_order import fallback_kind, fallback_subject

# fallback kind → (one, many, "… of <digest>")
KINDS: dict[str, tuple[str, str, str]] = {
    ".sig": ("signature", "signatures", "signature of"),
    ".att": ("attestation", "attestations", "attestation of"),
    ".sbom": ("SBOM", "SBOMs", "SBOM of"),
    "": ("referrers index", "referrers indexes", "referrers of"),
}
STOPPED = "Stopped before the end of the list."


def counted(shown: int, total: int, one: str, many: str) -> str:
    """`304 tags`, `1 tag`, or `12 of 304 tags` when a filter hides some."""
    if shown < total:
        return f"{shown:,} of {plural(total, one, many)}"
    return plural(total, one, many)


def tag_count(shown: int, total: int, kinds: Mapping[str, int]) -> str:
    """`12 of 304 tags · 3 signatures`: ordinary tags (as filtered), then each kind of fallback
    tag, which are not counted as tags."""
    parts = [counted(shown, total, "tag", "tags")]
    for kind, (one, many, _of) in KINDS.items():
        if kinds.get(kind):
            parts.append(plural(kinds[kind], one, many))
    return " · ".join(parts)


def repository_count(shown: int, total: int) -> str:
    return counted(shown, total, "repository", "repositories")


def fallback_label(name: str) -> str | None:
    """`signature of sha256:0123456789ab` for a fallback tag; None for an ordinary tag."""
    kind = fallback_kind(name)
    if kind is None:
        return None
    return f"{KINDS[kind][2]} {short_digest(fallback_subject(name))}"


def fallback_tooltip(name: str) -> str | None:
    """The tag's name and what it stands for, for a fallback tag."""
    kind = fallback_kind(name)
    if kind is None:
        return None
    subject = fallback_subject(name)
    if not kind:
        return f"{name}\nThe list of what refers to {subject} (the referrers tag schema)."
    return f"{name}\nThe {KINDS[kind][0]} of {subject}, kept under a tag (as cosign does)."
