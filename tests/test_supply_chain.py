"""The referrers tree (acr_desktop/supply_chain.py) against the real registry (Distribution 2.8.2:
no referrers API, so the tag fallback) and through the fake server's referrers API: every kind
named, a signature on an SBOM as its child, BuildKit attestations of an index, the summary line;
bounded depth and count with a hostile cycle and a 10,000-referrer fan-out; cancel."""

from __future__ import annotations

import threading
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

import pytest
import requests

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import AccessDenied, Cancelled, NotFound, RegistryTimeout
from acr_desktop.registry.listing import Referrers
from acr_desktop.registry.manifest import Descriptor, ImageManifest
from acr_desktop.registry.operation import operation
from acr_desktop.registry.reference import Reference, parse_reference
from acr_desktop.supply_chain import (
    NOTHING_FOUND,
    VIA_API,
    VIA_INDEX,
    VIA_TAG,
    ReferrerNode,
    SupplyChain,
    supply_chain,
)
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeServer, Registry
from tests.rig import supply as rig
from tests.rig.content import OCI_MANIFEST, Blob, Manifest, image
from tests.rig.supply import Supply

REPO = "supply/s1"


@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> Supply:
    return rig.push_supply(layers_registry, REPO)


def client_for(host: str) -> RegistryClient:
    client = RegistryClient()
    client.transport.set_credentials(host, Credentials(ALICE_USER, ALICE_PASSWORD))
    return client


def chain_of(supply: Supply, name: str, host: str | None = None, **kw: Any) -> SupplyChain:
    ref = supply.ref(name)
    if host is not None:
        ref = ref.replace(supply.registry, host, 1)
    return supply_chain(client_for(host or supply.registry), parse_reference(ref), **kw)


def by_digest(chain: SupplyChain) -> dict[str, tuple[int, ReferrerNode]]:
    return {node.descriptor.digest: (level, node) for level, node in chain.walk()}


def test_every_kind_on_the_image_is_named_through_the_tag_fallback(supply: Supply) -> None:
    chain = chain_of(supply, "image")
    nodes = by_digest(chain)
    expected = {
        "cosign-tag": ("signature", "cosign signature", "cosign"),
        "cosign": ("signature", "cosign signature", "cosign"),
        "bundle": ("signature", "Sigstore bundle (v0.3)", "sigstore-bundle"),
        "notation": ("signature", "Notation signature", "notation"),
        "spdx": ("sbom", "SPDX SBOM", "spdx"),
        "cyclonedx": ("sbom", "CycloneDX SBOM", "cyclonedx"),
        "provenance": ("provenance", "SLSA provenance v1", "slsa-v1"),
        "vulnerability": ("vulnerability_report", "vulnerability report (SARIF)", "sarif"),
    }
    for name, (kind, label, fmt) in expected.items():
        level, node = nodes[supply[name].digest]
        assert (node.name.kind, node.name.label, node.name.format) == (kind, label, fmt), name
        assert level == 0 and node.via == VIA_TAG and node.problem is None, name
    assert chain.subject == supply["image"].digest
    assert chain.sbom_packages == len(rig.PACKAGES)
    assert chain.summary() == (
        f"signed (cosign, Sigstore bundle, Notation) · 2 SBOMs, {len(rig.PACKAGES)} packages in "
        "the first · provenance · vulnerability report"
    )
    assert chain.notices == ()


def test_distribution_2_8_has_no_referrers_api(supply: Supply, layers_registry: Registry) -> None:
    """What Debian's docker-registry (Distribution 2.8.2) does, checked: the referrers route does
    not exist (404, plain text "404 page not found", with or without `?artifactType=`), and a
    manifest with `subject` is stored as is without an `OCI-Subject` answer header — so every
    referrer there is found through the `sha256-<hex>` tag schema and cosign's `.sig` tag."""
    url = f"{layers_registry.url}/v2/{REPO}/referrers/{supply['image'].digest}"
    headers = layers_registry.push_headers((REPO,)) | {"Accept": mt.OCI_INDEX}
    for query in ("", f"?artifactType={mt.SPDX_JSON}"):
        resp = requests.get(url + query, headers=headers, timeout=10)
        assert (resp.status_code, resp.text.strip()) == (404, "404 page not found")
        assert resp.headers["Content-Type"].startswith("text/plain")
    spdx = supply["spdx"]
    resp = requests.put(f"{layers_registry.url}/v2/{REPO}/manifests/{spdx.digest}",
                        data=spdx.data, headers=layers_registry.push_headers((REPO,))
                        | {"Content-Type": spdx.media_type}, timeout=10)  # fmt: skip
    assert resp.status_code == 201 and "OCI-Subject" not in resp.headers


def test_a_signature_on_the_sbom_is_its_child(supply: Supply) -> None:
    chain = chain_of(supply, "image", read_sbom=False)
    _, spdx = by_digest(chain)[supply["spdx"].digest]
    assert [c.descriptor.digest for c in spdx.children] == [supply["sbom-signature"].digest]
    assert spdx.children[0].name.label == "cosign signature"
    assert chain.sbom_packages is None and "packages" not in chain.summary()
    shallow = chain_of(supply, "image", read_sbom=False, depth=1)
    assert supply["sbom-signature"].digest not in by_digest(shallow)


def test_the_referrers_api_is_used_when_the_registry_has_it(
    supply: Supply, layers_registry: Registry, fake_server: FakeServer
) -> None:
    rig.serve_referrers_api(fake_server, layers_registry, supply)
    chain = chain_of(supply, "image", host=fake_server.host, read_sbom=False)
    vias = {node.via for level, node in chain.walk() if node.descriptor.digest in
            {supply[n].digest for n in ("cosign", "bundle", "spdx", "sbom-signature")}}  # fmt: skip
    assert vias == {VIA_API}
    # the cosign `.sig` tag is not a referrer: only the tag fallback finds it
    assert supply["cosign-tag"].digest not in by_digest(chain)


def test_a_buildkit_index_shows_its_attestations(supply: Supply) -> None:
    chain = chain_of(supply, "index")
    nodes = by_digest(chain)
    for arch in ("amd64", "arm64"):
        level, node = nodes[supply[f"attestation-{arch}"].digest]
        assert level == 0 and node.via == VIA_INDEX
        assert node.name.kind == "attestation"
        assert node.name.label == f"attestation for linux/{arch}"
        labels = [c.name.label for c in node.children]
        assert labels == ["SPDX SBOM", "SLSA provenance v0.2"]
        assert {c.via for c in node.children} == {VIA_INDEX}
    assert chain.sbom_packages is not None and chain.sbom_packages > 0
    assert chain.summary().startswith("2 SBOMs, ") and chain.summary().endswith(
        "in the first · provenance (2)"
    )


def test_lifecycle_streaming_and_nothing_found(supply: Supply) -> None:
    chain = chain_of(supply, "based")
    kinds = {node.name.kind for _, node in chain.walk()}
    assert kinds == {"lifecycle", "streaming"}
    eol = chain.end_of_life(date(2025, 1, 1))
    assert eol is not None and eol.past and eol.date == date(2024, 6, 30)
    assert chain.summary() == (
        f"{NOTHING_FOUND} · ACR artifact streaming · end-of-life annotation (2024-06-30)"
    )
    bare = chain_of(supply, "bare")
    assert bare.nodes == () and bare.summary() == NOTHING_FOUND


# --- hostile: cycles, fan-out, cancel ----------------------------------------------------------


def _referrer(subject: Manifest, n: int) -> Manifest:
    return rig.referrer(REPO, subject, [Blob("text/plain", f"note {n}".encode())],
                        artifact_type="application/vnd.example.note.v1")  # fmt: skip


@pytest.fixture(scope="module")
def cycle(layers_registry: Registry) -> tuple[Manifest, Manifest, Manifest]:
    """S ← A ← B, and the tag schema also lists S as a referrer of B and of A (a loop)."""
    pusher = rig.Pusher(layers_registry, (REPO,))
    try:
        s = pusher.push(image(REPO, "cycle-s", docker=False), "cycle")
        a = pusher.attach(_referrer(s, 1))
        b = pusher.attach(_referrer(a, 2))
        for holder in (a, b):
            pusher._write_fallback(REPO, holder.digest, s.descriptor() | {"artifactType": "x/y"})
    finally:
        pusher.close()
    return s, a, b


def test_a_cycle_shows_each_digest_once(supply: Supply, cycle: tuple[Manifest, ...]) -> None:
    _, a, b = cycle
    chain = supply_chain(
        client_for(supply.registry), parse_reference(f"{supply.registry}/{REPO}:cycle")
    )
    seen = [node.descriptor.digest for _, node in chain.walk()]
    assert seen == [a.digest, b.digest]
    assert any("listed again" in n for n in chain.notices)
    assert chain.nodes[0].name.label == "artifact: application/vnd.example.note.v1"


@pytest.fixture(scope="module")
def fan_out(layers_registry: Registry) -> Manifest:
    """An image pushed to the real registry, to which the fake server's referrers API (below)
    answers 10,000 referrers (Distribution refuses an index naming manifests it does not hold,
    so the tag schema cannot carry them without 10,000 pushes)."""
    pusher = rig.Pusher(layers_registry, (REPO,))
    try:
        return pusher.push(image(REPO, "fan-out", docker=False), "fan-out")
    finally:
        pusher.close()


def test_a_huge_fan_out_is_bounded_and_said(
    layers_registry: Registry, fake_server: FakeServer, fan_out: Manifest
) -> None:
    entries = [
        {
            "mediaType": OCI_MANIFEST,
            "digest": f"sha256:{n:064x}",
            "size": 100 + n,
            "artifactType": rig.SARIF,
        }
        for n in range(10_000)
    ]
    fanned = Supply(fake_server.host, REPO, referrers={fan_out.digest: entries})
    rig.serve_referrers_api(fake_server, layers_registry, fanned)
    ref = parse_reference(f"{fake_server.host}/{REPO}:fan-out")
    chain = supply_chain(client_for(fake_server.host), ref, limit=50)
    assert len(list(chain.walk())) == 50
    assert [n.descriptor.digest for n in chain.nodes] == [e["digest"] for e in entries[:50]]
    assert chain.notices == (
        "Only the first 50 referrers and attestations are shown; 9,950 more were found and "
        "left out.",
        "The referrers of 50 nodes shown were not looked for: the limit was reached.",
    )
    assert chain.summary() == f"{NOTHING_FOUND} · 50 vulnerability reports"


def test_cancel_ends_the_walk(supply: Supply) -> None:
    cancel = threading.Event()
    cancel.set()
    with operation(cancel), pytest.raises(Cancelled):
        chain_of(supply, "image")


# --- the walk itself, over an in-memory client --------------------------------------------------


def d(n: int, artifact_type: str | None = mt.SARIF) -> Descriptor:
    return Descriptor(mt.OCI_MANIFEST, f"sha256:{n:064x}", 100, {}, artifact_type=artifact_type)


SUBJECT = d(0, None)


class MemoryClient:
    """`referrers` answers from a dict (digest → descriptors); `manifests` by digest."""

    def __init__(
        self,
        referrers: dict[int, list[Descriptor]],
        manifests: dict[int, Any] | None = None,
        on_referrers: Any = None,
    ) -> None:
        self.table = {f"sha256:{k:064x}": v for k, v in referrers.items()}
        self.manifests = {f"sha256:{k:064x}": v for k, v in (manifests or {}).items()}
        self.calls: list[str] = []
        self.on_referrers = on_referrers

    def get_manifest(self, ref: Reference) -> Any:
        digest = ref.digest or SUBJECT.digest
        found = self.manifests.get(digest)
        if isinstance(found, Exception):
            raise found
        image = ImageManifest(mt.OCI_MANIFEST, d(99, None), ())
        return SimpleNamespace(digest=digest, manifest=found or image, media_type=mt.OCI_MANIFEST)

    def get_child(self, ref: Reference, _entry: Descriptor) -> Any:
        return self.get_manifest(ref)

    def referrers(self, ref: Reference, cosign_tags: tuple[str, ...] | None = None) -> Referrers:
        del cosign_tags  # the API path: one answer, whatever the legacy tags
        self.calls.append(ref.digest or "")
        if self.on_referrers is not None:
            self.on_referrers(len(self.calls))
        found: Any = self.table.get(ref.digest or "", [])
        if isinstance(found, Exception):
            raise found
        return Referrers(tuple(found), VIA_API)


def walk(client: MemoryClient, **kw: Any) -> SupplyChain:
    ref = Reference("example.test", "app", "v1")
    return supply_chain(cast(RegistryClient, client), ref, **kw)


def digests(chain: SupplyChain) -> list[int]:
    return [int(n.descriptor.digest[7:], 16) for _, n in chain.walk()]


def test_depth_bounds_the_levels_asked() -> None:
    client = MemoryClient({0: [d(1)], 1: [d(2)], 2: [d(3)], 3: [d(4)]})
    chain = walk(client, depth=2)
    assert digests(chain) == [1, 2]
    assert [int(c[7:], 16) for c in client.calls] == [0, 1]  # the deepest shown is not asked
    assert [level for level, _ in chain.walk()] == [0, 1]


def test_a_referrer_naming_its_parent_is_shown_once() -> None:
    client = MemoryClient({0: [d(1), d(1)], 1: [d(0, None), d(2)], 2: [d(1), d(0)]})
    chain = walk(client)
    assert digests(chain) == [1, 2]
    assert chain.notices == (
        "4 referrers were listed again (or referred back to what refers to it); each is shown "
        "once.",
    )


def test_the_limit_cuts_breadth_first() -> None:
    client = MemoryClient({0: [d(1), d(2), d(3)], 1: [d(4), d(5)], 2: [d(6)]})
    chain = walk(client, limit=4)
    assert digests(chain) == [1, 4, 2, 3]
    assert chain.notices == (
        "Only the first 4 referrers and attestations are shown; 1 more was found and left out.",
        "The referrers of 3 nodes shown were not looked for: the limit was reached.",
    )


def test_problems_below_the_subject_are_sentences_on_the_node() -> None:
    denied = AccessDenied("You may not list the referrers of sha256:1.")
    missing = NotFound("The manifest sha256:2… was not found.", what="manifest")
    client = MemoryClient({0: [d(1), d(2, None)], 1: cast(Any, denied)}, {2: missing})
    chain = walk(client)
    first, second = chain.nodes
    assert first.problem == (
        "Its referrers could not be listed: You may not list the referrers of sha256:1."
    )
    assert second.problem == "It could not be read: The manifest sha256:2… was not found."
    assert second.name.label == "artifact (type not given)"


def test_the_subject_s_own_referrers_failing_is_an_error() -> None:
    denied = AccessDenied("No.")
    with pytest.raises(AccessDenied):
        walk(MemoryClient({0: cast(Any, denied)}))


def test_cancel_mid_walk_ends_it() -> None:
    cancel = threading.Event()
    client = MemoryClient(
        {0: [d(1), d(2)], 1: [d(3)], 2: [d(4)]},
        on_referrers=lambda calls: cancel.set() if calls == 2 else None,
    )
    with operation(cancel), pytest.raises(Cancelled):
        walk(client)
    assert len(client.calls) == 2  # nothing asked after the cancel


def test_an_sbom_that_cannot_be_read_is_a_notice() -> None:
    sbom = d(1, mt.SPDX_JSON)
    client = MemoryClient({0: [sbom]})  # its blob is not there: read_sbom fails
    chain = walk(client)
    assert chain.sbom_sources == (sbom,) and chain.sbom_packages is None
    assert len(chain.notices) == 1 and chain.notices[0].startswith(
        f"The SBOM {sbom.digest[:19]} could not be read: "
    )
    assert chain.summary() == "SBOM"


def test_a_cosign_att_tag_is_read_and_its_statements_become_children() -> None:
    """`.att` tags are typed by the tag fallback from the suffix alone: the manifest says more."""
    att = Descriptor(mt.OCI_MANIFEST, f"sha256:{1:064x}", 0,
                     {"org.opencontainers.image.ref.name": "sha256-00.att"},
                     artifact_type=mt.DSSE_ENVELOPE)  # fmt: skip
    layers = tuple(
        Descriptor(mt.DSSE_ENVELOPE, f"sha256:{n:064x}", 10, {"predicateType": p})
        for n, p in ((7, "https://spdx.dev/Document"), (8, "https://slsa.dev/provenance/v1"))
    )
    body = ImageManifest(mt.OCI_MANIFEST, Descriptor(mt.OCI_CONFIG, d(9).digest, 2), layers)
    chain = walk(MemoryClient({0: [att]}, {1: body}), read_sbom=False)
    (node,) = chain.nodes
    assert node.name.label == "in-toto attestations: SPDX SBOM, SLSA provenance v1"
    assert [c.name.kind for c in node.children] == ["sbom", "provenance"]
    assert chain.sbom_sources[0].digest == att.digest  # read_sbom is given the manifest
    assert chain.summary() == "SBOM · provenance"


def test_past_the_deadline_a_node_s_error_ends_the_walk() -> None:
    """Timeout 0: the deadline has passed before the first request (no clock race)."""
    denied = AccessDenied("No.")
    client = MemoryClient({0: [d(1), d(2)], 1: cast(Any, denied)})
    with operation(timeout=0), pytest.raises(RegistryTimeout):
        walk(client)
    assert len(client.calls) == 2  # the subject's, then the failing one: nothing after it
