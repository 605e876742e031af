#!/usr/bin/env bash
# Lint, format check and type check (core/ and gui/), with the versions the test extra pins (set up as test.sh does).
# Runs all three and fails if any of them finds something.
source "$(dirname "$0")/_venv.sh"
status=0
.venv/bin/ruff check . || status=1
.venv/bin/ruff format --check . || status=1
# mypy cannot follow the editable install's mapping (the package hiddenscope is this repository's root), so it
# would read every hiddenscope import in gui/ as Any.  It checks the installed names instead, from a folder
# where hiddenscope/ is this repository: gui/ against core's real types.
mkdir -p .venv/mypy-path && ln -sfn "$PWD" .venv/mypy-path/hiddenscope
(cd .venv/mypy-path && MYPYPATH=. ../bin/mypy --config-file ../../pyproject.toml -p hiddenscope.core -p hiddenscope.gui) \
  || status=1
exit $status
