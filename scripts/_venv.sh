# Sourced by app.sh and test.sh: make .venv (once) and install hiddenscope into it.
# constraints.txt pins torch to one tested release: on this kind of machine that is a
# CPU wheel that installs in seconds; on a Linux machine with a GPU the same release
# from PyPI is a CUDA build. pyproject.toml itself only asks for a range.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$HIDDENSCOPE_EXTRAS]"
