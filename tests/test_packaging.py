"""Installing it like an app: the icon files, the Linux desktop metadata (validated by the
freedesktop tools), the wheel in a new virtual environment, and the frozen PyInstaller build.

The wheel and frozen tests are marked `packaging` (`-m "not packaging"` skips them); they build
into pytest's temp folder and delete what they built.
"""

from __future__ import annotations

import configparser
import importlib
import os
import shutil
import struct
import subprocess
import sys
import time
import tomllib
import venv
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from acr_desktop import __version__
from acr_desktop.resources import APP_ID, ICON_SIZES

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
ICNS_SIZES = {b"icp4": 16, b"icp5": 32, b"ic11": 32, b"icp6": 64, b"ic12": 64, b"ic07": 128}
ICNS_SIZES |= {b"ic08": 256, b"ic13": 256, b"ic09": 512, b"ic14": 512}


def run(*args: str | Path, timeout: float = 120, **kwargs: object) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    assert result.returncode == 0, f"{args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return str(result.stdout)


# -- icons ------------------------------------------------------------------------------------
def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_icon_pngs_have_every_size() -> None:
    for size in ICON_SIZES:
        assert png_size((ICONS / f"acr-desktop-{size}.png").read_bytes()) == (size, size)


def test_ico_holds_the_windows_sizes() -> None:
    data = (ICONS / "acr-desktop.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        w, h, _, _, _, bpp, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        side = w or 256
        assert (w, h, bpp) == (side % 256, side % 256, 32)
        assert png_size(data[offset : offset + length]) == (side, side)
        sizes.append(side)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_icns_holds_the_macos_sizes() -> None:
    data = (ICONS / "acr-desktop.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    found, at = {}, 8
    while at < len(data):
        kind, length = data[at : at + 4], struct.unpack(">I", data[at + 4 : at + 8])[0]
        found[kind] = png_size(data[at + 8 : at + length])[0]
        at += length
    assert found == ICNS_SIZES


def test_pngs_are_rendered_from_the_svg(qapp: object) -> None:
    """Editing the SVG means running packaging/render_icons.py again."""
    from PySide6.QtGui import QColor, QImage

    def rgba(color: QColor) -> tuple[int, int, int, int]:
        return color.red(), color.green(), color.blue(), color.alpha()

    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        render_icons = importlib.import_module("render_icons")  # a script, not a package
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    for size in (16, 48, 256):
        fresh = QImage.fromData(render_icons.render_png(ICONS / "acr-desktop.svg", size))
        kept = QImage(str(ICONS / f"acr-desktop-{size}.png"))
        fresh = fresh.convertToFormat(QImage.Format.Format_ARGB32)
        kept = kept.convertToFormat(QImage.Format.Format_ARGB32)
        diff = sum(
            abs(a - b)
            for y in range(0, size, max(1, size // 64))
            for x in range(0, size, max(1, size // 64))
            for a, b in zip(rgba(fresh.pixelColor(x, y)), rgba(kept.pixelColor(x, y)), strict=True)
        )
        samples = len(range(0, size, max(1, size // 64))) ** 2 * 4
        assert diff / samples < 2.0, f"acr-desktop-{size}.png is stale: run render_icons.py"


# -- Linux desktop metadata -------------------------------------------------------------------
def test_desktop_file_validates() -> None:
    run("desktop-file-validate", DESKTOP)


def test_metainfo_validates() -> None:
    out = run("appstreamcli", "validate", "--no-net", METAINFO)
    assert "Validation was successful" in out


def test_desktop_metadata_agrees_with_the_app() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert desktop["Icon"] == APP_ID
    assert desktop["Exec"].split()[0] in scripts
    assert desktop["TryExec"] in scripts

    component = ET.parse(METAINFO).getroot()  # noqa: S314 (our own file)
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    assert component.findtext("provides/binary") in scripts
    assert component.findtext("project_license") == "MIT"
    newest = component.find("releases/release")
    assert newest is not None and newest.get("version") == __version__
    assert "io.github.acrdesktop.AcrDesktop" in (ROOT / "acr_desktop/resources.py").read_text()


# -- the wheel --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, ROOT)
    (built,) = out.glob("acr_desktop-*.whl")
    yield built
    shutil.rmtree(out, ignore_errors=True)


@pytest.mark.packaging
def test_wheel_ships_every_resource(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    resources = {p.relative_to(ROOT / "resources") for p in (ROOT / "resources").rglob("*")}
    for rel in (r for r in resources if (ROOT / "resources" / r).is_file()):
        assert f"acr_desktop/assets/{rel.as_posix()}" in names
    data = f"acr_desktop-{__version__}.data/data/share"
    assert f"{data}/applications/{APP_ID}.desktop" in names
    assert f"{data}/metainfo/{APP_ID}.metainfo.xml" in names
    for size in ICON_SIZES:
        assert f"{data}/icons/hicolor/{size}x{size}/apps/{APP_ID}.png" in names
    assert f"{data}/icons/hicolor/scalable/apps/{APP_ID}.svg" in names
    assert "acr_desktop/selftest.py" in names
    assert not [n for n in names if n.startswith("tests/")]
    entry_points = f"acr_desktop-{__version__}.dist-info/entry_points.txt"
    assert b"acr-desktop = acr_desktop.cli:main" in zipfile.ZipFile(wheel).read(entry_points)


def app_env(home: Path) -> dict[str, str]:
    """A made-up home: settings, logs and keyring lookups stay out of the real one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return env | {
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "ACR_DESKTOP_LOG_DIR": str(home / "logs"),
        "DBUS_SESSION_BUS_ADDRESS": "",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def start_window(command: list[str | Path], home: Path) -> str:
    """Start the app as a person would, wait for its window, then stop it; the log's text."""
    log = home / "logs" / "acr-desktop.log"
    proc = subprocess.Popen(
        [str(c) for c in command],
        cwd=home,
        env=app_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if log.is_file() and "Main window open" in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.1)
        time.sleep(0.5)  # still alive a moment after the window opened
        assert proc.poll() is None, proc.communicate(timeout=10)[1].decode(errors="replace")
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    text = log.read_text(encoding="utf-8")
    assert "Main window open" in text, text
    return text


@pytest.fixture(scope="module")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    where = tmp_path_factory.mktemp("wheel-venv")
    venv.EnvBuilder(with_pip=True).create(where)
    run(where / "bin" / "python", "-m", "pip", "install", "-q", wheel, timeout=600)
    yield where
    shutil.rmtree(where, ignore_errors=True)


@pytest.mark.packaging
@pytest.mark.timeout(900)
def test_wheel_installs_and_starts(wheel_venv: Path, tmp_path: Path) -> None:
    assert run(wheel_venv / "bin" / "acr-desktop", "--version", cwd=tmp_path).strip() == (
        f"acr-desktop {__version__}"
    )
    site = next((wheel_venv / "lib").glob("python3*/site-packages"))
    out = run(
        wheel_venv / "bin" / "python",
        "-m",
        "acr_desktop.selftest",
        cwd=tmp_path,
        env=app_env(tmp_path),
    )
    assert f"ok   resources installed: {site / 'acr_desktop' / 'assets'}" in out, out
    # installed without the Azure extra: said, not failed
    assert "ok   azure     not installed: Microsoft Entra ID sign-in needs pip install" in out, out
    assert out.splitlines()[-1].startswith("self-test passed")

    log = start_window([wheel_venv / "bin" / "acr-desktop"], tmp_path)
    assert f"resources installed {site / 'acr_desktop' / 'assets'}" in log
    assert "platform offscreen" in log


# -- the frozen app ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("frozen")
    spec = ROOT / "packaging" / "acr-desktop.spec"
    run(
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level=WARN",
        f"--distpath={out / 'dist'}",
        f"--workpath={out / 'work'}",
        spec,
        timeout=600,
    )
    yield out / "dist" / "acr-desktop"
    shutil.rmtree(out, ignore_errors=True)


@pytest.mark.packaging
@pytest.mark.timeout(900)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checked on Linux here")
def test_frozen_app_passes_its_self_test_and_starts(frozen: Path, tmp_path: Path) -> None:
    exe = frozen / "acr-desktop"
    assert run(exe, "--version", cwd=tmp_path).strip() == f"acr-desktop {__version__}"
    out = run(exe, "--self-test", cwd=tmp_path, env=app_env(tmp_path))
    assert f"ok   resources frozen: {frozen / '_internal' / 'acr_desktop' / 'assets'}" in out, out
    assert "ok   keyring" in out and "SecretService" in out
    assert "ok   azure     azure-identity " in out, out  # Entra sign-in is in the frozen app
    assert out.splitlines()[-1].startswith("self-test passed"), out

    log = start_window([exe], tmp_path)
    assert f"resources frozen {frozen / '_internal' / 'acr_desktop' / 'assets'}" in log


@pytest.mark.packaging
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux desktops only")
def test_linux_install_script_puts_the_app_in_the_menu(frozen: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    script = ROOT / "packaging" / "linux" / "install.sh"
    run("bash", script, "--prefix", prefix, frozen)
    entry = prefix / "share" / "applications" / f"{APP_ID}.desktop"
    run("desktop-file-validate", entry)
    assert f"Exec={prefix}/lib/acr-desktop/acr-desktop" in entry.read_text()
    for size in ICON_SIZES:
        assert (prefix / f"share/icons/hicolor/{size}x{size}/apps/{APP_ID}.png").is_file()
    assert (prefix / f"share/metainfo/{APP_ID}.metainfo.xml").is_file()
    version = run(prefix / "bin" / "acr-desktop", "--version", cwd=tmp_path)
    assert version.strip() == f"acr-desktop {__version__}"

    run("bash", script, "--prefix", prefix, "--uninstall")
    caches = {"mimeinfo.cache", "icon-theme.cache"}  # the desktop's, shared by every app
    left = [p for p in prefix.rglob("*") if p.is_file() or p.is_symlink()]
    assert not [p for p in left if p.name not in caches]
