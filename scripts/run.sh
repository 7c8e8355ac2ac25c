#!/usr/bin/env bash
# Set up and launch ACR Desktop. Arguments go to the app (e.g. a reference to inspect).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/acr-desktop "$@"
