"""Index benchmark: a 20,000-entry OCI index (platform entries and the attestation entries that
describe them, within the 4 MiB manifest cap) inspected in the window from a loopback server.

Reports the UI heartbeat's longest gap from Enter until the index, the chosen platform's layers
and the JSON are shown (and a second after), and the time until shown. Figures, not assertions.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/index_bench.py [--entries 20000]
    ... --code /tmp/orig_ui      # the same against another checkout's acr_desktop (before/after)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = (
    b'{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}'
)


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def build_index(entries: int) -> tuple[bytes, bytes]:
    """(index, the linux/amd64 image manifest): one entry in five is an
    attestation. Entries other than the real image leave out mediaType, to fit 20,000 in 4 MiB."""
    image = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(CONFIG),
                "size": len(CONFIG),
            },
            "layers": [],
        }
    ).encode()
    platforms = entries * 4 // 5
    manifests: list[dict[str, object]] = []
    for i in range(platforms):
        digest = sha(image) if i == 0 else f"sha256:{i:064x}"
        arch = "amd64" if i == 0 else "arm64"
        manifests.append(
            {
                **({"mediaType": OCI_MANIFEST} if i == 0 else {}),
                "digest": digest,
                "size": len(image) if i == 0 else 500 + i,
                "platform": {"architecture": arch, "os": "linux"},
            }
        )
    for i in range(entries - platforms):
        subject = manifests[i]["digest"]
        manifests.append(
            {
                "digest": f"sha256:{i + 10**9:064x}",
                "size": 800,
                "annotations": {
                    "vnd.docker.reference.digest": subject,
                    "vnd.docker.reference.type": "attestation-manifest",
                },
                "platform": {"architecture": "unknown", "os": "unknown"},
            }
        )
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
    return json.dumps(index, separators=(",", ":")).encode(), image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--code", type=Path, default=ROOT, help="folder holding acr_desktop/")
    parser.add_argument("--after-ms", type=int, default=1000, help="heartbeat kept after shown")
    opts = parser.parse_args()
    sys.path[:0] = [str(opts.code), str(ROOT)]

    import keyring.backends.fail
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from acr_desktop.credentials import CredentialStore
    from acr_desktop.ui.main_window import MainWindow
    from benchmarks.tags_bench import Heartbeat, spin, wait_until
    from tests.rig import FakeServer

    index, image = build_index(opts.entries)
    app = QApplication(sys.argv[:1])
    server = FakeServer()
    server.reply("GET", r"/v2/", 200, {"Docker-Distribution-API-Version": "registry/2.0"})
    server.reply("*", r"/v2/big/manifests/v1", 200, {"Content-Type": OCI_INDEX}, index)
    server.reply(
        "*", rf"/v2/big/manifests/{sha(image)}", 200, {"Content-Type": OCI_MANIFEST}, image
    )
    server.reply("GET", r"/v2/big/blobs/.+", 200, {}, CONFIG)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
            store = CredentialStore(backend=keyring.backends.fail.Keyring())
            if importlib.util.find_spec("acr_desktop.ui.preferences") is not None:
                from acr_desktop.ui.preferences import Preferences

                window = MainWindow(preferences=Preferences(settings), store=store)
            else:  # before the one preferences owner
                window = MainWindow(settings, store=store)  # type: ignore[arg-type]
            window.resize(1280, 800)
            window.show()
            spin(400)  # first paint and the import warm-up
            shown: list[object] = []
            failed: list[object] = []
            window.inspected.connect(shown.append)
            window.failed.connect(failed.append)
            with Heartbeat() as beat:
                start = time.perf_counter()
                window.inspect_text(f"{server.host}/big:v1")
                done = wait_until(lambda: bool(shown or failed), 120)
                spin(opts.after_ms)
            if failed:
                raise SystemExit(f"inspect failed: {failed[0]}")
            rows = window.inspector.platforms_model.rowCount()
            window.close()
    finally:
        server.stop()
    print(
        f"{opts.entries:,}-entry index ({len(index) / 2**20:.2f} MiB, {rows:,} platform rows), "
        f"code from {opts.code}:"
    )
    print(f"  Enter -> shown            {(done - start) * 1000:8.1f} ms")
    print(f"  worst UI-thread gap       {beat.worst_ms:8.1f} ms")
    del app


if __name__ == "__main__":
    main()
