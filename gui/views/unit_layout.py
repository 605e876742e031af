"""How the views lay out the units: in the model's unit order, with the selected units marked.

The order and the selection live on :class:`~hiddenscope.gui.stepper_model.StepperModel`
(``unit_order``, ``unit_selection``); the heatmaps, the history view and the gates
view read them through the helpers here so all three show the same thing:

* :func:`arranged` puts a ``(…, units)`` array in display order;
* :func:`unit_ticks` labels a unit axis with the real unit indices in that order;
* :class:`UnitRowMarks` marks the selected units at the left edge of a plot whose
  y axis is the units (history, gates): a triangle per unit, pointing at its row,
  drawn beside the values rather than over them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from hiddenscope.core.picture import ORDER_NAMES
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel

SELECTED_COLOUR = "#00e676"  # green: not a colour of the blue–white–red map
MIN_LABEL_PX = 16  # at least this far apart (one above another), unit tick labels stay readable
MIN_LABEL_WIDTH_PX = 28  # side by side, a label of up to three digits needs more room
MARK_PX = 9
TITLE_RAISED = 1.7  # a tile's title anchor while marks sit above the tile: one mark's height higher


def arranged(values: np.ndarray, order: np.ndarray | None) -> np.ndarray:
    """``values`` (…, units) with its last axis in display order (itself when ``order`` is ``None``)."""
    if order is None or len(order) != values.shape[-1]:
        return values
    return values[..., order]


def display_units(model: StepperModel, n_units: int) -> np.ndarray:
    """The real unit index shown at each display position."""
    order = model.view.unit_order
    return order if order is not None and len(order) == n_units else np.arange(n_units)


def positions_of(units: np.ndarray, model: StepperModel, n_units: int) -> np.ndarray:
    """Where (display position) each of ``units`` is drawn."""
    where = np.empty(n_units, np.int64)
    where[display_units(model, n_units)] = np.arange(n_units)
    units = np.asarray(units, np.int64)
    return where[units[units < n_units]]


def tick_step(n_units: int, pixels: float, min_px: float = MIN_LABEL_PX) -> int:
    """Every how many units a label fits on an axis ``pixels`` long."""
    per_unit = pixels / max(1, n_units)
    for step in (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512, 1024):
        if step * per_unit >= min_px:
            return step
    return max(1, n_units)


def unit_ticks(
    shown: np.ndarray, pixels: float, offsets: tuple[float, ...] = (0.0,), min_px: float = MIN_LABEL_PX
) -> list[list[tuple[float, str]]]:
    """Ticks for ``AxisItem.setTicks``: every ``step``-th display position labelled with its real unit.

    ``offsets`` repeats the labels for each tile of a mosaic (the heatmaps lay several agents side by side).
    """
    n = len(shown)
    if n == 0:
        return [[], []]
    step = tick_step(n, pixels / max(1, len(offsets)), min_px)
    major = [(x0 + i + 0.5, str(int(shown[i]))) for x0 in offsets for i in range(0, n, step)]
    minor = [(x0 + i + 0.5, "") for x0 in offsets for i in range(n)] if step > 1 and pixels / n >= 3 else []
    return [major, minor]


def order_caption(model: StepperModel) -> str:
    """A few words on the order the units are shown in ('' when by index)."""
    order = model.view.order
    return "" if order is None else order.caption()


def show_marks(marks: pg.ScatterPlotItem, xs, ys) -> None:
    """Set the marks, hidden while there are none: an empty scatter item still costs a paint every frame."""
    marks.setData(xs, ys)
    marks.setVisible(len(xs) > 0)


class UnitRowMarks:
    """Triangles at the left edge of a plot with units on its y axis, one per selected unit, and the axis ticks.

    Call :meth:`place` after each draw with the number of units and the x span of the image.
    """

    def __init__(self, model: StepperModel, plot: pg.PlotItem) -> None:
        self.model = model
        self.plot = plot
        self.marks = pg.ScatterPlotItem(
            symbol="t2", size=MARK_PX, pen=pg.mkPen("#101010"), brush=pg.mkBrush(SELECTED_COLOUR), pxMode=True
        )
        self.marks.setZValue(10)
        self.marks.setToolTip(tr("units kept by Select units"))
        self.marks.setVisible(False)  # until there are some (show_marks)
        plot.addItem(self.marks)
        self.n_units = 0
        self.left, self.right = 0.0, 1.0
        self._laid_out: tuple = ()
        self._ticks: tuple = ()
        plot.getViewBox().sigResized.connect(lambda *_: self.place(self.n_units, self.left, self.right))

    def place(self, n_units: int, left: float, right: float) -> None:
        """Lay out ``n_units`` rows drawn from x = ``left`` to ``right``: the x range (with room for the marks
        left of the image), the unit ticks and the marks."""
        self.n_units, self.left, self.right = n_units, left, right
        if n_units == 0:
            return
        box = self.plot.getViewBox()
        width, height = max(40.0, box.width()), max(1.0, box.height())
        span = max(1e-9, right - left)
        room = MARK_PX + 3  # pixels left of the image for the marks
        px = span * 1.02 / (width - room)  # data units per pixel once the range is set
        self.plot.setXRange(left - room * px, right + 0.02 * span, padding=0)
        # pyqtgraph moves the items to the new range when it next paints, and that move asks for a second
        # paint: moved now, one paint draws the frame (it was two per frame while playing).
        box.updateMatrix()
        chosen, order = self.model.view.unit_selection, self.model.view.unit_order
        # Each draw moves the x range; the unit ticks change only with the units, their order and the height,
        # and the marks with those, the selection and where the image starts.
        ticks = (n_units, height, None if order is None else order.tobytes())
        if ticks != self._ticks:
            self._ticks = ticks
            self.plot.getAxis("left").setTicks(unit_ticks(display_units(self.model, n_units), height))
        if chosen is None or not len(chosen):
            if self._laid_out != ():
                self._laid_out = ()
                show_marks(self.marks, [], [])
            return
        key = (*ticks, left, right, width, chosen.units.tobytes())
        if key == self._laid_out:
            return
        self._laid_out = key
        ys = positions_of(chosen.units, self.model, n_units) + 0.5
        # The triangle's tip touches the image's edge: beside the values, not over them.
        show_marks(self.marks, np.full(len(ys), left - px * (MARK_PX / 2 + 1)), ys)

    def unit_at(self, y: float) -> int | None:
        """The real unit drawn at height ``y`` (data coordinates), or ``None``."""
        position = int(np.floor(y))
        if not 0 <= position < self.n_units:
            return None
        return int(display_units(self.model, self.n_units)[position])


class GridUnitMarks:
    """On the heatmap mosaic: a unit axis under the tiles (real unit indices in display order) and a
    triangle above each tile's column for every selected unit, in the gap that holds the agent's title."""

    def __init__(self, model: StepperModel, box: pg.ViewBox, layout: pg.GraphicsLayout) -> None:
        self.model = model
        self.box = box
        self.axis = pg.AxisItem("bottom")
        self.axis.linkToView(box)
        self.axis.setLabel(tr("unit"))
        self.axis.setToolTip(tr("Real unit indices, in the order chosen under View ▸ Order units"))
        layout.addItem(self.axis, row=1, col=0)
        self.marks = pg.ScatterPlotItem(
            symbol="t", size=MARK_PX, pen=pg.mkPen("#101010"), brush=pg.mkBrush(SELECTED_COLOUR), pxMode=True
        )
        self.marks.setZValue(10)
        self.marks.setVisible(False)  # until there are some (show_marks)
        box.addItem(self.marks)
        self.origins: list[tuple[int, int]] = []
        self.n_units = 0
        self._laid_out: tuple = ()
        self.titles: list[pg.TextItem] = []
        box.sigResized.connect(lambda *_: self.place(self.origins, self.n_units))

    def place(self, origins: list[tuple[int, int]], n_units: int, titles: list[pg.TextItem] | None = None) -> None:
        """Ticks and marks for tiles whose top-left cells are ``origins``, each ``n_units`` wide.

        While there are marks, the agents' ``titles`` (above the tiles) move up out of their way.
        """
        if titles is not None:
            self.titles = titles
        chosen = self.model.view.unit_selection
        # The heatmaps draw every frame while playing: lay out again only when something here changed.
        order = self.model.view.unit_order
        key = (
            tuple(origins),
            n_units,
            None if order is None else order.tobytes(),
            None if chosen is None else chosen.units.tobytes(),
            self.box.width(),
            self.box.height(),
            tuple(id(t) for t in self.titles),
        )
        if key == self._laid_out:
            return
        self._laid_out = key
        self.origins, self.n_units = origins, n_units
        marked = bool(origins and n_units and chosen is not None and len(chosen))
        for title in self.titles:
            title.setAnchor((0, TITLE_RAISED if marked else 1))
        if not origins or n_units == 0:
            show_marks(self.marks, [], [])
            return
        columns = sorted({x for x, _ in origins})
        shown = display_units(self.model, n_units)
        width = max(1.0, self.box.width()) * n_units * len(columns) / max(1.0, self._mosaic_width(columns, n_units))
        self.axis.setTicks(unit_ticks(shown, width, tuple(float(x) for x in columns), MIN_LABEL_WIDTH_PX))
        if chosen is None or not len(chosen):
            show_marks(self.marks, [], [])
            return
        where = positions_of(chosen.units, self.model, n_units) + 0.5
        dy = abs(self.box.viewPixelSize()[1])
        xs = [x + p for x, _ in origins for p in where]
        ys = [y - dy * (MARK_PX / 2 + 1) for _, y in origins for _p in where]
        show_marks(self.marks, np.asarray(xs, float), np.asarray(ys, float))

    def _mosaic_width(self, columns: list[int], n_units: int) -> float:
        return float(columns[-1] + n_units)

    def caption(self) -> str:
        """What the caption adds: the order and the selection, in a few words."""
        parts = []
        if self.model.view.unit_order is not None:
            by = self.model.view.unit_order_by
            parts.append(tr("ordered by {order} (axis below)").format(order=tr(ORDER_NAMES.get(by, by))))
        chosen = self.model.view.unit_selection
        if chosen is not None and len(chosen):
            few = ", ".join(str(int(u)) for u in chosen.units[:8]) + ("…" if len(chosen) > 8 else "")
            parts.append(tr("▼ selected units {units}").format(units=few))
        return "".join(f" · {p}" for p in parts)
