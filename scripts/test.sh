#!/usr/bin/env bash
# Set up (once) and run the whole test suite, offscreen. The README's test command; CI runs it.
# With no arguments it first runs scripts/lint.sh (ruff check, ruff format --check, mypy on
# core/ and gui/) and fails if that does; with pytest arguments (a file, -k, ...) it runs just those tests.
set -uo pipefail
source "$(dirname "$0")/_venv.sh"
if [ "$#" -eq 0 ]; then
    echo "== lint: ruff check, ruff format --check, mypy core gui"
    bash scripts/lint.sh || { echo "lint failed: fix the findings above (ruff format . fixes formatting)"; exit 1; }
fi
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
