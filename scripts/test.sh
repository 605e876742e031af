#!/usr/bin/env bash
# Set up (once) and run the whole test suite, offscreen. The README's test command; CI runs it.
# With no arguments it first runs scripts/lint.sh (ruff check, ruff format --check, mypy on
# core/ and gui/) and fails if that does, then the tests on one worker per core; with pytest arguments
# (a file, -k, -n 2, ...) it runs just those tests, in one process unless they say otherwise.
set -uo pipefail
source "$(dirname "$0")/_venv.sh"
if [ "$#" -eq 0 ]; then
    echo "== lint: ruff check, ruff format --check, mypy core gui"
    bash scripts/lint.sh || { echo "lint failed: fix the findings above (ruff format . fixes formatting)"; exit 1; }
fi
export QT_QPA_PLATFORM=offscreen
if [ "$#" -eq 0 ]; then
    # The whole suite on one worker per core (pytest-xdist): 2:33 instead of 5:01 on a 2-core machine.
    exec .venv/bin/python -m pytest -n auto
fi
exec .venv/bin/python -m pytest "$@"
