"""Deterministic test images, indexes and artifacts, pushed over plain HTTP (no docker/skopeo)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
IN_TOTO = "application/vnd.in-toto+json"
SPDX = "application/spdx+json"
SBOM_ARTIFACT_TYPE = "application/vnd.example.sbom.v1+json"
ACCEPT = ", ".join(
    [
        OCI_INDEX,
        OCI_MANIFEST,
        DOCKER_LIST,
        DOCKER_MANIFEST,
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/vnd.docker.distribution.manifest.v1+json",
    ]
)
REPOSITORIES = ("test/app", "test/other", "public/hello")
CREATED = "2024-01-02T03:04:05Z"
MTIME = 1704164645  # CREATED as a Unix time


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _compact(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _docker(obj: Any) -> bytes:  # docker push writes 3-space indented manifests
    return json.dumps(obj, indent=3).encode()


@dataclass(frozen=True)
class Blob:
    media_type: str
    data: bytes
    annotations: dict[str, str] | None = None

    @property
    def digest(self) -> str:
        return sha256(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    def descriptor(self) -> dict[str, Any]:
        desc: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
        }
        if self.annotations:
            desc["annotations"] = self.annotations
        return desc


@dataclass
class Manifest:
    """A pushed manifest: ``data`` are the exact bytes PUT, ``digest`` their sha256."""

    repository: str
    media_type: str
    data: bytes
    config: Blob | None = None
    layers: list[Blob] = field(default_factory=list)
    children: list[Manifest] = field(default_factory=list)
    platform: dict[str, str] | None = None  # as in the parent index entry
    entry_annotations: dict[str, str] | None = None  # annotations on the parent index entry
    tags: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return sha256(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def json(self) -> Any:
        return json.loads(self.data)

    def descriptor(self) -> dict[str, Any]:
        desc: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
        }
        if self.platform is not None:
            desc["platform"] = self.platform
        if self.entry_annotations:
            desc["annotations"] = self.entry_annotations
        return desc


@dataclass
class Content:
    refs: dict[str, Manifest] = field(default_factory=dict)  # "test/app:oci" -> manifest
    by_digest: dict[str, Manifest] = field(default_factory=dict)  # every manifest, children too
    blobs: dict[str, Blob] = field(default_factory=dict)  # every config and layer blob

    def __getitem__(self, ref: str) -> Manifest:
        return self.refs[ref]

    def tags(self, repository: str) -> list[str]:
        return sorted(r.split(":", 1)[1] for r in self.refs if r.split(":", 1)[0] == repository)


def gzip_tar(files: Mapping[str, bytes]) -> tuple[bytes, str]:
    """A reproducible gzip'd tar of ``files``; returns (gzip bytes, diff_id of the tar)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size, info.mtime = len(files[path]), MTIME
            info.mode = 0o755 if path.startswith("bin/") else 0o644
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(files[path]))
    raw = buf.getvalue()
    return gzip.compress(raw, compresslevel=9, mtime=0), sha256(raw)


def image(
    repository: str, name: str, arch: str = "amd64", variant: str | None = None, *, docker: bool
) -> Manifest:
    """A two-layer image (OCI, or Docker schema2 with ``docker=True``) for linux/arch."""
    layer_type, config_type = (DOCKER_LAYER, DOCKER_CONFIG) if docker else (OCI_LAYER, OCI_CONFIG)
    base = {
        "etc/os-release": f"NAME=riglinux\nARCH={arch}{variant or ''}\n".encode(),
        "bin/hello": b"#!/bin/sh\necho hello from the rig\n",
    }
    app = {"app/README.txt": f"{name}\n".encode(), "app/settings.json": _compact({"name": name})}
    layers, diff_ids = [], []
    for files in (base, app):
        data, diff_id = gzip_tar(files)
        layers.append(Blob(layer_type, data))
        diff_ids.append(diff_id)
    cfg: dict[str, Any] = {"architecture": arch, "os": "linux"}
    if variant:
        cfg["variant"] = variant
    cfg["created"] = CREATED
    cfg["config"] = {
        "User": "1000:1000",
        "ExposedPorts": {"8080/tcp": {}},
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", f"APP={name}"],
        "Entrypoint": ["/bin/hello"],
        "Cmd": ["--serve"],
        "WorkingDir": "/app",
        "Labels": {"org.opencontainers.image.title": name, "org.example.rig": "true"},
    }
    cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    kit = "buildkit.dockerfile.v0"
    history: list[dict[str, Any]] = [
        {"created_by": "/bin/sh -c #(nop) ADD file:rig in / "},
        {"created_by": '/bin/sh -c #(nop)  CMD ["/bin/sh"]', "empty_layer": True},
        {"created_by": "COPY app /app # buildkit", "comment": kit},
        {"created_by": 'ENTRYPOINT ["/bin/hello"]', "comment": kit, "empty_layer": True},
    ]
    cfg["history"] = [{"created": CREATED, **entry} for entry in history]
    config = Blob(config_type, _compact(cfg))
    media_type = DOCKER_MANIFEST if docker else OCI_MANIFEST
    body: dict[str, Any] = {"schemaVersion": 2, "mediaType": media_type}
    body["config"] = config.descriptor()
    body["layers"] = [layer.descriptor() for layer in layers]
    if not docker:
        body["annotations"] = {
            "org.opencontainers.image.created": CREATED,
            "org.opencontainers.image.description": f"rig image {name}",
        }
    platform = {"architecture": arch, "os": "linux"} | ({"variant": variant} if variant else {})
    data = _docker(body) if docker else _compact(body)
    return Manifest(repository, media_type, data, config, layers, platform=platform)


def attestation(repository: str, subject: Manifest) -> Manifest:
    """A BuildKit-style provenance attestation manifest for ``subject``."""
    statement: dict[str, Any] = {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "subject": [{"name": "pkg:docker/test/app", "digest": {"sha256": subject.digest[7:]}}],
        "predicate": {"buildType": "https://mobyproject.org/buildkit@v1", "builder": {"id": ""}},
    }
    layer = Blob(
        IN_TOTO, _compact(statement), {"in-toto.io/predicate-type": statement["predicateType"]}
    )
    cfg = {"architecture": "unknown", "os": "unknown", "config": {},
           "rootfs": {"type": "layers", "diff_ids": [layer.digest]}}  # fmt: skip
    config = Blob(OCI_CONFIG, _compact(cfg))
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config.descriptor(),
            "layers": [layer.descriptor()]}  # fmt: skip
    annotations = {
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": subject.digest,
    }
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, [layer],
                    platform={"architecture": "unknown", "os": "unknown"},
                    entry_annotations=annotations)  # fmt: skip


def index(repository: str, children: list[Manifest], *, docker: bool) -> Manifest:
    media_type = DOCKER_LIST if docker else OCI_INDEX
    body = {"schemaVersion": 2, "mediaType": media_type,
            "manifests": [c.descriptor() for c in children]}  # fmt: skip
    data = _docker(body) if docker else _compact(body)
    return Manifest(repository, media_type, data, children=children)


def artifact(repository: str, subject: Manifest) -> Manifest:
    """An OCI artifact (SBOM) whose ``subject`` is ``subject``; config is the empty descriptor."""
    sbom = {"spdxVersion": "SPDX-2.3", "name": "rig-sbom", "packages": [{"name": "hello"}]}
    layer = Blob(SPDX, _compact(sbom), {"org.opencontainers.image.title": "sbom.spdx.json"})
    config = Blob(OCI_EMPTY, b"{}")
    body = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": SBOM_ARTIFACT_TYPE,
        "config": config.descriptor(),
        "layers": [layer.descriptor()],
        "subject": {
            "mediaType": subject.media_type,
            "digest": subject.digest,
            "size": subject.size,
        },
        "annotations": {"org.opencontainers.image.created": CREATED},
    }
    return Manifest(repository, OCI_MANIFEST, _compact(body), config, [layer])


def build() -> list[tuple[str, Manifest]]:
    """Every (tag, manifest) the rig pushes, in push order (subjects before referrers)."""
    oci = image("test/app", "oci", docker=False)
    amd64 = image("test/app", "index-amd64", docker=False)
    arm64 = image("test/app", "index-arm64", "arm64", "v8", docker=False)
    idx = index("test/app", [amd64, arm64, attestation("test/app", amd64)], docker=False)
    dock = image("test/app", "docker", docker=True)
    lst = index("test/app", [image("test/app", "list-amd64", docker=True),
                             image("test/app", "list-armv7", "arm", "v7", docker=True)],
                docker=True)  # fmt: skip
    return [
        ("oci", oci), ("index", idx), ("docker", dock), ("list", lst),
        ("artifact", artifact("test/app", oci)),
        ("1.9", dock), ("1.10", oci), ("1.2", lst), ("latest", idx),
        ("1.0", image("test/other", "other", docker=False)),
        ("latest", image("public/hello", "hello", docker=False)),
    ]  # fmt: skip


def push_all(url: str, headers: Mapping[str, str]) -> Content:
    """Build and push all test content into the registry at ``url``; return what was pushed."""
    content = Content()
    with requests.Session() as session:
        session.headers.update(headers)
        pushed: set[tuple[str, str]] = set()
        for tag, manifest in build():
            _push_manifest(session, url, manifest, tag, pushed)
            record(content, tag, manifest)
    return content


def record(content: Content, tag: str, manifest: Manifest) -> None:
    """Note in `content` that `manifest` was pushed as `tag`, with its children and blobs."""
    manifest.tags.append(tag)
    content.refs[f"{manifest.repository}:{tag}"] = manifest
    stack = [manifest]
    while stack:
        m = stack.pop()
        content.by_digest[m.digest] = m
        stack.extend(m.children)
        for blob in ([m.config] if m.config else []) + m.layers:
            content.blobs[blob.digest] = blob


def _check(resp: requests.Response, what: str) -> None:
    if resp.status_code not in (201, 202):
        raise RuntimeError(f"{what}: HTTP {resp.status_code} {resp.text[:500]}")


def _push_blob(session: requests.Session, url: str, repo: str, blob: Blob) -> None:
    resp = session.post(f"{url}/v2/{repo}/blobs/uploads/", timeout=10)
    _check(resp, f"start upload to {repo}")
    location = urljoin(f"{url}/", resp.headers["Location"])
    sep = "&" if "?" in location else "?"
    resp = session.put(
        f"{location}{sep}digest={blob.digest}",
        data=blob.data,
        headers={"Content-Type": "application/octet-stream"},
        timeout=10,
    )
    _check(resp, f"upload {blob.digest} to {repo}")


def _push_manifest(
    session: requests.Session,
    url: str,
    manifest: Manifest,
    ref: str,
    pushed: set[tuple[str, str]],
) -> None:
    """PUT ``manifest`` as ``ref`` after its children and blobs (each pushed only once)."""
    repo = manifest.repository
    if (repo, manifest.digest) not in pushed:
        for child in manifest.children:
            _push_manifest(session, url, child, child.digest, pushed)
        for blob in ([manifest.config] if manifest.config else []) + manifest.layers:
            if (repo, blob.digest) not in pushed:
                _push_blob(session, url, repo, blob)
                pushed.add((repo, blob.digest))
    if (repo, manifest.digest) in pushed and ref == manifest.digest:
        return
    resp = session.put(
        f"{url}/v2/{repo}/manifests/{ref}",
        data=manifest.data,
        headers={"Content-Type": manifest.media_type},
        timeout=10,
    )
    _check(resp, f"put manifest {repo}:{ref}")
    if resp.headers.get("Docker-Content-Digest") != manifest.digest:
        raise RuntimeError(
            f"{repo}:{ref}: registry says {resp.headers.get('Docker-Content-Digest')}"
        )
    pushed.add((repo, manifest.digest))
