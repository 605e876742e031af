"""What tracing costs: bare model step vs traced step, side by side, at three sizes.

    python benchmarks/trace_overhead.py

A "bare" step is ``model(inputs, hidden)`` under ``torch.no_grad()``; a traced step
is the same call under hiddenscope's recorder.  Blocks of each alternate, and the
fastest block of each counts, so noise from the rest of the machine (which only
ever adds time) hits neither side more than the other.
"""

from __future__ import annotations

import json
import time

import torch

from hiddenscope.core import Config, Stepper
from hiddenscope.core.trace import trace_forward
from hiddenscope.core.tuning import keep_freed_memory

keep_freed_memory()  # as the app does when it opens its window

SIZES = [(32, 5, 96), (256, 16, 96), (1024, 64, 96)]


def measure(batch: int, agents: int, units: int) -> dict[str, float]:
    stepper = Stepper(Config(batch_size=batch, n_agents=agents, hidden_dim=units * 4 // 3), history_budget=2**20)
    stepper.step()
    model, hidden = stepper.model, stepper.hidden_state
    inputs = torch.from_numpy(stepper.source.inputs(1)).to(stepper.device, stepper.dtype)
    per_block = max(2, int(20_000 / (batch * agents) ** 0.9))

    def bare() -> None:
        with torch.no_grad():
            model(inputs, hidden)

    def traced() -> None:
        trace_forward(model, inputs, hidden, step=1)

    best = {"bare": float("inf"), "traced": float("inf")}
    for _ in range(9):
        for name, fn in (("bare", bare), ("traced", traced)):
            started = time.perf_counter()
            for _ in range(per_block):
                fn()
            best[name] = min(best[name], (time.perf_counter() - started) / per_block * 1000)
    return {
        "bare_ms": round(best["bare"], 4),
        "traced_ms": round(best["traced"], 4),
        "ratio": round(best["traced"] / best["bare"], 3),
    }


def main() -> None:
    results = {}
    print(f"{'size':>12}  {'bare step':>12}  {'traced step':>12}  ratio")
    for size in SIZES:
        r = results["x".join(map(str, size))] = measure(*size)
        print(f"{'x'.join(map(str, size)):>12}  {r['bare_ms']:9.3f} ms  {r['traced_ms']:9.3f} ms  {r['ratio']:.3f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
