"""Content for the inspector's tests (no tests here): an index of nine platforms with an
attestation, pushed under "insp/nine" and under a reference of 300 characters, with referrers
of the index and of its arm64 image (referrers-tag fallback indexes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from acr_desktop.inspection import Inspection, inspect
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.platforms import Platform
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.transport import Transport
from acr_desktop.ui.inspector import Inspector
from tests.rig import Manifest, Registry
from tests.rig.content import _push_manifest, artifact, attestation, image, index

REPOSITORY = "insp/nine"
# A deep repository path: with the registry, a long tag and the digest, 300 characters.
LONG_REPOSITORY = "insp/" + "/".join(f"level-{n:02d}-of-a-deep-repository-path" for n in range(4))
ARCHES = (
    ("amd64", None),
    ("arm64", "v8"),
    ("arm", "v7"),
    ("arm", "v6"),
    ("386", None),
    ("ppc64le", None),
    ("s390x", None),
    ("riscv64", None),
    ("mips64le", None),
)
ARM64 = Platform("linux", "arm64", "v8")
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


@dataclass
class Nine:
    registry: Registry
    index: Manifest
    images: list[Manifest]
    index_referrer: Manifest  # an SBOM of the index
    arm64_referrer: Manifest  # an SBOM of the arm64 image
    long_reference: str  # 300 characters, the same index

    @property
    def arm64(self) -> Manifest:
        return self.images[1]

    def reference(self, tag: str = "nine") -> str:
        return f"{self.registry.host}/{REPOSITORY}:{tag}"


def nine_index(repository: str) -> tuple[Manifest, list[Manifest]]:
    images = [image(repository, f"nine-{a}{v or ''}", a, v, docker=False) for a, v in ARCHES]
    return index(repository, [*images, attestation(repository, images[0])], docker=False), images


def _push_referrer(session: requests.Session, registry: Registry, referrer: Manifest,
                   subject: Manifest, pushed: set[tuple[str, str]]) -> None:  # fmt: skip
    """`referrer` and the `sha256-<hex>` tag that lists it (the referrers tag schema)."""
    _push_manifest(session, registry.url, referrer, referrer.digest, pushed)
    listing = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": referrer.media_type, "digest": referrer.digest, "size": referrer.size,
         "artifactType": "application/spdx+json"}]}  # fmt: skip
    tag = subject.digest.replace(":", "-")
    put = session.put(
        f"{registry.url}/v2/{REPOSITORY}/manifests/{tag}",
        data=json.dumps(listing),
        headers={"Content-Type": OCI_INDEX},
        timeout=10,
    )
    assert put.status_code == 201, put.text


@pytest.fixture(scope="module")
def nine(anon_registry: Registry) -> Nine:
    idx, images = nine_index(REPOSITORY)
    deep, _ = nine_index(LONG_REPOSITORY)
    long_tag = "release-candidate-" + "x" * 40
    pushed: set[tuple[str, str]] = set()
    by_index, by_arm64 = artifact(REPOSITORY, idx), artifact(REPOSITORY, images[1])
    with requests.Session() as session:
        _push_manifest(session, anon_registry.url, idx, "nine", pushed)
        _push_manifest(session, anon_registry.url, deep, long_tag, pushed)
        _push_referrer(session, anon_registry, by_index, idx, pushed)
        _push_referrer(session, anon_registry, by_arm64, images[1], pushed)
    long_reference = f"{anon_registry.host}/{LONG_REPOSITORY}:{long_tag}@{deep.digest}"
    assert len(long_reference) >= 290, len(long_reference)
    return Nine(anon_registry, idx, images, by_index, by_arm64, long_reference)


def client() -> RegistryClient:
    return RegistryClient(Transport(timeout=(5.0, 10.0)))


def inspected(text: str, wanted: Platform | None = ARM64) -> Inspection:
    return inspect(client(), parse_reference(text), wanted)


@pytest.fixture
def inspector(qtbot: QtBot) -> Iterator[Inspector]:
    widget = Inspector()
    qtbot.addWidget(widget)
    widget.resize(960, 640)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def pick_from_popup(text: str, seen: list[list[str]] | None = None) -> None:
    """When a popup menu opens (its exec() blocks), trigger its action `text` (a submenu's too,
    as "Submenu/Action"); `seen` gets the texts of the menu that opened."""

    tries = [100]

    def act() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            tries[0] -= 1
            if tries[0] > 0:
                QTimer.singleShot(20, act)  # not open yet
            return
        if seen is not None:
            seen.append([a.text() for a in menu.actions()])
        first, _, rest = text.partition("/")
        action = next(a for a in menu.actions() if a.text() == first)
        sub = action.menu()
        if rest and isinstance(sub, QMenu):
            action = next(a for a in sub.actions() if a.text() == rest)
        menu.close()
        action.trigger()

    QTimer.singleShot(0, act)
