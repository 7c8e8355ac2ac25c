"""`acr-desktop --self-test`: is everything the app needs really there? Written for the frozen
build (PyInstaller leaves out what it cannot see imported), useful in any install.

One line per check (`ok` or `FAIL`), then a verdict; 0 when every check passed.
"""

from __future__ import annotations

import importlib
import os
import platform
import re
import ssl
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from acr_desktop import __version__
from acr_desktop.text import plural

# A small OCI image manifest (a config and two layers).
SAMPLE_MANIFEST = (
    b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
    b'"config":{"mediaType":"application/vnd.oci.image.config.v1+json",'
    b'"digest":"sha256:' + b"c" * 64 + b'","size":1470},'
    b'"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",'
    b'"digest":"sha256:' + b"a" * 64 + b'","size":3623807},'
    b'{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",'
    b'"digest":"sha256:' + b"b" * 64 + b'","size":1024}]}'
)
# Where truststore looks on Linux when OpenSSL's own default paths hold nothing.
LINUX_CA_FILES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)
_HASHED_CERT = re.compile(r"^[0-9a-fA-F]{8}\.[0-9]$")
# The platform's own keyring backend (entry point name) and the module it cannot work without.
NATIVE_KEYRING = {
    "linux": ("SecretService", "secretstorage"),
    "darwin": ("macOS", "keyring.backends.macOS.api"),
    "win32": ("Windows", "win32ctypes.pywin32.win32cred"),
}


def check_app() -> str:
    frozen = "frozen" if getattr(sys, "frozen", False) else "not frozen"
    return f"ACR Desktop {__version__}, Python {platform.python_version()}, {frozen}"


def check_resources() -> str:
    from acr_desktop.resources import ICON_SIZES, icon_pngs, icon_svg, locate, resource

    origin, where = locate()
    pngs = icon_pngs()
    missing = [f"{s}px" for s in ICON_SIZES if s not in pngs]
    for name in ("acr-desktop.ico", "acr-desktop.icns"):
        if not resource("icons", name).is_file():
            missing.append(name)
    if not icon_svg().is_file():
        missing.append("acr-desktop.svg")
    if missing:
        raise FileNotFoundError(f"missing from {where}: {', '.join(missing)}")
    return f"{origin}: {where}"


def check_qt() -> str:
    if sys.platform.startswith("linux") and not (
        os.environ.get("QT_QPA_PLATFORM")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no display: Qt would abort, not raise
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtSvg import QSvgRenderer
    from PySide6.QtWidgets import QApplication

    from acr_desktop.resources import ICON_SIZES, icon_svg
    from acr_desktop.ui import main_window  # every UI module, as the window imports them
    from acr_desktop.ui.desktop import app_icon

    app = QApplication.instance() or QApplication([sys.argv[0]])
    if not isinstance(app, QGuiApplication):
        raise RuntimeError("a QCoreApplication is running: no windows possible")
    icon = app_icon()
    if icon.isNull() or len(icon.availableSizes()) < len(ICON_SIZES):
        raise RuntimeError(f"the icon did not load (sizes: {icon.availableSizes()})")
    if not QSvgRenderer(str(icon_svg())).isValid():
        raise RuntimeError("QtSvg cannot read the icon's SVG")
    del main_window
    return f"Qt {qVersion()}, PySide6 {pyside_version}, platform {QGuiApplication.platformName()}"


def check_keyring() -> str:
    from importlib.metadata import entry_points

    from acr_desktop.credentials import CredentialStore

    found = {ep.name: ep for ep in entry_points(group="keyring.backends")}
    if not found:
        raise RuntimeError("no keyring backends registered (keyring's metadata is missing)")
    native, needs = NATIVE_KEYRING.get(sys.platform, (None, None))
    if native is not None and needs is not None:
        if native not in found:
            raise RuntimeError(f"the {native} backend is not registered (have {sorted(found)})")
        found[native].load()
        importlib.import_module(needs)  # backends import it lazily: PyInstaller may miss it
    in_use = CredentialStore().backend_name()
    return f"{len(found)} backends ({', '.join(sorted(found))}); in use: {in_use}"


def check_tls() -> str:
    import certifi
    import requests
    import truststore

    bundle = Path(certifi.where())
    context = ssl.create_default_context(cafile=str(bundle))
    roots = context.cert_store_stats()["x509_ca"]
    if roots < 10:
        raise RuntimeError(f"certifi's bundle {bundle} holds {roots} certificates")
    truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    del requests
    return f"{ssl.OPENSSL_VERSION}; system CAs: {system_ca_source()}; certifi {roots} roots"


def system_ca_source() -> str:
    """Where truststore will find the operating system's CAs (on Linux: OpenSSL's default
    paths, else the usual bundle files; a frozen app's OpenSSL may look elsewhere than the
    distribution's)."""
    if sys.platform in ("win32", "darwin"):
        return "the system store"
    defaults = ssl.get_default_verify_paths()
    if defaults.cafile:
        return defaults.cafile
    if defaults.capath and any(_HASHED_CERT.match(n) for n in os.listdir(defaults.capath)):
        return defaults.capath
    for candidate in LINUX_CA_FILES:
        if Path(candidate).is_file():
            return candidate
    raise RuntimeError("no system CA certificates (install ca-certificates): HTTPS would fail")


def check_registry() -> str:
    from acr_desktop.registry.digest import compute_digest
    from acr_desktop.registry.manifest import ImageManifest, parse_manifest
    from acr_desktop.registry.reference import parse_reference
    from acr_desktop.registry.transport import Transport

    ref = parse_reference("myreg.azurecr.io/team/app:1.4")
    manifest, _ = parse_manifest(SAMPLE_MANIFEST, "application/vnd.oci.image.manifest.v1+json")
    if not isinstance(manifest, ImageManifest) or len(manifest.layers) != 2:
        raise RuntimeError(f"the sample manifest parsed as {manifest!r}")
    Transport()
    digest = compute_digest(SAMPLE_MANIFEST)
    return f"{ref.registry}: {plural(len(manifest.layers), 'layer')}, {digest[:19]}…"


def check_azure() -> str:
    """The Azure extra (Microsoft Entra ID sign-in): optional, but the frozen app must carry it,
    and PyInstaller sees only what is imported (registry/entra.py imports it lazily)."""
    from importlib.metadata import version

    from acr_desktop.registry.entra import EXTRA_HINT, azure_identity_available

    if not azure_identity_available():
        return f"not installed: Microsoft Entra ID sign-in needs {EXTRA_HINT}"
    from azure.identity import AzureCliCredential, DeviceCodeCredential

    AzureCliCredential()
    DeviceCodeCredential(prompt_callback=lambda *_: None)  # builds an msal client, asks nothing
    return f"azure-identity {version('azure-identity')}, msal {version('msal')}"


def check_log() -> str:
    from acr_desktop.logs import log_dir

    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("app", check_app),
    ("resources", check_resources),
    ("qt", check_qt),
    ("keyring", check_keyring),
    ("tls", check_tls),
    ("registry", check_registry),
    ("azure", check_azure),
    ("log", check_log),
)


def run_self_test(out: TextIO) -> int:
    failed = []
    for name, check in CHECKS:
        try:
            detail = check()
        except Exception as exc:
            failed.append(name)
            print(f"FAIL {name:<9} {type(exc).__name__}: {exc}", file=out, flush=True)
        else:
            print(f"ok   {name:<9} {detail}", file=out, flush=True)
    if failed:
        print(f"self-test FAILED: {', '.join(failed)}", file=out)
        return 1
    print(f"self-test passed ({plural(len(CHECKS), 'check')})", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_self_test(sys.stdout))
