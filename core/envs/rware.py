"""Multi-Robot Warehouse (the ``rware`` 2 package, gymnasium API), one environment per batch row.

``rware.warehouse.Warehouse`` is built with the arguments of the registered ids
(``rware-tiny-2ag-v2`` is ``size=tiny agents=2``; ``-easy``/``-hard`` ids are
``difficulty=easy``/``hard``: 2× or 0.5× as many requested shelves as agents).
Row ``r`` is reset with ``seed + r``, later episodes with
:func:`~hiddenscope.core.envs.base.episode_seed`.  An episode ends after
``max_steps`` steps (500, as the registered ids and EPyMARL's runs), or after
``max_inactivity_steps`` steps without a delivery when that is set.

Observations: the flattened vector form (71 numbers for ``tiny`` with 2 agents
and sensor range 1).  Actions: no-op, forward, left, right, toggle load; every
action is always allowed (the package has no masks).

``rware`` is an optional extra: ``pip install "hiddenscope[rware]"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import Option, RowEnvBatch, convert_options, import_package

NAME = "rware"
SIZES = {"tiny": (1, 3), "small": (2, 3), "medium": (2, 5), "large": (3, 5)}  # shelf rows, shelf columns
DIFFICULTY = {"easy": 2.0, "normal": 1.0, "hard": 0.5}  # requested shelves per agent
REWARDS = {"individual": "INDIVIDUAL", "global": "GLOBAL", "two_stage": "TWO_STAGE"}
OPTIONS = (
    Option("size", "choice", "tiny", "warehouse size", choices=tuple(SIZES)),
    Option("agents", "int", 2, "robots", minimum=1, maximum=64),
    Option(
        "difficulty",
        "choice",
        "normal",
        "requested shelves: easy 2×, normal 1×, hard 0.5× the robots",
        choices=tuple(DIFFICULTY),
    ),
    Option("max_steps", "int", 500, "steps per episode", minimum=1),
    Option(
        "max_inactivity_steps",
        "int",
        0,
        "end an episode after this many steps without a delivery (0: never)",
        minimum=0,
    ),
    Option("sensor_range", "int", 1, "cells each robot sees around it", minimum=1),
    Option("column_height", "int", 8, "shelves per column", minimum=1),
    Option("reward", "choice", "individual", "who is rewarded for a delivery", choices=tuple(REWARDS)),
)


class WarehouseBatch(RowEnvBatch):
    name = NAME

    def __init__(self, batch_size: int, options: dict[str, Any]) -> None:
        values = convert_options(NAME, OPTIONS, options)
        warehouse = import_package("rware.warehouse", NAME, "rware", "rware")
        self.options = values
        self.episode_limit = values["max_steps"]
        rows, columns = SIZES[values["size"]]
        agents = values["agents"]

        def make() -> Any:
            return warehouse.Warehouse(
                shelf_columns=columns,
                column_height=values["column_height"],
                shelf_rows=rows,
                n_agents=agents,
                msg_bits=0,
                sensor_range=values["sensor_range"],
                request_queue_size=max(1, int(agents * DIFFICULTY[values["difficulty"]])),
                max_inactivity_steps=values["max_inactivity_steps"] or None,
                max_steps=values["max_steps"],
                reward_type=warehouse.RewardType[REWARDS[values["reward"]]],
                observation_type=warehouse.ObservationType.FLATTENED,
            )

        super().__init__(batch_size, make)

    def _read_sizes(self, env: Any) -> None:
        self.n_agents = int(env.n_agents)
        self.obs_dim = int(env.observation_space[0].shape[0])
        self.n_actions = int(env.action_space[0].n)

    def _reset_one(self, env: Any, seed: int) -> np.ndarray:
        observations, _ = env.reset(seed=seed)
        return np.stack(observations).astype(np.float32, copy=False)

    def _step_one(self, env: Any, actions: np.ndarray) -> tuple[np.ndarray | None, float, bool, bool]:
        observations, rewards, done, truncated, _ = env.step([int(a) for a in actions])
        ended = bool(done or truncated)
        obs = np.stack(observations).astype(np.float32, copy=False)  # at the end: the terminal observation
        return obs, float(sum(rewards)), ended, bool(truncated or env._cur_steps >= self.episode_limit)

    def describe(self) -> str:
        o = self.options
        return (
            f"Multi-Robot Warehouse {o['size']}, {self.n_agents} robots, {o['difficulty']}: {self.batch_size}"
            f" environments, {self.episode_limit} steps per episode, {int(self.episodes.sum())} episodes ended"
        )
