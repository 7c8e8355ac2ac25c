"""Screenshots of issue 16's window part, one per kind, at 1400×900 (offscreen, or a real X
display when DISPLAY is set and QT_QPA_PLATFORM is not): the supply rig (tests/rig/supply.py)
pushed to a local Distribution registry with the ACR-like token server, signed in as alice.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/supply_screens.py [OUT_DIR]

Writes OUT_DIR/supply-*.png (default docs/screenshots) and prints what each shows.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import keyring.backends.fail  # noqa: E402
from PySide6.QtCore import QModelIndex, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from acr_desktop.credentials import CredentialStore  # noqa: E402
from acr_desktop.registry.auth import Credentials  # noqa: E402
from acr_desktop.ui.main_window import MainWindow  # noqa: E402
from acr_desktop.ui.preferences import Preferences  # noqa: E402
from acr_desktop.ui.roles import OBJECT_ROLE  # noqa: E402
from tests.rig.registry import Registry  # noqa: E402
from tests.rig.supply import push_supply  # noqa: E402
from tests.rig.token_server import ALICE_PASSWORD, ALICE_USER, TokenServer  # noqa: E402


def wait(app: QApplication, done: Callable[[], bool], seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if done():
            return
        time.sleep(0.02)
    raise TimeoutError("the window did not settle")


def settle(app: QApplication, seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def select(win: MainWindow, label: str, nth: int = 0) -> None:
    panel = win.inspector.referrers_panel
    model = panel.model
    flags = Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
    found = model.match(model.index(0, 0, QModelIndex()), Qt.ItemDataRole.DisplayRole, label, -1,
                        flags)  # fmt: skip
    panel.tree.setCurrentIndex(found[nth])
    assert found[nth].data(OBJECT_ROLE) is not None


def main() -> None:  # noqa: PLR0915 - one screenshot after another
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    work = Path(tempfile.mkdtemp(prefix="supply-screens-"))
    (work / "ts").mkdir()
    (work / "reg").mkdir()
    server = TokenServer(work / "ts")
    registry = Registry(work / "reg", "token", server)
    registry.start()
    try:
        supply = push_supply(registry, "team/app")
        settings = QSettings(str(work / "s.ini"), QSettings.Format.IniFormat)
        store = CredentialStore(backend=keyring.backends.fail.Keyring())
        win = MainWindow(preferences=Preferences(settings), store=store)
        win.resize(1400, 900)
        win.show()
        win.store.session_only(registry.host, Credentials(ALICE_USER, ALICE_PASSWORD))
        panel = win.inspector.referrers_panel if win.inspector else None

        def show(name: str) -> None:
            win.inspect_text(supply.ref(name))
            wait(app, lambda: (ins := win.inspector.inspection) is not None
                 and ins.reference.tag == name and win.inspector.referrers_panel.report
                 is not None)  # fmt: skip
            settle(app)

        def shot(widget: QWidget, name: str, what: str) -> None:
            settle(app)
            widget.grab().save(str(out / f"supply-{name}.png"))
            print(f"supply-{name}.png: {what}")

        del panel
        show("image")
        referrers = win.inspector.referrers_panel
        win.inspector.tabs.setCurrentWidget(referrers)
        select(win, "cosign signature")
        wait(app, lambda: "Signed by" in referrers.details.fields())
        shot(win, "image-cosign", "an image's tree: cosign (OCI 1.1, .sig tag), Sigstore bundle, "
             "Notation, SPDX (signed), CycloneDX, SLSA v1, SARIF; cosign's claims")  # fmt: skip
        select(win, "Notation signature")
        settle(app, 1.0)
        shot(win, "image-notation", "a Notation signature's claims, present, not verified")
        select(win, "Sigstore bundle (v0.3)")
        settle(app, 1.0)
        shot(win, "image-bundle", "a Sigstore bundle's claims (Rekor entry, time)")
        select(win, "SLSA provenance v1")
        settle(app, 1.0)
        shot(win, "image-provenance", "SLSA v1 provenance: builder, source, commit, materials")
        select(win, "vulnerability report (SARIF)")
        shot(win, "image-sarif", "a vulnerability report (SARIF) referrer")
        select(win, "SPDX SBOM")
        referrers.sbom_button.click()
        sbom = referrers.sbom_window
        assert sbom is not None
        wait(app, lambda: sbom.model.rowCount() > 0)  # type: ignore[attr-defined]
        sbom.resize(900, 500)
        shot(sbom, "sbom-window", "an SPDX SBOM's packages: filter, sort, Export CSV")
        sbom.close()
        show("index")
        win.inspector.tabs.setCurrentWidget(referrers)
        select(win, "SLSA provenance v0.2")
        settle(app, 1.0)
        shot(
            win, "index-buildkit", "an index: BuildKit attestations (SPDX, SLSA v0.2) per platform"
        )
        show("based")
        win.inspector.tabs.setCurrentWidget(referrers)
        wait(app, lambda: "updated" in win.inspector.summary.supply.base_note.text())
        select(win, "ACR artifact streaming")
        shot(win, "based", "end of life past (lifecycle referrer), ACR artifact streaming, "
             "base image updated since built, Open / Open current")  # fmt: skip
        show("helm")
        shot(win, "helm", "a Helm chart (its Type), nothing attached")
        win.runner.shutdown(2000)
    finally:
        registry.stop()
        server.stop()


if __name__ == "__main__":
    main()
