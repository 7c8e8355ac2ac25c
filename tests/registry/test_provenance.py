"""SLSA provenance: BuildKit's v0.2 and v1 predicates, GitHub's v1 generator, DSSE envelopes,
hostile statements, and `read_provenance` against the real registry (S4's rig)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acr_desktop.registry import provenance as prov_mod
from acr_desktop.registry.attached import read_provenance
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import InvalidResponse
from acr_desktop.registry.manifest import Descriptor, ImageIndex
from acr_desktop.registry.provenance import (
    MAX_PROVENANCE_BYTES,
    NotProvenance,
    Provenance,
    TooLargeDocument,
    parse_provenance,
)
from acr_desktop.registry.redaction import HIDDEN
from acr_desktop.registry.reference import parse_reference
from tests.registry import fuzz_inputs as fi
from tests.registry.test_sbom import assert_clean
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig import supply as rig
from tests.rig.content import image

pytestmark = pytest.mark.timeout(max(120, fi.EXAMPLES // 10))
# The CI tier's 4,000 examples would cost minutes here (certificates, whole documents): 500 is
# the most any property of this file runs, 200 in the quick suite.
FUZZ_CAP = 300

V02 = "https://slsa.dev/provenance/v0.2"
V1 = "https://slsa.dev/provenance/v1"
COMMIT = "4b220de5058abfd01ff619c9d2ff6b09a049bea0"
REPO = "https://github.com/example/buildkit-app.git#refs/tags/v1.0.0"


def _json(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def statement(predicate_type: str, predicate: Any, subject: str = "") -> dict[str, Any]:
    name = subject or "pkg:docker/example/app@v1?platform=linux%2Farm64"
    return {"_type": "https://in-toto.io/Statement/v0.1", "predicateType": predicate_type,
            "subject": [{"name": name, "digest": {"sha256": "ab" * 32}}],
            "predicate": predicate}  # fmt: skip


def buildkit_v02(**changes: Any) -> dict[str, Any]:
    """Shaped as BuildKit's docs/attestations/slsa-definitions.md describes (mode=max)."""
    predicate = {
        "builder": {"id": "https://github.com/docker/buildx/actions/runs/1"},
        "buildType": "https://mobyproject.org/buildkit@v1",
        "materials": [
            {"uri": "pkg:docker/alpine@3.19?platform=linux%2Farm64",
             "digest": {"sha256": "cd" * 32}},
            {"uri": REPO, "digest": {"sha1": COMMIT}},
        ],
        "invocation": {
            "configSource": {"uri": REPO, "digest": {"sha1": COMMIT}, "entryPoint": "Dockerfile"},
            "parameters": {
                "frontend": "gateway.v0",
                "args": {"build-arg:GO_VERSION": "1.22", "build-arg:NPM_TOKEN": "s3cr3t-value",
                         "label:team": "core", "source": "docker/dockerfile:1",
                         "target": "release"},
                "secrets": [{"id": "GIT_AUTH_HEADER", "optional": True}],
                "locals": [{"name": "context"}],
            },
            "environment": {"platform": "linux/amd64"},
        },
        "metadata": {
            "buildInvocationID": "rpv7a389uzil5lqmrgwhijwjz",
            "buildStartedOn": "2025-01-02T10:00:00Z",
            "buildFinishedOn": "2025-01-02T10:03:00Z",
            "completeness": {"parameters": True, "environment": True, "materials": False},
            "https://mobyproject.org/buildkit@v1#metadata": {
                "vcs": {"source": "https://github.com/other/ignored", "revision": "f" * 40}},
        },
    }  # fmt: skip
    predicate.update(changes)
    return statement(V02, predicate)


def buildkit_v1_local() -> dict[str, Any]:
    """BuildKit SLSA v1 of a local build: no config source URI, the vcs hints in metadata."""
    predicate = {
        "buildDefinition": {
            "buildType": "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md",
            "externalParameters": {
                "configSource": {"path": "build/Dockerfile"},
                "request": {"frontend": "dockerfile.v0",
                            "args": {"target": "prod", "platform": "linux/arm64",
                                     "build-arg:API_KEY": "k", "build-arg:DEBIAN": "bookworm"},
                            "locals": [{"name": "context"}, {"name": "dockerfile"}]},
            },
            "internalParameters": {"builderPlatform": "linux/amd64"},
            "resolvedDependencies": [
                {"uri": "pkg:docker/debian@bookworm?platform=linux%2Farm64",
                 "digest": {"sha256": "ef" * 32}},
            ],
        },
        "runDetails": {
            "builder": {"id": ""},
            "metadata": {"invocationID": "x", "startedOn": "2025-03-04T05:06:07Z",
                         "finishedOn": "2025-03-04T05:07:08Z",
                         "buildkit_metadata": {"vcs": {"source": "https://github.com/example/local",
                                                       "revision": COMMIT}}},
        },
    }  # fmt: skip
    return statement(V1, predicate)


def test_buildkit_slsa_v0_2() -> None:
    found = parse_provenance(_json(buildkit_v02()))
    assert found == Provenance(
        predicate=V02,
        builder="https://github.com/docker/buildx/actions/runs/1",
        source_repo=REPO,
        source_commit=COMMIT,  # the verified config source wins over the vcs hint
        started="2025-01-02T10:00:00Z",
        finished="2025-01-02T10:03:00Z",
        parameters=(
            ("frontend", "gateway.v0"),
            ("target", "release"),
            ("platform", "linux/arm64"),  # from the subject's purl
            ("builder platform", "linux/amd64"),
            ("file", "Dockerfile"),
            ("frontend image", "docker/dockerfile:1"),
            ("build-arg:GO_VERSION", "1.22"),
            ("build-arg:NPM_TOKEN", HIDDEN),
        ),
        materials=(
            ("pkg:docker/alpine@3.19?platform=linux%2Farm64", "sha256:" + "cd" * 32),
            (REPO, "sha1:" + COMMIT),
        ),
    )
    assert found.label == "SLSA provenance v0.2"
    assert found.describe() == (
        "SLSA provenance v0.2 — built by https://github.com/docker/buildx/actions/runs/1, "
        f"from {REPO} at 4b220de5058a, 2025-01-02T10:00:00Z to 2025-01-02T10:03:00Z"
    )


def test_buildkit_slsa_v1_of_a_local_build_takes_the_vcs_hints() -> None:
    found = parse_provenance(_json(buildkit_v1_local()))
    assert found.version == "v1"
    assert found.builder is None
    assert (found.source_repo, found.source_commit) == ("https://github.com/example/local", COMMIT)
    assert (found.started, found.finished) == ("2025-03-04T05:06:07Z", "2025-03-04T05:07:08Z")
    assert found.parameters == (
        ("frontend", "dockerfile.v0"),
        ("target", "prod"),
        ("platform", "linux/arm64"),
        ("builder platform", "linux/amd64"),
        ("file", "build/Dockerfile"),
        ("build-arg:API_KEY", HIDDEN),
        ("build-arg:DEBIAN", "bookworm"),
    )
    assert found.materials == (
        ("pkg:docker/debian@bookworm?platform=linux%2Farm64", "sha256:" + "ef" * 32),
    )


def test_vcs_build_options_when_nothing_else_names_the_source() -> None:
    predicate = {"invocation": {"parameters": {"args": {"vcs:source": "https://git.example/r",
                                                         "vcs:revision": "abc123"}}}}  # fmt: skip
    found = parse_provenance(_json(statement(V02, predicate)))
    assert (found.source_repo, found.source_commit) == ("https://git.example/r", "abc123")


def test_github_generator_v1_in_a_dsse_envelope() -> None:
    subject = image("supply/x", "gh", docker=False)
    payload = _json(rig.slsa_v1(subject))
    raw = _json({"payloadType": "application/vnd.in-toto+json",
                 "payload": base64.b64encode(payload).decode(), "signatures": []})  # fmt: skip
    found = parse_provenance(raw)
    assert found.builder == rig.BUILDER_ID
    assert (found.source_repo, found.source_commit) == (rig.SOURCE_REPO, rig.SOURCE_COMMIT)
    assert ("target", "release") in found.parameters
    assert ("workflow", ".github/workflows/build.yml") in found.parameters
    assert ("ref", "refs/heads/main") in found.parameters
    assert found.materials[0] == (
        f"git+{rig.SOURCE_REPO}@refs/heads/main",
        f"gitCommit:{rig.SOURCE_COMMIT}",
    )


def test_credentials_in_urls_and_bidi_in_values_are_cleaned() -> None:
    doc = buildkit_v02(builder={"id": "https://ci.example/\u202erun\n1"})
    config = doc["predicate"]["invocation"]["configSource"]
    config["uri"] = "https://x-access-token:ghs_abcdefghijkl@github.com/o/r.git"
    doc["predicate"]["materials"] = [{"uri": "https://user:pw@example.com/a.tgz", "digest": {}}]
    found = parse_provenance(_json(doc))
    assert found.builder == "https://ci.example/ run 1"
    assert found.source_repo == "https://github.com/o/r.git"
    assert found.materials == (("https://example.com/a.tgz", ""),)


def test_materials_and_build_arguments_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prov_mod, "MAX_MATERIALS", 3)
    monkeypatch.setattr(prov_mod, "MAX_BUILD_ARGS", 2)
    materials = [{"uri": f"pkg:docker/m{i}", "digest": {"sha256": f"{i:064x}"}} for i in range(7)]
    args = {f"build-arg:A{i}": "x" * 5000 for i in range(5)}
    doc = buildkit_v02(materials=materials)
    doc["predicate"]["invocation"]["parameters"]["args"] = args
    found = parse_provenance(_json(doc))
    assert len(found.materials) == 3
    assert [k for k, _ in found.parameters if k.startswith("build-arg:")] == [
        "build-arg:A0",
        "build-arg:A1",
    ]
    assert all(len(v) <= prov_mod.MAX_VALUE for _, v in found.parameters)
    assert found.notice == "Showing 3 of 7 materials. 3 more build arguments are not shown."


def test_wrong_types_everywhere_give_an_empty_provenance() -> None:
    predicate = {"builder": "x", "invocation": [1], "metadata": {"buildStartedOn": {"a": 1}},
                 "materials": {"uri": "x"}}  # fmt: skip
    found = parse_provenance(_json(statement(V02, predicate, subject="\u0000")))
    assert found == Provenance(V02, None, None, None, None, None, (), (), None)
    v1 = {"buildDefinition": {"externalParameters": {"request": {"args": ["target"]}},
                              "resolvedDependencies": [None, 3, {"digest": {"md5": 7}}]},
          "runDetails": {"builder": {"id": 42}, "metadata": None}}  # fmt: skip
    found = parse_provenance(_json(statement(V1, v1, subject="pkg:docker/app")))
    assert (found.builder, found.parameters, found.materials) == (None, (), ())


@pytest.mark.parametrize(
    ("raw", "error", "words"),
    [
        (_json(statement("https://spdx.dev/Document", {})), NotProvenance,
         "“https://spdx.dev/Document”, not SLSA provenance"),
        (_json({"builder": {"id": "x"}}), NotProvenance, "not an in-toto statement"),
        (_json(statement(V1, "text")), InvalidResponse, "predicate is not a JSON object"),
        (_json({"payloadType": "application/vnd.in-toto+json", "payload": "%%%"}),
         InvalidResponse, "not valid base64"),
        (_json({"payloadType": "application/vnd.in-toto+json",
                "payload": base64.b64encode(b"[" * 100 + b"]" * 100).decode()}),
         InvalidResponse, "nested deeper than 64 levels"),
        (b"\x00\x01", InvalidResponse, "not valid JSON"),
        (_json({"payloadType": "application/vnd.in-toto+json", "payload": "W10="}),
         InvalidResponse, "payload is not a JSON object"),  # base64 of `[]`
    ],
)  # fmt: skip
def test_what_is_not_provenance_says_why(
    raw: bytes, error: type[InvalidResponse], words: str
) -> None:
    with pytest.raises(error) as caught:
        parse_provenance(raw)
    assert words in caught.value.sentence


def test_a_document_over_the_cap_is_not_read() -> None:
    with pytest.raises(TooLargeDocument, match="documents are read up to 32 MiB"):
        parse_provenance(b" " * (MAX_PROVENANCE_BYTES + 1))


# -- from the registry (S4's rig on layers_registry) ---------------------------------------------
@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> rig.Supply:
    return rig.push_supply(layers_registry, "supply/s2-provenance")


def _client(host: str) -> RegistryClient:
    client = RegistryClient()
    client.transport.set_credentials(host, Credentials(ALICE_USER, ALICE_PASSWORD))
    return client


def test_read_provenance_of_a_referrer_plain_and_in_dsse(
    layers_registry: Registry, supply: rig.Supply
) -> None:
    client = _client(supply.registry)
    ref = parse_reference(supply.ref("image"))
    subject = client.get_manifest(ref).reference
    found = {d.digest: d for d in client.referrers(subject).descriptors}
    plain = read_provenance(client, ref, found[supply["provenance"].digest])
    assert (plain.version, plain.source_commit) == ("v1", rig.SOURCE_COMMIT)
    enveloped = rig.provenance_referrer(supply.repository, supply["bare"], envelope=True)
    pusher = rig.Pusher(layers_registry, (supply.repository,))
    try:
        pusher.push(enveloped)
    finally:
        pusher.close()
    descriptor = Descriptor(enveloped.media_type, enveloped.digest, enveloped.size)
    assert read_provenance(client, ref, descriptor) == plain
    with pytest.raises(NotProvenance, match="holds no SLSA provenance"):
        read_provenance(client, ref, found[supply["spdx"].digest])


def test_read_provenance_of_a_buildkit_attestation_manifest(supply: rig.Supply) -> None:
    client = _client(supply.registry)
    ref = parse_reference(supply.ref("index"))
    index = client.get_manifest(ref).manifest
    assert isinstance(index, ImageIndex)
    entry = next(d for d in index.manifests if d.digest == supply["attestation-arm64"].digest)
    found = read_provenance(client, ref, entry)
    assert found.label == "SLSA provenance v0.2"
    assert (found.builder, found.started, found.finished) == (
        rig.BUILDER_ID,
        rig.STARTED,
        rig.FINISHED,
    )
    assert found.source_commit == rig.SOURCE_COMMIT
    assert ("builder platform", "linux/arm64") in found.parameters


# -- property: any document gives a clean Provenance, or an InvalidResponse with a sentence -------
_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
_wrong = st.one_of(
    _scalar,
    st.lists(_scalar, max_size=2),
    st.dictionaries(st.text(max_size=9), _scalar, max_size=2),
)


def _field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(good, good, _wrong)


def _obj(**keys: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return _field(st.fixed_dictionaries({}, optional={k: _field(v) for k, v in keys.items()}))


# Mostly plain text (a lone surrogate anywhere refuses the whole document), some controls and bidi.
_text = st.one_of(
    st.text(max_size=30),
    st.text(max_size=30),
    st.text(alphabet="\u202e\u200b\x1b\n\tab<>", max_size=12),
    st.sampled_from([REPO, "https://u:p@h/x", "pkg:docker/a@1?platform=linux%2Farm64"]),
    fi.any_text,
)
_digest = _obj(sha1=_text, sha256=_text, gitCommit=_text)
_materials = st.lists(_obj(uri=_text, digest=_digest), max_size=3)
_args = st.dictionaries(
    st.one_of(
        st.sampled_from(["target", "platform", "build-arg:X", "build-arg:TOKEN", "vcs:source"]),
        st.text(max_size=12),
    ),
    _field(_text),
    max_size=4,
)
_v02 = _obj(
    builder=_obj(id=_text),
    invocation=_obj(
        configSource=_obj(uri=_text, digest=_digest, entryPoint=_text),
        parameters=_obj(frontend=_text, args=_args),
        environment=_obj(platform=_text),
    ),
    metadata=_obj(buildStartedOn=_text, buildFinishedOn=_text),
    materials=_materials,
)
_v1 = _obj(
    buildDefinition=_obj(
        externalParameters=_obj(
            configSource=_obj(uri=_text, digest=_digest, path=_text),
            request=_obj(frontend=_text, args=_args),
            workflow=_obj(repository=_text, ref=_text, path=_text),
        ),
        resolvedDependencies=_materials,
    ),
    runDetails=_obj(builder=_obj(id=_text), metadata=_obj(startedOn=_text, finishedOn=_text)),
)


def _document(kind: str, predicate: Any, subject: str, how: str) -> bytes:
    body = _json(statement(kind, predicate, subject or "x"))
    if how == "dsse":
        payload = base64.b64encode(body).decode()
        return _json({"payloadType": "application/vnd.in-toto+json", "payload": payload})
    return body


_shaped = st.one_of(
    st.builds(_document, st.just(V02), _v02, _text, st.sampled_from(["plain", "dsse"])),
    st.builds(_document, st.just(V1), _v1, _text, st.sampled_from(["plain", "dsse"])),
)
provenance_bodies = st.one_of(
    _shaped,
    _shaped,
    _shaped,
    st.builds(
        _document,
        _field(st.sampled_from([V1, V02, "https://spdx.dev/Document"])),
        _wrong,
        _text,
        st.just("plain"),
    ),
    fi.documents(fi.json_values),
)


@settings(
    max_examples=min(fi.EXAMPLES, FUZZ_CAP),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(provenance_bodies)
def test_parse_provenance_gives_clean_values_or_an_invalid_response(body: bytes) -> None:
    try:
        found = parse_provenance(body)
    except InvalidResponse as exc:
        assert exc.sentence
        exc.sentence.encode("utf-8")
        return
    assert_clean(found)
    found.describe().encode("utf-8")
    assert all(v == HIDDEN for k, v in found.parameters if k == "build-arg:TOKEN")
    assert "u:p@" not in found.describe()  # no password of a URL is shown
