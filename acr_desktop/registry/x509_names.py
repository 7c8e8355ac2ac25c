"""The names in an X.509 certificate, read from DER without a crypto library: subject (CN, O,
emailAddress), issuer (CN, O), subject alternative names (email, URI) and Fulcio's OIDC issuer
extension; the time an RFC 3161 timestamp token states; and, for COSE signatures, a minimal
CBOR reader (the certificates sit in a COSE header). Nothing else is read and nothing is
verified: no signature, no validity, no chain.

The reader walks the fixed shape of a certificate (never deeper than six levels), checks every
length against what holds it, and raises nothing but InvalidResponse.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.redaction import quotable

MAX_CERT_BYTES = 64 * 1024  # real certificates are 1–3 kB; Fulcio's with extensions under 4 kB
MAX_PEM_TEXT = 256 * 1024  # a PEM annotation longer than this is not read
MAX_PEM_BLOCKS = 10  # certificates read from one PEM text (a leaf and its chain)
MAX_NAME_TEXT = 200  # characters kept of one name
MAX_SAN = 10  # SAN entries kept of each kind
MAX_CHILDREN = 4096  # items of one SEQUENCE / SET read before giving up
MAX_CBOR_DEPTH = 16  # COSE_Sign1 nests 4 levels; deeper is not a signature
MAX_CBOR_ITEMS = 10_000

# The body cannot hold "-": a BEGIN without an END is scanned once, up to the next marker.
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*)-----END CERTIFICATE-----")


def _oid(dotted: str) -> bytes:
    """The DER content bytes of an object identifier."""
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        rest = part >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


OID_CN = _oid("2.5.4.3")
OID_O = _oid("2.5.4.10")
OID_EMAIL = _oid("1.2.840.113549.1.9.1")
OID_SAN = _oid("2.5.29.17")
OID_FULCIO_ISSUER = _oid("1.3.6.1.4.1.57264.1.1")  # raw bytes of the URL (deprecated)
OID_FULCIO_ISSUER_V2 = _oid("1.3.6.1.4.1.57264.1.8")  # a DER UTF8String

_SIGNED_DATA = _oid("1.2.840.113549.1.7.2")  # CMS signed-data
_TST_INFO = _oid("1.2.840.113549.1.9.16.1.4")  # RFC 3161 TSTInfo
_SEQUENCE, _SET, _OID, _BOOLEAN, _OCTETS, _INTEGER = 0x30, 0x31, 0x06, 0x01, 0x04, 0x02
_EXTENSIONS = 0xA3  # [3] EXPLICIT in TBSCertificate
_VERSION = 0xA0
_SAN_EMAIL, _SAN_URI = 0x81, 0x86  # [1] rfc822Name, [6] uniformResourceIdentifier (IMPLICIT)
_STRING_CODECS = {
    0x0C: "utf-8",  # UTF8String
    0x13: "latin-1",  # PrintableString
    0x16: "latin-1",  # IA5String
    0x14: "latin-1",  # TeletexString (T61; read as Latin-1 like most tools)
    0x1A: "latin-1",  # VisibleString
    0x1E: "utf-16-be",  # BMPString
    0x1C: "utf-32-be",  # UniversalString
}


@dataclass(frozen=True)
class Tlv:
    """One DER item of `data`: its identifier byte and where its content lies."""

    tag: int
    start: int
    end: int


def read_tlv(data: bytes, pos: int, end: int, what: str = "certificate") -> Tlv:
    """The DER item at `pos`, which must end by `end`. Definite lengths only (DER)."""
    if pos >= end:
        _fail(f"The {what} ends where an item should start.")
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:  # high tag number form: never used by what we read, skipped
        for _ in range(4):
            if pos >= end:
                _fail(f"The {what} ends inside a tag.")
            pos += 1
            if not data[pos - 1] & 0x80:
                break
        else:
            _fail(f"The {what} has a tag number too long to be real.")
    if pos >= end:
        _fail(f"The {what} ends before a length.")
    first = data[pos]
    pos += 1
    if first < 0x80:
        length = first
    elif first == 0x80:
        _fail(f"The {what} uses an indefinite length, which DER does not allow.")
    else:
        count = first & 0x7F
        if count > 4 or pos + count > end:
            _fail(f"The {what} has a length that does not fit in it.")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if length > end - pos:
        _fail(f"The {what} has an item longer than what holds it.")
    return Tlv(tag, pos, pos + length)


def children(data: bytes, parent: Tlv, what: str = "certificate") -> list[Tlv]:
    """The items inside a constructed item, in order."""
    items: list[Tlv] = []
    pos = parent.start
    while pos < parent.end:
        if len(items) >= MAX_CHILDREN:
            _fail(f"The {what} has more than {MAX_CHILDREN:,} items in one sequence.")
        item = read_tlv(data, pos, parent.end, what)
        items.append(item)
        pos = item.end
    return items


def first_child(data: bytes, parent: Tlv, what: str = "certificate") -> Tlv:
    """The first item inside a constructed item (which must not be empty)."""
    return read_tlv(data, parent.start, parent.end, what)


def expect(item: Tlv, tag: int, what: str = "certificate") -> Tlv:
    if item.tag != tag:
        _fail(f"The {what} does not have the shape of its kind (tag 0x{item.tag:02x}).")
    return item


@dataclass(frozen=True)
class CertificateNames:
    """What a certificate names, as it claims; every text bounded and quotable."""

    subject_cn: str | None = None
    subject_o: str | None = None
    subject_email: str | None = None
    issuer_cn: str | None = None
    issuer_o: str | None = None
    san_emails: tuple[str, ...] = ()
    san_uris: tuple[str, ...] = ()
    oidc_issuer: str | None = None  # Fulcio: who vouched for the signer's identity

    @property
    def identity(self) -> str | None:
        """Who the certificate names as its holder: SAN email, SAN URI, subject email, CN."""
        for value in (*self.san_emails, *self.san_uris, self.subject_email, self.subject_cn):
            if value:
                return value
        return None

    @property
    def issuer(self) -> str | None:
        """The certificate's issuer in words: "sigstore-intermediate, sigstore.dev"."""
        if self.issuer_cn and self.issuer_o:
            return f"{self.issuer_cn}, {self.issuer_o}"
        return self.issuer_cn or self.issuer_o


def read_certificate(der: bytes) -> CertificateNames:
    """The names in a DER certificate. Raises InvalidResponse with a sentence when the bytes
    are not a certificate this reader can follow."""
    if len(der) > MAX_CERT_BYTES:
        _fail(f"The certificate is {len(der):,} bytes; at most {MAX_CERT_BYTES:,} are read.")
    outer = expect(read_tlv(der, 0, len(der)), _SEQUENCE)
    if outer.end != len(der):
        _fail("The certificate has bytes after its end.")
    tbs = expect(first_child(der, outer), _SEQUENCE)
    fields = children(der, tbs)
    index = 1 if fields and fields[0].tag == _VERSION else 0
    if len(fields) < index + 6:
        _fail("The certificate is missing fields a certificate must have.")
    expect(fields[index], _INTEGER)
    issuer = _name(der, expect(fields[index + 2], _SEQUENCE))
    subject = _name(der, expect(fields[index + 4], _SEQUENCE))
    emails: list[str] = []
    uris: list[str] = []
    oidc: str | None = None
    oidc_v2: str | None = None
    for item in fields[index + 6 :]:
        if item.tag != _EXTENSIONS:
            continue
        for ext in children(der, expect(first_child(der, item), _SEQUENCE)):
            parts = children(der, expect(ext, _SEQUENCE))
            if len(parts) < 2:
                _fail("The certificate has an extension without a value.")
            oid = der[expect(parts[0], _OID).start : parts[0].end]
            value = expect(parts[-1], _OCTETS)
            if oid == OID_SAN:
                _san(der, read_tlv(der, value.start, value.end), emails, uris)
            elif oid == OID_FULCIO_ISSUER:
                oidc = _text(der[value.start : value.end], "utf-8")
            elif oid == OID_FULCIO_ISSUER_V2:
                inner = read_tlv(der, value.start, value.end)
                oidc_v2 = _string(der, inner)
    return CertificateNames(
        subject_cn=subject.get(OID_CN),
        subject_o=subject.get(OID_O),
        subject_email=subject.get(OID_EMAIL),
        issuer_cn=issuer.get(OID_CN),
        issuer_o=issuer.get(OID_O),
        san_emails=tuple(emails),
        san_uris=tuple(uris),
        oidc_issuer=oidc_v2 or oidc,
    )


def _name(der: bytes, name: Tlv) -> dict[bytes, str]:
    """The first value of each attribute type in a Name (SEQUENCE OF SET OF type-and-value)."""
    found: dict[bytes, str] = {}
    for rdn in children(der, name):
        for atv in children(der, expect(rdn, _SET)):
            parts = children(der, expect(atv, _SEQUENCE))
            if len(parts) != 2:
                _fail("The certificate has a name attribute without a value.")
            oid = der[expect(parts[0], _OID).start : parts[0].end]
            if oid in (OID_CN, OID_O, OID_EMAIL) and oid not in found:
                text = _string(der, parts[1])
                if text:
                    found[oid] = text
    return found


def _san(der: bytes, names: Tlv, emails: list[str], uris: list[str]) -> None:
    for item in children(der, expect(names, _SEQUENCE)):
        target = {_SAN_EMAIL: emails, _SAN_URI: uris}.get(item.tag)
        if target is not None and len(target) < MAX_SAN:
            text = _text(der[item.start : item.end], "latin-1")
            if text:
                target.append(text)


def _string(der: bytes, item: Tlv) -> str | None:
    """A directory string in words; None for a type that is not text."""
    codec = _STRING_CODECS.get(item.tag)
    return _text(der[item.start : item.end], codec) if codec else None


def _text(raw: bytes, codec: str) -> str | None:
    cut = raw[: MAX_NAME_TEXT * 8]  # 8 bytes a character is more than any codec here needs
    return quotable(cut.decode(codec, "replace"), limit=MAX_NAME_TEXT) or None


def timestamp_time(token: bytes) -> str:
    """The genTime of an RFC 3161 TimeStampToken (CMS SignedData around a TSTInfo), as the
    timestamp authority states it: "2025-01-21 09:17 UTC (timestamp authority)"."""
    what = "timestamp"
    if len(token) > MAX_CERT_BYTES * 4:
        _fail(f"The timestamp is {len(token):,} bytes; at most {MAX_CERT_BYTES * 4:,} are read.")
    info = children(token, expect(read_tlv(token, 0, len(token), what), _SEQUENCE, what), what)
    if len(info) < 2 or token[info[0].start : info[0].end] != _SIGNED_DATA:
        _fail("The timestamp is not a CMS signed-data structure.")
    signed = children(token, expect(first_child(token, info[1], what), _SEQUENCE, what), what)
    if len(signed) < 3:
        _fail("The timestamp's signed data holds no content.")
    content = children(token, expect(signed[2], _SEQUENCE, what), what)
    if len(content) < 2 or token[content[0].start : content[0].end] != _TST_INFO:
        _fail("The timestamp does not hold a timestamp token (TSTInfo).")
    octets = expect(first_child(token, content[1], what), _OCTETS, what)
    tst = children(token, expect(read_tlv(token, octets.start, octets.end, what), _SEQUENCE, what))
    if len(tst) < 5 or tst[4].tag != 0x18:  # version, policy, imprint, serial, genTime
        _fail("The timestamp token has no generation time.")
    text = token[tst[4].start : tst[4].end][:14].decode("ascii", "replace")
    try:
        when = datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        _fail("The timestamp's generation time is not a time.")
    return when.strftime("%Y-%m-%d %H:%M UTC") + " (timestamp authority)"


def pem_certificates(text: str) -> tuple[bytes, ...]:
    """The DER bytes of the certificates in PEM text, in order (at most MAX_PEM_BLOCKS).
    Raises InvalidResponse when there is none, or one is not base64."""
    if len(text) > MAX_PEM_TEXT:
        _fail(
            f"The certificate text is {len(text):,} characters; at most {MAX_PEM_TEXT:,} are read."
        )
    found: list[bytes] = []
    for match in _PEM.finditer(text):
        if len(found) >= MAX_PEM_BLOCKS:
            break
        found.append(decode_base64("".join(match[1].split()), "certificate"))
    if not found:
        _fail("The certificate text holds no PEM certificate.")
    return tuple(found)


def decode_base64(text: str, what: str) -> bytes:
    """Standard or URL-safe base64, padding optional; InvalidResponse when it is not base64."""
    compact = text.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        _fail(f"The {what} is not valid base64.")


# -- CBOR (only what COSE_Sign1 needs) --------------------------------------------------------
def read_cbor(data: bytes) -> Any:
    """One CBOR item: ints, byte and text strings, arrays, maps (int/text/bytes keys), tags
    (unwrapped), simple values and floats. Definite lengths only; depth and item count bounded.
    Raises InvalidResponse for anything else."""
    value, end = _cbor_item(data, 0, 0, [MAX_CBOR_ITEMS])
    if end != len(data):
        raise InvalidResponse("The COSE signature has bytes after its end.")
    return value


def _cbor_item(data: bytes, pos: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    budget[0] -= 1
    if depth > MAX_CBOR_DEPTH or budget[0] < 0:
        raise InvalidResponse("The COSE signature nests too deep or holds too many items.")
    major, arg, pos = _cbor_head(data, pos)
    if major < 0:  # a number or a simple value: arg is the value
        return arg, pos
    if major in (2, 3):
        if arg > len(data) - pos:
            raise InvalidResponse("The COSE signature has a string longer than itself.")
        raw = data[pos : pos + arg]
        return (raw if major == 2 else raw.decode("utf-8", "replace")), pos + arg
    if major == 6:
        return _cbor_item(data, pos, depth + 1, budget)
    if arg > len(data) - pos:
        raise InvalidResponse("The COSE signature declares more items than it holds.")
    items: list[Any] = []
    for _ in range(arg * (major - 3)):
        item, pos = _cbor_item(data, pos, depth + 1, budget)
        items.append(item)
    if major == 4:
        return items, pos
    if not all(isinstance(k, int | str | bytes) for k in items[0::2]):
        raise InvalidResponse("The COSE signature has a map key that is not a label.")
    return dict(zip(items[0::2], items[1::2], strict=True)), pos


def _cbor_head(data: bytes, pos: int) -> tuple[int, Any, int]:
    """(major type, argument, next position); (-1, value, next) for a number or simple value."""
    if pos >= len(data):
        raise InvalidResponse("The COSE signature ends early.")
    major, info = data[pos] >> 5, data[pos] & 0x1F
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info, 0)
    if info > 27:
        raise InvalidResponse("The COSE signature uses an indefinite length or a reserved value.")
    if pos + 1 + size > len(data):
        raise InvalidResponse("The COSE signature ends early.")
    raw = data[pos + 1 : pos + 1 + size]
    arg = int.from_bytes(raw, "big") if size else info
    if major == 7:
        value = struct.unpack(">" + "efd"[size // 4], raw)[0] if size > 1 else None
        return -1, {20: False, 21: True}.get(arg, value), pos + 1 + size
    if major in (0, 1):
        return -1, arg if major == 0 else -1 - arg, pos + 1 + size
    return major, arg, pos + 1 + size


def _fail(sentence: str) -> NoReturn:
    raise InvalidResponse(sentence)
