"""What a signature CLAIMS — who signed, who vouched for them, when, which log holds it — read
from cosign signatures, Sigstore bundles and Notation signatures (JWS and COSE).

The app does not verify signatures: no signature is checked against its payload, no certificate
against a trust root, no log entry against Rekor. Every claim is shown as "present, not verified".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from acr_desktop.registry.errors import InvalidResponse, RegistryError
from acr_desktop.registry.json_doc import load_json_object
from acr_desktop.registry.manifest import Descriptor, ImageManifest
from acr_desktop.registry.redaction import quotable
from acr_desktop.registry.x509_names import (
    CertificateNames,
    decode_base64,
    pem_certificates,
    read_cbor,
    read_certificate,
    timestamp_time,
)

if TYPE_CHECKING:
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.reference import Reference

NOT_VERIFIED = "present, not verified"
MAX_SIGNATURE_BYTES = 1024 * 1024  # an envelope or bundle blob; a larger one is not read (TooLarge)
MAX_PAYLOAD_BYTES = 64 * 1024  # a cosign simplesigning payload; a larger one is left unread
MAX_ANNOTATION_TEXT = 256 * 1024  # characters of one annotation read; a longer one is noted

COSIGN_SIGNATURE = "dev.cosignproject.cosign/signature"
COSIGN_CERTIFICATE = "dev.sigstore.cosign/certificate"
COSIGN_CHAIN = "dev.sigstore.cosign/chain"
COSIGN_BUNDLE = "dev.sigstore.cosign/bundle"
COSIGN_TIMESTAMP = "dev.sigstore.cosign/rfc3161timestamp"
SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"
# v0.3: …bundle.v0.3+json; v0.1 and v0.2: …bundle+json;version=0.2
BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle"
NOTATION = "application/vnd.cncf.notary.signature"
JWS = "application/jose+json"
COSE = "application/cose"
_LABELS = {"cosign": "cosign signature", "sigstore-bundle": "Sigstore bundle signature"}
_X5CHAIN = 33  # COSE header label
_SIGNING_TIMES = (("authenticSigningTime", "signing authority"), ("signingTime", "signer's clock"))
MAX_NOTE = 300
CERT_NOTE = "The certificate could not be read: "
KEY_NOTE = "It was made with a key, not a certificate: it does not name a signer."
T = TypeVar("T")
_NOTARY = "io.cncf.notary."


@dataclass(frozen=True)
class SignatureClaims:
    """What one signature says about itself. Nothing here has been verified."""

    format: str  # "cosign" | "sigstore-bundle" | "notation"
    subject: str | None  # certificate subject / SAN (email, URI) as claimed
    issuer: str | None  # Fulcio OIDC issuer "via" the certificate's issuer, or the issuer
    signed_at: str | None  # "2025-01-02 10:00 UTC (Rekor)", as claimed
    transparency_log: str | None  # "Rekor entry 12345" when present
    verified: bool = False  # always False: the app does not verify signatures
    signed_digest: str | None = None  # the digest the signed payload names, as claimed
    notes: tuple[str, ...] = ()  # sentences: what could not be read, other signatures

    def describe(self) -> str:
        """One line: "cosign signature by alice@example.com (issuer https://accounts.google.com),
        2025-01-02 10:00 UTC (Rekor), Rekor entry 12 — present, not verified"."""
        text = _LABELS.get(self.format, f"{self.format.capitalize()} signature")
        if self.subject:
            text += f" by {self.subject}"
        if self.issuer:
            text += f" (issuer {self.issuer})"
        for part in (self.signed_at, self.transparency_log):
            if part:
                text += f", {part}"
        text += f" — {NOT_VERIFIED}"
        return " ".join([text + ".", *self.notes]) if self.notes else text


def signature_claims(
    client: RegistryClient, ref: Reference, descriptor: Descriptor
) -> SignatureClaims:
    """Fetch the signature manifest `descriptor` (a referrer of `ref`, or a `.sig` tag's
    manifest) and what its claims need (the envelope, bundle or payload, each with a size cap),
    and read the claims. Raises RegistryError (with a sentence) when it cannot be read."""
    manifest = client.get_child(ref, descriptor).manifest
    if not isinstance(manifest, ImageManifest):
        raise InvalidResponse(f"The signature {descriptor.digest} is not an image manifest.")
    for layer in manifest.layers:
        if layer.media_type.startswith(BUNDLE_PREFIX):
            return claims_from_bundle(client.get_blob(ref, layer, max_bytes=MAX_SIGNATURE_BYTES))
    if NOTATION in (manifest.artifact_type, manifest.config.media_type):
        for layer in manifest.layers:
            if layer.media_type in (JWS, COSE):
                raw = client.get_blob(ref, layer, max_bytes=MAX_SIGNATURE_BYTES)
                return claims_from_notation(raw, layer.media_type)
        raise InvalidResponse("The Notation signature has no JWS or COSE envelope.")
    layers = _cosign_layers(manifest)
    if not layers:
        raise InvalidResponse(
            f"The manifest {descriptor.digest} is not a signature this app reads "
            "(cosign, Sigstore bundle or Notation)."
        )
    try:
        payload = client.get_blob(ref, layers[0], max_bytes=MAX_PAYLOAD_BYTES)
    except RegistryError as exc:
        claims = claims_from_cosign(manifest, None)
        note = quotable(f"The signed payload was not read: {exc.sentence}", limit=MAX_NOTE)
        return replace(claims, notes=(*claims.notes, note))
    return claims_from_cosign(manifest, payload)


# -- cosign -----------------------------------------------------------------------------------
def claims_from_cosign(manifest: ImageManifest, payload: bytes | None) -> SignatureClaims:
    """A cosign signature manifest (`.sig` tag or OCI 1.1 referrer): the certificate, Rekor
    bundle and timestamp annotations of its first signature layer; `payload` is that layer's
    simplesigning document when it was fetched."""
    layers = _cosign_layers(manifest)
    if not layers:
        raise InvalidResponse("The manifest has no cosign signature layer.")
    notes: list[str] = []
    annotations = layers[0].annotations
    names = None
    pem = _annotation(annotations, COSIGN_CERTIFICATE, "certificate", notes)
    if pem:
        names = _attempt(notes, lambda: read_certificate(pem_certificates(pem)[0]), CERT_NOTE)
    elif COSIGN_CERTIFICATE not in annotations:
        notes.append(KEY_NOTE)
    rekor = _annotation(annotations, COSIGN_BUNDLE, "Rekor bundle", notes)
    entry = _attempt(notes, lambda: load_json_object(rekor, what="Rekor bundle")) if rekor else {}
    signed_at, log = _log_entry(_obj(entry).get("Payload"))
    stamp = _annotation(annotations, COSIGN_TIMESTAMP, "timestamp", notes)
    if stamp and signed_at is None:
        doc = _attempt(notes, lambda: load_json_object(stamp, what="timestamp"))
        signed_at = _stamp_time(_obj(doc).get("SignedRFC3161Timestamp"), notes)
    digest = None
    if payload is not None:
        doc = _attempt(notes, lambda: load_json_object(payload, what="signed payload"))
        image = _obj(_obj(_obj(doc).get("critical")).get("image"))
        digest = _clean(image.get("docker-manifest-digest"))
    if len(layers) > 1:
        notes.append(f"The manifest holds {len(layers)} signatures; the first is described.")
    return _claims("cosign", names, notes, signed_at=signed_at, log=log, digest=digest)


def _cosign_layers(manifest: ImageManifest) -> tuple[Descriptor, ...]:
    signed = (d for d in manifest.layers if COSIGN_SIGNATURE in d.annotations)
    return tuple(d for d in manifest.layers if d.media_type == SIMPLESIGNING) or tuple(signed)


def _log_entry(entry: Any) -> tuple[str | None, str | None]:
    """(signed_at, "Rekor entry N") from a Rekor bundle payload or a bundle's tlog entry."""
    entry = _obj(entry)
    index = _number(entry.get("logIndex"))
    log = f"Rekor entry {index}" if index is not None else None
    return _time_text(_number(entry.get("integratedTime")), "Rekor"), log


# -- Sigstore bundle --------------------------------------------------------------------------
def claims_from_bundle(raw: bytes) -> SignatureClaims:
    """A Sigstore bundle (v0.1–v0.3 JSON): certificate, first transparency-log entry, first
    RFC 3161 timestamp, and the digest its message signature or DSSE statement names."""
    doc = load_json_object(raw, what="Sigstore bundle")
    if not _str(doc.get("mediaType")).startswith(BUNDLE_PREFIX):
        raise InvalidResponse("The document is not a Sigstore bundle (its mediaType says not).")
    notes: list[str] = []
    material = _obj(doc.get("verificationMaterial"))
    cert = _obj(material.get("certificate")).get("rawBytes")
    chain = _first(_obj(material.get("x509CertificateChain")).get("certificates"))
    cert = cert if cert is not None else _obj(chain).get("rawBytes")
    names = _certificate(cert, notes) if cert is not None else None
    if cert is None:
        notes.append(KEY_NOTE)
    signed_at, log = _log_entry(_first(material.get("tlogEntries")))
    if signed_at is None:
        stamps = _obj(material.get("timestampVerificationData")).get("rfc3161Timestamps")
        signed_at = _stamp_time(_obj(_first(stamps)).get("signedTimestamp"), notes)
    digest = None
    message = _obj(_obj(doc.get("messageSignature")).get("messageDigest"))
    envelope = _obj(doc.get("dsseEnvelope"))
    if message.get("digest") is not None:
        value = _attempt(notes, lambda: decode_base64(_str(message["digest"]), "message digest"))
        algorithm = _str(message.get("algorithm")).replace("SHA2_", "sha") or "sha256"
        digest = _clean(f"{algorithm.lower()}:{value.hex()}") if value else None
    elif envelope.get("payload") is not None:
        raw_payload = _attempt(notes, lambda: decode_base64(_str(envelope["payload"]), "payload"))
        statement = _attempt(notes, lambda: load_json_object(raw_payload or b"", what="statement"))
        sha = _obj(_obj(_first(_obj(statement).get("subject"))).get("digest")).get("sha256")
        digest = _clean(f"sha256:{sha}") if isinstance(sha, str) else None
    return _claims("sigstore-bundle", names, notes, signed_at=signed_at, log=log, digest=digest)


# -- Notation ---------------------------------------------------------------------------------
def claims_from_notation(raw: bytes, media_type: str) -> SignatureClaims:
    """A Notation envelope: JWS JSON (`application/jose+json`) or COSE_Sign1 (`application/cose`).
    The signing certificate is the first of the x5c / x5chain; the time is a timestamp
    authority's when present, else the signing time the signer (or signing authority) wrote."""
    if media_type == COSE:
        return _notation_cose(raw)
    if media_type != JWS:
        raise InvalidResponse(
            f"“{quotable(media_type, limit=100)}” is not a Notation envelope type."
        )
    doc = load_json_object(raw, what="Notation signature")
    protected_raw = decode_base64(_str(doc.get("protected")), "protected header")
    protected = load_json_object(protected_raw, what="protected header")
    header = _obj(doc.get("header"))
    notes: list[str] = []
    first = _first(header.get("x5c"))
    names = _certificate(first, notes) if first is not None else None
    if first is None:
        notes.append("It holds no certificate chain: it does not name a signer.")
    signed_at = _stamp_time(header.get(_NOTARY + "timestampSignature"), notes)
    for key, source in _SIGNING_TIMES:
        if signed_at is None and isinstance(protected.get(_NOTARY + key), str):
            signed_at = _iso_text(protected[_NOTARY + key], source)
    payload = _attempt(notes, lambda: _notation_payload(doc.get("payload")))
    return _claims("notation", names, notes, signed_at=signed_at, digest=payload)


def _notation_payload(payload: Any) -> str | None:
    raw = payload if isinstance(payload, bytes) else decode_base64(_str(payload), "payload")
    doc = load_json_object(raw, what="signed payload")
    return _clean(_obj(doc.get("targetArtifact")).get("digest"))


def _notation_cose(raw: bytes) -> SignatureClaims:
    items = read_cbor(raw)
    if not isinstance(items, list) or len(items) != 4:
        raise InvalidResponse("The COSE signature is not a COSE_Sign1 (an array of four items).")
    protected = _obj(read_cbor(items[0]) if isinstance(items[0], bytes) and items[0] else {})
    unprotected = items[1] if isinstance(items[1], dict) else {}
    notes: list[str] = []
    chain = unprotected.get(_X5CHAIN, protected.get(_X5CHAIN))
    first = _first(chain) if isinstance(chain, list) else chain
    names = _certificate(first, notes) if isinstance(first, bytes) else None
    if not isinstance(first, bytes):
        notes.append("COSE: certificate not read (no x5chain).")
    signed_at = _stamp_time(unprotected.get(_NOTARY + "timestampSignature"), notes)
    for key, source in _SIGNING_TIMES:
        if signed_at is None:
            signed_at = _time_text(_number(protected.get(_NOTARY + key)), source)
    payload = items[2] if isinstance(items[2], bytes) else None
    digest = _attempt(notes, lambda: _notation_payload(payload)) if payload else None
    return _claims("notation", names, notes, signed_at=signed_at, digest=digest)


def _certificate(value: Any, notes: list[str]) -> CertificateNames | None:
    """The names in a certificate given as DER bytes or base64 text; None (and a note)."""
    der = value if isinstance(value, bytes) else None
    return _attempt(
        notes,
        lambda: read_certificate(der or decode_base64(_str(value), "certificate")),
        CERT_NOTE,
    )


def _stamp_time(token: Any, notes: list[str]) -> str | None:
    """The time an RFC 3161 token (DER, or its base64) states; None when there is none."""
    if token is None:
        return None
    der = token if isinstance(token, bytes) else None
    return _attempt(notes, lambda: timestamp_time(der or decode_base64(_str(token), "timestamp")))


# -- shared -----------------------------------------------------------------------------------
def _claims(
    fmt: str, names: CertificateNames | None, notes: list[str], **found: str | None
) -> SignatureClaims:
    issuer = names.issuer if names else None
    if names and names.oidc_issuer:
        issuer = f"{names.oidc_issuer} via {issuer}" if issuer else names.oidc_issuer
    return SignatureClaims(
        format=fmt,
        subject=names.identity if names else None,
        issuer=issuer,
        signed_at=found.get("signed_at"),
        transparency_log=found.get("log"),
        signed_digest=found.get("digest"),
        notes=tuple(dict.fromkeys(quotable(n, limit=MAX_NOTE) for n in notes)),
    )


def _attempt(notes: list[str], read: Callable[[], T], prefix: str = "") -> T | None:
    """`read()`, or None with its sentence added to `notes` when it raises InvalidResponse
    (a KeyError or TypeError from a document of the wrong shape reads as absent)."""
    try:
        return read()
    except InvalidResponse as exc:
        notes.append(prefix + exc.sentence)
    except (KeyError, TypeError):
        pass
    return None


def _annotation(annotations: Mapping[str, str], key: str, what: str, notes: list[str]) -> str:
    value = annotations.get(key) or ""
    if len(value) > MAX_ANNOTATION_TEXT:
        notes.append(
            f"The {what} annotation is {len(value):,} characters; at most "
            f"{MAX_ANNOTATION_TEXT:,} are read, so it was not read."
        )
        return ""
    return value


def _time_text(seconds: int | None, source: str) -> str | None:
    try:
        when = datetime.fromtimestamp(seconds, UTC) if seconds is not None else None
    except (OverflowError, OSError, ValueError):
        return None
    return when.strftime("%Y-%m-%d %H:%M UTC") + f" ({source})" if when else None


def _iso_text(text: str, source: str) -> str | None:
    try:
        when = datetime.fromisoformat(text[:64])
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") + f" ({source})"
    except (ValueError, OverflowError):
        return quotable(text, limit=64) + f" ({source})" if text else None


def _number(value: Any) -> int | None:
    """An int64 from protobuf JSON (a number or a string of digits), or a CBOR epoch time."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        return int(value)
    if isinstance(value, float) and abs(value) < 2**62:
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _obj(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _clean(value: Any) -> str | None:
    return (quotable(value, limit=200) or None) if isinstance(value, str) else None
