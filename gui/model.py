"""The stepper's Qt face: one ``QObject`` every view is built on.

:class:`StepperModel` wraps a plain-Python :class:`~hiddenscope.core.stepper.Stepper`.
The stepper's ``changed`` event may fire on Play's worker thread; it is relayed
as a Qt signal with the default (auto) connection, which Qt queues when it crosses
threads, so every view slot runs on the GUI thread.  Relays are coalesced: however
many steps the worker made since the last draw, the views get one
``frameChanged`` with one snapshot of the newest, and every view draws that same t.

The model also holds what the views share about *how* to look at the session:
the op walked with Step op, the difference mode, and the agent and batch row the
history and gates views follow.  User actions go through its methods, which call
the stepper's; ``aboutToAct`` fires first so Play can stop before anything changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from hiddenscope.core.config import Config
from hiddenscope.core.errors import UserError
from hiddenscope.core.history import Frame
from hiddenscope.core.stepper import Stepper

from .look import DIFF_LEVELS, LEVELS


class StepperModel(QObject):
    """Signals about a :class:`Stepper`, safe to connect views to, and the actions views may take."""

    frameChanged = Signal(object)  # a Frame snapshot (read-only copies) of the timestep shown
    rebuilt = Signal()  # a new configuration, model or input source
    opChanged = Signal(int)  # the op walked with Step op; -1: the whole step
    differenceChanged = Signal(bool)
    selectionChanged = Signal(int, int)  # (agent, batch row) the history and gates views follow
    playingChanged = Signal(bool)
    message = Signal(str, int)  # a status-bar line and how long to show it (ms)
    failed = Signal(str, str)  # (what was tried, why it failed): worth a dialog
    aboutToAct = Signal()  # a user action is about to change the session
    _poke = Signal()

    def __init__(self, stepper: Stepper, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stepper = stepper
        self.frame: Frame = stepper.frame
        self.op_index = -1
        self.difference = False
        self.agent = 0
        self.row = 0
        self.playing = False
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._poke.connect(self._flush)
        relay = self._relay
        stepper.changed.connect(relay)
        # The stepper may outlive the window (a script keeps using it): stop relaying to a deleted model.
        self.destroyed.connect(lambda: stepper.changed.disconnect(relay))

    # -- from the stepper (any thread) ------------------------------------
    def _relay(self, kind: str) -> None:
        with self._pending_lock:
            first = not self._pending
            self._pending.add(kind)
        if first:
            # Direct on the GUI thread; queued from the worker (the model lives on the GUI thread).
            self._poke.emit()

    def _flush(self) -> None:
        with self._pending_lock:
            kinds, self._pending = self._pending, set()
        if kinds:
            self._show_current("rebuild" in kinds)

    def refresh(self) -> None:
        """Show the stepper's timestep now (after Play stopped: a relay still queued then finds nothing to do)."""
        with self._pending_lock:
            kinds, self._pending = self._pending, set()
        self._show_current("rebuild" in kinds)

    def _show_current(self, rebuilt: bool) -> None:
        if rebuilt:
            c = self.stepper.config
            self.agent, self.row = min(self.agent, c.n_agents - 1), min(self.row, c.batch_size - 1)
            self.rebuilt.emit()
        self.frame = self.stepper.frame
        self.op_index = -1
        self.frameChanged.emit(self.frame)

    # -- what views read ---------------------------------------------------
    @property
    def config(self) -> Config:
        return self.stepper.config

    @property
    def trace_length(self) -> int:
        return len(self.frame.trace or [])

    def values_shown(self) -> tuple[np.ndarray | None, str, tuple[float, float], str]:
        """What the heatmaps show for the frame and options now: ``(values, caption, levels, why)``.

        ``values`` is ``None`` (and ``why`` says why) when Step op is on an op whose
        result is not a hidden state.
        """
        frame = self.frame
        if self.op_index >= 0:
            record = (frame.trace or [])[self.op_index]
            values, why = self.stepper.stage_state(self.op_index, frame.t)
            return values, f"after op {self.op_index + 1}: {record.op} {tuple(record.shape)}", LEVELS, why
        if self.difference:
            diff = self.stepper.difference(frame.t)
            if diff is not None:
                return diff, f"h_{frame.t} − h_{frame.t - 1}", DIFF_LEVELS, ""
            return frame.hidden, f"h_{frame.t} (no earlier step held to subtract)", LEVELS, ""
        return frame.hidden, f"h_{frame.t}", LEVELS, ""

    # -- user actions (GUI thread) -----------------------------------------
    def attempt(self, what: str, func: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """Run ``func(*args)`` after Play stops; a user mistake becomes ``failed`` and ``(False, None)``."""
        self.aboutToAct.emit()
        try:
            return True, func(*args)
        except UserError as exc:
            self.failed.emit(what, str(exc))
        except MemoryError:
            self.failed.emit(what, "Out of memory: choose a smaller configuration.")
        return False, None

    def init_hidden(self) -> bool:
        return self.attempt("Init hidden", self.stepper.init_hidden)[0]

    def reset(self) -> bool:
        return self.attempt("Reset", self.stepper.reset)[0]

    def step(self) -> bool:
        ok = self.attempt("Step", self.stepper.step)[0]
        if not ok:
            self.recover_after_failed_step()
        return ok

    def recover_after_failed_step(self) -> None:
        """After a step failed (in Step or in Play), start over at t = 0.

        The model and its inputs may have got out of step (a live environment has
        already moved on to the step the model failed on, and cannot be asked for it
        again), so the one state known to fit both is the beginning.
        """
        self.attempt("Reset", self.stepper.reset)
        self.message.emit("The step failed; back to t = 0 so that the model and its inputs start over together", 10000)

    def back(self) -> bool:
        self.aboutToAct.emit()
        if self.stepper.back() is None:
            self.message.emit(f"t = {self.stepper.t} is the oldest timestep held in history", 4000)
            return False
        return True

    def seek(self, t: int) -> bool:
        """Show timestep ``t`` from history; ``False`` when it is not held."""
        if t == self.frame.t and not self.playing:
            return True
        self.aboutToAct.emit()
        if not self.stepper.history.holds(t):
            return False
        self.stepper.seek(t)
        return True

    def set_tracing(self, on: bool) -> None:
        self.aboutToAct.emit()
        self.stepper.tracing = on

    def apply_config(self, config: Config) -> bool:
        """Rebuild on ``config``; on a mistake the session stays as it was and ``failed`` says why."""
        if not config.model:
            config = config.replace(model=self.stepper.config.model)  # the panel does not edit which model it is
        ok, _ = self.attempt("Apply configuration", self.stepper.rebuild, config)
        if ok:
            self.message.emit(f"Rebuilt: {config.label()} on {self.stepper.device}", 5000)
        else:
            self.rebuilt.emit()  # the panel goes back to the configuration still in use
        return ok

    # -- how to look -------------------------------------------------------
    def set_op(self, index: int) -> None:
        """Walk to op ``index`` of the step shown (-1 or the last op: the whole step)."""
        if self.playing:
            # Walking through one step's ops needs the step to hold still.
            self.aboutToAct.emit()
        if index >= self.trace_length - 1:
            index = -1
        self.op_index = max(-1, index)
        self.opChanged.emit(self.op_index)
        if self.op_index >= 0:
            values, _, _, why = self.values_shown()
            if values is None:
                self.message.emit(why, 6000)

    def next_op(self) -> None:
        """From the whole step to its first op; from an op to the next (after the last: the whole step)."""
        if self.trace_length:
            self.set_op(0 if self.op_index == -1 else self.op_index + 1)

    def previous_op(self) -> None:
        current = self.trace_length - 1 if self.op_index == -1 else self.op_index
        if self.trace_length and current > 0:
            self.set_op(current - 1)

    def set_difference(self, on: bool) -> None:
        if on != self.difference:
            self.difference = on
            self.differenceChanged.emit(on)

    def set_selection(self, agent: int, row: int) -> None:
        c = self.stepper.config
        agent, row = max(0, min(agent, c.n_agents - 1)), max(0, min(row, c.batch_size - 1))
        if (agent, row) != (self.agent, self.row):
            self.agent, self.row = agent, row
            self.selectionChanged.emit(agent, row)

    def set_playing(self, playing: bool) -> None:
        """Called by the Play controller only."""
        if playing != self.playing:
            self.playing = playing
            self.playingChanged.emit(playing)
