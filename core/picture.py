"""What the heatmaps show at a timestep: one frozen :class:`Picture`, built in one place.

The window's heatmap grid, the PNG screenshot, the clipboard, the SVG/PDF figure, every
movie frame and the ``screenshot``/``movie`` commands all draw a :class:`Picture` made
by :func:`build_picture`; nothing else works out which values are shown, on which
scale, under which caption or in which unit order.  So a picture saved from the
window and one drawn by the command line with the same options agree pixel for pixel.

How to look is a :class:`Look`: the op walked with Step op, Difference, the compare
mode and the unit order.  The order is a :class:`UnitOrder`, computed once by
:func:`order_at` from the steps held up to a timestep, and kept as it is until asked
again (so a movie keeps one order for all its frames).

Example
-------
>>> from hiddenscope.core.config import Config
>>> from hiddenscope.core.stepper import Stepper
>>> stepper = Stepper(Config(batch_size=2, n_agents=3, input_dim=4, seed=0))
>>> _ = stepper.step(); _ = stepper.step()
>>> look = Look(difference=True, order=order_at(stepper, "mean"))
>>> picture = build_picture(stepper, look=look)
>>> picture.caption, picture.levels, picture.values.shape
('h_2 − h_1', (-0.5, 0.5), (2, 3, 96))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import analysis

if TYPE_CHECKING:
    from .compare import Comparison
    from .history import Frame
    from .stepper import BaseStepper

LEVELS = (-1.0, 1.0)  # a GRU's hidden state lives in [-1, 1]
DIFF_LEVELS = (-0.5, 0.5)  # one step rarely moves a unit further; a fixed scale keeps frames comparable
COMPARE_MODES = ("A", "B", "B-A")

ORDER_NAMES = {  # captions keep the English; menus translate where they show them
    "index": "index",
    "mean": "mean activation",
    "variance": "variance over time",
    "change": "mean |Δh|",
    "cluster": "clustering of time courses",
}


@dataclass(frozen=True, eq=False)
class UnitOrder:
    """The units' display order: ``order[i]`` is the unit shown i-th, computed ``by`` a rule over ``span``."""

    by: str
    order: np.ndarray
    span: str  # the held steps it was computed from, as text ("t = 0…41")

    def caption(self) -> str:
        """A few words for a title or caption: the rule, the steps and the first units shown."""
        first = ", ".join(str(int(u)) for u in self.order[:6])
        return f"units by {ORDER_NAMES.get(self.by, self.by)} ({self.span}): {first}, …"


@dataclass(frozen=True, eq=False)
class Look:
    """How to look at a timestep: every option that changes the values, scale or order drawn."""

    op_index: int = -1  # the op walked with Step op; -1: the whole step
    difference: bool = False  # h_t − h_{t−1} instead of h_t
    compare_mode: str = "A"  # "A", "B" or "B-A" (B: a Comparison)
    order: UnitOrder | None = None  # None: by index


@dataclass(frozen=True, eq=False)
class Picture:
    """A frozen description of the heatmaps at one timestep, ready for any renderer.

    ``data`` is ``(batch, n_agents, units)`` in unit-index order (``None`` when Step op
    is on an op whose result is not a hidden state; ``why`` says so); :attr:`values`
    is what is painted, with the units in display order.  ``agents`` are the agents
    drawn (a page of the grid, or one agent).
    """

    t: int
    data: np.ndarray | None
    levels: tuple[float, float]
    caption: str  # what the values are, e.g. "h_5 − h_4"
    title: str  # the line above a saved picture
    agents: tuple[int, ...]
    order: UnitOrder | None = None
    why: str = ""

    @property
    def values(self) -> np.ndarray | None:
        """The values painted: ``data`` with the units in display order."""
        if self.data is None or self.order is None or len(self.order.order) != self.data.shape[-1]:
            return self.data
        return self.data[..., self.order.order]

    @property
    def units(self) -> np.ndarray:
        """The real unit index at each display column."""
        n = 0 if self.data is None else self.data.shape[-1]
        if self.order is not None and len(self.order.order) == n:
            return self.order.order
        return np.arange(n)


def title_line(t: int, config_label: str, device: str, dtype: str, caption: str = "h") -> str:
    """The title of a saved picture: what is shown, at which t, of which model, on which device."""
    return f"hiddenscope · {caption} at t = {t} · {config_label} · {device} · {dtype}"


def order_at(stepper: BaseStepper, by: str, t: int | None = None, budget_bytes: int | None = None) -> UnitOrder | None:
    """The units ordered ``by`` a rule of :data:`analysis.ORDERINGS`, from the held steps up to ``t``.

    ``t`` defaults to the timestep shown.  The newest held steps up to ``t`` that fit
    ``budget_bytes`` (:data:`analysis.ANALYSIS_BYTES`) are read.  ``None`` for ``"index"``;
    :class:`ConfigError` for an unknown rule.
    """
    if by not in analysis.ORDERINGS:
        from .errors import ConfigError

        raise ConfigError(f"unknown unit ordering {by!r}; use one of {', '.join(analysis.ORDERINGS)}")
    if by == "index":
        return None
    ts, hidden = analysis.newest_held(stepper, budget_bytes, up_to=stepper.t if t is None else t)
    order = analysis.order_units(hidden, by)  # type: ignore[arg-type]
    span = f"t = {ts[0]}…{ts[-1]}" if len(ts) else "nothing held"
    return UnitOrder(by, order, span)


def build_picture(
    stepper: BaseStepper,
    t: int | None = None,
    look: Look = Look(),
    comparison: Comparison | None = None,
    agents: tuple[int, ...] | list[int] | None = None,
    page_note: str = "",
    frame: Frame | None = None,
) -> Picture:
    """What the heatmaps show at ``t`` (default: the timestep shown) for ``look``.

    ``agents``: the agents drawn (default all); ``page_note`` is added to the title (which
    page of agents).  Step op has the first say (the state after that op, or its change
    since ``h_{t−1}`` with Difference on), then the compare mode, then Difference.
    ``frame``: the snapshot of ``t`` a window already shows (Play may have moved on since it
    was taken, and a small history dropped it); read instead of taking one again.
    """
    if frame is None or (t is not None and t != frame.t):
        frame = stepper.snapshot(t)
    t = frame.t
    c = stepper.config
    if agents is None:
        agents = tuple(range(c.n_agents))
    data, caption, levels, why = _values(stepper, frame, look, comparison)
    title = title_line(t, c.label(), str(stepper.device), c.dtype, caption) + page_note
    if look.order is not None:
        title += f" · {look.order.caption()}"
    return Picture(t, data, levels, caption, title, tuple(agents), look.order, why)


def _values(
    stepper: BaseStepper, frame, look: Look, comparison: Comparison | None
) -> tuple[np.ndarray | None, str, tuple[float, float], str]:
    t = frame.t
    h = stepper.state_name  # "h", or the recording's state shown (an LSTM's "c")
    trace = frame.trace or []
    if 0 <= look.op_index < len(trace):
        record = trace[look.op_index]
        where = f"after op {look.op_index + 1}: {record.op} {tuple(record.shape)}"
        values, note = stepper.stage_state(look.op_index, t)
        if values is None:
            return None, where, LEVELS, note
        where = f"{where} · {note}" if note else where  # the op's result is not the memory: say what is drawn
        if not look.difference:
            return values, where, LEVELS, ""
        pair = stepper.history.pair(t)
        if pair is None:
            return values, f"{where} (no earlier step held to subtract)", LEVELS, ""
        return values - pair[0], f"{where} − {h}_{t - 1}", DIFF_LEVELS, ""
    if comparison is not None and look.compare_mode != "A":
        return _compared(stepper, frame, look, comparison)
    if look.difference:
        diff = stepper.difference(t)
        if diff is not None:
            return diff, f"{h}_{t} − {h}_{t - 1}", DIFF_LEVELS, ""
        return frame.hidden, f"{h}_{t} (no earlier step held to subtract)", LEVELS, ""
    return frame.hidden, f"{h}_{t}", LEVELS, ""


def _compared(
    stepper: BaseStepper, frame, look: Look, comp: Comparison
) -> tuple[np.ndarray | None, str, tuple[float, float], str]:
    """B's ``h_t`` (its difference with Difference on), or ``B − A``."""
    t = frame.t
    b = comp.hidden_at(t)
    if b is None:
        return frame.hidden, f"h_{t} of A: {comp.describe_missing(t)}", LEVELS, ""
    if look.compare_mode == "B-A":
        return b - frame.hidden, f"B − A = h_{t}(B) − h_{t}(A), {comp.label}", DIFF_LEVELS, ""
    if look.difference:
        before = comp.hidden_at(t - 1)
        if before is not None:
            return b - before, f"h_{t} − h_{t - 1} of {comp.label}", DIFF_LEVELS, ""
        return b, f"h_{t} of {comp.label} (no earlier step held to subtract)", LEVELS, ""
    return b, f"h_{t} of {comp.label}", LEVELS, ""


def history_window(
    stepper: BaseStepper, agent: int, row: int, t: int, compare_mode: str = "A", comparison: Comparison | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[float, float], str]:
    """What the history view shows around ``t`` for the compare mode: ``(ts, values (T, units), levels, label)``.

    ``ts`` are the timesteps A holds around ``t``; B's values are NaN (drawn black) where B has none.
    """
    ts, values = stepper.unit_history(agent, row, t=t)
    if comparison is None or compare_mode == "A" or len(ts) == 0:
        return ts, values, LEVELS, "A" if comparison is not None else ""
    b = comparison.unit_window(agent, row, ts)
    if compare_mode == "B-A":
        return ts, b - values, DIFF_LEVELS, f"B − A ({comparison.label} − A)"
    return ts, b, LEVELS, comparison.label
