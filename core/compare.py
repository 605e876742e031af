"""A second run beside the one on screen: B, to show as B or as B − A at the same timestep.

The app's session is A (a live :class:`~hiddenscope.core.stepper.Stepper`, or a recorded
session being replayed).  A :class:`Comparison` is B: another run of the same sizes
whose hidden state at timestep t can be asked for.  Two kinds:

- :class:`SessionComparison`: a recorded session (:class:`~.session.SessionReader`),
  read from disk when asked;
- :class:`StepperComparison`: a second live stepper (a second checkpoint on the same
  inputs, or the same model with edits), stepped in lockstep with A: whoever shows
  A's timestep t calls :meth:`Comparison.advance_to` first, which steps B until it holds t.

Both are plain Python; every method is called from one thread (the GUI's).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .episodes import EpisodeStep
from .errors import UserError
from .stepper import Stepper

if TYPE_CHECKING:  # sessions are read only when one is compared: h5py stays out of the window's start
    from .session import SessionReader

Shape = tuple[int, int, int]


class Comparison:
    """B: a run whose hidden state ``(batch, n_agents, units)`` can be read at timestep t.

    Subclasses set :attr:`label` (what the app shows, e.g. ``"B: run2.h5"``) and
    :attr:`shape`, and implement :meth:`hidden_at` and :meth:`holds`.
    """

    label: str = "B"
    shape: Shape = (0, 0, 0)
    live = False  # whether B computes its steps (then advance_to does work)

    def holds(self, t: int) -> bool:
        """Whether B has timestep ``t`` now (a live B may get it from :meth:`advance_to`)."""
        raise NotImplementedError

    def hidden_at(self, t: int) -> np.ndarray | None:
        """B's ``h_t`` as ``(batch, n_agents, units)`` float32 (a copy), or None when B has no step t."""
        raise NotImplementedError

    def episode_at(self, t: int) -> EpisodeStep | None:
        """What B's step t did in its environments; None without environments or without step t."""
        return None

    def span(self) -> tuple[int, int]:
        """The first and last timestep B holds now."""
        raise NotImplementedError

    def unit_window(self, agent: int, row: int, ts: np.ndarray) -> np.ndarray:
        """B's values of ``agent`` in batch row ``row`` at timesteps ``ts``: ``(len(ts), units)``, NaN where none."""
        out = np.full((len(ts), self.shape[2]), np.nan, np.float32)
        for i, t in enumerate(ts):
            h = self.hidden_at(int(t))
            if h is not None:
                out[i] = h[row, agent]
        return out

    def advance_to(self, t: int) -> None:
        """Make B hold timestep ``t`` if it can (a live B steps); a recorded B has what it has."""

    def restart(self) -> None:
        """A started over (Init hidden, Reset): a live B starts over too."""

    def check_fits(self, shape: Shape, what: str = "A") -> None:
        """Raise :class:`UserError` naming both shapes unless B's ``(batch, n_agents, units)`` is ``shape``."""
        if tuple(self.shape) != tuple(shape):
            raise UserError(
                f"cannot compare: {what} has (batch, n_agents, units) = {tuple(shape)} per step,"
                f" {self.label} has {tuple(self.shape)}"
            )

    def describe_missing(self, t: int) -> str:
        """A phrase for the caption when B has no step ``t``."""
        first, last = self.span()
        held = f"it holds t = {first}..{last}" if last >= first else "it holds no steps"
        return f"{self.label} has no t = {t} ({held})"

    def close(self) -> None:
        """Let go of what B holds open (a file)."""


class SessionComparison(Comparison):
    """B is a recorded session, read lazily from its file."""

    def __init__(self, reader: SessionReader, label: str | None = None) -> None:
        self.reader = reader
        self.label = label or f"B: {reader.path.name}"
        self.shape = reader.shape

    def holds(self, t: int) -> bool:
        return self.reader.holds(t)

    def span(self) -> tuple[int, int]:
        return self.reader.first, self.reader.last

    def hidden_at(self, t: int) -> np.ndarray | None:
        return self.reader.hidden(t) if self.reader.holds(t) else None

    def episode_at(self, t: int) -> EpisodeStep | None:
        if not self.reader.holds(t):
            return None
        return self.reader.frame(t).episode

    def unit_window(self, agent: int, row: int, ts: np.ndarray) -> np.ndarray:
        out = np.full((len(ts), self.shape[2]), np.nan, np.float32)
        inside = (ts >= self.reader.first) & (ts <= self.reader.last)
        if inside.any():
            lo, hi = int(ts[inside].min()), int(ts[inside].max())
            # One read of the contiguous block (one chunk per step), then the steps asked for.
            i, j = lo - self.reader.first, hi - self.reader.first
            with self.reader._reading():
                block = np.asarray(self.reader._file["hidden"][i : j + 1, row, agent, :])
            out[inside] = block[ts[inside] - lo]
        return out

    def close(self) -> None:
        self.reader.close()


class StepperComparison(Comparison):
    """B is a second live :class:`Stepper`, stepped in lockstep with A by :meth:`advance_to`."""

    live = True

    def __init__(self, stepper: Stepper, label: str = "B") -> None:
        self.stepper = stepper
        self.label = label
        c = stepper.config
        self.shape = (c.batch_size, c.n_agents, stepper.units)

    def holds(self, t: int) -> bool:
        return self.stepper.history.holds(t)

    def span(self) -> tuple[int, int]:
        hist = self.stepper.history
        return hist.first, hist.last

    def hidden_at(self, t: int) -> np.ndarray | None:
        try:
            return np.array(self.stepper.snapshot(t).hidden)
        except IndexError:
            return None

    def episode_at(self, t: int) -> EpisodeStep | None:
        try:
            return self.stepper.snapshot(t).episode
        except IndexError:
            return None

    def unit_window(self, agent: int, row: int, ts: np.ndarray) -> np.ndarray:
        out = np.full((len(ts), self.shape[2]), np.nan, np.float32)
        hist = self.stepper.history
        with hist.lock:
            inside = (ts >= hist.first) & (ts <= hist.last)
            out[inside] = hist.hidden[ts[inside] % hist.capacity, row, agent, :]
        return out

    def advance_to(self, t: int) -> None:
        """Step B until it holds ``t``; if B's history has dropped ``t`` already, start B over and step to it.

        A model error in B is raised as :class:`UserError` (from the stepper).
        """
        s = self.stepper
        if s.history.holds(t) or t < 0:
            return
        if t < s.history.first:
            s.reset()
        elif s.t < s.latest:
            s.seek(s.latest)
        while s.latest < t:
            s.advance()

    def restart(self) -> None:
        self.stepper.reset()


def checkpoint_comparison(a: Stepper, path: str | Path, label: str | None = None) -> StepperComparison:
    """B: the checkpoint at ``path`` stepped on A's inputs (A's input source, built afresh), without A's edits.

    The sizes the checkpoint fixes must give A's ``(batch, n_agents, units)``; otherwise
    :class:`UserError` names both.  With live environments B runs environments of its own,
    which follow B's actions: the inputs are the same only until the two runs act differently.
    """
    from .checkpoint import checkpoint_factory

    if a.config.env and a.loaded.request.env:  # B's environments planned for B: inputs as its own run built them
        from .plan import plan

        planned = plan(a.loaded.request.with_model(a.config, checkpoint=str(path)))
        config, factory, inputs = planned.config, planned.model_factory, planned.input_factory
    else:
        factory, config = checkpoint_factory(path, a.config)
        inputs = a.input_factory
    b = Stepper(
        config,
        model_factory=factory,
        input_factory=inputs,
        history_budget=a.history_budget,
        history_on_device=a.history_on_device,
        tracing=False,
    )
    named = Path(path)
    # Every PyMARL step saves an agent.th: its folder (the step) says which one B is.
    folder = named.resolve().parent.name
    short = f"{folder}/{named.name}" if named.name == "agent.th" and folder else named.name
    comparison = StepperComparison(b, label or f"B: {short}")
    comparison.check_fits((a.config.batch_size, a.config.n_agents, a.units))
    return comparison


class RecordedInputs:
    """An input source that feeds step ``t + 1`` the inputs a session recorded for it (as the agents got them)."""

    def __init__(self, reader: SessionReader) -> None:
        self.reader = reader
        self.shape = tuple(int(s) for s in reader._file["inputs"].shape[1:])

    def describe(self) -> str:
        return f"the inputs recorded in {self.reader.path.name}"

    def inputs(self, t: int) -> np.ndarray:
        step = t + 1
        if not self.reader.holds(step):
            raise UserError(
                f"{self.reader.path.name} recorded inputs for t = {self.reader.first + 1}..{self.reader.last} only"
            )
        return self.reader.read("inputs", step, step)[0]


def recorded_inputs_comparison(a: SessionReader, path: str | Path, label: str | None = None) -> StepperComparison:
    """B: the checkpoint at ``path`` fed the inputs recording ``a`` holds, step by step from t = 0.

    For comparing two checkpoints when A is a recording.  Refused (:class:`UserError`) for a
    recording that does not start at t = 0, or one made in live environments (its inputs
    were built from observations and actions that B's own actions would change).
    """
    from .checkpoint import checkpoint_factory

    if a.first != 0:
        raise UserError(f"{a.path.name} starts at t = {a.first}: a second checkpoint needs the recording from t = 0")
    if a.episodic:
        raise UserError(
            f"{a.path.name} was recorded in live environments: B would act differently and see other observations;"
            " record B's own run (hiddenscope export --out B.h5 --env …) and compare the two sessions"
        )
    factory, config = checkpoint_factory(path, a.config)
    b = Stepper(config, model_factory=factory, input_factory=lambda _c: RecordedInputs(a), tracing=False)
    named = Path(path)
    # Every PyMARL step saves an agent.th: its folder (the step) says which one B is.
    folder = named.resolve().parent.name
    short = f"{folder}/{named.name}" if named.name == "agent.th" and folder else named.name
    comparison = StepperComparison(b, label or f"B: {short}")
    comparison.check_fits(a.shape)
    return comparison
