"""In-toto statements (plain or in a DSSE envelope) and the SLSA provenance they carry, read into
what a person asks of it: who built it, from which source and commit, when, with which
parameters (target, platform, frontend, build arguments) and from which materials. SLSA v0.2 and
v1 predicates, with BuildKit's extensions (`https://mobyproject.org/buildkit@v1#metadata`,
`buildkit_metadata`). sbom.py reads SBOM predicates through `read_statement` too.

Bounded: documents over a cap are not read (TooLargeDocument), values are cleaned and cut
(`field_text`), URLs lose any user:password part and build arguments whose names look secret
have their values hidden. Linear in the size of the document.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.errors import InvalidResponse, TooLarge
from acr_desktop.registry.json_doc import clean_text, load_json
from acr_desktop.registry.redaction import HIDDEN, quotable
from acr_desktop.registry.sending import MiB

if TYPE_CHECKING:
    pass

MAX_PROVENANCE_BYTES = 32 * MiB  # BuildKit's mode=max holds the whole LLB graph
MAX_FIELD = 512  # characters of a value by default
MAX_BUILD_ARGS = 32
MAX_MATERIALS = 1000
MAX_VALUE = 300  # characters of a parameter's value
IN_TOTO = "application/vnd.in-toto+json"
DSSE = "application/vnd.dsse.envelope.v1+json"
BUILDKIT_METADATA = "https://mobyproject.org/buildkit@v1#metadata"

_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@?#]*@")
_SECRET_NAME = re.compile(r"(?i)token|secret|passw|pwd|key|credential|auth|cookie|session")
_PLATFORM = re.compile(r"[?&]platform=([^&#]*)")
_COMMIT_KEYS = ("sha1", "gitCommit")  # a sha256 of a config source is a tarball's, not a commit
_DIGEST_ORDER = ("sha256", "sha512", "sha1", "gitCommit")


class TooLargeDocument(TooLarge, InvalidResponse):
    """An SBOM or provenance document bigger than the app reads: a TooLarge (what it is) that is
    also an InvalidResponse (where a parser's caller looks for a document it cannot show)."""


class NotProvenance(InvalidResponse):
    """The document or artifact holds no SLSA provenance."""


@dataclass(frozen=True)
class Provenance:
    predicate: str  # the predicate type, e.g. "https://slsa.dev/provenance/v1"
    builder: str | None
    source_repo: str | None
    source_commit: str | None
    started: str | None
    finished: str | None
    parameters: tuple[tuple[str, str], ...]  # ("target", "release"), ("build-arg:GO", "1.22")
    materials: tuple[tuple[str, str], ...]  # (uri, "sha256:…")
    notice: str | None = None  # "Showing 1,000 of 1,204 materials." …

    @property
    def version(self) -> str:
        """ "v1", "v0.2" … from the predicate type."""
        return self.predicate.rstrip("/").rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        return f"SLSA provenance {self.version}"

    def describe(self) -> str:
        """One line: "SLSA provenance v1 — built by X from REPO at COMMIT, START to END"."""
        parts = [self.label]
        if self.builder:
            parts.append(f"built by {self.builder}")
        if self.source_repo:
            at = f" at {self.source_commit[:12]}" if self.source_commit else ""
            parts.append(f"from {self.source_repo}{at}")
        if self.started or self.finished:
            parts.append(f"{self.started or '?'} to {self.finished or '?'}")
        return parts[0] + (" — " + ", ".join(parts[1:]) if len(parts) > 1 else "")


@dataclass(frozen=True)
class Statement:
    """An in-toto statement: what its predicate is, the predicate, and its subjects' names."""

    predicate_type: str
    predicate: Any
    subjects: tuple[str, ...]


# -- in-toto -------------------------------------------------------------------------
def load_document(raw: bytes, *, what: str, limit: int) -> Any:
    """Bounded JSON of an attached document; TooLargeDocument past `limit` bytes."""
    if len(raw) > limit:
        raise TooLargeDocument(too_large_sentence(what, len(raw), limit), limit=limit)
    return load_json(raw, what=what)


def too_large_sentence(what: str, size: int, limit: int) -> str:
    return (
        f"The {what} is {size:,} bytes; documents are read up to {limit // MiB} MiB, so it is "
        "not shown."
    )


def read_statement(document: Any) -> Statement | None:
    """The in-toto statement `document` is, or wraps in a DSSE envelope; None when it is neither.
    InvalidResponse when an envelope or statement is broken (payload not base64, no predicate)."""
    if not isinstance(document, dict):
        return None
    if "payload" in document and "payloadType" in document:
        document = _open_envelope(document)
        if not isinstance(document, dict):
            raise InvalidResponse("The DSSE envelope's payload is not a JSON object.")
    kind = document.get("_type")
    is_statement = isinstance(kind, str) and "in-toto.io/Statement" in kind
    if not is_statement and not ("predicateType" in document and "predicate" in document):
        return None
    predicate_type = document.get("predicateType")
    if not isinstance(predicate_type, str) or not predicate_type:
        raise InvalidResponse("The in-toto statement does not say what its predicate is.")
    if "predicate" not in document:
        raise InvalidResponse("The in-toto statement has no predicate.")
    subjects = document.get("subject")
    names = (
        tuple(
            s["name"]
            for s in islice(subjects, 16)
            if isinstance(s, dict) and isinstance(s.get("name"), str)
        )
        if isinstance(subjects, list)
        else ()
    )
    return Statement(field_text(predicate_type, 2048), document["predicate"], names)


def _open_envelope(envelope: dict[str, Any]) -> Any:
    payload_type = envelope.get("payloadType")
    if not isinstance(payload_type, str) or mt.base_type(payload_type) != IN_TOTO:
        shown = field_text(payload_type, 100) if isinstance(payload_type, str) else "nothing"
        raise InvalidResponse(f"The DSSE envelope carries “{shown}”, not an in-toto statement.")
    # Taken out of the envelope, so that its text is freed before the statement is read.
    payload = envelope.pop("payload")
    if not isinstance(payload, str):
        raise InvalidResponse("The DSSE envelope's payload is not text.")
    payload = payload.strip().replace("-", "+").replace("_", "/")  # URL-safe alphabet too
    try:
        data = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidResponse("The DSSE envelope's payload is not valid base64.") from None
    del payload
    return load_json(data, what="in-toto statement in the DSSE envelope")


def predicate_kind(predicate_type: str) -> str | None:
    """ "sbom", "provenance" or None for an in-toto predicate type."""
    text = predicate_type.lower()
    if text.startswith(("https://spdx.dev/document", "https://cyclonedx.org/bom")):
        return "sbom"
    if text.startswith("https://slsa.dev/provenance/"):
        return "provenance"
    return None


def field_text(value: Any, limit: int = MAX_FIELD) -> str:
    """A document's value as one clean line: strings (numbers written as text), no control or
    bidi characters, at most `limit` characters (an ellipsis says it was cut); "" otherwise."""
    if type(value) is str:  # the fast path first: this runs for every field of every package
        text: str = value
    elif type(value) in (int, float):  # not bool: `true` is no version
        text = str(value)
    else:
        return ""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if not text.isprintable():  # control, format (bidi), separators and lone surrogates
        text = "".join(c if c.isprintable() else " " for c in clean_text(text))
    return text.strip()


@dataclass
class _Found:
    """What one predicate's reader found, before it is bounded and cleaned."""

    builder: Any = None
    config: dict[str, Any] = field(default_factory=dict)  # configSource: uri, digest, path
    entry_point: Any = None
    frontend: Any = None
    args: dict[str, Any] = field(default_factory=dict)
    builder_platform: Any = None
    started: Any = None
    finished: Any = None
    vcs: dict[str, Any] = field(default_factory=dict)
    workflow: dict[str, Any] = field(default_factory=dict)  # GitHub's SLSA generator
    materials: list[Any] = field(default_factory=list)


def parse_provenance(raw: bytes) -> Provenance:
    """An in-toto statement (plain or DSSE) with an SLSA v0.x or v1 predicate. NotProvenance /
    InvalidResponse with a sentence otherwise; TooLargeDocument past MAX_PROVENANCE_BYTES."""
    document = load_document(raw, what="provenance", limit=MAX_PROVENANCE_BYTES)
    statement = read_statement(document)
    if statement is None:
        raise NotProvenance("The document is not an in-toto statement, so not SLSA provenance.")
    kind = statement.predicate_type
    if predicate_kind(kind) != "provenance":
        raise NotProvenance(
            f"The in-toto statement's predicate is “{field_text(kind, 200)}”, not SLSA provenance."
        )
    predicate = statement.predicate
    if not isinstance(predicate, dict):
        raise InvalidResponse("The SLSA provenance predicate is not a JSON object.")
    version = kind.rstrip("/").rsplit("/", 1)[-1]
    found = _v1(predicate) if version.startswith("v1") else _v0(predicate)
    return _provenance(kind, found, _subject_platform(statement.subjects))


def _v0(pred: dict[str, Any]) -> _Found:
    """SLSA v0.2 (and v0.1, whose `recipe` holds what v0.2's `invocation` does)."""
    invocation = _obj(pred.get("invocation")) or _obj(pred.get("recipe"))
    config = _obj(invocation.get("configSource"))
    parameters = _obj(invocation.get("parameters"))
    metadata = _obj(pred.get("metadata"))
    return _Found(
        builder=_obj(pred.get("builder")).get("id"),
        config=config,
        entry_point=config.get("entryPoint") or invocation.get("entryPoint"),
        frontend=parameters.get("frontend"),
        args=_obj(parameters.get("args")),
        builder_platform=_obj(invocation.get("environment")).get("platform"),
        started=metadata.get("buildStartedOn"),
        finished=metadata.get("buildFinishedOn"),
        vcs=_obj(_obj(metadata.get(BUILDKIT_METADATA)).get("vcs")),
        materials=_list(pred.get("materials")),
    )


def _v1(pred: dict[str, Any]) -> _Found:
    definition = _obj(pred.get("buildDefinition"))
    run = _obj(pred.get("runDetails"))
    external = _obj(definition.get("externalParameters"))
    config = _obj(external.get("configSource"))
    request = _obj(external.get("request"))
    metadata = _obj(run.get("metadata"))
    return _Found(
        builder=_obj(run.get("builder")).get("id"),
        config=config,
        entry_point=config.get("path"),
        frontend=request.get("frontend"),
        args=_obj(request.get("args")) or external,  # other build types: target, platform …
        builder_platform=_obj(definition.get("internalParameters")).get("builderPlatform"),
        started=metadata.get("startedOn"),
        finished=metadata.get("finishedOn"),
        vcs=_obj(_obj(metadata.get("buildkit_metadata")).get("vcs")),
        workflow=_obj(external.get("workflow")),
        materials=_list(definition.get("resolvedDependencies")),
    )


def _provenance(kind: str, found: _Found, subject_platform: str) -> Provenance:
    materials = tuple(_materials(found.materials))
    repo, commit = _source(found, materials)
    notices = []
    if len(found.materials) > MAX_MATERIALS:
        notices.append(f"Showing {MAX_MATERIALS:,} of {len(found.materials):,} materials.")
    parameters, more_args = _parameters(found, subject_platform)
    if more_args:
        notices.append(f"{more_args:,} more build arguments are not shown.")
    return Provenance(
        predicate=field_text(kind, 200),
        builder=_url(found.builder) or None,
        source_repo=repo or None,
        source_commit=commit or None,
        started=field_text(found.started, 64) or None,
        finished=field_text(found.finished, 64) or None,
        parameters=parameters,
        materials=materials,
        notice=" ".join(notices) or None,
    )


def _source(found: _Found, materials: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """Repository and commit: the config source (verified by BuildKit), GitHub's workflow
    parameters, then the `vcs` hints (BuildKit's metadata, `vcs:` build options)."""
    repo = _url(found.config.get("uri")) or _url(found.workflow.get("repository"))
    commit = _digest_value(_obj(found.config.get("digest")), _COMMIT_KEYS)
    if not repo:
        repo = _url(found.vcs.get("source")) or _url(found.args.get("vcs:source"))
    if not commit:
        commit = field_text(found.vcs.get("revision"), 128) or field_text(
            found.args.get("vcs:revision"), 128
        )
    if repo and not commit:  # GitHub's generator: `git+<repository>@<ref>` among the materials
        bare = "git+" + repo.removeprefix("git+").split("@", 1)[0].removesuffix(".git")
        commit = next((d.split(":", 1)[-1] for u, d in materials if u.startswith(bare) and d), "")
    return repo, commit


def _parameters(found: _Found, subject_platform: str) -> tuple[tuple[tuple[str, str], ...], int]:
    args = found.args
    named = [
        ("frontend", found.frontend),
        ("target", args.get("target")),
        ("platform", args.get("platform") or subject_platform),
        ("builder platform", found.builder_platform),
        ("file", found.entry_point or args.get("filename")),
        ("frontend image", args.get("source") or args.get("cmdline")),
        ("context", args.get("context")),
        ("workflow", found.workflow.get("path")),
        ("ref", found.workflow.get("ref")),
    ]
    out = [(k, _value(v)) for k, v in named if _value(v)]
    build_args = [(k, v) for k, v in args.items() if k.startswith("build-arg:")]
    for key, value in build_args[:MAX_BUILD_ARGS]:
        shown = HIDDEN if _SECRET_NAME.search(key[len("build-arg:") :]) else _value(value)
        out.append((field_text(key, 100), shown))
    return tuple(out), max(0, len(build_args) - MAX_BUILD_ARGS)


def _materials(entries: list[Any]) -> Iterator[tuple[str, str]]:
    for entry in islice(entries, MAX_MATERIALS):
        if isinstance(entry, dict):
            uri = _url(entry.get("uri")) or _url(entry.get("name"))
            digest = _obj(entry.get("digest"))
            algorithm = next((k for k in _DIGEST_ORDER if k in digest), None)
            algorithm = algorithm or next(iter(digest), None)
            value = _digest_value(digest, (algorithm,)) if algorithm else ""
            if uri or value:
                yield uri, f"{field_text(algorithm, 32)}:{value}" if value else ""


def _digest_value(digest: dict[str, Any], keys: tuple[str, ...]) -> str:
    return next((field_text(digest[k], 200) for k in keys if isinstance(digest.get(k), str)), "")


def _subject_platform(subjects: tuple[str, ...]) -> str:
    """BuildKit names the subject `pkg:docker/…?platform=linux%2Famd64`."""
    for name in subjects[:4]:
        match = _PLATFORM.search(name[:2048])
        if match:
            return unquote(match[1])
    return ""


def _url(value: Any) -> str:
    """A URL or other source text, without a user:password part, redacted and on one line."""
    if not isinstance(value, str):
        return ""
    return quotable(_USERINFO.sub(r"\1", value[:4096]), limit=1000)


def _value(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return quotable(str(value)[: MAX_VALUE * 8], limit=MAX_VALUE)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
