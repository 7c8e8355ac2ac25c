"""Every typed error from the core as one sentence plus the next step a person can take."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from acr_desktop.registry import errors


class NextStep(Enum):
    NONE = ""
    SIGN_IN = "Sign in again"
    RETRY = "Retry"
    EDIT = "Fix the reference"
    SETTINGS = "Connection settings"


@dataclass(frozen=True)
class Message:
    text: str
    step: NextStep
    level: str = "error"  # "error" or "warning"
    correlation_id: str | None = None  # the registry's id for its answer, for support


def catalog_wall(exc: BaseException | None, acr: bool) -> str:
    """Why a registry's repositories are not listed for this sign-in (refused, or an empty
    list from a scope-map token) and what to do instead."""
    if exc is None:  # an empty list: an empty registry, or a token that may list nothing
        return (
            "The registry listed no repositories: it may be empty, or this sign-in may not list "
            "them (an ACR token's scope map must cover every repository). "
            f"{errors.catalog_advice(acr)}"
        )
    said = ""
    if isinstance(exc, errors.RegistryError):
        acr = acr or "aka.ms/acr" in (exc.message or "")  # ACR behind a custom domain
        if not any(p.is_catalog for p in exc.missing):
            said = f" ({exc.sentence})"
    return (
        f"This sign-in cannot list the registry's repositories.{said} {errors.catalog_advice(acr)}"
    )


def rate_limited(seconds: float, attempt: int) -> Message:
    """The registry answered 429: the worker waits `seconds` before retry number `attempt`."""
    return Message(
        f"The registry is limiting requests. Retrying in {seconds:.0f} s (attempt {attempt})…",
        NextStep.NONE,
        "warning",
    )


def describe(exc: BaseException) -> Message:
    """The sentence and next step for `exc`, with the registry's correlation id when it sent
    one."""
    message = _describe(exc)
    if isinstance(exc, errors.RegistryError) and exc.correlation_id:
        return Message(message.text, message.step, message.level, exc.correlation_id)
    return message


def _describe(exc: BaseException) -> Message:
    if isinstance(exc, errors.InvalidReference):
        return Message(str(exc), NextStep.EDIT)
    if isinstance(exc, errors.AuthenticationRequired):
        return Message(str(exc), NextStep.SIGN_IN)
    if isinstance(exc, errors.AccessDenied):
        if exc.missing and "ask for" in exc.sentence.lower():  # the sentence says whom to ask
            return Message(str(exc), NextStep.SIGN_IN)
        return Message(
            f"{exc} Ask for access, or sign in with an account that has it.", NextStep.SIGN_IN
        )
    if isinstance(exc, errors.NotFound):
        hint = {
            "repository": " Check the repository name (names are lower case).",
            "tag": " Check the tag, or browse the repository's tags.",
        }.get(exc.what, "")
        return Message(f"{exc}{hint}", NextStep.EDIT)
    if isinstance(exc, errors.RateLimited):
        return Message(str(exc), NextStep.RETRY)
    if isinstance(exc, errors.TLSFailure):
        return Message(str(exc), NextStep.SETTINGS)  # the sentence names the setting that fixes it
    if isinstance(exc, errors.RegistryUnreachable):
        return Message(f"{exc} Check the host name and your network or proxy.", NextStep.RETRY)
    if isinstance(exc, errors.DigestMismatch):
        return Message(
            f"{exc} Do not trust this content; try again, or report it to the registry owner.",
            NextStep.RETRY,
        )
    if isinstance(exc, errors.TooLarge):
        return Message(str(exc), NextStep.NONE)
    if isinstance(exc, errors.RegistryError):
        return Message(str(exc), NextStep.RETRY)
    # Not a registry error: a bug. Say so without dumping internals (they may hold anything).
    return Message(
        f"Something unexpected went wrong ({type(exc).__name__}). The app is still usable.",
        NextStep.RETRY,
    )
