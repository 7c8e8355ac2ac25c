"""Issue 16's window part under attack: a hostile registry (a FakeServer speaking the
referrers API) behind the Referrers tab, the summary's supply line, base image and end of
life, the details pane and the SBOM window. Every answer ends in a typed sentence in the
window, the window stays usable, server text is shown as bounded plain text, nothing is sent
to another host unasked and the image's password never reaches one."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.reference import DOCKER_HUB
from acr_desktop.ui import insp_referrers
from acr_desktop.ui.insp_referrers import NOT_LOOKED, ReferrersPanel
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.roles import OBJECT_ROLE
from acr_desktop.ui.supply_tree import Item
from tests.rig import FakeRequest, FakeServer
from tests.rig.content import (
    IN_TOTO,
    OCI_INDEX,
    OCI_MANIFEST,
    SPDX,
    Blob,
    Manifest,
    image,
    sha256,
)
from tests.rig.supply import (
    BASE_DIGEST,
    BASE_NAME,
    EOL_ANNOTATION,
    JOSE,
    LIFECYCLE,
    NOTATION,
    PREDICATE,
    SLSA_V1,
    referrer,
    slsa_v1,
)
from tests.ui.test_main_window import inspect

REPO = "app"
USER, PASSWORD = "h4-user", "H4-s3cret-Passw0rd!"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SECRETS = (PASSWORD, BASIC)
LOADED = "/loaded-by-markup.png"  # asked of a server only if markup were rendered
MARKUP = f'<b>bold</b><img src="http://HOST{LOADED}"><a href="http://x">link</a>'
BIDI = "evil\u202egnp.exe\u2066x\u2069"
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x00"
LINES = "line one\nline two\r\nline three\n" * 50
LONG = "y" * 100_000
HOSTILE = {"markup": MARKUP, "bidi": BIDI, "escapes": ESCAPES, "lines": LINES, "long": LONG}
ACTING = "\n\r\x1b\x07\x00\u202e\u2066\u2069"  # never drawn: they act instead of showing
TITLE = "org.opencontainers.image.title"
DESCRIPTION = "org.opencontainers.image.description"
OLD_BASE = "sha256:" + "0" * 64


# -- a hostile registry ---------------------------------------------------------------------
class Hostile:
    """`server` as a registry with one repository, Basic auth (USER / PASSWORD) on every
    request and the referrers API answered from `referrers` (subject digest -> descriptors).
    Tests add routes of their own on top (newest first)."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.manifests: dict[str, tuple[bytes, str]] = {}
        self.tags: dict[str, str] = {}
        self.blobs: dict[str, bytes] = {}
        self.referrers: dict[str, list[dict[str, Any]]] = {}
        server.route("*", r"/.*", self._answer)

    @property
    def host(self) -> str:
        return self.server.host

    def ref(self, tag: str = "v1") -> str:
        return f"{self.host}/{REPO}:{tag}"

    def _answer(self, req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if req.header("Authorization") != f"Basic {BASIC}":
            return 401, {"WWW-Authenticate": 'Basic realm="hostile"'}, b""
        path = req.path_only
        if path == "/v2/":
            return 200, {"Content-Type": "application/json"}, b"{}"
        prefix = f"/v2/{REPO}/"
        what, _, name = path.removeprefix(prefix).partition("/")
        if path.startswith(prefix) and what == "manifests":
            digest = self.tags.get(name, name)
            if digest in self.manifests:
                body, media = self.manifests[digest]
                return 200, {"Content-Type": media, "Docker-Content-Digest": digest}, body
        if path.startswith(prefix) and what == "blobs" and name in self.blobs:
            return 200, {"Content-Type": "application/octet-stream"}, self.blobs[name]
        if path.startswith(prefix) and what == "referrers":
            index = {"schemaVersion": 2, "mediaType": OCI_INDEX,
                     "manifests": self.referrers.get(name, [])}  # fmt: skip
            return 200, {"Content-Type": OCI_INDEX}, json.dumps(index).encode()
        unknown = {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "unknown"}]}
        return 404, {"Content-Type": "application/json"}, json.dumps(unknown).encode()

    def push(self, m: Manifest, tag: str | None = None) -> Manifest:
        self.manifests[m.digest] = (m.data, m.media_type)
        for blob in [m.config, *m.layers]:
            if blob is not None:
                self.blobs[blob.digest] = blob.data
        if tag:
            self.tags[tag] = m.digest
        return m

    def attach(self, m: Manifest, subject: str) -> dict[str, Any]:
        """`m` pushed and listed as a referrer of `subject`; its descriptor as listed."""
        self.push(m)
        doc = json.loads(m.data)
        d = {"mediaType": m.media_type, "digest": m.digest, "size": m.size,
             "artifactType": doc.get("artifactType") or doc["config"]["mediaType"]}  # fmt: skip
        if doc.get("annotations"):
            d["annotations"] = doc["annotations"]
        self.referrers.setdefault(subject, []).append(d)
        return d


@pytest.fixture
def hostile(fake_server: FakeServer) -> Hostile:
    return Hostile(fake_server)


def plain_image(annotations: Mapping[str, Any] | None = None) -> Manifest:
    """The rig's OCI image, with `annotations` (any JSON values) added to its manifest."""
    m = image(REPO, "hostile", docker=False)
    body = json.loads(m.data)
    body["annotations"] |= dict(annotations or {})
    data = json.dumps(body, separators=(",", ":")).encode()
    return Manifest(REPO, OCI_MANIFEST, data, m.config, m.layers, platform=m.platform)


def artifact(
    subject: Manifest,
    artifact_type: str,
    layers: list[dict[str, Any]],
    annotations: Mapping[str, str] | None = None,
) -> Manifest:
    """An artifact manifest with hand-written layer descriptors (they may lie)."""
    body = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": artifact_type,
            "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                       "digest": sha256(b"{}"), "size": 2},
            "layers": layers,
            "subject": {"mediaType": subject.media_type, "digest": subject.digest,
                        "size": subject.size},
            "annotations": dict(annotations or {})}  # fmt: skip
    config = Blob("application/vnd.oci.empty.v1+json", b"{}")
    return Manifest(REPO, OCI_MANIFEST, json.dumps(body).encode(), config, [])


# -- the window -----------------------------------------------------------------------------
def panel_of(window: MainWindow) -> ReferrersPanel:
    return window.inspector.referrers_panel


def settled(panel: ReferrersPanel) -> bool:
    """The walk ended: a report, or the sentence saying why not."""
    return not panel._looking and (
        panel.report is not None or panel.headline.text() == "The referrers could not be listed."
    )


def look_at(qtbot: QtBot, window: MainWindow, hostile: Hostile, tag: str = "v1") -> ReferrersPanel:
    """`tag` inspected, signed in with a password, the walk on and ended."""
    window.store.session_only(hostile.host, Credentials(USER, PASSWORD))
    window.preferences.set_supply_auto(True)
    window.resize(1400, 900)
    inspect(qtbot, window, hostile.ref(tag))
    panel = panel_of(window)
    qtbot.waitUntil(lambda: settled(panel), timeout=20_000)
    return panel


def tree_rows(panel: ReferrersPanel) -> list[tuple[int, list[str], list[str], Item]]:
    """(level, cells, tooltips, item) for every row, depth first."""
    model = panel.model
    found: list[tuple[int, list[str], list[str], Item]] = []

    def walk(parent: QModelIndex, level: int) -> None:
        for r in range(model.rowCount(parent)):
            cells = [model.index(r, c, parent) for c in range(model.columnCount())]
            found.append((level, [c.data() or "" for c in cells],
                          [c.data(Qt.ItemDataRole.ToolTipRole) or "" for c in cells],
                          cells[0].data(OBJECT_ROLE)))  # fmt: skip
            walk(cells[0], level + 1)

    walk(QModelIndex(), 0)
    return found


def select_digest(panel: ReferrersPanel, digest: str) -> Item:
    model = panel.model

    def find(parent: QModelIndex) -> QModelIndex | None:
        for r in range(model.rowCount(parent)):
            index = model.index(r, 0, parent)
            item = index.data(OBJECT_ROLE)
            if item.node is not None and item.node.descriptor.digest == digest:
                return index
            deeper = find(index)
            if deeper is not None:
                return deeper
        return None

    index = find(QModelIndex())
    assert index is not None, f"no row for {digest}"
    panel.tree.setCurrentIndex(index)
    return index.data(OBJECT_ROLE)  # type: ignore[no-any-return]


def details_text(panel: ReferrersPanel) -> str:
    pane = panel.details
    labels = [label.text() for label in pane.findChildren(QLabel) if label.isVisibleTo(pane)]
    return " ".join(labels + [f"{k}: {v}" for k, v in pane.fields().items()])


def shown_texts(window: MainWindow) -> list[str]:
    """Every label's text and tooltip in the window, every tree cell and its tooltip."""
    texts: list[str] = []
    for label in window.findChildren(QLabel):
        texts += [label.text(), label.toolTip()]
    for _, cells, tips, _ in tree_rows(panel_of(window)):
        texts += cells + tips
    return texts


def assert_plain_and_bounded(window: MainWindow) -> None:
    """Server text is drawn as plain text: no label that may hold it takes markup, nothing
    that acts (escapes, bidi controls) is drawn, tree cells are one bounded line and the
    summary's lines are one line."""
    panel = panel_of(window)
    for label in [*panel.findChildren(QLabel), panel.headline, panel.warning]:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()[:100]
        assert not any(c in label.text() for c in ACTING.replace("\n", "")), label.text()[:200]
    for _, cells, tips, _ in tree_rows(panel):
        for cell in cells:
            assert not any(c in cell for c in ACTING) and len(cell) <= 1100, cell[:200]
        for tip in tips:
            assert "<img" not in tip and "\u202e" not in tip and len(tip) < 2200, tip[:200]
    assert "\n" not in panel.headline.text() and len(panel.headline.text()) < 2000
    supply = window.inspector.summary.supply
    for line in (supply.line, supply.base):
        assert not any(c in line.shown_text() for c in ACTING), line.shown_text()
        assert "<img" not in line.toolTip() or "&lt;img" in line.toolTip()
    for label in (supply.eol, supply.base_note):
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert not any(c in label.text() for c in ACTING.replace("\n", ""))


def assert_typed_sentence(text: str) -> None:
    assert text.strip(), "nothing said"
    assert "unexpected" not in text and "Traceback" not in text, text
    assert "<html" not in text.lower() and "<h1" not in text.lower(), text


def assert_no_secret(window: MainWindow, *servers: FakeServer) -> None:
    for text in shown_texts(window):
        assert not any(s in text for s in SECRETS), text[:300]
    for server in servers:
        for r in server.requests:
            seen = r.path + json.dumps(r.headers) + r.body.decode("latin-1")
            assert r.header("Authorization") is None, (r.method, r.path)
            assert not any(s in seen for s in SECRETS), (r.method, r.path)


# -- server text ----------------------------------------------------------------------------
def test_referrers_full_of_hostile_text_are_shown_as_bounded_plain_text(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    """artifactType, annotations, titles, a provenance's builder, a lifecycle date and the base
    image's name all hold markup / bidi / escapes / newlines / 100 kB: shown as text."""
    for kind, written in HOSTILE.items():
        text = written.replace("HOST", hostile.host)
        shown_as_text(qtbot, window, hostile, kind, text)
    assert not any(r.path_only == LOADED for r in hostile.server.requests)


def shown_as_text(qtbot: QtBot, window: MainWindow, hostile: Hostile, kind: str, text: str) -> None:
    subject = hostile.push(plain_image({DESCRIPTION: text, BASE_NAME: text,
                                        BASE_DIGEST: OLD_BASE}), kind)  # fmt: skip
    odd = referrer(REPO, subject, [Blob("application/octet-stream", b"x", {TITLE: text})],
                   artifact_type=f"application/vnd.h4.{text}",
                   annotations={TITLE: text, f"k.{text[:300]}": text})  # fmt: skip
    hostile.attach(odd, subject.digest)
    statement = slsa_v1(subject)
    statement["predicate"]["runDetails"]["builder"]["id"] = text
    statement["predicate"]["buildDefinition"]["externalParameters"]["target"] = text
    layer = Blob(IN_TOTO, json.dumps(statement).encode(), {PREDICATE: SLSA_V1})
    prov = hostile.attach(referrer(REPO, subject, [layer], artifact_type=IN_TOTO), subject.digest)
    life = referrer(REPO, subject, [Blob("application/vnd.oci.empty.v1+json", b"{}")],
                    artifact_type=LIFECYCLE, annotations={EOL_ANNOTATION: text})  # fmt: skip
    hostile.attach(life, subject.digest)

    panel = look_at(qtbot, window, hostile, kind)
    assert panel.report is not None, panel.warning.text()
    rows = tree_rows(panel)
    assert len(rows) == 4, [r[1][0] for r in rows]
    assert_plain_and_bounded(window)
    assert not window.inspector.summary.supply.eol.isVisibleTo(window)  # no date: no warning

    select_digest(panel, odd.digest)
    qtbot.waitUntil(lambda: "Annotations" in panel.details.fields(), timeout=5_000)
    for value in panel.details.fields().values():
        assert not any(c in value for c in ACTING.replace("\n", "")), value[:200]
        assert len(value) < 3000
    select_digest(panel, prov["digest"])
    qtbot.waitUntil(lambda: "Reading" not in details_text(panel), timeout=10_000)
    shown = details_text(panel)
    assert not any(c in shown for c in ACTING.replace("\n", "")), shown[:300]
    for label in panel.details.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()[:100]
    window.inspector.tabs.setCurrentWidget(panel)
    qtbot.wait(20)
    window.grab().save(f"/tmp/team/s16/H4-hostile-{kind}.png")


def test_a_platform_with_a_hostile_os_version_titles_rows_and_the_sbom_window_as_text(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    """The index entry's `os.version` (shown beside the platform) names the subject row and
    the SBOM window's title: one plain line there too."""
    text = MARKUP.replace("HOST", hostile.host) + BIDI + ESCAPES + LINES + LONG[:10_000]
    img = hostile.push(plain_image())
    platform = {"os": "linux", "architecture": "amd64", "os.version": text}
    entry = {"mediaType": OCI_MANIFEST, "digest": img.digest, "size": img.size,
             "platform": platform}  # fmt: skip
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry]})
    hostile.push(Manifest(REPO, OCI_INDEX, body.encode()), "v1")
    packages_doc = {"spdxVersion": "SPDX-2.3", "packages": [{"name": "hello"}]}
    spdx = Blob(SPDX, json.dumps(packages_doc).encode())
    sbom = hostile.attach(referrer(REPO, img, [spdx], artifact_type=SPDX), img.digest)
    panel = look_at(qtbot, window, hostile)
    subjects = [cells[0] for level, cells, _, _ in tree_rows(panel) if level == 0]
    assert len(subjects) == 2 and subjects[1].startswith("Referrers of linux/amd64"), subjects
    assert_plain_and_bounded(window)
    select_digest(panel, sbom["digest"])
    panel.sbom_button.click()
    packages = panel.sbom_window
    assert packages is not None
    model = packages.model  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=10_000)
    title = packages.title  # type: ignore[attr-defined]
    for shown in (packages.windowTitle(), title.shown_text()):
        assert not any(c in shown for c in ACTING) and len(shown) < 400, shown[:300]
    assert "<img" not in title.toolTip() or "&lt;img" in title.toolTip()
    packages.resize(900, 600)
    qtbot.wait(20)
    packages.grab().save("/tmp/team/s16/H4-sbom-hostile-platform.png")
    packages.close()
    assert not any(r.path_only == LOADED for r in hostile.server.requests)


# -- size ------------------------------------------------------------------------------------
def test_ten_thousand_referrers_show_the_first_200_and_say_so(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    subject = hostile.push(plain_image(), "v1")
    many = [{"mediaType": OCI_MANIFEST, "digest": sha256(str(n).encode()), "size": 500,
             "artifactType": "application/vnd.h4.thing",
             "annotations": {TITLE: f"thing {n}"}} for n in range(10_000)]  # fmt: skip
    hostile.referrers[subject.digest] = many
    panel = look_at(qtbot, window, hostile)
    rows = tree_rows(panel)
    assert [level for level, *_ in rows].count(1) == 200 and len(rows) == 201
    warning = panel.warning.text()
    assert "Only the first 200 referrers and attestations are shown; 9,800 more" in warning
    assert panel.warning.isVisibleTo(panel)
    assert panel.headline.text().endswith("200 referrers and attestations")
    # Only the subject's referrers were asked: not 200 more lists, not 10,000 manifests.
    asked = [r.path_only for r in hostile.server.requests if "/referrers/" in r.path]
    assert asked == [f"/v2/{REPO}/referrers/{subject.digest}"]
    assert not any("/manifests/sha256:" in r.path for r in hostile.server.requests[2:])


def test_referrers_over_several_pages_are_all_listed_and_another_host_is_not_followed(
    qtbot: QtBot, window: MainWindow, hostile: Hostile, other_fake_server: FakeServer
) -> None:
    """The referrers API pages with `Link: <…>; rel="next"` (OCI distribution spec): the
    second page is read too (not a silently partial tree); a next page on another host is
    not asked, and it is said."""
    subject = hostile.push(plain_image(), "v1")
    pages = [[{"mediaType": OCI_MANIFEST, "digest": sha256(f"{p}-{n}".encode()), "size": 9,
               "artifactType": "application/vnd.h4.paged"} for n in range(3)]
             for p in range(2)]  # fmt: skip
    path = f"/v2/{REPO}/referrers/{subject.digest}"

    def paged(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        page = int(req.query.get("page", ["0"])[0])
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": pages[page]}
        link = {"Link": f'<{path}?page=1>; rel="next"'} if page == 0 else {}
        return 200, {"Content-Type": OCI_INDEX, **link}, json.dumps(index).encode()

    hostile.server.route("GET", path, paged)
    panel = look_at(qtbot, window, hostile)
    assert len(tree_rows(panel)) == 1 + 6, panel.warning.text()

    other = other_fake_server
    other.reply("*", r"/.*", 200, {"Content-Type": OCI_INDEX}, b"{}")

    def elsewhere(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": pages[0]}
        link = {"Link": f'<{other.url}{path}?page=1>; rel="next"'}
        return 200, {"Content-Type": OCI_INDEX, **link}, json.dumps(index).encode()

    hostile.server.route("GET", path, elsewhere)
    panel.look()
    qtbot.waitUntil(lambda: settled(panel), timeout=10_000)
    assert other.requests == []
    assert "another host" in tree_rows(panel)[0][1][4], tree_rows(panel)[0][1][4]


def test_a_cycle_and_a_referrer_naming_itself_are_shown_once_each(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    subject = hostile.push(plain_image(), "v1")
    kind = "application/vnd.h4.loop"
    b = hostile.attach(referrer(REPO, subject, [], artifact_type=kind), subject.digest)
    b_manifest = Manifest(REPO, OCI_MANIFEST, hostile.manifests[b["digest"]][0])
    c = hostile.attach(referrer(REPO, b_manifest, [], artifact_type=kind + ".c"), b["digest"])
    hostile.referrers[c["digest"]] = [b]  # C refers to B refers to C …
    hostile.referrers[b["digest"]].append(  # … and B to the subject
        {"mediaType": OCI_MANIFEST, "digest": subject.digest, "size": subject.size,
         "artifactType": kind})  # fmt: skip
    selfish = referrer(REPO, subject, [], artifact_type=kind + ".self")
    d = hostile.attach(selfish, subject.digest)
    hostile.referrers[d["digest"]] = [d]  # a referrer naming itself
    panel = look_at(qtbot, window, hostile)
    rows = tree_rows(panel)
    digests = [item.node.descriptor.digest for _, _, _, item in rows if item.node]
    assert sorted(digests) == sorted([b["digest"], c["digest"], d["digest"]])
    assert "listed again" in panel.warning.text()
    assert_plain_and_bounded(window)


def test_a_cycle_through_the_tag_fallback_is_shown_once(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    """No referrers API (404): the `sha256-<hex>` tag index of the subject lists the subject
    itself and B; B's lists the subject again."""
    subject = hostile.push(plain_image(), "v1")
    b = referrer(REPO, subject, [], artifact_type="application/vnd.h4.fallback")
    hostile.push(b)
    own = {"mediaType": OCI_MANIFEST, "digest": subject.digest, "size": subject.size}
    listed = {"mediaType": OCI_MANIFEST, "digest": b.digest, "size": b.size,
              "artifactType": "application/vnd.h4.fallback"}  # fmt: skip
    for digest, entries in ((subject.digest, [own, listed]), (b.digest, [own, listed])):
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
        tag_index = Manifest(REPO, OCI_INDEX, index.encode())
        hostile.push(tag_index, digest.replace(":", "-"))
    hostile.server.reply("GET", rf"/v2/{REPO}/referrers/.+", 404)
    panel = look_at(qtbot, window, hostile)
    assert panel.report is not None
    digests = [item.node.descriptor.digest for _, _, _, item in tree_rows(panel) if item.node]
    assert digests == [b.digest]
    assert "listed again" in panel.warning.text()
    assert tree_rows(panel)[1][1][3] == "tag fallback"


def test_a_cosign_tag_whose_head_names_no_digest_is_neither_followed_nor_shown_as_one(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    """No referrers API; the `.sig` tag's HEAD answers a Docker-Content-Digest that is markup
    and a path: nothing is asked by it (no `_catalog`), and no row names it as a digest."""
    subject = hostile.push(plain_image(), "v1")
    bogus = "sha256:<img src=x>/../../../_catalog?n=1"
    hostile.server.reply("GET", rf"/v2/{REPO}/referrers/.+", 404)
    tag = subject.digest.replace(":", "-") + ".sig"
    hostile.server.reply("HEAD", rf"/v2/{REPO}/manifests/{tag}", 200,
                         {"Docker-Content-Digest": bogus, "Content-Type": OCI_MANIFEST,
                          "Content-Length": "300"})  # fmt: skip
    panel = look_at(qtbot, window, hostile)
    asked = [r.path for r in hostile.server.requests]
    assert not any("_catalog" in p or "<img" in p or "%3Cimg" in p for p in asked), asked
    for _, cells, _, item in tree_rows(panel)[1:]:
        assert item.node is None or not item.node.descriptor.digest.startswith("sha256:<"), cells
    assert_plain_and_bounded(window)
    assert_typed_sentence(panel.headline.text())


# -- slow, failing and lying answers ---------------------------------------------------------
def test_a_drip_fed_referrers_answer_ends_in_a_sentence_at_the_deadline(
    qtbot: QtBot, window: MainWindow, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(insp_referrers, "TIMEOUT", 0.5)
    subject = hostile.push(plain_image(), "v1")
    server = hostile.server

    def drip(_req: FakeRequest) -> tuple[int, dict[str, str], Iterator[bytes]]:
        def body() -> Iterator[bytes]:
            yield b'{"schemaVersion":2,"manifests":['
            end = time.monotonic() + 30
            while not server.stopping.is_set() and time.monotonic() < end:
                time.sleep(0.1)
                yield b" "

        return 200, {"Content-Type": OCI_INDEX, "Content-Length": "100000"}, body()

    server.route("GET", rf"/v2/{REPO}/referrers/.+", drip)
    panel = look_at(qtbot, window, hostile)
    assert panel.headline.text() == "The referrers could not be listed."
    assert_typed_sentence(panel.warning.text())
    assert panel.look_button.isVisibleTo(panel) and panel.look_button.text() == "Try again"
    line = window.inspector.summary.supply.line.text()
    assert line == "could not be listed (see the Referrers tab)"
    # Still usable: the registry mends, Try again lists them.
    hostile.server.reset()
    Hostile.__init__(hostile, server)
    hostile.push(subject, "v1")
    panel.look_button.click()
    qtbot.waitUntil(lambda: settled(panel) and panel.report is not None, timeout=10_000)
    assert window.inspector.summary.supply.line.text() == "no signatures, SBOMs or provenance found"


HTML = f"<html><body><h1>500 Internal</h1><img src='http://HOST{LOADED}'></body></html>"


def test_a_500_with_an_html_body_is_a_sentence_on_its_row(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    subject = hostile.push(plain_image(), "v1")
    b = hostile.attach(referrer(REPO, subject, [], artifact_type="application/vnd.h4.b"),
                       subject.digest)  # fmt: skip
    body = HTML.replace("HOST", hostile.host)
    hostile.server.reply("GET", rf"/v2/{REPO}/referrers/{b['digest']}", 500,
                         {"Content-Type": "text/html"}, body)  # fmt: skip
    panel = look_at(qtbot, window, hostile)
    assert panel.report is not None
    rows = tree_rows(panel)
    note = rows[1][1][4]
    assert note.startswith("Its referrers could not be listed:"), note
    assert_typed_sentence(note)
    assert_plain_and_bounded(window)
    # The subject's own list failing: the row says so, the summary line too.
    hostile.server.reply("GET", rf"/v2/{REPO}/referrers/{subject.digest}", 500,
                         {"Content-Type": "text/html"}, body)  # fmt: skip
    panel.look()
    qtbot.waitUntil(lambda: settled(panel), timeout=10_000)
    assert window.inspector.summary.supply.line.text() == "referrers could not be listed"
    assert_typed_sentence(tree_rows(panel)[0][1][4])
    assert not any(r.path_only == LOADED for r in hostile.server.requests)


WRONG_TYPES = [
    {"mediaType": 5, "digest": 5, "size": "big", "artifactType": 7, "annotations": ["x"]},
    {"mediaType": OCI_MANIFEST, "digest": "sha256:<b>x</b>", "size": -1},
    {"mediaType": OCI_MANIFEST, "digest": "sha256:" + "a" * 64, "size": 10**30,
     "artifactType": "application/vnd.h4.big"},
]  # fmt: skip
GARBAGE = {
    "list": b"[]",
    "null": b"null",
    "not-json": b"<html>nope</html>",
    "manifests-a-string": b'{"schemaVersion":2,"manifests":"x"}',
    "wrong-types": json.dumps({"schemaVersion": 2, "manifests": WRONG_TYPES}).encode(),
    "deep": b'{"manifests":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


def test_a_referrers_answer_that_is_not_an_index_is_a_sentence(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    for kind, body in GARBAGE.items():
        subject = hostile.push(plain_image({"h4.kind": kind}), kind)
        hostile.server.reply("GET", rf"/v2/{REPO}/referrers/{subject.digest}", 200,
                             {"Content-Type": OCI_INDEX}, body)  # fmt: skip
        panel = look_at(qtbot, window, hostile, kind)
        said = [panel.headline.text(), panel.warning.text()] + [
            cell for _, cells, _, _ in tree_rows(panel) for cell in cells
        ]
        for text in said:
            assert "unexpected" not in text, (kind, text)
        assert_typed_sentence(panel.headline.text())
        assert_plain_and_bounded(window)


def test_a_secret_echoed_by_the_registry_is_never_shown(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    """The registry quotes the Authorization header (and the password in it) back in its
    errors, for a referrer's referrers and for a signature's manifest: no label, cell or
    tooltip shows it, in the tree or in the details."""
    subject = hostile.push(plain_image(), "v1")
    sig = hostile.attach(artifact(subject, NOTATION, []), subject.digest)
    odd = hostile.attach(artifact(subject, "application/vnd.h4.odd", []), subject.digest)

    def echo(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        said = f"denied: you sent {req.header('Authorization')} ({USER}:{PASSWORD})"
        body = {"errors": [{"code": "DENIED", "message": said, "detail": said}]}
        return 500, {"Content-Type": "application/json"}, json.dumps(body).encode()

    hostile.server.route("GET", rf"/v2/{REPO}/referrers/{odd['digest']}", echo)
    hostile.server.route("GET", rf"/v2/{REPO}/manifests/{sig['digest']}", echo)
    panel = look_at(qtbot, window, hostile)
    window.inspector.tabs.setCurrentWidget(panel)
    select_digest(panel, sig["digest"])
    qtbot.waitUntil(lambda: "could not be read" in details_text(panel), timeout=10_000)
    notes = [cells[4] for _, cells, _, item in tree_rows(panel) if item.node is not None]
    assert any(note.startswith("Its referrers could not be listed") for note in notes), notes
    assert "denied" in details_text(panel)  # the registry's words, without the secret
    assert_no_secret(window)
    hostile.server.route("GET", rf"/v2/{REPO}/referrers/{subject.digest}", echo)
    panel.look()
    qtbot.waitUntil(lambda: settled(panel), timeout=10_000)
    assert "could not be listed" in tree_rows(panel)[0][1][4]
    assert_no_secret(window)


def test_a_signature_whose_envelope_is_huge_or_lies_about_its_digest_says_so(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    subject = hostile.push(plain_image(), "v1")
    huge: dict[str, Any] = {"mediaType": JOSE, "digest": sha256(b"huge"), "size": 2 << 20}
    big = hostile.attach(artifact(subject, NOTATION, [huge]), subject.digest)
    real, lie = b'{"payload":"e30","protected":"e30","signature":"AA"}', b'{"other":1}'
    lying = {"mediaType": JOSE, "digest": sha256(lie), "size": len(real)}
    hostile.blobs[sha256(lie)] = real
    liar = hostile.attach(artifact(subject, NOTATION, [lying]), subject.digest)
    sized = hostile.attach(artifact(subject, NOTATION, [], {"h4": "sized"}), subject.digest)
    sized["size"] += 1  # the listing says one byte more than the manifest has
    panel = look_at(qtbot, window, hostile)
    window.inspector.tabs.setCurrentWidget(panel)

    select_digest(panel, big["digest"])
    qtbot.waitUntil(lambda: "could not be read" in details_text(panel), timeout=10_000)
    said = details_text(panel)
    assert "1,048,576" in said, said
    assert_typed_sentence(said)
    assert not any(huge["digest"] in r.path for r in hostile.server.requests)  # never asked

    select_digest(panel, liar["digest"])
    qtbot.waitUntil(lambda: "could not be read" in details_text(panel), timeout=10_000)
    assert_typed_sentence(details_text(panel))
    assert "not verified" not in details_text(panel).lower()  # no claims from a lying blob

    select_digest(panel, sized["digest"])
    qtbot.waitUntil(lambda: "could not be read" in details_text(panel), timeout=10_000)
    assert "bytes" in details_text(panel)
    assert_typed_sentence(details_text(panel))
    panel.open_button.setFocus()  # the window answers
    assert panel.open_button.isEnabled()


def test_an_sbom_declared_at_one_gigabyte_is_never_read_and_the_window_says_the_cap(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    subject = hostile.push(plain_image(), "v1")
    layer: dict[str, Any] = {"mediaType": SPDX, "digest": sha256(b"gig"), "size": 1 << 30}
    sbom = hostile.attach(artifact(subject, SPDX, [layer]), subject.digest)
    panel = look_at(qtbot, window, hostile)
    assert "could not be read" in panel.warning.text(), panel.warning.text()
    assert window.inspector.summary.supply.line.text() == "SBOM"
    item = select_digest(panel, sbom["digest"])
    assert item.node is not None and panel.sbom_button.isEnabled()
    panel.sbom_button.click()
    packages = panel.sbom_window
    assert packages is not None
    problem = packages.problem  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: problem.isVisibleTo(packages) and bool(problem.text()), timeout=10_000)
    assert "1,073,741,824" in problem.text() and "64 MiB" in problem.text(), problem.text()
    assert_typed_sentence(problem.text())
    assert not any(layer["digest"] in r.path for r in hostile.server.requests)
    packages.close()


def dripping(server: FakeServer, size: int) -> Any:
    """A handler sending `size` declared bytes, one every 0.1 s (never reaching a read
    timeout), until the server stops."""

    def handler(_req: FakeRequest) -> tuple[int, dict[str, str], Iterator[bytes]]:
        def body() -> Iterator[bytes]:
            end = time.monotonic() + 30
            while not server.stopping.is_set() and time.monotonic() < end:
                time.sleep(0.1)
                yield b" "

        return 200, {"Content-Length": str(size)}, body()

    return handler


def test_a_drip_fed_sbom_in_its_window_ends_in_a_sentence_at_its_deadline(
    qtbot: QtBot, window: MainWindow, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SBOM window's read has a deadline of its own (READ_TIMEOUT, made short here): a
    registry dripping the document ends in a sentence, not "Reading the SBOM…" forever."""
    from acr_desktop.ui import sbom_view

    monkeypatch.setattr(sbom_view, "READ_TIMEOUT", 0.5, raising=False)
    subject = hostile.push(plain_image(), "v1")
    small = json.dumps({"spdxVersion": "SPDX-2.3", "packages": []}).encode()
    first = referrer(REPO, subject, [Blob(SPDX, small)], artifact_type=SPDX)
    hostile.attach(first, subject.digest)  # the SBOM the walk counts
    slow: dict[str, Any] = {"mediaType": SPDX, "digest": sha256(b"slow"), "size": 100_000}
    sbom = hostile.attach(artifact(subject, SPDX, [slow], {"h4": "slow"}), subject.digest)
    hostile.server.route("GET", rf"/v2/{REPO}/blobs/{slow['digest']}",
                         dripping(hostile.server, slow["size"]))  # fmt: skip
    panel = look_at(qtbot, window, hostile)
    select_digest(panel, sbom["digest"])
    panel.sbom_button.click()
    packages = panel.sbom_window
    assert packages is not None
    problem = packages.problem  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: problem.isVisibleTo(packages), timeout=6_000)
    assert_typed_sentence(problem.text())
    packages.close()


def test_a_drip_fed_sbom_costs_its_package_count_not_the_tree(
    qtbot: QtBot, window: MainWindow, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk reads the first SBOM for its package count: a registry dripping that blob
    ends the count at its share of the deadline, and the tree already listed is shown (not
    "could not be listed" after TIMEOUT, with a hint to check the network)."""
    monkeypatch.setattr(insp_referrers, "TIMEOUT", 1.0)
    subject = hostile.push(plain_image(), "v1")
    slow: dict[str, Any] = {"mediaType": SPDX, "digest": sha256(b"slow"), "size": 100_000}
    sbom = hostile.attach(artifact(subject, SPDX, [slow]), subject.digest)
    other = referrer(REPO, subject, [], artifact_type="application/vnd.h4.other")
    hostile.attach(other, subject.digest)
    hostile.server.route("GET", rf"/v2/{REPO}/blobs/{slow['digest']}",
                         dripping(hostile.server, slow["size"]))  # fmt: skip
    panel = look_at(qtbot, window, hostile)
    assert panel.report is not None, panel.warning.text()
    digests = [item.node.descriptor.digest for _, _, _, item in tree_rows(panel) if item.node]
    assert digests == [sbom["digest"], other.digest]
    warning = panel.warning.text()
    assert warning.startswith(f"The SBOM {sbom['digest'][:19]} could not be read:"), warning
    assert_typed_sentence(warning)
    assert window.inspector.summary.supply.line.text() == "SBOM"


def test_a_drip_fed_signature_ends_in_a_sentence_in_the_details_at_the_deadline(
    qtbot: QtBot, window: MainWindow, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The details job's deadline (60 s, cut to 0.5 s here by capping the runner's timeouts)
    ends a signature envelope sent a byte at a time in a sentence; the tree stays usable."""
    subject = hostile.push(plain_image(), "v1")
    slow: dict[str, Any] = {"mediaType": JOSE, "digest": sha256(b"slow-jws"), "size": 50_000}
    sig = hostile.attach(artifact(subject, NOTATION, [slow]), subject.digest)
    hostile.server.route("GET", rf"/v2/{REPO}/blobs/{slow['digest']}",
                         dripping(hostile.server, slow["size"]))  # fmt: skip
    start = window.runner.start

    def capped(channel: str, fn: Any, **options: Any) -> Any:
        if channel == insp_referrers.DETAIL_CHANNEL:
            options["timeout"] = min(options.get("timeout") or 0.5, 0.5)
        return start(channel, fn, **options)

    monkeypatch.setattr(window.runner, "start", capped)
    panel = look_at(qtbot, window, hostile)  # the first referrer is selected: it is read
    window.inspector.tabs.setCurrentWidget(panel)
    assert select_digest(panel, sig["digest"]) is panel.selected()
    qtbot.waitUntil(lambda: "could not be read" in details_text(panel), timeout=6_000)
    assert_typed_sentence(details_text(panel))
    assert panel.copy_button.isEnabled() and panel.open_button.isEnabled()


# -- end of life -----------------------------------------------------------------------------
EOL_GARBAGE = {
    "month-99": "9999-99-99",
    "feb-30": "2024-02-30",
    "10-kB": "2024-01-01" + "x" * 10_000,
    "number": 20240101,
    "overflow-west": "9999-12-31T23:59:59-23:59",
    "overflow-east": "0001-01-01T00:00:00+23:59",
}


def test_an_end_of_life_of_garbage_warns_of_nothing_and_crashes_nothing(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    """On the image's manifest (read on the UI thread) and on a lifecycle referrer."""
    for kind, value in EOL_GARBAGE.items():
        subject = hostile.push(plain_image({EOL_ANNOTATION: value}), kind)
        life = {"mediaType": OCI_MANIFEST, "digest": sha256(kind.encode()), "size": 100,
                "artifactType": LIFECYCLE, "annotations": {EOL_ANNOTATION: value}}  # fmt: skip
        hostile.referrers[subject.digest] = [life]
        panel = look_at(qtbot, window, hostile, kind)
        assert panel.report is not None, (kind, panel.warning.text())
        assert panel.report.end_of_life is None, kind
        assert "⚠" not in panel.warning.text() and "end of life" not in panel.warning.text()
        assert not window.inspector.summary.supply.eol.isVisibleTo(window), kind
        assert_plain_and_bounded(window)


# -- the base image --------------------------------------------------------------------------
BASE_NAMES = {
    "backslash-host": "evil\\@OTHER/x:1",
    "url": "http://OTHER/x:1",
    "10-kB": "OTHER/" + "x" * 10_000 + ":1",
    "other-registry": "OTHER/x:1",
}


def test_a_base_image_elsewhere_is_asked_only_when_clicked_and_never_with_our_password(
    qtbot: QtBot, window: MainWindow, hostile: Hostile, other_fake_server: FakeServer
) -> None:
    """The other host answers 401 Basic to everything: a client that would hand it the image's
    password gets asked for it."""
    other = other_fake_server
    for kind, written in BASE_NAMES.items():
        other.reset()
        other.reply("*", r"/.*", 401, {"WWW-Authenticate": 'Basic realm="other"'})
        name = written.replace("OTHER", other.host)
        hostile.push(plain_image({BASE_NAME: name, BASE_DIGEST: OLD_BASE}), kind)
        panel = look_at(qtbot, window, hostile, kind)
        assert panel.report is not None
        rows_ = window.inspector.summary.supply
        assert rows_.base_row.isVisibleTo(window)
        unasked = [(r.method, r.path) for r in other.requests]
        assert unasked == [], (kind, unasked)  # nothing sent there before the click
        assert_plain_and_bounded(window)
        if rows_.check.isVisibleTo(window):
            assert kind in ("url", "other-registry"), kind
            rows_.check.click()
            note = rows_.base_note
            qtbot.waitUntil(lambda: bool(note.text()), timeout=10_000)  # noqa: B023
            assert_typed_sentence(note.text())
            assert [r.method for r in other.requests if r.path_only != "/v2/"] == ["HEAD"]
        else:
            assert kind in ("backslash-host", "10-kB"), kind
            assert not rows_.open.isEnabled()
        assert_no_secret(window, other)


def test_a_base_check_answered_after_the_image_changed_is_dropped(
    qtbot: QtBot, window: MainWindow, hostile: Hostile, other_fake_server: FakeServer
) -> None:
    other = other_fake_server
    answered = threading.Event()

    def slow(_req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.5)
        answered.set()
        return 200, {"Docker-Content-Digest": "sha256:" + "e" * 64,
                     "Content-Type": OCI_MANIFEST}, b""  # fmt: skip

    other.route("*", r"/v2/x/manifests/1", slow)
    hostile.push(plain_image({BASE_NAME: f"{other.host}/x:1", BASE_DIGEST: OLD_BASE}), "v1")
    hostile.push(plain_image({BASE_NAME: "127.0.0.3:9/y:1", BASE_DIGEST: OLD_BASE}), "v2")
    look_at(qtbot, window, hostile, "v1")
    rows_ = window.inspector.summary.supply
    rows_.check.click()
    look_at(qtbot, window, hostile, "v2")
    assert answered.wait(5)
    qtbot.wait(300)
    assert "since this was built" not in rows_.base_note.text(), rows_.base_note.text()
    assert rows_.base.text().startswith("127.0.0.3:9/y:1"), rows_.base.text()
    assert not rows_.open_current.isVisibleTo(window)


def test_a_cross_host_redirect_on_the_base_images_head_carries_no_password(
    qtbot: QtBot, window: MainWindow, hostile: Hostile, other_fake_server: FakeServer
) -> None:
    other = other_fake_server
    moved = "sha256:" + "e" * 64
    other.reply("*", r"/v2/base/manifests/1", 200,
                {"Docker-Content-Digest": moved, "Content-Type": OCI_MANIFEST})  # fmt: skip

    def redirect(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        if req.header("Authorization") != f"Basic {BASIC}":
            return 401, {"WWW-Authenticate": 'Basic realm="hostile"'}, b""
        return 307, {"Location": f"{other.url}/v2/base/manifests/1"}, b""

    hostile.server.route("*", r"/v2/base/manifests/1", redirect)
    name = f"{hostile.host}/base:1"  # the image's own registry: checked at once
    hostile.push(plain_image({BASE_NAME: name, BASE_DIGEST: OLD_BASE}), "v1")
    look_at(qtbot, window, hostile)
    rows_ = window.inspector.summary.supply
    qtbot.waitUntil(lambda: "checking" not in rows_.base_note.text(), timeout=10_000)
    assert_typed_sentence(rows_.base_note.text())
    assert_no_secret(window, other)


def test_a_base_tag_answered_with_a_digest_that_is_not_one_is_a_sentence(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    """The registry's HEAD names, as the tag's digest, 71 characters that are no digest (markup,
    a path): said as "did not say which digest", never shown as the base's new digest nor
    fetched."""
    bogus = "sha256:<img src=x>/../../v2/_catalog" + "Z" * 35
    assert len(bogus) == 71
    for number, media in enumerate((OCI_MANIFEST, OCI_INDEX)):
        hostile.server.reply("HEAD", r"/v2/base/manifests/1", 200,
                             {"Docker-Content-Digest": bogus, "Content-Type": media})  # fmt: skip
        name = f"{hostile.host}/base:1"
        tag = f"v{number}"
        hostile.push(plain_image({BASE_NAME: name, BASE_DIGEST: OLD_BASE, "n": tag}), tag)
        look_at(qtbot, window, hostile, tag)
        rows_ = window.inspector.summary.supply
        note = rows_.base_note.text()
        assert "did not say which digest" in note, note
        assert "<img" not in note and not rows_.open_current.isVisibleTo(window)
        assert not any("_catalog" in r.path or "ZZZZ" in r.path for r in hostile.server.requests)


def test_a_slow_walk_for_one_image_never_lands_on_the_next(
    qtbot: QtBot, window: MainWindow, hostile: Hostile
) -> None:
    """A's referrers take half a second; B is inspected meanwhile: B's tree and line stay B's."""
    a = hostile.push(plain_image({"n": "a"}), "a")
    b = hostile.push(plain_image({"n": "b"}), "b")
    kind = "application/vnd.h4.from-a"
    hostile.attach(referrer(REPO, a, [], artifact_type=kind), a.digest)
    served = threading.Event()

    def slow(req: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        time.sleep(0.5)
        served.set()
        index = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": hostile.referrers[a.digest],
        }
        return 200, {"Content-Type": OCI_INDEX}, json.dumps(index).encode()

    hostile.server.route("GET", rf"/v2/{REPO}/referrers/{a.digest}", slow)
    window.store.session_only(hostile.host, Credentials(USER, PASSWORD))
    window.preferences.set_supply_auto(True)
    inspect(qtbot, window, hostile.ref("a"))
    panel = look_at(qtbot, window, hostile, "b")
    assert served.wait(5)
    qtbot.wait(300)
    assert panel.inspection is not None and panel.inspection.top.digest == b.digest
    assert len(tree_rows(panel)) == 1 and b.digest[:19] in tree_rows(panel)[0][1][0]
    assert window.inspector.summary.supply.line.text() == "no signatures, SBOMs or provenance found"


# -- Docker Hub ------------------------------------------------------------------------------
def test_on_docker_hub_nothing_is_walked_until_look_now(
    qtbot: QtBot, window: MainWindow, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    from acr_desktop import supply_report as module

    hostile.push(plain_image(), "v1")
    panel = look_at(qtbot, window, hostile)
    ins = panel.inspection
    assert ins is not None
    hub = replace(ins.reference, registry=DOCKER_HUB)
    top = replace(ins.top, reference=replace(ins.top.reference, registry=DOCKER_HUB))
    on_hub = replace(ins, reference=hub, top=top)
    walks: list[Any] = []
    real = module.supply_report

    def counted(client: Any, asked: Any, *args: Any, **kwargs: Any) -> Any:
        walks.append(asked)
        return real(client, ins, *args, **kwargs)  # the fake server, not Docker Hub

    monkeypatch.setattr(module, "supply_report", counted)
    asked = len(hostile.server.requests)
    window.inspector.tabs.setCurrentIndex(0)  # not the Referrers tab
    panel.show_inspection(on_hub)
    qtbot.wait(200)
    assert walks == [] and len(hostile.server.requests) == asked
    assert panel.headline.text() == NOT_LOOKED and panel.look_button.isVisibleTo(panel)
    panel.look_button.click()
    qtbot.waitUntil(lambda: settled(panel), timeout=10_000)
    assert walks == [on_hub]
    assert panel.report is not None
