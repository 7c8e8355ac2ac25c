"""The message bar shows the registry's correlation id under the sentence (small, selectable,
plain text) with a "Copy id" button; a refused inspect on an ACR-like fake carries it there, and
the sentence names the missing permission. Hostile ids never show raw; keyboard only works."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot
from requests.structures import CaseInsensitiveDict

from acr_desktop.registry import errors
from acr_desktop.registry.problems import RequestContext, error_for
from acr_desktop.registry.sending import Response
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.message_bar import MessageBar
from acr_desktop.ui.messages import NextStep, catalog_wall, describe
from tests.rig import FakeServer

SHOTS = Path("/tmp/team/shots")
CID = "7f3c2a1b-9d8e-4f60-a1b2-c3d4e5f60718"
ACR_MESSAGE = (
    "authentication required, visit https://aka.ms/acr/authorization for more information."
)


def refused(cid: str, status: int = 403) -> errors.RegistryError:
    body = json.dumps(
        {
            "errors": [
                {
                    "code": "DENIED",
                    "message": ACR_MESSAGE,
                    "detail": [{"Type": "repository", "Name": "team/app", "Action": "pull"}],
                }
            ]
        }
    ).encode()
    headers = CaseInsensitiveDict({"X-Ms-Correlation-Request-Id": cid})
    resp = Response(status, headers, body, "https://myreg.azurecr.io/v2/team/app/manifests/1")
    ctx = RequestContext("myreg.azurecr.io", "manifest", "team/app", "1.0")
    return error_for(resp, ctx, username="alice@contoso.com")


def shot(widget: MessageBar | MainWindow, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(SHOTS / f"B-{name}.png"))


def test_the_id_shows_under_the_sentence_and_copies(qtbot: QtBot) -> None:
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.resize(760, 120)
    exc = refused(CID)
    message = describe(exc)
    assert message.correlation_id == CID
    bar.show_message(message)
    bar.show()
    assert bar.id_row.isVisible()
    assert bar.correlation.text() == f"Correlation id: {CID}"
    assert bar.correlation.textFormat() == Qt.TextFormat.PlainText
    flags = bar.correlation.textInteractionFlags()
    assert flags & Qt.TextInteractionFlag.TextSelectableByMouse
    assert bar.correlation.font().pointSizeF() < bar.label.font().pointSizeF()
    assert "Your sign-in lacks pull on repository team/app." in bar.text()
    assert "ask for AcrPull" in bar.text()
    with qtbot.waitSignal(bar.id_copied) as copied:
        qtbot.mouseClick(bar.copy_id, Qt.MouseButton.LeftButton)
    assert copied.args == [CID]
    assert QGuiApplication.clipboard().text() == CID
    shot(bar, "message-correlation-id")


def test_keyboard_only_copy(qtbot: QtBot) -> None:
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message(describe(refused("kbd-id-42")))
    bar.show()
    QGuiApplication.clipboard().setText("")
    bar.copy_id.setFocus()
    qtbot.waitUntil(bar.copy_id.hasFocus)
    with qtbot.waitSignal(bar.id_copied):
        qtbot.keyClick(bar.copy_id, Qt.Key.Key_Space)
    assert QGuiApplication.clipboard().text() == "kbd-id-42"


def test_no_id_no_row(qtbot: QtBot) -> None:
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message(describe(refused(CID)))
    bar.show()
    bar.show_message(describe(errors.ServerError("It failed.")))
    assert not bar.id_row.isVisible()
    assert bar.correlation_id() == ""
    QGuiApplication.clipboard().setText("before")
    bar._copy_id()  # nothing to copy: the clipboard stays
    assert QGuiApplication.clipboard().text() == "before"


def test_a_long_hostile_id_is_bounded_and_plain(qtbot: QtBot) -> None:
    hostile = "<b>bold</b>\u202e\x1b[31m" + "9" * 5000
    exc = refused(hostile)
    assert exc.correlation_id is not None
    assert len(exc.correlation_id) <= 64
    assert exc.correlation_id.isprintable()
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.resize(520, 140)
    bar.show_message(describe(exc))
    bar.show()
    text = bar.correlation.text()
    assert text.startswith("Correlation id: <b>bold</b>")  # shown as typed, never as markup
    assert "\u202e" not in text and "\x1b" not in text
    assert bar.correlation.textFormat() == Qt.TextFormat.PlainText
    assert bar.sizeHint().width() < 4000
    with qtbot.waitSignal(bar.id_copied):
        qtbot.mouseClick(bar.copy_id, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == exc.correlation_id
    shot(bar, "message-hostile-id")


def test_a_refused_inspect_shows_the_id_in_the_window(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    body = json.dumps(
        {
            "errors": [
                {
                    "code": "DENIED",
                    "message": ACR_MESSAGE,
                    "detail": [
                        {"Type": "repository", "Name": "team/app", "Action": "pull"},
                        {"Type": "repository", "Name": "team/app", "Action": "metadata_read"},
                    ],
                }
            ]
        }
    )
    fake_server.reply(
        "GET",
        r"/v2/team/app/manifests/1.0",
        403,
        {"Content-Type": "application/json", "X-Ms-Correlation-Request-Id": CID},
        body,
    )
    with qtbot.waitSignal(window.failed, timeout=10_000) as failed:
        window.inspect_text(f"{fake_server.host}/team/app:1.0")
    exc = failed.args[0]
    assert isinstance(exc, errors.AccessDenied)
    assert exc.correlation_id == CID
    bar = window.message_bar
    qtbot.waitUntil(bar.isVisible)
    assert bar.correlation_id() == CID
    assert bar.id_row.isVisible()
    assert bar.action.text() == NextStep.SIGN_IN.value
    shot(window, "window-correlation-id")


def test_catalog_wall_words() -> None:
    denied = errors.AccessDenied(
        "Refused.", missing=(errors.Permission("registry", "catalog", "*"),)
    )
    acr = catalog_wall(denied, acr=True)
    assert acr.startswith("This sign-in cannot list the registry's repositories. Open a")
    assert errors.CATALOG_ROLE in acr and "Refused." not in acr
    other = catalog_wall(
        errors.AuthenticationRequired(
            "r requires you to sign in.", registry="r", had_credentials=False
        ),
        acr=False,
    )
    assert "(r requires you to sign in.)" in other
    assert errors.CATALOG_ROLE not in other
    empty = catalog_wall(None, acr=True)
    assert empty.startswith("The registry listed no repositories: it may be empty")
    assert errors.CATALOG_ROLE in empty
    assert catalog_wall(None, acr=False).endswith("the catalog permission.")


def test_the_navigator_explains_the_acr_catalog_wall(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    body = json.dumps(
        {
            "errors": [
                {
                    "code": "UNAUTHORIZED",
                    "message": ACR_MESSAGE,
                    "detail": [{"Type": "registry", "Name": "catalog", "Action": "*"}],
                }
            ]
        }
    )
    fake_server.reply(
        "GET", r"/v2/_catalog", 403, {"Content-Type": "application/json"}, body.encode()
    )
    nav = window.navigator
    nav.load_repositories(fake_server.host)
    qtbot.waitUntil(lambda: errors.CATALOG_ROLE in nav.repo_status.text(), timeout=10_000)
    text = nav.repo_status.text()
    assert text.startswith("This sign-in cannot list the registry's repositories. Open a")
    assert "scope map covers all repositories (*)" in text
    shot(window, "navigator-catalog-wall")
