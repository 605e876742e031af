"""Inputs from a live multi-agent environment: PettingZoo MPE ``simple_spread`` (the ``mpe2`` package).

Each batch row is its own copy of the environment (seeded ``seed + row``), with
one agent of the model per agent of the environment.  Observations are the
model's inputs; after each step the agents act — greedily on the model's output
when it has one value per action (a PyMARL agent's Q-values), otherwise at
random from a seeded generator.  An episode that ends starts again.

``mpe2`` is an optional extra: ``pip install "hiddenscope[mpe]"``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .config import Config
from .errors import ConfigError

INSTALL_HINT = 'the MPE environment needs the optional extra: pip install "hiddenscope[mpe]" (it installs mpe2)'
MAX_CYCLES = 25


def _simple_spread():  # noqa: ANN202
    try:
        from mpe2 import simple_spread_v3
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    return simple_spread_v3


def observation_size(n_agents: int) -> int:
    env = _simple_spread().parallel_env(N=n_agents, max_cycles=MAX_CYCLES, continuous_actions=False)
    try:
        return int(env.observation_space(env.possible_agents[0]).shape[0])
    finally:
        env.close()


class MPEInputs:
    """A batch of ``simple_spread`` environments as an input source with feedback."""

    def __init__(self, batch_size: int, n_agents: int, seed: int = 0) -> None:
        module = _simple_spread()
        self.envs = [module.parallel_env(N=n_agents, max_cycles=MAX_CYCLES, continuous_actions=False) for _ in range(batch_size)]
        self.agents = list(self.envs[0].possible_agents)
        self.n_actions = int(self.envs[0].action_space(self.agents[0]).n)
        obs = int(self.envs[0].observation_space(self.agents[0]).shape[0])
        self.shape = (batch_size, n_agents, obs)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.t = -1
        self.episodes = 0
        self.rewards = np.zeros(batch_size)
        self.pending: np.ndarray | None = None
        self._obs = np.zeros(self.shape, np.float32)

    def describe(self) -> str:
        return f"MPE simple_spread: {self.shape[0]} environments × {self.shape[1]} agents, {self.episodes} episodes"

    def _store(self, row: int, observations: dict) -> None:
        for a, name in enumerate(self.agents):
            self._obs[row, a] = observations[name]

    def inputs(self, t: int) -> np.ndarray:
        if t == 0:
            for row, env in enumerate(self.envs):
                observations, _ = env.reset(seed=self.seed + row)
                self._store(row, observations)
            self.rng = np.random.default_rng(self.seed)
            self.rewards[:] = 0
            self.episodes = 0
        elif t == self.t + 1:
            actions = self.pending if self.pending is not None else self.rng.integers(0, self.n_actions, self.shape[:2])
            for row, env in enumerate(self.envs):
                observations, rewards, terminated, truncated, _ = env.step(
                    {name: int(actions[row, a]) for a, name in enumerate(self.agents)}
                )
                self.rewards[row] += sum(rewards.values())
                if not env.agents or any(terminated.values()) or any(truncated.values()):
                    self.episodes += 1
                    observations, _ = env.reset(seed=self.seed + row + 1000 * self.episodes)
                self._store(row, observations)
        else:
            raise ConfigError(f"the environment is at step {self.t}; it cannot jump to step {t}")
        self.t = t
        self.pending = None
        return self._obs.copy()

    def feedback(self, output: np.ndarray) -> None:
        """The model's output for the last step: Q-values choose actions greedily, anything else acts at random."""
        if output.shape[-1] == self.n_actions:
            self.pending = output.reshape(*self.shape[:2], self.n_actions).argmax(axis=-1)
        else:
            self.pending = self.rng.integers(0, self.n_actions, self.shape[:2])


def mpe_inputs_factory(config: Config) -> tuple[Callable[[Config], MPEInputs], Config]:
    """An input factory over ``simple_spread`` and ``config`` with the observation size as the input size."""
    obs = observation_size(config.n_agents)

    def build(c: Config) -> MPEInputs:
        if c.input_dim != observation_size(c.n_agents):
            raise ConfigError(
                f"simple_spread with {c.n_agents} agents observes {observation_size(c.n_agents)} numbers per agent;"
                f" input size {c.input_dim} does not fit"
            )
        return MPEInputs(c.batch_size, c.n_agents, c.seed)

    return build, config.replace(input_dim=obs)
