"""One file out of a layer, through the real token registry: a preview reads up to the file and
stops (the fake server counts what it had to send), Save writes only the chosen file, only a
regular one, through a temp file beside it, never following a link."""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.file_read import (
    NoSuchFile,
    NotARegularFile,
    SaveFailed,
    read_file,
    save_file,
)
from acr_desktop.registry.layer_entries import EntryKind
from acr_desktop.registry.layer_stream import LayerSource, layer_sources
from acr_desktop.registry.manifest import Descriptor
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeRequest, FakeServer, Registry
from tests.rig import layers as rig
from tests.rig.layers import Member

MiB = 1 << 20
TEXT = b"first line\nsecond line\n" * 100
FILES: dict[str, bytes | Member] = {
    "etc/": b"",
    "etc/motd": TEXT,
    "bin/tool": b"\x7fELF" + bytes(5000),
    "bin/alias": Member("symlink", link="/etc/shadow"),
    "bin/same": Member("hardlink", link="bin/tool"),
    "dev/null": Member("chardev"),
    "/abs/path.txt": b"absolute\n",
}


def client_for(registry: Registry | None = None) -> RegistryClient:
    client = RegistryClient(Transport(timeout=(5.0, 10.0)))
    if registry is not None:
        client.transport.set_credentials(registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    return client


@pytest.fixture(scope="module")
def source(token_registry: Registry) -> LayerSource:
    blob = rig.layer(rig.simple_layer(FILES), "gzip")
    image = rig.push_layers_image(token_registry, "layers/file-read", "v1", [blob])
    [layer] = image.manifest.json["layers"]
    descriptor = Descriptor(layer["mediaType"], layer["digest"], layer["size"])
    return layer_sources(parse_reference(image.reference), [descriptor], image.diff_ids)[0]


@pytest.mark.registry
def test_a_preview_reads_the_file_and_says_whether_it_is_all(
    token_registry: Registry, source: LayerSource
) -> None:
    client = client_for(token_registry)
    whole = read_file(client, source, "/etc/motd", limit=1 << 20)
    assert whole.data == TEXT and whole.complete
    assert whole.entry.path == "etc/motd" and whole.entry.size == len(TEXT)
    start = read_file(client, source, "./etc/motd", limit=10)
    assert start.data == TEXT[:10] and not start.complete
    link = read_file(client, source, "bin/alias", limit=100)
    assert link.entry.kind == EntryKind.SYMLINK and link.data == b"" and link.complete
    assert read_file(client, source, "abs/path.txt", limit=100).data == b"absolute\n"


@pytest.mark.registry
def test_a_missing_path_is_no_such_file(token_registry: Registry, source: LayerSource) -> None:
    with pytest.raises(NoSuchFile, match="no entry “etc/passwd”") as caught:
        read_file(client_for(token_registry), source, "etc/passwd", limit=100)
    assert caught.value.path == "etc/passwd"


@pytest.mark.registry
def test_save_writes_only_the_chosen_file(
    token_registry: Registry, source: LayerSource, tmp_path: Path
) -> None:
    destination = tmp_path / "out" / "tool.bin"
    destination.parent.mkdir()
    progress: list[tuple[int, int]] = []
    written = save_file(
        client_for(token_registry),
        source,
        "bin/tool",
        destination,
        on_bytes=lambda done, size: progress.append((done, size)),
    )
    assert written == 5004
    assert destination.read_bytes() == b"\x7fELF" + bytes(5000)
    assert sorted(p.name for p in destination.parent.iterdir()) == ["tool.bin"]
    assert progress[-1] == (5004, 5004)
    assert not destination.stat().st_mode & 0o7000  # no set-id bits from anywhere


@pytest.mark.registry
@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("bin/alias", "symbolic link to “/etc/shadow”"),
        ("bin/same", "hard link to “bin/tool”"),
        ("etc", "a dir"),
        ("dev/null", "a char device"),
    ],
)
def test_save_refuses_what_is_not_a_regular_file(
    token_registry: Registry, source: LayerSource, tmp_path: Path, path: str, words: str
) -> None:
    with pytest.raises(NotARegularFile, match=words):
        save_file(client_for(token_registry), source, path, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.registry
def test_save_replaces_a_link_at_the_destination_never_what_it_points_to(
    token_registry: Registry, source: LayerSource, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"untouched")
    destination = tmp_path / "motd"
    destination.symlink_to(victim)
    save_file(client_for(token_registry), source, "etc/motd", destination)
    assert victim.read_bytes() == b"untouched"
    assert not destination.is_symlink()
    assert destination.read_bytes() == TEXT


@pytest.mark.registry
def test_a_failed_save_leaves_nothing_behind(
    token_registry: Registry, source: LayerSource, tmp_path: Path
) -> None:
    destination = tmp_path / "a-folder"
    destination.mkdir()  # os.replace cannot put a file over a folder
    with pytest.raises(SaveFailed, match="Could not write"):
        save_file(client_for(token_registry), source, "etc/motd", destination)
    assert list(tmp_path.iterdir()) == [destination]
    assert list(destination.iterdir()) == []
    with pytest.raises(SaveFailed):
        save_file(client_for(token_registry), source, "etc/motd", tmp_path / "no" / "such")


def test_a_preview_stops_reading_once_the_file_is_in(fake_server: FakeServer) -> None:
    """The server counts what it sent before the client hung up: far less than the layer
    (a real registry cannot say)."""
    rest = random.Random(7).randbytes(64 * MiB)  # incompressible: the blob is as big
    raw = rig.simple_layer({"first.txt": b"the file\n", "rest.bin": rest})
    blob = rig.compress(raw, "gzip")
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    sent: list[int] = []
    ended = threading.Event()

    def body() -> Iterator[bytes]:
        try:
            for at in range(0, len(blob), 64 * 1024):
                sent.append(64 * 1024)
                yield blob[at : at + 64 * 1024]
        finally:
            ended.set()  # sent all, or the client hung up and writing failed

    def handler(_req: FakeRequest) -> tuple[int, dict[str, str], Iterator[bytes]]:
        return 200, {"Content-Length": str(len(blob))}, body()

    fake_server.route("GET", r"/v2/r/blobs/.+", handler)
    descriptor = Descriptor(rig.OCI_LAYER_GZIP, digest, len(blob))
    source = LayerSource(parse_reference(f"{fake_server.host}/r:t"), descriptor, None, 0)
    found = read_file(client_for(), source, "first.txt", limit=100)
    assert found.data == b"the file\n" and found.complete
    assert ended.wait(10)
    assert sum(sent) < len(blob) // 4
