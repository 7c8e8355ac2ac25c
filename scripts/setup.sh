#!/usr/bin/env bash
# Set up everything ACR Desktop needs on a Debian-like machine: system packages (when root),
# then a virtual environment in .venv with the app and its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_RUNTIME="libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0
  libxkbcommon-x11-0 fonts-dejavu-core libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1"
# desktop-file-utils and appstream validate packaging/linux/; binutils is for PyInstaller.
APT_TEST="docker-registry skopeo xvfb openbox xdotool xclip x11-utils gnome-keyring dbus-daemon desktop-file-utils appstream binutils"

want="$APT_RUNTIME"
[ "${1:-}" = "--test" ] && want="$want $APT_TEST"

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: these Debian packages are missing; install them as root, then run this again:" >&2
    echo "  apt-get install -y$missing" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.acr-desktop-installed
extra=""
[ "${1:-}" = "--test" ] && extra="[test]"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || ! grep -qx "$extra" "$stamp" 2>/dev/null; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e ".$extra"
  echo "$extra" > "$stamp"
fi
