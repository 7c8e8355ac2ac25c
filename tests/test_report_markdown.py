"""An inspect as Markdown (issue 14): the summary table, the entries of an index with their
download sizes, the layers with their compressed sizes, the notes; hostile registry text that
cannot break a table or start markup; long lists cut; and a real index from the registry."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import requests

from acr_desktop.inspection import Inspection, inspect
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import FetchedConfig, FetchedManifest, RegistryClient
from acr_desktop.registry.digest import compute_digest
from acr_desktop.registry.image_config import parse_config
from acr_desktop.registry.manifest import parse_manifest
from acr_desktop.registry.platforms import Platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from acr_desktop.report_markdown import MAX_ROWS, code, inspection_markdown, md
from acr_desktop.sizes import SIZE_WORDS, ImageSize, IndexSizes
from acr_desktop.text import format_size
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig.content import OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, _push_manifest, image
from tests.rig.kinds import oci_index

HOSTILE = "evil | `tick` *bold* <img src=x onerror=alert(1)> [link](http://x)\n# heading\u202eexe"


def fetched(raw: bytes, media_type: str, ref: str = "example.com/app:1.0") -> FetchedManifest:
    manifest, warnings = parse_manifest(raw, media_type)
    digest = compute_digest(raw)
    reference = replace(parse_reference(ref), digest=digest)
    return FetchedManifest(reference, raw, digest, media_type, manifest, digest,
                           "Docker-Content-Digest", tuple(warnings))  # fmt: skip


def hostile_image() -> Inspection:
    config = {
        "architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "d" * 64] * 2},
        "history": [{"created_by": HOSTILE}, {"created_by": "x" * 5000}],
    }  # fmt: skip
    config_raw = json.dumps(config).encode()
    layers = [
        {"mediaType": OCI_LAYER, "digest": "sha256:" + f"{n}" * 64, "size": size}
        for n, size in ((1, 31_420_102), (2, 10**15))
    ]
    body = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": compute_digest(config_raw),
                   "size": len(config_raw)},
        "layers": layers, "annotations": {"org.example.note": HOSTILE},
    }  # fmt: skip
    top = fetched(json.dumps(body).encode(), OCI_MANIFEST)
    config_part = FetchedConfig(config_raw, parse_config(config_raw))
    return Inspection(parse_reference("example.com/app:1.0"), top, top, None, config_part)


def test_an_image_as_markdown_names_each_size_and_lists_its_layers() -> None:
    ins = hostile_image()
    text = inspection_markdown(ins)
    lines = text.splitlines()
    assert lines[0] == r"### example.com/app:1.0"
    assert f"| **Digest** | `{ins.top.digest}` ✔ verified (Docker-Content-Digest) |" in lines
    total = 31_420_102 + 10**15 + ins.top.manifest.config.size  # type: ignore[union-attr]
    assert (
        f"| **Download size** | {format_size(total)} ({total:,} bytes): the config and 2 layers, "
        "compressed |"
    ) in lines
    assert (
        "| **Created** | 2024\\-01\\-02 03:04:05 UTC · linux/amd64 |" not in lines
    )  # not over-escaped
    assert "| **Created** | 2024-01-02 03:04:05 UTC · linux/amd64 |" in lines
    assert "#### Layers" in lines
    assert "| # | Digest | Compressed size | Created by |" in lines
    assert any(line.startswith("| 1 | `sha256:1111") and "31.4 MB" in line for line in lines)
    assert any("1000.0 TB" in line for line in lines)  # petabytes, no overflow
    assert f"_{SIZE_WORDS}; a manifest's bytes are the size of its JSON document._" in lines


def test_hostile_registry_text_stays_inside_its_cell_and_is_never_markup() -> None:
    text = inspection_markdown(hostile_image())
    row = next(line for line in text.splitlines() if line.startswith("| 1 |"))
    # Exactly the table's own pipes: the hostile one is escaped.
    assert len(re.findall(r"(?<!\\)\|", row)) == 5
    assert r"evil \| \`tick\` \*bold\* \<img src=x onerror=alert(1)\> \[link\](http://x)" in row
    assert r"\\x0a\# heading\\u202eexe" in row  # the newline and the bidi override by name
    assert "\u202e" not in text and "\n# heading" not in text
    notes = next(line for line in text.splitlines() if line.startswith("| **Annotations** |"))
    assert notes.startswith(r"| **Annotations** | org.example.note=evil \| \`tick\`")
    assert len(re.findall(r"(?<!\\)\|", notes)) == 3  # one row, its own pipes only
    long_row = next(line for line in text.splitlines() if line.startswith("| 2 |"))
    assert len(long_row) < 300 and long_row.endswith("… |")  # cut, not 5,000 characters
    assert md("a\x1b[31mb") == r"a\\x1b\[31mb"  # an escape sequence shown, never sent
    assert code("sha256:" + "a" * 64) == f"`sha256:{'a' * 64}`"
    assert code("sha256:`rm -rf`") == r"sha256:\`rm \-rf\`".replace(r"\-", "-")


def test_the_config_says_what_the_image_runs_with_hostile_values_as_data() -> None:
    ins = hostile_image()
    doc = json.loads(ins.config.raw)  # type: ignore[union-attr]
    doc["config"] = {
        "Entrypoint": ["/bin/app", "--flag"], "Cmd": ["serve"], "User": "app",
        "WorkingDir": "/srv", "ExposedPorts": {"8080/tcp": {}}, "Volumes": {"/data": {}},
        "Env": ["PATH=/usr/bin", f"NOTE={HOSTILE}"], "Labels": {"org.example.x": HOSTILE},
    }  # fmt: skip
    raw = json.dumps(doc).encode()
    text = inspection_markdown(replace(ins, config=FetchedConfig(raw, parse_config(raw))))
    lines = text.splitlines()
    config = lines[lines.index("#### Config") :]
    assert "| Setting | Value |" in config
    assert r'| Entrypoint | \["/bin/app", "--flag"\] |' in config
    assert r'| Cmd | \["serve"\] |' in config
    assert "| User | app |" in config and "| Working dir | /srv |" in config
    assert "| Exposed ports | 8080/tcp |" in config and "| Volumes | /data |" in config
    assert "| Env PATH | /usr/bin |" in config
    hostile = [x for x in config if x.startswith(("| Env NOTE", "| Label org"))]
    assert len(hostile) == 2
    for line in hostile:
        assert len(re.findall(r"(?<!\\)\|", line)) == 3, line  # one row: its own pipes only
        assert "\u202e" not in line and r"\<img" in line


def index_of(count: int) -> FetchedManifest:
    entries = [
        {"mediaType": OCI_MANIFEST, "digest": "sha256:" + f"{n:064x}", "size": 500 + n,
         "platform": {"os": "linux", "architecture": f"arch{n}"}}
        for n in range(count)
    ]  # fmt: skip
    body = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    return fetched(json.dumps(body).encode(), OCI_INDEX)


def test_an_index_lists_its_entries_with_the_sizes_known_and_cuts_a_huge_list() -> None:
    top = index_of(MAX_ROWS + 50)
    ins = Inspection(parse_reference("example.com/app:1.0"), top, None, None, None)
    digests = ["sha256:" + f"{n:064x}" for n in range(3)]
    shared = "sha256:" + "e" * 64
    sizes = IndexSizes(
        {
            digests[0]: ImageSize(
                digests[0],
                28_100_000,
                2,
                (shared, "sha256:" + "1" * 64),
                100,
                "manifest",
                (25_000_000, 3_099_900),
            ),
            digests[1]: ImageSize(
                digests[1],
                31_400_000,
                2,
                (shared, "sha256:" + "2" * 64),
                100,
                "manifest",
                (25_000_000, 6_399_900),
            ),
        },
        {digests[2]: "The registry has no manifest for it | <b>gone</b>"},
    )
    text = inspection_markdown(ins, sizes)
    lines = text.splitlines()
    assert "| Entry | Digest | Download size | Layers | Manifest bytes |" in lines
    assert f"| linux/arch0 | `{digests[0]}` | 28.1 MB | 2 | 500 |" in lines
    assert f"| linux/arch1 | `{digests[1]}` | 31.4 MB | 2 | 501 |" in lines
    assert (
        f"| linux/arch2 | `{digests[2]}` | ⚠ The registry has no manifest for it \\| "
        "\\<b\\>gone\\</b\\> | — | 502 |"
    ) in lines
    assert f"| linux/arch3 | `{'sha256:' + f'{3:064x}'}` | — | — | 503 |" in lines
    summary = next(line for line in lines if line.startswith("| **All platforms** |"))
    assert "2 of 250 platforms: 28.1 MB – 31.4 MB to download each" in summary
    assert "1 layer (25.0 MB) shared by all" in summary
    table_rows = [line for line in lines if line.startswith("| linux/arch")]
    assert len(table_rows) == MAX_ROWS
    assert "… and 50 more (the JSON report lists them all)." in lines


def test_a_real_index_from_the_registry_as_markdown(layers_registry: Registry) -> None:
    repository = "markdown/app"
    amd64 = image(repository, "md-amd64", docker=False)
    arm64 = image(repository, "md-arm64", "arm64", "v8", docker=False)
    top = oci_index(repository, [amd64, arm64], annotations={"org.example": "a|b"})
    with requests.Session() as session:
        session.headers.update(layers_registry.push_headers((repository,)))
        _push_manifest(session, layers_registry.url, top, "v1", set())
    client = RegistryClient(Transport(timeout=(5.0, 10.0)))
    client.transport.set_credentials(layers_registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    ref = parse_reference(f"{layers_registry.host}/{repository}:v1")
    ins = inspect(client, ref, Platform("linux", "arm64", "v8"))
    from acr_desktop.sizes import index_sizes

    sizes = index_sizes(client, ins.top)
    text = inspection_markdown(ins, sizes)
    lines = text.splitlines()
    assert lines[0] == f"### {layers_registry.host}/markdown/app:v1"
    assert "| **Type** | OCI image index — 2 platforms |" in lines
    assert f"| **Chosen platform** | linux/arm64/v8: `{arm64.digest}` |" in lines
    for m in (amd64, arm64):
        assert m.config is not None
        size = m.config.size + sum(b.size for b in m.layers)
        assert any(f"`{m.digest}` | {format_size(size)} | 2 |" in line for line in lines)
    assert "#### Layers of linux/arm64/v8" in lines
    assert any("COPY app /app \\# buildkit" in line for line in lines)  # created by, escaped
    assert any(line.startswith("| **All platforms** | 2 platforms: ") for line in lines)
