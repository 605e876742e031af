"""Pieces the environment adapters share: typed options from strings, quiet imports, one env per row."""

from __future__ import annotations

import contextlib
import importlib
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError, install_command
from .base import episode_seed

TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


@dataclass(frozen=True)
class Option:
    """One ``--env-arg key=value`` an environment understands."""

    key: str
    kind: str  # "int", "float", "bool", "str" or "choice"
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None  # sizes past it would take the machine's memory or minutes per step

    def convert(self, env: str, text: str) -> Any:
        value = text.strip()
        where = f"{env} option {self.key}={text!r}"
        if self.kind == "int":
            try:
                number: Any = int(value)
            except ValueError:
                raise ConfigError(f"{where}: expected a whole number") from None
        elif self.kind == "float":
            try:
                number = float(value)
            except ValueError:
                raise ConfigError(f"{where}: expected a number") from None
        elif self.kind == "bool":
            if value.lower() in TRUE_WORDS:
                return True
            if value.lower() in FALSE_WORDS:
                return False
            raise ConfigError(f"{where}: expected true or false")
        elif self.kind == "choice":
            if value not in self.choices:
                raise ConfigError(f"{where}: expected one of {', '.join(self.choices)}")
            return value
        else:
            if not value:
                raise ConfigError(f"{where}: expected a value")
            return value
        if self.minimum is not None and number < self.minimum:
            raise ConfigError(f"{where}: must be at least {self.minimum:g}")
        if self.maximum is not None and number > self.maximum:
            raise ConfigError(f"{where}: must be at most {self.maximum:g}")
        return number


def convert_options(env: str, declared: tuple[Option, ...], given: dict[str, str]) -> dict[str, Any]:
    """Every declared option, from ``given`` (strings) or its default; an unknown key is a ConfigError."""
    by_key = {o.key: o for o in declared}
    unknown = [k for k in given if k not in by_key]
    if unknown:
        raise ConfigError(
            f"{env} has no option {unknown[0]!r}; its options are: {', '.join(by_key)}"
            if by_key
            else f"{env} takes no options (got {unknown[0]!r})"
        )
    values = {o.key: o.default for o in declared}
    for key, text in given.items():
        values[key] = by_key[key].convert(env, text if isinstance(text, str) else str(text))
    return values


def guess_value(text: str) -> Any:
    """A pass-through option's value: a whole number, a number, true/false, or the text itself."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def import_package(module: str, env: str, extra: str, package: str) -> Any:
    """``importlib.import_module(module)``, or a ConfigError with the install line."""
    try:
        with quiet():
            return importlib.import_module(module)
    except ImportError as error:
        raise ConfigError(
            f"the {env} environment needs the optional extra {extra}: {install_command(extra)}"
            f" (it installs {package}; importing {module} failed: {error})"
        ) from None


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Environments' own warnings and log lines (invalid actions, deprecations) stay off stderr."""
    loggers = [logging.getLogger(name) for name in ("lbforaging", "rware", "vmas", "pettingzoo", "mpe2")]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)


def check_actions(actions: Any, batch_size: int, n_agents: int, n_actions: int) -> np.ndarray:
    """``actions`` as an int64 ``(batch, n_agents)`` array, or a ValueError that says what is wrong."""
    array = np.asarray(actions)
    if array.shape != (batch_size, n_agents):
        raise ValueError(f"actions must have shape ({batch_size}, {n_agents}), got {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"actions must be whole numbers, got dtype {array.dtype}")
    array = array.astype(np.int64, copy=False)
    if array.size and (array.min() < 0 or array.max() >= n_actions):
        raise ValueError(f"actions must lie in 0..{n_actions - 1}, got {array.min()}..{array.max()}")
    return array


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"an environment seed must be a whole number ≥ 0, got {seed!r}")
    return int(seed)


class RowEnvBatch:
    """``batch_size`` separate environments, one per row, stepped in turn.

    A subclass builds one environment (:meth:`_make`) and knows how to reset it
    with a seed, step it and read its action mask; everything about rows, seeds
    and episode counts lives here.
    """

    name = ""
    has_action_masks = False
    device = "cpu"

    def __init__(self, batch_size: int, make: Callable[[], Any]) -> None:
        if batch_size < 1:
            raise ConfigError(f"the batch size must be at least 1, got {batch_size}")
        self.batch_size = int(batch_size)
        with quiet():
            self.envs = [make() for _ in range(self.batch_size)]
            self._read_sizes(self.envs[0])
        self.seed: int | None = None
        # defer_reset: a row whose episode ends keeps its terminal observation (and mask) until the next step,
        # which starts it over instead of stepping it (its action is not taken); ``pending`` marks those rows.
        self.defer_reset = False
        self.pending = np.zeros(self.batch_size, bool)
        self.episodes = np.zeros(self.batch_size, np.int64)  # episodes each row ended since reset
        self.last_truncated = np.zeros(self.batch_size, bool)
        self._obs = np.zeros((self.batch_size, self.n_agents, self.obs_dim), np.float32)
        self._masks: np.ndarray | None = None
        if self.has_action_masks:
            self._masks = np.ones((self.batch_size, self.n_agents, self.n_actions), bool)

    # what a subclass provides -------------------------------------------------------------------------
    n_agents: int
    obs_dim: int
    n_actions: int
    episode_limit: int

    def _read_sizes(self, env: Any) -> None:
        """Set ``n_agents``, ``obs_dim`` and ``n_actions`` from one built environment."""
        raise NotImplementedError

    def _reset_one(self, env: Any, seed: int) -> np.ndarray:
        raise NotImplementedError

    def _step_one(self, env: Any, actions: np.ndarray) -> tuple[np.ndarray | None, float, bool, bool]:
        """``(obs (n_agents, obs_dim): the terminal one when the episode ended, None if the env gives none;
        reward summed over agents; done; truncated)``."""
        raise NotImplementedError

    def _mask_one(self, env: Any) -> np.ndarray:
        raise NotImplementedError

    # the protocol --------------------------------------------------------------------------------------
    def _start(self, row: int) -> None:
        assert self.seed is not None
        self._obs[row] = self._reset_one(self.envs[row], episode_seed(self.seed, row, int(self.episodes[row])))
        if self._masks is not None:
            self._masks[row] = self._mask_one(self.envs[row])

    def reset(self, seed: int) -> np.ndarray:
        self.seed = check_seed(seed)
        self.episodes[:] = 0
        self.last_truncated[:] = False
        self.pending[:] = False
        with quiet():
            for row in range(self.batch_size):
                self._start(row)
        return self._obs.copy()

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.seed is None:
            raise RuntimeError(f"{self.name}: reset(seed) must come before step()")
        actions = check_actions(actions, self.batch_size, self.n_agents, self.n_actions)
        rewards = np.zeros(self.batch_size, np.float64)
        done = np.zeros(self.batch_size, bool)
        self.last_truncated[:] = False
        with quiet():
            for row, env in enumerate(self.envs):
                if self.pending[row]:  # its terminal observation had its step: now its next episode starts
                    self.pending[row] = False
                    self._start(row)
                    continue
                obs, reward, ended, truncated = self._step_one(env, actions[row])
                rewards[row] = reward
                if ended:
                    done[row] = True
                    self.last_truncated[row] = truncated
                    self.episodes[row] += 1
                    if self.defer_reset:
                        self.pending[row] = True
                        self._obs[row] = 0.0 if obs is None else obs
                        if self._masks is not None:
                            self._masks[row] = self._mask_one(env)
                    else:
                        self._start(row)
                else:
                    self._obs[row] = obs
                    if self._masks is not None:
                        self._masks[row] = self._mask_one(env)
        return self._obs.copy(), rewards, done

    def available_actions(self) -> np.ndarray | None:
        return None if self._masks is None else self._masks.copy()

    def close(self) -> None:
        with quiet():
            for env in self.envs:
                with contextlib.suppress(Exception):
                    env.close()
        self.envs = []
