"""Render the application icon from resources/icons/acr-desktop.svg: one PNG per size desktops use,
a Windows .ico and a macOS .icns (both PNG-compressed, written here so the sizes are ours to pick).

    .venv/bin/python packaging/render_icons.py [--preview FILE]

The outputs are committed; run this again after editing the SVG. `--preview` also writes one strip
of every size (at 1:1 and magnified) to look at.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "acr-desktop.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x types share sizes with @1x ones).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"icp6", 64),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),
    (b"ic09", 512),
    (b"ic14", 512),
)


def render_png(svg: Path, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """ICONDIR + one ICONDIRENTRY per size + the PNG streams (Windows Vista and later)."""
    sizes = sorted(pngs)
    offset = 6 + 16 * len(sizes)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    entries, blobs = b"", b""
    for size in sizes:
        blob = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def preview(pngs: dict[int, bytes], path: Path) -> None:
    """Every size at 1:1 on light and dark strips, then 16, 24 and 32 magnified 8×."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    images = {s: QImage.fromData(pngs[s], "PNG") for s in PNG_SIZES}
    width = sum(s + 16 for s in PNG_SIZES[:-1]) + 16
    zoom = 8
    height = 2 * (256 + 32) + 32 * zoom + 32
    canvas = QImage(max(width, 3 * 32 * zoom + 64), height, QImage.Format.Format_RGB32)
    painter = QPainter(canvas)
    for row, colour in enumerate(("#f4f4f4", "#2b2b2b")):
        top = row * (256 + 32)
        painter.fillRect(QRect(0, top, canvas.width(), 256 + 32), QColor(colour))
        x = 16
        for size in PNG_SIZES[:-1]:
            painter.drawImage(x, top + 16, images[size])
            x += size + 16
    top = 2 * (256 + 32)
    painter.fillRect(QRect(0, top, canvas.width(), 32 * zoom + 32), QColor("#f4f4f4"))
    x = 16
    for size in (16, 24, 32):
        big = images[size].scaled(size * zoom, size * zoom, Qt.AspectRatioMode.IgnoreAspectRatio)
        painter.drawImage(x, top + 16, big)
        x += size * zoom + 16
    painter.end()
    canvas.save(str(path), "PNG")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preview", type=Path, help="also write a strip of every size here")
    opts = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    pngs = {size: render_png(SVG, size) for size in PNG_SIZES}
    for size, blob in pngs.items():
        (ICONS / f"acr-desktop-{size}.png").write_bytes(blob)
    (ICONS / "acr-desktop.ico").write_bytes(ico({s: pngs[s] for s in ICO_SIZES}))
    (ICONS / "acr-desktop.icns").write_bytes(icns(pngs))
    if opts.preview:
        preview(pngs, opts.preview)
    del app
    print(f"wrote {len(pngs)} PNGs, acr-desktop.ico and acr-desktop.icns in {ICONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
