"""Episodes in a batch of live environments, run the way a PyMARL-family runner runs them.

:class:`EpisodeInputs` is an input source (see :mod:`hiddenscope.core.inputs`) with
more to say than an array: for each step it holds the observations, which batch
rows start a new episode with them, each agent's last action and the actions the
environment allows.  The :class:`~hiddenscope.core.stepper.Stepper` builds the
agents' inputs from these (``[obs, one-hot last action, one-hot agent id]``, as
the controller does), puts the hidden state of each starting row back to the
model's initial state, runs the model, and hands its outputs to :meth:`act`,
which picks the actions and steps the environments.

Per step ``k`` (the history keeps these beside the hidden state):

- ``episode_start[k]`` (batch,) bool: step ``k``'s observation is the first of an episode
  (every row at step 1);
- ``actions[k]`` (batch, n_agents): the actions chosen from step ``k``'s outputs and
  taken in the environment right after it;
- ``rewards[k]`` (batch,): what the environment returned for ``actions[k]``, summed over agents;
- ``returns[k]`` (batch,): the episode's return so far, through ``rewards[k]``.

The terminal step: after an episode's last action the families' runners run the
controller once more on the terminal observation and take no action; so does
this source (``terminal_step``, the default, where the environment can hold a
row's reset: every adapter but VMAS).  Row ``r``'s step ``k`` is then terminal
when ``done[k - 1, r]`` and not ``start[k, r]`` (:func:`terminal_rows`): its
memory is the episode's last, its action is chosen but not taken (reward 0),
and the next episode starts at ``k + 1``.

An episode's last step (:func:`terminal_steps`, :func:`held_terminal_steps`) is that terminal
step; where a source has none (VMAS, or ``hiddenscope.record``, which holds no ``done``),
it is the step before the next episode starts.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .envs.base import EnvBatch
from .errors import ConfigError

if TYPE_CHECKING:
    from .stepper import BaseStepper


class EpisodeStep(NamedTuple):
    """What one step did in the environments (see the module's notes for what each holds)."""

    start: np.ndarray  # (batch,) bool
    actions: np.ndarray  # (batch, n_agents) int64
    rewards: np.ndarray  # (batch,) float32
    returns: np.ndarray  # (batch,) float32
    done: np.ndarray  # (batch,) bool: the episode ended with this step's actions
    # (batch, n_agents, n_actions) bool: the actions each agent was allowed when it chose (None: no masks)
    avail: np.ndarray | None = None


class EpisodeInputs:
    """A batch of environments as an input source that also takes the agents' actions.

    ``input_dim`` is the width of the inputs the controller builds (observation,
    plus the one-hot last action and agent id where the run used them); ``shape``
    is ``(batch, n_agents, input_dim)``.  ``agent_output`` says what the model's
    outputs are (``"q"`` or ``"pi_logits"``, already softmaxed into a policy by
    the controller); ``actions`` is ``"greedy"`` or ``"sample"`` (policies only).
    A model whose output is not one value per action acts uniformly at random
    among the allowed actions, from a generator seeded with ``seed``.
    """

    episodic = True

    def __init__(
        self,
        env: EnvBatch,
        seed: int = 0,
        input_dim: int | None = None,
        agent_output: str = "q",
        actions: str = "greedy",
        terminal_step: bool = True,
    ) -> None:
        if actions == "sample" and agent_output != "pi_logits":
            raise ConfigError(
                "--actions sample draws actions from a policy; this agent outputs Q-values"
                " (agent_output_type q), which are acted on greedily"
            )
        self.env = env
        self.seed = seed
        self.agent_output = agent_output
        self.mode = actions
        b, a = env.batch_size, env.n_agents
        self.shape = (b, a, env.obs_dim if input_dim is None else input_dim)
        self.n_actions = env.n_actions
        self.t = -1
        self.obs = np.zeros((b, a, env.obs_dim), np.float32)
        self.start = np.ones(b, bool)
        self.last_actions = np.full((b, a), -1, np.int64)
        self.returns = np.zeros(b, np.float64)
        self.episodes = 0
        self.recent_returns: deque[float] = deque(maxlen=100)
        self.rng = np.random.default_rng(seed)
        self.acted = False
        self.random_actions = False
        # The terminal step needs an environment that can hold a row's reset for one step.
        self.terminal_step = bool(terminal_step and hasattr(env, "defer_reset"))
        if self.terminal_step:
            env.defer_reset = True  # type: ignore[attr-defined]
        self.terminal = np.zeros(b, bool)  # rows whose observation now is the terminal one

    # -- the input-source protocol ------------------------------------------------------------------------------
    def describe(self) -> str:
        mean = self.mean_return()
        ret = f", mean return {mean:.2f} over the last {len(self.recent_returns)}" if mean is not None else ""
        how = "random actions" if self.random_actions else f"{self.mode} actions"
        end = " · a step on each terminal observation" if self.terminal_step else ""
        return f"{self.env.describe()} · {self.episodes} episodes done{ret} · {how}{end}"

    def inputs(self, t: int) -> np.ndarray:
        """The observations for the step after ``t`` (``t = 0``: every environment starts over)."""
        if t == 0:
            self.obs = np.asarray(self.env.reset(self.seed), np.float32).copy()
            self.start[:] = True
            self.terminal[:] = False
            self.last_actions[:] = -1
            self.returns[:] = 0
            self.episodes = 0
            self.recent_returns.clear()
            self.rng = np.random.default_rng(self.seed)
        elif t == self.t and not self.acted:
            pass  # the same step asked again (the model failed on it): the same observations
        elif t != self.t + 1 or not self.acted:
            raise ConfigError(f"the environments are at step {self.t}; they cannot jump to step {t}")
        self.t = t
        self.acted = False
        return self.obs

    # -- what the controller reads besides the observations -----------------------------------------------------
    def last_actions_onehot(self) -> np.ndarray:
        """``(batch, n_agents, n_actions)`` float32: each agent's last action, zeros at an episode's first step."""
        onehot = np.zeros((*self.last_actions.shape, self.n_actions), np.float32)
        taken = self.last_actions >= 0
        rows, agents = np.nonzero(taken)
        onehot[rows, agents, self.last_actions[taken]] = 1.0
        return onehot

    def available_actions(self) -> np.ndarray | None:
        avail = self.env.available_actions()
        return None if avail is None else np.asarray(avail, bool)

    # -- acting -------------------------------------------------------------------------------------------------
    def choose(self, output: np.ndarray | None, avail: np.ndarray | None) -> np.ndarray:
        """Actions ``(batch, n_agents)`` from the model's output for the current observations."""
        b, a, _ = self.shape
        n = self.n_actions
        allowed = np.ones((b, a, n), bool) if avail is None else avail
        if output is None or output.shape[-1] != n or output.size != b * a * n:
            self.random_actions = True
            weights = allowed / np.maximum(allowed.sum(-1, keepdims=True), 1)
            return _draw(self.rng, weights)
        self.random_actions = False
        values = np.asarray(output, np.float64).reshape(b, a, n)
        if self.agent_output == "pi_logits" and self.mode == "sample":
            probs = np.where(allowed, np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0), 0.0)
            probs = np.clip(probs, 0.0, None)
            total = probs.sum(-1, keepdims=True)
            uniform = allowed / np.maximum(allowed.sum(-1, keepdims=True), 1)
            probs = np.where(total > 0, probs / np.where(total > 0, total, 1), uniform)
            return _draw(self.rng, probs)
        masked = np.where(allowed, np.nan_to_num(values, nan=-np.inf), -np.inf)
        return masked.argmax(-1).astype(np.int64)

    def act(self, output: np.ndarray | None, avail: np.ndarray | None) -> EpisodeStep:
        """Choose actions from ``output``, step every environment, and say what happened."""
        if self.acted:
            raise ConfigError(f"the environments already acted at step {self.t}")
        actions = self.choose(output, avail)
        start = self.start.copy()
        terminal = self.terminal.copy()  # these rows' actions are chosen but not taken
        obs, rewards, done = self.env.step(actions)
        rewards = np.asarray(rewards, np.float64).reshape(-1)
        done = np.asarray(done, bool).reshape(-1) & ~terminal
        self.returns += np.where(terminal, 0.0, rewards)
        returns = self.returns.copy()
        for row in np.nonzero(done)[0]:
            self.recent_returns.append(float(self.returns[row]))
        self.episodes += int(done.sum())
        self.obs = np.asarray(obs, np.float32).copy()
        if self.terminal_step:
            # A row that ended now sees its terminal observation next, with this last action; one that
            # had its terminal step starts its next episode.
            self.returns[terminal] = 0.0
            self.last_actions = np.where(terminal[:, None], -1, actions)
            self.start = terminal
            self.terminal = done.copy()
        else:
            self.returns[done] = 0.0
            self.last_actions = np.where(done[:, None], -1, actions)
            self.start = done.copy()
        self.acted = True
        allowed = None if avail is None else np.asarray(avail).astype(bool, copy=True)
        return EpisodeStep(start, actions, rewards.astype(np.float32), returns.astype(np.float32), done, allowed)

    def mean_return(self) -> float | None:
        """The mean return of the last (up to 100) finished episodes, or None before the first ends."""
        return float(np.mean(self.recent_returns)) if self.recent_returns else None

    def close(self) -> None:
        self.env.close()


def terminal_rows(start: np.ndarray, previous_done: np.ndarray | None) -> np.ndarray:
    """Which rows' step is a terminal one: the episode ended at the step before and no new one starts."""
    if previous_done is None:
        return np.zeros_like(start, dtype=bool)
    return np.asarray(previous_done, bool) & ~np.asarray(start, bool)


def terminal_steps(start: np.ndarray, done: np.ndarray, held: np.ndarray | None = None) -> np.ndarray:
    """Which of consecutive steps end an episode, from one batch row's ``start`` and ``done`` flags, ``(T,)`` each.

    Step ``k`` is the last of its episode when the next step starts one (``start[k + 1]``), or when
    it is a terminal step (:func:`terminal_rows`: the episode ended with the step before's actions,
    ``done[k - 1]``, and none starts at ``k``), which is known before the next step is held.
    ``held`` (default: every step) says which steps hold episode data: t = 0 does not, so the start
    at step 1 ends nothing, and a step that is not held is never the last.
    """
    held = np.ones(np.shape(start), bool) if held is None else np.asarray(held, bool)
    start, done = np.asarray(start, bool) & held, np.asarray(done, bool) & held
    ends = np.zeros(start.shape, bool)
    ends[:-1] |= start[1:]
    ends[1:] |= terminal_rows(start[1:], done[:-1])
    return ends & held


def held_terminal_steps(
    stepper: BaseStepper, row: int, span: int = 256, t: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The held steps where batch row ``row``'s episodes end: ``(ts, ends)``, ``ends`` ``(T,)`` bool.

    ``ts`` is the window :meth:`~hiddenscope.core.stepper.BaseStepper.episode_tracks` reads (``span``
    steps ending at ``t``, default the one shown); the held steps just outside it are read too, so the
    window's first and last steps are judged like the others.  Empty without live environments.
    """
    hist = stepper.history
    if hist.episode_shape is None:
        return np.arange(0), np.zeros(0, bool)

    def read(ts: np.ndarray) -> np.ndarray:
        if not len(ts):
            return np.zeros(0, bool)
        first, last = hist.first, hist.last
        around = np.arange(max(int(ts[0]) - 1, first), min(int(ts[-1]) + 1, last) + 1)
        slots = around % hist.capacity
        held = hist._has_inputs[slots]  # t = 0 holds no episode data
        start, done = hist.episode_start[slots, row], hist.done[slots, row]
        held = held & (hist.first <= around)  # read after the flags: a writer that took the slot before ts[0] moved it
        return terminal_steps(start, done, held)[(around >= ts[0]) & (around <= ts[-1])]

    return hist.read_window(stepper.t if t is None else t, span, read)


def _draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of ``probs`` (``(..., n)``, each row summing to 1) from ``rng``."""
    cumulative = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[:-1] + (1,))
    picks = (u * cumulative[..., -1:] >= cumulative).sum(-1)
    return np.minimum(picks, probs.shape[-1] - 1).astype(np.int64)


def input_width(obs_dim: int, n_actions: int, n_agents: int, last_action: bool, agent_id: bool) -> int:
    """The controller's input width: observation, then one-hot last action, then one-hot agent id."""
    return obs_dim + (n_actions if last_action else 0) + (n_agents if agent_id else 0)


def infer_input_flags(
    inputs: int, obs_dim: int, n_actions: int, n_agents: int, env_name: str
) -> tuple[bool, bool] | None:
    """``(obs_last_action, obs_agent_id)`` that make ``inputs`` from the environment's sizes, if exactly one does.

    Raises :class:`ConfigError` when none does, and returns ``None`` when more than
    one does (the caller says what to pass).
    """
    fits = [
        (la, aid)
        for la in (True, False)
        for aid in (True, False)
        if input_width(obs_dim, n_actions, n_agents, la, aid) == inputs
    ]
    if not fits:
        raise ConfigError(
            f"the agent takes {inputs} inputs, but {env_name} gives {obs_dim} observations, {n_actions} actions and"
            f" {n_agents} agents: no mix of observation ({obs_dim}), last action (+{n_actions}) and agent id"
            f" (+{n_agents}) makes {inputs}; check the environment's options (--env-arg)"
        )
    return fits[0] if len(fits) == 1 else None
