"""A bounded, preallocated record of the timesteps a session has run.

The ring holds host copies of the hidden state (always as
``(batch, n_agents, units)``), the inputs, the outputs where they differ from
the hidden state, the trace and the step time.  Its capacity comes from a
memory budget, so a long Play never grows memory past it: the oldest steps are
dropped first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .trace import TraceRecord

DEFAULT_BUDGET = 256 * 1024 * 1024


@dataclass(frozen=True)
class Frame:
    """What one timestep left behind, as the GUI and exporters read it."""

    t: int
    hidden: np.ndarray  # (batch, n_agents, units)
    inputs: np.ndarray | None  # (batch, n_agents, input_dim); None at t = 0
    output: np.ndarray | None  # None where the output is the hidden state itself
    trace: list[TraceRecord] | None
    step_ms: float


class History:
    """A ring buffer of :class:`Frame` data whose size is set by ``budget_bytes``."""

    def __init__(
        self,
        hidden_shape: tuple[int, ...],
        input_shape: tuple[int, ...],
        output_shape: tuple[int, ...] | None = None,
        budget_bytes: int = DEFAULT_BUDGET,
        max_steps: int | None = None,
    ) -> None:
        per_step = 4 * (int(np.prod(hidden_shape)) + int(np.prod(input_shape)))
        if output_shape is not None:
            per_step += 4 * int(np.prod(output_shape))
        capacity = max(2, budget_bytes // per_step)
        if max_steps is not None:
            capacity = max(2, min(capacity, max_steps))
        self.capacity = int(capacity)
        self.bytes_per_step = per_step
        self.budget_bytes = budget_bytes
        # np.empty only reserves address space: pages are touched as steps arrive.
        self.hidden = np.empty((self.capacity, *hidden_shape), np.float32)
        self.inputs = np.empty((self.capacity, *input_shape), np.float32)
        self.outputs = np.empty((self.capacity, *output_shape), np.float32) if output_shape is not None else None
        self._has_inputs = np.zeros(self.capacity, bool)
        self._traces: list[list[TraceRecord] | None] = [None] * self.capacity
        self._step_ms = np.zeros(self.capacity)
        self.first = 0  # oldest timestep held
        self.last = -1  # newest timestep held (-1: empty)

    def __len__(self) -> int:
        return 0 if self.last < 0 else self.last - self.first + 1

    @property
    def nbytes(self) -> int:
        return self.capacity * self.bytes_per_step

    def holds(self, t: int) -> bool:
        return self.first <= t <= self.last

    def clear(self) -> None:
        self.first, self.last = 0, -1
        self._traces = [None] * self.capacity

    def slot(self, t: int) -> int:
        """Claim the slot for timestep ``t`` (the next one), dropping the oldest if full.

        ``t`` is not held until :meth:`finish`: a reader in another thread (the
        window, while Play steps in its worker) never sees a slot half written,
        and the dropped oldest step stops being held before it is overwritten.
        """
        if self.last >= 0 and t != self.last + 1:
            raise ValueError(f"history holds up to t={self.last}; cannot append t={t}")
        if self.last >= 0 and t - self.first + 1 > self.capacity:
            self.first = t - self.capacity + 1
        return t % self.capacity

    def finish(self, t: int, trace: list[TraceRecord] | None, step_ms: float, has_inputs: bool) -> None:
        """Timestep ``t``'s slot is written: record its trace and time, and hold it from now on."""
        i = t % self.capacity
        self._traces[i] = trace
        self._step_ms[i] = step_ms
        self._has_inputs[i] = has_inputs
        if self.last < 0:
            self.first = t
        self.last = t

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
            step_ms=float(self._step_ms[i]),
        )
