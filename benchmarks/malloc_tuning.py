"""glibc allocator tuning (``core/tuning.keep_freed_memory``): A/B, side by side in one run.

    python benchmarks/malloc_tuning.py            # 1024 batch rows × 64 agents
    python benchmarks/malloc_tuning.py --quick

Each side runs in its own fresh process (an allocator setting is per process and
cannot be undone), the two alternating so that machine noise hits both alike:
``with`` calls ``keep_freed_memory()`` as the app does at start-up, ``without``
leaves glibc's defaults.  Each process times ``Stepper.step()`` (tracing on, as in
the app) on the main thread and on a worker thread (where Play steps), fastest
block of each, and reads resident memory after the run and its peak (the largest
over that side's processes is reported).  The last line printed
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, resource, sys, threading, time
import psutil
from hiddenscope.core import Config
from hiddenscope.core import Stepper
from hiddenscope.core.tuning import keep_freed_memory

tuned = sys.argv[1] == "with"
batch, agents, blocks, per_block, mmap_mb, trim_mb = (int(a) for a in sys.argv[2:8])
applied = keep_freed_memory(mmap_mb * 2**20, trim_mb * 2**20) if tuned else False
stepper = Stepper(Config(batch_size=batch, n_agents=agents, device="cpu"), history_budget=256 * 2**20)
# Warm up past one lap of the history ring, so that its first touch is not timed.
stepper.run(stepper.history.capacity + 2)

def best_ms():
    best = float("inf")
    for _ in range(blocks):
        started = time.perf_counter()
        for _ in range(per_block):
            stepper.step()
        best = min(best, (time.perf_counter() - started) / per_block * 1000)
    return best

main_ms = best_ms()
out = {}
worker = threading.Thread(target=lambda: out.update(ms=best_ms()))
worker.start()
worker.join()
print(json.dumps({"applied": applied, "main_ms": main_ms, "worker_ms": out["ms"],
                  "rss_mb": psutil.Process().memory_info().rss / 2**20,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "history_mb": stepper.history.nbytes / 2**20, "t": stepper.t}))
"""


def one_run(
    tuned: bool, batch: int, agents: int, blocks: int, per_block: int, mmap_mb: int = 512, trim_mb: int = 1024
) -> dict:
    env = dict(os.environ)
    env.pop("HIDDENSCOPE_DEFAULT_MALLOC", None)
    args = ["with" if tuned else "without", *(str(a) for a in (batch, agents, blocks, per_block, mmap_mb, trim_mb))]
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(
    batch: int = 1024, agents: int = 64, pairs: int = 3, blocks: int = 3, per_block: int = 5
) -> dict[str, float]:
    runs: dict[bool, list[dict]] = {True: [], False: []}
    for _ in range(pairs):
        for tuned in (False, True):
            runs[tuned].append(one_run(tuned, batch, agents, blocks, per_block))
    if not all(r["applied"] for r in runs[True]):
        raise RuntimeError("keep_freed_memory() did not apply (not glibc?): nothing to compare")
    result: dict[str, float] = {"batch": batch, "n_agents": agents, "steps_per_process": runs[True][0]["t"]}
    for tuned, side in ((True, "with"), (False, "without")):
        result[f"{side}_step_ms"] = round(min(r["main_ms"] for r in runs[tuned]), 2)
        result[f"{side}_worker_step_ms"] = round(min(r["worker_ms"] for r in runs[tuned]), 2)
        result[f"{side}_rss_mb"] = round(max(r["rss_mb"] for r in runs[tuned]), 1)
        result[f"{side}_peak_rss_mb"] = round(max(r["peak_rss_mb"] for r in runs[tuned]), 1)
    result["history_mb"] = round(runs[True][0]["history_mb"], 1)
    result["step_without_over_with"] = round(result["without_step_ms"] / result["with_step_ms"], 2)
    result["worker_step_without_over_with"] = round(result["without_worker_step_ms"] / result["with_worker_step_ms"], 2)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer processes and steps")
    args = parser.parse_args()
    r = measure(pairs=2 if args.quick else 4, blocks=2 if args.quick else 4, per_block=3 if args.quick else 6)
    print(f"{r['batch']}×{r['n_agents']}, {r['steps_per_process']} steps a process, history {r['history_mb']} MiB")
    for side in ("with", "without"):
        step, worker = r[f"{side}_step_ms"], r[f"{side}_worker_step_ms"]
        rss, peak = r[f"{side}_rss_mb"], r[f"{side}_peak_rss_mb"]
        print(
            f"{side:>8} tuning: step {step:.2f} ms, on a worker thread {worker:.2f} ms,"
            f" RSS {rss:.0f} MiB at the end, peak {peak:.0f} MiB (largest of its processes)"
        )
    print(f"without/with: step ×{r['step_without_over_with']}, worker step ×{r['worker_step_without_over_with']}")
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
