"""VMAS (the ``vmas`` package): one vectorised PyTorch simulator whose ``num_envs`` is the batch.

The simulator runs on the model's device; :meth:`VmasBatch.step` takes and gives
NumPy like every adapter, and :meth:`VmasBatch.step_tensors` keeps everything
on the device.  Actions are discrete (VMAS's ``continuous_actions=False``: 9
actions for a 2-D holonomic agent, the product of its per-axis choices).

Seeds: VMAS draws every row's randomness from one generator, so it cannot seed
a row alone.  :meth:`VmasBatch.reset` seeds the whole simulator with ``seed``;
a row whose episode ends is reset with ``reset_at`` from that same stream (or,
when every row ends at once, one vectorised reset), so a run is reproducible
from ``seed`` and the actions, but a row's next episode depends on which rows
ended before it.  Each batch keeps its own copy of VMAS's generator state, so
two batches (or a model sampling actions) do not disturb each other.

Episodes end when the scenario says so or after ``max_steps`` steps (default 100,
as BenchMARL's VMAS tasks; 0: only the scenario decides).  Rewards are summed
over agents: scenarios with a shared reward give each agent the same one, so
the sum is ``n_agents`` times it.

Scenarios whose agents observe different numbers of values (or a dict) are
refused: one model needs one input size for all agents.

``vmas`` is an optional extra: ``pip install "hiddenscope[vmas]"``.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ConfigError
from ..step_runtime import torch_threads
from ._common import Option, check_seed, convert_options, guess_value, import_package, quiet

NAME = "vmas"
DEFAULT_SCENARIO = "balance"
OPTIONS = (
    Option("scenario", "str", DEFAULT_SCENARIO, "a VMAS scenario (balance, transport, dispersion, navigation, ...)"),
    Option(
        "n_agents", "int", 0, "agents, for scenarios that take it (0: the scenario's default)", minimum=0, maximum=256
    ),
    Option("max_steps", "int", 100, "steps per episode at most (0: the scenario decides alone)", minimum=0),
)
UNUSED_KWARGS = re.compile(r"Scenario kwargs: (\{.*\}) passed but not used")


def scenario_names() -> list[str]:
    """Every scenario ``vmas.make_env`` can load by name (files under ``vmas/scenarios``)."""
    root = Path(str(importlib.import_module("vmas.scenarios").__file__)).parent
    return sorted(p.stem for p in root.rglob("*.py") if not p.stem.startswith("_"))


def batch_tensors(root: Any, batch_size: int, clone: bool) -> dict[tuple, torch.Tensor]:
    """Every tensor with one row per environment reachable from ``root``, by its path of attributes/keys.

    Walks VMAS's own objects (and scenarios, which VMAS loads as modules named
    ``""``), lists, tuples and dicts; the first path to each tensor names it.
    """
    found: dict[tuple, torch.Tensor] = {}
    seen: set[int] = set()
    stack: list[tuple[tuple, Any]] = [((), root)]
    while stack:
        path, obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, dict):
            items = list(obj.items())
        elif isinstance(obj, (list, tuple)):
            items = list(enumerate(obj))
        else:
            items = list(vars(obj).items())
        for key, value in reversed(items):
            if isinstance(value, torch.Tensor):
                if value.dim() >= 1 and value.shape[0] == batch_size and id(value) not in seen:
                    seen.add(id(value))
                    found[path + (key,)] = value.clone() if clone else value
            elif isinstance(value, (dict, list, tuple)) or _is_vmas_object(value):
                stack.append((path + (key,), value))
    return found


def _is_vmas_object(value: Any) -> bool:
    module = getattr(type(value), "__module__", None)
    return (
        hasattr(value, "__dict__") and not isinstance(value, type) and (module == "" or str(module).startswith("vmas"))
    )


class VmasBatch:
    """``batch_size`` VMAS environments in one simulator, NumPy or torch in and out."""

    has_action_masks = False
    ROW_RESETS = 2  # more rows ending in one step: one vectorised reset, the others' state put back
    # On the CPU the simulator runs on cpu_threads torch threads (None: as many as the process uses), chosen when
    # the batch is made by timing a few no-op steps both ways (_choose_cpu_threads).  At 1024 environments on a
    # 2-core machine most scenarios' steps are hundreds of small ops, for which a second thread gives little or
    # costs more (balance, give_way, transport, dispersion, wheel, football), while navigation, flocking and
    # discovery step 1.5 to 1.6 times faster on all (benchmarks/vmas_1024.py --scenario ...).  The numbers do
    # not depend on it, only the speed (tests/test_envs.py).
    cpu_threads: int | None = 1
    THREAD_TRIALS = 3  # rounds of one timed step on each setting, after one untimed step on each
    THREADS_FROM_BATCH = 256  # smaller batches keep one thread without timing (their ops stay on one anyway)
    ALL_THREADS_GAIN = 1.25  # all threads are chosen when their fastest step is this many times faster

    def __init__(self, batch_size: int, options: dict[str, Any], device: str = "cpu", seed: int = 0) -> None:
        declared = {o.key for o in OPTIONS}
        values = convert_options(NAME, OPTIONS, {k: v for k, v in options.items() if k in declared})
        extra = {k: guess_value(v) if isinstance(v, str) else v for k, v in options.items() if k not in declared}
        if batch_size < 1:
            raise ConfigError(f"the batch size must be at least 1, got {batch_size}")
        vmas = import_package("vmas", NAME, "vmas", "vmas")
        scenario = values["scenario"]
        names = scenario_names()
        if scenario not in names:
            raise ConfigError(f"VMAS has no scenario {scenario!r}; it has: {', '.join(names)}")
        try:
            self.device = torch.device(device)
        except (RuntimeError, TypeError):
            raise ConfigError(f"vmas: {device!r} is not a torch device") from None
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"vmas: device {device} asked for, but this torch sees no CUDA device")
        kwargs = dict(extra)
        if values["n_agents"]:
            kwargs["n_agents"] = values["n_agents"]
        self.name = f"vmas:{scenario}"
        self.scenario = scenario
        self.options = {**values, **extra}
        self.batch_size = int(batch_size)
        self.episode_limit = values["max_steps"]
        self._shared_rng = importlib.import_module("vmas.simulator.environment").Environment.vmas_random_state
        self._rng: list | None = None
        self._cuda_rng: torch.Tensor | None = None
        with self._own_rng(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # recorded here, to find the scenario's "kwargs not used" warning
            try:
                self.env = vmas.make_env(
                    scenario,
                    num_envs=self.batch_size,
                    device=self.device,
                    continuous_actions=False,
                    seed=check_seed(seed),
                    max_steps=self.episode_limit or None,
                    **kwargs,
                )
            except (TypeError, ValueError, AssertionError, KeyError, RuntimeError) as error:
                raise ConfigError(f"vmas:{scenario} with {kwargs or 'its defaults'} cannot start: {error}") from None
        for warning in caught:
            unused = UNUSED_KWARGS.search(str(warning.message))
            if unused:
                keys = ", ".join(k for k in kwargs if f"'{k}'" in unused.group(1)) or unused.group(1)
                raise ConfigError(
                    f"vmas:{scenario} does not take {keys}; options: scenario, n_agents (where the scenario has it),"
                    f" max_steps, and the keywords of the scenario's make_world"
                )
        self._read_sizes()
        self._try_a_step(kwargs)
        self.cpu_threads = self._choose_cpu_threads()
        self.seed: int | None = None
        self.episodes = np.zeros(self.batch_size, np.int64)
        self.last_truncated = np.zeros(self.batch_size, bool)

    # generator isolation ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _own_rng(self) -> Iterator[None]:
        """VMAS's one module-wide generator state swapped for this batch's own (and its CUDA generator's).

        Inside, autograd is off: nothing here needs gradients, and VMAS's step is hundreds of small
        ops, each of which pays for autograd's bookkeeping otherwise (``balance`` at 1024 environments
        on one thread: 6.6 → 6.1 ms a step).
        """
        saved = list(self._shared_rng)
        if self._rng is not None:
            self._shared_rng[:] = self._rng
        cuda = self.device.type == "cuda"
        if cuda:
            saved_cuda = torch.cuda.get_rng_state(self.device)
            if self._cuda_rng is not None:
                torch.cuda.set_rng_state(self._cuda_rng, self.device)
        try:
            with torch_threads(self.simulator_threads()), quiet(), torch.no_grad():
                yield
        finally:
            self._rng = list(self._shared_rng)
            self._shared_rng[:] = saved
            if cuda:
                self._cuda_rng = torch.cuda.get_rng_state(self.device)
                torch.cuda.set_rng_state(saved_cuda, self.device)

    def simulator_threads(self) -> int | None:
        """The torch threads the simulator steps on: :attr:`cpu_threads` where that is fewer (None: as it is)."""
        cuda = self.device.type == "cuda"
        fewer = not cuda and self.cpu_threads is not None and torch.get_num_threads() > self.cpu_threads
        return self.cpu_threads if fewer else None

    def _read_sizes(self) -> None:
        env = self.env
        self.n_agents = int(env.n_agents)
        with self._own_rng():
            observations = env.get_from_scenario(
                get_observations=True, get_rewards=False, get_infos=False, get_dones=False
            )[0]
        sizes = []
        for agent, obs in zip(env.agents, observations, strict=True):
            if not isinstance(obs, torch.Tensor) or obs.dim() != 2:
                kind = type(obs).__name__ if not isinstance(obs, torch.Tensor) else f"a {obs.dim()}-d tensor"
                raise ConfigError(
                    f"vmas:{self.scenario}: agent {agent.name} observes {kind}; hiddenscope needs one vector per agent"
                )
            sizes.append(int(obs.shape[1]))
        if len(set(sizes)) != 1:
            raise ConfigError(
                f"vmas:{self.scenario}: its agents observe different sizes ({', '.join(map(str, sizes))});"
                " one model needs one input size for all agents, so pick another scenario"
            )
        actions = [int(space.n) if hasattr(space, "n") else -1 for space in env.action_space]
        if len(set(actions)) != 1 or actions[0] < 1:
            raise ConfigError(
                f"vmas:{self.scenario}: its agents have different discrete action sets ({actions});"
                " one model needs one action count for all agents"
            )
        self.obs_dim = sizes[0]
        self.n_actions = actions[0]

    def _try_a_step(self, kwargs: dict[str, Any]) -> None:
        """One step of no-ops, so that a scenario keyword VMAS only uses while stepping fails here, clearly."""
        idle = [torch.zeros(self.batch_size, 1, dtype=torch.long, device=self.device) for _ in range(self.n_agents)]
        try:
            with self._own_rng():
                self.env.step(idle)
        except (TypeError, ValueError, AssertionError, KeyError, RuntimeError) as error:
            raise ConfigError(f"vmas:{self.scenario} with {kwargs} cannot step: {error}") from None

    def _choose_cpu_threads(self) -> int | None:
        """One torch thread, or all of them (None) where that is clearly faster for this scenario, timed on no-op steps.

        Only on the CPU with more than one thread.  These steps come before :meth:`reset`, which
        seeds the simulator afresh, so they change nothing a run shows.
        """
        if self.device.type == "cuda" or torch.get_num_threads() <= 1 or self.batch_size < self.THREADS_FROM_BATCH:
            return type(self).cpu_threads  # threads help none of VMAS's ops at small batches: nothing to time
        idle = [torch.zeros(self.batch_size, 1, dtype=torch.long, device=self.device) for _ in range(self.n_agents)]
        best: dict[int | None, float] = {1: float("inf"), None: float("inf")}
        everyone = torch.get_num_threads()  # None's count (inside _own_rng the count may already be another)
        with self._own_rng():
            for trial in range(self.THREAD_TRIALS + 1):
                for threads in best:
                    with torch_threads(threads or everyone):
                        started = time.perf_counter()
                        self.env.step(idle)
                        took = time.perf_counter() - started
                    if trial:  # the first round warms both up
                        best[threads] = min(best[threads], took)
        # All threads only where clearly faster: for light scenarios the two are within this machine's noise.
        return None if best[None] * self.ALL_THREADS_GAIN < best[1] else 1

    # tensors on the device ---------------------------------------------------------------------------------
    def _observations(self, observations: list[torch.Tensor]) -> torch.Tensor:
        return torch.stack(observations, dim=1).to(torch.float32)

    def reset_tensors(self, seed: int) -> torch.Tensor:
        self.seed = check_seed(seed)
        self.episodes[:] = 0
        self.last_truncated[:] = False
        with self._own_rng():
            observations = self.env.reset(seed=self.seed)
        return self._observations(observations)

    def step_tensors(self, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(obs (batch, n_agents, obs_dim) float32, rewards (batch,) float64, done (batch,) bool)`` on ``device``."""
        if self.seed is None:
            raise RuntimeError(f"{self.name}: reset(seed) must come before step()")
        actions = torch.as_tensor(actions, device=self.device)
        if tuple(actions.shape) != (self.batch_size, self.n_agents):
            raise ValueError(
                f"actions must have shape ({self.batch_size}, {self.n_agents}), got {tuple(actions.shape)}"
            )
        if actions.is_floating_point() or actions.is_complex() or actions.dtype == torch.bool:
            raise ValueError(f"actions must be whole numbers, got dtype {actions.dtype}")
        if actions.numel() and (int(actions.min()) < 0 or int(actions.max()) >= self.n_actions):
            raise ValueError(f"actions must lie in 0..{self.n_actions - 1}")
        per_agent = [actions[:, i : i + 1] for i in range(self.n_agents)]
        with self._own_rng():
            observations, rewards, dones, _ = self.env.step(per_agent)
            total = torch.stack(rewards, dim=1).sum(dim=1).to(torch.float64)
            done = dones.to(torch.bool)
            ended = done.nonzero().flatten()
            if len(ended):
                self._end(done, ended)
                observations = self.env.get_from_scenario(
                    get_observations=True, get_rewards=False, get_infos=False, get_dones=False
                )[0]
            else:
                self.last_truncated[:] = False
        return self._observations(observations), total, done

    def _end(self, done: torch.Tensor, ended: torch.Tensor) -> None:
        """Reset the rows that ended (inside ``_own_rng``).

        VMAS resets one row at a time (``reset_at``: about 3 ms for ``balance`` at
        1024 rows, as costly as a whole vectorised reset), so when more than
        ``ROW_RESETS`` rows end together the whole simulator is reset at once and
        the rows that go on get their state back: every tensor of the simulator
        and its scenario with one row per environment, copied before and written
        back after.
        """
        limit = self.episode_limit
        truncated = done & (self.env.steps >= limit) if limit else torch.zeros_like(done)
        self.last_truncated[:] = truncated.cpu().numpy()
        rows = ended.cpu().numpy()
        self.episodes[rows] += 1
        if len(rows) == self.batch_size:
            self.env.reset(return_observations=False)
        elif len(rows) <= self.ROW_RESETS:
            for row in rows:
                self.env.reset_at(int(row), return_observations=False)
        else:
            keep = ~done
            with torch.no_grad():
                before = batch_tensors(self.env, self.batch_size, clone=True)
                self.env.reset(return_observations=False)
                after = batch_tensors(self.env, self.batch_size, clone=False)
                for path, old in before.items():
                    new = after.get(path)
                    if new is not None and new.shape == old.shape and new.dtype == old.dtype:
                        new[keep] = old[keep]

    # the protocol (NumPy) ------------------------------------------------------------------------------
    def reset(self, seed: int) -> np.ndarray:
        return self.reset_tensors(seed).cpu().numpy()

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        array = np.asarray(actions)
        if array.dtype.kind not in "iu":
            raise ValueError(f"actions must be whole numbers, got dtype {array.dtype}")
        obs, rewards, done = self.step_tensors(torch.from_numpy(array.astype(np.int64, copy=False)))
        return obs.cpu().numpy(), rewards.cpu().numpy(), done.cpu().numpy()

    def available_actions(self) -> np.ndarray | None:
        return None

    def describe(self) -> str:
        limit = f"{self.episode_limit} steps at most" if self.episode_limit else "no step limit"
        return (
            f"VMAS {self.scenario}: {self.batch_size} environments × {self.n_agents} agents on {self.device},"
            f" {limit}, {int(self.episodes.sum())} episodes ended"
        )

    def close(self) -> None:
        self.env = None
