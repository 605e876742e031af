"""Level-Based Foraging (the ``lbforaging`` 2 package, gymnasium API), one environment per batch row.

The environment is ``lbforaging.foraging.ForagingEnv`` built directly with the
arguments its registered ids use (``Foraging-8x8-2p-3f-v3`` is ``size=8
players=2 food=3``; ``-2s`` ids are ``sight=2``; ``-coop`` is ``force_coop=true``).
Row ``r`` is reset with ``seed + r``, later episodes with
:func:`~hiddenscope.core.envs.base.episode_seed`.  An episode ends when all food
is eaten or after ``max_episode_steps`` steps.

Observations (vector form): ``(y, x, level)`` for each food then each player,
the observing player first, ``-1 -1 0`` for what it cannot see: ``3 * food + 3 *
players`` numbers.  Actions: none, north, south, west, east, load.  The package
turns an impossible action into "none"; EPyMARL trains with every action
available, so masks are off unless ``action_masks=true``, which exposes the
package's valid moves for the current observation.

``lbforaging`` is an optional extra: ``pip install "hiddenscope[lbf]"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from ._common import Option, RowEnvBatch, convert_options, import_package

NAME = "lbf"
OPTIONS = (
    Option("size", "int", 8, "the field is size × size cells", minimum=3, maximum=256),
    Option("players", "int", 2, "agents", minimum=1, maximum=64),
    Option("food", "int", 3, "food items at the start of an episode", minimum=1, maximum=256),
    Option("sight", "int", 0, "how many cells each agent sees around it (0: the whole field)", minimum=0),
    Option("max_episode_steps", "int", 50, "steps per episode at most", minimum=1),
    Option("force_coop", "bool", False, "every food needs all players to load it"),
    Option("max_player_level", "int", 2, "players' levels are 1..this", minimum=1),
    Option(
        "max_food_level", "int", 0, "food levels are 1..this (0: up to the sum of the 3 highest players)", minimum=0
    ),
    Option("penalty", "float", 0.0, "reward lost by each player of a failed load", minimum=0),
    Option("action_masks", "bool", False, "give the package's valid moves as action masks"),
)


class ForagingBatch(RowEnvBatch):
    name = NAME

    def __init__(self, batch_size: int, options: dict[str, Any]) -> None:
        values = convert_options(NAME, OPTIONS, options)
        size, players, food = values["size"], values["players"], values["food"]
        if players + food > size * size // 2:
            raise ConfigError(
                f"lbf: {players} players and {food} food do not fit a {size}×{size} field"
                f" (food needs free cells around it); use a larger size=, or fewer players=/food="
            )
        foraging = import_package("lbforaging.foraging", NAME, "lbf", "lbforaging")
        self.options = values
        self.episode_limit = values["max_episode_steps"]
        self.has_action_masks = values["action_masks"]
        self._action_type = foraging.environment.Action

        def make() -> Any:
            return foraging.ForagingEnv(
                players=players,
                min_player_level=1,
                max_player_level=values["max_player_level"],
                min_food_level=1,
                max_food_level=values["max_food_level"] or None,
                field_size=(size, size),
                max_num_food=food,
                sight=values["sight"] or size,
                max_episode_steps=values["max_episode_steps"],
                force_coop=values["force_coop"],
                penalty=values["penalty"],
            )

        super().__init__(batch_size, make)

    def _read_sizes(self, env: Any) -> None:
        self.n_agents = int(env.n_agents)
        self.obs_dim = int(env.observation_space[0].shape[0])
        self.n_actions = int(env.action_space[0].n)

    def _reset_one(self, env: Any, seed: int) -> np.ndarray:
        # The package places new players away from the old episode's positions; forgetting them makes
        # every episode the one a fresh environment starts with this seed.
        for player in env.players:
            player.position = None
        observations, _ = env.reset(seed=seed)
        return np.stack(observations).astype(np.float32, copy=False)

    def _step_one(self, env: Any, actions: np.ndarray) -> tuple[np.ndarray | None, float, bool, bool]:
        observations, rewards, done, truncated, _ = env.step([int(a) for a in actions])
        ended = bool(done or truncated)
        limit = env.current_step >= self.episode_limit and env.field.sum() > 0
        obs = np.stack(observations).astype(np.float32, copy=False)  # at the end: the terminal observation
        return obs, float(sum(rewards)), ended, bool(truncated or limit)

    def _mask_one(self, env: Any) -> np.ndarray:
        mask = np.zeros((self.n_agents, self.n_actions), bool)
        for i, player in enumerate(env.players):
            for action in env._valid_actions[player]:  # the package's own list; no public accessor per player
                mask[i, action.value] = True
        return mask

    def describe(self) -> str:
        o = self.options
        sight = f"sight {o['sight']}" if o["sight"] else "full sight"
        return (
            f"Level-Based Foraging {o['size']}×{o['size']}, {self.n_agents} players, {o['food']} food, {sight}"
            f"{', cooperative' if o['force_coop'] else ''}: {self.batch_size} environments,"
            f" {self.episode_limit} steps at most, {int(self.episodes.sum())} episodes ended"
        )
