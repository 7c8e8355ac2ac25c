"""Layers for the "files inside layers" tests: tars built in memory (plain, whiteouts, Debian-sized,
and every hostile shape of issue 13), compressed, and pushed to the real registry as an image.

Builders return the *uncompressed* tar bytes; `layer(raw, "gzip"|"zstd"|"none")` makes the blob.
The two shapes too big to hold uncompressed (`zeros_bomb`, `million_entries`) are built straight
into a `LayerBlob` by streaming. Everything is deterministic (fixed mtimes, seeded sizes)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import random
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin

import requests

from .content import MTIME, Blob, Manifest, sha256

if TYPE_CHECKING:
    from pathlib import Path

    from .registry import Mode, Registry
    from .token_server import TokenServer

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
Compression = Literal["gzip", "zstd", "none"]
BLOCK = 512

OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_NONDISTRIBUTABLE_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
OCI_ENCRYPTED_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip+encrypted"
DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_LAYER_ZSTD = "application/vnd.docker.image.rootfs.diff.tar.zstd"  # containerd's name
DOCKER_FOREIGN_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"

_TYPES = {
    (False, "none"): OCI_LAYER_TAR,
    (False, "gzip"): OCI_LAYER_GZIP,
    (False, "zstd"): OCI_LAYER_ZSTD,
    (True, "none"): DOCKER_LAYER_TAR,
    (True, "gzip"): DOCKER_LAYER_GZIP,
    (True, "zstd"): DOCKER_LAYER_ZSTD,
}


def media_type(compression: Compression, *, docker: bool = False) -> str:
    """The layer media type for `compression`, OCI or Docker."""
    return _TYPES[(docker, compression)]


# --- compression ---------------------------------------------------------------------------


def compress(raw: bytes, compression: Compression) -> bytes:
    """`raw` as a gzip (deterministic: mtime 0), zstd (one frame) or uncompressed blob."""
    if compression == "gzip":
        return gzip.compress(raw, compresslevel=6, mtime=0)
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdCompressor(level=3).compress(raw)
    return raw


def compress_chunks(chunks: Iterable[bytes], compression: Compression) -> tuple[bytes, str, int]:
    """Compress a stream of tar bytes without holding it whole: (blob, diff_id, tar size)."""
    hasher, size, out = hashlib.sha256(), 0, io.BytesIO()
    step: Callable[[bytes], bytes] = bytes
    finish: Callable[[], bytes] = bytes
    if compression == "zstd":
        import zstandard

        zobj = zstandard.ZstdCompressor(level=3).compressobj()
        step, finish = zobj.compress, zobj.flush
    elif compression == "gzip":
        gobj = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip wrapper (mtime 0)
        step, finish = gobj.compress, gobj.flush
    for chunk in chunks:
        hasher.update(chunk)
        size += len(chunk)
        out.write(step(chunk))
    out.write(finish())
    return out.getvalue(), "sha256:" + hasher.hexdigest(), size


# --- blobs and images ------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerBlob:
    """One layer as pushed: the blob bytes, its media type and the diff_id the config lists."""

    data: bytes
    media_type: str
    diff_id: str  # sha256 of the uncompressed tar
    compression: Compression
    uncompressed_size: int
    urls: tuple[str, ...] = ()  # for a non-distributable / foreign layer
    push: bool = True  # False: the registry is not given the blob (a foreign layer)

    @property
    def digest(self) -> str:
        return sha256(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    def descriptor(self) -> dict[str, Any]:
        desc: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest}
        desc["size"] = self.size
        if self.urls:
            desc["urls"] = list(self.urls)
        return desc


def layer(
    raw: bytes,
    compression: Compression = "gzip",
    *,
    docker: bool = False,
    media_type_override: str | None = None,
    urls: Sequence[str] = (),
) -> LayerBlob:
    """A blob of the tar `raw`, compressed as asked, with the matching (or the given) type.
    A foreign layer the registry lacks: `dataclasses.replace(layer(...), push=False)`; a config
    that lies about the diff_id: `replace(blob, diff_id=...)`."""
    return LayerBlob(
        compress(raw, compression),
        media_type_override or media_type(compression, docker=docker),
        sha256(raw),
        compression,
        len(raw),
        tuple(urls),
    )


@dataclass(frozen=True)
class PushedImage:
    """An image `push_layers_image` put in the registry."""

    registry: str  # host:port
    repository: str
    tag: str
    manifest: Manifest  # exact bytes, config and layer blobs (see rig/content.py)
    layers: tuple[LayerBlob, ...]

    @property
    def reference(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"

    @property
    def digest(self) -> str:
        return self.manifest.digest

    @property
    def layer_digests(self) -> tuple[str, ...]:
        return tuple(blob.digest for blob in self.layers)

    @property
    def diff_ids(self) -> tuple[str, ...]:
        """As written in the config."""
        return tuple(blob.diff_id for blob in self.layers)


def image_manifest(
    repository: str, layers: Sequence[LayerBlob], *, docker: bool = False
) -> Manifest:
    """The manifest (and config) of a linux/amd64 image of `layers`, base first."""
    import json

    ids = [blob.diff_id for blob in layers]
    cfg = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-02T03:04:05Z",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": ids},
        "history": [{"created_by": f"layer {i}"} for i in range(len(layers))],
    }
    config = Blob(DOCKER_CONFIG if docker else OCI_CONFIG, json.dumps(cfg).encode())
    kind = DOCKER_MANIFEST if docker else OCI_MANIFEST
    body = {
        "schemaVersion": 2,
        "mediaType": kind,
        "config": config.descriptor(),
        "layers": [blob.descriptor() for blob in layers],
    }
    data = json.dumps(body, indent=3 if docker else None).encode()
    pushed = [Blob(blob.media_type, blob.data) for blob in layers if blob.push]
    platform = {"architecture": "amd64", "os": "linux"}
    return Manifest(repository, kind, data, config, pushed, platform=platform)


def push_layers_image(
    registry: Registry,
    repository: str,
    tag: str,
    layers: Sequence[LayerBlob | bytes],
    *,
    docker: bool = False,
) -> PushedImage:
    """Push an image of `layers` (raw tar bytes are gzip'd) to the real `registry` as
    `repository:tag`. Blobs the registry already holds are not sent again."""
    blobs = tuple(
        item if isinstance(item, LayerBlob) else layer(item, docker=docker) for item in layers
    )
    manifest = image_manifest(repository, blobs, docker=docker)
    with requests.Session() as session:
        session.headers.update(registry.push_headers((repository,)))
        assert manifest.config is not None
        for blob in [manifest.config, *manifest.layers]:
            _push_blob(session, registry.url, repository, blob)
        resp = session.put(
            f"{registry.url}/v2/{repository}/manifests/{tag}",
            data=manifest.data,
            headers={"Content-Type": manifest.media_type},
            timeout=60,
        )
        if resp.status_code != 201:
            raise RuntimeError(f"put manifest {repository}:{tag}: {resp.status_code} {resp.text}")
    manifest.tags.append(tag)
    return PushedImage(registry.host, repository, tag, manifest, blobs)


def _push_blob(session: requests.Session, url: str, repo: str, blob: Blob) -> None:
    if session.head(f"{url}/v2/{repo}/blobs/{blob.digest}", timeout=30).status_code == 200:
        return
    resp = session.post(f"{url}/v2/{repo}/blobs/uploads/", timeout=30)
    if resp.status_code != 202:
        raise RuntimeError(f"start upload to {repo}: {resp.status_code} {resp.text}")
    location = urljoin(f"{url}/", resp.headers["Location"])
    sep = "&" if "?" in location else "?"
    resp = session.put(
        f"{location}{sep}digest={blob.digest}",
        data=blob.data,
        headers={"Content-Type": "application/octet-stream"},
        timeout=120,
    )
    if resp.status_code != 201:
        raise RuntimeError(f"upload {blob.digest} to {repo}: {resp.status_code} {resp.text}")


# --- tars from a description -----------------------------------------------------------------

Kind = Literal["file", "dir", "symlink", "hardlink", "fifo", "chardev"]
_TARTYPE = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "fifo": tarfile.FIFOTYPE,
    "chardev": tarfile.CHRTYPE,
}


@dataclass(frozen=True)
class Member:
    """One tar member for `simple_layer` when plain bytes (a regular file) are not enough."""

    kind: Kind = "file"
    data: bytes = b""
    link: str = ""
    mode: int | None = None  # default 0o755 for dirs, 0o644 otherwise
    uid: int = 0
    gid: int = 0
    uname: str = "root"
    gname: str = "root"
    mtime: float = MTIME


def simple_layer(
    files: Mapping[str, bytes | Member], *, tar_format: int = tarfile.PAX_FORMAT
) -> bytes:
    """A tar of exactly `files`, in the order given: bytes = a regular file, a name ending in
    "/" = a directory, else a `Member`. No parent directories are added."""
    buf = io.BytesIO()
    with tarfile.open(
        fileobj=buf, mode="w", format=tar_format, encoding="utf-8", errors="surrogateescape"
    ) as tar:
        for path, spec in files.items():
            if isinstance(spec, bytes):
                is_dir = path.endswith("/") and not spec
                spec = Member("dir") if is_dir else Member(data=spec)  # noqa: PLW2901
            info = tarfile.TarInfo(path)
            info.type = _TARTYPE[spec.kind]
            info.size = len(spec.data) if spec.kind == "file" else 0
            info.mode = (
                spec.mode if spec.mode is not None else (0o755 if spec.kind == "dir" else 0o644)
            )
            info.linkname = spec.link
            info.uid, info.gid, info.uname, info.gname = spec.uid, spec.gid, spec.uname, spec.gname
            info.mtime = spec.mtime
            tar.addfile(info, io.BytesIO(spec.data) if spec.kind == "file" else None)
    return buf.getvalue()


def empty_layer() -> bytes:
    """A tar with no members: two zero blocks (what an empty `RUN` layer holds)."""
    return bytes(2 * BLOCK)


# --- a three-layer image with overwrite, whiteout and opaque directory ------------------------


def whiteout_layers() -> list[bytes]:
    """Three layers, base first; what they should merge to is in WHITEOUT_* below."""
    base: dict[str, bytes | Member] = {
        "etc/": b"",
        "etc/os-release": b"NAME=base\n",
        "etc/motd": b"welcome\n",
        "bin/": b"",
        "bin/sh": b"\x7fELF" + bytes(996),
        "bin/ls": Member("hardlink", link="bin/sh"),
        "lib/": b"",
        "lib/libc.so.6": b"\x7fELF" + b"c" * 1996,
        "lib/libc.so": Member("symlink", link="libc.so.6", mode=0o777),
        "opt/": b"",
        "opt/app/": b"",
        "opt/app/old.txt": b"o" * 300,
        "usr/": b"",
        "usr/share/": b"",
        "usr/share/doc/": b"",
        "usr/share/doc/a/": b"",
        "usr/share/doc/a/copyright": b"a" * 3000,
        "usr/share/doc/b/": b"",
        "usr/share/doc/b/copyright": b"b" * 5000,
        "var/": b"",
        "var/cache/": b"",
        "var/cache/apt/": b"",
        "var/cache/apt/big.deb": b"!<arch>\n" + bytes(99_992),
    }
    one: dict[str, bytes | Member] = {
        "etc/": b"",
        "etc/motd": b"welcome to layer one\n",
        "usr/share/doc/": b"",
        "usr/share/doc/.wh..wh..opq": b"",
        "usr/share/doc/c/": b"",
        "usr/share/doc/c/copyright": b"c" * 700,
        "var/cache/apt/.wh.big.deb": b"",
        "app/": b"",
        "app/main.py": b"print('one')\n",
    }
    two: dict[str, bytes | Member] = {
        "etc/os-release": b"NAME=final\nVERSION=2\n",
        "opt/.wh.app": b"",
        "app/main.py": b"print('two')\n",
        "bin/sh": Member("symlink", link="busybox", mode=0o777),
        "bin/busybox": b"\x7fELF" + b"x" * 3996,
    }
    return [simple_layer(files) for files in (base, one, two)]


# Bytes of lower files a later layer overwrote or deleted, credited to the layer that wrote them:
# layer 0: motd 8 + opaque doc (3000 + 5000) + big.deb 100000 + os-release 10 + opt/app 300
# + bin/sh 1000 (replaced by a symlink); layer 1: app/main.py 13.
WHITEOUT_WASTED = {0: 109_318, 1: 13}
WHITEOUT_WASTED_TOTAL = 109_331
# path -> (layer that last wrote it, size) in the merged filesystem (regular files only)
WHITEOUT_FILES = {
    "etc/os-release": (2, 21),
    "etc/motd": (1, 21),
    "lib/libc.so.6": (0, 2000),
    "usr/share/doc/c/copyright": (1, 700),
    "app/main.py": (2, 13),
    "bin/busybox": (2, 4000),
}
WHITEOUT_GONE = (
    "opt/app",
    "opt/app/old.txt",
    "usr/share/doc/a",
    "usr/share/doc/a/copyright",
    "usr/share/doc/b/copyright",
    "var/cache/apt/big.deb",
)
# (layer, path) -> what the layer does to the path, seen against the layers below
WHITEOUT_CHANGES = {
    (1, "etc"): "modified",
    (1, "etc/motd"): "modified",
    (1, "usr/share/doc"): "modified",
    (1, "usr/share/doc/.wh..wh..opq"): "opaque",
    (1, "usr/share/doc/c"): "added",
    (1, "usr/share/doc/c/copyright"): "added",
    (1, "var/cache/apt/.wh.big.deb"): "deleted",
    (1, "app"): "added",
    (1, "app/main.py"): "added",
    (2, "etc/os-release"): "modified",
    (2, "opt/.wh.app"): "deleted",
    (2, "app/main.py"): "modified",
    (2, "bin/sh"): "modified",
    (2, "bin/busybox"): "added",
}


# --- a Debian-sized layer ----------------------------------------------------------------------

_LANGS = ("de", "es", "fr", "it", "ja", "pt_BR", "ru", "zh_CN")
_WORDS = b"the of package debian copyright license free software permission notice warranty "


def _debian_paths(n: int, rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(path, kind, link) in the order a Debian rootfs tar has them: each dir before its files."""
    made: set[str] = set()

    def with_parents(path: str, kind: str, link: str = "") -> Iterator[tuple[str, str, str]]:
        parts = path.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent not in made:
                made.add(parent)
                yield parent, "dir", ""
        yield path, kind, link

    i = 0
    while True:
        pkg = f"lib{rng.choice(('ssl', 'gnutls', 'xml', 'z', 'curl', 'pam', 'sys'))}{i}"
        ver = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}"
        lib = f"usr/lib/x86_64-linux-gnu/{pkg}.so.{ver}"
        items = [
            (f"usr/share/doc/{pkg}/copyright", "text", ""),
            (f"usr/share/doc/{pkg}/changelog.Debian.gz", "binary", ""),
            (lib, "binary", ""),
            (
                f"usr/lib/x86_64-linux-gnu/{pkg}.so.{ver.split('.', maxsplit=1)[0]}",
                "symlink",
                lib.rsplit("/", maxsplit=1)[-1],
            ),
            (f"usr/bin/{pkg.removeprefix('lib')}", "binary", ""),
            (f"usr/share/man/man1/{pkg}.1.gz", "binary", ""),
            (f"var/lib/dpkg/info/{pkg}.list", "text", ""),
            (f"var/lib/dpkg/info/{pkg}.md5sums", "text", ""),
            (f"usr/share/{pkg}/data/{pkg}.dat", "binary", ""),
        ]
        items += [(f"usr/share/locale/{lang}/LC_MESSAGES/{pkg}.mo", "binary", "")
                  for lang in rng.sample(_LANGS, rng.randint(0, 4))]  # fmt: skip
        if i % 7 == 0:
            items.append((f"usr/sbin/{pkg}-tool", "hardlink", f"usr/bin/{pkg.removeprefix('lib')}"))
        for path, kind, link in items:
            for entry in with_parents(path, kind, link):
                yield entry
                n -= 1
                if n == 0:
                    return
        i += 1


@functools.lru_cache(maxsize=4)
def debian_like(n: int = 30_000, *, total_size: int = 16 * MiB, seed: int = 13) -> bytes:
    """A tar of exactly `n` entries shaped like a Debian root filesystem (dirs, libraries with
    their .so symlinks, docs, locales, dpkg lists, some hard links), file sizes log-normal and
    scaled to about `total_size` bytes; text compresses well, binaries do not."""
    rng = random.Random(seed)
    entries = list(_debian_paths(n, rng))
    weights = [rng.lognormvariate(8, 1.6) if kind in ("text", "binary") else 0.0
               for _, kind, _ in entries]  # fmt: skip
    scale = total_size / (sum(weights) or 1)
    files: dict[str, bytes | Member] = {}
    for (path, kind, link), weight in zip(entries, weights, strict=True):
        size = int(weight * scale)
        if kind == "dir":
            files[path + "/"] = b""
        elif kind == "symlink":
            files[path] = Member("symlink", link=link, mode=0o777)
        elif kind == "hardlink":
            files[path] = Member("hardlink", link=link, mode=0o755)
        elif kind == "text":
            files[path] = (_WORDS * (size // len(_WORDS) + 1))[:size]
        else:
            files[path] = Member(data=rng.randbytes(size), mode=0o755 if "/bin/" in path else 0o644)
    return simple_layer(files)


# --- hostile shapes --------------------------------------------------------------------------


def _number(value: int, width: int) -> bytes:
    """An octal tar number field; base-256 (GNU) when it does not fit."""
    if 0 <= value < 8 ** (width - 1):
        return f"{value:0{width - 1}o}".encode() + b"\0"
    return bytes([0x80]) + value.to_bytes(width - 1, "big")


def header(
    name: bytes,
    size: int = 0,
    typeflag: bytes = b"0",
    *,
    gnu: bool = False,
    extra: Mapping[int, bytes] | None = None,
) -> bytes:
    """One 512-byte tar header made by hand (ustar, or old GNU with `gnu=True`); `extra` writes
    raw bytes at offsets (a sparse map, say) before the checksum is computed."""
    block = bytearray(BLOCK)
    block[0:100] = name[:100].ljust(100, b"\0")
    block[100:108] = _number(0o644, 8)
    block[108:116] = _number(0, 8)
    block[116:124] = _number(0, 8)
    block[124:136] = _number(size, 12)
    block[136:148] = _number(MTIME, 12)
    block[156:157] = typeflag
    block[257:265] = b"ustar  \0" if gnu else b"ustar\x0000"
    block[265:269] = block[297:301] = b"root"
    for offset, raw in (extra or {}).items():
        block[offset : offset + len(raw)] = raw
    block[148:156] = b" " * 8
    block[148:156] = f"{sum(block):06o}".encode() + b"\0 "
    return bytes(block)


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % BLOCK)


def absolute_paths() -> bytes:
    """Names that start with "/" (the root itself too): listed, flagged ABSOLUTE, never used."""
    return simple_layer({"/": b"", "/etc/": b"", "/etc/passwd": b"root:x:0:0::/root:/bin/sh\n",
                         "/tmp/link": Member("symlink", link="/etc/shadow")})  # fmt: skip


def dotdot_paths() -> bytes:
    """Names with ".." parts: kept as data, flagged DOTDOT, never resolved."""
    return simple_layer({
        "../escape.txt": b"out\n",
        "a/../../b.txt": b"up\n",
        "./../c.txt": b"c\n",
        "d/..": Member("dir"),
        "e/link": Member("symlink", link="../../../../etc/passwd"),
    })  # fmt: skip


LONG_NAME = "deep/" + "/".join(f"directory-{i:03d}" for i in range(30)) + "/file.txt"  # ~420 chars
LONG_LINK = "/".join(["target"] * 60)


def pax_long_names() -> bytes:
    """PAX records: a long path and link target, a large uid, a UTF-8 owner, fractional mtime."""
    files: dict[str, bytes | Member] = {
        LONG_NAME: b"long\n",
        "pax/link": Member("symlink", link=LONG_LINK),
        "pax/big-uid": Member(data=b"u\n", uid=8**8 + 5, uname="José"),
        "pax/fraction": Member(data=b"f\n", mtime=MTIME + 0.5),
        "données/été.txt": b"accents\n",
    }
    return simple_layer(files, tar_format=tarfile.PAX_FORMAT)


def gnu_long_names() -> bytes:
    """GNU ././@LongLink records: a long name (L) and a long link target (K)."""
    return simple_layer({LONG_NAME: b"long\n", "gnu/link": Member("symlink", link=LONG_LINK)},
                        tar_format=tarfile.GNU_FORMAT)  # fmt: skip


def huge_name_records(size: int = 2 * MiB) -> bytes:
    """A PAX path and a GNU long name of `size` bytes each (past any sane cap), then an ordinary
    file the reader must still find."""
    big = ("x" * (size - 4) + ".txt").encode()
    pax_data = _pax_record(b"path", big)
    out = [header(b"PaxHeaders/huge", len(pax_data), b"x"), _padded(pax_data)]
    out.append(header(b"huge-pax-fallback-name.txt", 4) + _padded(b"pax\n"))
    out.append(header(b"././@LongLink", len(big) + 1, b"L", gnu=True) + _padded(big + b"\0"))
    out.append(header(b"huge-gnu-fallback-name.txt", 4, gnu=True) + _padded(b"gnu\n"))
    out.append(header(b"after-huge-names.txt", 3) + _padded(b"ok\n"))
    return b"".join(out) + bytes(2 * BLOCK)


NON_UTF8_NAMES = (b"caf\xe9.txt", b"dir\xff/file", b"\xc3\x28bad-sequence")


def non_utf8_names() -> bytes:
    """Names whose bytes are not UTF-8 (Latin-1, a stray 0xff, a broken sequence), GNU format."""
    files: dict[str, bytes | Member] = {
        raw.decode("utf-8", "surrogateescape"): raw for raw in NON_UTF8_NAMES
    }
    return simple_layer(files, tar_format=tarfile.GNU_FORMAT)


def missing_hardlink() -> bytes:
    """Hard links whose target is not in the tar (one even points outside it)."""
    return simple_layer({
        "bin/": b"",
        "bin/ls": Member("hardlink", link="bin/nowhere"),
        "bin/up": Member("hardlink", link="../../etc/shadow"),
        "bin/present": b"here\n",
    })  # fmt: skip


SPARSE_REAL_SIZE = 1 * GiB
SPARSE_DATA = b"hello sparse".ljust(BLOCK, b".")


def sparse_files() -> bytes:
    """Two sparse files of SPARSE_REAL_SIZE bytes holding one data block each: an old GNU 'S'
    member (map in the header) and a PAX 1.0 one (GNU.sparse.* records, map in the data)."""
    real = SPARSE_REAL_SIZE
    old_map = {386: _number(0, 12) + _number(BLOCK, 12), 483: _number(real, 12)}
    old = header(b"sparse-old-gnu.img", BLOCK, b"S", gnu=True, extra=old_map)
    records = b"".join(
        _pax_record(key, value)
        for key, value in (
            (b"GNU.sparse.major", b"1"),
            (b"GNU.sparse.minor", b"0"),
            (b"GNU.sparse.name", b"sparse-pax.img"),
            (b"GNU.sparse.realsize", str(real).encode()),
        )
    )
    sparse_map = _padded(b"1\n" + str(real - BLOCK).encode() + b"\n" + str(BLOCK).encode() + b"\n")
    pax = header(b"./PaxHeaders/sparse-pax.img", len(records), b"x") + _padded(records)
    body = header(b"./GNUSparseFile.0/sparse-pax.img", len(sparse_map) + BLOCK)
    parts = [old, SPARSE_DATA, pax, body, sparse_map, SPARSE_DATA]
    return b"".join(parts) + header(b"after-sparse.txt", 3) + _padded(b"ok\n") + bytes(2 * BLOCK)


def _pax_record(key: bytes, value: bytes) -> bytes:
    body = b" " + key + b"=" + value + b"\n"
    length = len(body) + 1
    while len(str(length)) + len(body) != length:
        length = len(str(length)) + len(body)
    return str(length).encode() + body


def truncated_layer(where: Literal["data", "header"] = "data") -> bytes:
    """A tar that stops inside a file's data, or inside a header: TruncatedLayer, not a crash."""
    raw = simple_layer({"first.txt": b"1" * 100, "second.bin": b"2" * 5000, "third.txt": b"3"})
    cut = 3 * BLOCK + 1000 if where == "data" else 2 * BLOCK + 100
    return raw[:cut]


def not_a_tar() -> bytes:
    """Bytes that are no tar at all (a JSON document where a layer should be)."""
    return b'{"this": "is not a tar", "padding": "' + b"x" * 2000 + b'"}\n'


HOSTILE_RAW = {
    "absolute paths": absolute_paths,
    "dot-dot paths": dotdot_paths,
    "PAX long names": pax_long_names,
    "GNU long names": gnu_long_names,
    "huge name records": huge_name_records,
    "non-UTF-8 names": non_utf8_names,
    "hard link to a missing target": missing_hardlink,
    "sparse files": sparse_files,
    "truncated in data": lambda: truncated_layer("data"),
    "truncated in a header": lambda: truncated_layer("header"),
    "not a tar": not_a_tar,
}


# --- shapes too big to hold uncompressed: built as blobs by streaming ---------------------------

ZEROS_NAME = "zeros.bin"


@functools.lru_cache(maxsize=4)
def zeros_bomb(size: int = 10 * GiB, compression: Compression = "gzip") -> LayerBlob:
    """A tar of `size` bytes of zeros in ZEROS_NAME, between two small text files
    ("before.txt", "after.txt"), compressed to about size/1000 (gzip: concatenated members;
    zstd: concatenated frames). The diff_id is computed (about 1 s per 1.5 GiB)."""
    assert size % MiB == 0
    before = header(b"before.txt", 7) + _padded(b"before\n")
    info = tarfile.TarInfo(ZEROS_NAME)
    info.size, info.mtime, info.mode = size, MTIME, 0o644
    info.uname = info.gname = "root"
    big = info.tobuf(tarfile.PAX_FORMAT)  # past 8 GiB: a PAX size record
    tail = header(b"after.txt", 6) + _padded(b"after\n") + bytes(2 * BLOCK)
    zero = bytes(MiB)

    if compression == "none":
        raise ValueError("a zeros bomb is compressed")
    one = functools.partial(compress, compression=compression)
    blob = one(before + big) + one(zero) * (size // MiB) + one(tail)
    total = len(before) + len(big) + size + len(tail)
    diff_id = _zeros_diff_id(before + big, size, tail)
    return LayerBlob(blob, media_type(compression), diff_id, compression, total)


@functools.lru_cache(maxsize=4)
def _zeros_diff_id(head: bytes, size: int, tail: bytes) -> str:
    hasher, zero = hashlib.sha256(head), bytes(MiB)
    for _ in range(size // MiB):
        hasher.update(zero)
    hasher.update(tail)
    return "sha256:" + hasher.hexdigest()


def _million_chunks(n: int, per_chunk: int = 4096) -> Iterator[bytes]:
    template = header(b"", 0)
    blank = bytearray(template)
    blank[148:156] = b" " * 8
    base_sum = sum(blank)
    middle, rest = bytes(template[100:148]), bytes(template[156:])
    batch: list[bytes] = []
    for i in range(n):
        name = b"d%03d/f%06d" % (i // 1000, i)
        chk = b"%06o\0 " % (base_sum + sum(name))
        batch.append(name.ljust(100, b"\0") + middle + chk + rest)
        if len(batch) == per_chunk:
            yield b"".join(batch)
            batch.clear()
    batch.append(bytes(2 * BLOCK))
    yield b"".join(batch)


@functools.lru_cache(maxsize=2)
def million_entries(n: int = 1_000_000, compression: Compression = "gzip") -> LayerBlob:
    """A tar of `n` empty regular files "dNNN/fNNNNNN" (1,000 per directory, no directory
    entries), headers made by hand; about 0.5 GB uncompressed, never held whole."""
    blob, diff_id, size = compress_chunks(_million_chunks(n), compression)
    return LayerBlob(blob, media_type(compression), diff_id, compression, size)


# --- a registry that takes non-distributable layers ----------------------------------------------

# Distribution refuses a manifest with layer `urls` unless they are allowed (docs: "If allow is
# unset, pushing a manifest containing URLs fails").
URLS_ALLOWED = "validation: {manifests: {urls: {allow: ['^https?://']}}}\n"


def urls_allowed_registry(
    workdir: Path, mode: Mode = "anonymous", token_server: TokenServer | None = None
) -> Registry:
    """A rig registry (not started) whose manifests may name foreign / non-distributable layers."""
    from .registry import Registry

    class _Registry(Registry):
        def _config(self) -> str:
            return super()._config() + URLS_ALLOWED

    return _Registry(workdir, mode, token_server)
