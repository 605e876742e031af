"""PettingZoo MPE ``simple_spread`` (the ``mpe2`` package), one parallel environment per batch row.

Row ``r`` is reset with ``seed + r``, later episodes with
:func:`~hiddenscope.core.envs.base.episode_seed`.  An episode ends when the
environment has no agents left or any agent is terminated or truncated (after
``max_cycles`` steps).  Discrete actions: no-op, left, right, down, up; every
action is always allowed.

``mpe2`` is an optional extra: ``pip install "hiddenscope[mpe]"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import Option, RowEnvBatch, convert_options, import_package

NAME = "simple_spread"
OPTIONS = (
    Option("n_agents", "int", 3, "agents (and landmarks)", minimum=1, maximum=64),
    Option("max_cycles", "int", 25, "steps per episode", minimum=1),
    Option(
        "local_ratio", "float", 0.5, "weight of each agent's own collision penalty against the shared reward", minimum=0
    ),
)


def simple_spread_module() -> Any:
    return import_package("mpe2.simple_spread_v3", NAME, "mpe", "mpe2")


class SimpleSpreadBatch(RowEnvBatch):
    name = NAME

    def __init__(self, batch_size: int, options: dict[str, Any]) -> None:
        values = convert_options(NAME, OPTIONS, options)
        module = simple_spread_module()
        self.options = values
        self.episode_limit = values["max_cycles"]

        def make() -> Any:
            return module.parallel_env(
                N=values["n_agents"],
                local_ratio=values["local_ratio"],
                max_cycles=values["max_cycles"],
                continuous_actions=False,
            )

        super().__init__(batch_size, make)

    def _read_sizes(self, env: Any) -> None:
        self.agents = list(env.possible_agents)
        self.n_agents = len(self.agents)
        self.obs_dim = int(env.observation_space(self.agents[0]).shape[0])
        self.n_actions = int(env.action_space(self.agents[0]).n)

    def _stack(self, observations: dict) -> np.ndarray:
        return np.stack([np.asarray(observations[a], np.float32) for a in self.agents])

    def _reset_one(self, env: Any, seed: int) -> np.ndarray:
        observations, _ = env.reset(seed=seed)
        return self._stack(observations)

    def _step_one(self, env: Any, actions: np.ndarray) -> tuple[np.ndarray | None, float, bool, bool]:
        observations, rewards, terminated, truncated, _ = env.step(
            {a: int(actions[i]) for i, a in enumerate(self.agents)}
        )
        reward = float(sum(rewards.values()))
        ended = not env.agents or any(terminated.values()) or any(truncated.values())
        obs = self._stack(observations) if all(a in observations for a in self.agents) else None
        return obs, reward, bool(ended), bool(any(truncated.values()) and not any(terminated.values()))

    def describe(self) -> str:
        return (
            f"MPE simple_spread: {self.batch_size} environments × {self.n_agents} agents,"
            f" {self.episode_limit} steps per episode, {int(self.episodes.sum())} episodes ended"
        )
