"""`acr-desktop referrers REF` and `acr-desktop sbom REF` end to end against the real registry
(`layers_registry`, content from tests/rig/supply.py; Distribution 2.8.2 has no referrers API, so
referrers come through the tag fallback, and through a fake server's referrers API in front of
it), called as `cli_supply.supply_main` with cli.py's helpers (as cli.main hands it over): the
text, --json and --csv forms, exit codes, a hostile and a huge SBOM, nothing attached,
`--platform` on an index, and no secret on stdout or stderr."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any

import pytest

from acr_desktop import cli
from acr_desktop.cli_supply import supply_main
from acr_desktop.registry import sbom as sbom_module
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeServer, Registry
from tests.rig import supply as rig
from tests.rig.content import image
from tests.rig.supply import Supply

pytestmark = pytest.mark.registry
SIGN_IN = ["-u", ALICE_USER, "--password-stdin"]
Run = tuple[int, str, str]
HOSTILE = [
    "\x1b]0;pwned\x07title", "\u202egnp.exe", "=HYPERLINK(\"http://x\")", "line\nbreak",
    "+1", "@sum", "x" * 5000,
]  # fmt: skip
HUGE = 5000  # packages: an SBOM of about 1.5 MB


@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> Supply:
    """The rig's content, plus `hostile` (an SPDX SBOM whose names are escapes, bidi, formulas,
    newlines and 5,000 characters), `huge` (an SPDX SBOM of HUGE packages) and `broken` (its
    SBOM referrer is listed but was deleted), `whole` (an index with an SBOM of its own)."""
    supply = rig.push_supply(layers_registry, "supply/cli")
    pusher = rig.Pusher(layers_registry, (supply.repository,))
    try:
        for name, doc in (("hostile", rig.spdx_document(0, extra=HOSTILE)),
                          ("huge", rig.spdx_document(HUGE))):  # fmt: skip
            subject = pusher.push(image(supply.repository, name, docker=False), name)
            raw = json.dumps(doc).encode()
            supply.named[name] = subject
            supply.named[f"{name}-sbom"] = pusher.attach(
                rig.sbom_referrer(supply.repository, subject, raw)
            )
        broken = pusher.push(image(supply.repository, "broken", docker=False), "broken")
        supply.named["broken"] = broken
        gone = rig.spdx_referrer(supply.repository, broken)
        supply.named["broken-sbom"] = pusher.attach(gone, plain=True)
        pusher.delete(supply["broken-sbom"])  # listed in the tag schema, but gone
        kids = [image(supply.repository, f"whole-{a}", a, docker=False) for a in ("amd64", "arm64")]
        whole = pusher.push(rig.oci_index(supply.repository, kids), "whole")
        supply.named["whole"] = whole
        supply.named["whole-sbom"] = pusher.attach(rig.cyclonedx_referrer(supply.repository, whole))
    finally:
        pusher.close()
    return supply


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """`acr-desktop ARGS…` in this process, signed in as alice: (code, stdout, stderr). No run
    ever shows the password, on either stream."""

    def call(*args: str, password: str = ALICE_PASSWORD, via_main: bool = False) -> Run:
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
        argv = [*args, *SIGN_IN]
        if via_main:
            code = cli.main(argv)
        else:
            code = supply_main(argv, cli._transport, cli._failed, cli._report_found)
        out, err = capsys.readouterr()
        assert password not in out and password not in err
        return code, out, err

    return call


def _lines(out: str) -> list[str]:
    return out.splitlines()


# --- referrers -----------------------------------------------------------------------------


def test_referrers_shows_the_tree_claims_and_summary(run: Any, supply: Supply) -> None:
    code, out, err = run("referrers", supply.ref("image"))
    assert code == 0, err
    lines = _lines(out)
    assert lines[0] == f"{supply.ref('image')} ({supply['image'].digest})"
    assert lines[1].startswith("Summary: signed (cosign, Sigstore bundle, Notation) · 2 SBOMs, ")
    assert "provenance" in lines[1]
    spdx = next(i for i, line in enumerate(lines) if line.startswith("  SPDX SBOM  "))
    assert lines[spdx] == f"  SPDX SBOM  {supply['spdx'].digest[:19]}  (tag fallback)"
    # the signature on the SBOM is a level deeper, with what it claims
    assert lines[spdx + 1].startswith(
        f"    cosign signature  {supply['sbom-signature'].digest[:19]}"
    )
    assert lines[spdx + 2].startswith(f"      cosign signature by {rig.SIGNER_EMAIL}")
    assert lines[spdx + 2].endswith("present, not verified")
    claims = [line for line in lines if "present, not verified" in line]
    assert len(claims) == 5  # the .sig tag, the OCI 1.1 signature, the bundle, Notation, the SBOM's
    assert any(rig.NOTATION_SUBJECT_CN in line for line in claims)
    assert any("Rekor entry 12345678" in line for line in claims)
    assert any(
        line.startswith("    SLSA provenance v1 — built by " + rig.BUILDER_ID) for line in lines
    )
    assert "  CycloneDX SBOM  " in out and "vulnerability report" in out
    assert "End of life" not in out and "Base image" not in out


def test_referrers_json_is_a_stable_document(run: Any, supply: Supply) -> None:
    code, out, err = run("referrers", supply.ref("image"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc) == ["schema_version", "reference", "digest", "summary", "sbom_packages",
                         "notices", "referrers", "end_of_life", "base_image"]  # fmt: skip
    assert doc["schema_version"] == 1 and doc["digest"] == supply["image"].digest
    assert doc["sbom_packages"] == len(rig.PACKAGES)
    by_digest = {node["digest"]: node for node in doc["referrers"]}
    names = ("cosign-tag", "cosign", "bundle", "notation", "spdx", "cyclonedx", "provenance",
             "vulnerability")  # fmt: skip
    assert set(by_digest) == {supply[n].digest for n in names}
    node = by_digest[supply["notation"].digest]
    assert list(node) == ["digest", "media_type", "artifact_type", "size", "kind", "label",
                          "format", "via", "problem", "details", "children"]  # fmt: skip
    assert (node["kind"], node["format"], node["via"]) == ("signature", "notation", "tag fallback")
    claims = node["details"]["signature"]
    assert claims["verified"] is False and claims["text"].endswith("present, not verified")
    [child] = by_digest[supply["spdx"].digest]["children"]
    assert child["digest"] == supply["sbom-signature"].digest
    assert child["details"]["signature"]["subject"] == rig.SIGNER_EMAIL
    prov = by_digest[supply["provenance"].digest]["details"]["provenance"]
    assert (prov["builder"], prov["source_commit"]) == (rig.BUILDER_ID, rig.SOURCE_COMMIT)
    assert doc["end_of_life"] is None and doc["base_image"] is None
    assert out.isascii()


def test_end_of_life_and_an_updated_base_image(run: Any, supply: Supply) -> None:
    code, out, err = run("referrers", supply.ref("based"))
    assert code == 0, err
    assert "End of life: Past end of life since 2024-06-30" in out
    assert "warning: Past end of life since 2024-06-30" in err
    base = f"{supply.registry}/supply/cli-base:1"
    assert f"Base image: {base} ({supply['base-old'].digest[:19]}…)" in out
    assert ("  base image has been updated since this was built (its tag now points to "
            f"{supply['base-new'].digest[:19]})") in out  # fmt: skip
    code, out, err = run("referrers", supply.ref("based"), "--json")
    doc = json.loads(out)
    assert doc["end_of_life"]["past"] is True and doc["end_of_life"]["date"] == "2024-06-30"
    assert doc["base_image"] | {"text": ""} == {
        "name": base, "digest": supply["base-old"].digest,
        "current_digest": supply["base-new"].digest, "updated": True, "problem": None,
        "text": "",
    }  # fmt: skip
    kinds = {node["kind"] for node in doc["referrers"]}
    assert kinds == {"lifecycle", "streaming"}


def test_no_base_check_sends_no_head(run: Any, supply: Supply) -> None:
    code, out, err = run("referrers", supply.ref("based"), "--json", "--no-base-check")
    assert code == 0, err
    base = json.loads(out)["base_image"]
    assert (base["digest"], base["current_digest"], base["updated"]) == (
        supply["base-old"].digest, None, None,
    )  # fmt: skip
    code, out, err = run("referrers", supply.ref("based"), "--no-base-check")
    assert "updated" not in out and "Base image: " in out


def test_a_referrer_that_cannot_be_read_is_a_sentence(run: Any, supply: Supply) -> None:
    ref = f"{supply.registry}/{supply.repository}:broken"
    code, out, err = run("referrers", ref)
    assert code == 0, err
    lines = _lines(out)
    short = supply["broken-sbom"].digest[:19]
    [node] = [i for i, line in enumerate(lines) if f"  {short}  (tag fallback)" in line]
    assert lines[node + 1].startswith("    It could not be read: There is no manifest ")
    assert f" {short}: It could not be read: " in err
    code, out, err = run("sbom", ref)
    assert code == 3 and out == ""


def test_a_base_image_that_has_not_moved(
    run: Any, supply: Supply, layers_registry: Registry
) -> None:
    pusher = rig.Pusher(layers_registry, ("supply/cli", "supply/cli-base"))
    try:
        name = f"{supply.registry}/supply/cli-base:1"
        same = rig.based_image("supply/cli", "same-base", name, supply["base-new"].digest)
        pusher.push(same, "same-base")
    finally:
        pusher.close()
    code, out, err = run("referrers", f"{supply.registry}/supply/cli:same-base", "--json")
    assert code == 0, err
    assert json.loads(out)["base_image"]["updated"] is False


def test_nothing_attached_exits_0_and_says_so(run: Any, supply: Supply) -> None:
    code, out, err = run("referrers", supply.ref("bare"))
    assert code == 0, err
    assert _lines(out) == [
        f"{supply.ref('bare')} ({supply['bare'].digest})",
        "Summary: no signatures, SBOMs or provenance found",
    ]
    code, out, _ = run("referrers", supply.ref("bare"), "--json")
    assert json.loads(out)["referrers"] == []


def test_an_index_shows_its_buildkit_attestations(run: Any, supply: Supply) -> None:
    code, out, err = run("referrers", supply.ref("index"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    atts = doc["referrers"]
    assert [a["digest"] for a in atts] == [supply["attestation-amd64"].digest,
                                           supply["attestation-arm64"].digest]  # fmt: skip
    assert {a["via"] for a in atts} == {"index attestation"}
    kinds = [(c["kind"], c["label"]) for c in atts[1]["children"]]
    assert kinds == [("sbom", "SPDX SBOM"), ("provenance", "SLSA provenance v0.2")]
    prov = atts[1]["children"][1]["details"]["provenance"]
    assert prov["builder"] == rig.BUILDER_ID


def test_the_referrers_api_is_used_where_there_is_one(
    run: Any, supply: Supply, layers_registry: Registry, fake_server: FakeServer
) -> None:
    rig.serve_referrers_api(fake_server, layers_registry, supply)
    ref = f"{fake_server.host}/{supply.repository}:image"
    code, out, err = run("referrers", ref, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert {n["via"] for n in doc["referrers"]} == {"referrers API"}
    assert supply["cosign-tag"].digest not in {n["digest"] for n in doc["referrers"]}
    assert any(
        r.path.startswith(f"/v2/{supply.repository}/referrers/") for r in fake_server.requests
    )


def test_referrers_exit_codes(run: Any, supply: Supply) -> None:
    code, _, err = run("referrers", f"{supply.registry}/supply/cli:no-such-tag")
    assert code == 3 and "no-such-tag" in err
    code, _, err = run("referrers", "Not A Reference")
    assert code == 2
    code, out, err = run("referrers", supply.ref("image"), password="wrong-Pa55-SECRET")
    assert code == 4 and out == ""
    assert "wrong-Pa55-SECRET" not in err


# --- sbom ----------------------------------------------------------------------------------


def test_sbom_table(run: Any, supply: Supply) -> None:
    code, out, err = run("sbom", supply.ref("image"))
    assert code == 0, err
    lines = _lines(out)
    assert lines[0] == f"SPDX 2.3 SBOM of {supply.ref('image')}: 4 packages"
    assert lines[1].startswith(f"From {supply['spdx'].digest[:19]}, referrer of the image, found ")
    assert lines[2].split() == ["NAME", "VERSION", "TYPE", "LICENCE", "PURL"]
    assert [line.split()[0] for line in lines[3:]] == ["libc6", "lodash", "openssl", "requests"]
    assert lines[3].split() == ["libc6", "2.36-9", "deb", "LGPL-2.1-or-later",
                                "pkg:deb/debian/libc6@2.36-9?arch=amd64"]  # fmt: skip


def test_sbom_csv_and_json(run: Any, supply: Supply) -> None:
    code, out, err = run("sbom", supply.ref("image"), "--csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["name", "version", "type", "purl", "licence"]
    assert {r[0] for r in rows[1:]} == {p[0] for p in rig.PACKAGES}
    code, out, err = run("sbom", supply.ref("image"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc) == ["schema_version", "reference", "digest", "platform", "sbom", "packages"]
    assert doc["sbom"]["format"] == "SPDX 2.3" and doc["sbom"]["digest"] == supply["spdx"].digest
    purl = "pkg:pypi/requests@2.31.0"
    assert doc["packages"][2] == {"name": "requests", "version": "2.31.0", "type": "pypi",
                                  "purl": purl, "licence": "Apache-2.0"}  # fmt: skip
    with pytest.raises(SystemExit) as exit_:  # argparse: one form only
        run("sbom", supply.ref("image"), "--csv", "--json")
    assert exit_.value.code == 2


def test_sbom_of_an_index_is_the_platforms(run: Any, supply: Supply) -> None:
    code, out, err = run("sbom", supply.ref("index"), "--platform", "linux/arm64", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["platform"] == "linux/arm64" and doc["digest"] == supply["index-arm64"].digest
    assert doc["sbom"]["found"] == "BuildKit attestation in the index"
    names = {p["name"] for p in doc["packages"]}
    assert "only-arm64" in names and "only-amd64" not in names
    code, out, err = run("sbom", supply.ref("multi"), "--platform", "linux/arm64")
    assert code == 0, err
    assert (
        _lines(out)[0] == f"CycloneDX 1.5 SBOM of {supply.ref('multi')} (linux/arm64): 6 packages"
    )
    code, out, err = run("sbom", supply.ref("multi"), "--platform", "linux/amd64")
    assert code == 3 and out == ""
    assert "acr-desktop: no SBOM found for linux/amd64 in " in err
    code, _, err = run("sbom", supply.ref("index"), "--platform", "linux/s390x")
    assert code == 3, err
    ref = f"{supply.registry}/{supply.repository}:whole"  # an SBOM for the index as a whole
    code, out, err = run("sbom", ref, "--platform", "linux/arm64", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["sbom"]["digest"] == supply["whole-sbom"].digest
    assert doc["sbom"]["found"] == "referrer of the index, found through the tag fallback"


def test_sbom_without_one_and_other_exit_codes(run: Any, supply: Supply) -> None:
    code, out, err = run("sbom", supply.ref("bare"))
    assert code == 3 and out == ""
    assert "no SBOM found in" in err
    code, _, err = run("sbom", supply.ref("image"), "--platform", "linux/amd64")
    assert code == 2, err  # not an index
    code, _, err = run("sbom", f"{supply.registry}/supply/cli:no-such-tag")
    assert code == 3


def test_sbom_of_the_sbom_artifact_itself(run: Any, supply: Supply) -> None:
    code, out, err = run("sbom", supply.digest_ref(supply["cyclonedx"].digest), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (
        doc["sbom"]["format"] == "CycloneDX 1.5" and doc["sbom"]["found"] == "the reference itself"
    )


def test_a_hostile_sbom_is_shown_as_data(run: Any, supply: Supply) -> None:
    ref = f"{supply.registry}/{supply.repository}:hostile"
    code, out, err = run("sbom", ref)
    assert code == 0, err
    assert not {"\x1b", "\x07", "\u202e"} & set(out) and "pwned" in out and "gnp.exe" in out
    assert len(_lines(out)) == 3 + len(HOSTILE)  # a newline in a name starts no line of its own
    assert max(len(line) for line in _lines(out)) < 250  # 5,000 characters cut in the table
    code, out, err = run("sbom", ref, "--csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) == 1 + len(HOSTILE)
    assert not [c for row in rows for c in row if c.startswith(("=", "+", "@", "-"))]
    assert not {"\x1b", "\x07", "\u202e"} & set(out)
    code, out, err = run("sbom", ref, "--json")
    assert code == 0, err
    assert out.isascii() and len(json.loads(out)["packages"]) == len(HOSTILE)


def test_a_huge_sbom_and_one_over_the_cap(
    run: Any, supply: Supply, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = f"{supply.registry}/{supply.repository}:huge"
    code, out, err = run("sbom", ref, "--json")
    assert code == 0, err
    assert len(json.loads(out)["packages"]) == HUGE
    code, out, err = run("sbom", ref)
    assert len(_lines(out)) == 3 + HUGE
    monkeypatch.setattr(sbom_module, "MAX_SBOM_BYTES", 1024 * 1024)
    code, out, err = run("sbom", ref)
    assert code == 1 and out == ""
    assert "1 MiB" in err, err


def test_the_commands_are_wired_into_main(run: Any, supply: Supply) -> None:
    code, out, err = run("sbom", supply.ref("image"), "--csv", via_main=True)
    assert code == 0, err
    assert out.startswith("name,version,type,purl,licence")
    code, out, err = run("referrers", supply.ref("bare"), via_main=True)
    assert code == 0 and "no signatures, SBOMs or provenance found" in out
