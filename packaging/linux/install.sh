#!/usr/bin/env bash
# Install the frozen ACR Desktop for one user (or under --prefix): the app folder, a command on
# PATH, the menu entry, the AppStream metadata and the icons. Run it again to update.
#     packaging/linux/install.sh [--prefix DIR] [--uninstall] [APP_FOLDER]
# APP_FOLDER defaults to build/frozen/dist/acr-desktop; DIR to ~/.local.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
id=io.github.acrdesktop.AcrDesktop
prefix="$HOME/.local"
app=""
uninstall=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) app=$1; shift ;;
  esac
done
app=${app:-$here/../../build/frozen/dist/acr-desktop}
prefix=${prefix:?--prefix needs a folder}
share="$prefix/share"
target="$prefix/lib/acr-desktop"
sizes="16 24 32 48 64 128 256 512"

rm -rf "$target" "$prefix/bin/acr-desktop" "$share/applications/$id.desktop" \
  "$share/metainfo/$id.metainfo.xml" "$share/icons/hicolor/scalable/apps/$id.svg"
for s in $sizes; do rm -f "$share/icons/hicolor/${s}x${s}/apps/$id.png"; done
if [ -z "$uninstall" ]; then
  [ -x "$app/acr-desktop" ] || { echo "install.sh: no frozen app in $app (build it: scripts/build-frozen.sh)" >&2; exit 1; }
  icons="$app/_internal/acr_desktop/assets/icons"
  mkdir -p "$target" "$prefix/bin" "$share/applications" "$share/metainfo" \
    "$share/icons/hicolor/scalable/apps"
  cp -a "$app/." "$target/"
  ln -s "$target/acr-desktop" "$prefix/bin/acr-desktop"
  # An absolute Exec: the menu entry works even when $prefix/bin is not on PATH.
  sed -e "s|^Exec=acr-desktop|Exec=$target/acr-desktop|" -e "s|^TryExec=acr-desktop|TryExec=$target/acr-desktop|" \
    "$here/$id.desktop" > "$share/applications/$id.desktop"
  cp "$here/$id.metainfo.xml" "$share/metainfo/"
  cp "$icons/acr-desktop.svg" "$share/icons/hicolor/scalable/apps/$id.svg"
  for s in $sizes; do
    mkdir -p "$share/icons/hicolor/${s}x${s}/apps"
    cp "$icons/acr-desktop-$s.png" "$share/icons/hicolor/${s}x${s}/apps/$id.png"
  done
fi
command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" 2>/dev/null || true
if [ -z "$uninstall" ]; then
  echo "ACR Desktop installed in $target; start it from the menu or with $prefix/bin/acr-desktop"
else
  echo "ACR Desktop removed from $prefix"
fi
