"""What a registry says is data, never markup, and never a secret: an error message full of HTML
is shown literally (and the app keeps working), and a secret the server quotes back reaches
neither the message bar nor the crash dialog."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from acr_desktop.registry import mediatypes as mt
from acr_desktop.registry.auth import Credentials
from acr_desktop.ui.exception_hooks import ExceptionReporter, crash_report
from acr_desktop.ui.main_window import MainWindow
from acr_desktop.ui.plain import tooltip
from tests.rig import FakeRequest, FakeServer
from tests.rig.fake_server import Response, error_body

MARKUP = '<h1>Big</h1><img src="file:///dev/zero"><a href="x">link</a>'
SCREENSHOT = Path("/tmp/team/h2b-markup.png")
CONFIG = b'{"architecture":"amd64","os":"linux","config":{}}'
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": {
            "mediaType": mt.OCI_CONFIG,
            "digest": "sha256:" + hashlib.sha256(CONFIG).hexdigest(),
            "size": len(CONFIG),
        },
        "layers": [],
    }
).encode()


def failing_with_markup(server: FakeServer) -> None:
    server.reply("GET", r"/v2/", 200, {"Docker-Distribution-API-Version": "registry/2.0"})
    body = error_body("UNKNOWN", MARKUP)
    for path in (r"/v2/.+", r"/acr/v1/.+"):
        server.reply("*", path, 500, {"Content-Type": "application/json"}, body)
    server.reply_json("GET", r"/v2/_catalog", 200, {"repositories": [MARKUP, "app"]})


def assert_literal(label: QLabel) -> None:
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert MARKUP in label.text()


def test_markup_in_a_registry_error_is_shown_as_text(
    qtbot: QtBot, window: MainWindow, fake_server: FakeServer
) -> None:
    failing_with_markup(fake_server)
    with qtbot.waitSignal(window.failed, timeout=10_000):
        window.reference_bar.setText(f"{fake_server.host}/app:v1")
        qtbot.keyClick(window.reference_bar, Qt.Key.Key_Return)
    bar = window.message_bar
    qtbot.waitUntil(bar.isVisible)
    assert_literal(bar.label)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert bar.grab().save(str(SCREENSHOT))  # drawn as text: Qt reads no /dev/zero
    assert window.grab().width() > 0

    nav = window.navigator
    nav.registry_box.setEditText(fake_server.host)
    qtbot.keyClick(nav.registry_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "2 repositories" in nav.repo_status.text(), timeout=10_000)
    assert nav.repo_proxy.index(0, 0).data() == MARKUP  # a list entry: drawn as text anyway
    nav.load_tags(MARKUP)  # (a click refuses a name no registry may have: listed directly)
    qtbot.waitUntil(lambda: MARKUP in nav.tag_status.text(), timeout=10_000)
    assert_literal(nav.tag_status)
    assert_literal(nav.tags_title)
    nav.open_repository("app")
    qtbot.waitUntil(lambda: nav.tags_title.text() == "Tags of app", timeout=10_000)
    qtbot.waitUntil(lambda: "HTTP 500" in nav.tag_status.text(), timeout=10_000)
    assert window.grab().width() > 0

    # The app keeps working: the same registry now answers.
    fake_server.reset()
    fake_server.reply("GET", r"/v2/", 200)
    fake_server.reply(
        "*", r"/v2/app/manifests/.+", 200, {"Content-Type": mt.OCI_MANIFEST}, MANIFEST
    )
    fake_server.reply("GET", r"/v2/app/blobs/.+", 200, {}, CONFIG)
    with qtbot.waitSignal(window.inspected, timeout=10_000):
        qtbot.mouseClick(window.go_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()


def test_tooltips_escape_what_looks_like_markup() -> None:
    assert tooltip("sha256:" + "a" * 64) == "sha256:" + "a" * 64  # plain text stays as it is
    shown = tooltip(MARKUP)
    assert "<img" not in shown and "&lt;img src=&quot;file:///dev/zero&quot;&gt;" in shown


SECRET = "pw-SECRET-42"
BLOB = base64.b64encode(f"alice:{SECRET}".encode()).decode()


def echoing_authorization(server: FakeServer) -> None:
    """Basic auth; a signed-in request is refused with the Authorization header quoted back."""

    def handler(req: FakeRequest) -> Response:
        auth = req.header("Authorization")
        if not auth:
            return 401, {"WWW-Authenticate": 'Basic realm="echo"'}, b""
        said = f"credentials {auth} (password {SECRET}) are not valid for {req.path}"
        return 403, {"Content-Type": "application/json"}, error_body("DENIED", said)

    server.route("*", r"/v2/.*", handler)


def test_a_secret_quoted_back_reaches_no_widget(
    qtbot: QtBot,
    window: MainWindow,
    fake_server: FakeServer,
) -> None:
    echoing_authorization(fake_server)
    window.store.session_only(fake_server.host, Credentials("alice", SECRET))
    window.preferences.set_username(fake_server.host, "alice")
    with qtbot.waitSignal(window.failed, timeout=10_000) as failed:
        window.inspect_text(f"{fake_server.host}/app:v1")
    assert any(r.header("Authorization") for r in fake_server.requests)  # it was sent, and echoed
    shown = window.message_bar.text()
    assert "not valid" in shown
    assert SECRET not in shown and BLOB not in shown

    # Had the error escaped as a bug, the crash dialog would show it: redacted there too.
    reporter = ExceptionReporter(None)
    exc = failed.args[0]
    try:
        reporter.show_report(crash_report((type(exc), exc, exc.__traceback__), "inspect-worker"))
        assert reporter.dialog is not None
        details = reporter.dialog.details.toPlainText()
        assert type(exc).__name__ in details
        assert SECRET not in details and BLOB not in details
    finally:
        if reporter.dialog is not None:
            reporter.dialog.close()
        reporter.deleteLater()
