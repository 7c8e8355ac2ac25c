"""`acr-desktop files` and `acr-desktop cat` against the real token registry: layers built by
tests/rig/layers.py (overwrite, whiteout, opaque folder; gzip, zstd, plain tar; OCI and Docker),
each listed through the entry point as text and JSON, the merged filesystem, find, cat, the
cache, exit codes, and names from a tar printed as data."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from acr_desktop import cli
from acr_desktop.cli import main
from acr_desktop.registry.listing_cache import ListingCache
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeServer, Registry
from tests.rig import layers as rig
from tests.rig.content import MTIME, sha256
from tests.rig.layers import PushedImage

pytestmark = pytest.mark.registry
SIGN_IN = ["-u", ALICE_USER, "--password-stdin"]
EXE = [sys.executable, "-m", "acr_desktop"]
Run = tuple[int, bytes, str]


@pytest.fixture(scope="module")
def whiteouts(token_registry: Registry) -> PushedImage:
    return rig.push_layers_image(
        token_registry, "layers/cli-whiteouts", "v1", rig.whiteout_layers()
    )


@pytest.fixture
def run(capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch) -> Any:
    """`acr-desktop ARGS…` in this process, signed in as alice: (exit code, stdout, stderr)."""

    def call(*args: str, sign_in: bool = True) -> Run:
        if "cli_files" not in Path(cli.__file__).read_text(encoding="utf-8"):
            pytest.fail(
                "cli.main does not hand `files` / `cat` to cli_files (it would open the window)"
            )
        monkeypatch.setattr(sys, "stdin", io.StringIO(ALICE_PASSWORD + "\n"))
        code = main([*args, *(SIGN_IN if sign_in else [])])
        out, err = capsysbinary.readouterr()
        return code, out, err.decode()

    return call


def as_json(result: Run) -> Any:
    code, out, err = result
    assert code == 0, err
    return json.loads(out)


def test_files_lists_every_layer_with_what_it_changes(run: Any, whiteouts: PushedImage) -> None:
    code, out, err = run("files", whiteouts.reference)
    assert code == 0, err
    text = out.decode()
    for number, digest in enumerate(whiteouts.layer_digests, 1):
        assert f"Layer {number}  {digest}" in text
    assert "(gzip, digest verified, diff_id verified)" in text
    assert "-rw-r--r-- root/root                21 2024-01-02 03:04 etc/motd  [modified]" in text
    assert "lib/libc.so -> libc.so.6  [added]" in text
    assert "bin/ls link to bin/sh  [added]" in text
    assert "var/cache/apt/.wh.big.deb  [deleted]" in text
    assert "usr/share/doc/.wh..wh..opq  [opaque]" in text
    assert "drwxr-xr-x root/root                 0 2024-01-02 03:04 etc  [modified]" in text


def test_json_gives_every_change_and_the_integrity(run: Any, whiteouts: PushedImage) -> None:
    doc = as_json(run("files", whiteouts.reference, "--json"))
    assert doc["view"] == "layers"
    assert [layer["layer"] for layer in doc["layers"]] == [1, 2, 3]
    changes = {
        (layer["layer"] - 1, e["path"]): e["change"]
        for layer in doc["layers"]
        for e in layer["entries"]
    }
    for key, change in rig.WHITEOUT_CHANGES.items():
        assert changes[key] == change, key
    assert {c for (layer, _), c in changes.items() if layer == 0} == {"added"}
    first = doc["layers"][0]
    assert first["digest"] == whiteouts.layer_digests[0]
    assert first["integrity"]["diff_id"] == whiteouts.diff_ids[0] == first["expected_diff_id"]
    assert first["integrity"]["digest_verified"] is True
    assert first["integrity"]["diff_id_status"] == "verified"
    assert first["complete"] is True and first["total_entries"] == len(first["entries"]) == 23
    motd = next(e for e in doc["layers"][1]["entries"] if e["path"] == "etc/motd")
    assert motd == {
        "path": "etc/motd", "type": "file", "size": 21, "mode": 0o644, "uid": 0, "gid": 0,
        "owner": "root", "group": "root", "mtime": MTIME, "link": "", "flags": [],
        "change": "modified",
    }  # fmt: skip


def test_merged_filesystem_last_writers_and_wasted_space(run: Any, whiteouts: PushedImage) -> None:
    doc = as_json(run("files", whiteouts.reference, "--merged", "--json"))
    files = {f["path"]: f for f in doc["files"]}
    for path, (layer, size) in rig.WHITEOUT_FILES.items():
        assert (files[path]["layer"], files[path]["size"]) == (layer + 1, size), path
    assert not set(rig.WHITEOUT_GONE) & set(files)
    assert files["bin/sh"]["type"] == "symlink" and files["bin/sh"]["layer"] == 3
    assert files["usr"]["size"] == 700  # folder sizes: the files below that are still there
    wasted = doc["wasted"]
    assert wasted["total"] == rig.WHITEOUT_WASTED_TOTAL
    assert wasted["by_layer"] == {str(k + 1): v for k, v in rig.WHITEOUT_WASTED.items()}
    assert wasted["largest"][0] == {
        "path": "var/cache/apt/big.deb", "size": 100_000, "layer": 1, "how": "deleted"
    }  # fmt: skip
    out = run("files", whiteouts.reference, "--merged")[1]
    assert b"Wasted: 109.3 kB (layer 1: 109.3 kB, layer 2: 13 B)" in out
    assert b"etc/os-release  [layer 3]" in out


def test_find_says_which_layer_added_and_which_deleted(run: Any, whiteouts: PushedImage) -> None:
    doc = as_json(run("files", whiteouts.reference, "--find", "big.deb", "--json"))
    found = [
        (layer["layer"], e["path"], e["change"])
        for layer in doc["layers"]
        for e in layer["entries"]
    ]
    assert found == [
        (1, "var/cache/apt/big.deb", "added"),
        (2, "var/cache/apt/.wh.big.deb", "deleted"),
    ]
    code, out, _ = run("files", whiteouts.reference, "--find", "/app/**")
    assert code == 0
    assert [line.split()[-2:] for line in out.decode().splitlines() if "app/main.py" in line] == [
        ["app/main.py", "[added]"],
        ["app/main.py", "[modified]"],
    ]


def test_one_layer_by_number_or_digest(run: Any, whiteouts: PushedImage) -> None:
    by_number = run("files", whiteouts.reference, "--layer", "2")
    by_digest = run("files", whiteouts.reference, "--layer", whiteouts.layer_digests[1][:19])
    assert by_number[0] == by_digest[0] == 0
    assert by_number[1] == by_digest[1]
    text = by_number[1].decode()
    assert text.startswith(f"Layer 2  {whiteouts.layer_digests[1]}")
    assert "Layer 1" not in text and "Layer 3" not in text
    assert "etc/motd  [modified]" in text  # what it changes needs the layer below: read too
    code, _, err = run("files", whiteouts.reference, "--layer", "4")
    assert code == 3
    assert "no layer 4 in" in err and "give a number from 1 to 3" in err


def test_cat_writes_the_exact_bytes_of_the_last_writer(run: Any, whiteouts: PushedImage) -> None:
    assert run("cat", whiteouts.reference, "/etc/os-release")[:2] == (0, b"NAME=final\nVERSION=2\n")
    assert run("cat", whiteouts.reference, "app/main.py")[:2] == (0, b"print('two')\n")
    code, out, _ = run("cat", whiteouts.reference, "var/cache/apt/big.deb", "--layer", "1")
    assert (code, out) == (0, b"!<arch>\n" + bytes(99_992))
    code, out, err = run("cat", whiteouts.reference, "var/cache/apt/big.deb")
    assert (code, out) == (3, b"")
    assert "There is no var/cache/apt/big.deb in this image." in err
    code, out, err = run("cat", whiteouts.reference, "bin/sh")
    assert (code, out) == (1, b"")
    assert "bin/sh in layer 3 is a symlink to busybox, not a regular file" in err


def pty_run(*args: str) -> tuple[int, bytes, bytes]:
    """The CLI with its stdout on a terminal (a pty): (exit code, what the terminal got, stderr)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [*EXE, *args, *SIGN_IN],
            input=(ALICE_PASSWORD + "\n").encode(),
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal has no writer left
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    return proc.returncode, shown, proc.stderr


def test_cat_refuses_binary_to_a_terminal_unless_forced(
    token_registry: Registry, whiteouts: PushedImage
) -> None:
    code, shown, err = pty_run("cat", whiteouts.reference, "bin/sh", "--layer", "1")
    assert (code, shown) == (2, b"")
    assert b"bin/sh is binary (1,000 bytes); redirect it to a file or a pipe" in err
    code, shown, _ = pty_run("cat", whiteouts.reference, "bin/sh", "--layer", "1", "--force")
    assert code == 0
    assert shown.startswith(b"\x7fELF\0\0")


def test_names_and_text_from_a_tar_reach_a_terminal_as_data(
    run: Any, token_registry: Registry
) -> None:
    hostile = "evil\x1b]0;pwned\x07\n\u202egnp.exe"
    raw = rig.simple_layer({hostile: b"x", "note.txt": b"hi \x1b[2J\x1b[31mred\n"})
    image = rig.push_layers_image(token_registry, "layers/cli-hostile", "v1", [raw])
    code, out, _ = run("files", image.reference)
    assert code == 0
    assert b"\x1b" not in out and "\u202e".encode() not in out
    assert b"evil\\x1b]0;pwned\\x07\\x0a\\u202egnp.exe" in out
    doc = as_json(run("files", image.reference, "--json"))
    assert doc["layers"][0]["entries"][0]["path"] == hostile
    code, shown, _ = pty_run("cat", image.reference, "note.txt")
    assert code == 0
    assert b"\x1b" not in shown and b"hi \\x1b[2J\\x1b[31mred" in shown


@pytest.mark.parametrize(
    ("compression", "docker"), [("zstd", False), ("none", False), ("gzip", True), ("zstd", True)]
)
def test_formats_list_alike(
    run: Any, token_registry: Registry, compression: rig.Compression, docker: bool
) -> None:
    raw = rig.whiteout_layers()[0]
    blob = rig.layer(raw, compression, docker=docker)
    tag = f"{compression}-{'docker' if docker else 'oci'}"
    image = rig.push_layers_image(token_registry, "layers/cli-formats", tag, [blob], docker=docker)
    doc = as_json(run("files", image.reference, "--json"))
    layer = doc["layers"][0]
    assert layer["media_type"] == rig.media_type(compression, docker=docker)
    assert layer["integrity"]["compression"] == compression
    assert layer["integrity"]["diff_id_status"] == "verified"
    assert len(layer["entries"]) == 23
    assert run("cat", image.reference, "etc/motd")[:2] == (0, b"welcome\n")


def test_a_second_listing_comes_from_the_cache(
    run: Any, token_registry: Registry, whiteouts: PushedImage
) -> None:
    image = rig.push_layers_image(
        token_registry, "layers/cli-cache", "v1", [rig.simple_layer({"cached.txt": b"c"})]
    )
    first = run("files", image.reference, "--json")
    assert ListingCache().count() == 1
    # With the blob gone from the registry, only the cache can answer.
    delete_blob(token_registry, image.repository, image.layer_digests[0])
    assert run("files", image.reference, "--json") == first
    assert run("cat", image.reference, "cached.txt")[0] == 3  # its bytes are not cached


def delete_blob(registry: Registry, repository: str, digest: str) -> None:
    assert registry.token_server is not None
    access = [{"type": "repository", "name": repository, "actions": ["*"]}]
    token = registry.token_server.mint(access, service=registry.host)
    url = f"{registry.url}/v2/{repository}/blobs/{digest}"
    resp = requests.delete(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert resp.status_code == 202


def test_an_image_whose_config_is_gone_is_listed_with_a_note(
    run: Any, token_registry: Registry
) -> None:
    image = rig.push_layers_image(
        token_registry, "layers/cli-no-config", "v1", [rig.simple_layer({"kept.txt": b"k"})]
    )
    assert image.manifest.config is not None
    delete_blob(token_registry, image.repository, image.manifest.config.digest)
    code, out, err = run("files", image.reference)
    assert code == 0, err
    assert "diff_ids are not compared" in err
    assert b"no diff_id to compare" in out and b" kept.txt  [added]" in out


def test_a_non_distributable_layer_is_fetched_from_its_urls_only_when_asked(
    run: Any, fake_server: FakeServer, tmp_path: Path
) -> None:
    foreign = rig.layer(
        rig.simple_layer({"foreign.txt": b"from elsewhere\n"}),
        media_type_override=rig.OCI_NONDISTRIBUTABLE_GZIP,
        urls=[f"{fake_server.url}/blobs/foreign"],
    )
    fake_server.reply("GET", r"/blobs/foreign$", 200, {}, foreign.data)
    registry = rig.urls_allowed_registry(tmp_path / "registry").start()
    try:
        base = rig.layer(rig.simple_layer({"base.txt": b"b"}))
        layers = [base, dataclasses.replace(foreign, push=False)]
        image = rig.push_layers_image(registry, "layers/foreign", "v1", layers)
        code, out, err = run("files", image.reference, sign_in=False)
        assert code == 3
        assert b" base.txt  [added]" in out  # each layer is printed as it is read
        assert "hint: --allow-urls fetches it from the URLs its descriptor names" in err
        assert not fake_server.requests
        code, out, err = run("files", image.reference, "--allow-urls", "--json", sign_in=False)
        assert code == 0, err
        paths = [[e["path"] for e in layer["entries"]] for layer in json.loads(out)["layers"]]
        assert paths == [["base.txt"], ["foreign.txt"]]
        assert run("cat", image.reference, "foreign.txt", "--allow-urls", sign_in=False)[:2] == (
            0,
            b"from elsewhere\n",
        )
    finally:
        registry.stop()
    assert all(request.header("Authorization") is None for request in fake_server.requests)


def test_exit_codes(run: Any, token_registry: Registry, whiteouts: PushedImage) -> None:
    raw = rig.simple_layer({"a": b"a"})
    lying = dataclasses.replace(rig.layer(raw), diff_id=sha256(b"something else"))
    image = rig.push_layers_image(token_registry, "layers/cli-lying", "v1", [lying])
    code, out, err = run("files", image.reference)
    assert code == 5
    assert b"diff_id MISMATCH" in out
    assert "differs from the diff_id the image's config gives" in err
    assert run("files", f"{token_registry.host}/layers/cli-whiteouts:nope")[0] == 3
    assert run("files", "Not A Reference")[0] == 2
    assert run("files", whiteouts.reference, "--platform", "linux/arm64")[0] == 2
    assert run("files", whiteouts.reference, sign_in=False)[0] == 4
    assert run("cat", whiteouts.reference, "no/such/file")[0] == 3


def test_files_imports_neither_qt_nor_zstd_for_gzip(
    token_registry: Registry, whiteouts: PushedImage, tmp_path: Path
) -> None:
    code = (
        "import io, sys\n"
        "from acr_desktop.cli import main\n"
        f"sys.stdin = io.StringIO({ALICE_PASSWORD!r} + '\\n')\n"
        f"rc = main(['files', {whiteouts.reference!r}, *{SIGN_IN!r}])\n"
        "assert rc == 0, rc\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "assert 'zstandard' not in sys.modules\n"
    )
    env = os.environ | {"ACR_DESKTOP_CACHE_DIR": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-c", code], check=True, timeout=120, env=env, capture_output=True
    )
