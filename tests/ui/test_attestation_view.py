"""The Referrers tab's detail pane (ui/attestation_view.py) through real widgets: what a signature
claims under its "present, not verified" badge, a provenance document with 1,000 materials,
any other kind's fields, hints and problems; hostile text shown as text, long values wrapped
without widening the window; then a signature and an SLSA v1 provenance read from
`layers_registry`."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from acr_desktop.registry.attached import read_provenance
from acr_desktop.registry.auth import Credentials
from acr_desktop.registry.client import RegistryClient
from acr_desktop.registry.provenance import Provenance
from acr_desktop.registry.reference import parse_reference
from acr_desktop.registry.signatures import SignatureClaims, signature_claims
from acr_desktop.ui import colours
from acr_desktop.ui.attestation_view import (
    BREAK,
    NOT_VERIFIED_BADGE,
    NOTHING,
    DetailsPane,
    MaterialsModel,
    ValueLabel,
    breakable,
)
from acr_desktop.ui.roles import OBJECT_ROLE
from acr_desktop.ui.theme import apply_theme
from tests.rig import ALICE_PASSWORD, ALICE_USER, Registry
from tests.rig import supply as rig

DIGEST = "sha256:" + "ab12" * 16
COMMIT = "0123456789abcdef0123456789abcdef01234567"
BIDI = "evil\u202egnp.exe\x1b[31m"
PURL = "pkg:npm/%40scope/" + "very-long-name-" * 19 + "x@1.0.0"  # ~300 characters
BUILDER = "https://builder.example/" + "b" * 376  # 400 characters, no space to wrap at


def claims(**changes: object) -> SignatureClaims:
    fields: dict[str, object] = {
        "format": "sigstore-bundle",
        "subject": "alice@example.com",
        "issuer": "https://accounts.example.com via sigstore-intermediate",
        "signed_at": "2024-01-02 03:05 UTC (Rekor)",
        "transparency_log": "Rekor entry 12345679",
        "signed_digest": DIGEST,
        "notes": (),
    }
    return SignatureClaims(**(fields | changes))  # type: ignore[arg-type]


def provenance(count: int = 3, **changes: object) -> Provenance:
    fields: dict[str, object] = {
        "predicate": "https://slsa.dev/provenance/v1",
        "builder": "https://github.com/docker/buildx",
        "source_repo": "https://github.com/example/app",
        "source_commit": COMMIT,
        "started": "2024-01-02T03:04:05Z",
        "finished": "2024-01-02T03:09:41Z",
        "parameters": (
            ("target", "release"),
            ("platform", "linux/amd64"),
            ("build-arg:GO_VERSION", "1.22"),
        ),
        "materials": tuple((f"pkg:docker/alpine@3.{n}", f"sha256:{n:064x}") for n in range(count)),
        "notice": None,
    }
    return Provenance(**(fields | changes))  # type: ignore[arg-type]


@pytest.fixture
def pane(qtbot: QtBot) -> DetailsPane:
    widget = DetailsPane()
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    return widget


def shown_texts(pane: DetailsPane) -> list[str]:
    return [label.text().replace(BREAK, "") for label in pane.body.findChildren(QLabel)]


def copy_button(pane: DetailsPane) -> QToolButton:
    (button,) = pane.body.findChildren(QToolButton)
    return button


def test_a_hint_loading_and_a_problem(pane: DetailsPane) -> None:
    assert shown_texts(pane) == [NOTHING]
    (hint,) = pane.body.findChildren(QLabel)
    assert hint.foregroundRole() == QPalette.ColorRole.PlaceholderText
    pane.show_loading("Reading the signature…")
    assert shown_texts(pane) == ["Reading the signature…"]
    pane.show_problem("The registry said: <img src='file:///dev/zero'> " + BIDI)
    (problem,) = pane.body.findChildren(QLabel)
    assert problem.textFormat() == Qt.TextFormat.PlainText
    assert shown_texts(pane) == [
        "The registry said: <img src='file:///dev/zero'> evil⟨U+202E⟩gnp.exe⟨U+001B⟩[31m"
    ]
    assert colours.warning() in problem.styleSheet()
    assert not pane.materials_box.isVisible() and pane.fields() == {}


def test_a_signature_is_its_claims_under_the_not_verified_badge(
    pane: DetailsPane, qtbot: QtBot
) -> None:
    note = "It was made with a key, not a certificate: it does not name a signer."
    pane.show_signature(claims(notes=(note, "The TSA timestamp could not be read.")))
    assert pane.fields() == {
        "Format": "Sigstore bundle",
        "Signed by": "alice@example.com",
        "Issuer": "https://accounts.example.com via sigstore-intermediate",
        "Signed at (as claimed)": "2024-01-02 03:05 UTC (Rekor)",
        "Transparency log": "Rekor entry 12345679",
        "Signed digest": DIGEST,
        "Notes": f"{note}\nThe TSA timestamp could not be read.",
    }
    texts = shown_texts(pane)
    assert texts[:2] == ["Sigstore bundle signature", NOT_VERIFIED_BADGE]
    badge = pane.body.findChildren(QLabel)[1]
    assert colours.warning() in badge.styleSheet() and "border" in badge.styleSheet()
    # never "verified" alone: each time the word appears, it is "not verified"
    words = " ".join(texts).lower()
    assert words.count("verified") == words.count("not verified") == 1
    with qtbot.waitSignal(pane.copied) as copied:
        copy_button(pane).click()
    assert copied.args == [DIGEST]
    assert QGuiApplication.clipboard().text() == DIGEST

    pane.show_signature(claims(format="notation", subject=None, issuer=None, signed_at=None,
                               transparency_log=None, signed_digest=None))  # fmt: skip
    assert pane.fields() == {
        "Format": "Notation",
        "Signed by": "—",
        "Issuer": "—",
        "Signed at (as claimed)": "—",
        "Transparency log": "—",
        "Signed digest": "—",
    }
    assert not pane.body.findChildren(QToolButton)  # nothing to copy
    pane.show_signature(claims(format="cosign"))
    assert shown_texts(pane)[0] == "cosign signature"


def test_provenance_with_parameters_notice_and_1000_materials(
    pane: DetailsPane, qtbot: QtBot
) -> None:
    notice = "Showing 1,000 of 1,204 materials."
    pane.show_provenance(provenance(1000, notice=notice))
    fields = pane.fields()
    assert {k: fields[k] for k in ("Builder", "Source", "Commit", "Predicate type")} == {
        "Builder": "https://github.com/docker/buildx",
        "Source": "https://github.com/example/app",
        "Commit": COMMIT,
        "Predicate type": "https://slsa.dev/provenance/v1",
    }
    assert re.fullmatch(r"2024-01-0[12] \d\d:\d\d", fields["Started"])  # local time
    assert fields["target"] == "release" and fields["build-arg:GO_VERSION"] == "1.22"
    texts = shown_texts(pane)
    assert texts[:2] == ["SLSA provenance v1", notice] and "Build parameters" in texts
    assert pane.materials_box.isVisible()
    assert pane.materials_title.text() == "Materials (1,000)"
    table = pane.materials
    assert table.model().rowCount() == 1000
    table.sort_by(MaterialsModel.COL_DIGEST, Qt.SortOrder.DescendingOrder)
    first = table.model().index(0, MaterialsModel.COL_DIGEST)
    assert first.data() == f"sha256:{999:064x}"
    table.selectRow(0)
    with qtbot.waitSignal(table.copied) as copied:
        table.copy_default()  # Ctrl+C: the first action, "Copy digest"
    assert copied.args == [f"sha256:{999:064x}"]
    assert [label for label, _ in table.copy_actions] == [
        "Copy digest", "Copy URI", "Copy URI and digest"]  # fmt: skip
    assert table.copy_actions[2][1]([first.data(OBJECT_ROLE)]) == [
        f"pkg:docker/alpine@3.999 sha256:{999:064x}"
    ]
    with qtbot.waitSignal(pane.copied) as copied:
        copy_button(pane).click()
    assert copied.args == [COMMIT]

    pane.show_node("Helm chart", [("Artifact type", "application/vnd.cncf.helm.config.v1+json")])
    assert not pane.materials_box.isVisible() and pane.materials_model.rowCount() == 0
    pane.show_provenance(provenance(0, parameters=(), source_commit=None, started=None))
    assert pane.fields()["Materials"] == "none listed" and pane.fields()["Started"] == "—"
    assert not pane.materials_box.isVisible() and "Build parameters" not in shown_texts(pane)


def test_the_warning_colours_follow_the_scheme(qapp: QApplication, pane: DetailsPane) -> None:
    pane.show_signature(claims())
    badge = pane.body.findChildren(QLabel)[1]
    light = colours.warning()
    assert light in badge.styleSheet()
    try:
        apply_theme(qapp, "dark")
        assert colours.warning() != light and colours.warning() in badge.styleSheet()
    finally:
        apply_theme(qapp, "system")
    assert light in badge.styleSheet()


def test_any_other_kind_is_a_title_and_its_fields(pane: DetailsPane) -> None:
    rows = [("Artifact type", "application/vnd.azure.artifact.streaming.v1"),
            ("Digest", DIGEST), ("Annotations", "k=v, streaming.format=v1")]  # fmt: skip
    pane.show_node("ACR artifact streaming", rows)
    assert shown_texts(pane)[0] == "ACR artifact streaming"
    assert pane.fields() == dict(rows)
    assert copy_button(pane).accessibleName() == "Copy the digest"


def test_hostile_text_is_shown_as_text_and_long_values_wrap(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    pane = DetailsPane()
    QVBoxLayout(parent).addWidget(pane)
    parent.resize(600, 500)
    parent.show()
    pane.show_provenance(
        provenance(
            builder=BUILDER,
            source_repo="<b>x</b> " + BIDI,
            parameters=(("build-arg:" + "K" * 90, PURL), ("<i>key</i>", "<b>x</b>")),
            materials=((PURL, DIGEST), ("<b>x</b>" + BIDI, "")),
        )
    )
    qtbot.wait(1)  # the layout settles
    assert pane.minimumSizeHint().width() < 500
    assert parent.minimumSizeHint().width() < 500
    assert parent.width() == 600
    assert not pane.area.horizontalScrollBar().isVisible()
    fields = pane.fields()
    assert fields["Builder"] == BUILDER  # whole, wrapped rather than cut
    assert fields["Source"] == "<b>x</b> evil⟨U+202E⟩gnp.exe⟨U+001B⟩[31m"
    assert fields["<i>key</i>"] == "<b>x</b>"
    assert fields["build-arg:" + "K" * 90] == PURL
    (name,) = [x for x in pane.body.findChildren(QLabel) if x.text().startswith("build-arg:")]
    assert name.text() == "build-arg:KKKK…" + "K" * 14 + ":"  # cut; the tooltip has it whole
    assert "K" * 90 in name.toolTip()
    for label in pane.body.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.width() <= pane.width()
        assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    builder = next(v for v in pane.body.findChildren(ValueLabel) if v.value == BUILDER)
    assert builder.height() > 3 * builder.fontMetrics().height()  # several lines
    model = pane.materials_model
    assert model.index(1, 0).data() == "<b>x</b>evil⟨U+202E⟩gnp.exe⟨U+001B⟩[31m"
    assert model.index(1, 1).data() == "—"

    pane.show_signature(claims(subject="<b>x</b> " + BIDI, notes=(PURL,)))
    assert pane.fields()["Signed by"] == "<b>x</b> evil⟨U+202E⟩gnp.exe⟨U+001B⟩[31m"
    assert pane.fields()["Notes"] == PURL
    assert pane.minimumSizeHint().width() < 500


def test_copying_a_selection_leaves_the_wrap_points_out(qtbot: QtBot, pane: DetailsPane) -> None:
    assert BREAK in breakable(BUILDER) and breakable("alice@example.com") == "alice@example.com"
    assert breakable(BUILDER).replace(BREAK, "") == BUILDER
    pane.show_node("Artifact", [("Builder", BUILDER)])
    (label,) = [v for v in pane.body.findChildren(ValueLabel) if v.value == BUILDER]
    label.setSelection(0, len(label.text()))
    label.setFocus()
    with qtbot.waitSignal(pane.copied) as copied:
        qtbot.keySequence(label, QKeySequence.StandardKey.Copy)
    assert copied.args == [BUILDER] and QGuiApplication.clipboard().text() == BUILDER


def test_the_value_menu_copies_the_selection_or_all(qtbot: QtBot, pane: DetailsPane) -> None:
    pane.show_node("Artifact", [("Digest", DIGEST)])
    (label,) = [v for v in pane.body.findChildren(ValueLabel) if v.value == DIGEST]
    seen: list[list[tuple[str, bool]]] = []

    def pick() -> None:  # the menu's exec() blocks: act once it is open
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, pick)
            return
        seen.append([(a.text(), a.isEnabled()) for a in menu.actions()])
        menu.close()
        menu.actions()[-1].trigger()  # "Copy all"

    QTimer.singleShot(0, pick)
    at = QPoint(1, 1)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, at, label.mapToGlobal(at))
    with qtbot.waitSignal(pane.copied) as copied:
        QApplication.sendEvent(label, event)
    assert seen == [[("Copy", False), ("Copy all", True)]] and copied.args == [DIGEST]


# -- from the registry ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def supply(layers_registry: Registry) -> rig.Supply:
    return rig.push_supply(layers_registry, "supply/ui-details")


def test_a_real_signature_and_provenance_shown(pane: DetailsPane, supply: rig.Supply) -> None:
    client = RegistryClient()
    client.transport.set_credentials(supply.registry, Credentials(ALICE_USER, ALICE_PASSWORD))
    subject = client.get_manifest(parse_reference(supply.ref("image"))).reference
    found = {d.digest: d for d in client.referrers(subject).descriptors}

    pane.show_signature(signature_claims(client, subject, found[supply["cosign-tag"].digest]))
    fields = pane.fields()
    assert fields["Format"] == "cosign" and fields["Signed by"] == rig.SIGNER_EMAIL
    assert fields["Signed digest"] == supply["image"].digest
    assert fields["Transparency log"] == f"Rekor entry {rig.REKOR_LOG_INDEX}"
    assert NOT_VERIFIED_BADGE in shown_texts(pane)

    pane.show_provenance(read_provenance(client, subject, found[supply["provenance"].digest]))
    fields = pane.fields()
    assert shown_texts(pane)[0] == "SLSA provenance v1"
    assert fields["Builder"] == rig.BUILDER_ID and fields["Commit"] == rig.SOURCE_COMMIT
    assert fields["Source"] == rig.SOURCE_REPO
    assert pane.materials_model.rowCount() >= 1 and pane.materials_box.isVisible()
