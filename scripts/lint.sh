#!/usr/bin/env bash
# Lint, format check and type check, with the versions the test extra pins (set up as test.sh does).
# Runs all three and fails if any of them finds something.
HIDDENSCOPE_EXTRAS=test
source "$(dirname "$0")/_venv.sh"
status=0
.venv/bin/ruff check . || status=1
.venv/bin/ruff format --check . || status=1
.venv/bin/mypy core || status=1
exit $status
