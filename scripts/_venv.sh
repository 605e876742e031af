# Sourced by app.sh, test.sh and lint.sh: make .venv (once) and install hiddenscope into it.
# constraints.txt pins torch to one tested release: on this kind of machine that is a
# CPU wheel that installs in seconds; on a Linux machine with a GPU the same release
# from PyPI is a CUDA build. pyproject.toml itself only asks for a range.
#
# app.sh, test.sh and lint.sh install the same extras, "test" (a superset of "app": the MPE
# and LBF environments and movies, plus RWARE, VMAS and the test tools), so running one
# after another installs nothing. pip runs only when something it depends on changed: one
# stamp in .venv records a hash of pyproject.toml, constraints.txt and the extras of the
# last install that succeeded. The install is editable, so source edits need none.
# HIDDENSCOPE_EXTRAS set before sourcing this asks for other extras (gpu_check.sh adds bench).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
HIDDENSCOPE_EXTRAS=${HIDDENSCOPE_EXTRAS:-test}
if [ ! -x .venv/bin/python ]; then
  echo "hiddenscope: making .venv with $PY" >&2
  "$PY" -m venv .venv
fi
_stamp_file=".venv/.hiddenscope-installed"
_stamp=$(.venv/bin/python - "$HIDDENSCOPE_EXTRAS" <<'PYCODE'
import hashlib, sys
digest = hashlib.sha256(sys.argv[1].encode())
for name in ("pyproject.toml", "constraints.txt"):
    with open(name, "rb") as f:
        digest.update(f.read())
print(digest.hexdigest())
PYCODE
)
if [ ! -f "$_stamp_file" ] || [ "$(cat "$_stamp_file")" != "$_stamp" ]; then
  rm -f "$_stamp_file"
  echo "hiddenscope: installing hiddenscope[$HIDDENSCOPE_EXTRAS] into .venv (once; about a minute the first time)…" >&2
  _started=$SECONDS
  _quiet=--quiet  # on a terminal pip shows what it downloads and installs; in logs (CI) it is quiet
  if [ -t 2 ]; then _quiet=; fi
  .venv/bin/python -m pip install $_quiet -c constraints.txt -e ".[$HIDDENSCOPE_EXTRAS]"
  echo "hiddenscope: installed in $((SECONDS - _started)) s" >&2
  echo "$_stamp" > "$_stamp_file"
  unset _started _quiet
fi
unset _stamp _stamp_file
