"""ACR's manifest metadata (`/acr/v1/<repo>/_manifests`): parsing hostile documents, paging,
and download sizes from it (one page instead of a manifest per platform), falling back to the
manifests without `metadata_read` or for what ACR did not answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from acr_desktop.registry import listing
from acr_desktop.registry.acr import ManifestInfo, parse_acr_manifests
from acr_desktop.registry.errors import AccessDenied, InvalidResponse
from acr_desktop.sizes import ACR_SIZE_PAGES, index_sizes
from tests.registry.test_sizes import (
    FakeRegistry,
    client_for,
    counted,
    expected_download,
    fetch_top,
    serve_sixteen,
)
from tests.rig import PULLER_PASSWORD, PULLER_USER, FakeRequest, FakeServer, TokenServer
from tests.rig.content import OCI_INDEX, OCI_MANIFEST

D = "sha256:" + "d" * 64
JSON = {"Content-Type": "application/json"}


def entry(digest: str, size: Any, **more: Any) -> dict[str, Any]:
    return {"digest": digest, "imageSize": size, "mediaType": OCI_MANIFEST, "architecture": "amd64",
            "os": "linux", "createdTime": "2024-03-01T00:00:00Z",
            "lastUpdateTime": "2024-03-02T00:00:00Z", "tags": ["1.0"], **more}  # fmt: skip


def test_parse_reads_every_field() -> None:
    [info] = parse_acr_manifests({"registry": "x", "imageName": "a", "manifests": [entry(D, 123)]})
    assert info == ManifestInfo(
        D, 123, "amd64", "linux", OCI_MANIFEST, "2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z",
        ("1.0",),
    )  # fmt: skip


@pytest.mark.parametrize(
    "size", [-1, 2**63, 10**30, True, 1.5, "123", None, [1], {"n": 1}], ids=repr
)
def test_a_size_that_is_not_a_sane_integer_is_none(size: Any) -> None:
    [info] = parse_acr_manifests({"manifests": [entry(D, size)]})
    assert info.image_size is None and info.digest == D


def test_garbage_entries_are_skipped_and_fields_bounded() -> None:
    doc: Any = {
        "manifests": [
            None, 7, "sha256:x", [], {"imageSize": 5}, {"digest": ""}, {"digest": 5},
            {"digest": "no-algorithm"}, {"digest": "sha256:" + "a" * 500},
            entry(D, 9, tags=["ok", None, 3, "x" * 5000] + ["t"] * 5000, architecture=["x"], os=7),
        ]
    }  # fmt: skip
    [info] = parse_acr_manifests(doc)
    assert info.image_size == 9 and info.architecture is None and info.os is None
    assert info.tags[:2] == ("ok", "x" * 1000) and len(info.tags) <= 1000
    garbage: list[Any] = [None, [], "x", {"manifests": None}, {"manifests": {"a": 1}}]
    for doc in garbage:
        assert parse_acr_manifests(doc) == []


def acr_pages(pages: list[list[dict[str, Any]]], repository: str = "team/app") -> Any:
    """A `_manifests` handler serving `pages` with `Link` to the next (`last=<page number>`)."""

    def handler(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        number = int(req.query.get("last", ["0"])[0])
        headers = dict(JSON)
        if number + 1 < len(pages):
            next_page = f"/acr/v1/{repository}/_manifests?last={number + 1}&n=100&orderby=timedesc"
            headers["Link"] = f'<{next_page}>; rel="next"'
        body = {"registry": "x", "imageName": repository, "manifests": pages[number]}
        return 200, headers, json.dumps(body).encode()

    return handler


@pytest.fixture
def acr(fake_server: FakeServer, token_server: TokenServer) -> FakeRegistry:
    return FakeRegistry(fake_server, token_server, "test/multi")


def test_pages_newest_first_with_metadata_read(
    acr: FakeRegistry, token_server: TokenServer
) -> None:
    acr.acr = acr_pages([[entry(D, 1)], [entry("sha256:" + "e" * 64, 2)]], "test/multi")
    client = client_for(acr.server.host)
    pages = list(client.iter_acr_manifests(acr.server.host, "test/multi"))
    assert [[i.image_size for i in page] for page in pages] == [[1], [2]]
    first = acr.paths("/acr/v1/")[0]
    assert "n=100" in first and "orderby=timedesc" in first
    asked = [s for r in token_server.requests for s in r.scopes]
    assert "repository:test/multi:pull,metadata_read" in asked
    assert client.answers_acr(acr.server.host)  # a custom domain, learned from its answer


def test_without_metadata_read_the_listing_is_refused(acr: FakeRegistry) -> None:
    client = client_for(acr.server.host, PULLER_USER, PULLER_PASSWORD)
    with pytest.raises(AccessDenied):
        list(client.iter_acr_manifests(acr.server.host, "test/multi"))
    assert not client.answers_acr(acr.server.host)


def test_endless_pages_stop_with_a_notice(acr: FakeRegistry, monkeypatch: Any) -> None:
    monkeypatch.setattr(listing, "MAX_PAGES", 7)
    acr.acr = acr_pages([[entry(D, n)] for n in range(1000)], "test/multi")
    pages = client_for(acr.server.host).iter_acr_manifests(acr.server.host, "test/multi")
    assert len(list(pages)) == 7
    assert pages.notice is not None and "Stopped after 7 pages" in pages.notice


def test_a_number_too_long_to_read_is_a_typed_error(acr: FakeRegistry) -> None:
    body = (
        b'{"manifests": [{"digest": "' + D.encode() + b'", "imageSize": ' + b"9" * 100_000 + b"}]}"
    )
    acr.acr = lambda _req: (200, JSON, body)
    client = client_for(acr.server.host)
    try:
        [[info]] = list(client.iter_acr_manifests(acr.server.host, "test/multi"))
    except InvalidResponse as exc:
        assert exc.sentence
    else:
        assert info.image_size is None


# -- sizes from ACR -----------------------------------------------------------------------------
def acr_client(fake: FakeRegistry, user: str | None = None, password: str | None = None) -> Any:
    client = client_for(fake.server.host, *((user, password) if user and password else ()))
    client.listings.acr_registries.add(fake.server.host)  # as after a listing through ACR's API
    return client


def child_fetches(fake: FakeRegistry) -> list[str]:
    return fake.paths("/manifests/sha256:")


def test_sizes_from_one_page_of_acr_metadata(acr: FakeRegistry) -> None:
    top, images = serve_sixteen(acr)
    others = [entry("sha256:" + f"{n:064x}", 5) for n in range(20)]
    rows = [entry(top.digest, 1, mediaType=OCI_INDEX)] + [
        entry(m.digest, expected_download(m)) for m in images
    ]
    acr.acr = acr_pages([others[:10] + rows + others[10:]], "test/multi")
    client = acr_client(acr)
    reported: list[str] = []
    result = index_sizes(client, fetch_top(client, acr), report=lambda d, _s: reported.append(d))
    assert len(acr.paths("/_manifests")) == 1 and child_fetches(acr) == []
    assert sorted(reported) == sorted(m.digest for m in images)
    for image in images:
        size = result.sizes[image.digest]
        assert size.source == "acr" and size.download == expected_download(image)
        assert size.layer_digests == () and size.config_size is None and not size.layers_known
    assert result.shared() == ()


def test_without_metadata_read_the_manifests_answer(acr: FakeRegistry) -> None:
    _top, images = serve_sixteen(acr)
    acr.acr = acr_pages([[entry(m.digest, 1) for m in images]], "test/multi")
    client = acr_client(acr, PULLER_USER, PULLER_PASSWORD)
    result = index_sizes(client, fetch_top(client, acr))
    assert len(child_fetches(acr)) == 16
    assert {s.source for s in result.sizes.values()} == {"manifest"}
    assert all(result.sizes[m.digest].download == expected_download(m) for m in images)


def test_a_forbidden_metadata_api_falls_back_to_the_manifests(acr: FakeRegistry) -> None:
    serve_sixteen(acr)
    acr.acr = lambda _req: (403, JSON, b'{"errors":[{"code":"DENIED","message":"no"}]}')
    client = acr_client(acr)
    result = index_sizes(client, fetch_top(client, acr))
    assert len(child_fetches(acr)) == 16 and len(result.sizes) == 16


def test_what_acr_does_not_answer_believably_comes_from_the_manifest(acr: FakeRegistry) -> None:
    _top, images = serve_sixteen(acr)
    rows: list[Any] = [entry(m.digest, expected_download(m)) for m in images[4:]]
    rows += [entry(images[1].digest, -5), entry(images[2].digest, 2**60), None, {"digest": 3},
             entry(images[3].digest, "big")]  # fmt: skip
    acr.acr = acr_pages([rows], "test/multi")  # images[0] missing, 1-3 hostile
    client = acr_client(acr)
    result = index_sizes(client, fetch_top(client, acr))
    fetched = child_fetches(acr)
    assert sorted(p.rsplit("/", 1)[1] for p in fetched) == sorted(m.digest for m in images[:4])
    assert [result.sizes[m.digest].source for m in images[:5]] == ["manifest"] * 4 + ["acr"]
    assert all(result.sizes[m.digest].download == expected_download(m) for m in images)


def test_endless_acr_pages_are_read_a_few_at_most(acr: FakeRegistry) -> None:
    serve_sixteen(acr)
    unrelated = [[entry("sha256:" + f"{n:064x}", 5)] for n in range(500)]
    acr.acr = acr_pages(unrelated, "test/multi")
    client = acr_client(acr)
    result = index_sizes(client, fetch_top(client, acr))
    assert len(acr.paths("/_manifests")) == ACR_SIZE_PAGES
    assert len(child_fetches(acr)) == 16 and len(result.sizes) == 16


def test_a_plain_registry_is_never_asked_for_acr_metadata(acr: FakeRegistry) -> None:
    serve_sixteen(acr)
    client = client_for(acr.server.host)  # not an ACR host, never answered ACR's API
    result = index_sizes(client, fetch_top(client, acr))
    assert acr.paths("/acr/") == [] and len(result.sizes) == 16
    assert all("/acr/" not in p for p in counted(client))


def test_use_acr_false_skips_the_metadata(acr: FakeRegistry) -> None:
    serve_sixteen(acr)
    client = acr_client(acr)
    index_sizes(client, fetch_top(client, acr), use_acr=False)
    assert acr.paths("/acr/") == [] and len(child_fetches(acr)) == 16


def test_azure_hosts_are_acr_by_name() -> None:
    client = client_for("x")
    assert client.answers_acr("myreg.azurecr.io") and client.answers_acr("r.azurecr.cn:443")
    assert not client.answers_acr("ghcr.io")
