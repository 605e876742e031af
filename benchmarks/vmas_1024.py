"""A VMAS environment step against a model step, both at 1024 environments (batch rows), on the CPU.

    python benchmarks/vmas_1024.py [--quick] [--device cuda] [--scenario balance transport ...]

The environment step is what a live run pays per timestep on the environment's side:
``VmasBatch.step`` (actions in as NumPy, the simulator's step, observations, rewards and
dones back as NumPy, rows whose episode ended reset).  The model step is the seed's
agent (96 GRU units) on those observations, ``(1024, n_agents, obs_dim)``: the bare
model call, and the app's whole untraced step (inputs, model, host copy into history).
``simulator_step_ms`` is VMAS's own ``Environment.step`` alone on a second batch (no adapter,
no episode resets): the floor under ``env_step_ms`` that no adapter can go below.
Each is timed in interleaved blocks, fastest block of each (noise from other work on the
machine only ever adds time); the environment both as the adapter runs it (on the torch
threads ``VmasBatch`` chose for the scenario, ``env_cpu_threads``) and on all the process's
threads.  Prints one JSON line per scenario.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

from hiddenscope.core import Config, Stepper
from hiddenscope.core.envs import make_env_batch
from hiddenscope.core.inputs import PatternInputs
from hiddenscope.core.step_runtime import torch_threads

BATCH = 1024


def measure(blocks: int = 5, per_block: int = 10, scenario: str = "balance", device: str = "cpu") -> dict[str, object]:
    """Both steps on ``device`` (the simulator and the model alike)."""
    env = make_env_batch("vmas", BATCH, 0, {"scenario": scenario}, device=device)
    # A second batch stepped by VMAS alone: its own Environment.step, no adapter, no episode resets.
    bare_env = make_env_batch("vmas", BATCH, 0, {"scenario": scenario}, device=device)
    bare_env.reset(0)
    n_agents, obs_dim, n_actions = env.n_agents, env.obs_dim, env.n_actions
    config = Config(batch_size=BATCH, n_agents=n_agents, input_dim=obs_dim, hidden_dim=128, device=device)

    def inputs(c: Config) -> PatternInputs:
        return PatternInputs(c.batch_size, c.n_agents, c.input_dim, seed=c.seed)

    stepper = Stepper(config, input_factory=inputs, tracing=False, history_budget=64 * 2**20)
    rng = np.random.default_rng(0)
    actions = rng.integers(0, n_actions, size=(blocks * per_block + 1, BATCH, n_agents))
    x = torch.from_numpy(env.reset(0)).to(stepper.device, torch.float32)
    cuda = stepper.device.type == "cuda"
    h = stepper.hidden_state
    model = stepper.model
    k = 0

    def env_step() -> None:
        nonlocal k
        k = (k + 1) % len(actions)
        env.step(actions[k])

    def model_step() -> None:
        with torch_threads(stepper.threads), torch.no_grad():  # as the app runs this model's steps
            model(x, h)

    def app_step() -> None:
        stepper.step()

    per_agent = [[torch.from_numpy(a[:, i : i + 1]).to(bare_env.device) for i in range(n_agents)] for a in actions]

    def simulator_step() -> None:
        nonlocal k
        k = (k + 1) % len(actions)
        with torch_threads(bare_env.simulator_threads()), torch.no_grad():  # as the adapter runs it
            bare_env.env.step(per_agent[k])

    chosen = env.cpu_threads  # the adapter's choice for this scenario (1 or None: all threads)
    bare_env.cpu_threads = chosen  # the floor on the same threads, whatever its own timing said

    def env_step_all_threads() -> None:
        env.cpu_threads = None
        try:
            env_step()
        finally:
            env.cpu_threads = chosen

    timed = {
        "env_step_ms": env_step,  # as the adapter runs it: its own thread setting
        "env_step_ms_all_threads": env_step_all_threads,  # on every thread the process uses
        "simulator_step_ms": simulator_step,  # VMAS's own step alone: the floor under env_step_ms
        "model_step_ms": model_step,
        "app_step_ms": app_step,
    }
    best = dict.fromkeys(timed, float("inf"))
    try:
        for fn in timed.values():  # warm
            fn()
        for _ in range(blocks):
            for name, fn in timed.items():
                started = time.perf_counter()
                for _ in range(per_block):
                    fn()
                if cuda:
                    torch.cuda.synchronize(stepper.device)
                best[name] = min(best[name], (time.perf_counter() - started) / per_block * 1000)
    finally:
        env.close()
        bare_env.close()
    result: dict[str, object] = {"scenario": f"vmas:{scenario}", "batch": BATCH, "n_agents": n_agents, "device": device}
    threads = torch.get_num_threads()
    result.update(obs_dim=obs_dim, torch_threads=threads, env_cpu_threads=chosen or threads)
    result.update({name: round(ms, 3) for name, ms in best.items()})
    result["env_over_model"] = round(best["env_step_ms"] / best["model_step_ms"], 2)
    result["env_over_app_step"] = round(best["env_step_ms"] / best["app_step_ms"], 2)
    result["simulator_over_model"] = round(best["simulator_step_ms"] / best["model_step_ms"], 2)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument(
        "--scenario", nargs="+", default=["balance"], help="one or more VMAS scenarios: one JSON line each"
    )
    args = parser.parse_args()
    for scenario in args.scenario:
        result = measure(
            blocks=3 if args.quick else 7, per_block=5 if args.quick else 10, scenario=scenario, device=args.device
        )
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
