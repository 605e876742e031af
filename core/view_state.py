"""How the views look at a run: plain Python, typed fields, one event per change.

:class:`ViewState` is what every view shares about *how* to show the run (the op walked
with Step op, Difference, the agent and batch row the side views follow, the units
selected and their order, the compare mode).  It knows nothing of Qt: the window's
:class:`~hiddenscope.gui.stepper_model.StepperModel` relays its :attr:`ViewState.changed` events
as signals, and scripts and tests can drive it directly.  Its :attr:`look` is what
:func:`~hiddenscope.core.picture.build_picture` needs.

Example
-------
>>> state = ViewState()
>>> seen = []
>>> state.changed.connect(lambda change, value: seen.append((change.name, value)))
>>> state.set_difference(True)
True
>>> state.set_difference(True)  # no change, no event
False
>>> seen
[('DIFFERENCE', True)]
>>> state.look.difference
True
"""

from __future__ import annotations

import enum

import numpy as np

from .analysis import Selection
from .events import Event
from .picture import COMPARE_MODES, Look, UnitOrder


class Change(enum.Enum):
    """What changed; the event's second argument is the new value."""

    OP = enum.auto()  # int: the op walked with Step op, -1 for the whole step
    DIFFERENCE = enum.auto()  # bool
    SELECTION = enum.auto()  # (agent, batch row) the side views follow
    UNIT_SELECTION = enum.auto()  # Selection | None
    UNIT_ORDER = enum.auto()  # UnitOrder | None
    COMPARE_MODE = enum.auto()  # "A", "B" or "B-A"
    ANALYSIS_RANGE = enum.auto()  # bool: analyses read the steps around the t shown (else the newest held)


class ViewState:
    """The view options every view shares; each setter emits :attr:`changed` ``(Change, value)`` when it changes."""

    def __init__(self) -> None:
        self.changed = Event()
        self._op_index = -1
        self._difference = False
        self._agent = 0
        self._row = 0
        self._unit_selection: Selection | None = None
        self._order: UnitOrder | None = None
        self._compare_mode = "A"
        self._analysis_around = False

    # -- reading -----------------------------------------------------------
    @property
    def op_index(self) -> int:
        return self._op_index

    @property
    def difference(self) -> bool:
        return self._difference

    @property
    def agent(self) -> int:
        return self._agent

    @property
    def row(self) -> int:
        return self._row

    @property
    def unit_selection(self) -> Selection | None:
        return self._unit_selection

    @property
    def order(self) -> UnitOrder | None:
        return self._order

    @property
    def compare_mode(self) -> str:
        return self._compare_mode

    @property
    def analysis_around(self) -> bool:
        """Whether ranking units, similar moments and trajectories read the steps around the t shown."""
        return self._analysis_around

    @property
    def unit_order(self) -> np.ndarray | None:
        """The units' display order (``order[i]`` is shown i-th), or ``None``: by index."""
        return None if self._order is None else self._order.order

    @property
    def unit_order_by(self) -> str:
        return "index" if self._order is None else self._order.by

    @property
    def unit_order_span(self) -> str:
        """The held steps the order was computed from, as text ('' by index)."""
        return "" if self._order is None else self._order.span

    @property
    def look(self) -> Look:
        """What a :class:`~hiddenscope.core.picture.Picture` needs of these options."""
        return Look(self._op_index, self._difference, self._compare_mode, self._order)

    # -- changing ----------------------------------------------------------
    def set_op_index(self, index: int, announce: bool = True) -> bool:
        """Walk to op ``index`` (-1: the whole step).  ``announce=False``: a new frame resets it, silently."""
        index = max(-1, int(index))
        if index == self._op_index and announce:
            return False
        self._op_index = index
        if announce:
            self.changed.emit(Change.OP, index)
        return True

    def set_difference(self, on: bool) -> bool:
        if bool(on) == self._difference:
            return False
        self._difference = bool(on)
        self.changed.emit(Change.DIFFERENCE, self._difference)
        return True

    def set_selection(self, agent: int, row: int, n_agents: int, batch: int) -> bool:
        """Follow ``agent`` and batch ``row``, clamped to a run of ``n_agents`` × ``batch``."""
        agent, row = max(0, min(agent, n_agents - 1)), max(0, min(row, batch - 1))
        if (agent, row) == (self._agent, self._row):
            return False
        self._agent, self._row = agent, row
        self.changed.emit(Change.SELECTION, (agent, row))
        return True

    def fit_selection(self, n_agents: int, batch: int) -> None:
        """Keep the agent and row inside a run of new sizes (no event: a rebuild redraws every view)."""
        self._agent, self._row = min(self._agent, n_agents - 1), min(self._row, batch - 1)

    def set_unit_selection(self, selection: Selection | None) -> None:
        """Mark ``selection``'s units (emitted also when unchanged: views mark them again)."""
        self._unit_selection = selection
        self.changed.emit(Change.UNIT_SELECTION, selection)

    def set_order(self, order: UnitOrder | None) -> None:
        """Lay the units out in ``order`` (``None``: by index); emitted also when recomputed to the same."""
        self._order = order
        self.changed.emit(Change.UNIT_ORDER, order)

    def set_analysis_around(self, on: bool) -> bool:
        """Analyses over the held steps around the t shown (``True``) or the newest held (``False``)."""
        if bool(on) == self._analysis_around:
            return False
        self._analysis_around = bool(on)
        self.changed.emit(Change.ANALYSIS_RANGE, self._analysis_around)
        return True

    def set_compare_mode(self, mode: str) -> None:
        """Show A, B or B − A; emitted also when unchanged (a menu goes back to the mode in use)."""
        if mode not in COMPARE_MODES:
            raise ValueError(f"compare mode must be one of {COMPARE_MODES}, got {mode!r}")
        self._compare_mode = mode
        self.changed.emit(Change.COMPARE_MODE, mode)
