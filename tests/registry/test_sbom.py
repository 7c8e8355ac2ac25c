"""SBOMs: SPDX 2.2/2.3 and CycloneDX 1.4–1.6 JSON, in-toto statements (plain, DSSE) that carry
them, hostile documents, CSV export, and `read_sbom` against the real registry (S4's rig)."""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acr_desktop.registry import sbom as sbom_mod
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import InvalidResponse, TooLarge
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.provenance import MAX_FIELD, TooLargeDocument
from acr_desktop.registry.reference import Reference, parse_reference
from acr_desktop.registry.sbom import (
    MAX_SBOM_BYTES,
    NotAnSbom,
    Package,
    Sbom,
    parse_sbom,
    read_sbom,
    sbom_csv,
)
from tests.registry import fuzz_inputs as fi
from tests.rig import ALICE_PASSWORD, ALICE_USER, Blob, Registry
from tests.rig import supply as rig

pytestmark = pytest.mark.timeout(max(120, fi.EXAMPLES // 10))
# The CI tier's 4,000 examples would cost minutes here (certificates, whole documents): 500 is
# the most any property of this file runs, 200 in the quick suite.
FUZZ_CAP = 300

SPDX = "application/spdx+json"
CDX = "application/vnd.cyclonedx+json"
SHA = "sha256:" + "ab" * 32


def _json(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def spdx(packages: list[Any], version: str = "SPDX-2.3", **extra: Any) -> dict[str, Any]:
    creation = {"created": "2025-01-02T03:04:05Z", "creators": ["Organization: x", "Tool: syft-1"]}
    return {"spdxVersion": version, "creationInfo": creation, "packages": packages, **extra}


def spdx_package(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "SPDXID": f"SPDXRef-{name}", **fields}


def purl_ref(purl: str, category: str = "PACKAGE-MANAGER") -> dict[str, str]:
    return {"referenceCategory": category, "referenceType": "purl", "referenceLocator": purl}


def cdx(components: list[Any], version: str = "1.5", tools: Any = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"timestamp": "2025-02-03T04:05:06Z"}
    if tools is not None:
        metadata["tools"] = tools
    return {"bomFormat": "CycloneDX", "specVersion": version, "metadata": metadata,
            "components": components}  # fmt: skip


def intoto(predicate_type: str, predicate: Any) -> dict[str, Any]:
    return {"_type": "https://in-toto.io/Statement/v0.1", "predicateType": predicate_type,
            "subject": [{"name": "pkg:docker/app", "digest": {"sha256": "ab" * 32}}],
            "predicate": predicate}  # fmt: skip


def envelope(payload: bytes, payload_type: str = "application/vnd.in-toto+json") -> bytes:
    text = base64.b64encode(payload).decode()
    return _json({"payloadType": payload_type, "payload": text, "signatures": []})


# -- SPDX ----------------------------------------------------------------------------------------
def test_spdx_2_3_packages_with_purl_type_licence_tool_and_time() -> None:
    doc = spdx([
        spdx_package("openssl", versionInfo="3.0.11", licenseConcluded="Apache-2.0",
                     externalRefs=[{"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
                                    "referenceLocator": "cpe:2.3:a:openssl"},
                                   purl_ref("pkg:deb/debian/openssl@3.0.11?arch=amd64")]),
        spdx_package("lodash", versionInfo="4.17.21", licenseConcluded="NOASSERTION",
                     licenseDeclared="MIT", externalRefs=[purl_ref("pkg:npm/lodash@4.17.21")]),
        spdx_package("mystery", licenseConcluded="NOASSERTION", licenseDeclared="NOASSERTION"),
    ])  # fmt: skip
    sbom = parse_sbom(_json(doc), SPDX)
    assert sbom.format == "SPDX 2.3"
    assert sbom.tool == "syft-1"
    assert sbom.created == "2025-01-02T03:04:05Z"
    assert sbom.notice is None
    assert sbom.packages == (
        Package("openssl", "3.0.11", "deb", "pkg:deb/debian/openssl@3.0.11?arch=amd64",
                "Apache-2.0"),
        Package("lodash", "4.17.21", "npm", "pkg:npm/lodash@4.17.21", "MIT"),
        Package("mystery", "", "", "", ""),
    )  # fmt: skip


def test_spdx_2_2_underscore_category_and_purpose_as_type() -> None:
    doc = spdx([
        spdx_package("busybox", versionInfo="1.36", licenseConcluded="GPL-2.0-only",
                     externalRefs=[purl_ref("pkg:apk/alpine/busybox@1.36", "PACKAGE_MANAGER")]),
        spdx_package("app", primaryPackagePurpose="OPERATING_SYSTEM", licenseConcluded="NONE"),
    ], version="SPDX-2.2")  # fmt: skip
    sbom = parse_sbom(_json(doc), None)
    assert sbom.format == "SPDX 2.2"
    assert [(p.type, p.purl, p.licence) for p in sbom.packages] == [
        ("apk", "pkg:apk/alpine/busybox@1.36", "GPL-2.0-only"),
        ("operating system", "", "NONE"),
    ]


# -- CycloneDX -----------------------------------------------------------------------------------
def test_cyclonedx_nested_components_are_flattened_in_document_order() -> None:
    doc = cdx([
        {"type": "application", "name": "app", "version": "1", "components": [
            {"type": "library", "name": "inner", "version": "2",
             "components": [{"type": "file", "name": "deepest"}]},
            {"type": "library", "name": "sibling"},
        ]},
        {"type": "operating-system", "name": "debian", "version": "12"},
    ], tools={"components": [{"type": "application", "name": "trivy", "version": "0.50"}]},
    )  # fmt: skip
    sbom = parse_sbom(_json(doc), CDX)
    assert sbom.format == "CycloneDX 1.5"
    assert sbom.tool == "trivy 0.50"
    assert sbom.created == "2025-02-03T04:05:06Z"
    assert [(p.name, p.type) for p in sbom.packages] == [
        ("app", "application"), ("inner", "library"), ("deepest", "file"),
        ("sibling", "library"), ("debian", "operating-system"),
    ]  # fmt: skip


@pytest.mark.parametrize("version", ["1.4", "1.5", "1.6"])
def test_cyclonedx_licences_by_id_name_and_expression(version: str) -> None:
    component = {
        "type": "library", "name": "x", "version": "1.0", "purl": "pkg:pypi/x@1.0",
        "licenses": [{"license": {"id": "MIT"}}, {"license": {"name": "Custom licence"}},
                     {"license": {"url": "https://example.com"}}, "junk"],
    }  # fmt: skip
    either = {"type": "library", "name": "y", "licenses": [{"expression": "MIT OR Apache-2.0"}]}
    tools = [{"vendor": "anchore", "name": "syft", "version": "1.2"}]  # 1.4's list of tools
    sbom = parse_sbom(_json(cdx([component, either], version, tools)), CDX)
    assert sbom.format == f"CycloneDX {version}"
    assert sbom.tool == "syft 1.2"
    assert sbom.packages == (
        Package("x", "1.0", "library", "pkg:pypi/x@1.0", "MIT, Custom licence"),
        Package("y", "", "library", "", "MIT OR Apache-2.0"),
    )


# -- in-toto -------------------------------------------------------------------------------------
def test_buildkit_spdx_statement_and_dsse_envelopes() -> None:
    doc = spdx([spdx_package("zlib", versionInfo="1.3")])
    plain = _json(intoto("https://spdx.dev/Document", doc))
    assert parse_sbom(plain, "application/vnd.in-toto+json").packages[0].name == "zlib"
    wrapped = envelope(_json(intoto("https://cyclonedx.org/bom", cdx([{"name": "c"}]))))
    sbom = parse_sbom(wrapped, "application/vnd.dsse.envelope.v1+json")
    assert (sbom.format, sbom.packages[0].name) == ("CycloneDX 1.5", "c")
    # URL-safe base64 without padding is read too
    url_safe = base64.urlsafe_b64encode(plain).decode().rstrip("=")
    raw = _json({"payloadType": "application/vnd.in-toto+json", "payload": url_safe})
    assert parse_sbom(raw, None).packages[0].name == "zlib"


def test_cosign_predicate_wrapping_the_document_as_text() -> None:
    text = json.dumps(spdx([spdx_package("wrapped")]))
    raw = _json(intoto("https://spdx.dev/Document", {"Data": text, "Timestamp": "now"}))
    assert parse_sbom(raw, None).packages[0].name == "wrapped"


@pytest.mark.parametrize(
    ("raw", "media", "error", "words"),
    [
        (_json(intoto("https://slsa.dev/provenance/v1", {})), None, NotAnSbom, "SLSA provenance"),
        (envelope(b"{}", "text/plain"), None, InvalidResponse, "“text/plain”, not an in-toto"),
        (_json({"payloadType": "application/vnd.in-toto+json", "payload": "!!notbase64@@"}), None,
         InvalidResponse, "not valid base64"),
        (envelope(b"\xff\xfe garbage"), None, InvalidResponse, "not valid UTF-8"),
        (_json({"payloadType": "application/vnd.in-toto+json", "payload": "M0"}), None,
         InvalidResponse, "payload is not a JSON object"),  # base64 of `3`
        (_json({"_type": "https://in-toto.io/Statement/v1", "predicate": {}}), None,
         InvalidResponse, "does not say what its predicate is"),
        (_json({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}),
         SPDX, NotAnSbom, "SPDX 3"),
        (_json({"hello": "world"}), None, NotAnSbom, "neither an SPDX nor a CycloneDX"),
        (_json([1, 2]), None, NotAnSbom, "not a JSON object"),
        (b"<bom xmlns='http://cyclonedx.org/schema/bom/1.5'/>", "application/vnd.cyclonedx+xml",
         NotAnSbom, "only SPDX and CycloneDX JSON are read"),
        (b"SPDXVersion: SPDX-2.3\n", "text/spdx", NotAnSbom, "only SPDX and CycloneDX JSON"),
        (b"{not json", SPDX, InvalidResponse, "not valid JSON"),
        (b"[" * 5000 + b"]" * 5000, SPDX, InvalidResponse, "nested deeper than 64 levels"),
        (_json(spdx({"a": 1})), None, InvalidResponse, "packages are not a list"),  # type: ignore[arg-type]
        (_json(cdx("nope")), None, InvalidResponse, "components are not a list"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_what_is_not_a_readable_sbom_says_why(
    raw: bytes, media: str | None, error: type[InvalidResponse], words: str
) -> None:
    with pytest.raises(error) as caught:
        parse_sbom(raw, media)
    assert words in caught.value.sentence


# -- hostile documents ---------------------------------------------------------------------------
def test_wrong_types_everywhere_read_as_empty_values() -> None:
    doc = spdx(
        [
            None, 7, "x", [],
            {"name": ["list"], "versionInfo": 3.5, "licenseConcluded": {"a": 1},
             "externalRefs": {"not": "a list"}, "primaryPackagePurpose": 9},
            {"name": "ok", "externalRefs": [None, {"referenceType": "purl"},
                                            purl_ref(7), purl_ref("pkg:npm/ok@1")]},  # type: ignore[arg-type]
        ],
        creationInfo={"creators": "Tool: not a list", "created": 12},
    )  # fmt: skip
    sbom = parse_sbom(_json(doc), SPDX)
    assert sbom.packages == (
        Package("", "3.5", "9", "", ""),  # numbers are read as text
        Package("ok", "", "npm", "pkg:npm/ok@1", ""),
    )
    assert sbom.notice == "4 entries were not package objects and were left out."
    assert sbom.tool is None
    assert sbom.created == "12"
    weird = cdx([{"name": {"x": 1}, "components": "nope", "licenses": {"license": "MIT"}}], "")
    weird["metadata"] = ["not", "an", "object"]
    assert parse_sbom(_json(weird), CDX) == Sbom("CycloneDX", (Package("", "", "", "", ""),),
                                                 None, None, None)  # fmt: skip


def test_a_lone_surrogate_is_refused_with_a_sentence() -> None:
    with pytest.raises(InvalidResponse, match="lone surrogate"):
        parse_sbom(b'{"spdxVersion": "SPDX-2.3", "packages": [{"name": "\\ud800"}]}', SPDX)


def test_bidi_controls_and_markup_are_cleaned_to_one_quotable_line() -> None:
    name = "evil\u202egnp.exe\n\x1b[31mred\u200b<b>bold</b>"
    sbom = parse_sbom(_json(spdx([spdx_package(name, versionInfo="\t1.0\r\n")])), SPDX)
    package = sbom.packages[0]
    assert package.name == "evil gnp.exe  [31mred <b>bold</b>"  # markup stays text
    assert package.version == "1.0"
    assert package.name.isprintable()


def test_a_50_mb_string_is_cut_and_declared_sizes_are_not_trusted() -> None:
    huge = "A" * (50 * 1024 * 1024)
    sbom = parse_sbom(_json(spdx([{"name": huge, "versionInfo": "1"}])), SPDX)
    assert len(sbom.packages[0].name) == MAX_FIELD
    assert sbom.packages[0].name.endswith("…")
    doc = _json(spdx([spdx_package("x", size=2**40, filesAnalyzed=True)]))  # unknown keys ignored
    assert parse_sbom(doc, SPDX).packages[0].name == "x"


def test_a_document_over_the_cap_is_not_read() -> None:
    raw = b" " * (MAX_SBOM_BYTES + 1)
    with pytest.raises(TooLargeDocument) as caught:
        parse_sbom(raw, SPDX)
    assert isinstance(caught.value, TooLarge)
    assert isinstance(caught.value, InvalidResponse)
    assert caught.value.sentence == (
        f"The SBOM is {MAX_SBOM_BYTES + 1:,} bytes; documents are read up to 64 MiB, so it is "
        "not shown."
    )


def test_packages_stop_at_the_limit_with_a_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sbom_mod, "MAX_PACKAGES", 5)
    many = spdx([spdx_package(f"p{i}") for i in range(9)])
    sbom = parse_sbom(_json(many), SPDX)
    assert [p.name for p in sbom.packages] == ["p0", "p1", "p2", "p3", "p4"]
    assert sbom.notice == "Stopped after 5 packages; the SBOM lists more."
    nested = cdx([{"name": "top", "components": [{"name": f"c{i}"} for i in range(9)]}])
    sbom = parse_sbom(_json(nested), CDX)
    assert [p.name for p in sbom.packages] == ["top", "c0", "c1", "c2", "c3"]
    assert sbom.notice == "Stopped after 5 packages; the SBOM lists more."
    exact = cdx([{"name": f"c{i}"} for i in range(5)])
    assert parse_sbom(_json(exact), CDX).notice is None


# -- CSV -----------------------------------------------------------------------------------------
def test_csv_has_a_header_and_neutralises_formulas() -> None:
    packages = (
        Package("=cmd|' /C calc'!A0", "+1", "-x", "@SUM(1)", "MIT, Apache"),
        Package("  =HYPERLINK(x)", "1.0", "npm", 'pkg:npm/"quoted"@1', ""),
        Package("plain", "2", "deb", "pkg:deb/plain@2", "GPL-2.0-only"),
    )
    text = sbom_csv(Sbom("SPDX 2.3", packages, None, None, None))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["name", "version", "type", "purl", "licence"],
        ["'=cmd|' /C calc'!A0", "'+1", "'-x", "'@SUM(1)", "MIT, Apache"],
        ["'  =HYPERLINK(x)", "1.0", "npm", 'pkg:npm/"quoted"@1', ""],
        ["plain", "2", "deb", "pkg:deb/plain@2", "GPL-2.0-only"],
    ]
    assert text.count("\n") == 4 and "\r" not in text


# -- from the registry (S4's rig on layers_registry) ---------------------------------------------
@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> rig.Supply:
    return rig.push_supply(layers_registry, "supply/s2-sbom")


def _client(host: str) -> RegistryClient:
    client = RegistryClient()
    client.transport.set_credentials(host, Credentials(ALICE_USER, ALICE_PASSWORD))
    return client


def _referrer(client: RegistryClient, supply: rig.Supply, name: str) -> Descriptor:
    subject = client.get_manifest(parse_reference(supply.ref("image"))).reference
    found = {d.digest: d for d in client.referrers(subject).descriptors}
    return found[supply[name].digest]


def test_read_sbom_of_spdx_and_cyclonedx_referrers(supply: rig.Supply) -> None:
    client = _client(supply.registry)
    ref = parse_reference(supply.ref("image"))
    spdx_sbom = read_sbom(client, ref, _referrer(client, supply, "spdx"))
    assert spdx_sbom.format == "SPDX 2.3"
    assert [p.name for p in spdx_sbom.packages] == [row[0] for row in rig.PACKAGES]
    cdx_sbom = read_sbom(client, ref, _referrer(client, supply, "cyclonedx"))
    assert cdx_sbom.format == "CycloneDX 1.5"
    assert len(cdx_sbom.packages) == len(rig.PACKAGES)
    with pytest.raises(NotAnSbom, match="holds no SPDX or CycloneDX SBOM"):
        read_sbom(client, ref, _referrer(client, supply, "provenance"))


def test_read_sbom_of_a_buildkit_attestation_manifest(supply: rig.Supply) -> None:
    client = _client(supply.registry)
    ref = parse_reference(supply.ref("index"))
    index = client.get_manifest(ref).manifest
    entry = next(d for d in index.manifests if d.digest == supply["attestation-arm64"].digest)  # type: ignore[union-attr]
    assert entry.is_attestation
    sbom = read_sbom(client, ref, entry)
    assert sbom.packages[-1].name == "only-arm64"
    assert sbom.notice is None


def test_read_sbom_of_dsse_and_file_layers_and_of_a_blob(
    layers_registry: Registry, supply: rig.Supply
) -> None:
    repo = supply.repository
    subject = supply["bare"]
    statement = _json(intoto("https://cyclonedx.org/bom", cdx([{"name": "in-dsse"}])))
    cosign_att = rig.referrer(
        repo, subject,
        [Blob(rig.DSSE, _json(envelope_dict(statement)), {"predicateType": "https://cosign.sigstore.dev/attestation/vuln/v1"}),
         Blob(rig.DSSE, _json(envelope_dict(statement)) + b" ", {"predicateType": "https://cyclonedx.org/bom"})],
        artifact_type=rig.DSSE,
    )  # fmt: skip
    file_layer = Blob("application/vnd.oci.image.layer.v1.tar", _json(spdx([spdx_package("f")])))
    oras_file = rig.referrer(repo, subject, [file_layer], artifact_type=SPDX)
    pusher = rig.Pusher(layers_registry, (repo,))
    try:
        pusher.push(cosign_att)
        pusher.push(oras_file)
    finally:
        pusher.close()
    client = _client(supply.registry)
    ref = parse_reference(supply.ref("bare"))
    as_descriptor = [
        Descriptor(m.media_type, m.digest, m.size, artifact_type=SPDX)
        for m in (cosign_att, oras_file)
    ]
    assert read_sbom(client, ref, as_descriptor[0]).packages[0].name == "in-dsse"
    assert read_sbom(client, ref, as_descriptor[1]).packages[0].name == "f"
    layer = cosign_att.layers[1]
    blob = Descriptor(rig.DSSE, layer.digest, layer.size)
    assert read_sbom(client, ref, blob).packages[0].name == "in-dsse"


def test_read_sbom_of_hostile_referrers(layers_registry: Registry, supply: rig.Supply) -> None:
    repo, subject = supply.repository, supply["bare"]
    bidi = _json(cdx([{"name": "\u202eexe.txt\x1b[2J", "version": "=1+1"}]))
    deep = b'{"spdxVersion": "SPDX-2.3", "packages": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    shown, broken = (
        rig.sbom_referrer(repo, subject, bidi, CDX),
        rig.sbom_referrer(repo, subject, deep),
    )
    pusher = rig.Pusher(layers_registry, (repo,))
    try:
        pusher.push(shown)
        pusher.push(broken)
    finally:
        pusher.close()
    client = _client(supply.registry)
    ref = parse_reference(supply.ref("bare"))
    sbom = read_sbom(client, ref, Descriptor(shown.media_type, shown.digest, shown.size))
    assert sbom.packages == (Package("exe.txt [2J", "=1+1", "", "", ""),)
    assert sbom_csv(sbom).splitlines()[1] == "exe.txt [2J,'=1+1,,,"
    with pytest.raises(InvalidResponse, match="nested deeper than 64 levels"):
        read_sbom(client, ref, Descriptor(broken.media_type, broken.digest, broken.size))


def envelope_dict(payload: bytes) -> dict[str, Any]:
    return json.loads(envelope(payload))  # type: ignore[no-any-return]


def test_a_1_gb_declared_sbom_is_refused_before_it_is_fetched() -> None:
    client = RegistryClient()  # no request is made: the size alone refuses it
    ref = Reference("registry.invalid", "team/app", digest=SHA)
    with pytest.raises(TooLargeDocument) as caught:
        read_sbom(client, ref, Descriptor(SPDX, SHA, 2**30))
    assert caught.value.sentence == (
        f"The SBOM {SHA} is 1,073,741,824 bytes; documents are read up to 64 MiB, so it is "
        "not shown."
    )


# -- property: any document gives an Sbom of clean text, or an InvalidResponse with a sentence -----
# Wrong types for a field: flat values (a recursive one here makes the strategy's repr, which
# Hypothesis builds, larger than it likes); fi.documents adds recursive and deep documents.
_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
_wrong = st.one_of(
    _scalar,
    st.lists(_scalar, max_size=2),
    st.dictionaries(st.text(max_size=9), _scalar, max_size=2),
)
# Names mostly plain text, sometimes with controls, bidi marks and lone surrogates.
_name = st.one_of(st.text(max_size=40), st.text(max_size=40), fi.any_text)


def _field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(good, good, _wrong)


_spdx_package = st.fixed_dictionaries(
    {"name": _field(_name)},
    optional={
        "versionInfo": _field(_name),
        "licenseConcluded": _field(st.sampled_from(["MIT", "NOASSERTION", "NONE", ""])),
        "licenseDeclared": _field(_name),
        "primaryPackagePurpose": _field(st.sampled_from(["LIBRARY", "APPLICATION"])),
        "externalRefs": _field(
            st.lists(
                _field(st.builds(purl_ref, _field(st.sampled_from(["pkg:npm/a@1", "pkg:", ""])))),
                max_size=3,
            )
        ),
    },
)
_spdx_doc = st.fixed_dictionaries(
    {"spdxVersion": _field(st.sampled_from(["SPDX-2.2", "SPDX-2.3"]))},
    optional={
        "packages": _field(st.lists(_field(_spdx_package), max_size=4)),
        "creationInfo": _field(
            st.fixed_dictionaries({}, optional={"creators": _wrong, "created": _wrong})
        ),
    },
)
_component = st.recursive(
    st.fixed_dictionaries(
        {"name": _field(_name)},
        optional={
            "type": _field(st.just("library")),
            "version": _wrong,
            "purl": _field(_name),
            "licenses": _field(
                st.lists(
                    _field(
                        st.one_of(
                            st.fixed_dictionaries({"expression": _wrong}),
                            st.fixed_dictionaries(
                                {
                                    "license": _field(
                                        st.dictionaries(
                                            st.sampled_from(["id", "name"]), _wrong, max_size=2
                                        )
                                    )
                                }
                            ),
                        )
                    ),
                    max_size=3,
                )
            ),
        },
    ),
    lambda inner: st.fixed_dictionaries(
        {"name": _name, "components": _field(st.lists(inner, max_size=3))}
    ),
    max_leaves=8,
)
_cdx_doc = st.fixed_dictionaries(
    {"bomFormat": _field(st.just("CycloneDX"))},
    optional={
        "specVersion": _field(st.sampled_from(["1.4", "1.5", "1.6"])),
        "components": _field(st.lists(_component, max_size=4)),
        "metadata": _field(
            st.fixed_dictionaries({}, optional={"tools": _wrong, "timestamp": _wrong})
        ),
    },
)


def _wrapped(body: bytes, how: str, junk: str) -> bytes:
    """`body` as it is, in an in-toto statement, in a DSSE envelope, or an envelope of junk."""
    if how == "plain":
        return body
    try:  # noise and deep documents (json reads 990 levels, but cannot write them one deeper)
        statement = _json(intoto("https://spdx.dev/Document", json.loads(body)))
    except (ValueError, RecursionError):
        statement = _json(intoto("https://spdx.dev/Document", junk))
    if how == "statement":
        return statement
    payload = base64.b64encode(statement).decode() if how == "dsse" else junk
    return _json({"payloadType": "application/vnd.in-toto+json", "payload": payload})


sbom_bodies = st.builds(
    _wrapped,
    st.one_of(
        st.builds(fi.serialise, st.one_of(_spdx_doc, _cdx_doc), st.booleans(), st.just("1")),
        fi.documents(st.one_of(_spdx_doc, _cdx_doc, fi.json_values)),
    ),
    st.sampled_from(["plain", "plain", "statement", "dsse", "junk"]),
    fi.any_text,
)


def assert_clean(value: Any) -> None:
    """Every string in `value` is one printable, encodable line."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")
            assert item.isprintable(), repr(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
        elif isinstance(item, tuple):
            stack.extend(item)


@settings(
    max_examples=min(fi.EXAMPLES, FUZZ_CAP),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(sbom_bodies, fi.content_types)
def test_parse_sbom_gives_clean_packages_or_an_invalid_response(
    body: bytes, media: str | None
) -> None:
    try:
        sbom = parse_sbom(body, media)
    except InvalidResponse as exc:
        assert exc.sentence
        exc.sentence.encode("utf-8")
        return
    assert_clean(sbom)
    sbom_csv(sbom).encode("utf-8")
