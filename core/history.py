"""A bounded, preallocated record of the timesteps a session has run.

The ring holds host copies of the hidden state (always as
``(batch, n_agents, units)``), the inputs, the outputs where they differ from
the hidden state, the trace and the step time.  Its capacity comes from a
memory budget, so a long Play never grows memory past it: the oldest steps are
dropped first.

:class:`HeldSteps` is what every view reads, whatever holds the steps: the frame
source.  :class:`History` is the ring in memory; a recorded session's steps are read
from its file by :class:`~hiddenscope.core.replay.SessionHistory`.  Both answer the
same reads (:meth:`~HeldSteps.frame`, :meth:`~HeldSteps.snapshot`,
:meth:`~HeldSteps.window`, :meth:`~HeldSteps.read_window`, the bounds and
:meth:`~HeldSteps.traced`).

One thread writes (the stepper, which may run in Play's worker) while others
read.  Writers take :attr:`HeldSteps.lock` to claim a slot and to clear
(:meth:`History.slot`, :meth:`History.clear`); :meth:`History.finish` moves the
newest bound without it, and only once the slot is complete, so no reader ever finds
a half-written step held.  Readers get copies through :meth:`snapshot`,
:meth:`pair` and :meth:`read_window`, never the ring's own slots, unless they
ask for views with ``snapshot(t, copy=False)`` and know no step writes that slot
while they hold them (the window does, see ``gui/stepper_model.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Protocol, TypeVar

import numpy as np

from .episodes import EpisodeStep
from .trace import TraceRecord

DEFAULT_BUDGET = 256 * 1024 * 1024
PENDING_CLOCKS = 64  # step clocks still running on a GPU kept for reading later; older ones are read at once
R = TypeVar("R")
Layout = tuple[tuple[int, ...], tuple[int, ...], int, int]  # shape, stride, storage offset, storage size


@dataclass(frozen=True)
class Frame:
    """What one timestep left behind, as the GUI and exporters read it."""

    t: int
    hidden: np.ndarray  # (batch, n_agents, units)
    inputs: np.ndarray | None  # (batch, n_agents, input_dim); None at t = 0
    output: np.ndarray | None  # None where the output is the hidden state itself
    trace: list[TraceRecord] | None
    step_ms: float
    # What the step did in live environments (None without them, and at t = 0): see core.episodes.
    episode: EpisodeStep | None = None
    # The trace was recorded later, by re-running the step from history (core.retrace), not as it first ran.
    retraced: bool = False


@dataclass(frozen=True)
class Held:
    """Which timesteps a run holds, read at one moment: what views show and check against."""

    first: int
    last: int  # -1: nothing held
    capacity: int
    nbytes: int  # memory set aside for them (0: read from disk as asked)
    device: str | None = None  # where that memory is, when not the host's (the ring on a GPU)

    def __len__(self) -> int:
        return 0 if self.last < 0 else self.last - self.first + 1

    def holds(self, t: int) -> bool:
        return self.first <= t <= self.last


class StepArray(Protocol):
    """Per-step values indexed by slot (``t % capacity``): a numpy array, or a session dataset read on demand."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __getitem__(self, key: Any) -> Any: ...


class PerStep(Protocol):
    """One value (a trace, a layout) per slot, or ``None``."""

    def __getitem__(self, slot: int) -> Any: ...


class HeldSteps:
    """The steps a run holds, read by every view: a frame source, in memory or on disk.

    Timestep ``t`` sits at slot ``t % capacity`` of each per-step array.  Subclasses
    fill the arrays; the reads here take copies under :attr:`lock` (or check
    afterwards that no writer overtook them, :meth:`read_window`).
    """

    hidden: StepArray
    inputs: StepArray
    outputs: StepArray | None
    episode_start: StepArray
    actions: StepArray
    rewards: StepArray
    returns: StepArray
    done: StepArray
    avail_actions: StepArray | None = None  # the actions each agent was allowed (live environments with masks)
    where: str | None = None  # the device holding the steps' arrays, when not the host
    _traces: PerStep
    _layouts: PerStep

    def __init__(
        self,
        capacity: int,
        bytes_per_step: int,
        episode_shape: tuple[int, int] | None,
        budget_bytes: int = 0,
        pinned: bool = False,
        first: int = 0,
        last: int = -1,
    ) -> None:
        self.capacity = int(capacity)
        self.bytes_per_step = bytes_per_step
        self.budget_bytes = budget_bytes
        self.pinned = pinned
        self.episode_shape = episode_shape
        self._has_inputs = np.zeros(self.capacity, bool)
        self._retraced = np.zeros(self.capacity, bool)
        self._step_ms = np.zeros(self.capacity)
        self._pending_ms: dict[int, Any] = {}  # slot -> a clock still running on the device (StepClock.pending)
        self._writes = np.zeros(self.capacity, np.int64)  # which write put each slot's step there (write_ids)
        self.first = first  # oldest timestep held
        self.last = last  # newest timestep held (-1: empty)
        self.lock = threading.Lock()
        self._epoch = 0  # counts clear(): a reader's window from before a clear is stale

    def __len__(self) -> int:
        return 0 if self.last < 0 else self.last - self.first + 1

    @property
    def nbytes(self) -> int:
        """Host memory set aside for the steps."""
        return self.capacity * self.bytes_per_step

    def holds(self, t: int) -> bool:
        return self.first <= t <= self.last

    def bounds(self) -> Held:
        """The bounds now, taken together under the lock."""
        with self.lock:
            return Held(self.first, self.last, self.capacity, self.nbytes, self.where)

    def frame(self, t: int) -> Frame:
        if not self.holds(t):
            raise IndexError(f"timestep {t} is not in history (it holds {self.first}..{self.last})")
        i = t % self.capacity
        return Frame(
            t=t,
            hidden=self.hidden[i],
            inputs=self.inputs[i] if self._has_inputs[i] else None,
            output=self.outputs[i] if self.outputs is not None and self._has_inputs[i] else None,
            trace=self._traces[i],
            step_ms=self._ms(i),
            episode=(
                EpisodeStep(
                    self.episode_start[i],
                    self.actions[i],
                    self.rewards[i],
                    self.returns[i],
                    self.done[i],
                    None if self.avail_actions is None else self.avail_actions[i],
                )
                if self.episode_shape is not None and self._has_inputs[i]
                else None
            ),
            retraced=bool(self._retraced[i]),
        )

    def _ms(self, slot: int) -> float:
        clock = self._pending_ms.get(slot)
        if clock is not None:  # read the device's clock now that someone asks
            self._step_ms[slot] = clock.elapsed()
            self._pending_ms.pop(slot, None)
        return float(self._step_ms[slot])

    # -- which steps were traced --------------------------------------------
    def traced(self, t: int) -> bool:
        """Whether step ``t`` has a trace (recorded as it ran, or re-run later); False if not held."""
        with self.lock:
            return self.holds(t) and self._traces[t % self.capacity] is not None

    def write_ids(self, ts: np.ndarray) -> np.ndarray:
        """An id for each timestep of ``ts`` (held ones) naming the write that put it in its slot.

        Ids are unique in the process, across histories: a step written again (its slot
        reused, the history cleared or rebuilt) gets a new one, so what was worked out
        from a step's values can be kept under ``(t, id)``.  Read them before the values,
        and check the window afterwards (``read_window`` does).
        """
        return self._writes[np.asarray(ts, np.int64) % self.capacity]

    # -- reading from other threads ---------------------------------------
    def snapshot(self, t: int | None, copy: bool = True) -> Frame:
        """Timestep ``t`` (``None``: the newest) as read-only copies, taken under the lock.

        ``copy=False`` gives read-only views of the ring's slot instead, for a reader that
        knows no step will write that slot while it holds them (the window, paused or in
        normal Play: a step writes only the slot after the newest; see ``gui/stepper_model.py``).
        IndexError if ``t`` is not held.
        """
        with self.lock:
            frame = self.frame(self.last if t is None else t)
            copies: dict[str, Any] = {f.name: _frozen(getattr(frame, f.name), copy) for f in fields(frame)}
        if copies["trace"] is not None:
            copies["trace"] = list(copies["trace"])
        return Frame(**copies)

    def pair(self, t: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Copies of ``h_{t-1}`` and ``h_t``, taken together; ``None`` unless both are held."""
        with self.lock:
            if not (self.holds(t) and self.holds(t - 1)):
                return None
            return self.hidden[(t - 1) % self.capacity].copy(), self.hidden[t % self.capacity].copy()

    def window(self, end: int, span: int, skip: int = 0) -> np.ndarray:
        """Up to ``span`` held timesteps ending at ``end`` (or later, when ``end`` is near the oldest).

        ``skip`` leaves out the oldest ``skip`` held steps (a view that needs ``h_{t-1}``
        beside each ``t`` skips one).  Only the bounds are read, under the lock.
        """
        with self.lock:
            return self._window(end, span, skip)

    def _window(self, end: int, span: int, skip: int) -> np.ndarray:
        if self.last < 0:
            return np.arange(0)
        lowest = self.first + skip
        stop = min(self.last, max(end, lowest + span - 1)) + 1
        return np.arange(max(lowest, stop - span), stop)

    def read_window(self, end: int, span: int, read: Callable[[np.ndarray], R], skip: int = 0) -> tuple[np.ndarray, R]:
        """``(ts, read(ts))`` for :meth:`window` ``(end, span, skip)``, safe while another thread steps.

        ``read`` gets the timesteps and copies what it needs out of the ring's arrays
        (at ``t % capacity``, and ``t - skip`` where it needs earlier steps).  It runs
        without the lock, so the writer is never held up by a long read; afterwards the
        bounds are checked, and a read that the writer overtook (it claimed a slot the
        read covered) is done again on the new window.  A read overtaken three times is
        done once more under the lock.
        """
        for _ in range(3):
            with self.lock:
                ts, epoch = self._window(end, span, skip), self._epoch
            result = read(ts)
            with self.lock:
                if epoch == self._epoch and (len(ts) == 0 or ts[0] - skip >= self.first):
                    return ts, result
        with self.lock:
            ts = self._window(end, span, skip)
            return ts, read(ts)

    def rerun_inputs(self, t: int) -> tuple[np.ndarray, Layout | None, np.ndarray, np.ndarray] | None:
        """What re-running step ``t`` needs (see :meth:`History.rerun_inputs`); ``None``: it cannot be re-run."""
        return None

    def set_trace(self, t: int, trace: list[TraceRecord]) -> bool:
        """Give step ``t`` the trace found by re-running it; False where that cannot be kept."""
        return False


class History(HeldSteps):
    """A ring buffer of :class:`Frame` data in memory whose size is set by ``budget_bytes``."""

    hidden: np.ndarray | DeviceSteps
    inputs: np.ndarray | DeviceSteps
    outputs: np.ndarray | DeviceSteps | None
    episode_start: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    returns: np.ndarray
    done: np.ndarray

    def __init__(
        self,
        hidden_shape: tuple[int, ...],
        input_shape: tuple[int, ...],
        output_shape: tuple[int, ...] | None = None,
        budget_bytes: int = DEFAULT_BUDGET,
        max_steps: int | None = None,
        episode_shape: tuple[int, int] | None = None,
        pin_memory: bool = False,
        n_actions: int = 0,
        device: Any = None,
    ) -> None:
        per_step = 4 * (int(np.prod(hidden_shape)) + int(np.prod(input_shape)))
        if output_shape is not None:
            per_step += 4 * int(np.prod(output_shape))
        if episode_shape is not None:
            batch, agents = episode_shape
            per_step += batch * (1 + 4 + 4 + 4 + 8 * agents + agents * n_actions)
        capacity = max(2, budget_bytes // per_step)
        if max_steps is not None:
            capacity = max(2, min(capacity, max_steps))
        super().__init__(capacity, per_step, episode_shape, budget_bytes, pin_memory and device is None)
        # Where the states, inputs and outputs live: host arrays, or (``device``) tensors on the model's device.
        if device is not None:
            self.where = str(device)
            self.hidden = DeviceSteps((self.capacity, *hidden_shape), device)
            self.inputs = DeviceSteps((self.capacity, *input_shape), device)
            self.outputs = DeviceSteps((self.capacity, *output_shape), device) if output_shape is not None else None
        else:
            # np.empty only reserves address space: pages are touched as steps arrive.  With a CUDA model
            # (pin_memory) the arrays the device writes into are page-locked instead, so its copies to
            # them can run asynchronously; that commits their memory up front.
            empty = _pinned_empty if pin_memory else _empty
            self.hidden = empty((self.capacity, *hidden_shape))
            self.inputs = empty((self.capacity, *input_shape))
            self.outputs = empty((self.capacity, *output_shape)) if output_shape is not None else None
        self.avail_actions: np.ndarray | None = None  # (capacity, batch, n_agents, n_actions) bool, with masks
        if episode_shape is not None and n_actions:
            self.avail_actions = np.ones((self.capacity, *episode_shape, n_actions), bool)
        if episode_shape is not None:
            self.episode_start = np.zeros((self.capacity, episode_shape[0]), bool)
            self.actions = np.full((self.capacity, *episode_shape), -1, np.int64)
            self.rewards = np.zeros((self.capacity, episode_shape[0]), np.float32)
            self.returns = np.zeros((self.capacity, episode_shape[0]), np.float32)
            self.done = np.zeros((self.capacity, episode_shape[0]), bool)
        self._traces: list[list[TraceRecord] | None] = [None] * self.capacity
        # How each step's hidden state lay in memory (shape, stride, offset, storage size), so a step can be
        # re-run from history on a tensor laid out as the live one was (core.retrace).
        self._layouts: list[Layout | None] = [None] * self.capacity

    def clear(self) -> None:
        with self.lock:
            self.first, self.last = 0, -1
            self._pending_ms.clear()
            self._traces = [None] * self.capacity
            self._layouts = [None] * self.capacity
            self._epoch += 1

    def slot(self, t: int) -> int:
        """Claim the slot for timestep ``t`` (the next one), dropping the oldest if full.

        ``t`` is not held until :meth:`finish`: a reader in another thread (the
        window, while Play steps in its worker) never sees a slot half written,
        and the dropped oldest step stops being held before it is overwritten.
        """
        with self.lock:
            if self.last >= 0 and t != self.last + 1:
                raise ValueError(f"history holds up to t={self.last}; cannot append t={t}")
            if self.last >= 0 and t - self.first + 1 > self.capacity:
                self.first = t - self.capacity + 1
            return t % self.capacity

    def finish(
        self,
        t: int,
        trace: list[TraceRecord] | None,
        step_ms: Any,
        has_inputs: bool,
        layout: Layout | None = None,
    ) -> None:
        """Timestep ``t``'s slot is written: record its trace (``None``: not traced), time and layout; hold it.

        ``step_ms`` is the step's milliseconds, or a clock still running on the device
        (:meth:`~hiddenscope.core.step_runtime.StepClock.pending`), read when the frame is.
        """
        i = t % self.capacity
        self._traces[i] = trace
        self._retraced[i] = False
        self._layouts[i] = layout
        self._pending_ms.pop(i, None)
        if isinstance(step_ms, (int, float)):
            self._step_ms[i] = step_ms
        else:
            self._pending_ms[i] = step_ms
            self._step_ms[i] = np.nan
            while len(self._pending_ms) > PENDING_CLOCKS:  # the oldest clock has long finished: read it now
                oldest = next(iter(self._pending_ms))
                self._ms(oldest)
        self._has_inputs[i] = has_inputs
        self._writes[i] = new_write_ids(1)[0]
        if self.last < 0:
            self.first = t
        self.last = t

    def write_episode(self, slot: int, step: EpisodeStep) -> None:
        """Write what a step did in the environments into its (claimed, not yet finished) slot."""
        self.episode_start[slot] = step.start
        self.actions[slot] = step.actions
        self.rewards[slot] = step.rewards
        self.returns[slot] = step.returns
        self.done[slot] = step.done
        if self.avail_actions is not None:  # a step without masks allowed every action
            self.avail_actions[slot] = True if step.avail is None else step.avail

    def rerun_inputs(self, t: int) -> tuple[np.ndarray, Layout | None, np.ndarray, np.ndarray] | None:
        """Copies of what re-running step ``t`` needs: ``(h_{t-1}, its layout, inputs_t, h_t)``.

        ``None`` unless both steps are held and step ``t`` had inputs (not t = 0).
        """
        with self.lock:
            if not (self.holds(t) and self.holds(t - 1) and self._has_inputs[t % self.capacity]):
                return None
            i, before = t % self.capacity, (t - 1) % self.capacity
            return self.hidden[before].copy(), self._layouts[before], self.inputs[i].copy(), self.hidden[i].copy()

    def set_trace(self, t: int, trace: list[TraceRecord]) -> bool:
        """Give the held, untraced step ``t`` the trace found by re-running it; False if it is gone or traced."""
        with self.lock:
            i = t % self.capacity
            if not self.holds(t) or self._traces[i] is not None:
                return False
            self._traces[i] = trace
            self._retraced[i] = True
            return True


class DeviceSteps:
    """Per-step float32 values in one tensor on the model's device: the history ring kept on a GPU.

    A step writes its slot on the device (:attr:`values`), with no copy to the host; a read
    (``steps[key]``, NumPy-style keys: ints, slices, integer or boolean arrays) gathers what it
    asks for on the device and returns it as a new host array.  On CUDA the copy runs on a
    side stream into page-locked memory, after the work already queued, and only the reader
    waits for it.  On the CPU the tensors are host memory and a read is a plain copy.
    """

    def __init__(self, shape: tuple[int, ...], device: Any) -> None:
        import torch

        self.values = torch.empty(shape, dtype=torch.float32, device=device)
        self.device = self.values.device
        cuda = self.device.type == "cuda"
        self._copies = torch.cuda.Stream(self.device) if cuda else None
        # Recorded after each step's writes on the writer's stream (written()); a read waits for it.
        self._written = torch.cuda.Event() if cuda else None

    def written(self) -> None:
        """Mark the writes queued so far on the calling thread's stream: reads after this wait for them."""
        if self._written is not None:
            import torch

            self._written.record(torch.cuda.current_stream(self.device))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)

    @property
    def nbytes(self) -> int:
        return self.values.numel() * 4

    def _key(self, key: Any) -> Any:
        import torch

        def one(part: Any) -> Any:
            if isinstance(part, np.ndarray) and part.ndim == 0:
                part = part.item()
            if isinstance(part, np.ndarray):
                if part.dtype != bool:  # an index array, as NumPy reads it (never a uint8 mask)
                    part = part.astype(np.int64, copy=False)
                return torch.from_numpy(np.ascontiguousarray(part)).to(self.device)
            if isinstance(part, (np.integer, np.bool_)):
                return part.item()
            return part

        return tuple(one(part) for part in key) if isinstance(key, tuple) else one(key)

    def __getitem__(self, key: Any) -> np.ndarray:
        import torch

        picked = self.values[self._key(key)]
        if self._copies is None:
            return picked.numpy().copy()
        host = torch.empty(picked.shape, dtype=picked.dtype, pin_memory=True)
        self._copies.wait_stream(torch.cuda.current_stream(self.device))  # the gather above
        if self._written is not None:
            self._copies.wait_event(self._written)  # the newest step's writes, from the writer's stream
        with torch.cuda.stream(self._copies):
            host.copy_(picked, non_blocking=True)
        self._copies.synchronize()
        return host.numpy()

    def __setitem__(self, key: Any, value: Any) -> None:
        import torch

        self.values[self._key(key)] = torch.as_tensor(value, dtype=torch.float32).to(self.device)


def device_budget(device: Any, fraction: float = 0.25) -> int | None:
    """Bytes the history may use on ``device``: ``fraction`` of its free memory (``None`` on the CPU)."""
    import torch

    device = torch.device(device)
    if device.type != "cuda":
        return None
    free, _total = torch.cuda.mem_get_info(device)
    return int(free * fraction)


_write_lock = threading.Lock()
_next_write = 1


def new_write_ids(count: int) -> np.ndarray:
    """``count`` write ids no history in this process has used (:meth:`History.write_ids`)."""
    global _next_write
    with _write_lock:
        first, _next_write = _next_write, _next_write + count
    return np.arange(first, first + count, dtype=np.int64)


def _empty(shape: tuple[int, ...]) -> np.ndarray:
    return np.empty(shape, np.float32)


def _pinned_empty(shape: tuple[int, ...]) -> np.ndarray:
    import torch  # only a CUDA session pins, and torch is there then

    return torch.empty(shape, dtype=torch.float32, pin_memory=True).numpy()


def _frozen(value: Any, copy: bool) -> Any:
    """``value`` with its arrays made read-only: copies, or (``copy=False``) views of the ring's own."""
    if isinstance(value, EpisodeStep):
        return EpisodeStep(*(_frozen(part, copy) for part in value))
    if isinstance(value, np.ndarray):
        value = value.copy() if copy else value.view()
        value.flags.writeable = False
    return value
