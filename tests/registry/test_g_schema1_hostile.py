"""Schema 1 from a hostile registry: what is shown must be what was hashed. The digest of a
signed schema 1 manifest covers only its JWS payload (`formatLength` bytes, then `formatTail`),
so anything a server adds outside that region must make the manifest unreadable, never
"verified". Unreadable protected headers, disagreeing signatures and many signatures end in
InvalidResponse, in work linear in the body."""

from __future__ import annotations

import base64
import io
import json
from typing import Any, SupportsIndex

import pytest

from acr_desktop.cli import inspect_main
from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.digest import compute_digest, manifest_digest
from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.schema1 import signed_payload
from acr_desktop.registry.transport import Transport
from tests.rig import FakeServer
from tests.rig.kinds import SCHEMA1_SIGNED, schema1, sign_schema1

SIGNED = schema1("test/legacy", "signed", signed=True)
EVIL = "sha256:" + "e" * 64


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _cut() -> int:
    protected = json.loads(SIGNED.data)["signatures"][0]["protected"]
    header = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
    return int(header["formatLength"])


def _smuggled(extra: str) -> bytes:
    """The signed manifest with `extra` put in after formatLength, outside the payload."""
    cut = _cut()
    return SIGNED.data[:cut] + extra.encode() + SIGNED.data[cut:]


def _with_header(header: Any, *, raw_protected: str | None = None) -> bytes:
    doc = json.loads(SIGNED.data)
    protected = raw_protected if raw_protected is not None else _b64(json.dumps(header).encode())
    doc["signatures"][0]["protected"] = protected
    return json.dumps(doc, indent=3).encode()


def test_a_second_fs_layers_after_the_payload_is_refused_not_shown() -> None:
    raw = _smuggled(f',"fsLayers":[{{"blobSum":"{EVIL}"}}]')
    with pytest.raises(InvalidResponse, match="more than its signed payload"):
        manifest_digest(raw, SCHEMA1_SIGNED)  # was: the real digest, with EVIL as the layer


def test_an_oci_body_claiming_schema_version_1_cannot_smuggle_layers() -> None:
    # No schema 1 Content-Type: the body's mediaType picks the parser, the signatures the digest.
    raw = _smuggled(
        ',"mediaType":"application/vnd.oci.image.manifest.v1+json",'
        f'"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{EVIL}",'
        f'"size":2}},"layers":[{{"mediaType":"x","digest":"{EVIL}","size":1}}]'
    )
    with pytest.raises(InvalidResponse, match="more than its signed payload"):
        manifest_digest(raw, "application/json")


def test_an_honest_signed_manifest_still_digests_to_its_payload() -> None:
    assert signed_payload(SIGNED.data) == SIGNED.payload
    assert manifest_digest(SIGNED.data, SCHEMA1_SIGNED) == SIGNED.digest


@pytest.mark.parametrize(
    "header",
    [
        {"formatLength": -1, "formatTail": "fQ"},
        {"formatLength": 0, "formatTail": "fQ"},
        {"formatLength": 10**18, "formatTail": "fQ"},
        {"formatLength": 12.5, "formatTail": "fQ"},
        {"formatLength": True, "formatTail": "fQ"},
        {"formatLength": "100", "formatTail": "fQ"},
        {"formatLength": 100},
        {"formatTail": "fQ"},
        {"formatLength": 100, "formatTail": 7},
        {"formatLength": 100, "formatTail": "ü"},
        {"formatLength": 100, "formatTail": _b64(b"\xff\xfe garbage")},
        {"formatLength": 100, "formatTail": _b64(b"}" * 5)},
        [1, 2],
        "formatLength",
    ],
)
def test_hostile_protected_headers_are_invalid_responses(header: Any) -> None:
    with pytest.raises(InvalidResponse):
        manifest_digest(_with_header(header), SCHEMA1_SIGNED)


@pytest.mark.parametrize(
    "protected",
    ["not base64 !!", _b64(b"not json"), _b64(b"[" * 100_000 + b"]" * 100_000), _b64(b"\xff")],
)
def test_unreadable_protected_headers_are_invalid_responses(protected: str) -> None:
    with pytest.raises(InvalidResponse):
        manifest_digest(_with_header(None, raw_protected=protected), SCHEMA1_SIGNED)


def test_signatures_disagreeing_on_the_payload_are_refused() -> None:
    doc = json.loads(SIGNED.data)
    other = dict(doc["signatures"][0])
    other["protected"] = _b64(json.dumps({"formatLength": _cut() - 1, "formatTail": "fQ"}).encode())
    doc["signatures"].append(other)
    with pytest.raises(InvalidResponse, match="different payloads"):
        manifest_digest(json.dumps(doc).encode(), SCHEMA1_SIGNED)


class _CountingBytes(bytes):
    """Bytes that count how often they are sliced (each slice of a payload copies it)."""

    slices = 0

    def __getitem__(self, key: SupportsIndex | slice) -> Any:
        if isinstance(key, slice):
            type(self).slices += 1
        return super().__getitem__(key)


def test_many_signatures_cut_the_payload_once() -> None:
    # 20,000 signatures naming a 3 MiB payload: building each one's payload copied 60 GB.
    protected = _b64(json.dumps({"formatLength": 3 * 2**20, "formatTail": "fQ"}).encode())
    sigs = ",".join(f'{{"protected":"{protected}"}}' for _ in range(20_000))
    body = '{"schemaVersion":1,"pad":"' + " " * 3 * 2**20 + f'","signatures":[{sigs}]}}'
    raw = _CountingBytes(body.encode())
    payload = signed_payload(raw)
    assert payload is not None and len(payload) == 3 * 2**20 + 1
    assert _CountingBytes.slices == 1
    with pytest.raises(InvalidResponse, match="do not give a manifest back"):
        manifest_digest(raw, SCHEMA1_SIGNED)  # the payload cut at 3 MiB is not JSON


def _serve(fake_server: FakeServer, raw: bytes, digest: str) -> None:
    headers = {
        "Content-Type": SCHEMA1_SIGNED,
        "Docker-Content-Digest": digest,
        "Docker-Distribution-API-Version": "registry/2.0",
    }
    fake_server.reply("GET", r"/v2/legacy/app/manifests/.*", 200, headers, raw)


def test_a_lying_registry_gets_no_verified_smuggled_layers(fake_server: FakeServer) -> None:
    _serve(fake_server, _smuggled(f',"fsLayers":[{{"blobSum":"{EVIL}"}}]'), SIGNED.digest)
    client = RegistryClient(Transport(timeout=(5.0, 10.0)))
    for target in (":signed", f"@{SIGNED.digest}"):
        with pytest.raises(InvalidResponse, match="more than its signed payload"):
            client.get_manifest(_ref(fake_server, target))
    out = io.StringIO()
    code = inspect_main([f"{fake_server.host}/legacy/app@{SIGNED.digest}"], out=out)
    assert code == 1 and EVIL not in out.getvalue() and "verified" not in out.getvalue()


def _ref(fake_server: FakeServer, target: str) -> Any:
    from acr_desktop.registry.reference import parse_reference

    return parse_reference(f"{fake_server.host}/legacy/app{target}")


def test_by_digest_the_layers_shown_are_the_payloads(fake_server: FakeServer) -> None:
    _serve(fake_server, SIGNED.data, SIGNED.digest)
    client = RegistryClient(Transport(timeout=(5.0, 10.0)))
    fetched = client.get_manifest(_ref(fake_server, f"@{SIGNED.digest}"))
    assert fetched.verified_by == "requested digest"
    from acr_desktop.registry.manifest import Schema1Manifest, parse_manifest

    from_payload, _ = parse_manifest(SIGNED.payload, mt.DOCKER_SCHEMA1)
    assert isinstance(fetched.manifest, Schema1Manifest)
    assert isinstance(from_payload, Schema1Manifest)
    assert fetched.manifest.layers == from_payload.layers


def test_a_payload_with_its_own_signatures_key_is_read_as_distribution_serves_it() -> None:
    """containers/image's v2s1-invalid-signatures (`"signatures": 1`) as Distribution serves
    it: the stored payload, re-signed, so the document holds two `signatures` keys."""
    body = {"schemaVersion": 1, "name": "a/b", "tag": "t", "architecture": "amd64",
            "fsLayers": [], "history": [], "signatures": 1}  # fmt: skip
    payload = json.dumps(body, indent=3).encode()
    raw = sign_schema1(payload)
    assert raw.count(b'"signatures"') == 2
    assert manifest_digest(raw, SCHEMA1_SIGNED) == compute_digest(payload)
