"""Check `acr-desktop inspect --sizes` and `acr-desktop compare` against skopeo on real published
content (issue 14).

Loads ../shared/corpus into a local Distribution registry (as scripts/compare_corpus.py does),
then:
- sizes: for every index, each platform entry's download size from `inspect --sizes --json`
  against the sum skopeo's copy of that entry's manifest gives (`skopeo inspect --raw` of the
  entry by digest: config.size + every layer's size); for every image, the report's total the
  same way;
- compare: for pairs of references (every image or index against the next one loaded, and each
  against itself), `compare --json` against skopeo's manifests: identical exactly when the
  digests are; per matched platform, the layer digests called shared / removed / added against
  the sets skopeo's manifests give (a recompressed pair counts as removed + added by digest).

Run from the repository: `.venv/bin/python scripts/sizes_corpus.py [CORPUS_DIR]`. Prints the
figures; never copies corpus files into the repository.
"""

from __future__ import annotations

import io
import itertools
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from compare_corpus import corpus_argument, ours, skopeo, with_corpus  # noqa: E402

from acr_desktop import cli  # noqa: E402
from acr_desktop.cli_compare import compare_main  # noqa: E402


def skopeo_raw(host: str, ref: str) -> dict[str, Any] | None:
    code, raw = skopeo("inspect", "--raw", "--tls-verify=false", f"docker://{host}/{ref}")
    if code != 0:
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def download(doc: dict[str, Any]) -> int | None:
    """config + layers, from a manifest skopeo fetched; None when it is not an image."""
    if not isinstance(doc.get("config"), dict) or not isinstance(doc.get("layers"), list):
        return None
    return int(doc["config"].get("size", 0)) + sum(int(x.get("size", 0)) for x in doc["layers"])


def repo_of(ref: str) -> str:
    name = ref.split("@", maxsplit=1)[0]
    return name if "@" in ref else name.rsplit(":", 1)[0]


def unsigned(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    """Schema 1 as compared: Distribution signs it again on every fetch (new signatures)."""
    return {k: v for k, v in doc.items() if k != "signatures"} if doc else doc


def check_sizes(host: str, refs: list[str], out: dict[str, Any]) -> None:
    for ref in refs:
        code, summary = ours(host, ref, "--sizes")
        if code != 0 or summary is None:
            out["not_inspected"] += 1
            continue
        entries = summary.get("entries")
        if not entries:
            doc = skopeo_raw(host, ref)
            theirs = download(doc) if doc else None
            if theirs is None:
                continue
            out["images"] += 1
            total = summary.get("total_size")  # config and layers, compressed
            if total != theirs:
                out["differ"].append(f"{ref}: ours {total} vs skopeo {theirs}")
            continue
        out["indexes"] += 1
        for entry in entries:
            size = entry.get("download_size")
            if entry.get("kind") != "platform" or size is None:
                if entry.get("kind") == "platform":
                    out["unmeasured"].append(
                        f"{ref} {entry['digest'][:19]}: {entry.get('size_problem')}"
                    )
                continue
            doc = skopeo_raw(host, f"{repo_of(ref)}@{entry['digest']}")
            theirs = download(doc) if doc else None
            out["entries"] += 1
            if theirs != size:
                out["differ"].append(f"{ref} {entry['label']}: ours {size} vs skopeo {theirs}")


def ours_compare(host: str, left: str, right: str) -> tuple[int, dict[str, Any] | None, str]:
    buffer = io.StringIO()
    said = io.StringIO()
    err, sys.stderr = sys.stderr, said
    try:
        code = compare_main(
            [f"{host}/{left}", f"{host}/{right}", "--json", "--plain-http"],
            cli._transport,
            cli._failed,
            cli._report_found,
            out=buffer,
        )
    finally:
        sys.stderr = err
    text = buffer.getvalue()
    return code, (json.loads(text) if text else None), said.getvalue()


def check_compare(host: str, refs: list[str], out: dict[str, Any]) -> None:
    usable = [r for r in refs if skopeo_raw(host, r) is not None]
    pairs = [(r, r) for r in usable] + list(itertools.pairwise(usable))
    for left, right in pairs:
        code, doc, said = ours_compare(host, left, right)
        out["pairs"] += 1
        out["codes"][str(code)] = out["codes"].get(str(code), 0) + 1
        if code not in (0, 1):
            out["trouble"].append(f"{code}: {left} ⇄ {right}: {said.strip()[:300]}")
        if doc is None:
            continue
        l_raw, r_raw = skopeo_raw(host, left), skopeo_raw(host, right)
        same = json.dumps(unsigned(l_raw), sort_keys=True) == json.dumps(
            unsigned(r_raw), sort_keys=True
        )
        if doc["identical"] != (doc["left"]["digest"] == doc["right"]["digest"]):
            out["differ"].append(f"{left} ⇄ {right}: identical flag disagrees with the digests")
        if left == right and not doc["identical"]:
            out["differ"].append(f"{left} ⇄ itself: not identical")
        if doc["identical"] and not same:
            out["differ"].append(f"{left} ⇄ {right}: identical, but skopeo's documents differ")
        for p in doc["platforms"]:
            if not p["left_digest"] or not p["right_digest"]:
                continue
            ld = skopeo_raw(host, f"{repo_of(left)}@{p['left_digest']}")
            rd = skopeo_raw(host, f"{repo_of(right)}@{p['right_digest']}")
            if not ld or not rd or "layers" not in ld or "layers" not in rd:
                continue
            lset = {x["digest"] for x in ld["layers"]}
            rset = {x["digest"] for x in rd["layers"]}
            shared = {x["left"]["digest"] for x in p["layers"] if x["state"] == "shared"}
            removed = {
                x["left"]["digest"]
                for x in p["layers"]
                if x["state"] in ("removed", "recompressed")
            }
            added = {
                x["right"]["digest"] for x in p["layers"] if x["state"] in ("added", "recompressed")
            }
            out["platform_pairs"] += 1
            if shared != lset & rset or removed != lset - rset or added != rset - lset:
                out["differ"].append(f"{left} ⇄ {right} {p['label']}: layer sets disagree")


def work(host: str, refs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"indexes": 0, "entries": 0, "images": 0, "not_inspected": 0,
                           "unmeasured": [], "differ": [], "trouble": [], "pairs": 0,
                           "platform_pairs": 0, "codes": {}}  # fmt: skip
    check_sizes(host, refs, out)
    check_compare(host, refs, out)
    return out


def main() -> int:
    corpus = corpus_argument()
    if corpus is None:
        return 0
    out = with_corpus(corpus, work)
    print(f"sizes: {out['indexes']} indexes, {out['entries']} platform entries and "
          f"{out['images']} images checked against skopeo; {out['not_inspected']} references "
          "not inspectable")  # fmt: skip
    print(f"compare: {out['pairs']} pairs ({out['platform_pairs']} platform pairs with layers "
          f"checked); exit codes {out['codes']}")  # fmt: skip
    print(f"unmeasured platform entries: {len(out['unmeasured'])}")
    for line in out["unmeasured"][:20]:
        print("  -", line)
    print(f"compares that did not answer 0 or 1: {len(out['trouble'])}")
    for line in out["trouble"]:
        print("  -", line)
    print(f"disagreements: {len(out['differ'])}")
    for line in out["differ"]:
        print("  -", line)
    return 1 if out["differ"] else 0


if __name__ == "__main__":
    sys.exit(main())
