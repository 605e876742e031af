"""Replay a recorded session as if it were a live stepper, with no model.

:class:`ReplayStepper` is a :class:`~hiddenscope.core.stepper.Stepper` whose history is
the session file: every view the app has reads it through the same methods
(``snapshot``, ``unit_history``, ``difference``, ``stage_state``, …), so nothing in the
GUI is forked for replay.  Its :class:`SessionHistory` answers the history's read
methods from the file, step by step as they are asked for (one chunk per step), so a
session of many GB opens at once and the memory used does not grow with its length.

Step, Back, seek and Play move through the recorded timesteps; stepping past the last
raises :class:`EndOfRecording`.  What needs the model (rebuilding, a new checkpoint or
inputs, edits) raises :class:`~hiddenscope.core.errors.UserError` saying it is a recording.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import torch

from .config import DTYPES, Config
from .errors import EndOfRecording, FileProblem, UserError
from .history import Frame, HeldSteps, new_write_ids
from .session import SessionReader
from .stepper import BaseStepper, Capabilities
from .trace import TraceRecord

RECORDING = Capabilities(steps_model=False, retraces=False, has_gates=False, edits_memory=False, is_recording=True)
FOLLOWED = dataclasses.replace(RECORDING, follows=True)
LINES_KEPT = 8  # (row, agent) pairs whose units over time are kept while replaying
STEPS_KEPT = 4096  # timesteps kept per pair (96 units: 1.5 MiB)
_MOST_TIMESTEPS = 1 << 25  # replay sets aside about 26 bytes per timestep up to the last: under 1 GiB


class _Steps:
    """A per-step dataset of a session, indexed by timestep (``t`` reads row ``t - first``) and read on demand.

    It answers the indexing the history's readers use: an int, a slice, an array of
    timesteps (read as one contiguous block), or a tuple starting with one of those.
    """

    def __init__(self, reader: SessionReader, name: str) -> None:
        self.reader, self.name = reader, name
        ds = reader._file[name]
        self._row_shape = tuple(ds.shape[1:])
        self.dtype = ds.dtype
        # One agent's units over time for one batch row (the history view's read) cost a whole chunk per
        # step; they are kept, per (row, agent), so scrubbing reads only the steps it has not read yet.
        self._lines: OrderedDict[tuple, OrderedDict[int, np.ndarray]] = OrderedDict()
        self._lines_lock = threading.Lock()  # views and analysis may read from more than one thread

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.reader.last + 1, *self._row_shape)  # a followed file grows

    def _line(self, ts: np.ndarray, cell: tuple) -> np.ndarray:
        """``ds[ts, *cell]`` for a (row, agent, slice) ``cell``, from the kept lines where it can."""
        with self._lines_lock:
            return self._kept_line(ts, cell)

    def _kept_line(self, ts: np.ndarray, cell: tuple) -> np.ndarray:
        key = tuple(c if isinstance(c, (int, np.integer)) else repr(c) for c in cell)
        kept = self._lines.pop(key, None) or OrderedDict()
        self._lines[key] = kept
        while len(self._lines) > LINES_KEPT:
            self._lines.popitem(last=False)
        missing = sorted({int(t) for t in ts} - kept.keys())
        ds = self.reader._file[self.name]
        first = self.reader.first
        with self.reader._reading():
            runs = np.split(np.asarray(missing, np.int64), np.flatnonzero(np.diff(missing) != 1) + 1) if missing else []
            for run in runs:
                block = np.asarray(ds[(slice(int(run[0]) - first, int(run[-1]) - first + 1),) + cell])
                for t, values in zip(run, block, strict=True):
                    kept[int(t)] = values
        out = np.stack([kept[int(t)] for t in ts])
        while len(kept) > STEPS_KEPT:
            kept.popitem(last=False)
        return out

    def __getitem__(self, key: Any) -> Any:
        rest: tuple = ()
        if isinstance(key, tuple):
            key, rest = key[0], key[1:]
            if (
                isinstance(key, np.ndarray)
                and key.size
                and len(rest) == len(self.shape) - 1
                and all(isinstance(c, (int, np.integer)) for c in rest[:-1])
            ):
                return self._line(key, rest)
        first = self.reader.first
        ds = self.reader._file[self.name]
        with self.reader._reading():
            if isinstance(key, slice):
                start = (key.start if key.start is not None else first) - first
                stop = (key.stop if key.stop is not None else self.reader.last + 1) - first
                return np.asarray(ds[(slice(start, stop, key.step),) + rest])
            if isinstance(key, (int, np.integer)):
                return np.asarray(ds[(int(key) - first,) + rest])
            ts = np.asarray(key, np.int64) - first
            if ts.size == 0:
                return np.asarray(ds[(slice(0, 0),) + rest])
            lo, hi = int(ts.min()), int(ts.max())
            block = np.asarray(ds[(slice(lo, hi + 1),) + rest])  # one read, then the steps asked for
            return block[ts - lo]


class _Traces:
    """The recorded trace of each timestep, read (and parsed) when asked for."""

    def __init__(self, reader: SessionReader) -> None:
        self.reader = reader

    def __getitem__(self, t: int) -> list[TraceRecord] | None:
        return self.reader.trace(int(t))


class _Nothing:
    """Answers None for any timestep (what a recording does not hold)."""

    def __getitem__(self, _t: Any) -> None:
        return None


class SessionHistory(HeldSteps):
    """The steps of a session file, read lazily as the views ask for them: it holds every recorded step.

    Timestep ``t`` sits at "slot" ``t`` (the capacity is one past the last timestep), so the
    history's readers, which index ``t % capacity``, read the file's row ``t - first``.
    Nothing is ever written to it.
    """

    def __init__(self, reader: SessionReader) -> None:
        self.reader = reader
        batch, n_agents, units = reader.shape
        inputs = reader._file["inputs"].shape[1:]
        outputs = reader._file["outputs"].shape[1:] if reader.has_outputs else None
        per_step = 4 * (batch * n_agents * units + int(np.prod(inputs)) + int(np.prod(outputs or (0,))))
        episode_shape = (batch, n_agents) if reader.episodic else None
        # Slots are timesteps, so a few bytes are set aside for every t up to the last, held or not.
        if reader.last >= _MOST_TIMESTEPS:
            raise FileProblem(
                f"{reader.path} ends at t = {reader.last:,}: replaying it would set aside memory for every"
                f" timestep up to that; replay reads sessions ending before t = {_MOST_TIMESTEPS:,}"
            )
        super().__init__(max(2, reader.last + 1), per_step, episode_shape, first=reader.first, last=reader.last)
        self.hidden = _Steps(reader, "hidden")
        self.inputs = _Steps(reader, "inputs")
        self.outputs = _Steps(reader, "outputs") if outputs is not None else None
        if reader.episodic:
            self.episode_start = _Steps(reader, "episode_start")
            self.actions = _Steps(reader, "actions")
            self.rewards = _Steps(reader, "rewards")
            self.returns = _Steps(reader, "returns")
            self.done = _Steps(reader, "done")
            if "avail_actions" in reader.keys:  # the actions each agent was allowed (recorded with masks)
                self.avail_actions = _Steps(reader, "avail_actions")
        # Per-step flags and times are a few bytes a step: read once, at timestep positions.
        self._has_inputs[reader.first :] = reader.read("has_input")
        self._step_ms[reader.first :] = reader.read("step_ms")
        self._writes = new_write_ids(self.capacity)  # each step is written once, by the recording
        self._traces = _Traces(reader)
        self._layouts = _Nothing()

    @property
    def nbytes(self) -> int:
        return 0  # read from disk as asked: no memory is set aside for it

    def traced(self, t: int) -> bool:
        return self.holds(t) and int(self.reader._file["trace_index"][t - self.first]) >= 0

    def grow(self) -> bool:
        """Hold the steps the reader found since it was last refreshed (a followed file); whether there were any."""
        reader, old = self.reader, self.last
        last = reader.last
        if last <= old:
            return False
        if last >= _MOST_TIMESTEPS:
            raise FileProblem(f"{reader.path} has grown past t = {_MOST_TIMESTEPS:,}, as far as replay follows")
        has_input, step_ms = reader.read("has_input", old + 1, last), reader.read("step_ms", old + 1, last)
        with self.lock:
            if last >= self.capacity:  # room for twice as many timesteps: a few bytes each
                more = max(last + 1, 2 * self.capacity) - self.capacity
                self._has_inputs = np.concatenate([self._has_inputs, np.zeros(more, bool)])
                self._retraced = np.concatenate([self._retraced, np.zeros(more, bool)])
                self._step_ms = np.concatenate([self._step_ms, np.zeros(more)])
                self._writes = np.concatenate([self._writes, new_write_ids(more)])
                self.capacity += more
            self._has_inputs[old + 1 : last + 1] = has_input
            self._step_ms[old + 1 : last + 1] = step_ms
            self.last = last
        return True


class FollowedFileReplaced(Exception):
    """The followed path now names another recording (one made with ``force`` was renamed over it)."""


class ReplayStepper(BaseStepper):
    """A recorded session, driven like a stepper: Step, Back, seek and Play move through its timesteps.

    ``model`` is None and :attr:`capabilities` says it is a recording: views that need
    the model (the gates, re-tracing, edits) say so.  The configuration, device and dtype
    are the ones the session was recorded with.
    """

    reader: SessionReader
    history: SessionHistory

    def __init__(self, reader: SessionReader) -> None:
        super().__init__()
        self.reader = reader
        self.path = reader.path
        self.recorded_edits: list[dict] = list(reader.edits)
        config: Config = reader.config
        self.config = config
        device = str(reader.config_record.get("device_used", config.device))
        try:
            self.device = torch.device(device)
        except RuntimeError:
            self.device = torch.device("cpu")
        self.dtype = DTYPES.get(config.dtype, torch.float32)
        self.model = None
        self.units = reader.shape[2]
        self.output_shape = tuple(reader._file["outputs"].shape[1:]) if reader.has_outputs else None
        self.history = SessionHistory(reader)
        self.init_trace = reader.trace(reader.first)
        self.initial_state = reader.hidden(reader.first) if reader.first == 0 else None
        self.t = reader.first
        self.latest = reader.last

    @property
    def capabilities(self) -> Capabilities:
        return FOLLOWED if self.following else RECORDING

    def refresh(self) -> int:
        """Pick up the steps a followed file's writer flushed since; returns how many.

        :class:`FollowedFileReplaced` when the path has come to name another file: open it afresh.

        The bounds grow; the timestep shown moves to the newest when the newest was shown.
        Call it from the thread that steps (not while Play's worker reads).
        """
        from .live import LiveSession

        if not isinstance(self.reader, LiveSession):
            return 0
        seen = self.reader.reopened
        arrived = self.reader.refresh()
        if self.reader.reopened != seen:  # its steps are another run's: this replay cannot go on over them
            raise FollowedFileReplaced(f"{self.path.name} was replaced by a new recording (one made with force)")
        if not arrived:
            return 0
        before = self.latest
        self.history.grow()
        self.latest = self.reader.last
        if self.t == before:
            self.t = self.latest
        self.changed.emit("step")
        return self.latest - before

    @property
    def state_names(self) -> list[str]:
        """The states this recording holds: ``h`` (the hidden state), then any named ones (``c``, ``layer0.h``)."""
        group = self.reader._file.get("states")
        return ["h", *(sorted(group.keys()) if group is not None else [])]

    def show_state(self, name: str) -> None:
        """Show the named state in place of ``h`` (an LSTM's cell ``c``, another layer): every view follows.

        :class:`UserError` names the states there are when the recording holds no ``name``.
        """
        if name not in self.state_names:
            raise UserError(f"{self.path.name} holds no state {name!r}; it holds {', '.join(self.state_names)}")
        dataset = "hidden" if name == "h" else f"states/{name}"
        steps = _Steps(self.reader, dataset)
        batch, n_agents, _units = self.reader.shape
        shape = steps.shape[1:]
        if len(shape) != 3 or shape[:2] != (batch, n_agents):
            raise UserError(f"state {name!r} is {shape} per step, not (batch {batch}, {n_agents} agents, units)")
        self.history.hidden = steps
        self.units = int(shape[2])
        self.state_name = name
        first = self.reader.first
        self.initial_state = np.asarray(steps[first]) if first == 0 else None
        self.changed.emit("rebuild")

    def refusal(self, what: str) -> UserError:
        return UserError(
            f"{self.path.name} is a recorded session with no model: {what} needs a live run"
            " (File → Close session goes back to it)"
        )

    @property
    def episodic(self) -> bool:
        return self.reader.episodic

    def describe(self) -> str:
        """One line: the file, its timesteps and what was recorded."""
        return f"{self.path.name}: t = {self.reader.first}..{self.reader.last}, {self.reader.model or 'model'}"

    def end_message(self) -> str:
        if self.t < self.latest:
            return ""
        if self.following:
            return f"{self.path.name}: waiting for steps (t = {self.reader.last} is the newest written so far)"
        return (
            f"{self.path.name} is a recording: it ends at t = {self.reader.last}"
            f" (it holds t = {self.reader.first}..{self.reader.last}); nothing after that was recorded"
        )

    # -- moving through the recording -------------------------------------
    def init_hidden(self, emit: bool = True) -> Frame:
        """Back to the first recorded timestep (nothing is recomputed or cleared)."""
        self.t = self.reader.first
        if emit:
            self.changed.emit("seek")
        return self.history.frame(self.t)

    reset = init_hidden

    def step(self, trace: bool | None = None) -> Frame:
        """The next recorded timestep; :class:`EndOfRecording` after the last."""
        end = self.end_message()
        if end:
            raise EndOfRecording(end)
        self.t += 1
        self.changed.emit("seek")
        return self.history.frame(self.t)

    def close(self) -> None:
        self.reader.close()
