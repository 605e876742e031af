#!/usr/bin/env bash
# The first run on a machine with an NVIDIA GPU, in under ten minutes: the CUDA tests, benchmarks/run.py
# --quick and record_overhead.py --quick on cuda, and the whole suite with device=auto (cuda there).
# Prints the benchmark's JSON last; with $OUT set, writes it to $OUT/gpu_check.json (and the record
# overhead's to $OUT/record-overhead-cuda.json).
#
#   bash scripts/gpu_check.sh                          # sets up .venv once (scripts/_venv.sh), then runs
#   HIDDENSCOPE_PYTHON=python3 bash scripts/gpu_check.sh  # an interpreter that already has hiddenscope
#
# On a lent machine with no package registry, pack what it lacks here first (bash scripts/gpu_pack.sh),
# then with the device tool: carry [".gpu"], command `bash scripts/gpu_check.sh`, timeout_s 600.
#
# Without a GPU it says so in one line and exits 2.  Each part has its own time limit; the exit
# status is the first failing part's (124: that part ran out of time).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -d .gpu ]; then  # carried in (scripts/gpu_pack.sh): the packages the machine lacks, for its own python3
    PY=${HIDDENSCOPE_PYTHON:-python3}
elif [ -n "${HIDDENSCOPE_PYTHON:-}" ]; then
    PY=$HIDDENSCOPE_PYTHON
else
    HIDDENSCOPE_EXTRAS=test,bench,vmas
    source scripts/_venv.sh || { echo "gpu_check: could not set up .venv" >&2; exit 2; }
    PY=.venv/bin/python
fi
export QT_QPA_PLATFORM=offscreen
if ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo "gpu_check: no CUDA GPU on this machine (torch.cuda.is_available() is False in $PY): nothing to check" >&2
    exit 2
fi
if [ -d .gpu ]; then
    site=/tmp/hiddenscope-site
    rm -rf "$site" && mkdir -p "$site/pkg"
    tar -xJf .gpu/qt.tar.xz -C "$site" &&
        "$PY" -m pip install -q --root-user-action=ignore --no-index --no-deps --no-compile --target "$site" \
            .gpu/whl/*.whl || { echo "gpu_check: could not unpack .gpu" >&2; exit 2; }
    ln -s "$PWD" "$site/pkg/hiddenscope"  # the repository is the package (pyproject's package-dir)
    export PYTHONPATH="$site:$site/pkg${PYTHONPATH:+:$PYTHONPATH}"
fi
"$PY" - <<'PYCODE'
import torch
p = torch.cuda.get_device_properties(0)
print(f"== {torch.cuda.get_device_name(0)}, {p.total_memory / 2**30:.0f} GiB, torch {torch.__version__}, CUDA {torch.version.cuda}")
PYCODE
status=0
run() {  # run LIMIT_SECONDS NAME COMMAND...: keep the first failure's status
    local limit=$1 name=$2
    shift 2
    echo "== $name (at most ${limit} s)"
    local started=$SECONDS
    timeout "$limit" "$@"
    local rc=$?
    echo "== $name: exit $rc after $((SECONDS - started)) s"
    if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then status=$rc; fi
}
run 90 "CUDA tests" "$PY" -m pytest -q -p no:cacheprovider tests/test_cuda.py tests/test_device_history.py
log=$(mktemp)
run 150 "benchmark on cuda" bash -c '"$0" benchmarks/run.py --quick --device cuda | tee "$1"; exit "${PIPESTATUS[0]}"' \
    "$PY" "$log"
json=$(tail -n 1 "$log")
rm -f "$log"
run 90 "record overhead on cuda" "$PY" benchmarks/record_overhead.py --quick --device cuda \
    --out "${OUT:-/tmp}/record-overhead-cuda.json"
workers=$(( $(nproc) > 14 ? 14 : $(nproc) ))
run 200 "the whole suite, device=auto" "$PY" -m pytest -q -p no:cacheprovider -x -n "$workers" \
    --durations=5 tests
echo "== JSON"
echo "$json"
if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
    echo "$json" > "$OUT/gpu_check.json"
fi
exit $status
