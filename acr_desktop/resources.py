"""Where the app's files (icons) are: the repository's `resources/` in a checkout, shipped as
`acr_desktop/assets/` inside the wheel and the frozen app. Plain Python, no Qt."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

APP_ID = "io.github.acrdesktop.AcrDesktop"  # reverse-DNS: .desktop file, metainfo, Wayland app id
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PACKAGED_NAME = "assets"  # not "resources": a folder beside this module must not shadow it

Origin = Literal["frozen", "installed", "checkout"]
_PACKAGE = Path(__file__).resolve().parent


def _candidates() -> list[tuple[Origin, Path]]:
    found: list[tuple[Origin, Path]] = []
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller unpacks data files here
    if getattr(sys, "frozen", False) and bundle:
        found.append(("frozen", Path(bundle) / "acr_desktop" / PACKAGED_NAME))
    found.append(("installed", _PACKAGE / PACKAGED_NAME))
    found.append(("checkout", _PACKAGE.parent / "resources"))
    return found


def locate() -> tuple[Origin, Path]:
    """The first place holding the resources, and which kind of place it is."""
    for origin, path in _candidates():
        if (path / "icons").is_dir():
            return origin, path
    tried = ", ".join(str(p) for _, p in _candidates())
    raise FileNotFoundError(f"ACR Desktop's resources are missing (looked in {tried})")


def resources_dir() -> Path:
    return locate()[1]


def resource(*parts: str) -> Path:
    """A file under the resources folder, e.g. `resource("icons", "acr-desktop.svg")`."""
    return resources_dir().joinpath(*parts)


def icon_svg() -> Path:
    return resource("icons", "acr-desktop.svg")


def icon_pngs() -> dict[int, Path]:
    """The rendered icon by pixel size (only the sizes that exist)."""
    icons = resources_dir() / "icons"
    paths = {size: icons / f"acr-desktop-{size}.png" for size in ICON_SIZES}
    return {size: path for size, path in paths.items() if path.is_file()}
