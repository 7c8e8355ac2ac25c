"""Docker schema 1: the digest of a signed manifest is the digest of its JWS payload (what
`Docker-Content-Digest` says, stable although the registry re-signs on every GET); layers base
first with their history; the format named deprecated. Signed: a manifest signed with the rig's
test key, pushed to a real Distribution with schema 1 enabled. Unsigned: Distribution refuses to
store it ("missing signature key"), so the fake server serves it."""

from __future__ import annotations

import base64
import io
import json

import pytest

from acr_desktop import inspection
from acr_desktop.cli import inspect_main
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.digest import compute_digest, manifest_digest
from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.manifest import Schema1Manifest, parse_manifest
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.schema1 import DEPRECATED, signed_payload
from acr_desktop.registry.transport import Transport
from acr_desktop.report import build_report
from tests.registry.test_kinds import kinds_registry  # noqa: F401 (a fixture)
from tests.rig import FakeServer, Registry
from tests.rig.kinds import KINDS_REPOSITORY, SCHEMA1, SCHEMA1_SIGNED, schema1

SIGNED = schema1("test/legacy", "signed", signed=True)
UNSIGNED = schema1("test/legacy", "unsigned", signed=False)


def client() -> RegistryClient:
    return RegistryClient(Transport(timeout=(5.0, 10.0)))


def test_signed_digest_is_the_payloads() -> None:
    assert signed_payload(SIGNED.data) == SIGNED.payload
    assert manifest_digest(SIGNED.data, SCHEMA1_SIGNED) == compute_digest(SIGNED.payload)
    assert manifest_digest(SIGNED.data, "application/json") == SIGNED.digest  # no header help
    assert compute_digest(SIGNED.data) != SIGNED.digest
    assert signed_payload(UNSIGNED.data) is None
    assert manifest_digest(UNSIGNED.data, SCHEMA1) == compute_digest(UNSIGNED.data)


def test_unreadable_signature_header_is_an_invalid_response() -> None:
    doc = json.loads(SIGNED.data)
    doc["signatures"][0]["protected"] = base64.urlsafe_b64encode(b'{"formatLength": -1}').decode()
    with pytest.raises(InvalidResponse, match="formatLength"):
        signed_payload(json.dumps(doc).encode())


def test_layers_base_first_with_their_history() -> None:
    m, _ = parse_manifest(SIGNED.data, SCHEMA1_SIGNED)
    assert isinstance(m, Schema1Manifest) and m.signed and m.signatures == 1
    assert [layer.digest for layer in m.layers] == [b.digest for b in SIGNED.layers]
    assert list(m.blob_sums) == [b.digest for b in reversed(SIGNED.layers)]  # as the document
    assert [layer.empty for layer in m.layers] == [False, True, False]
    assert m.layers[0].created_by == "/bin/sh -c #(nop) ADD file:base in / "
    assert m.layers[2].v1_id == SIGNED.history[2]["id"]
    assert m.deprecated == DEPRECATED and "deprecated" in DEPRECATED


@pytest.mark.registry
def test_signed_schema1_through_the_registry(kinds_registry: Registry) -> None:  # noqa: F811
    pushed = kinds_registry.content[f"{KINDS_REPOSITORY}:schema1-signed"]
    ref = parse_reference(f"{kinds_registry.host}/{KINDS_REPOSITORY}:schema1-signed")
    first, second = client().get_manifest(ref), client().get_manifest(ref)
    assert first.raw != second.raw  # re-signed by the registry on every GET …
    assert first.digest == second.digest == pushed.digest == first.header_digest  # … same digest
    assert first.verified_by == "Docker-Content-Digest" and not first.warnings
    assert not first.header_mismatch
    pinned = client().get_manifest(ref.with_digest(pushed.digest))  # inspectable by digest
    assert pinned.verified_by == "requested digest"
    ins = inspection.inspect(client(), ref)
    assert ins.schema1 is not None and ins.notes == (DEPRECATED,)
    summary = build_report(ins)
    assert summary["kind"] == "schema1" and summary["notes"] == [DEPRECATED]
    assert [layer["digest"] for layer in summary["layers"]] == [b.digest for b in pushed.layers]


def test_unsigned_schema1_is_verified_by_its_bytes(fake_server: FakeServer) -> None:
    headers = {
        "Content-Type": mt.DOCKER_SCHEMA1,
        "Docker-Content-Digest": UNSIGNED.digest,
        "Docker-Distribution-API-Version": "registry/2.0",
    }
    fake_server.reply("GET", r"/v2/legacy/app/manifests/.*", 200, headers, UNSIGNED.data)
    ref = parse_reference(f"{fake_server.host}/legacy/app:unsigned")
    ins = inspection.inspect(client(), ref)
    assert ins.top.digest == UNSIGNED.digest and ins.top.verified_by == "Docker-Content-Digest"
    assert ins.schema1 is not None and not ins.schema1.signed
    assert [layer.digest for layer in ins.schema1.layers] == [b.digest for b in UNSIGNED.layers]
    by_digest = client().get_manifest(ref.with_digest(UNSIGNED.digest))
    assert by_digest.verified_by == "requested digest"


@pytest.mark.registry
def test_cli_lists_schema1_layers_base_first_and_says_deprecated(
    kinds_registry: Registry,  # noqa: F811
) -> None:
    pushed = kinds_registry.content[f"{KINDS_REPOSITORY}:schema1-signed"]
    out = io.StringIO()
    code = inspect_main([f"{kinds_registry.host}/{KINDS_REPOSITORY}@{pushed.digest}"], out=out)
    text = out.getvalue()
    assert code == 0
    assert f"Digest:     {pushed.digest}  [verified (requested digest)]" in text
    assert "Layers:     3 layers, base first" in text
    positions = [text.index(layer.digest) for layer in pushed.layers]
    assert positions == sorted(positions)  # base first, as skopeo lists them
    assert "(no files) /bin/sh -c #(nop)  CMD" in text
    assert "Note:       Docker schema 1 is a deprecated format" in text
