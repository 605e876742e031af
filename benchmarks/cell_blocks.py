"""A step with its GRU cells in row blocks (``hiddenscope.core.step_runtime.CellBlocks``) against the whole cell.

    python benchmarks/cell_blocks.py [--quick]

For each size (batch × agents, the seed model's 96 units, CPU), two steppers run the same
untraced steps: one with its cells in blocks of ``CELL_BLOCK_ROWS`` rows, one with the cell
called whole (``block_rows = None``), in alternating blocks of steps, the fastest block
of each (noise from other work only ever adds time), first on the main thread (the window's,
where Step runs) and then on a second thread (where Play runs).  ``same_bits`` says whether the
two runs' hidden states are equal to the bit, ``app_blocks`` whether the app blocks a step of
that size (``MIN_BLOCKED_ROWS``: from where blocks were faster on both threads).  Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time

import numpy as np
import torch

from hiddenscope.core import Config, Stepper
from hiddenscope.core.step_runtime import CELL_BLOCK_ROWS
from hiddenscope.core.tuning import keep_freed_memory

SIZES = ((256, 16), (128, 64), (256, 64), (512, 64), (1024, 64))


def best_ms(stepper: Stepper, other: Stepper, blocks: int, steps: int) -> tuple[float, float]:
    """The fastest block of ``steps`` steps of each stepper, the two taking turns."""
    best = [float("inf"), float("inf")]
    for _ in range(blocks):
        for i, s in enumerate((stepper, other)):
            started = time.perf_counter()
            for _ in range(steps):
                s.step()
            best[i] = min(best[i], (time.perf_counter() - started) / steps * 1000)
    return best[0], best[1]


def measure(blocks: int = 5, quick: bool = False) -> dict[str, object]:
    keep_freed_memory()  # as the app runs
    results: dict[str, object] = {"torch_threads": torch.get_num_threads()}
    for batch, agents in SIZES:
        config = Config(batch_size=batch, n_agents=agents, hidden_dim=128, device="cpu")
        blocked = Stepper(config, tracing=False, history_budget=16 * 2**20)
        whole = Stepper(config, tracing=False, history_budget=16 * 2**20)
        app_blocks = blocked.block_rows is not None
        blocked.block_rows, whole.block_rows = CELL_BLOCK_ROWS, None
        steps = max(2, min(200, 300_000 // (batch * agents))) // (2 if quick else 1)
        blocked.run(2), whole.run(2)
        main_blocked, main_whole = best_ms(blocked, whole, blocks, steps)
        on_worker: list[float] = []

        def on_a_worker(a: Stepper = blocked, b: Stepper = whole, n: int = steps, out: list[float] = on_worker) -> None:
            out.extend(best_ms(a, b, blocks, n))

        worker = threading.Thread(target=on_a_worker)
        worker.start()
        worker.join()
        same = blocked.t == whole.t and bool(np.array_equal(blocked.frame.hidden, whole.frame.hidden))
        results[f"{batch}x{agents}x96"] = {
            "rows": batch * agents,
            "block_rows": CELL_BLOCK_ROWS,
            "app_blocks": app_blocks,
            "threads": blocked.threads,
            "blocked_ms": round(main_blocked, 3),
            "whole_ms": round(main_whole, 3),
            "speedup": round(main_whole / main_blocked, 2),
            "worker_blocked_ms": round(on_worker[0], 3),
            "worker_whole_ms": round(on_worker[1], 3),
            "worker_speedup": round(on_worker[1] / on_worker[0], 2),
            "same_bits": same,
        }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure(blocks=3 if args.quick else 7, quick=args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
