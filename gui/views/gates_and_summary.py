"""Views inside the GRU: gate activations over time, and per-agent summaries over time."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hiddenscope.core.gru_history import SummaryCache, gate_history, summary_history
from hiddenscope.core.history import Frame
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.theme import COLOURS
from hiddenscope.gui.views.side_view import LayoutWidget, SideView
from hiddenscope.gui.views.unit_layout import UnitRowMarks, arranged
from hiddenscope.gui.widgets.index_image import IndexImageItem
from hiddenscope.gui.widgets.time_axis import TimeAxis

# Gates live in (0, 1): on the diverging map a half-open gate is white, shut blue, open red.
GATE_ROWS = (
    ("r", "reset gate r", (0.0, 1.0)),
    ("z", "update gate z", (0.0, 1.0)),
    ("n", "candidate n", (-1.0, 1.0)),
)


class GatesView(SideView):
    """``r``, ``z`` and ``n`` per unit (rows) over time (columns) for the model's agent and batch row."""

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.caption = QLabel()
        self.view = LayoutWidget()
        self.view.setBackground("#1e1e1e")
        self.images: dict[str, pg.ImageItem] = {}
        self.cursors: list[pg.InfiniteLine] = []
        self.plots: dict[str, pg.PlotItem] = {}
        self.unit_rows: dict[str, UnitRowMarks] = {}
        for row, (name, title, _levels) in enumerate(GATE_ROWS):
            plot = self.view.ci.addPlot(row=row, col=0, axisItems={"bottom": TimeAxis()})
            plot.setTitle(tr(title), size="9pt", color="#d0d0d0")
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            plot.invertY(True)
            plot.setLabel("left", tr("unit"))
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            image = IndexImageItem()
            plot.addItem(image)
            cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ffd54f", width=2))
            plot.addItem(cursor)
            self.images[name], self.plots[name] = image, plot
            self.unit_rows[name] = UnitRowMarks(model, plot)  # the model's unit order and selected units
            self.cursors.append(cursor)
        self.plots["n"].setLabel("bottom", tr("timestep t"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.save_row(self.caption))
        layout.addWidget(self.view, 1)
        model.unitOrderChanged.connect(self.schedule)
        model.unitSelectionChanged.connect(self.schedule)

    def draw(self, frame: Frame) -> None:
        agent, row = self.model.view.agent, self.model.view.row
        has_gates = self.model.stepper.capabilities.has_gates
        self.view.setVisible(has_gates)  # no empty plots on a made-up scale: one line says what is missing
        self.caption.setWordWrap(True)  # a long caption wraps rather than widening the dock for good
        if not has_gates:  # a recording: gates are worked out by re-running the model
            self.caption.setText(
                tr(
                    "A recorded session holds the hidden states, not the model: the gates need the model to re-run"
                    " the steps. Open the checkpoint it was recorded with (File → Close session, then Open checkpoint)."
                )
            )
            for image in self.images.values():
                image.clear()
            return
        ts, gates = gate_history(self.model.stepper, agent, row, t=frame.t)
        if not gates:
            self.caption.setText(
                tr("No recorded step to show gates for (step at least once), or the model has no GRU cell.")
            )
            for image in self.images.values():
                image.clear()
        else:
            self.caption.setText(
                tr("agent {agent} · batch row {row} · t = {first}…{last}").format(
                    agent=agent, row=row, first=ts[0], last=ts[-1]
                )
                + "  "
                + tr("(pick them in History, or right-click a heatmap)")
            )
            for name, _title, levels in GATE_ROWS:
                values = gates[name]
                image = self.images[name]
                COLOURS.paint(image, arranged(values, self.model.view.unit_order).T, levels)
                image.setRect(float(ts[0]) - 0.5, 0.0, float(len(ts)), float(values.shape[1]))
                self.unit_rows[name].place(values.shape[1], float(ts[0]) - 0.5, float(ts[-1]) + 0.5)
        for cursor in self.cursors:
            cursor.setValue(frame.t)


class SummaryView(SideView):
    """Per-agent hidden-state norm and fraction of saturated units (|h| > 0.95) over time.

    One line per agent on the heatmaps' page (at most :attr:`MAX_LINES`); a NaN norm
    leaves a gap in its line and a black mark on the time axis, black as NaN is everywhere.
    """

    MAX_LINES = 16

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.agents: list[int] = list(range(min(model.config.n_agents, self.MAX_LINES)))
        self.view = LayoutWidget()
        self.view.setBackground("#1e1e1e")
        self.norm_plot = self.view.ci.addPlot(row=0, col=0, axisItems={"bottom": TimeAxis()})
        self.norm_plot.setTitle(tr("‖h‖ per agent (mean over batch rows)"), size="9pt", color="#d0d0d0")
        self.sat_plot = self.view.ci.addPlot(row=1, col=0, axisItems={"bottom": TimeAxis()})
        self.sat_plot.setTitle(tr("saturated units, |h| > 0.95 (fraction)"), size="9pt", color="#d0d0d0")
        self.sat_plot.setLabel("bottom", tr("timestep t"))
        self.sat_plot.setYRange(0, 1)
        self.legend = self.norm_plot.addLegend(offset=(4, 4), labelTextSize="8pt")
        self.norm_lines: list[pg.PlotDataItem] = []
        self.sat_lines: list[pg.PlotDataItem] = []
        nan_brush = pg.mkBrush(*COLOURS.nan_rgb)
        self.nan_marks = pg.ScatterPlotItem(symbol="t", size=9, brush=nan_brush, pen=pg.mkPen("#d0d0d0"))
        self.norm_plot.addItem(self.nan_marks)
        self._lines_for: list[int] = []
        self._reduced = SummaryCache()  # each held step reduced once, not at every draw
        self.cursors = [pg.InfiniteLine(angle=90, pen=pg.mkPen("#ffd54f")) for _ in range(2)]
        for plot, cursor in zip((self.norm_plot, self.sat_plot), self.cursors, strict=True):
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.addItem(cursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.save_row())
        layout.addWidget(self.view, 1)

    def set_agents(self, agents: list[int]) -> None:
        """Follow these agents (the heatmaps' page)."""
        self.agents = list(agents[: self.MAX_LINES])
        self.schedule()

    def _make_lines(self, agents: list[int]) -> None:
        for line in self.norm_lines:
            self.norm_plot.removeItem(line)
        for line in self.sat_lines:
            self.sat_plot.removeItem(line)
        self.legend.clear()
        self.norm_lines, self.sat_lines = [], []
        for i, agent in enumerate(agents):
            pen = pg.mkPen(pg.intColor(i, hues=max(len(agents), 2)), width=1.5)
            self.norm_lines.append(
                self.norm_plot.plot(pen=pen, name=tr("agent {agent}").format(agent=agent), connect="finite")
            )
            self.sat_lines.append(self.sat_plot.plot(pen=pen))
        self._lines_for = agents

    def draw(self, frame: Frame) -> None:
        ts, norm, saturated = summary_history(self.model.stepper, t=frame.t, cache=self._reduced)
        agents = [a for a in self.agents if a < norm.shape[1]] or list(range(min(norm.shape[1], self.MAX_LINES)))
        if agents != self._lines_for:
            self._make_lines(agents)
        for line_n, line_s, agent in zip(self.norm_lines, self.sat_lines, agents, strict=True):
            line_n.setData(ts, norm[:, agent])
            line_s.setData(ts, saturated[:, agent])
        bad = ~np.isfinite(norm[:, agents]).all(axis=1) if len(ts) else np.zeros(0, bool)
        self.nan_marks.setData(ts[bad], np.zeros(int(bad.sum())))
        for cursor in self.cursors:
            cursor.setValue(frame.t)
