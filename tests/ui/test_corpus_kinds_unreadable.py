"""Bytes a registry sends that cannot be read as their kind of manifest (containers/image's test
data has a config digest of ""): the window shows them as received — digest, exact bytes, why —
as `--raw` prints them, and an index entry whose manifest cannot be read is flagged on its row
beside the index. No registry stores such a manifest, so the fake server sends it."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from acr_desktop.inspection import Inspection
from acr_desktop.registry.manifest import MalformedManifest
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.models import UNREADABLE_ENTRY, PlatformsModel
from tests.rig import FakeServer
from tests.rig.content import OCI_INDEX, OCI_MANIFEST, sha256
from tests.ui.test_kinds_window import click_row, texts
from tests.ui.test_main_window import inspect

SHOTS = "/tmp/team/H-"


def unreadable_image(size: int) -> bytes:
    """An image manifest whose config digest is "" (`size` tells two of them apart)."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "",
                       "size": size},
            "layers": [],
        },
        separators=(",", ":"),
    ).encode()  # fmt: skip


def serve(server: FakeServer, path: str, media_type: str, body: bytes) -> None:
    headers = {"Content-Type": media_type, "Docker-Content-Digest": sha256(body)}
    server.reply("GET", rf"/v2/odd/app/manifests/{path}", 200, headers, body)


def test_unreadable_manifest_is_shown_as_received(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    body = unreadable_image(2)
    serve(fake_server, "v1", OCI_MANIFEST, body)
    ins = inspect(qtbot, window, f"{fake_server.host}/odd/app:v1")
    summary = window.inspector.summary
    assert ins.top.raw == body
    assert summary.digest.digest.text() == sha256(body)  # as skopeo manifest-digest says
    assert summary.kind.text() == "OCI image manifest — cannot be read, shown as received"
    assert "config has a bad digest" in summary.warnings.text()
    assert window.inspector.documents() == [("Manifest", body)]
    assert window.inspector.layers_total.text() == (
        "No layers: the manifest cannot be read (the note above says why); its exact bytes "
        "are shown."
    )
    assert window.message_bar.isHidden()
    qtbot.wait(50)
    window.grab().save(f"{SHOTS}unreadable-manifest.png")


def test_unreadable_entry_is_flagged_beside_its_index(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    amd64, arm64 = unreadable_image(2), unreadable_image(3)
    entries = [
        {"mediaType": OCI_MANIFEST, "digest": sha256(body), "size": len(body),
         "platform": {"os": "linux", "architecture": arch}}
        for body, arch in ((amd64, "amd64"), (arm64, "arm64"))
    ]  # fmt: skip
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
    serve(fake_server, "multi", OCI_INDEX, index)
    for body in (amd64, arm64):
        serve(fake_server, sha256(body), OCI_MANIFEST, body)
    ins = inspect(qtbot, window, f"{fake_server.host}/odd/app:multi")
    inspector = window.inspector
    assert ins.top.raw == index and inspector.summary.digest.digest.text() == sha256(index)
    assert isinstance(ins.missing_child, MalformedManifest)  # the index is shown, not an error
    assert window.message_bar.isHidden()
    assert inspector.platforms_model.rowCount() == 2
    chosen = 0 if ins.platform_entry and ins.platform_entry.digest == sha256(amd64) else 1
    other = 1 - chosen
    for shown in (chosen, other):
        if shown == other:
            ins = click_row(qtbot, window, inspector.platforms, other)
            assert isinstance(ins, Inspection) and isinstance(ins.missing_child, MalformedManifest)
        arch = ("amd64", "arm64")[shown]
        cells = texts(inspector.platforms)
        assert cells[shown] == "linux ⚠ unreadable"
        assert cells[1 - shown] == "linux"
        tip = inspector.platforms_model.index(shown, PlatformsModel.COL_OS).data(
            Qt.ItemDataRole.ToolTipRole
        )
        assert tip == UNREADABLE_ENTRY
        assert inspector.summary.platform_digest.mark.text().endswith("⚠ cannot be read</span>")
        assert f"The manifest of linux/{arch} (" in inspector.summary.warnings.text()
        assert "was received but cannot be read" in inspector.layers_total.text()
    qtbot.wait(50)
    window.grab().save(f"{SHOTS}unreadable-entry.png")
