"""supply_report.py against the real token registry (tag fallback: Distribution 2.8.2 has no
referrers API): the window's report of the index AND the platform shown, its summary line, the
earliest end of life, the base image checked with one HEAD — and the round trips the look costs
(the subject's manifest is not fetched again, no repository check per missing fallback tag, and
below the subject only cosign's `.sig` tag is asked for)."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from acr_desktop.inspection import inspect
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.manifest import Platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from acr_desktop.supply_report import base_doc, check_base, supply_report
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig import supply as rig
from tests.rig.supply import Supply

TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> Supply:
    return rig.push_supply(layers_registry, "supply/report")


def counted(supply: Supply) -> tuple[RegistryClient, list[tuple[str, str]]]:
    calls: list[tuple[str, str]] = []
    session = requests.Session()
    session.hooks["response"].append(
        lambda r, *a, **k: calls.append((r.request.method or "", r.request.path_url))
    )
    transport = Transport(session=session, timeout=(5.0, 20.0))
    transport.set_credentials(supply.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    return RegistryClient(transport), calls


def test_the_look_costs_no_wasted_round_trip(supply: Supply) -> None:
    client, calls = counted(supply)
    ins = inspect(client, parse_reference(supply.ref("image")), None)
    calls.clear()
    report = supply_report(client, ins, TODAY, check=True)
    subject = ins.top.digest
    assert ("GET", f"/v2/{supply.repository}/manifests/{subject}") not in calls  # kept
    assert not [p for _, p in calls if "/tags/list" in p]  # no repository check per 404
    legacy = [p for m, p in calls if m == "HEAD" and p.endswith((".att", ".sbom"))]
    assert legacy == [  # the subject's only
        f"/v2/{supply.repository}/manifests/{subject.replace(':', '-')}{s}"
        for s in (".att", ".sbom")
    ]
    # What refers to a signature is not asked: one fallback lookup per other node.
    nodes = [n for s in report.subjects if s.chain for _, n in s.chain.walk()]
    walked = 1 + sum(1 for n in nodes if n.name.kind != "signature")
    fallback = [p for m, p in calls if m == "GET" and "/manifests/sha256-" in p]
    assert len(fallback) == walked
    reads = [p for m, p in calls if m == "GET" and ("/blobs/" in p or "/manifests/sha256:" in p)]
    assert len(reads) <= 4  # three manifests read to name them, the SBOM counted
    # The API probe (404, then remembered), each lookup's tag and `.sig`, the subject's two more.
    assert len(calls) == 1 + 2 * walked + 2 + len(reads)


def test_an_index_reports_the_index_and_the_platform_shown(supply: Supply) -> None:
    client, _ = counted(supply)
    ins = inspect(client, parse_reference(supply.ref("index")), Platform.parse("linux/amd64"))
    report = supply_report(client, ins, TODAY, check=True)
    assert [s.label for s in report.subjects] == ["index", "linux/amd64"]
    assert [s.reference.digest for s in report.subjects] == [ins.top.digest, ins.image.digest]  # type: ignore[union-attr]
    index = report.subjects[0].chain
    assert index is not None and {n.via for n in index.nodes} == {"index attestation"}
    summary = report.summary()
    assert "SBOM" in summary and "provenance" in summary
    assert report.base is None and report.end_of_life is None
    # The package count is of the platform shown's SBOM, whichever the index lists first.
    for platform in ("linux/amd64", "linux/arm64"):
        ins = inspect(client, parse_reference(supply.ref("index")), Platform.parse(platform))
        chain = supply_report(client, ins, TODAY, check=False).subjects[0].chain
        assert chain is not None and chain.sbom_packages is not None
        attests = chain.sbom_sources[0].annotations.get("vnd.docker.reference.digest")
        assert attests == ins.image.digest  # type: ignore[union-attr]


def test_end_of_life_and_a_moved_base_image(supply: Supply) -> None:
    client, calls = counted(supply)
    ins = inspect(client, parse_reference(supply.ref("based")), None)
    report = supply_report(client, ins, TODAY, check=True)
    assert report.end_of_life is not None and report.end_of_life.past
    assert report.end_of_life.date == date(2024, 6, 30)
    base = report.base
    assert base is not None and base["same_registry"] and base["updated"] is True
    assert base["digest"] == supply["base-old"].digest
    assert base["current_digest"] not in (None, base["digest"])
    heads = [p for m, p in calls if m == "HEAD" and "-base/manifests/1" in p]
    assert heads == [f"/v2/{supply.repository}-base/manifests/1"]
    calls.clear()
    unchecked = supply_report(client, ins, TODAY, check=False)
    assert unchecked.base is not None and unchecked.base["updated"] is None
    assert not [p for m, p in calls if m == "HEAD" and "-base/" in p]


def test_a_pinned_base_is_compared_without_a_request(supply: Supply) -> None:
    client, calls = counted(supply)
    digest = "sha256:" + "a" * 64
    named = {"org.opencontainers.image.base.name": f"elsewhere.example/x@{digest}",
             "org.opencontainers.image.base.digest": digest}  # fmt: skip
    doc = base_doc(named, {}, supply.registry)
    assert doc is not None and doc["registry"] == "elsewhere.example"
    assert not doc["same_registry"]
    checked = check_base(client, doc)
    assert checked["updated"] is False and calls == []
    not_a_reference = base_doc({"org.opencontainers.image.base.name": "UPPER CASE !!"}, {}, "r")
    assert not_a_reference is not None and not_a_reference["registry"] is None
