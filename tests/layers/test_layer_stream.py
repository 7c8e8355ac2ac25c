"""A layer blob streamed from the registry: gzip, zstd and plain tar, OCI and Docker types, read
back through the real token registry and checked as the bytes arrive. The fake server plays what
a real registry cannot: a lying digest, a redirect to blob storage on another host, a body
dripped below the minimum rate, a stream that hangs, a body cut short, a foreign layer's URL."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.body_stream import MinimumRate
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import (
    Cancelled,
    DigestMismatch,
    InvalidResponse,
    RegistryTimeout,
    ServerError,
)
from acr_desktop.registry.layer_decode import CompressionError
from acr_desktop.registry.layer_stream import (
    EncryptedLayer,
    ForeignLayer,
    LayerSource,
    image_layer_sources,
    open_layer,
)
from acr_desktop.registry.manifest import Descriptor, ImageManifest
from acr_desktop.registry.operation import operation
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeRequest, FakeServer, Registry
from tests.rig import layers as rig
from tests.rig.layers import LayerBlob, PushedImage

MiB = 1 << 20
FILES = {"etc/": b"", "etc/hello.txt": b"hello from a layer\n", "bin/tool": b"\x7fELF" + bytes(300)}
KINDS = [(kind, docker) for docker in (False, True) for kind in ("gzip", "zstd", "none")]


def client_for(registry: Registry | None = None) -> RegistryClient:
    client = RegistryClient(Transport(timeout=(5.0, 10.0)))
    if registry is not None:
        client.transport.set_credentials(registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    return client


def sources_of(image: PushedImage, registry: Registry) -> list[LayerSource]:
    """The image's layers as the app finds them: its manifest and config from the registry."""
    client = client_for(registry)
    ref = parse_reference(image.reference)
    manifest = client.get_manifest(ref).manifest
    assert isinstance(manifest, ImageManifest)
    return image_layer_sources(ref, manifest, client.get_config(ref, manifest.config).config)


def read_all(stream: Any, n: int = 4096) -> bytes:
    parts = []
    while data := stream.read(n):
        assert len(data) <= n
        parts.append(data)
    return b"".join(parts)


def tar_for(kind: str) -> bytes:
    return rig.simple_layer({**FILES, f"{kind}.txt": kind.encode()})


@pytest.fixture(scope="module")
def formats(token_registry: Registry) -> dict[tuple[str, bool], LayerSource]:
    """One image per manifest type, a layer per compression, each a different tar."""
    found: dict[tuple[str, bool], LayerSource] = {}
    kinds: tuple[rig.Compression, ...] = ("gzip", "zstd", "none")
    for docker in (False, True):
        blobs = [rig.layer(tar_for(kind), kind, docker=docker) for kind in kinds]
        tag = "docker" if docker else "oci"
        image = rig.push_layers_image(token_registry, "layers/stream", tag, blobs, docker=docker)
        sources = sources_of(image, token_registry)
        found.update({(kind, docker): s for kind, s in zip(kinds, sources, strict=True)})
    return found


@pytest.mark.parametrize(("compression", "docker"), KINDS)
def test_each_format_streams_and_verifies(
    token_registry: Registry,
    formats: dict[tuple[str, bool], LayerSource],
    compression: str,
    docker: bool,
) -> None:
    source = formats[(compression, docker)]
    expected_tar = tar_for(compression)
    progress: list[tuple[int, int]] = []
    with open_layer(
        client_for(token_registry), source, on_bytes=lambda *a: progress.append(a)
    ) as s:
        assert read_all(s) == expected_tar
        integrity = s.finish()
        assert s.notes == []
    assert integrity.digest_verified
    assert integrity.compression == compression
    assert integrity.diff_id == source.diff_id
    assert integrity.diff_id_status == "verified"
    assert integrity.uncompressed_size == len(expected_tar)
    assert progress[-1] == (source.descriptor.size, source.descriptor.size)


def test_bytes_decide_the_compression_and_a_wrong_type_is_noted(token_registry: Registry) -> None:
    raw = rig.simple_layer(FILES)
    blob = rig.layer(raw, "zstd", media_type_override=rig.OCI_LAYER_GZIP)
    image = rig.push_layers_image(token_registry, "layers/stream-mislabelled", "v1", [blob])
    [source] = sources_of(image, token_registry)
    with open_layer(client_for(token_registry), source) as stream:
        assert read_all(stream) == raw
        integrity = stream.finish()
    assert integrity.compression == "zstd"
    assert stream.notes == ["The layer's type says gzip, but its bytes are zstd; read as zstd."]


def test_a_read_never_decompresses_more_than_asked(token_registry: Registry) -> None:
    for compression in ("gzip", "zstd"):
        blob = rig.zeros_bomb(256 * MiB, compression)
        image = rig.push_layers_image(token_registry, f"layers/bomb-{compression}", "v1", [blob])
        [source] = sources_of(image, token_registry)
        with open_layer(client_for(token_registry), source) as stream:
            first = stream.read(1000)
            assert len(first) == 1000
            assert stream.uncompressed_read == 1000
            assert stream.compressed_read < blob.size


def test_diff_id_mismatch_is_reported_not_raised(token_registry: Registry) -> None:
    blob = dataclasses.replace(rig.layer(rig.simple_layer(FILES)), diff_id="sha256:" + "0" * 64)
    image = rig.push_layers_image(token_registry, "layers/stream-lying-config", "v1", [blob])
    [source] = sources_of(image, token_registry)
    with open_layer(client_for(token_registry), source) as stream:
        integrity = stream.finish()
    assert integrity.digest_verified
    assert integrity.diff_id_status == "mismatch"
    assert integrity.expected_diff_id == "sha256:" + "0" * 64
    assert integrity.diff_id == rig.layer(rig.simple_layer(FILES)).diff_id


def test_a_layer_cut_short_inside_its_compression_is_a_typed_error(
    token_registry: Registry,
) -> None:
    for compression in ("gzip", "zstd"):
        whole = rig.compress(rig.simple_layer(FILES), compression)
        blob = LayerBlob(whole[:-7], rig.media_type(compression), "sha256:" + "1" * 64,
                         compression, 0)  # fmt: skip
        image = rig.push_layers_image(token_registry, f"layers/cut-{compression}", "v1", [blob])
        [source] = sources_of(image, token_registry)
        client = client_for(token_registry)
        with open_layer(client, source) as stream, pytest.raises(CompressionError) as caught:
            read_all(stream)
        assert "cut short" in caught.value.sentence or "corrupt" in caught.value.sentence
        assert compression in caught.value.sentence


def test_an_encrypted_layer_is_refused_before_any_request(fake_server: FakeServer) -> None:
    source = fake_source(fake_server, b"x", media_type=rig.OCI_ENCRYPTED_GZIP)
    with pytest.raises(EncryptedLayer, match="encrypted"), open_layer(client_for(), source):
        pass
    assert fake_server.requests == []


@pytest.mark.usefixtures("netrc_for_other_host")
def test_a_foreign_layer_missing_from_the_registry_is_explained_then_fetched_from_its_url(
    token_registry: Registry, other_fake_server: FakeServer
) -> None:
    raw = rig.simple_layer(FILES)
    blob = rig.layer(raw, media_type_override=rig.OCI_NONDISTRIBUTABLE_GZIP)
    url = f"{other_fake_server.url}/layers/foreign.tar.gz"
    other_fake_server.reply("GET", r"/layers/foreign\.tar\.gz", 200, {}, blob.data)
    descriptor = Descriptor(blob.media_type, blob.digest, blob.size, urls=(url,))
    ref = parse_reference(f"{token_registry.host}/layers/stream:oci")
    source = LayerSource(ref, descriptor, blob.diff_id, 0)
    client = client_for(token_registry)
    with pytest.raises(ForeignLayer) as caught, open_layer(client, source):
        pass
    assert "non-distributable" in caught.value.sentence
    assert url in caught.value.sentence
    assert other_fake_server.requests == []  # never fetched unless asked

    with open_layer(client, dataclasses.replace(source, allow_urls=True)) as stream:
        assert read_all(stream) == raw
        assert stream.finish().digest_verified
    [fetched] = other_fake_server.requests
    assert fetched.header("Authorization") is None


def test_only_http_urls_without_credentials_are_ever_fetched(
    other_fake_server: FakeServer,
) -> None:
    host = other_fake_server.host
    urls = ("ftp://example.com/layer", f"http://user:pw@{host}/layer", "file:///etc/passwd")
    descriptor = Descriptor(rig.OCI_NONDISTRIBUTABLE_GZIP, "sha256:" + "a" * 64, 10, urls=urls)
    source = LayerSource(parse_reference(f"{host}/r:t"), descriptor, None, 0, allow_urls=True)
    with (
        pytest.raises(ForeignLayer, match="no HTTP or HTTPS address"),
        open_layer(client_for(), source),
    ):
        pass
    assert other_fake_server.requests == []


# -- the fake server: what a real registry cannot do ------------------------------------------


def fake_source(
    server: FakeServer, data: bytes, *, size: int | None = None, media_type: str | None = None
) -> LayerSource:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    descriptor = Descriptor(
        media_type or rig.OCI_LAYER_GZIP, digest, len(data) if size is None else size
    )
    return LayerSource(parse_reference(f"{server.host}/r:t"), descriptor, None, 0)


def serve_blob(server: FakeServer, body: Any, headers: dict[str, str] | None = None) -> None:
    server.route("GET", r"/v2/r/blobs/.+", lambda _req: (200, dict(headers or {}), body))


def test_a_lying_digest_is_a_digest_mismatch(fake_server: FakeServer) -> None:
    real = rig.compress(rig.simple_layer(FILES), "gzip")
    lie = rig.compress(rig.simple_layer({"other.txt": b"not the layer asked for"}), "gzip")
    lie = lie + bytes(len(real) - len(lie)) if len(lie) < len(real) else lie[: len(real)]
    serve_blob(fake_server, lie)
    source = fake_source(fake_server, real)
    with open_layer(client_for(), source) as stream, pytest.raises(DigestMismatch) as caught:
        stream.finish()
    assert "does not match its digest" in caught.value.sentence


def test_more_bytes_than_the_descriptor_says_stop_at_once(fake_server: FakeServer) -> None:
    real = rig.compress(rig.simple_layer(FILES), "gzip")
    sent: list[int] = []

    def endless(_req: FakeRequest) -> tuple[int, dict[str, str], Iterator[bytes]]:
        def chunks() -> Iterator[bytes]:
            yield real
            for _ in range(10_000):  # 640 MB if the client kept reading
                sent.append(1)
                yield bytes(64 * 1024)

        return 200, {"Transfer-Encoding": "chunked"}, chunks()

    fake_server.route("GET", r"/v2/r/blobs/.+", endless)
    with open_layer(client_for(), fake_source(fake_server, real)) as stream:
        with pytest.raises(DigestMismatch, match="sent more than that") as caught:
            stream.finish()
        assert stream.compressed_read <= len(real)
    assert caught.value.expected == fake_source(fake_server, real).digest
    assert len(sent) < 10_000


def test_a_declared_length_other_than_the_size_is_refused_before_reading(
    fake_server: FakeServer,
) -> None:
    real = rig.compress(rig.simple_layer(FILES), "gzip")
    serve_blob(fake_server, real + b"extra")
    source = fake_source(fake_server, real)
    with pytest.raises(DigestMismatch) as caught, open_layer(client_for(), source):
        pass
    assert f"sending {len(real) + 5:,} bytes" in caught.value.sentence


def test_a_body_cut_short_is_typed(fake_server: FakeServer) -> None:
    real = rig.compress(rig.simple_layer(FILES), "gzip")
    # Content-Length says the whole blob; the server closes after part of it
    serve_blob(fake_server, [real[:100]], {"Content-Length": str(len(real))})
    source = fake_source(fake_server, real)
    with open_layer(client_for(), source) as stream, pytest.raises(InvalidResponse) as short:
        stream.finish()
    assert f"sent 100 bytes of an answer it said was {len(real):,}" in short.value.sentence
    # no length at all: the end of the connection ends the body, short of the descriptor's size
    fake_server.reset()
    serve_blob(fake_server, iter([real[:100]]))
    with open_layer(client_for(), source) as stream, pytest.raises(DigestMismatch) as cut:
        stream.finish()
    assert "sent 100 bytes" in cut.value.sentence


@pytest.fixture
def netrc_for_other_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ~/.netrc with credentials for 127.0.0.2: requests would send them unless told not to."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.2 login netrc-user password netrc-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))


def test_a_streamed_blob_waits_out_a_rate_limit_and_retries_a_hiccup(
    fake_server: FakeServer,
) -> None:
    raw = rig.simple_layer(FILES)
    blob = rig.compress(raw, "gzip")
    answers = [(429, {"Retry-After": "1"}, b"{}"), (503, {}, b"<html>busy</html>"), (200, {}, blob)]
    fake_server.route("GET", r"/v2/r/blobs/.+", lambda _req: answers.pop(0))
    waits: list[float] = []
    client = RegistryClient(Transport(timeout=(5.0, 10.0), sleep=waits.append))
    with open_layer(client, fake_source(fake_server, blob)) as stream:
        assert read_all(stream) == raw
        assert stream.finish().digest_verified
    assert waits == [1.0, 0.5]
    assert answers == []


@pytest.mark.usefixtures("netrc_for_other_host")
def test_a_redirect_to_blob_storage_on_another_host_gets_no_credentials(
    fake_server: FakeServer, other_fake_server: FakeServer
) -> None:
    raw = rig.simple_layer(FILES)
    blob = rig.compress(raw, "zstd")
    storage = f"{other_fake_server.url}/storage/blob?sig=abc"
    fake_server.reply("GET", r"/v2/r/blobs/.+", 307, {"Location": storage})
    other_fake_server.reply("GET", r"/storage/blob", 200, {}, blob)
    client = client_for()
    client.transport.set_credentials(fake_server.host, Credentials.registry_token("s3cr3t"))
    with open_layer(client, fake_source(fake_server, blob)) as stream:
        assert read_all(stream) == raw
        assert stream.finish().digest_verified
    [asked] = fake_server.requests
    assert asked.header("Authorization") == "Bearer s3cr3t"
    [stored] = other_fake_server.requests
    assert stored.header("Authorization") is None
    assert "s3cr3t" not in repr(stored.headers)


def test_an_error_from_blob_storage_is_a_typed_sentence(
    fake_server: FakeServer, other_fake_server: FakeServer
) -> None:
    fake_server.reply("GET", r"/v2/r/blobs/.+", 307, {"Location": f"{other_fake_server.url}/x"})
    other_fake_server.reply("GET", r"/x", 503, {"Content-Type": "text/html"}, b"<html>" * 100_000)
    source = fake_source(fake_server, b"abc")
    with pytest.raises(ServerError) as caught, open_layer(client_for(), source):
        pass
    assert "HTTP 503" in caught.value.sentence


def drip(stop: threading.Event) -> Iterator[bytes]:
    while not stop.wait(0.02):
        yield b"x"  # a plain tar, as far as the first bytes tell


def test_a_body_dripped_below_the_minimum_rate_times_out_saying_the_rule(
    fake_server: FakeServer,
) -> None:
    serve_blob(fake_server, drip(fake_server.stopping), {"Transfer-Encoding": "chunked"})
    client = client_for()
    client.transport.min_rate = MinimumRate(size=10_000, seconds=0.5)
    source = fake_source(fake_server, b"x" * 1000)
    with open_layer(client, source) as stream, pytest.raises(RegistryTimeout) as caught:
        stream.finish()
    assert "at least 10,000 bytes every 0.5 s" in caught.value.sentence
    assert caught.value.reason == "too slow"


def test_a_cancel_ends_a_read_blocked_mid_stream(fake_server: FakeServer) -> None:
    started, cancel = threading.Event(), threading.Event()
    hanging = _hanging(fake_server.stopping, started)
    serve_blob(fake_server, hanging, {"Transfer-Encoding": "chunked"})

    def cancel_once_started() -> None:  # the server has sent its first bytes and hangs
        started.wait(5)
        cancel.set()

    canceller = threading.Thread(target=cancel_once_started)
    source = fake_source(fake_server, b"x" * 10_000)
    with operation(cancel), open_layer(client_for(), source) as stream:
        canceller.start()
        with pytest.raises(Cancelled):
            stream.finish()
    canceller.join()


def test_the_deadline_ends_a_read_blocked_mid_stream(fake_server: FakeServer) -> None:
    serve_blob(fake_server, _hanging(fake_server.stopping), {"Transfer-Encoding": "chunked"})
    source = fake_source(fake_server, b"x" * 10_000)
    client = client_for()
    with (
        operation(timeout=1.0),
        open_layer(client, source) as s,
        pytest.raises(RegistryTimeout) as caught,
    ):
        s.finish()
    assert "within 1 s" in caught.value.sentence


def _hanging(stop: threading.Event, started: threading.Event | None = None) -> Iterator[bytes]:
    yield b"x" * 100
    if started is not None:
        started.set()
    stop.wait()
