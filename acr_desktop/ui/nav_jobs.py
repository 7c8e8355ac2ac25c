"""The navigator's listings as plain functions run in the worker: a registry's repositories and
a repository's tags (ACR's metadata when it answers, else the standard list), page by page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from acr_desktop.registry import errors
from acr_desktop.ui.tag_order import name_order
from acr_desktop.ui.tags_model import MAX_TAGS

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.listing import Pages

Report = Callable[[object], None]


@dataclass(frozen=True)
class TagsResult:
    """What the tags job returns: the version order (ascending indices of versions, then of
    words, then of fallback tags), whether ACR's metadata listed them, a note on why not, and
    the cap notice."""

    versions: list[int]
    words: list[int]
    fallbacks: list[int]
    acr: bool
    note: str | None
    notice: str | None


def collect(pages: Pages[Any], into: list[Any], report: Report, cap: int) -> str | None:
    """Every page into `into` and to `report`, up to `cap`; the sentence if the list was cut
    short (the core's, or ours)."""
    for whole in pages:
        page = whole[: cap - len(into)]
        into += page
        if page:
            report(page)
        if len(page) < len(whole):  # more than the window keeps
            return pages.notice or f"Stopped after {cap:,} tags."
    return pages.notice


def list_catalog(client: RegistryClient, host: str, report: Report) -> int:
    """Report each page of `host`'s repositories; how many there were."""
    count = 0
    for page in client.iter_catalog(host):
        count += len(page)
        report(page)
    return count


def list_tags(
    client: RegistryClient, host: str, repository: str, try_acr: bool | None, report: Report
) -> TagsResult:
    """Report each page of `repository`'s tags (TagInfo from ACR, else names: the very objects
    shown); `None` reported means "start the list again" (an ACR listing broke off part-way)."""
    cap = MAX_TAGS  # as it is now (tests lower it)
    tags: list[Any] = []
    note = notice = None
    acr = False
    if try_acr is not False:
        try:
            notice = collect(client.iter_acr_tags(host, repository), tags, report, cap)
            acr = True
        except (errors.AccessDenied, errors.AuthenticationRequired) as exc:
            note = metadata_note(repository, exc)
        except (errors.NotFound, errors.ServerError, errors.InvalidResponse):
            pass  # not an ACR, or a classic one without /acr/v1 (405): the standard API
    if not acr:
        if tags:
            report(None)
        tags = []
        notice = collect(client.iter_tags(host, repository), tags, report, cap)
    order = name_order([t.name for t in tags] if acr else tags)
    return TagsResult(order.versions, order.words, order.fallbacks, acr, note, notice)


def metadata_note(repository: str, exc: errors.RegistryError) -> str:
    """Why the tag list is the plain one: ACR's metadata was refused (the metadata_read wall)."""
    note = (
        "Showing the plain tag list: times, digests, signing and locks need the metadata_read "
        f"permission on {repository} ({errors.METADATA_HOLDERS})."
    )
    if not any(p.action == "metadata_read" for p in exc.missing):
        note += f" ({exc.sentence})"  # refused for another reason: say which
    return note
