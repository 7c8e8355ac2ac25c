"""Issue 14's new surfaces against a hostile registry: per-platform sizes (`index_sizes`), ACR's
`_manifests` (`iter_acr_manifests`), compare (core and `acr-desktop compare` in-process) and the
tag list's lazy fill (`tag_rounds.fill`). Cross-host redirects carry no Authorization (nor a
netrc login), drip-fed bodies end by the operation's deadline, escapes end as quotable
sentences, huge or negative numbers are not believed, endless pages and 20,000-entry indexes
cost bounded work, a 429 is waited out or said, and credentials go to one registry only."""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest

from acr_desktop import compare as compare_module
from acr_desktop import sizes as sizes_module
from acr_desktop.cli import main as cli_main
from acr_desktop.compare import compare
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.errors import (
    AuthenticationRequired,
    Cancelled,
    InvalidResponse,
    RegistryError,
    RegistryTimeout,
)
from acr_desktop.registry.manifest import ImageIndex
from acr_desktop.registry.operation import operation
from acr_desktop.registry.reference import parse_reference
from acr_desktop.sizes import ACR_SIZE_PAGES, index_sizes
from acr_desktop.ui import tag_rounds
from acr_desktop.ui.tag_rounds import Found, Plan
from tests.registry.test_acr_manifests import acr_pages, entry
from tests.registry.test_sizes import (
    FakeRegistry,
    client_for,
    counted,
    fetch_top,
    serve_sixteen,
)
from tests.rig import ALICE_PASSWORD, ALICE_USER, FakeRequest, FakeServer, TokenServer
from tests.rig.content import OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, Blob, Manifest, _compact
from tests.rig.fake_server import error_body
from tests.rig.hostile import ESCAPES, Recorder

REPO = "test/multi"
NETRC_SECRET = "netrc-SECRET-password"
LEAKS = ("Authorization", "Bearer", "Basic", NETRC_SECRET, ALICE_PASSWORD)
BAD_CHARS = ("\x1b", "\x07", "\u202e", "\u2066", "\x9b", "\n")
SLACK = 1.5  # seconds past the deadline a case may take
Handler = Callable[[FakeRequest], tuple[int, dict[str, str], Any]]


# -- rig -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> None:
    """A netrc with a login for the recording host: requests would send it if allowed to."""
    path = tmp_path / "netrc"
    path.write_text(f"machine 127.0.0.2 login netrc-user password {NETRC_SECRET}\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))
    recorder.reset()
    recorder.reply("*", r".*", 404, {"Content-Type": "text/plain"}, b"recorder")


@pytest.fixture
def fake(fake_server: FakeServer, token_server: TokenServer) -> FakeRegistry:
    registry = FakeRegistry(fake_server, token_server, REPO)
    registry.blobs = {}  # type: ignore[attr-defined]
    fake_server.route("GET", rf"/v2/{REPO}/blobs/(?P<d>[^/]+)", _blobs(registry))
    return registry


def _blobs(fake: FakeRegistry) -> Handler:
    def handler(req: FakeRequest) -> tuple[int, dict[str, str], Any]:
        if "pull" not in fake.actions(req):
            return fake._unauthorized(f"repository:{REPO}:pull")
        data = fake.blobs.get(req.groups["d"])  # type: ignore[attr-defined]
        if data is None:
            return 404, {"Content-Type": "application/json"}, error_body("BLOB_UNKNOWN", "no")
        return 200, {"Content-Type": "application/octet-stream"}, data

    return handler


def guarded(fake: FakeRegistry, answer: Handler) -> Handler:
    """`answer` once the request carries a token with pull (a challenge before that)."""

    def handler(req: FakeRequest) -> tuple[int, dict[str, str], Any]:
        if "pull" not in fake.actions(req):
            return fake._unauthorized(f"repository:{REPO}:pull")
        return answer(req)

    return handler


def on_child(fake: FakeRegistry, digest: str, answer: Handler) -> None:
    fake.server.route("GET", rf"/v2/{REPO}/manifests/{digest}", guarded(fake, answer))


def to_recorder(recorder: Recorder) -> Handler:
    return lambda req: (307, {"Location": f"{recorder.url}{req.path}"}, b"")


def drip(server: FakeServer, data: bytes) -> Handler:
    """Declares the whole length, then sends a byte every half second."""

    def pieces() -> Iterator[bytes]:
        for byte in data:
            if server.stopping.wait(0.5):
                return
            yield bytes([byte])

    return lambda _req: (200, {"Content-Type": OCI_MANIFEST, "Content-Length": str(len(data))},
                         pieces())  # fmt: skip


def no_leak(recorder: Recorder) -> None:
    received = recorder.received()
    for secret in LEAKS:
        assert secret not in received, received


def quotable_sentence(text: str) -> str:
    assert text and text.isprintable(), repr(text)
    assert not any(c in text for c in BAD_CHARS), repr(text)
    assert ALICE_PASSWORD not in text and NETRC_SECRET not in text
    return text


def timed(action: Callable[[], Any], timeout: float) -> tuple[Any, float]:
    start = time.monotonic()
    with operation(timeout=timeout):
        try:
            result: Any = action()
        except RegistryError as exc:
            result = exc
    return result, time.monotonic() - start


def image_body(layers: list[dict[str, Any]], config: Blob | None = None) -> bytes:
    cfg = config or Blob(OCI_CONFIG, b'{"architecture":"amd64","os":"linux"}')
    return _compact({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": cfg.descriptor(),
                     "layers": layers})  # fmt: skip


def layer(size: Any, n: int = 0) -> dict[str, Any]:
    return {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:" + f"{n:064x}", "size": size}  # fmt: skip


def serve_index(fake: FakeRegistry, bodies: list[bytes], tag: str = "v1") -> list[str]:
    """An index of `bodies` (images, platforms linux/amd64/vN) under `tag`; the digests."""
    digests = []
    entries = []
    for n, body in enumerate(bodies):
        child = Manifest(REPO, OCI_MANIFEST, body)
        fake.add(child)
        digests.append(child.digest)
        entries.append({"mediaType": OCI_MANIFEST, "digest": child.digest, "size": len(body),
                        "platform": {"os": "linux", "architecture": "amd64",
                                     "variant": f"v{n}"}})  # fmt: skip
    top = Manifest(REPO, OCI_INDEX, _compact({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                              "manifests": entries}))  # fmt: skip
    fake.add(top, tag=tag)
    return digests


def ref(fake: FakeRegistry, tag: str = "v1") -> Any:
    return parse_reference(f"{fake.server.host}/{REPO}:{tag}")


# -- index_sizes ---------------------------------------------------------------------------------
def test_sizes_a_child_redirected_to_another_host_gets_no_credentials(
    fake: FakeRegistry, recorder: Recorder
) -> None:
    _top, images = serve_sixteen(fake)
    on_child(fake, images[2].digest, to_recorder(recorder))
    client = client_for(fake.server.host)
    result = index_sizes(client, fetch_top(client, fake))
    assert set(result.problems) == {images[2].digest} and len(result.sizes) == 15
    quotable_sentence(result.problems[images[2].digest])
    assert recorder.requests, "the redirect was followed"
    no_leak(recorder)


def test_sizes_acr_metadata_redirected_or_paged_to_another_host(
    fake: FakeRegistry, recorder: Recorder
) -> None:
    _top, images = serve_sixteen(fake)
    client = client_for(fake.server.host)
    client.listings.acr_registries.add(fake.server.host)
    fake.acr = to_recorder(recorder)  # the listing itself sent elsewhere
    result = index_sizes(client, fetch_top(client, fake))
    assert len(result.sizes) == 16 and {s.source for s in result.sizes.values()} == {"manifest"}
    assert recorder.requests
    no_leak(recorder)
    # the first page answers two; its next page is on another host: refused, not followed
    recorder.reset()
    first = [entry(images[0].digest, 111), entry(images[1].digest, 222)]
    page = {"manifests": first}
    link = f'<{recorder.url}/acr/v1/{REPO}/_manifests?last=x>; rel="next"'
    fake.acr = lambda _req: (200, {"Content-Type": "application/json", "Link": link},
                             json.dumps(page).encode())  # fmt: skip
    with pytest.raises(InvalidResponse) as raised:
        list(client.iter_acr_manifests(fake.server.host, REPO))
    quotable_sentence(raised.value.sentence)
    client = client_for(fake.server.host)
    client.listings.acr_registries.add(fake.server.host)
    result = index_sizes(client, fetch_top(client, fake))
    assert result.sizes[images[0].digest].download == 111  # what was found stands
    assert result.sizes[images[1].digest].source == "acr"
    assert len(result.sizes) == 16 and not result.problems
    assert not recorder.requests


def test_sizes_endless_acr_pages_and_hostile_numbers_are_bounded(fake: FakeRegistry) -> None:
    _top, images = serve_sixteen(fake)
    hostile = [10**19, -5, 1.5, "12", 2**60, None, True, [1]]  # 10**30: the page refused
    junk = [entry(d.digest, hostile[n % len(hostile)]) for n, d in enumerate(images)]
    junk.append(entry(images[0].digest, 5, mediaType=OCI_INDEX))  # an index: not an image size
    endless = [[*junk, entry("sha256:" + f"{n:064x}", n)] for n in range(10_000)]
    fake.acr = acr_pages(endless, REPO)
    client = client_for(fake.server.host)
    client.listings.acr_registries.add(fake.server.host)
    result = index_sizes(client, fetch_top(client, fake))
    assert len(set(fake.paths("/acr/v1/"))) == ACR_SIZE_PAGES  # pages (a 401 first is no page)
    assert {s.source for s in result.sizes.values()} == {"manifest"} and len(result.sizes) == 16
    assert all(0 < s.download < 10**6 for s in result.sizes.values())


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    "answer",
    [
        (200, {"Content-Type": "application/json"}, b'{"manifests": ' + DEEP + b"}"),
        (200, {"Content-Type": "application/json"}, b'{"manifests": [{"imageSize": 1' + b"0" * 400 + b"}]}"),  # noqa: E501
        (200, {"Content-Type": "text/html"}, f"<html>{ESCAPES}</html>".encode()),
        (500, {"Content-Type": "application/json"}, error_body("X", ESCAPES + "\u202e")),
        (200, {"Content-Type": "application/json"}, b'{"manifests": "' + b"x" * 17 * 2**20 + b'"}'),
    ],
    ids=["deep", "huge-number", "html", "escapes", "17-MiB"],
)  # fmt: skip
def test_acr_metadata_garbage_is_a_typed_sentence_and_sizes_fall_back(
    fake: FakeRegistry, answer: tuple[int, dict[str, str], bytes]
) -> None:
    serve_sixteen(fake)
    fake.acr = lambda _req: answer
    client = client_for(fake.server.host)
    client.listings.acr_registries.add(fake.server.host)
    with pytest.raises(RegistryError) as raised:
        list(client.iter_acr_manifests(fake.server.host, REPO))
    quotable_sentence(raised.value.sentence)
    result, _took = timed(lambda: index_sizes(client, fetch_top(client, fake)), 10.0)
    assert not isinstance(result, RegistryError), result
    assert len(result.sizes) == 16 and {s.source for s in result.sizes.values()} == {"manifest"}


@pytest.mark.parametrize("size", [10**30, -1, 1.5, "7", None, True, 2**63], ids=repr)
def test_sizes_a_child_with_a_hostile_number_is_a_problem_the_rest_sized(
    fake: FakeRegistry, size: Any
) -> None:
    digests = serve_index(fake, [image_body([layer(10)]), image_body([layer(size)])])
    client = client_for(fake.server.host)
    result = index_sizes(client, fetch_top(client, fake))
    assert list(result.sizes) == [digests[0]] and list(result.problems) == [digests[1]]
    quotable_sentence(result.problems[digests[1]])


def test_sizes_of_huge_but_valid_numbers_add_up_without_overflow(fake: FakeRegistry) -> None:
    big = 2**63 - 1
    digests = serve_index(fake, [image_body([layer(big, 1), layer(big, 2)]),
                                 image_body([layer(big, 1), layer(big, 3)])])  # fmt: skip
    client = client_for(fake.server.host)
    top = fetch_top(client, fake)
    result = index_sizes(client, top)
    assert set(result.sizes) == set(digests)
    assert result.union_download() > 3 * big
    assert isinstance(top.manifest, ImageIndex)
    line = result.summary(top.manifest)
    assert line.isprintable() and "shared by all" in line


def test_sizes_html_ansi_and_bidi_in_an_error_end_as_a_quotable_sentence(
    fake: FakeRegistry,
) -> None:
    _top, images = serve_sixteen(fake)
    said = f"{ESCAPES}\u202emoc.live\u2066<b>x</b>\nDigest: forged"
    on_child(fake, images[1].digest,
             lambda _req: (500, {"Content-Type": "application/json"},
                           error_body("UNKNOWN", said)))  # fmt: skip
    on_child(fake, images[2].digest,
             lambda _req: (403, {"Content-Type": "text/html"},
                           f"<html><title>{ESCAPES}</title></html>"))  # fmt: skip
    client = client_for(fake.server.host)
    result = index_sizes(client, fetch_top(client, fake))
    assert set(result.problems) == {images[1].digest, images[2].digest}
    for sentence in result.problems.values():
        quotable_sentence(sentence)


def test_sizes_a_drip_fed_child_ends_by_the_deadline(fake: FakeRegistry) -> None:
    _top, images = serve_sixteen(fake)
    client = client_for(fake.server.host)
    top = fetch_top(client, fake)
    on_child(fake, images[5].digest, drip(fake.server, images[5].data))
    result, took = timed(lambda: index_sizes(client, top), 2.0)
    assert took < 2.0 + SLACK
    assert isinstance(result, RegistryTimeout), result
    quotable_sentence(result.sentence)


def test_sizes_a_429_on_a_child_is_waited_out_or_said(fake: FakeRegistry) -> None:
    _top, images = serve_sixteen(fake)
    calls: list[int] = []

    def limited(req: FakeRequest) -> tuple[int, dict[str, str], Any]:
        calls.append(1)
        if len(calls) == 1:
            return 429, {"Retry-After": "1", "Content-Type": "application/json"}, b"{}"
        return 200, {"Content-Type": OCI_MANIFEST}, images[3].data

    on_child(fake, images[3].digest, limited)
    on_child(fake, images[4].digest, lambda _req: (429, {"Retry-After": "86400"}, b""))
    client = client_for(fake.server.host)
    top = fetch_top(client, fake)
    result, took = timed(lambda: index_sizes(client, top), 8.0)
    assert took < 5.0
    assert images[3].digest in result.sizes and len(calls) == 2
    assert list(result.problems) == [images[4].digest]
    quotable_sentence(result.problems[images[4].digest])


def twenty_thousand(fake: FakeRegistry, tag: str = "v1") -> tuple[Manifest, int]:
    """An index of 20,000 image entries (each child served), under 4 MiB."""
    entries = []
    for n in range(20_000):
        body = image_body([layer(n + 1, n)])
        child = Manifest(REPO, OCI_MANIFEST, body)
        fake.manifests[child.digest] = (OCI_MANIFEST, body)
        entries.append({"mediaType": OCI_MANIFEST, "digest": child.digest, "size": len(body),
                        "platform": {"os": "linux", "architecture": f"a{n}"}})  # fmt: skip
    top = Manifest(REPO, OCI_INDEX, _compact({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                              "manifests": entries}))  # fmt: skip
    fake.add(top, tag=tag)
    return top, len(top.data)


def test_sizes_of_an_index_of_20000_entries_are_bounded(
    fake: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sizes_module, "MAX_MEASURED", 40)  # the bound, not its value, is tested
    _top, length = twenty_thousand(fake)
    assert length < 4 * 2**20
    client = client_for(fake.server.host)
    fetched = fetch_top(client, fake)
    start = time.monotonic()
    result = index_sizes(client, fetched)
    assert isinstance(fetched.manifest, ImageIndex)
    line = result.summary(fetched.manifest)
    assert time.monotonic() - start < 10
    assert len(result.sizes) == 40 and len(result.problems) == 20_000 - 40
    assert len(fake.paths("/manifests/sha256:")) == 40
    assert "40 of 20,000 platforms" in line


# -- compare -------------------------------------------------------------------------------------
def two_sides(fake: FakeRegistry) -> tuple[list[str], list[str], Blob]:
    """v1 and v2: indexes of two images each; v2's second image has its own config blob."""
    cfg1 = Blob(OCI_CONFIG, b'{"architecture":"amd64","os":"linux","config":{"Env":["A=1"]}}')
    cfg2 = Blob(OCI_CONFIG, b'{"architecture":"amd64","os":"linux","config":{"Env":["A=2"]}}')
    for blob in (cfg1, cfg2):
        fake.blobs[blob.digest] = blob.data  # type: ignore[attr-defined]
    left = serve_index(fake, [image_body([layer(5, 1)], cfg1), image_body([layer(6, 2)], cfg1)])
    right = serve_index(fake, [image_body([layer(5, 1), layer(8, 4)], cfg1),
                               image_body([layer(7, 3)], cfg2)], tag="v2")  # fmt: skip
    return left, right, cfg2


def test_compare_cross_host_redirects_of_a_child_and_a_config_carry_no_credentials(
    fake: FakeRegistry, recorder: Recorder
) -> None:
    _left, right, cfg2 = two_sides(fake)
    on_child(fake, right[0], to_recorder(recorder))
    fake.server.route("GET", rf"/v2/{REPO}/blobs/{cfg2.digest}",
                      guarded(fake, to_recorder(recorder)))  # fmt: skip
    client = client_for(fake.server.host)
    result = compare(client, ref(fake, "v1"), ref(fake, "v2"))
    problems = [p for pc in result.platforms for p in pc.problems]
    assert len(problems) == 2 and any("right side:" in p for p in problems)
    assert any("config" in p for p in problems)
    for sentence in problems:
        quotable_sentence(sentence)
    assert len(recorder.requests) == 2
    no_leak(recorder)


def test_compare_a_drip_fed_child_ends_in_a_timeout_not_a_missing_part(
    fake: FakeRegistry,
) -> None:
    _left, right, _cfg = two_sides(fake)
    body = fake.manifests[right[1]][1]
    on_child(fake, right[1], drip(fake.server, body))
    client = client_for(fake.server.host)
    result, took = timed(lambda: compare(client, ref(fake, "v1"), ref(fake, "v2")), 2.0)
    assert took < 2.0 + SLACK
    assert isinstance(result, RegistryTimeout), result
    quotable_sentence(result.sentence)


def test_compare_cancelled_part_way_returns_promptly_and_asks_no_more(
    fake: FakeRegistry,
) -> None:
    _left, right, _cfg = two_sides(fake)
    on_child(fake, right[1], drip(fake.server, fake.manifests[right[1]][1]))
    client = client_for(fake.server.host)
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    start = time.monotonic()
    with operation(cancel), pytest.raises(Cancelled):
        compare(client, ref(fake, "v1"), ref(fake, "v2"))
    assert time.monotonic() - start < 2.0
    asked = len(fake.server.requests)
    time.sleep(0.3)
    assert len(fake.server.requests) == asked


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> tuple[int, str]:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(sys, "stderr", err)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    code = cli_main(args)
    return code, err.getvalue()


def test_compare_cli_a_drip_fed_child_is_trouble_by_the_deadline(
    fake: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    _left, right, _cfg = two_sides(fake)
    on_child(fake, right[1], drip(fake.server, fake.manifests[right[1]][1]))
    host = fake.server.host
    start = time.monotonic()
    code, err = run_cli(["compare", f"{host}/{REPO}:v1", f"{host}/{REPO}:v2", "--username",
                         ALICE_USER, "--password-stdin", "--timeout", "2"], monkeypatch,
                        ALICE_PASSWORD + "\n")  # fmt: skip
    assert time.monotonic() - start < 2.0 + SLACK
    assert code == 6, err  # trouble, not "a part is missing" (3) nor "they differ" (1)
    assert ALICE_PASSWORD not in err


def test_compare_cli_escapes_in_an_error_are_said_as_text(
    fake: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_sides(fake)
    said = f"{ESCAPES}\u202e\u2066<script>x</script>"
    fake.server.route("GET", rf"/v2/{REPO}/manifests/v2",
                      guarded(fake, lambda _req: (500, {"Content-Type": "application/json"},
                                                  error_body("UNKNOWN", said))))  # fmt: skip
    host = fake.server.host
    code, err = run_cli(["compare", f"{host}/{REPO}:v1", f"{host}/{REPO}:v2", "--username",
                         ALICE_USER, "--password-stdin"], monkeypatch,
                        ALICE_PASSWORD + "\n")  # fmt: skip
    assert code == 6, err
    assert not any(c in err for c in BAD_CHARS[:-1]), repr(err)
    assert "pwned" in err  # shown, escaped


def alices(req: FakeRequest) -> bool:
    """Whether a request carries Alice's login or password (a netrc login is another matter:
    requests reads ~/.netrc for a registry given no credentials)."""
    import base64

    auth = req.header("Authorization") or ""
    said = f"{req.path} {req.body!r} {auth}"
    if auth.startswith("Basic "):
        said += base64.b64decode(auth[6:]).decode(errors="replace")
    return ALICE_USER in said or ALICE_PASSWORD in said or auth.startswith("Bearer ")


@pytest.mark.parametrize("form", ["text", "--markdown", "--json"])
def test_compare_cli_hostile_config_text_never_acts_on_a_terminal(
    fake: FakeRegistry, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    evil = f"{ESCAPES}\u202e|`x`\n# Digest: forged"
    configs = []
    for side in ("a", "b"):
        doc = {"architecture": "amd64", "os": "linux", "created": evil + side,
               "config": {"Env": [f"K{evil}={evil}{side}"], "Labels": {f"l|{evil}": evil + side},
                          "Cmd": [evil, side], "User": evil + side}}  # fmt: skip
        blob = Blob(OCI_CONFIG, json.dumps(doc).encode())
        fake.blobs[blob.digest] = blob.data  # type: ignore[attr-defined]
        configs.append(blob)
    serve_index(fake, [image_body([layer(5, 1)], configs[0])])
    serve_index(fake, [image_body([layer(6, 2)], configs[1])], tag="v2")
    host = fake.server.host
    args = ["compare", f"{host}/{REPO}:v1", f"{host}/{REPO}:v2", "--username", ALICE_USER,
            "--password-stdin"] + ([] if form == "text" else [form])  # fmt: skip
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdin", io.StringIO(ALICE_PASSWORD + "\n"))
    code = cli_main(args)
    shown = out.getvalue()
    assert code == 1, err.getvalue()
    assert not any(c in shown for c in BAD_CHARS[:-1]), repr(shown[:2000])
    assert "\n# Digest: forged" not in shown and "pwned" in shown
    if form == "--json":
        assert shown.isascii() and json.loads(shown)


def test_compare_two_registries_only_one_gets_credentials(
    fake: FakeRegistry, other_fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_sides(fake)
    other = other_fake_server
    realm = f"{other.url}/token"
    other.reply("GET", r"/v2/", 401, {"WWW-Authenticate": f'Bearer realm="{realm}"'})
    other.reply(
        "GET",
        rf"/v2/{REPO}/manifests/.*",
        401,
        {"WWW-Authenticate": f'Bearer realm="{realm}",scope="repository:{REPO}:pull"'},
    )
    other.reply("*", r"/token", 401, {"Content-Type": "application/json"},
                error_body("UNAUTHORIZED", "sign in"))  # fmt: skip
    routes = list(other._routes)
    client = client_for(fake.server.host)
    left, right = ref(fake, "v1"), parse_reference(f"{other.host}/{REPO}:v1")
    with pytest.raises(AuthenticationRequired) as raised:
        compare(client, left, right)
    quotable_sentence(raised.value.sentence)
    assert other.requests
    assert not any(alices(r) for r in other.requests)
    other.reset()
    other._routes[:] = routes
    host = fake.server.host
    code, err = run_cli(["compare", f"{host}/{REPO}:v1", f"{other.host}/{REPO}:v1", "--username",
                         ALICE_USER, "--password-stdin"], monkeypatch,
                        ALICE_PASSWORD + "\n")  # fmt: skip
    assert code == 4, err
    assert other.requests and not any(alices(r) for r in other.requests)


def test_compare_a_registry_naming_the_other_ones_token_service_gets_no_token_of_alice(
    fake: FakeRegistry, other_fake_server: FakeServer, token_server: TokenServer
) -> None:
    """B (no credentials given) names A's token service and A's service: the token fetched for
    B must not be one minted for Alice, or B could use it at A."""
    two_sides(fake)
    other = other_fake_server
    challenge = f'Bearer realm="{token_server.realm}",service="{fake.server.host}"'
    scope = f'{challenge},scope="repository:{REPO}:pull"'
    other.reply("GET", r"/v2/", 401, {"WWW-Authenticate": challenge})
    other.reply("GET", rf"/v2/{REPO}/manifests/.*", 401, {"WWW-Authenticate": scope})
    client = client_for(fake.server.host)
    left, right = ref(fake, "v1"), parse_reference(f"{other.host}/{REPO}:v1")
    with pytest.raises(RegistryError) as raised:
        compare(client, left, right)
    quotable_sentence(raised.value.sentence)
    assert other.requests
    for req in other.requests:
        auth = req.header("Authorization") or ""
        if auth.startswith("Bearer "):
            claims = pyjwt.decode(auth[7:], options={"verify_signature": False})
            granted = [a for entry in claims.get("access") or [] for a in entry.get("actions", [])]
            assert claims.get("sub") != ALICE_USER and not granted, claims
        assert not alices(req) or auth.startswith("Bearer ")


def test_compare_two_indexes_of_20000_entries_is_bounded(
    fake: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compare_module, "MAX_PLATFORMS", 4)
    twenty_thousand(fake, "v1")
    twenty_thousand(fake, "v2")  # the same entries: the same index, so vary one
    top2 = json.loads(fake.manifests["v2"][1])
    top2["annotations"] = {"x": "y"}
    fake.add(Manifest(REPO, OCI_INDEX, _compact(top2)), tag="v2")
    client = client_for(fake.server.host)
    start = time.monotonic()
    result = compare(client, ref(fake, "v1"), ref(fake, "v2"))
    assert time.monotonic() - start < 15
    assert len(result.platforms) == 4 and any("first 4 of 20000" in n for n in result.notes)
    assert len(fake.paths("/manifests/sha256:")) == 4  # the same child both sides: once


# -- tag_rounds.fill -----------------------------------------------------------------------------
def fill(
    client: RegistryClient,
    fake: FakeRegistry,
    wants: list[tuple[str, str | None]],
    needs: set[str],
    acr: dict[str, Any] | None = None,
) -> tuple[Any, list[Found]]:
    found: list[Found] = []
    plan = Plan(fake.server.host, REPO, tuple(wants), frozenset(needs), {}, acr)
    return tag_rounds.fill(client, plan, found.append), found


def test_fill_tags_redirected_elsewhere_and_escapes_are_sentences(
    fake: FakeRegistry, recorder: Recorder
) -> None:
    top, _images = serve_sixteen(fake)
    fake.server.route("GET", rf"/v2/{REPO}/manifests/bad", guarded(fake, to_recorder(recorder)))
    said = error_body("X", ESCAPES + "\u202e")
    esc = guarded(fake, lambda _req: (404, {"Content-Type": "application/json"}, said))
    fake.server.route("GET", rf"/v2/{REPO}/manifests/esc", esc)
    client = client_for(fake.server.host)
    result, found = fill(client, fake, [("v1", None), ("bad", None), ("esc", None)],
                         {"digest", "kind", "size"})  # fmt: skip
    problems = {k: v for f in found for k, v in f.tag_problems.items()}
    assert set(problems) == {"bad", "esc"} and not result.stopped
    for sentence in problems.values():
        quotable_sentence(sentence)
    links = {k: v for f in found for k, v in f.links.items()}
    assert links == {"v1": top.digest}
    assert result.requests <= tag_rounds.ROUND_BUDGET
    no_leak(recorder)


def test_fill_endless_acr_pages_and_a_20000_entry_index_stay_in_budget(
    fake: FakeRegistry,
) -> None:
    top, _length = twenty_thousand(fake)
    fake.acr = acr_pages([[entry("sha256:" + f"{n:064x}", 10**19)] for n in range(10_000)], REPO)
    client = client_for(fake.server.host)
    paths = counted(client)
    result, found = fill(client, fake, [("v1", top.digest)], {"size", "platforms", "created"})
    assert len(set(fake.paths("/acr/v1/"))) == tag_rounds.ACR_PAGES
    assert len(paths) == result.requests <= tag_rounds.ROUND_BUDGET and result.exhausted
    facts = [f for batch in found for f in batch.facts if f.digest == top.digest][-1]
    assert facts.kind == "index" and facts.size_of == 20_000
    assert len(facts.words("platforms", tooltip=True)) < 1000


def test_fill_acr_metadata_that_fails_is_said_not_raised(fake: FakeRegistry) -> None:
    top, _images = serve_sixteen(fake)
    fake.acr = lambda _req: (429, {"Retry-After": "86400"}, b"")
    client = client_for(fake.server.host)
    with operation(timeout=8.0):
        result, _found = fill(client, fake, [("v1", top.digest)], {"size"})
    assert result.stopped  # rate limited: the round ends and says why
    quotable_sentence(result.stopped)


def test_fill_a_drip_fed_manifest_ends_by_the_deadline(fake: FakeRegistry) -> None:
    top, _images = serve_sixteen(fake)
    on_child(fake, top.digest, drip(fake.server, top.data))
    client = client_for(fake.server.host)
    found: list[Found] = []
    plan = Plan(fake.server.host, REPO, (("v1", top.digest),), frozenset({"kind"}), {}, {})
    result, took = timed(lambda: tag_rounds.fill(client, plan, found.append), 2.0)
    assert took < 2.0 + SLACK
    # the deadline ends the round, said why; no fact is recorded as a problem of the manifest
    assert result.stopped and "within 2 s" in quotable_sentence(result.stopped), result
    assert not any(f.problem for batch in found for f in batch.facts)


def test_fill_credentials_stay_with_their_registry(fake: FakeRegistry, recorder: Recorder) -> None:
    top, _images = serve_sixteen(fake)
    client = RegistryClient(client_for(fake.server.host).transport)
    client.transport.set_credentials(fake.server.host, Credentials(ALICE_USER, ALICE_PASSWORD))
    on_child(fake, top.digest, to_recorder(recorder))
    fake.acr = to_recorder(recorder)  # ACR's metadata sent elsewhere too: the manifests answer
    result, found = fill(client, fake, [("v1", top.digest)], {"kind"}, None)
    assert not result.stopped and len(recorder.requests) == 2
    facts = [f for batch in found for f in batch.facts]
    assert facts and facts[-1].problem
    quotable_sentence(facts[-1].problem)
    no_leak(recorder)
