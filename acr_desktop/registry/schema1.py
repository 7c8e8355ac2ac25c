"""Docker image manifest schema 1 (deprecated): its digest, its layers and their history.

The digest of a signed schema 1 manifest (`…manifest.v1+prettyjws`) is not the hash of the bytes
received: registries re-sign on every GET, so the bytes change. It is the hash of the JWS payload,
the manifest without its `signatures` (libtrust's pretty signature: the first `formatLength`
bytes, then the base64url `formatTail` of each signature's protected header). That is what
Distribution sends as `Docker-Content-Digest` and what `name@sha256:…` means. An unsigned manifest
(`…manifest.v1+json`) is hashed as it is.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.json_doc import load_json

DEPRECATED = (
    "Docker schema 1 is a deprecated format (Docker stopped pushing it in 2017 and pulling it in "
    "2024): its layers have no sizes and its history is its only config. Rebuild or re-push the "
    "image to get a schema 2 or OCI manifest."
)


@dataclass(frozen=True)
class Schema1Layer:
    """One `fsLayers` entry with its `history[].v1Compatibility`, which schema 1 lists top first."""

    digest: str  # blobSum
    created: str | None = None
    created_by: str = ""  # container_config.Cmd, as `docker history` shows it
    empty: bool = False  # `throwaway`: a history step that added no files
    v1_id: str | None = None
    v1_compatibility: str = ""  # the step's JSON text, as received


@dataclass(frozen=True)
class Schema1Manifest:
    """Legacy schema 1: shown read-only; its layers have digests but no sizes."""

    media_type: str
    name: str
    tag: str
    architecture: str
    blob_sums: tuple[str, ...]  # as the document lists them: top layer first
    layers: tuple[Schema1Layer, ...] = ()  # base layer first, as skopeo and docker show them
    signatures: int = 0  # JWS signatures in the document (0: unsigned)

    @property
    def signed(self) -> bool:
        return self.signatures > 0

    @property
    def deprecated(self) -> str:
        return DEPRECATED


def signed_payload(raw: bytes) -> bytes | None:
    """The JWS payload of a signed schema 1 manifest, as libtrust computes it (what its digest
    is computed over), or None when `raw` is not a signed schema 1 manifest. InvalidResponse
    when the signatures disagree about the payload or their protected headers are unreadable."""
    signed = _signed(raw)
    return signed[1] if signed else None


def covered_payload(raw: bytes) -> bytes | None:
    """`signed_payload`, once it is certain that `raw` says nothing the payload does not: what
    the app shows is read from `raw`, so it must be what was hashed (see _check_covers)."""
    signed = _signed(raw)
    if signed is None:
        return None
    document, payload = signed
    _check_covers(document, payload)
    return payload


def _signed(raw: bytes) -> tuple[dict[str, Any], bytes] | None:
    try:
        document = load_json(raw, what="manifest")
    except InvalidResponse:
        return None
    if not isinstance(document, dict) or document.get("schemaVersion") != 1:
        return None
    signatures = document.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        return None
    # (formatLength, formatTail) pairs, not payloads: one payload built, whatever the count
    formats = {_format(len(raw), sig) for sig in signatures}
    if len(formats) != 1:
        raise InvalidResponse("The schema 1 manifest's signatures sign different payloads.")
    length, tail = formats.pop()
    return document, raw[:length] + tail


def _check_covers(document: dict[str, Any], payload: bytes) -> None:
    """Like Distribution, what counts is the payload; the window and the CLI read the whole
    document, so it must say exactly what the payload says, `signatures` aside: a field added
    after `formatLength` (a second `fsLayers`, which JSON readers take over the first) would
    otherwise be shown as verified without being hashed. Compared as canonical JSON text, so
    `1`, `1.0` and `true` stay different."""
    try:
        signed = load_json(payload, what="schema 1 manifest's signed payload")
    except InvalidResponse as exc:  # Distribution could not have stored it either
        raise InvalidResponse(
            f"{exc.sentence} Its formatLength and formatTail do not give a manifest back."
        ) from None
    if _canonical(_unsigned(signed)) != _canonical(_unsigned(document)):
        raise InvalidResponse(
            "The schema 1 manifest says more than its signed payload (content outside "
            "formatLength / formatTail): it was not read."
        )


def _unsigned(value: Any) -> Any:
    """A document without its `signatures` (a payload may hold a key of that name too: as
    Distribution stores containers/image's v2s1-invalid-signatures, `"signatures": 1`)."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "signatures"}
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _format(size: int, signature: Any) -> tuple[int, bytes]:
    protected = signature.get("protected") if isinstance(signature, dict) else None
    protected = protected if isinstance(protected, str) else None
    try:
        header: Any = load_json(_b64url(protected), what="signature") if protected else None
        length, tail = header["formatLength"], _b64url(header["formatTail"])
    except (InvalidResponse, ValueError, TypeError, KeyError, binascii.Error):
        raise InvalidResponse(
            "The schema 1 manifest's signature has no readable protected header "
            "(formatLength, formatTail)."
        ) from None
    if isinstance(length, bool) or not isinstance(length, int) or not 0 < length <= size:
        raise InvalidResponse("The schema 1 manifest's signature has a wrong formatLength.")
    return length, tail


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_schema1(media: str, doc: dict[str, Any]) -> Schema1Manifest:
    fs_layers = doc.get("fsLayers") or []
    history = doc.get("history") or []
    if not isinstance(fs_layers, list):
        raise InvalidResponse("The schema 1 manifest's fsLayers are not a list.")
    if not isinstance(history, list):
        history = []
    sums = tuple(_text(x.get("blobSum")) for x in fs_layers if isinstance(x, dict))
    steps = [h.get("v1Compatibility") if isinstance(h, dict) else None for h in history]
    layers = [_layer(digest, steps[i] if i < len(steps) else None) for i, digest in enumerate(sums)]
    signatures = doc.get("signatures")
    return Schema1Manifest(
        media_type=media,
        name=_text(doc.get("name")),
        tag=_text(doc.get("tag")),
        architecture=_text(doc.get("architecture")),
        blob_sums=sums,
        layers=tuple(reversed(layers)),
        signatures=len(signatures) if isinstance(signatures, list) else 0,
    )


def _layer(digest: str, v1: Any) -> Schema1Layer:
    text = v1 if isinstance(v1, str) else ""
    try:
        step = load_json(text, what="layer history") if text else {}
    except InvalidResponse:
        step = {}
    step = step if isinstance(step, dict) else {}
    container = step.get("container_config")
    cmd = container.get("Cmd") if isinstance(container, dict) else None
    created_by = " ".join(c for c in cmd if isinstance(c, str)) if isinstance(cmd, list) else ""
    return Schema1Layer(
        digest=digest,
        created=_text(step.get("created")) or None,
        created_by=created_by,
        empty=step.get("throwaway") is True,
        v1_id=_text(step.get("id")) or None,
        v1_compatibility=text,
    )


def _text(value: Any) -> str:
    """A string field; any other JSON type reads as empty."""
    return value if isinstance(value, str) else ""
