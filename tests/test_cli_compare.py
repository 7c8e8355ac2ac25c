"""`acr-desktop compare A B` against the real registry (`layers_registry`, images from
tests/rig/compare_images.py), called as `cli_compare.compare_main` with cli.py's helpers (as
cli.main hands it over): exit codes, the text, JSON and Markdown forms, `--platform`, `--files`,
and hostile config text shown as data in every form."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest

from acr_desktop import cli
from acr_desktop.cli_compare import compare_main
from acr_desktop.compare_report import md, signed_size
from acr_desktop.registry.client import FetchedManifest
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeServer, Registry
from tests.rig import compare_images as rig
from tests.rig.compare_images import CompareImages

pytestmark = pytest.mark.registry
SIGN_IN = ["-u", ALICE_USER, "--password-stdin"]
Run = tuple[int, str, str]


@pytest.fixture(scope="module")
def images(layers_registry: Registry) -> CompareImages:
    return rig.push_compare_images(layers_registry)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """`acr-desktop compare ARGS…` in this process, signed in as alice: (code, stdout, stderr)."""

    def call(*args: str, sign_in: bool = True) -> Run:
        monkeypatch.setattr(sys, "stdin", io.StringIO(ALICE_PASSWORD + "\n"))
        argv = [*args, *(SIGN_IN if sign_in else [])]
        code = compare_main(argv, cli._transport, cli._failed, cli._report_found)
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_the_same_manifest_exits_0_and_says_identical(run: Any, images: CompareImages) -> None:
    code, out, err = run(images.ref("v1"), images.ref("same"))
    assert code == 0, err
    assert f"Identical: both are {images.manifest('v1').digest}" in out


def test_a_difference_exits_1_with_layers_config_and_history_as_text(
    run: Any, images: CompareImages
) -> None:
    code, out, err = run(images.ref("v1"), images.ref("v2"))
    assert code == 1, err
    assert "Only on the left: linux/arm/v7" in out
    assert "Only on the right: linux/s390x" in out
    assert "linux/amd64: download" in out
    assert "Layers (1 shared, 1 recompressed, 1 removed, 2 added):" in out
    assert "    env APP_VERSION: 1.0 → 2.0" in out
    assert "    env DEBUG: 0 → (absent)" in out
    assert '    cmd: ["serve"] → ["serve", "--fast"]' in out
    assert f"    base digest: {rig.BASE_V1} → {rig.BASE_V2}" in out
    assert "  History: 4 steps → 5 (first different step: 3)" in out
    assert "note: 1 index entry that is not a platform image (attestations" in err


def test_json_is_a_stable_document(run: Any, images: CompareImages) -> None:
    code, out, err = run(images.ref("v1-amd64"), images.ref("v2"), "--json")
    assert code == 1, err
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    assert doc["identical"] is False
    assert doc["left"]["digest"] == images.manifest("v1-amd64").digest
    [amd64] = doc["platforms"]
    assert amd64["label"] == "linux/amd64"
    assert [row["state"] for row in amd64["layers"]] == [
        "shared", "recompressed", "removed", "added", "added"
    ]  # fmt: skip
    assert {"part": "user", "key": None, "left": "app", "right": "root"} in amd64["config_changes"]
    assert amd64["size_delta"] == amd64["right_download_size"] - amd64["left_download_size"]
    assert len(amd64["history"]["right"]) == 5
    assert amd64["files"] is None  # nothing listed, and no --files
    assert set(doc) == {"schema_version", "left", "right", "identical", "only_left",
                        "only_right", "notes", "platforms"}  # fmt: skip


def test_files_lists_the_layers_and_compares_the_paths(run: Any, images: CompareImages) -> None:
    code, out, err = run(images.ref("v1-amd64"), images.ref("v2-amd64"), "--files", "--json")
    assert code == 1, err
    files = json.loads(out)["platforms"][0]["files"]
    assert {"path": "app/app.py", "state": "changed", "left_size": 12, "right_size": 19} in files
    assert [f["path"] for f in files] == ["app/app.py", "app/new.txt", "app/old.txt",
                                          "etc/app.conf"]  # fmt: skip
    code, text, err = run(images.ref("v1-amd64"), images.ref("v2-amd64"))  # now from the cache
    assert "  Files (1 changed, 1 added, 1 removed, 1 added):" not in text
    assert "    ~ app/app.py  12 B → 19 B" in text
    assert "    - app/old.txt  4 B → " in text


def test_a_platform_limits_the_compare_and_a_missing_one_exits_3(
    run: Any, images: CompareImages
) -> None:
    code, out, err = run(images.ref("v1"), images.ref("v2"), "--platform", "linux/arm64")
    assert code == 1, err
    assert "linux/arm64: download" in out
    assert "linux/amd64" not in out
    code, out, err = run(images.ref("v1"), images.ref("v2"), "--platform", "linux/s390x")
    assert code == 3
    assert "no linux/s390x in" in err


def test_markdown_shows_hostile_config_text_as_inert_data(run: Any, images: CompareImages) -> None:
    code, out, err = run(images.ref("v1-amd64"), images.ref("hostile"), "--markdown")
    assert code == 1, err
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "<script>" not in out
    for line in out.splitlines():
        if line.startswith("| label | a"):
            assert line.count(" | ") - line.count("\\|") <= 4  # 4 cells: no extra column
    assert "| label | a\\|b | *(absent)* | pipe \\| in \\| value |" in out
    assert "line one\\\\x0aline two" in out  # the newline shown, not acted on
    assert "&lt;script&gt;" in out
    rows = [line for line in out.splitlines() if line.startswith("|")]
    for row in rows:  # every table row ends its own line: no cell broke out of it
        assert row.endswith("|")
    assert max(len(line) for line in out.splitlines()) < 2000  # long values cut


def test_text_shows_hostile_text_escaped(run: Any, images: CompareImages) -> None:
    code, out, err = run(images.ref("v1-amd64"), images.ref("hostile"))
    assert code == 1, err
    assert "\x1b" not in out and "\u202e" not in out
    assert "    label escape: (absent) → \\x1b[31mred\\x1b[0m\\x07" in out
    assert "user: app → root\\x0a| injected | row |" in out


def test_usage_mistakes_exit_2(run: Any, images: CompareImages) -> None:
    assert run("not a reference!", images.ref("v1"))[0] == 2
    assert run(images.ref("v1"), images.ref("v2"), "--platform", "linux")[0] == 2
    assert run(images.ref("v1"), images.ref("v2"), "--password-stdin", sign_in=False)[0] == 2
    with pytest.raises(SystemExit) as caught:
        run(images.ref("v1"), images.ref("v2"), "--json", "--markdown")
    assert caught.value.code == 2


def test_missing_tag_exits_3_and_no_sign_in_exits_4(run: Any, images: CompareImages) -> None:
    code, out, err = run(images.ref("v2"), images.ref("partial"))
    assert code == 3, err
    assert "linux/amd64: download" in out
    assert "acr-desktop: part is missing: linux/amd64: The right side: " in err
    code, _out, err = run(images.ref("v1"), images.ref("no-such-tag"))
    assert code == 3
    assert "no-such-tag" in err
    code, _out, err = run(images.ref("v1"), images.ref("v2"), sign_in=False)
    assert code == 4, err


def test_a_manifest_that_does_not_match_its_digest_exits_5(
    run: Any, fake_server: FakeServer
) -> None:
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                       "manifests": []}).encode()  # fmt: skip
    media = {"Content-Type": "application/vnd.oci.image.index.v1+json"}
    fake_server.reply("GET", r"/v2/lies/manifests/.*", 200, media, body)
    wrong = "sha256:" + "a" * 64
    code, _out, err = run(f"{fake_server.host}/lies:v1", f"{fake_server.host}/lies@{wrong}",
                          sign_in=False)  # fmt: skip
    assert code == 5, err
    assert "hashes to" in err


def test_trouble_is_never_exit_1_which_means_they_differ(run: Any, images: CompareImages) -> None:
    from tests.rig.registry import free_port

    nobody = f"127.0.0.1:{free_port()}"  # nothing listens there
    code, out, err = run(f"{nobody}/team/app:v1", images.ref("v1"), sign_in=False)
    assert code == 6, err
    assert out == "" and err.startswith("acr-desktop: ")


def test_helpers_say_sizes_and_escape_markdown() -> None:
    assert signed_size(0) == "±0 B"
    assert signed_size(-340) == "-340 B"
    assert signed_size(1_200_000) == "+1.2 MB"
    assert md("# title") == "\\# title"
    assert md("1. item") == "1\\. item"
    assert md("a|b`c*d_e[f](g)") == "a\\|b\\`c\\*d\\_e\\[f\\]\\(g\\)"
    assert md("@team ping") == "\\@team ping"
    assert md(None) == "*(absent)*"
    assert md("x" * 400).endswith("…")


def _fetched(ref: str, doc: dict[str, Any]) -> FetchedManifest:
    from acr_desktop.registry.digest import manifest_digest
    from acr_desktop.registry.manifest import parse_manifest
    from acr_desktop.registry.reference import parse_reference

    raw = json.dumps(doc).encode()
    manifest, _warnings = parse_manifest(raw, doc["mediaType"])
    digest = manifest_digest(raw, doc["mediaType"])
    return FetchedManifest(parse_reference(ref), raw, digest, doc["mediaType"], manifest, None, "")


def test_reports_of_a_hand_made_comparison_cut_long_tables_and_escape_labels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from acr_desktop import compare_report
    from acr_desktop.compare import Comparison, FileChange, PlatformComparison
    from acr_desktop.compare_report import comparison_dict, write_comparison_text

    config = {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2,
              "digest": "sha256:" + "c" * 64}  # fmt: skip
    image = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
             "config": config, "layers": []}  # fmt: skip
    left = _fetched("example.com/a:1", image)
    right = _fetched("example.com/a:2", image | {"annotations": {"x": "y"}})
    files = tuple(FileChange(f"dir/{n}", "added", None, n) for n in range(30))
    label = "linux\n## evil|os/amd64"
    pc = PlatformComparison(label, left, right, None, None, (), (), (), (), files, ("gone",))
    c = Comparison(left.reference, right.reference, left, right, False, (pc,), (label,), (), ())
    monkeypatch.setattr(compare_report, "MAX_ROWS", 10)
    markdown = compare_report.comparison_markdown(c)
    assert "### linux\\\\x0a## evil\\|os/amd64\n" in markdown  # one line, no heading inside
    assert "Only on the left: linux\\\\x0a" in markdown
    assert "…and 20 more rows (the JSON has them all)." in markdown
    assert "> Problem: gone" in markdown
    doc = comparison_dict(c)
    assert len(doc["platforms"][0]["files"]) == 30
    assert doc["platforms"][0]["label"] == label  # JSON keeps the data exactly (escaped by json)
    out = io.StringIO()
    write_comparison_text(c, out)
    text = out.getvalue()
    assert "linux\\x0a## evil|os/amd64: download 2 B → 2 B (±0 B)" in text
    assert "    (the first 10 of 30; --json has them all)" in text
    assert "  Problem: gone" in text
