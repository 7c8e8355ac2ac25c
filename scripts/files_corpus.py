"""Compare the files acr-desktop lists in every layer of real published images with GNU tar's
listing of the same layer as skopeo downloaded it (issue 13).

Loads ../shared/corpus into a local Distribution registry (as scripts/compare_corpus.py does),
then for every image reference whose layers are present: `skopeo copy docker://… dir:…` fetches
the image (its manifest and layer blobs, with skopeo's own digest checks); acr-desktop streams
each layer from the registry (`layer_listing.list_layer`) and reads every regular file
(`file_read.read_file`). Per layer it compares, with GNU tar (`tar -tv --numeric-owner
--full-time` and `tar -xO`) on skopeo's copy of the blob:
- the entries (path, type, size, link target, mode, owner ids, modification time) in tar order,
- the uncompressed digest (acr-desktop's computed diff_id against `sha256sum` of tar's output
  `zcat`/`zstd -dc`) and the config's diff_id,
- each regular file's bytes.

Run from the repository: `.venv/bin/python scripts/files_corpus.py [CORPUS_DIR]`. Prints one row
per layer and a summary; exit code 1 when anything differs. Nothing is copied into the repository.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acr_desktop.registry.client import RegistryClient  # noqa: E402
from acr_desktop.registry.errors import RegistryError  # noqa: E402
from acr_desktop.registry.file_read import read_file  # noqa: E402
from acr_desktop.registry.layer_entries import TYPE_LETTERS, EntryKind, TarEntry  # noqa: E402
from acr_desktop.registry.layer_listing import list_layer  # noqa: E402
from acr_desktop.registry.layer_stream import LayerSource  # noqa: E402
from acr_desktop.registry.manifest import ImageManifest  # noqa: E402
from acr_desktop.registry.operation import operation  # noqa: E402
from acr_desktop.registry.reference import parse_reference  # noqa: E402
from acr_desktop.registry.tar_fields import normalise  # noqa: E402
from acr_desktop.registry.transport import Transport  # noqa: E402
from scripts.compare_corpus import corpus_argument, with_corpus  # noqa: E402

# GNU tar -tv --numeric-owner --full-time: "drwxr-xr-x 0/0   0 2019-01-01 00:00:00 path"
LINE = re.compile(
    r"^(?P<mode>\S{10}) (?P<uid>\d+)/(?P<gid>\d+)\s+(?P<size>\d+|\d+,\s*\d+) "
    r"(?P<time>\S+ \S+) (?P<rest>.*)$"
)
MAX_FILE = 4 * 1024 * 1024  # files read back and compared, per file


@dataclass
class Row:
    ref: str
    layer: int
    digest: str
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    files_compared: int = 0
    refused: str = ""  # not a tar: refused by acr-desktop and by GNU tar alike


def tar_listing(blob: Path) -> list[tuple[str, str, int, str, int, int, int, str]]:
    """GNU tar's view: (path, type, size, link, mode bits, uid, gid, mtime text) per entry."""
    out = subprocess.run(
        ["tar", "--numeric-owner", "--full-time", "--quoting-style=literal", "-tvf", str(blob)],
        capture_output=True, check=True, timeout=300,
    ).stdout.decode("utf-8", "surrogateescape")  # fmt: skip
    rows = []
    for line in out.splitlines():
        m = LINE.match(line)
        if m is None:
            raise ValueError(f"tar printed a line this script cannot read: {line!r}")
        rest, link = m["rest"], ""
        kind = m["mode"][0]
        if kind == "l" and " -> " in rest:
            rest, link = rest.split(" -> ", 1)
        elif kind == "h" and " link to " in rest:
            rest, link = rest.split(" link to ", 1)
        size = 0 if "," in m["size"] else int(m["size"])
        rows.append(
            (normalise(rest)[0], kind, size, link, _mode_bits(m["mode"]), int(m["uid"]),
             int(m["gid"]), m["time"])
        )  # fmt: skip
    return rows


def _mode_bits(text: str) -> int:
    bits = 0
    for i, c in enumerate(text[1:10]):
        if c in "rwxst":
            bits |= 1 << (8 - i)
    for at, special, letters in ((3, 0o4000, "sS"), (6, 0o2000, "sS"), (9, 0o1000, "tT")):
        if text[at] in letters:
            bits |= special
    return bits


def ours(entry: TarEntry) -> tuple[str, str, int, str, int, int, int, str]:
    kind = TYPE_LETTERS.get(entry.kind, "?")
    size = entry.size if entry.kind == EntryKind.FILE else 0
    when = datetime.fromtimestamp(int(entry.mtime), UTC).strftime("%Y-%m-%d %H:%M:%S")
    return (entry.path, kind, size, entry.link, entry.mode, entry.uid, entry.gid, when)


def uncompressed_digest(blob: Path) -> str:
    head = blob.read_bytes()[:4]
    tool = {b"\x1f\x8b": ["zcat"], b"\x28\xb5": ["zstd", "-dc"]}.get(head[:2], ["cat"])
    data = subprocess.run([*tool, str(blob)], capture_output=True, check=True).stdout
    return "sha256:" + hashlib.sha256(data).hexdigest()


def file_bytes(blob: Path, name: str) -> bytes:
    return subprocess.run(
        ["tar", "-xOf", str(blob), "--occurrence=1", name], capture_output=True, check=True
    ).stdout


def compare_image(client: RegistryClient, host: str, ref: str, work: Path) -> list[Row]:
    target = work / re.sub(r"[^A-Za-z0-9]", "_", ref)
    copied = subprocess.run(
        ["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{host}/{ref}",
         f"dir:{target}"],
        capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    if copied.returncode != 0:
        return []  # not an image skopeo can copy (an index without this platform, an artifact…)
    manifest = json.loads((target / "manifest.json").read_bytes())
    layers = manifest.get("layers") or []
    if not layers or manifest.get("schemaVersion") != 2:
        return []
    config_digest = manifest["config"]["digest"]
    try:
        config = json.loads((target / config_digest.split(":", 1)[1]).read_bytes())
        diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
    except (ValueError, AttributeError, OSError):  # an artifact's config: no diff_ids
        diff_ids = []
    chosen = "sha256:" + hashlib.sha256((target / "manifest.json").read_bytes()).hexdigest()
    reference = parse_reference(f"{host}/{ref}").with_digest(chosen)  # skopeo's platform
    fetched = client.get_manifest(reference)
    if not isinstance(fetched.manifest, ImageManifest):
        return []
    rows = []
    for number, descriptor in enumerate(fetched.manifest.layers):
        if ".tar" not in descriptor.media_type and "rootfs" not in descriptor.media_type:
            continue  # an artifact's file, not a filesystem layer
        blob = target / descriptor.digest.split(":", 1)[1]
        diff_id = diff_ids[number] if number < len(diff_ids) else None
        source = LayerSource(reference, descriptor, diff_id, number)
        rows.append(compare_layer(client, source, blob, Row(ref, number + 1, descriptor.digest)))
    return rows


def compare_layer(client: RegistryClient, source: LayerSource, blob: Path, row: Row) -> Row:
    """One layer: acr-desktop's listing, digests and file bytes against GNU tar's."""
    try:
        listing = list_layer(client, source)
    except RegistryError as exc:
        tar = subprocess.run(["tar", "-tf", str(blob)], capture_output=True, check=False)
        if tar.returncode == 0:
            row.problems.append(f"acr-desktop refused what GNU tar lists: {exc}")
        else:
            row.refused = f"both refuse it; acr-desktop: {exc}"
        return row
    row.entries = listing.total_entries
    theirs = tar_listing(blob)
    mine = [ours(e) for e in listing.entries]
    if mine != theirs:
        diff = [(a, b) for a, b in zip(mine, theirs, strict=False) if a != b][:3]
        row.problems.append(f"entries differ ({len(mine)} vs {len(theirs)}): {diff}")
    integrity = listing.integrity
    if integrity is None or not integrity.digest_verified:
        row.problems.append("digest not verified")
    elif integrity.diff_id != uncompressed_digest(blob):
        row.problems.append("uncompressed digest differs from zcat | sha256sum")
    elif source.diff_id and integrity.diff_id_status != "verified":
        row.problems.append(f"diff_id {integrity.diff_id_status}")
    raw_names = {normalise(n)[0]: n for n in reversed(_raw_names(blob))}  # the first of each
    for entry in listing.entries:
        if entry.kind != EntryKind.FILE or entry.size > MAX_FILE or entry.path not in raw_names:
            continue
        got = read_file(client, source, entry.path, limit=MAX_FILE)
        if got.data != file_bytes(blob, raw_names[entry.path]):
            row.problems.append(f"bytes of {entry.path} differ")
        row.files_compared += 1
    return row


def _raw_names(blob: Path) -> list[str]:
    out = subprocess.run(
        ["tar", "--quoting-style=literal", "-tf", str(blob)], capture_output=True, check=True
    ).stdout
    return out.decode("utf-8", "surrogateescape").splitlines()


def compare(host: str, refs: list[str]) -> list[Row]:
    client = RegistryClient(Transport())
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as work, operation(timeout=1800):
        for ref in refs:
            rows += compare_image(client, host, ref, Path(work))
    return rows


def main() -> int:
    corpus = corpus_argument()
    if corpus is None:
        return 0
    rows = with_corpus(corpus, compare)
    print("| reference | layer | entries | files compared | result |")
    print("|---|---|---|---|---|")
    seen: set[str] = set()
    for row in rows:
        result = "; ".join(row.problems) or row.refused or "same as GNU tar on skopeo's copy"
        again = " (seen before)" if row.digest in seen else ""
        seen.add(row.digest)
        print(
            f"| {row.ref} | {row.layer}{again} | {row.entries} | {row.files_compared} | {result} |"
        )
    bad = [r for r in rows if r.problems]
    distinct = len({r.digest for r in rows})
    refused = sum(1 for r in rows if r.refused)
    print(
        f"\n{len(rows)} layers ({distinct} distinct) compared; {len(bad)} differ; {refused} are "
        "not tar archives (refused by both)."
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
