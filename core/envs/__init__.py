"""Multi-agent environments hiddenscope can drive, by name, each an optional extra.

>>> options = parse_env_options(["n_agents=3", "max_cycles=25"])
>>> batch = make_env_batch("simple_spread", batch_size=4, seed=0, options=options)
>>> obs = batch.reset(0)                                    # (4, 3, 18) float32
>>> obs, rewards, done = batch.step(actions)                # actions (4, 3) int64

=================  ==================  ===========================================================
name               extra               options (``--env-arg key=value``)
=================  ==================  ===========================================================
``simple_spread``  ``mpe`` (mpe2)      n_agents, max_cycles, local_ratio
``lbf``            ``lbf``             size, players, food, sight, max_episode_steps, force_coop,
                   (lbforaging)        max_player_level, max_food_level, penalty, action_masks
``rware``          ``rware``           size, agents, difficulty, max_steps, sensor_range,
                                       column_height, reward, max_inactivity_steps
``vmas``           ``vmas``            scenario, n_agents, max_steps, and the scenario's own keywords
=================  ==================  ===========================================================

``vmas:SCENARIO`` is short for ``vmas`` with ``scenario=SCENARIO``.  Every
mistake (unknown name or key, a value of the wrong type, a missing package) is a
:class:`~hiddenscope.core.errors.ConfigError` with one line that says what to do.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from ..errors import ConfigError
from ._common import Option
from .base import EnvBatch, EnvSpec, episode_seed

ENV_NAMES = ("simple_spread", "lbf", "rware", "vmas")
EXTRAS = {"simple_spread": "mpe", "lbf": "lbf", "rware": "rware", "vmas": "vmas"}

__all__ = [
    "ENV_NAMES",
    "EnvBatch",
    "EnvSpec",
    "env_options",
    "env_spec",
    "episode_seed",
    "make_env_batch",
    "parse_env_options",
    "split_env_name",
]


def split_env_name(name: str, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``(registry name, options)`` with ``vmas:SCENARIO`` turned into ``vmas`` and ``scenario=SCENARIO``."""
    text = name.strip()
    base, _, rest = text.partition(":")
    if base == "vmas" and rest:
        if "scenario" in options and options["scenario"] != rest:
            raise ConfigError(
                f"--env {text} names scenario {rest!r} but scenario={options['scenario']!r} was also given"
            )
        return "vmas", {**options, "scenario": rest}
    if text not in ENV_NAMES:
        raise ConfigError(
            f"unknown environment {text!r}; hiddenscope knows: {', '.join(ENV_NAMES)} (and vmas:SCENARIO)"
        )
    return text, dict(options)


def parse_env_options(items: Iterable[str]) -> dict[str, str]:
    """``["key=value", ...]`` (from ``--env-arg``) as a dict of strings; each key at most once."""
    options: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--env-arg {item!r}: expected key=value, e.g. n_agents=3")
        if key in options:
            raise ConfigError(f"--env-arg {key} is given twice ({options[key]!r} and {value!r})")
        options[key] = value
    return options


def env_options(name: str) -> tuple[Option, ...]:
    """The options an environment declares (VMAS also passes other keys to its scenario)."""
    name, _ = split_env_name(name, {})
    module = {"simple_spread": "mpe", "lbf": "lbf", "rware": "rware", "vmas": "vmas"}[name]
    options: tuple[Option, ...] = importlib.import_module(f"{__name__}.{module}").OPTIONS
    return options


def make_env_batch(
    name: str, batch_size: int, seed: int, options: dict[str, Any] | None = None, device: str = "cpu"
) -> EnvBatch:
    """``batch_size`` copies of environment ``name``, already reset with ``seed``.

    ``options`` are strings as typed (``parse_env_options``) or already typed
    values; ``device`` matters to VMAS only (the others are NumPy programs).
    """
    name, options = split_env_name(name, options or {})
    if name == "simple_spread":
        from .mpe import SimpleSpreadBatch

        batch: Any = SimpleSpreadBatch(batch_size, options)
    elif name == "lbf":
        from .lbf import ForagingBatch

        batch = ForagingBatch(batch_size, options)
    elif name == "rware":
        from .rware import WarehouseBatch

        batch = WarehouseBatch(batch_size, options)
    else:
        from .vmas import VmasBatch

        batch = VmasBatch(batch_size, options, device=device, seed=seed)
    try:
        batch.reset(seed)
    except BaseException:
        batch.close()
        raise
    return batch


def env_spec(name: str, options: dict[str, Any] | None = None) -> EnvSpec:
    """Sizes of environment ``name`` with ``options``, from one environment built and closed."""
    name, options = split_env_name(name, options or {})
    if name == "vmas":
        from .vmas import VmasBatch

        batch: Any = VmasBatch(1, options, device="cpu", seed=0)
    else:
        batch = make_env_batch(name, 1, 0, options)
    try:
        return EnvSpec(
            n_agents=batch.n_agents,
            obs_dim=batch.obs_dim,
            n_actions=batch.n_actions,
            episode_limit=batch.episode_limit,
            has_action_masks=bool(getattr(batch, "has_action_masks", False)),
        )
    finally:
        batch.close()
