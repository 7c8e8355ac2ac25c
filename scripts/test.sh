#!/usr/bin/env bash
# The whole test suite: set up, then ruff, mypy and pytest (real registry, token server,
# offscreen Qt). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export QT_QPA_PLATFORM=offscreen
V=.venv/bin
echo "== ruff"; $V/ruff check . && $V/ruff format --check .
echo "== mypy"; $V/mypy
echo "== pytest"; $V/python -m pytest "$@"
