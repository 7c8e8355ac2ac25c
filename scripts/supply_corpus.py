"""Check issue 16's supply-chain naming against real published content (../shared/corpus).

Starts a local Distribution registry (anonymous, 127.0.0.1), pushes the corpus OCI layouts that
carry referrers (manifests with a `subject`) with `skopeo copy --all --preserve-digests`, pushes
by digest (exact bytes, plain HTTP) the referrers a layout holds untagged, and — Distribution 2.8
having no referrers API — writes each subject's `sha256-<hex>` tag-schema index as
tests/rig/supply.py `Pusher.attach` does: one descriptor per manifest whose `subject` names it,
with `artifactType` (else the config's media type) and the manifest's annotations, i.e. what a
registry's referrers API would answer. `--own-index` pushes the layouts' own `sha256-<hex>`
indexes instead (what the publishing tool wrote; they can be stale). Docker Hub's postgres index
with BuildKit attestation entries (docs/, children absent) is written into the registry's
storage, as Distribution stores it.

Then for every subject: the app's core `supply_report(client, inspect(...), today,
check=False)` and `acr-desktop referrers REF --json`; every node's label / kind / format / via /
problem is compared with what the document really is (its artifactType, config.mediaType, layer
media types, in-toto predicate annotations: read from the layout's JSON and checked against
`skopeo inspect --raw` from the registry). Verdicts: ok; generic (named "artifact: <its type>":
no tool knows that type either); MISNAMED; UNKNOWN (a type was given but the app says none);
NOT LISTED (a referrer the registry would give that the app did not show). For subjects with
SBOM-like referrers, `acr-desktop sbom REF --json` is run and its package count compared with
the count taken from the document itself (SPDX `packages`, CycloneDX `components`). Last, every
non-image manifest of the corpus (layouts and docs) is named on its own (`name_manifest`).

The corpus holds no cosign, Sigstore, SPDX, CycloneDX or in-toto document, so one published
FORMAT it lacks is added, marked SHAPE-…: BuildKit's attestation manifest as an OCI artifact
(`oci-artifact=true`: artifactType application/vnd.docker.attestation.manifest.v1+json, a
`subject`), attached to a real corpus image, its statements made here (see
`buildkit_oci_artifact`). Its SBOM package count is compared like the others.

Run from the repository: `.venv/bin/python scripts/supply_corpus.py [CORPUS_DIR] [--own-index]`.
Needs `docker-registry` and `skopeo` (scripts/setup.sh --test). Never copies corpus files into
the repository: everything goes into a temporary registry, removed at the end.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acr_desktop.inspection import inspect  # noqa: E402
from acr_desktop.registry.artifacts import name_manifest  # noqa: E402
from acr_desktop.registry.client import RegistryClient  # noqa: E402
from acr_desktop.registry.errors import RegistryError  # noqa: E402
from acr_desktop.registry.manifest import ImageManifest, parse_manifest  # noqa: E402
from acr_desktop.registry.operation import operation  # noqa: E402
from acr_desktop.registry.reference import parse_reference  # noqa: E402
from acr_desktop.registry.transport import Transport  # noqa: E402
from acr_desktop.supply_report import supply_report  # noqa: E402
from scripts.compare_corpus import Storage  # noqa: E402
from tests.rig.registry import Registry  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
SCHEMA_TAG = re.compile(r"^sha256-[0-9a-f]{64}$")
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY = "application/vnd.oci.empty.v1+json"
IMAGE_CONFIGS = {"application/vnd.oci.image.config.v1+json",
                 "application/vnd.docker.container.image.v1+json"}  # fmt: skip
PREDICATE_KEYS = ("in-toto.io/predicate-type", "predicateType", "dev.sigstore.bundle.predicateType")
ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX,
                    "application/vnd.docker.distribution.manifest.v2+json",
                    "application/vnd.docker.distribution.manifest.list.v2+json"])  # fmt: skip

# What a document IS, by type: written here on purpose (not imported from the app), from the
# formats' own specifications (Notation, cosign, Sigstore, SPDX, CycloneDX, Helm, in-toto).
KNOWN: dict[str, tuple[str, str | None]] = {
    "application/vnd.cncf.notary.signature": ("signature", "notation"),
    "application/vnd.dev.cosign.simplesigning.v1+json": ("signature", "cosign"),
    "application/vnd.dev.cosign.artifact.sig.v1+json": ("signature", "cosign"),
    "application/spdx+json": ("sbom", "spdx"),
    "text/spdx+json": ("sbom", "spdx"),
    "application/vnd.cyclonedx+json": ("sbom", "cyclonedx"),
    "application/vnd.cncf.helm.config.v1+json": ("helm", "helm"),
    "application/vnd.cncf.helm.chart.content.v1.tar+gzip": ("helm", "helm"),
    "application/vnd.microsoft.artifact.lifecycle": ("lifecycle", None),
    "application/vnd.azure.artifact.streaming.v1": ("streaming", None),
    "application/sarif+json": ("vulnerability_report", "sarif"),
}
CARRIERS = {"application/vnd.in-toto+json", "application/vnd.dsse.envelope.v1+json",
            "application/vnd.dev.cosign.attestation.v1+json"}  # fmt: skip


# -- the corpus -------------------------------------------------------------------------------
@dataclass
class Layout:
    path: Path
    repo: str
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)  # digest -> manifest JSON
    raw: dict[str, bytes] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # digest -> tags

    def blob(self, digest: str) -> bytes | None:
        p = self.path / "blobs" / "sha256" / digest.split(":", 1)[1]
        return p.read_bytes() if p.exists() else None

    @property
    def subjects(self) -> dict[str, list[str]]:
        """subject digest -> digests of the manifests naming it, in digest order."""
        found: dict[str, list[str]] = defaultdict(list)
        for digest, doc in sorted(self.docs.items()):
            sub = doc.get("subject")
            if isinstance(sub, dict) and isinstance(sub.get("digest"), str):
                found[sub["digest"]].append(digest)
        return found


def read_layout(path: Path) -> Layout:
    lay = Layout(path, f"corpus/{path.name.lower()}")
    for blob in sorted((path / "blobs" / "sha256").iterdir()):
        data = blob.read_bytes()
        if len(data) > 4 << 20:
            continue
        try:
            doc = json.loads(data)
        except ValueError:
            continue
        shaped = isinstance(doc, dict) and ("layers" in doc or "manifests" in doc)
        if shaped and "schemaVersion" in doc:
            lay.docs[f"sha256:{blob.name}"] = doc
            lay.raw[f"sha256:{blob.name}"] = data
    for entry in json.loads((path / "index.json").read_bytes()).get("manifests", []):
        name = (entry.get("annotations") or {}).get("org.opencontainers.image.ref.name", "")
        if TAG.match(name):
            lay.tags[entry["digest"]].append(name)
    return lay


def subjects_of(lay: Layout, own_index: bool) -> dict[str, list[str]]:
    """What to check: every digest a `subject` names; with `own_index`, also every digest the
    layout has a `sha256-<hex>` tag for (regclient's `mirror` tags a manifest, not an index)."""
    found = dict(lay.subjects)
    for tags in lay.tags.values() if own_index else ():
        for tag in tags:
            digest = "sha256:" + tag[7:]
            if SCHEMA_TAG.match(tag) and digest in lay.docs:
                found.setdefault(digest, [])
    return dict(sorted(found.items()))


def with_referrers(corpus: Path) -> list[Layout]:
    layouts = [read_layout(p) for p in sorted((corpus / "layouts").iterdir())]
    return [lay for lay in layouts if lay.subjects]


# -- pushing ----------------------------------------------------------------------------------
def run(*args: str, timeout: int = 180) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(list(args), capture_output=True, timeout=timeout, check=False)


class Pusher:
    def __init__(self, registry: Registry) -> None:
        self.url = registry.url
        self.host = registry.host
        self.session = requests.Session()
        self.log: list[str] = []

    def skopeo_tag(self, lay: Layout, tag: str) -> None:
        proc = run("skopeo", "copy", "-q", "--all", "--preserve-digests",
                   "--dest-tls-verify=false", f"oci:{lay.path}:{tag}",
                   f"docker://{self.host}/{lay.repo}:{tag}")  # fmt: skip
        if proc.returncode:
            self.log.append(f"skopeo {lay.path.name}:{tag}: {proc.stderr.decode()[-300:].strip()}")

    def has(self, repo: str, digest: str) -> bool:
        r = self.session.head(f"{self.url}/v2/{repo}/manifests/{digest}",
                              headers={"Accept": ACCEPT}, timeout=10)  # fmt: skip
        return r.status_code == 200

    def blob(self, repo: str, data: bytes) -> None:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if self.session.head(f"{self.url}/v2/{repo}/blobs/{digest}", timeout=10).status_code == 200:
            return
        r = self.session.post(f"{self.url}/v2/{repo}/blobs/uploads/", timeout=10)
        loc = r.headers["Location"]
        loc = loc if loc.startswith("http") else self.url + loc
        sep = "&" if "?" in loc else "?"
        r = self.session.put(f"{loc}{sep}digest={digest}", data=data, timeout=30,
                             headers={"Content-Type": "application/octet-stream"})  # fmt: skip
        if r.status_code != 201:
            raise RuntimeError(f"blob {digest}: HTTP {r.status_code} {r.text[:200]}")

    def tree(self, lay: Layout, repo: str, digest: str, tag: str | None = None) -> None:
        """Push the manifest `digest` of `lay` by exact bytes (blobs and children first)."""
        data = lay.raw.get(digest)
        if data is None:
            self.log.append(f"{lay.path.name}: {digest[:19]} is not in the layout")
            return
        doc = lay.docs[digest]
        if not tag and self.has(repo, digest):
            return
        for child in doc.get("manifests") or []:
            if child.get("digest") in lay.raw and not self.has(repo, child["digest"]):
                self.tree(lay, repo, child["digest"])
        for d in [doc.get("config") or {}, *(doc.get("layers") or [])]:
            data_b = lay.blob(d.get("digest", "x:x")) if d.get("digest") else None
            if data_b is not None:
                self.blob(repo, data_b)
        media = doc.get("mediaType") or (OCI_INDEX if "manifests" in doc else OCI_MANIFEST)
        r = self.session.put(f"{self.url}/v2/{repo}/manifests/{tag or digest}", data=data,
                             headers={"Content-Type": media}, timeout=10)  # fmt: skip
        if r.status_code != 201:
            self.log.append(f"{lay.path.name}: PUT {digest[:19]}: HTTP {r.status_code} "
                            f"{r.text[:200]}")  # fmt: skip

    def schema_index(self, repo: str, subject: str, descs: list[dict[str, Any]]) -> None:
        data = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": descs},
                          separators=(",", ":")).encode()  # fmt: skip
        tag = subject.replace(":", "-")
        r = self.session.put(f"{self.url}/v2/{repo}/manifests/{tag}", data=data,
                             headers={"Content-Type": OCI_INDEX}, timeout=10)  # fmt: skip
        if r.status_code != 201:
            self.log.append(f"{repo}: tag-schema index {tag}: HTTP {r.status_code}")


def descriptor_of(lay: Layout, digest: str) -> dict[str, Any]:
    """The referrers API's descriptor of a manifest (as Pusher.attach writes it)."""
    doc = lay.docs[digest]
    media = doc.get("mediaType") or (OCI_INDEX if "manifests" in doc else OCI_MANIFEST)
    desc: dict[str, Any] = {"mediaType": media, "digest": digest, "size": len(lay.raw[digest])}
    art = doc.get("artifactType") or (doc.get("config") or {}).get("mediaType")
    if art:
        desc["artifactType"] = art
    if doc.get("annotations"):
        desc["annotations"] = doc["annotations"]
    return desc


def push_layouts(pusher: Pusher, layouts: list[Layout], own_index: bool) -> list[str]:
    """Push every layout; returns sentences on where the layout's own tag-schema index differs."""
    notes: list[str] = []
    everything = {d: lay for lay in layouts for d in lay.docs}
    for lay in layouts:
        for digest, tags in lay.tags.items():
            for tag in tags:
                if not SCHEMA_TAG.match(tag):
                    pusher.skopeo_tag(lay, tag)
                elif own_index:  # skopeo 1.9 refuses these indexes with --preserve-digests
                    pusher.tree(lay, lay.repo, digest, tag)
        for subject, refs in lay.subjects.items():
            if not pusher.has(lay.repo, subject):  # a subject kept in another layout
                home = everything.get(subject)
                if home is not None and subject not in lay.docs:
                    pusher.tree(home, lay.repo, subject, (home.tags.get(subject) or [None])[0])
                    notes.append(
                        f"{lay.path.name}: subject {subject[:19]} copied in from "
                        f"{home.path.name} (referrers are looked up per repository)"
                    )
            for ref in refs:
                pusher.tree(lay, lay.repo, ref)
            computed = [descriptor_of(lay, r) for r in refs]
            own_tag = subject.replace(":", "-")
            own = next((d for d, t in lay.tags.items() if own_tag in t), None)
            own_digests = ([m["digest"] for m in lay.docs.get(own, {}).get("manifests", [])]
                           if own else None)  # fmt: skip
            if own_digests is not None and set(own_digests) != set(refs):
                notes.append(
                    f"{lay.path.name}: its own index tagged {own_tag[:19]}… lists "
                    f"{len(own_digests)} referrer(s) {[d[:19] for d in own_digests]}; "
                    f"{len(refs)} manifest(s) name that subject {[d[:19] for d in refs]}"
                )
            if not own_index or own is None:
                pusher.schema_index(lay.repo, subject, computed)
    return notes


# -- what a document really is ----------------------------------------------------------------
def predicate(ann: dict[str, Any] | None) -> str | None:
    ann = ann or {}
    return next((ann[k] for k in PREDICATE_KEYS if isinstance(ann.get(k), str)), None)


def of_predicate(p: str) -> tuple[str, str | None]:
    key = p.lower().split("://", 1)[-1]
    for prefix, kind in (("spdx.dev/document", ("sbom", "spdx")),
                         ("cyclonedx.org/bom", ("sbom", "cyclonedx")),
                         ("slsa.dev/provenance", ("provenance", None))):  # fmt: skip
        if key.startswith(prefix):
            return kind
    return ("attestation", None)


def truth(doc: dict[str, Any] | None, desc: dict[str, Any] | None = None) -> dict[str, Any]:
    """{"kind", "format", "type" (the type a generic name should show), "facts"}."""
    if doc is None:  # a layer (an in-toto statement) or a manifest the corpus lacks
        desc = desc or {}
        p = predicate(desc.get("annotations"))
        mt = desc.get("mediaType", "")
        if p and mt in CARRIERS:
            k, f = of_predicate(p)
            return {"kind": k, "format": f, "type": p, "facts": f"layer {mt}, predicate {p}"}
        return {
            "kind": None,
            "format": None,
            "type": desc.get("artifactType") or mt,
            "facts": f"manifest not in the corpus ({mt})",
        }
    art = doc.get("artifactType")
    config = (doc.get("config") or {}).get("mediaType")
    layers = [(x.get("mediaType"), x.get("annotations")) for x in doc.get("layers") or []]
    facts = (f"artifactType={art} config={config} layers={[m for m, _ in layers]}"
             if "manifests" not in doc else f"index artifactType={art} "
             f"entries={len(doc['manifests'])}")  # fmt: skip
    preds = [predicate(a) for m, a in layers if m in CARRIERS]
    if any(preds):
        kinds = {of_predicate(p) for p in preds if p}
        if len(kinds) == 1:
            k, f = kinds.pop()
            return {"kind": k, "format": f, "type": preds[0], "facts": facts}
        return {"kind": "attestation", "format": "in-toto", "type": None, "facts": facts}
    for t in (art, config, *(m for m, _ in layers)):
        if t in KNOWN:
            k, f = KNOWN[t]
            return {"kind": k, "format": f, "type": t, "facts": facts}
    typ = art if art and art != EMPTY else (config if config not in IMAGE_CONFIGS | {EMPTY, None}
                                            else None)  # fmt: skip
    if typ is None and config in IMAGE_CONFIGS:
        typ = "image"
    return {"kind": "other", "format": None, "type": typ, "facts": facts}


def verdict(label: str, kind: str, fmt: str | None, real: dict[str, Any]) -> str:  # noqa: PLR0911
    if real["kind"] is None:
        return "not in corpus"
    if real["kind"] != "other":
        ok = kind == real["kind"] and (real["format"] is None or fmt == real["format"])
        return "ok" if ok else f"MISNAMED (is {real['kind']}/{real['format']})"
    if kind != "other":
        return f"MISNAMED (claims {kind}; nothing in the document says so)"
    if "unknown" in label.lower() or "not given" in label:
        if "(ORAS)" in label:  # mediatypes.plain_name of ORAS's own default types
            return "generic (ORAS default type, named in words)"
        return f"UNKNOWN (type given: {real['type']})" if real["type"] else "ok (no type given)"
    if real["type"] == "image":
        return "ok" if "image" in label else "MISNAMED (an image)"
    if real["type"] and real["type"] not in label:
        return f"MISNAMED (its type is {real['type']})"
    return "generic"


# -- the app ----------------------------------------------------------------------------------
@dataclass
class NodeRow:
    source: str
    subject: str
    level: int
    digest: str
    label: str
    kind: str
    fmt: str | None
    via: str
    problem: str | None
    real: dict[str, Any]
    verdict: str


def app_cli(command: str, ref: str) -> tuple[int, dict[str, Any] | None, str]:
    proc = run(sys.executable, "-m", "acr_desktop", command, ref, "--json", timeout=120)
    try:
        doc = json.loads(proc.stdout) if proc.stdout.strip() else None
    except ValueError:
        doc = None
    return proc.returncode, doc, proc.stderr.decode(errors="replace").strip()


def skopeo_raw(host: str, repo: str, digest: str) -> bytes | None:
    proc = run(
        "skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{host}/{repo}@{digest}"
    )
    return proc.stdout if proc.returncode == 0 else None


def sbom_count(lay: Layout, doc: dict[str, Any]) -> tuple[int, str] | None:
    """(packages, format) from an SBOM document in the manifest's layers (our own count)."""
    for layer in doc.get("layers") or []:
        data = lay.blob(layer.get("digest", "x:x"))
        try:
            body = json.loads(data) if data else None
        except ValueError:
            continue
        if isinstance(body, dict) and isinstance(body.get("predicate"), dict):
            body = body["predicate"]  # an in-toto statement
        if isinstance(body, dict) and isinstance(body.get("packages"), list):
            return len(body["packages"]), "SPDX"
        if isinstance(body, dict) and isinstance(body.get("components"), list):
            return len(body["components"]), "CycloneDX"
    return None


def check_subject(  # noqa: PLR0913
    client: RegistryClient, host: str, lay: Layout | None, repo: str, subject: str,
    refs: list[str], source: str,
) -> tuple[list[NodeRow], list[str]]:  # fmt: skip
    rows: list[NodeRow] = []
    notes: list[str] = []
    tags = lay.tags.get(subject) if lay else None
    tag = next((t for t in tags or [] if not SCHEMA_TAG.match(t)), None)
    ref_text = f"{host}/{repo}:{tag}" if tag else f"{host}/{repo}@{subject}"
    shown = f"{subject[:19]}" + (f" ({tag})" if tag else "")
    try:
        with operation(timeout=120):
            ins = inspect(client, parse_reference(ref_text))
            report = supply_report(client, ins, datetime.now(UTC).date(), check=False)
    except RegistryError as exc:
        notes.append(f"{source} {shown}: the app could not inspect it: {exc.sentence}")
        return rows, notes
    seen: set[str] = set()
    for s in report.subjects:
        if s.chain is None:
            notes.append(f"{source} {shown} [{s.label}]: referrers not listed: {s.problem}")
            continue
        for level, node in s.chain.walk():
            d = node.descriptor
            seen.add(d.digest)
            doc = lay.docs.get(d.digest) if lay else None
            if doc is not None:
                raw = skopeo_raw(host, repo, d.digest)
                if raw is not None and raw != lay.raw[d.digest]:
                    notes.append(
                        f"{source}: {d.digest[:19]} skopeo's bytes differ from the layout's"
                    )
            layer_desc = {"mediaType": d.media_type, "annotations": dict(d.annotations),
                          "artifactType": d.artifact_type}  # fmt: skip
            real = truth(doc, layer_desc)
            rows.append(
                NodeRow(
                    source,
                    f"{shown} [{s.label}]",
                    level,
                    d.digest,
                    node.name.label,
                    node.name.kind,
                    node.name.format,
                    node.via,
                    node.problem,
                    real,
                    verdict(node.name.label, node.name.kind, node.name.format, real),
                )
            )
        notes.extend(f"{source} {shown}: notice: {n}" for n in s.chain.notices)
    for missing in (r for r in refs if r not in seen):
        real = truth(lay.docs.get(missing) if lay else None)
        rows.append(NodeRow(source, shown, 0, missing, "—", "—", None, "—", None, real,
                            "NOT LISTED"))  # fmt: skip
    notes.append(f"{source} {shown}: summary: {report.summary()}")
    code, cli, err = app_cli("referrers", ref_text)
    if cli is None:
        notes.append(f"{source} {shown}: `acr-desktop referrers --json` exit {code}: {err[-300:]}")
    else:

        def labels(nodes: list[dict[str, Any]]) -> list[str]:
            return [x for n in nodes for x in [n["label"], *labels(n["children"])]]

        core = [r.label for r in rows if r.subject.startswith(shown) and "[" in r.subject
                and r.subject.endswith(("[this manifest]", "[index]"))]  # fmt: skip
        if sorted(labels(cli["referrers"])) != sorted(core):
            notes.append(
                f"{source} {shown}: CLI labels {labels(cli['referrers'])} differ from "
                f"the core's {core}"
            )
        notes.append(f"{source} {shown}: CLI summary: {cli['summary']}")
    if lay is not None and any("sbom" in (lay.docs[r].get("artifactType") or "").lower()
                               or "sbom" in str(lay.docs[r].get("config"))
                               or sbom_count(lay, lay.docs[r]) is not None
                               or truth(lay.docs[r])["kind"] == "sbom" for r in refs):  # fmt: skip
        own = [(r, sbom_count(lay, lay.docs[r])) for r in refs]
        own_text = "; ".join(
            f"{r[:19]}: {c[1]} {c[0]} packages"
            if c
            else f"{r[:19]}: no SPDX/CycloneDX document in its layers"
            for r, c in own
        )
        code, sb, err = app_cli("sbom", ref_text)
        app_text = (f"{sb['sbom']['format']}, {len(sb['packages'])} packages"
                    if sb else f"exit {code}: {err[-200:]}")  # fmt: skip
        counted = [c for _, c in own if c]
        same = "" if not counted else (" — SAME" if sb and len(sb["packages"]) == counted[0][0]
                                       else " — DIFFERENT")  # fmt: skip
        notes.append(
            f"{source} {shown}: `acr-desktop sbom --json`: {app_text}; the documents: "
            f"{own_text}{same}"
        )
    return rows, notes


# -- a published format the corpus lacks -------------------------------------------------------
BUILDKIT_ATTESTATION = "application/vnd.docker.attestation.manifest.v1+json"
SHAPE_PACKAGES = 7


def _write_blob(root: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def buildkit_oci_artifact(corpus: Path, tmp: Path) -> Layout | None:
    """BuildKit's attestation manifest as `--output type=image,oci-artifact=true` writes it
    (moby/buildkit PR #5573; asserted in buildkit's client tests: artifactType
    application/vnd.docker.attestation.manifest.v1+json, the empty config, `subject` = the
    platform image, one in-toto statement per layer), attached to a REAL corpus image
    (regclient-testrepo v2's linux/amd64, sha256:ee378b79…). Its statements (an SPDX 2.3 document
    of SHAPE_PACKAGES packages, SLSA v0.2 provenance) are made here: the corpus has none.
    Written into a temporary OCI layout (never the repository)."""
    src = corpus / "layouts" / "regclient-testrepo"
    if not src.exists():
        return None
    root = tmp / "SHAPE-buildkit-oci-artifact"
    home = read_layout(src)
    subject = "sha256:ee378b79279b57eb5ac1f3b892c9ad2a9be9d9ccabe1a29a9cbaed8cad182358"
    sdoc = home.docs[subject]
    for d in [sdoc["config"], *sdoc["layers"]]:
        blob = home.blob(d["digest"])
        if blob is not None:
            _write_blob(root, blob)
    sub = _write_blob(root, home.raw[subject])
    spdx = {"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
            "name": "shape", "documentNamespace": "https://example.invalid/shape",
            "creationInfo": {"created": "2025-01-01T00:00:00Z", "creators": ["Tool: syft-1.0"]},
            "packages": [{"name": f"pkg{i}", "SPDXID": f"SPDXRef-p{i}", "versionInfo": f"1.{i}",
                          "downloadLocation": "NOASSERTION", "externalRefs": [
                              {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                               "referenceLocator": f"pkg:generic/pkg{i}@1.{i}"}]}
                         for i in range(SHAPE_PACKAGES)]}  # fmt: skip
    target = [{"name": "pkg:docker/corpus/regclient-testrepo", "digest": {"sha256": subject[7:]}}]
    statements = [
        ("https://spdx.dev/Document", spdx),
        (
            "https://slsa.dev/provenance/v0.2",
            {
                "builder": {"id": "https://example.invalid/b"},
                "buildType": "https://mobyproject.org/buildkit@v1",
            },
        ),
    ]
    layers = []
    for ptype, pred in statements:
        body = json.dumps({"_type": "https://in-toto.io/Statement/v0.1", "subject": target,
                           "predicateType": ptype, "predicate": pred}).encode()  # fmt: skip
        layers.append({"mediaType": "application/vnd.in-toto+json", **_write_blob(root, body),
                       "annotations": {"in-toto.io/predicate-type": ptype}})  # fmt: skip
    config = {"mediaType": EMPTY, **_write_blob(root, b"{}")}
    att = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUILDKIT_ATTESTATION,
           "config": config, "layers": layers,
           "subject": {"mediaType": OCI_MANIFEST, **sub}}  # fmt: skip
    _write_blob(root, json.dumps(att, separators=(",", ":")).encode())
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": OCI_MANIFEST, **sub,
         "annotations": {"org.opencontainers.image.ref.name": "amd64"}}]}))  # fmt: skip
    lay = read_layout(root)
    lay.repo = "shapes/buildkit-oci-artifact"
    return lay


def load_docs(storage: Storage, corpus: Path) -> list[tuple[str, str, str]]:
    """Docs that carry BuildKit attestation entries: (repo, tag, digest) written to storage."""
    found = []
    for path in sorted((corpus / "docs").glob("*/*.json")):
        data = path.read_bytes()
        if b"attestation-manifest" not in data:
            continue
        repo, tag = f"corpus/docs-{path.parent.name.lower()}", path.stem[:100]
        tag = re.sub(r"[^A-Za-z0-9_.-]", "-", tag)
        found.append((repo, tag, storage.manifest(repo, data, tag)))
    return found


def self_names(corpus: Path) -> list[tuple[str, str, str, str, str]]:
    """Every non-image manifest of the corpus named on its own: (where, label, kind, facts,
    verdict)."""
    out = []
    files = [(f"docs/{p.parent.name}/{p.name}", p.read_bytes())
             for p in sorted((corpus / "docs").glob("*/*.json"))]  # fmt: skip
    for lay in sorted((corpus / "layouts").iterdir()):
        files += [(f"layouts/{lay.name}/blobs/sha256/{d[7:19]}…", r)
                  for d, r in read_layout(lay).raw.items()]  # fmt: skip
    seen: set[bytes] = set()
    for where, raw in files:
        if raw in seen:
            continue
        seen.add(raw)
        try:
            doc = json.loads(raw)
            m, _ = parse_manifest(raw, doc.get("mediaType") or OCI_MANIFEST)
        except (ValueError, RegistryError, AttributeError):
            continue
        if not isinstance(m, ImageManifest):
            continue
        real = truth(doc)
        plain = real["type"] in (None, "image") and real["kind"] == "other"
        if plain and not doc.get("artifactType"):
            continue  # a plain image
        name = name_manifest(m)
        out.append(
            (
                where,
                name.label,
                name.kind,
                real["facts"],
                verdict(name.label, name.kind, name.format, real),
            )
        )
    return out


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    own_index = "--own-index" in sys.argv
    corpus = Path(args[0]) if args else DEFAULT_CORPUS
    if not (corpus / "SOURCES.md").exists():
        print(f"no corpus at {corpus}: nothing to do")
        return 0
    layouts = with_referrers(corpus)
    rows: list[NodeRow] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        shape = buildkit_oci_artifact(corpus, Path(tmp))
        if shape is not None:
            layouts.append(shape)
        registry = Registry(Path(tmp) / "registry", "anonymous")
        storage = Storage(Path(tmp) / "registry" / "data")
        docs = load_docs(storage, corpus)
        registry.start()
        try:
            pusher = Pusher(registry)
            notes += push_layouts(pusher, layouts, own_index)
            notes += pusher.log
            client = RegistryClient(Transport())
            for lay in layouts:
                for subject, refs in subjects_of(lay, own_index).items():
                    r, n = check_subject(client, registry.host, lay, lay.repo, subject, refs,
                                         lay.path.name)  # fmt: skip
                    rows += r
                    notes += n
            for repo, tag, digest in docs:
                r, n = check_subject(client, registry.host, None, repo, digest, [],
                                     f"docs/{repo.split('-', 1)[1]}/{tag}.json")  # fmt: skip
                rows += r
                notes += n
        finally:
            registry.stop()
    print("## Referrer and attestation nodes (supply_report core)\n")
    print(
        "| corpus source | subject | node | label | kind | format | via | problem | "
        "what it is | verdict |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.source} | {r.subject} | {'  ' * r.level}{r.digest[:19]} | {r.label} | "
            f"{r.kind} | {r.fmt or ''} | {r.via} | {(r.problem or '')[:90]} | "
            f"{r.real['facts']} | {r.verdict} |"
        )
    subjects = sum(": summary: " in n for n in notes)  # one summary line per subject checked
    print(
        f"\n{subjects} subjects checked, {len(rows)} nodes; kinds: "
        f"{dict(Counter(r.kind for r in rows))}; verdicts: "
        f"{dict(Counter(r.verdict.split(' (')[0] for r in rows))}"
    )
    print("\n## Notes (summaries, CLI, SBOM counts, pushing)\n")
    for n in notes:
        print(f"- {n}")
    print("\n## Every non-image manifest named on its own (name_manifest)\n")
    print("| where | label | kind | what it is | verdict |")
    print("|---|---|---|---|---|")
    for where, label, kind, facts, v in self_names(corpus):
        print(f"| {where} | {label} | {kind} | {facts} | {v} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
