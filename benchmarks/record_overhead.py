"""What ``hiddenscope.record`` costs a training loop: steps per second with and without it, side by side.

    python benchmarks/record_overhead.py [--quick] [--device cpu|cuda] [--threads N] [--out results/NAME.json]

The loop is training-like: a GRUCell agent (an input layer, the cell, a Q head) run on a
``(batch * n_agents, 96)`` state, a loss on its Q-values, backward and an Adam step, every
step.  With recording on, each step also calls ``rec.step(h, inputs=x, outputs=q)`` (the
hidden state, inputs and outputs written to a session in a temporary folder).  The two
loops alternate, rounds times, in one process; the best round of each counts, and the
ratio is the overhead.  Sizes: 32×5×96 and 1024×64×96 (batch × agents × units).

The recording's writer is a thread of the training process: where the loop's torch threads take every
core (the default), the writer's work competes with them; ``--threads`` leaves cores free.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

import hiddenscope

SIZES = [(32, 5, 96), (1024, 64, 96)]
INPUTS, ACTIONS = 32, 8


class Agent(nn.Module):
    def __init__(self, units: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(INPUTS, units)
        self.rnn = nn.GRUCell(units, units)
        self.fc2 = nn.Linear(units, ACTIONS)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.rnn(torch.relu(self.fc1(x)), h)
        return self.fc2(h), h


def loop(agent: Agent, opt: torch.optim.Optimizer, x: torch.Tensor, h: torch.Tensor, steps: int, rec=None) -> float:
    """Steps per second of ``steps`` training steps (recording each with ``rec`` when given)."""
    if x.is_cuda:
        torch.cuda.synchronize()
    began = time.perf_counter()
    for _ in range(steps):
        q, h = agent(x, h.detach())
        loss = q.square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if rec is not None:
            rec.step(h, inputs=x, outputs=q)
    if x.is_cuda:
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - began)


def measure(batch: int, agents: int, units: int, steps: int, rounds: int, device: str, folder: str) -> dict:
    torch.manual_seed(0)
    rows = batch * agents
    agent = Agent(units).to(device)
    opt = torch.optim.Adam(agent.parameters(), lr=1e-4)
    x = torch.randn(rows, INPUTS, device=device)
    h = torch.zeros(rows, units, device=device)
    loop(agent, opt, x, h, 2)  # warm up
    plain, recorded, waited, closing = [], [], [], []
    for r in range(rounds):
        plain.append(loop(agent, opt, x, h, steps))
        path = os.path.join(folder, f"run-{batch}-{r}.h5")
        rec = hiddenscope.record(path, agents, model="benchmark agent", device=device)
        recorded.append(loop(agent, opt, x, h, steps, rec))
        began = time.perf_counter()
        rec.close()  # what was still queued is written here: reported apart
        closing.append(time.perf_counter() - began)
        waited.append(rec.waited_s)
        os.unlink(path)
    best_plain, best_rec = max(plain), max(recorded)
    return {
        "size": f"{batch}x{agents}x{units}",
        "steps_per_round": steps,
        "rounds": rounds,
        "plain_steps_per_s": [round(v, 2) for v in plain],
        "recorded_steps_per_s": [round(v, 2) for v in recorded],
        "best_plain_steps_per_s": round(best_plain, 2),
        "best_recorded_steps_per_s": round(best_rec, 2),
        "slowdown": round(best_plain / best_rec, 3),
        "step_waited_for_queue_s": [round(v, 3) for v in waited],
        "close_s": [round(v, 3) for v in closing],
        "mib_per_step": round(rows * (units + INPUTS + ACTIONS) * 4 / 2**20, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and rounds")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=None, help="where to write the JSON (default: benchmarks/results/)")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads for the training loop (default: torch's, one a core)"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    results = []
    with tempfile.TemporaryDirectory(prefix="hs-record-") as folder:
        for batch, agents, units in SIZES:
            small = batch * agents <= 4096
            steps = (100 if args.quick else 300) if small else (5 if args.quick else 20)
            rounds = 2 if args.quick else 3
            result = measure(batch, agents, units, steps, rounds, args.device, folder)
            print(
                f"{result['size']}: {result['best_plain_steps_per_s']} steps/s plain,"
                f" {result['best_recorded_steps_per_s']} recorded ({result['slowdown']}× slower)"
            )
            results.append(result)
    doc = {
        "benchmark": "record_overhead",
        "device": args.device,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "results": results,
    }
    out = Path(args.out or Path(__file__).parent / "results" / f"record-overhead-{args.device}.json")
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
