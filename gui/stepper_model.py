"""The stepper's Qt face: one ``QObject`` every view is built on.

:class:`StepperModel` wraps a plain-Python :class:`~hiddenscope.core.stepper.Stepper`.
The stepper's ``changed`` event may fire on Play's worker thread; it is relayed
as a Qt signal with the default (auto) connection, which Qt queues when it crosses
threads, so every view slot runs on the GUI thread.  Relays are coalesced: however
many steps the worker made since the last draw, the views get one
``frameChanged`` with one snapshot of the newest, and every view draws that same t.

The model also holds what the views share about *how* to look at the session:
the op walked with Step op, the difference mode, and the agent and batch row the
history and gates views follow, the units selected over a time range, and the order
every view lays the units out in.  User actions go through its methods, which call
the stepper's; ``aboutToAct`` fires first so Play can stop before anything changes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from hiddenscope.core import analysis
from hiddenscope.core.config import Config
from hiddenscope.core.errors import UserError
from hiddenscope.core.history import Frame, Held
from hiddenscope.core.picture import (
    COMPARE_MODES,
    Look,
    Picture,
    build_picture,
    order_at,
)
from hiddenscope.core.retrace import retrace
from hiddenscope.core.stepper import BaseStepper
from hiddenscope.core.view_state import Change, ViewState
from hiddenscope.gui.i18n import tr

if TYPE_CHECKING:
    from hiddenscope.core.compare import Comparison

__all__ = ["COMPARE_MODES", "StepperModel"]


class StepperModel(QObject):
    """Signals about a :class:`Stepper`, safe to connect views to, and the actions views may take."""

    frameChanged = Signal(object)  # a read-only Frame of the timestep shown (see _in_place)
    rebuilt = Signal()  # a new configuration, model or input source
    opChanged = Signal(int)  # the op walked with Step op; -1: the whole step
    differenceChanged = Signal(bool)
    selectionChanged = Signal(int, int)  # (agent, batch row) the history and gates views follow
    playingChanged = Signal(bool)
    message = Signal(str, int)  # a status-bar line and how long to show it (ms)
    failed = Signal(str, str)  # (what was tried, why it failed): worth a dialog
    aboutToAct = Signal()  # a user action is about to change the session
    unitSelectionChanged = Signal(object)  # the analysis.Selection every view marks, or None
    unitOrderChanged = Signal(object)  # the units' display order (order[i] is shown i-th), or None: by index
    analysisRangeChanged = Signal(bool)  # analyses read the steps around the t shown (True) or the newest
    comparisonChanged = Signal()  # B (a Comparison) or the compare mode (A, B, B-A) changed
    _poke = Signal()

    def __init__(self, stepper: BaseStepper, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stepper = stepper
        self.frame: Frame = stepper.frame
        self.held: Held = stepper.history.bounds()  # the steps held when the frame shown was taken
        # How the views look (op, difference, agent and row, units and their order, compare mode): plain
        # Python with one event per change, relayed here as the signals above.
        self.view = ViewState()
        self.view.changed.connect(self._relay_view)
        self.playing = False
        self._laps = False  # fast-forward plays: the frames shown are copies (see _in_place)
        self.comparison: Comparison | None = None  # B, shown beside A per compare_mode
        self._b_failed = ""  # why B could not step beside A in the worker ('' when it could)
        self._unreadable_said: set[str] = set()  # reasons a recording could not be read, already said
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._quiet = threading.local()  # set on fast-forward's worker while it makes steps nobody draws
        self._poke.connect(self._flush)
        relay = self._relay
        stepper.changed.connect(relay)
        # The stepper may outlive the window (a script keeps using it): stop relaying to a deleted model.
        self.destroyed.connect(lambda: stepper.changed.disconnect(relay))

    # -- from the stepper (any thread) ------------------------------------
    def _relay(self, kind: str) -> None:
        if kind == "step" and getattr(self._quiet, "on", False):
            return
        comp = self.comparison
        if kind == "step" and comp is not None and comp.live and not self._b_failed:
            # B steps beside A in the thread that stepped A (Play's worker), not in the views' relay on the
            # GUI thread.  Play stops before anything replaces B (aboutToAct), so B is not changed meanwhile.
            try:
                comp.advance_to(self.stepper.t)
            except UserError as exc:
                self._b_failed = str(exc)
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
            self._show_current("rebuild" in kinds, kinds)

    def refresh(self) -> None:
        """Show the stepper's timestep now (after Play stopped: a relay still queued then finds nothing to do)."""
        with self._pending_lock:
            kinds, self._pending = self._pending, set()
        self._show_current("rebuild" in kinds, kinds)

    def _show_current(self, rebuilt: bool, kinds: set[str] | frozenset[str] = frozenset()) -> None:
        if self.comparison is not None:
            self._follow_with_comparison(kinds)
        # The frame and op first: a view hearing "rebuilt" reads them, and must find the new stepper's.
        self.held = self.stepper.history.bounds()
        try:
            self.frame = self.stepper.snapshot(copy=not self._in_place())
        except UserError as exc:  # a recording's damaged step: say so once, and keep showing what could be read
            self.unreadable(str(exc))
            if not rebuilt:
                self.frameChanged.emit(self.frame)  # the timeline goes back to the frame still shown
                return
            self.frame = self.stepper.snapshot(self.held.first, copy=True)
        self.view.set_op_index(-1, announce=False)  # a new frame is shown whole (frameChanged says so)
        if rebuilt:
            c = self.stepper.config
            self.view.fit_selection(c.n_agents, c.batch_size)
            self._forget_other_units()
            self.rebuilt.emit()
        self.frameChanged.emit(self.frame)

    def _in_place(self) -> bool:
        """Whether views may read the frame shown in the history's own slot rather than in a copy.

        Only what writes the ring could change it under them, and a step only ever writes the slot
        after the newest.  Paused, a Step computes only from the newest step shown; in normal Play
        the worker computes step t + 1 only once the views have step t (PlayController._ready).
        So with 3 slots or more the slot shown is not written while it is shown.  Fast-forward's
        worker runs many steps ahead and laps the ring: its frames are copies.
        """
        return not self._laps and self.stepper.history.capacity >= 3

    def _follow_with_comparison(self, kinds: set[str] | frozenset[str]) -> None:
        """Keep B beside A: a live B starts over with A and steps to A's t; a B that no longer fits is dropped."""
        comp = self.comparison
        assert comp is not None
        try:
            if self._b_failed:
                raise UserError(self._b_failed)
            if "rebuild" in kinds:
                comp.check_fits(self.shape)
            if "init" in kinds or "rebuild" in kinds:
                comp.restart()
            if comp.live:
                comp.advance_to(self.stepper.t)
        except UserError as exc:
            self.comparison = None
            comp.close()
            self.view.set_compare_mode("A")
            self.failed.emit("Compare", tr("{label} was closed: {why}").format(label=comp.label, why=exc))

    # -- what views read ---------------------------------------------------
    @property
    def shape(self) -> tuple[int, int, int]:
        """A's hidden state per step: ``(batch, n_agents, units)``."""
        c = self.stepper.config
        return (c.batch_size, c.n_agents, int(self.stepper.units))

    @property
    def config(self) -> Config:
        return self.stepper.config

    def unreadable(self, why: str) -> None:
        """A recording could not be read somewhere (a damaged chunk): one dialog per distinct reason."""
        if why not in self._unreadable_said:
            self._unreadable_said.add(why)
            self.failed.emit("Read session", tr("{why}. The steps that can be read are still shown.").format(why=why))

    def bounds(self) -> Held:
        """The steps held now (Play may have moved on since the frame shown: :attr:`held` is that frame's)."""
        return self.stepper.history.bounds()

    @property
    def trace_length(self) -> int:
        return len(self.frame.trace or [])

    @property
    def look(self) -> Look:
        """How the views look at the frame now: op, difference, compare mode and unit order."""
        return self.view.look

    def _relay_view(self, change: Change, value: Any) -> None:
        """A view-state event as the signal views connect to (on the GUI thread: user actions change it)."""
        if change is Change.OP:
            self.opChanged.emit(value)
        elif change is Change.DIFFERENCE:
            self.differenceChanged.emit(value)
        elif change is Change.SELECTION:
            self.selectionChanged.emit(*value)
        elif change is Change.UNIT_SELECTION:
            self.unitSelectionChanged.emit(value)
        elif change is Change.UNIT_ORDER:
            self.unitOrderChanged.emit(None if value is None else value.order)
        elif change is Change.COMPARE_MODE:
            self.comparisonChanged.emit()
        elif change is Change.ANALYSIS_RANGE:
            self.analysisRangeChanged.emit(value)

    def picture(self, t: int | None = None, agents: list[int] | None = None, page_note: str = "") -> Picture:
        """What the heatmaps show at ``t`` (default: the frame shown) for the options now.

        The one place the window works out what is shown: the grid draws it, and the
        screenshot, clipboard, SVG/PDF and movie frames render it.
        """
        return build_picture(self.stepper, t, self.look, self.comparison, agents, page_note, frame=self.frame)

    # -- user actions (GUI thread) -----------------------------------------
    def attempt(self, what: str, func: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """Run ``func(*args)`` after Play stops; a user mistake becomes ``failed`` and ``(False, None)``."""
        self.aboutToAct.emit()
        try:
            return True, func(*args)
        except UserError as exc:
            self.failed.emit(what, str(exc))
        except MemoryError:
            self.failed.emit(what, tr("Out of memory: choose a smaller configuration."))
        return False, None

    def init_hidden(self) -> bool:
        return self._start_over("Init hidden", self.stepper.init_hidden)

    def reset(self) -> bool:
        return self._start_over("Reset", self.stepper.reset)

    def _start_over(self, what: str, start: Callable[[], Any]) -> bool:
        """Back to t = 0 (init_hidden); the status bar says how many held steps went with it."""
        held = len(self.stepper.history.bounds())
        ok = self.attempt(what, start)[0]
        if ok and len(self.stepper.history.bounds()) < held:  # a recording keeps its steps: nothing to say
            self.message.emit(
                tr("Started over at t = 0 from init_hidden; the {n} steps held before were cleared").format(n=held),
                6000,
            )
        return ok

    def step(self) -> bool:
        end = self.stepper.end_message()  # a recording ends at its last t
        if end:
            self.aboutToAct.emit()
            self.message.emit(end, 8000)
            return False
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
        self.message.emit(
            tr("The step failed; back to t = 0 so that the model and its inputs start over together"), 10000
        )

    def back(self) -> bool:
        self.aboutToAct.emit()
        try:
            went = self.stepper.back() is not None
        except UserError as exc:  # it moved back onto a recording's damaged step (the relay said so)
            self.unreadable(str(exc))
            return True
        if not went:
            self.message.emit(tr("t = {t} is the oldest timestep held in history").format(t=self.stepper.t), 4000)
        return went

    def seek(self, t: int) -> bool:
        """Show timestep ``t`` from history; ``False`` when it is not held."""
        if t == self.frame.t and not self.playing:
            return True
        self.aboutToAct.emit()
        if not self.stepper.history.holds(t):
            return False
        try:
            self.stepper.seek(t)
        except UserError as exc:  # a recording's damaged step: t moved there, its frame could not be read
            self.unreadable(str(exc))
        return True

    def set_tracing(self, on: bool) -> None:
        self.aboutToAct.emit()
        self.stepper.tracing = on

    @contextlib.contextmanager
    def unannounced(self) -> Iterator[None]:
        """Steps made inside, on the calling thread, are not relayed to the views (fast-forward's undrawn steps)."""
        self._quiet.on = True
        try:
            yield
        finally:
            self._quiet.on = False

    def trace_step(self) -> bool:
        """Re-run the step shown from history with tracing on, keep its trace in history and show it."""
        t = self.frame.t
        ok, found = self.attempt("Trace this step", retrace, self.stepper, t)
        if not ok:
            return False
        self.stepper.history.set_trace(t, found.records)
        if found.matches:
            check = tr("its {h} equals the recorded one").format(h=f"h_{t}")
        else:
            check = tr(
                "but its {h} differs from the recorded one by up to {diff}: the model does not"
                " repeat itself, so the step that ran may have done something else"
            ).format(h=f"h_{t}", diff=f"{found.max_abs_diff:.3g}")
        n = len(found.records)
        rerun = tr("Step {t} re-run from {h} and its inputs: {n} ops traced; {check}")
        self.message.emit(rerun.format(t=t, h=f"h_{t - 1}", n=n, check=check), 10000)
        if self.stepper.history.holds(t):
            self.stepper.seek(t)  # every view shows step t again, now with its trace (Play may have moved on)
        else:
            self.refresh()
        return True

    def apply_config(self, config: Config) -> bool:
        """Rebuild on ``config``; on a mistake the session stays as it was and ``failed`` says why."""
        if not config.model:
            config = config.replace(model=self.stepper.config.model)  # the panel does not edit which model it is
        ok, _ = self.attempt("Apply configuration", self.stepper.rebuild, config)
        if ok:
            self.message.emit(
                tr("Rebuilt: {config} on {device}").format(config=config.label(), device=self.stepper.device), 5000
            )
        else:
            self.rebuilt.emit()  # the panel goes back to the configuration still in use
        return ok

    def set_stepper(self, stepper: BaseStepper) -> None:
        """Show another stepper (a recorded session opened, or the live run again); the views follow at once.

        Play stops first; a comparison that does not fit the new one is closed (``failed`` says so).
        """
        self.aboutToAct.emit()
        old = self.stepper
        relay = self._relay
        old.changed.disconnect(relay)
        with self._pending_lock:
            self._pending = set()
        self.stepper = stepper
        stepper.changed.connect(relay)
        self.destroyed.connect(lambda: stepper.changed.disconnect(relay))
        self._show_current(True, {"rebuild"})

    # -- how to look -------------------------------------------------------
    def set_op(self, index: int) -> None:
        """Walk to op ``index`` of the step shown (-1 or the last op: the whole step)."""
        if self.playing:
            # Walking through one step's ops needs the step to hold still.
            self.aboutToAct.emit()
        if index >= self.trace_length - 1:
            index = -1
        self.view.set_op_index(index)
        if self.view.op_index >= 0:
            picture = self.picture()
            if picture.data is None:
                self.message.emit(picture.why, 6000)

    def next_op(self) -> None:
        """From the whole step to its first op; from an op to the next (after the last: the whole step)."""
        if self.trace_length:
            self.set_op(0 if self.view.op_index == -1 else self.view.op_index + 1)

    def previous_op(self) -> None:
        current = self.trace_length - 1 if self.view.op_index == -1 else self.view.op_index
        if self.trace_length and current > 0:
            self.set_op(current - 1)

    def set_difference(self, on: bool) -> None:
        self.view.set_difference(on)

    def set_comparison(self, comparison: Comparison | None) -> bool:
        """Show ``comparison`` as B beside A (None: stop comparing); a B of another shape is refused (``failed``)."""
        self.aboutToAct.emit()
        if comparison is not None:
            try:
                comparison.check_fits(self.shape)
                comparison.advance_to(self.stepper.t)
            except UserError as exc:
                self.failed.emit("Compare", str(exc))
                return False
        old, self.comparison = self.comparison, comparison
        self._b_failed = ""
        if old is not None and old is not comparison:
            old.close()
        mode = self.view.compare_mode
        if comparison is None:
            mode = "A"
        elif mode == "A":
            mode = "B-A"  # what one usually opens a comparison for
        self.view.set_compare_mode(mode)  # comparisonChanged: B and the mode together
        return True

    def set_compare_mode(self, mode: str) -> None:
        """Show A, B or B − A (``"A"``, ``"B"``, ``"B-A"``); without a B only A can be shown (``message`` says so)."""
        if mode not in COMPARE_MODES:
            raise ValueError(f"compare mode must be one of {COMPARE_MODES}, got {mode!r}")
        if mode != "A" and self.comparison is None:
            self.message.emit(
                tr("Nothing to compare with: File → Compare with session… or Compare with checkpoint…"), 6000
            )
            mode = "A"
        self.view.set_compare_mode(mode)  # also when unchanged: the menu's checked mode goes back to the one in use

    def set_selection(self, agent: int, row: int) -> None:
        c = self.stepper.config
        self.view.set_selection(agent, row, c.n_agents, c.batch_size)

    def set_playing(self, playing: bool, laps: bool = False) -> None:
        """Called by the Play controller only; ``laps``: its worker runs ahead of the views (fast-forward)."""
        # The frame shown now may stay in place: fast-forward's first step is handed to the views, and its
        # worker waits until they have it before it runs ahead (PlayController._work_fast).
        self._laps = playing and laps
        if playing != self.playing:
            self.playing = playing
            self.playingChanged.emit(playing)

    # -- which units, in which order (issue 11) ------------------------------
    def set_unit_selection(self, selection: analysis.Selection | None) -> None:
        """Mark ``selection``'s units in every view (``None``: no selection)."""
        self.view.set_unit_selection(selection)

    def select_units(
        self,
        start: int,
        stop: int,
        agents: list[int] | None,
        rows: list[int] | None,
        threshold: float,
        sign: analysis.Sign,
    ) -> analysis.Selection | None:
        """Keep the units past ``threshold`` at every held step ``start..stop`` in ``agents`` × ``rows``."""
        ts, hidden = analysis.held_hidden(self.stepper, start, stop)
        try:
            chosen = analysis.select_units(hidden, start, stop, agents, rows, threshold, sign, ts=ts)
        except UserError as exc:
            self.message.emit(tr("Select units: {why}").format(why=exc), 8000)
            self.set_unit_selection(None)
            return None
        self.set_unit_selection(chosen)
        return chosen

    def set_unit_order(self, by: str) -> bool:
        """Lay the units out by ``by`` (an :data:`analysis.ORDERINGS` name), computed once from the steps held up to
        the t shown, as ``hiddenscope screenshot --order`` computes it at that t."""
        if by not in analysis.ORDERINGS:
            said = tr("Unknown unit ordering {by}; use one of {orders}")
            self.message.emit(said.format(by=repr(by), orders=", ".join(analysis.ORDERINGS)), 8000)
            return False
        self.view.set_order(order_at(self.stepper, by, self.frame.t))
        return True

    def _forget_other_units(self) -> None:
        """After a rebuild the history the selection was made on is gone; the order is made again, for the new units."""
        if self.view.unit_selection is not None:
            self.set_unit_selection(None)
        if self.view.unit_order is not None:
            self.set_unit_order(self.view.unit_order_by)
