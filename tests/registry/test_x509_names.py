"""The bounded DER / CBOR readers of registry/x509_names.py: the names they read agree with
`cryptography` (a test dependency only) for certificates built here, and any bytes give a value
or InvalidResponse with a sentence."""

from __future__ import annotations

import base64
import datetime as dt
import functools
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.redaction import quotable
from acr_desktop.registry.x509_names import (
    MAX_CBOR_DEPTH,
    MAX_CERT_BYTES,
    MAX_PEM_TEXT,
    CertificateNames,
    pem_certificates,
    read_cbor,
    read_certificate,
    timestamp_time,
)
from tests.registry import fuzz_inputs as fi

# pytest-timeout's 120 s is per test: the CI slow tier runs 4000 examples a property.
pytestmark = pytest.mark.timeout(max(120, fi.EXAMPLES // 10))
# The CI tier's 4,000 examples would cost minutes here (certificates, whole documents): 500 is
# the most any property of this file runs, 200 in the quick suite.
FUZZ_CAP = 300
fuzz = settings(
    max_examples=min(fi.EXAMPLES, FUZZ_CAP),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
FULCIO_V1 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
FULCIO_V2 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")


@functools.lru_cache(maxsize=1)
def _key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0x5E16_CE57, ec.SECP256R1())


def _der_utf8(text: str) -> bytes:
    raw = text.encode()
    return bytes([0x0C, 0x81, len(raw)]) + raw if len(raw) > 127 else bytes([0x0C, len(raw)]) + raw


def build(  # noqa: PLR0913 - the parts of a certificate
    subject: list[x509.NameAttribute[Any]] | None = None,
    issuer: list[x509.NameAttribute[Any]] | None = None,
    emails: tuple[str, ...] = (),
    uris: tuple[str, ...] = (),
    oidc_v1: str | None = None,
    oidc_v2: str | None = None,
) -> x509.Certificate:
    start = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject or []))
        .issuer_name(x509.Name(issuer or []))
        .public_key(_key().public_key())
        .serial_number(7)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=1))
    )
    names: list[x509.GeneralName] = [x509.RFC822Name(e) for e in emails]
    names += [x509.UniformResourceIdentifier(u) for u in uris]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if oidc_v1 is not None:
        ext = x509.UnrecognizedExtension(FULCIO_V1, oidc_v1.encode())
        builder = builder.add_extension(ext, critical=False)
    if oidc_v2 is not None:
        ext = x509.UnrecognizedExtension(FULCIO_V2, _der_utf8(oidc_v2))
        builder = builder.add_extension(ext, critical=False)
    return builder.sign(_key(), hashes.SHA256())


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    """The first value of `oid` that is not blank once shown (blank ones are passed over)."""
    shown = (_shown(str(a.value)) for a in name.get_attributes_for_oid(oid))
    return next((text for text in shown if text), None)


def _shown(text: str) -> str | None:
    return quotable(text, limit=200) or None


def from_cryptography(cert: x509.Certificate) -> CertificateNames:
    """What the reader should answer, worked out by `cryptography`."""
    emails: tuple[str, ...] = ()
    uris: tuple[str, ...] = ()
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        emails = tuple(e for e in map(_shown, san.get_values_for_type(x509.RFC822Name)) if e)
        uris = tuple(
            u for u in map(_shown, san.get_values_for_type(x509.UniformResourceIdentifier)) if u
        )
    except x509.ExtensionNotFound:
        pass
    oidc = None
    for oid in (FULCIO_V2, FULCIO_V1):
        try:
            value = cert.extensions.get_extension_for_oid(oid).value
        except x509.ExtensionNotFound:
            continue
        assert isinstance(value, x509.UnrecognizedExtension)
        raw = value.value
        if oid == FULCIO_V2:  # a DER UTF8String: tag, length (short or 0x81 form), text
            raw = raw[3:] if raw[1] == 0x81 else raw[2:]
        oidc = _shown(raw.decode("utf-8", "replace"))
        if oidc:  # a blank v2 value falls back to the deprecated one
            break
    return CertificateNames(
        subject_cn=_first(cert.subject, NameOID.COMMON_NAME),
        subject_o=_first(cert.subject, NameOID.ORGANIZATION_NAME),
        subject_email=_first(cert.subject, NameOID.EMAIL_ADDRESS),
        issuer_cn=_first(cert.issuer, NameOID.COMMON_NAME),
        issuer_o=_first(cert.issuer, NameOID.ORGANIZATION_NAME),
        san_emails=emails[:10],
        san_uris=uris[:10],
        oidc_issuer=oidc,
    )


def test_a_fulcio_like_certificate() -> None:
    cert = build(
        issuer=[
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstore.dev"),
            x509.NameAttribute(NameOID.COMMON_NAME, "sigstore-intermediate"),
        ],
        emails=("alice@example.com",),
        uris=("https://github.com/example/app/.github/workflows/build.yml@refs/heads/main",),
        oidc_v1="https://token.actions.githubusercontent.com",
        oidc_v2="https://token.actions.githubusercontent.com",
    )
    names = read_certificate(der(cert))
    assert names == from_cryptography(cert)
    assert names.identity == "alice@example.com"
    assert names.issuer == "sigstore-intermediate, sigstore.dev"
    assert names.oidc_issuer == "https://token.actions.githubusercontent.com"
    assert read_certificate(pem_certificates(pem(cert))[0]) == names


def test_the_v2_issuer_extension_wins_over_the_deprecated_one() -> None:
    names = read_certificate(
        der(build(oidc_v1="https://old.example", oidc_v2="https://new.example"))
    )
    assert names.oidc_issuer == "https://new.example"
    assert read_certificate(der(build(oidc_v1="https://old.example"))).oidc_issuer == (
        "https://old.example"
    )


def test_a_notation_style_certificate_names_its_subject() -> None:
    name = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Notary"),
        x509.NameAttribute(NameOID.COMMON_NAME, "signer"),
        x509.NameAttribute(NameOID.EMAIL_ADDRESS, "sec@example.com"),
    ]
    names = read_certificate(der(build(subject=name, issuer=name)))
    assert (names.subject_cn, names.subject_o, names.subject_email) == (
        "signer",
        "Notary",
        "sec@example.com",
    )
    assert names.identity == "sec@example.com"
    assert names.san_emails == names.san_uris == ()
    assert names.oidc_issuer is None


def test_bidi_markup_and_control_characters_in_names_are_quotable_text() -> None:
    hostile = "<b>Evil</b>\u202egnp.exe\x1b[31m\nNext"
    cert = build(subject=[x509.NameAttribute(NameOID.COMMON_NAME, hostile[:64])])
    names = read_certificate(der(cert))
    assert names.subject_cn is not None
    assert names.subject_cn.isprintable()
    assert "\u202e" not in names.subject_cn and "\x1b" not in names.subject_cn
    assert "<b>Evil</b>" in names.subject_cn  # markup is text: the window shows it as plain text


def _fits(value: str) -> bool:
    """cryptography refuses a common name over 64 characters as it counts them (UTF-8 bytes)."""
    return len(value.encode()) <= 64


_ascii = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)
_bmp = st.text(
    st.characters(max_codepoint=0xFFFF, categories=("L", "M", "N", "P", "S", "Zs")),
    min_size=1,
    max_size=30,
)
_cn = st.one_of(
    st.builds(
        lambda v: x509.NameAttribute(NameOID.COMMON_NAME, v),
        st.text(min_size=1, max_size=30).filter(_fits),
    ),
    st.builds(
        lambda v: x509.NameAttribute(NameOID.COMMON_NAME, v, _type=_ASN1Type.BMPString),
        _bmp.filter(_fits),
    ),
    st.builds(
        lambda v: x509.NameAttribute(NameOID.COMMON_NAME, v, _type=_ASN1Type.UniversalString),
        st.text(min_size=1, max_size=30).filter(_fits),
    ),
)
_o = st.builds(
    lambda v: x509.NameAttribute(NameOID.ORGANIZATION_NAME, v),
    st.text(min_size=1, max_size=30).filter(_fits),
)
_email_attr = st.builds(lambda v: x509.NameAttribute(NameOID.EMAIL_ADDRESS, v), _ascii)


@fuzz
@given(
    st.lists(st.one_of(_cn, _o, _email_attr), max_size=4),
    st.lists(st.one_of(_cn, _o), max_size=3),
    st.lists(
        st.from_regex(r"[a-z0-9._%+-]{1,20}", fullmatch=True).map(lambda a: a + "@x.example"),
        max_size=12,
    ),
    st.lists(_ascii.map(lambda a: "https://example.com/" + a), max_size=3),
    st.none() | st.text(max_size=60),
    st.none() | st.text(max_size=60),
)
def test_the_reader_agrees_with_cryptography(  # noqa: PLR0913 - one per part
    subject: list[x509.NameAttribute[Any]],
    issuer: list[x509.NameAttribute[Any]],
    emails: list[str],
    uris: list[str],
    oidc_v1: str | None,
    oidc_v2: str | None,
) -> None:
    cert = build(subject, issuer, tuple(emails), tuple(uris), oidc_v1, oidc_v2)
    assert read_certificate(der(cert)) == from_cryptography(cert)


def outcome(call: Any) -> Any:
    try:
        return call()
    except InvalidResponse as exc:
        assert exc.sentence
        exc.sentence.encode()
        return exc


_SAMPLE = der(
    build(
        subject=[x509.NameAttribute(NameOID.COMMON_NAME, "x")],
        emails=("a@example.com",),
        oidc_v2="https://issuer.example",
    )
)


@fuzz
@given(st.binary(max_size=300))
def test_any_bytes_give_names_or_a_sentence(data: bytes) -> None:
    outcome(lambda: read_certificate(data))
    outcome(lambda: timestamp_time(data))
    outcome(lambda: read_cbor(data))


@fuzz
@given(st.integers(0, len(_SAMPLE) - 1), st.integers(0, 255), st.integers(1, len(_SAMPLE)))
def test_a_damaged_certificate_gives_names_or_a_sentence(at: int, byte: int, cut: int) -> None:
    damaged = _SAMPLE[:at] + bytes([byte]) + _SAMPLE[at + 1 :]
    result = outcome(lambda: read_certificate(damaged))
    if isinstance(result, CertificateNames):
        for text in (result.subject_cn, result.identity, result.oidc_issuer):
            assert text is None or text.isprintable()
    outcome(lambda: read_certificate(_SAMPLE[:cut]))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "ends where"),
        (b"\x30\x80\x00\x00", "indefinite length"),
        (b"\x30\x84\xff\xff\xff\xff", "longer than what holds it"),
        (b"\x30\x89" + b"\x01" * 9, "does not fit"),
        (b"\x30" * 5000, "after its end"),
        (b"\x30\x00", "ends where"),
        (_SAMPLE + b"\x00", "bytes after its end"),
        (b"\x30\x82\xff\xff" + b"\x00" * (MAX_CERT_BYTES + 10), "at most"),
    ],
)
def test_malformed_der_is_a_sentence(data: bytes, words: str) -> None:
    with pytest.raises(InvalidResponse, match=words):
        read_certificate(data)


def test_deeply_nested_der_is_walked_no_deeper_than_a_certificate() -> None:
    deep = b"\x30\x00"
    for _ in range(3000):
        deep = _tlv(0x30, deep)
    with pytest.raises(InvalidResponse, match="missing fields"):
        read_certificate(deep)
    with pytest.raises(InvalidResponse, match="signed-data"):
        timestamp_time(deep)


def test_pem_text_bad_base64_none_and_too_long() -> None:
    with pytest.raises(InvalidResponse, match="not valid base64"):
        pem_certificates("-----BEGIN CERTIFICATE-----\nAAA=A\n-----END CERTIFICATE-----")
    with pytest.raises(InvalidResponse, match="no PEM certificate"):
        pem_certificates("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----")
    with pytest.raises(InvalidResponse, match="at most"):
        pem_certificates("A" * (MAX_PEM_TEXT + 1))
    two = pem(build()) + pem(build(emails=("b@example.com",)))
    assert len(pem_certificates(two)) == 2
    many = pem(build()) * 50
    assert len(pem_certificates(many)) == 10


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    head = bytes([n]) if n < 128 else bytes([0x83, n >> 16, (n >> 8) & 0xFF, n & 0xFF])
    return bytes([tag]) + head + content


def _oid_der(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        rest = part >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out += bytes(reversed(chunk))
    return _tlv(0x06, bytes(out))


def timestamp_token(gen_time: str) -> bytes:
    """A TimeStampToken shaped like RFC 3161 (nothing signed): ContentInfo → SignedData →
    encapContentInfo → TSTInfo with `gen_time`."""
    tst = _tlv(
        0x30,
        _tlv(0x02, b"\x01")
        + _oid_der("1.2.3.4")
        + _tlv(0x30, b"")
        + _tlv(0x02, b"\x05")
        + _tlv(0x18, gen_time.encode()),
    )
    encap = _tlv(0x30, _oid_der("1.2.840.113549.1.9.16.1.4") + _tlv(0xA0, _tlv(0x04, tst)))
    signed = _tlv(0x30, _tlv(0x02, b"\x03") + _tlv(0x31, b"") + encap + _tlv(0x31, b""))
    return _tlv(0x30, _oid_der("1.2.840.113549.1.7.2") + _tlv(0xA0, signed))


def test_a_timestamp_token_states_its_time() -> None:
    token = timestamp_token("20250121091747Z")
    assert timestamp_time(token) == "2025-01-21 09:17 UTC (timestamp authority)"
    with pytest.raises(InvalidResponse, match="not a time"):
        timestamp_time(timestamp_token("2025XX21091747Z"))
    with pytest.raises(InvalidResponse, match="signed-data"):
        timestamp_time(_tlv(0x30, _oid_der("1.2.3") + _tlv(0xA0, b"")))
    base64.b64encode(token)  # what the envelopes carry


def test_cbor_items_and_limits() -> None:
    # {33: [h'01'], "k": 1(1700000000)} and a float, true, null
    data = bytes.fromhex("a2182181410161 6bc11a6553f100".replace(" ", ""))
    assert read_cbor(data) == {33: [b"\x01"], "k": 1700000000}
    assert read_cbor(bytes.fromhex("83f93c00f5f6")) == [1.0, True, None]
    with pytest.raises(InvalidResponse, match="too deep"):
        read_cbor(b"\x81" * (MAX_CBOR_DEPTH + 5) + b"\x00")
    with pytest.raises(InvalidResponse, match="indefinite"):
        read_cbor(b"\x9f\x00\xff")
    with pytest.raises(InvalidResponse, match="longer than itself"):
        read_cbor(b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff")
    with pytest.raises(InvalidResponse, match="more items"):
        read_cbor(b"\x9b\x00\xff\xff\xff\xff\xff\xff\xff")
    with pytest.raises(InvalidResponse, match="not a label"):
        read_cbor(b"\xa1\x80\x00")
    with pytest.raises(InvalidResponse, match="after its end"):
        read_cbor(b"\x00\x00")
