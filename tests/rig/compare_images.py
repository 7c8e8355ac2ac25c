"""Images for the compare tests and benchmark (issue 14), pushed to a real registry.

`compare/app`: `v1` and `v2` indexes of an app. Per platform, v2 keeps the base layer (shared),
recompresses the deps layer (the same tar at another gzip level: same diff_id, new digest),
rebuilds the app layer (new content) and adds a layer; its config changes env, labels, cmd, user,
ports, volumes and the base-image annotations. v1 has linux/arm/v7 that v2 lacks, v2 has
linux/s390x (and an attestation) that v1 lacks. `same` is another tag of v1; `v1-amd64` and
`v2-amd64` are the amd64 images by themselves; `hostile` is an amd64 image whose config is full
of Markdown, control characters, bidi overrides and long text; `partial` is an index whose
linux/amd64 image was deleted after the push.

`compare/many`: `v1` and `v2` indexes of 16 platforms with 20 layers each (v2 rebuilds the top
two), for counting requests."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from .content import (
    CREATED,
    MTIME,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    Blob,
    Content,
    Manifest,
    _push_manifest,
    attestation,
    record,
    sha256,
)
from .registry import Registry

REPO = "compare/app"
MANY_REPO = "compare/many"
CREATED_V1 = CREATED
CREATED_V2 = "2024-06-01T00:00:00Z"
BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"
BASE_V1 = "sha256:" + "1" * 64
BASE_V2 = "sha256:" + "2" * 64
V1_PLATFORMS = ({"architecture": "amd64", "os": "linux"},
                {"architecture": "arm64", "os": "linux"},
                {"architecture": "arm", "os": "linux", "variant": "v7"})  # fmt: skip
V2_PLATFORMS = ({"architecture": "amd64", "os": "linux"},
                {"architecture": "arm64", "os": "linux"},
                {"architecture": "s390x", "os": "linux"})  # fmt: skip
MANY_PLATFORMS = (
    "linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/arm64", "linux/arm64/v9",
    "linux/arm/v7", "linux/arm/v6", "linux/arm/v5", "linux/386", "linux/ppc64le", "linux/s390x",
    "linux/riscv64", "linux/mips64le", "linux/loong64", "freebsd/amd64", "windows/amd64",
)  # fmt: skip
HOSTILE_LABELS = {
    "a|b": "pipe | in | value",
    "tick`s": "``` fence and `code`",
    "newline": "line one\nline two\r\n| not a row |",
    "escape": "\x1b[31mred\x1b[0m\x07",
    "bidi": "\u202eevil\u202c text",
    "markup": "<script>alert(1)</script> **bold** [link](http://x) # heading",
    "long": "x" * 5000,
}


def tar(files: Mapping[str, bytes]) -> bytes:
    """A reproducible tar of `files` (fixed mtime and owner)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(files[path]), MTIME, 0o644
            info.uname = info.gname = "root"
            archive.addfile(info, io.BytesIO(files[path]))
    return buf.getvalue()


def gz_layer(raw: bytes, level: int = 9) -> tuple[Blob, str]:
    """The tar `raw` gzip'd at `level`: (the blob, its diff_id)."""
    return Blob(OCI_LAYER, gzip.compress(raw, compresslevel=level, mtime=0)), sha256(raw)


def _config(
    platform: Mapping[str, str], diff_ids: list[str], run: dict[str, Any], **top: Any
) -> Blob:
    cfg: dict[str, Any] = {**platform, "created": CREATED, **top, "config": run}
    cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    return Blob(OCI_CONFIG, json.dumps(cfg, separators=(",", ":")).encode())


def _manifest(
    repo: str,
    platform: Mapping[str, str],
    layers: list[Blob],
    config: Blob,
    annotations: Mapping[str, str] | None = None,
) -> Manifest:
    body: dict[str, Any] = {"schemaVersion": 2, "mediaType": OCI_MANIFEST}
    body["config"] = config.descriptor()
    body["layers"] = [blob.descriptor() for blob in layers]
    if annotations:
        body["annotations"] = dict(annotations)
    data = json.dumps(body, separators=(",", ":")).encode()
    return Manifest(repo, OCI_MANIFEST, data, config, layers, platform=dict(platform))


def _index(repo: str, children: list[Manifest]) -> Manifest:
    body = {"schemaVersion": 2, "mediaType": OCI_INDEX,
            "manifests": [c.descriptor() for c in children]}  # fmt: skip
    data = json.dumps(body, separators=(",", ":")).encode()
    return Manifest(repo, OCI_INDEX, data, children=children)


def _name(platform: Mapping[str, str]) -> str:
    return "/".join(platform[k] for k in ("os", "architecture", "variant") if k in platform)


def app_image(version: int, platform: Mapping[str, str]) -> Manifest:
    """The app for `platform`, as version 1 or 2 (see the module docstring)."""
    name = _name(platform)
    base, base_id = gz_layer(tar({"etc/os-release": f"NAME=rig\nPLATFORM={name}\n".encode(),
                                  "bin/sh": b"#!shell " + name.encode()}))  # fmt: skip
    deps_tar = tar({"usr/lib/libdeps.so": b"\x7fELF deps " + name.encode() * 20})
    deps, deps_id = gz_layer(deps_tar, 9 if version == 1 else 1)
    app_files = (
        {"app/app.py": b"print('v1')\n", "app/old.txt": b"old\n", "app/same.txt": b"same\n"}
        if version == 1
        else {"app/app.py": b"print('version 2')\n", "app/new.txt": b"new\n",
              "app/same.txt": b"same\n"}
    )  # fmt: skip
    app, app_id = gz_layer(tar(app_files))
    layers, ids = [base, deps, app], [base_id, deps_id, app_id]
    steps: list[dict[str, Any]] = [
        {"created_by": "ADD rootfs.tar /"},
        {"created_by": "RUN install deps"},
        {"created_by": 'ENV APP_VERSION="1.0"', "empty_layer": True},
        {"created_by": "COPY app /app"},
    ]
    run: dict[str, Any] = {
        "User": "app",
        "Env": ["PATH=/usr/bin:/bin", "APP_VERSION=1.0", "DEBUG=0"],
        "Cmd": ["serve"],
        "Entrypoint": ["/bin/sh", "-c"],
        "WorkingDir": "/app",
        "ExposedPorts": {"8080/tcp": {}},
        "Volumes": {"/data": {}},
        "Labels": {"org.opencontainers.image.version": "1.0", "maintainer": "rig"},
    }
    base_digest, created = BASE_V1, CREATED
    if version == 2:
        extra, extra_id = gz_layer(tar({"etc/app.conf": b"fast = true\n"}))
        layers.append(extra)
        ids.append(extra_id)
        steps[2]["created_by"] = 'ENV APP_VERSION="2.0"'
        steps.append({"created_by": "COPY app.conf /etc/"})
        run.update(
            User="root",
            Env=["PATH=/usr/bin:/bin", "APP_VERSION=2.0", "NEW_FLAG=1"],
            Cmd=["serve", "--fast"],
            ExposedPorts={"8080/tcp": {}, "9090/tcp": {}},
            Volumes={"/data": {}, "/cache": {}},
            Labels={"org.opencontainers.image.version": "2.0", "maintainer": "rig",
                    "org.example.new": "yes"},
        )  # fmt: skip
        base_digest, created = BASE_V2, CREATED_V2
    config = _config(platform, ids, run, created=created,
                     history=[{"created": created, **s} for s in steps])  # fmt: skip
    annotations = {BASE_NAME: "docker.io/library/debian:12", BASE_DIGEST: base_digest}
    return _manifest(REPO, platform, layers, config, annotations)


def app_index(version: int) -> Manifest:
    children = [app_image(version, p) for p in (V1_PLATFORMS if version == 1 else V2_PLATFORMS)]
    if version == 2:
        children.append(attestation(REPO, children[0]))
    return _index(REPO, children)


def hostile_image() -> Manifest:
    """An amd64 image whose config holds text a report must show as data."""
    platform = {"architecture": "amd64", "os": "linux"}
    layer, diff_id = gz_layer(tar({"a|b`c\n.txt": b"hostile\n"}))
    run = {
        "Env": ["PATH=/usr/bin:/bin", "EVIL=| `x` \n\x1b[2J", "\u202eRLO=1"],
        "Cmd": ["sh", "-c", "echo '|' && printf '\\x1b'"],
        "Labels": HOSTILE_LABELS,
        "User": "root\n| injected | row |",
    }
    config = _config(platform, [diff_id], run)
    return _manifest(REPO, platform, [layer], config, {BASE_NAME: "evil|name`\n<b>"})


def partial_index() -> Manifest:
    """An index whose linux/amd64 image is deleted after the push (`push_compare_images`), and
    whose linux/arm64 image is v2's."""
    platform = {"architecture": "amd64", "os": "linux"}
    layer, diff_id = gz_layer(tar({"partial.txt": b"soon gone\n"}))
    lost = _manifest(REPO, platform, [layer], _config(platform, [diff_id], {"Env": ["LOST=1"]}))
    return _index(REPO, [lost, app_image(2, V2_PLATFORMS[1])])


def many_image(version: int, platform: str, layers: int) -> Manifest:
    """`layers` small layers for `platform`; version 2 rebuilds the top two."""
    parts = platform.split("/")
    plat = {"os": parts[0], "architecture": parts[1]} | (
        {"variant": parts[2]} if len(parts) > 2 else {}
    )
    if parts[0] == "windows":
        plat["os.version"] = "10.0.20348.2340"
    blobs, ids = [], []
    for n in range(layers):
        rebuilt = version == 2 and n >= layers - 2
        files = {f"layer{n}/file.txt": f"{platform} {n} {'v2' if rebuilt else 'v1'}\n".encode()}
        blob, diff_id = gz_layer(tar(files))
        blobs.append(blob)
        ids.append(diff_id)
    config = _config(plat, ids, {"Env": [f"VERSION={version}"]})
    return _manifest(MANY_REPO, plat, blobs, config)


def many_index(version: int, platforms: int = 16, layers: int = 20) -> Manifest:
    return _index(MANY_REPO, [many_image(version, p, layers) for p in MANY_PLATFORMS[:platforms]])


def _delete_headers(registry: Registry) -> dict[str, str]:
    if registry.mode != "token" or registry.token_server is None:
        return registry.push_headers((REPO,))
    access = [{"type": "repository", "name": REPO, "actions": ["pull", "push", "delete"]}]
    token = registry.token_server.mint(access, service=registry.host)
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class CompareImages:
    """What `push_compare_images` pushed: references by tag, and the manifests."""

    registry: str  # host:port
    content: Content

    def ref(self, tag: str, repo: str = REPO) -> str:
        return f"{self.registry}/{repo}:{tag}"

    def manifest(self, tag: str, repo: str = REPO) -> Manifest:
        return self.content[f"{repo}:{tag}"]


def build() -> list[tuple[str, Manifest]]:
    v1, v2 = app_index(1), app_index(2)
    return [("v1", v1), ("same", v1), ("v2", v2), ("v1-amd64", v1.children[0]),
            ("v2-amd64", v2.children[0]), ("hostile", hostile_image()),
            ("partial", partial_index())]  # fmt: skip


def push_compare_images(registry: Registry, *, many: bool = False) -> CompareImages:
    """Push `compare/app` (and with `many`, `compare/many`) to the real `registry`."""
    content = Content()
    tags = build()
    if many:
        tags += [("v1", many_index(1)), ("v2", many_index(2))]
    with requests.Session() as session:
        session.headers.update(registry.push_headers((REPO, MANY_REPO)))
        pushed: set[tuple[str, str]] = set()
        for tag, manifest in tags:
            _push_manifest(session, registry.url, manifest, tag, pushed)
            record(content, tag, manifest)
        lost = content[f"{REPO}:partial"].children[0].digest
        url = f"{registry.url}/v2/{REPO}/manifests/{lost}"
        resp = session.delete(url, headers=_delete_headers(registry), timeout=10)
        if resp.status_code != 202:
            raise RuntimeError(f"delete {lost}: HTTP {resp.status_code} {resp.text[:300]}")
    return CompareImages(registry.host, content)
