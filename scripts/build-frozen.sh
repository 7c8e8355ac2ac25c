#!/usr/bin/env bash
# Build the one-folder frozen app for this platform with PyInstaller, then run its self-test.
# Output: build/frozen/dist/acr-desktop/ (Linux, Windows) or build/frozen/dist/ACR Desktop.app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
V=.venv/bin
out=build/frozen
start=$(date +%s)
$V/pyinstaller --noconfirm --log-level WARN --distpath "$out/dist" --workpath "$out/work" \
  packaging/acr-desktop.spec
echo "frozen: built $out/dist/acr-desktop in $(( $(date +%s) - start ))s ($(du -sh "$out/dist/acr-desktop" | cut -f1))"
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$out/dist/acr-desktop/acr-desktop" --self-test
