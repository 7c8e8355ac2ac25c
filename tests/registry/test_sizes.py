"""Per-platform download sizes (issue 14): a 16-platform index on a real registry (each child
fetched once, a second measure free), the summary line, and a hostile fake registry (a child
that 404s, entries that are not images, cancel part-way)."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import requests

from acr_desktop import sizes as sizes_module
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import FetchedManifest, RegistryClient
from acr_desktop.registry.errors import Cancelled, RegistryTimeout
from acr_desktop.registry.manifest import Descriptor, ImageIndex, ImageManifest
from acr_desktop.registry.operation import operation
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from acr_desktop.sizes import SIZE_WORDS, ImageSize, IndexSizes, image_size, index_sizes
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeRequest, FakeServer, Registry, TokenServer
from tests.rig.content import (
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    Blob,
    Manifest,
    _compact,
    _push_manifest,
    attestation,
)

ARCHES = [
    ("linux", "amd64", None), ("linux", "arm64", None), ("linux", "arm", "v7"),
    ("linux", "arm", "v6"), ("linux", "386", None), ("linux", "ppc64le", None),
    ("linux", "s390x", None), ("linux", "riscv64", None), ("linux", "mips64le", None),
    ("linux", "loong64", None), ("windows", "amd64", None), ("freebsd", "amd64", None),
    ("linux", "arm64", "v8"), ("linux", "amd64", "v2"), ("linux", "amd64", "v3"),
    ("linux", "mips64", None),
]  # fmt: skip
BASE = (Blob(OCI_LAYER, b"base-one" * 4000), Blob(OCI_LAYER, b"base-two" * 1500))


def _bytes(seed: str, n: int) -> bytes:
    out = b""
    while len(out) < n:
        out += hashlib.sha256(f"{seed}{len(out)}".encode()).digest()
    return out[:n]


def platform_image(repository: str, number: int) -> Manifest:
    """An image for ARCHES[number]: the two shared base layers and one of its own."""
    os_name, arch, variant = ARCHES[number]
    platform = {"architecture": arch, "os": os_name} | ({"variant": variant} if variant else {})
    own = Blob(OCI_LAYER, _bytes(f"own{number}", 1000 + 97 * number))
    layers = [*BASE, own]
    cfg = {"architecture": arch, "os": os_name, "n": number,
           "rootfs": {"type": "layers", "diff_ids": [b.digest for b in layers]}}  # fmt: skip
    config = Blob(OCI_CONFIG, _compact(cfg))
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.descriptor(),
            "layers": [b.descriptor() for b in layers]}  # fmt: skip
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, layers, platform=platform)


def sixteen(repository: str) -> tuple[Manifest, list[Manifest]]:
    """A 16-platform index with one attestation entry (which is not sized)."""
    images = [platform_image(repository, n) for n in range(len(ARCHES))]
    children = [*images, attestation(repository, images[0])]
    body = {"schemaVersion": 2, "mediaType": OCI_INDEX,
            "manifests": [c.descriptor() for c in children]}  # fmt: skip
    return Manifest(repository, OCI_INDEX, _compact(body), children=children), images


class CountingTransport(Transport):
    """A Transport that counts the requests it is asked to send (token fetches not included)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.paths: list[str] = []
        self._count_lock = threading.Lock()

    def request(self, method: str, ctx: Any, path: str, **kw: Any) -> Any:
        with self._count_lock:
            self.paths.append(path)
        return super().request(method, ctx, path, **kw)


def client_for(host: str, user: str = ALICE_USER, password: str = ALICE_PASSWORD) -> RegistryClient:
    client = RegistryClient(CountingTransport(timeout=(5.0, 10.0)))
    client.transport.set_credentials(host, Credentials(user, password))
    return client


def counted(client: RegistryClient) -> list[str]:
    transport = client.transport
    assert isinstance(transport, CountingTransport)
    return transport.paths


@pytest.fixture(scope="module")
def pushed(layers_registry: Registry) -> tuple[str, Manifest, list[Manifest]]:
    repo = "sizes/multi"
    top, images = sixteen(repo)
    with requests.Session() as session:
        session.headers.update(layers_registry.push_headers((repo,)))
        _push_manifest(session, layers_registry.url, top, "v1", set())
    return f"{layers_registry.host}/{repo}:v1", top, images


def expected_download(image: Manifest) -> int:
    assert image.config is not None
    return image.config.size + sum(b.size for b in image.layers)


def test_sixteen_platforms_each_child_fetched_once(pushed: Any) -> None:
    reference, _top, images = pushed
    client = client_for(parse_reference(reference).registry)
    fetched = client.get_manifest(parse_reference(reference))
    before = len(counted(client))
    reported: list[tuple[str, ImageSize | str]] = []

    result = index_sizes(client, fetched, report=lambda d, s: reported.append((d, s)))

    child_requests = counted(client)[before:]
    assert len(child_requests) == 16
    assert all("/manifests/sha256:" in p for p in child_requests)
    assert len(set(child_requests)) == 16  # each child once
    assert {d for d, _ in reported} == {m.digest for m in images}  # attestation skipped
    assert dict(result.problems) == {}
    for image in images:
        size = result.sizes[image.digest]
        assert size.download == expected_download(image)
        assert size.layer_count == 3 and size.source == "manifest"
        assert size.layer_digests == tuple(b.digest for b in image.layers)
        assert image.config is not None and size.config_size == image.config.size

    assert set(result.shared()) == {b.digest for b in BASE}
    own = sum(m.layers[2].size + (m.config.size if m.config else 0) for m in images)
    assert result.union_download() == own + sum(b.size for b in BASE)

    again = index_sizes(client, fetched)
    assert len(counted(client)) == before + 16  # the second measure costs no request
    assert again.sizes == result.sizes


def test_summary_names_the_range_the_shared_layers_and_the_total(pushed: Any) -> None:
    reference, _top, images = pushed
    client = client_for(parse_reference(reference).registry)
    fetched = client.get_manifest(parse_reference(reference))
    result = index_sizes(client, fetched, concurrency=1)
    assert isinstance(fetched.manifest, ImageIndex)
    line = result.summary(fetched.manifest)
    low = min(expected_download(m) for m in images)
    high = max(expected_download(m) for m in images)
    assert line.startswith(
        f"16 platforms: {low / 1000:.1f} kB – {high / 1000:.1f} kB to download each"
    )
    shared = sum(b.size for b in BASE)
    assert f"2 layers ({shared / 1000:.1f} kB) shared by all" in line
    assert f"{result.union_download() / 1000:.1f} kB for all platforms together" in line
    assert "Download size" in SIZE_WORDS and "compressed" in SIZE_WORDS


def test_image_size_is_config_plus_layers() -> None:
    config = Descriptor(OCI_CONFIG, "sha256:" + "c" * 64, 1234)
    layers = (
        Descriptor(OCI_LAYER, "sha256:" + "1" * 64, 10**12),
        Descriptor(OCI_LAYER, "sha256:" + "2" * 64, 5),
    )
    size = image_size("sha256:" + "f" * 64, ImageManifest(OCI_MANIFEST, config, layers))
    assert size.download == 1234 + 10**12 + 5
    assert size.layer_count == 2 and size.config_size == 1234 and size.layers_known


def test_summary_of_one_platform_and_of_partial_answers() -> None:
    a = ImageSize(
        "sha256:" + "a" * 64, 2_000_000, 1, ("sha256:" + "1" * 64,), 100, "manifest", (1_999_900,)
    )
    entries = tuple(
        Descriptor(OCI_MANIFEST, d, 1, platform=None)
        for d in ("sha256:" + "a" * 64, "sha256:" + "b" * 64)
    )
    index = ImageIndex(OCI_INDEX, entries)
    partial = IndexSizes({a.digest: a}, {"sha256:" + "b" * 64: "Not found."})
    assert partial.summary(index) == "1 of 2 platforms: 2.0 MB to download; 1 platform not measured"
    assert partial.shared() == ()  # one platform shares with nobody
    assert IndexSizes({}, {}).summary(index) == "Download size unknown for 2 platforms."
    acr = ImageSize("sha256:" + "b" * 64, 3_000_000, 0, (), None, "acr")
    mixed = IndexSizes({a.digest: a, acr.digest: acr}, {})
    assert mixed.shared() == () and mixed.union_download() == 5_000_000
    assert mixed.summary(index) == "2 platforms: 2.0 MB – 3.0 MB to download each"


# -- a fake registry behind the real token server ---------------------------------------------
class FakeRegistry:
    """Serves manifests of `repository` with Distribution's bearer challenge (realm: the real
    token server), checking the token's grants; `acr` answers `/acr/v1/<repo>/_manifests`."""

    def __init__(self, server: FakeServer, tokens: TokenServer, repository: str) -> None:
        self.server, self.repository = server, repository
        self.manifests: dict[str, tuple[str, bytes]] = {}
        self.acr: Callable[[FakeRequest], tuple[int, dict[str, str], bytes]] | None = None
        self.hold: set[str] = set()  # digests whose request waits for `release`
        self.release = threading.Event()
        self.challenge = f'Bearer realm="{tokens.realm}",service="{server.host}"'
        server.route("GET", r"/v2/", self._ping)
        server.route("GET", rf"/v2/{repository}/manifests/(?P<ref>[^/]+)", self._manifest)
        server.route("GET", rf"/acr/v1/{repository}/_manifests", self._acr)
        server.route("GET", rf"/v2/{repository}/tags/list", self._tags)

    def add(self, manifest: Manifest, *, tag: str | None = None) -> None:
        self.manifests[manifest.digest] = (manifest.media_type, manifest.data)
        if tag:
            self.manifests[tag] = (manifest.media_type, manifest.data)

    def actions(self, req: FakeRequest) -> set[str]:
        auth = req.header("Authorization") or ""
        if not auth.startswith("Bearer "):
            return set()
        claims = jwt.decode(auth[7:], options={"verify_signature": False})
        return {
            a
            for access in claims.get("access", [])
            if access.get("name") == self.repository
            for a in access.get("actions", [])
        }

    def _unauthorized(self, scope: str) -> tuple[int, dict[str, str], bytes]:
        return 401, {"WWW-Authenticate": f'{self.challenge},scope="{scope}"'}, b""

    def _ping(self, req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if not (req.header("Authorization") or "").startswith("Bearer "):
            return 401, {"WWW-Authenticate": self.challenge}, b""
        return 200, {"Docker-Distribution-API-Version": "registry/2.0"}, b"{}"

    def _manifest(self, req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if "pull" not in self.actions(req):
            return self._unauthorized(f"repository:{self.repository}:pull")
        ref = req.groups["ref"]
        if ref in self.hold:
            self.release.wait(30)
        if ref not in self.manifests:
            body = json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN", "message": "unknown"}]})
            return 404, {"Content-Type": "application/json"}, body.encode()
        media, data = self.manifests[ref]
        return 200, {"Content-Type": media, "Docker-Content-Digest": _digest(data)}, data

    def _tags(self, req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if "pull" not in self.actions(req):
            return self._unauthorized(f"repository:{self.repository}:pull")
        return 200, {"Content-Type": "application/json"}, b'{"tags": ["v1"]}'

    def _acr(self, req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if "metadata_read" not in self.actions(req):
            scope = f"repository:{self.repository}:pull,metadata_read"
            refused = f'{self.challenge},scope="{scope}",error="insufficient_scope"'
            return 401, {"WWW-Authenticate": refused}, b""
        if self.acr is None:
            return 404, {}, b""
        return self.acr(req)

    def paths(self, part: str = "") -> list[str]:
        return [r.path for r in self.server.requests if part in r.path]


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def serve_sixteen(
    fake: FakeRegistry, *, missing: int | None = None
) -> tuple[Manifest, list[Manifest]]:
    top, images = sixteen(fake.repository)
    fake.add(top, tag="v1")
    for n, child in enumerate(top.children):
        if n != missing:
            fake.add(child)
    return top, images


def fetch_top(client: RegistryClient, fake: FakeRegistry) -> FetchedManifest:
    return client.get_manifest(parse_reference(f"{fake.server.host}/{fake.repository}:v1"))


@pytest.fixture
def fake(fake_server: FakeServer, token_server: TokenServer) -> FakeRegistry:
    return FakeRegistry(fake_server, token_server, "test/multi")


def test_a_child_that_is_missing_gets_a_sentence_and_the_others_are_sized(
    fake: FakeRegistry,
) -> None:
    _top, images = serve_sixteen(fake, missing=3)
    client = client_for(fake.server.host)
    result = index_sizes(client, fetch_top(client, fake))
    assert set(result.problems) == {images[3].digest}
    assert result.problems[images[3].digest].startswith(f"There is no manifest {images[3].digest}")
    assert len(result.sizes) == 15


def test_entries_that_are_not_images_are_problems_not_sizes(fake: FakeRegistry) -> None:
    image = platform_image(fake.repository, 0)
    nested = Manifest(
        fake.repository,
        OCI_INDEX,
        _compact({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}),
    )
    odd = Manifest(
        fake.repository,
        "application/vnd.example.thing+json",
        b'{"hello": "\\u202eworld"}',
        platform={"architecture": "amd64", "os": "plan9"},
    )
    arm64 = {"platform": {"os": "linux", "architecture": "arm64"}}
    entries = [image.descriptor(), nested.descriptor() | arm64, odd.descriptor()]
    body = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    top = Manifest(fake.repository, OCI_INDEX, _compact(body), children=[image, nested, odd])
    fake.add(top, tag="v1")
    for child in (image, nested, odd):
        fake.add(child)
    client = client_for(fake.server.host)
    top_fetched = fetch_top(client, fake)
    result = index_sizes(client, top_fetched)
    assert set(result.sizes) == {image.digest}
    assert "nested index" in result.problems[nested.digest]
    assert "not an image" in result.problems[odd.digest]
    assert not any(nested.digest in p for p in fake.paths())  # known from the entry: not fetched
    assert isinstance(top_fetched.manifest, ImageIndex)
    line = result.summary(top_fetched.manifest)  # the nested index is not a platform of its own
    assert line.startswith("1 of 2 platforms: ") and line.endswith("; 1 platform not measured")


def test_cancel_part_way_returns_promptly_and_sends_nothing_more(fake: FakeRegistry) -> None:
    _top, images = serve_sixteen(fake)
    fake.hold = {m.digest for m in images[1:]}
    client = client_for(fake.server.host)
    top = fetch_top(client, fake)
    cancel = threading.Event()
    outcome: list[object] = []

    def run() -> None:
        with operation(cancel):
            try:
                index_sizes(client, top, concurrency=3, report=lambda _d, _s: cancel.set())
            except Cancelled as exc:
                outcome.append(exc)

    thread = threading.Thread(target=run)
    try:
        thread.start()
        thread.join(20)
        assert not thread.is_alive() and outcome and isinstance(outcome[0], Cancelled)
        sent = len(fake.paths("/manifests/sha256:"))
        # the first answer, and what the three workers had in flight when the cancel came
        assert sent <= 4
        time.sleep(0.3)
        assert len(fake.paths("/manifests/sha256:")) == sent
    finally:
        fake.release.set()


def test_the_inspect_report_gives_each_platform_its_download_size(pushed: Any) -> None:
    from acr_desktop.inspection import inspect
    from acr_desktop.report import build_report, write_report

    reference, _top, images = pushed
    client = client_for(parse_reference(reference).registry)
    ins = inspect(client, parse_reference(reference), None, strict_platform=True)
    plain = build_report(ins)
    assert all("download_size" not in e for e in plain["entries"]) and "download_sizes" not in plain

    sizes = index_sizes(client, ins.top)
    report = build_report(ins, sizes)
    by_digest = {e["digest"]: e for e in report["entries"]}
    for image in images:
        entry = by_digest[image.digest]
        assert entry["download_size"] == expected_download(image) and entry["layer_count"] == 3
        assert entry["size_source"] == "manifest" and entry["size_problem"] is None
    [attestation_entry] = [e for e in report["entries"] if e["kind"] == "attestation"]
    assert attestation_entry["download_size"] is None and attestation_entry["layer_count"] is None
    totals = report["download_sizes"]
    assert totals["measured"] == 16 and totals["all_platforms"] == sizes.union_download()
    assert set(totals["shared_layers"]) == {b.digest for b in BASE}
    assert report["platforms"][0]["download_size"] == expected_download(images[0])
    json.dumps(report)  # plain data

    out = io.StringIO()
    write_report(report, out)
    text = out.getvalue()
    assert ins.index is not None and f"Download:   {sizes.summary(ins.index)}" in text
    first = next(line for line in text.splitlines() if images[0].digest in line)
    assert f"{expected_download(images[0]) / 1000:.1f} kB, 3 layers" in first
    assert SIZE_WORDS in text


def test_past_the_deadline_the_measure_ends_with_a_typed_error(fake: FakeRegistry) -> None:
    _top, images = serve_sixteen(fake)
    fake.hold = {m.digest for m in images[2:]}
    client = client_for(fake.server.host)
    top = fetch_top(client, fake)
    try:
        with pytest.raises(RegistryTimeout), operation(timeout=1.0):
            index_sizes(client, top, concurrency=4)
    finally:
        fake.release.set()


def test_a_huge_index_is_measured_up_to_a_bound(fake: FakeRegistry, monkeypatch: Any) -> None:
    monkeypatch.setattr(sizes_module, "MAX_MEASURED", 5)
    _top, images = serve_sixteen(fake)
    client = client_for(fake.server.host)
    top = fetch_top(client, fake)
    reported: list[str] = []
    result = index_sizes(client, top, report=lambda d, _s: reported.append(d))
    assert len(fake.paths("/manifests/sha256:")) == 5 and len(result.sizes) == 5
    assert len(result.problems) == 11 and len(reported) == 16
    assert "only the first 5 platforms" in result.problems[images[-1].digest]
    assert isinstance(top.manifest, ImageIndex)
    assert result.summary(top.manifest).endswith("; 11 platforms not measured")


def test_a_range_whose_ends_read_the_same_is_said_once() -> None:
    def entry(n: int) -> Descriptor:
        return Descriptor("application/vnd.oci.image.manifest.v1+json", f"sha256:{n:064x}", 500)

    index = ImageIndex("application/vnd.oci.image.index.v1+json", (entry(1), entry(2)))
    near = IndexSizes(
        {
            entry(1).digest: ImageSize(
                entry(1).digest, 1_401, 1, ("sha256:" + "a" * 64,), 1, "manifest", (1_400,)
            ),
            entry(2).digest: ImageSize(
                entry(2).digest, 1_420, 1, ("sha256:" + "b" * 64,), 1, "manifest", (1_419,)
            ),
        },
        {},
    )
    line = near.summary(index)
    assert line.startswith("2 platforms: about 1.4 kB to download each"), line
    assert "1.4 kB – 1.4 kB" not in line
