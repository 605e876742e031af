# Sourced by app.sh, test.sh and lint.sh: make .venv (once) and install hiddenscope into it.
# constraints.txt pins torch to one tested release: on this kind of machine that is a
# CPU wheel that installs in seconds; on a Linux machine with a GPU the same release
# from PyPI is a CUDA build. pyproject.toml itself only asks for a range.
#
# pip runs only when something it depends on changed: a stamp in .venv records a hash of
# pyproject.toml, constraints.txt and the extras of the last install that succeeded
# (one stamp per set of extras). The install is editable, so source edits need none.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
_stamp_file=".venv/.hiddenscope-installed-${HIDDENSCOPE_EXTRAS:-none}"
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
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$HIDDENSCOPE_EXTRAS]"
  echo "$_stamp" > "$_stamp_file"
fi
unset _stamp _stamp_file
