"""Compare `acr-desktop inspect` with skopeo on real published content (issue 12).

Loads ../shared/corpus (OCI layouts, single documents, a `docker save` archive; see its
SOURCES.md) into a local Distribution registry with schema 1 enabled, then for every reference:
the digest acr-desktop reports against skopeo's (`skopeo inspect --raw`, digested by
`skopeo manifest-digest`), and for every index, the entry each of them chooses for every platform
it lists (plus the bare `linux/arm` and `linux/arm64`): the entry acr-desktop selects against
the manifest skopeo goes on to fetch (from `skopeo --debug`). Prints one table per kind.

Run from the repository: `.venv/bin/python scripts/compare_corpus.py [CORPUS_DIR]`. Does nothing
when the corpus folder is absent. Never copies corpus files into the repository: everything is
written into a temporary registry storage, as Distribution itself stores it (documents without
their blobs, partial layouts and schema 1 could not be pushed), and removed at the end.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acr_desktop.cli import inspect_main  # noqa: E402
from acr_desktop.registry.schema1 import signed_payload  # noqa: E402
from tests.rig.kinds import SCHEMA1_ENABLED  # noqa: E402
from tests.rig.registry import Registry  # noqa: E402

T = TypeVar("T")
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


class CorpusRegistry(Registry):
    def _config(self) -> str:
        return super()._config() + SCHEMA1_ENABLED


@dataclass
class Storage:
    """Distribution's filesystem storage, written directly."""

    root: Path
    refs: list[str] = field(default_factory=list)  # repo:tag

    def blob(self, data: bytes) -> str:
        hexd = hashlib.sha256(data).hexdigest()
        path = self.root / "docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return f"sha256:{hexd}"

    def _link(self, repo: str, rel: str, digest: str) -> None:
        path = self.root / "docker/registry/v2/repositories" / repo / rel / "link"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(digest)

    def layer(self, repo: str, data: bytes) -> None:
        digest = self.blob(data)
        self._link(repo, f"_layers/sha256/{digest[7:]}", digest)

    def manifest(self, repo: str, data: bytes, tag: str | None) -> str:
        # Distribution keeps a schema 1 manifest's payload and signs it again on every GET
        stored = _schema1_payload(data)
        digest = self.blob(stored)
        self._link(repo, f"_layers/sha256/{digest[7:]}", digest)
        self._link(repo, f"_manifests/revisions/sha256/{digest[7:]}", digest)
        if tag:
            self._link(repo, f"_manifests/tags/{tag}/current", digest)
            self._link(repo, f"_manifests/tags/{tag}/index/sha256/{digest[7:]}", digest)
            self.refs.append(f"{repo}:{tag}")
        return digest


def _schema1_payload(data: bytes) -> bytes:
    try:
        return signed_payload(data) or data
    except ValueError:
        return data


def load_layouts(storage: Storage, corpus: Path) -> None:
    for layout in sorted((corpus / "layouts").iterdir()):
        repo = f"corpus/{layout.name.lower()}"
        for blob in sorted((layout / "blobs" / "sha256").iterdir()):
            storage.layer(repo, blob.read_bytes())
        index = json.loads((layout / "index.json").read_bytes())
        seen: set[str] = set()
        for n, entry in enumerate(index.get("manifests", [])):
            name = (entry.get("annotations") or {}).get("org.opencontainers.image.ref.name", "")
            tag = name if TAG.match(name or "") else f"entry-{n}"
            _add_tree(storage, (repo, layout), entry["digest"], tag, seen)


def _add_tree(
    storage: Storage, where: tuple[str, Path], digest: str, tag: str | None, seen: set[str]
) -> None:
    repo, layout = where
    path = layout / "blobs" / "sha256" / digest.split(":", 1)[1]
    if not path.exists():
        return  # a partial layout: the entry is missing, as on a partial mirror
    data = path.read_bytes()
    storage.manifest(repo, data, tag)
    if digest in seen:
        return
    seen.add(digest)
    try:
        doc = json.loads(data)
    except ValueError:
        return
    for child in doc.get("manifests", []) if isinstance(doc, dict) else []:
        if isinstance(child, dict) and isinstance(child.get("digest"), str):
            _add_tree(storage, (repo, layout), child["digest"], None, seen)


def load_docs(storage: Storage, corpus: Path) -> None:
    for folder in sorted((corpus / "docs").iterdir()):
        repo = f"corpus/docs-{folder.name.lower()}"
        for doc in sorted(folder.glob("*.json")):
            tag = re.sub(r"[^A-Za-z0-9_.-]", "-", doc.stem)[:128]
            storage.manifest(repo, doc.read_bytes(), tag)


def load_archives(registry: Registry, storage: Storage, corpus: Path) -> None:
    for archive in sorted((corpus / "archives").glob("*.tar")):
        ref = f"corpus/archives:{archive.stem.lower()}"
        subprocess.run(
            ["skopeo", "copy", "-q", "--dest-tls-verify=false",
             f"docker-archive:{archive}", f"docker://{registry.host}/{ref}"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        storage.refs.append(ref)


def ours(host: str, ref: str, *args: str) -> tuple[int, dict[str, Any] | None]:
    out = io.StringIO()
    err = sys.stderr
    sys.stderr = io.StringIO()
    try:
        code = inspect_main([f"{host}/{ref}", "--json", *args], out=out)
    finally:
        sys.stderr = err
    return code, (json.loads(out.getvalue()) if out.getvalue() else None)


def skopeo(*args: str) -> tuple[int, bytes]:
    proc = subprocess.run(["skopeo", *args], capture_output=True, timeout=120, check=False)
    return proc.returncode, proc.stdout


def skopeo_digest(host: str, ref: str) -> str | None:
    code, raw = skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{host}/{ref}")
    if code != 0:
        return None
    with tempfile.NamedTemporaryFile() as f:
        f.write(raw)
        f.flush()
        code, out = skopeo("manifest-digest", f.name)
    return out.decode().strip() if code == 0 else None


def skopeo_choice(host: str, ref: str, platform: str) -> str | None:
    """The entry skopeo picks for `platform`: the manifest digest it goes on to fetch (from its
    debug log, so that a missing entry still shows which one it chose)."""
    parts = platform.split("/")
    args = ["--override-os", parts[0], "--override-arch", parts[1]]
    if len(parts) > 2:
        args += ["--override-variant", parts[2]]
    proc = subprocess.run(
        ["skopeo", "--debug", *args, "inspect", "--tls-verify=false", f"docker://{host}/{ref}"],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    found = re.findall(r"manifests/(sha256:[0-9a-f]{64})", proc.stderr.decode(errors="replace"))
    return found[-1] if found else None


def ours_raw_digest(host: str, ref: str) -> str | None:
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8", write_through=True)
    err, sys.stderr = sys.stderr, io.StringIO()
    try:
        inspect_main([f"{host}/{ref}", "--raw"], out=out)
    finally:
        sys.stderr = err
    out.flush()
    raw = buffer.getvalue()
    return "sha256:" + hashlib.sha256(raw).hexdigest() if raw else None


def kind_of(summary: dict[str, Any]) -> str:
    kind = summary["kind"]
    if kind == "schema1":
        return f"schema 1 ({'signed' if summary['signed'] else 'unsigned'})"
    if kind != "index":
        return "artifact" if kind == "artifact" else f"{kind}: {summary['media_type_name']}"
    inner = {e["kind"] for e in summary["entries"]}
    if not inner:
        return "index: empty"
    if "index" in inner:
        return "index: nested"
    if {"attestation", "builder"} & inner:
        return "index: with attestation/builder entries"
    without = "" if summary["lists_platforms"] else " (entries without platform)"
    return f"index: {summary['media_type_name']}{without}"


@dataclass
class Row:
    refs: int = 0
    digests_same: int = 0
    compared_digests: int = 0
    choices: int = 0
    choices_same: int = 0
    notes: list[str] = field(default_factory=list)


def compare(host: str, refs: list[str]) -> dict[str, Row]:
    table: dict[str, Row] = defaultdict(Row)
    for ref in refs:
        code, summary = ours(host, ref)
        theirs = skopeo_digest(host, ref)
        if summary is None:
            row = table["not parsed by acr-desktop (--raw bytes compared)"]
            row.refs += 1
            raw = ours_raw_digest(host, ref)
            if theirs is not None:
                row.compared_digests += 1
                row.digests_same += raw == theirs
            row.notes.append(f"{ref}: exit {code}; --raw bytes {raw}; skopeo {theirs}")
            continue
        row = table[kind_of(summary)]
        row.refs += 1
        if theirs is not None:
            row.compared_digests += 1
            if theirs == summary["digest"]:
                row.digests_same += 1
            else:
                row.notes.append(f"{ref}: ours {summary['digest']} skopeo {theirs}")
        if summary["kind"] == "index":
            _compare_choices(host, ref, summary, row)
    return table


def _compare_choices(host: str, ref: str, summary: dict[str, Any], row: Row) -> None:
    wanted = {e["platform"] for e in summary["entries"] if e["kind"] == "platform"}
    if {e["architecture"] for e in summary["entries"]} & {"arm", "arm64"}:
        wanted |= {"linux/arm", "linux/arm64"}
    for platform in sorted(w for w in wanted if w):
        _code, picked = ours(host, ref, "--platform", platform)
        mine = ((picked or {}).get("selected_entry") or {}).get("digest")
        theirs = skopeo_choice(host, ref, platform)
        if mine is None and theirs is None:
            continue  # neither could (or both refused to) choose: nothing to compare
        row.choices += 1
        if mine == theirs:
            row.choices_same += 1
        else:
            row.notes.append(f"{ref} --platform {platform}: ours {mine} skopeo {theirs}")


def with_corpus(corpus: Path, work: Callable[[str, list[str]], T]) -> T:
    """Load `corpus` into a temporary registry and run `work(host, references)` against it."""
    with tempfile.TemporaryDirectory() as tmp:
        registry = CorpusRegistry(Path(tmp) / "registry")
        storage = Storage(Path(tmp) / "registry" / "data")
        load_layouts(storage, corpus)
        load_docs(storage, corpus)
        registry.start()
        try:
            load_archives(registry, storage, corpus)
            return work(registry.host, storage.refs)
        finally:
            registry.stop()


def corpus_argument() -> Path | None:
    """The corpus folder named on the command line (else the default), None when absent."""
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
    if not (corpus / "SOURCES.md").exists():
        print(f"no corpus at {corpus}: nothing to do")
        return None
    return corpus


def main() -> int:
    corpus = corpus_argument()
    if corpus is None:
        return 0
    table = with_corpus(corpus, compare)
    print("| kind | refs | digest matches skopeo | --platform choice matches skopeo |")
    print("|---|---|---|---|")
    for kind, row in sorted(table.items()):
        digests = f"{row.digests_same}/{row.compared_digests}" if row.compared_digests else "—"
        choices = f"{row.choices_same}/{row.choices}" if row.choices else "—"
        print(f"| {kind} | {row.refs} | {digests} | {choices} |")
    for kind, row in sorted(table.items()):
        for note in row.notes:
            print(f"- {kind}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
