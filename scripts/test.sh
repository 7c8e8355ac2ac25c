#!/usr/bin/env bash
# The whole test suite: set up, then ruff, mypy and pytest (real registry, token server,
# offscreen Qt). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export QT_QPA_PLATFORM=offscreen
V=.venv/bin
# Two commands, not `a && b`: under `set -e` a failing `a` in `a && b` would not stop the run.
echo "== ruff"; $V/ruff check .
$V/ruff format --check .
echo "== mypy"; $V/mypy
# An outer bound: a hang in C code (where pytest-timeout's signal cannot reach) must fail the run,
# not hold CI until its own limit.
echo "== pytest"; timeout --signal=KILL "${ACR_TEST_TIMEOUT:-1800}" $V/python -m pytest "$@"
