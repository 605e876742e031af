"""Views inside the GRU: gate activations over time, and per-agent summaries over time."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from .i18n import tr
from .look import colormap, icon


def _save_row(widget: QWidget, first: QWidget | None = None) -> QHBoxLayout:
    """A row with ``first`` (if any) and a camera button that emits ``widget.saveRequested``."""
    row = QHBoxLayout()
    if first is not None:
        row.addWidget(first, 1)
    else:
        row.addStretch(1)
    widget.save_button = QToolButton(icon=icon("camera"), toolTip="Save this view as a PNG")
    widget.save_button.clicked.connect(widget.saveRequested)
    row.addWidget(widget.save_button)
    return row

GATE_ROWS = (
    ("r", "reset gate r", (0.0, 1.0)),
    ("z", "update gate z", (0.0, 1.0)),
    ("n", "candidate n", (-1.0, 1.0)),
)


class GatesView(QWidget):
    """``r``, ``z`` and ``n`` per unit (rows) over time (columns) for one agent and batch row."""

    saveRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("#1e1e1e")
        self.images: dict[str, pg.ImageItem] = {}
        self.cursors: list[pg.InfiniteLine] = []
        self.plots: dict[str, pg.PlotItem] = {}
        gate_lut = pg.colormap.get("viridis").getLookupTable(nPts=256)
        for row, (name, title, levels) in enumerate(GATE_ROWS):
            plot = self.view.ci.addPlot(row=row, col=0)
            plot.setTitle(tr(title), size="9pt", color="#d0d0d0")
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            plot.invertY(True)
            plot.setLabel("left", "unit")
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            image = pg.ImageItem()
            image.setLookupTable(gate_lut if name != "n" else colormap().getLookupTable(nPts=256))
            image.setLevels(levels)
            plot.addItem(image)
            cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ffd54f", width=2))
            plot.addItem(cursor)
            self.images[name], self.plots[name] = image, plot
            self.cursors.append(cursor)
        self.plots["n"].setLabel("bottom", "timestep t")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(_save_row(self, self.caption))
        layout.addWidget(self.view, 1)

    def set_gates(self, ts: np.ndarray, gates: dict[str, np.ndarray], current_t: int, agent: int, row: int) -> None:
        if not gates:
            self.caption.setText(tr("No recorded step to show gates for (step at least once), or the model has no GRU cell."))
            for image in self.images.values():
                image.clear()
            return
        self.caption.setText(f"agent {agent} · batch row {row} · t = {ts[0]}…{ts[-1]}  (pick them in History, or right-click a heatmap)")
        for name, _title, levels in GATE_ROWS:
            values = gates[name]
            image = self.images[name]
            image.setImage(values.T, autoLevels=False, levels=levels)
            image.setRect(float(ts[0]) - 0.5, 0.0, float(len(ts)), float(values.shape[1]))
            self.plots[name].setXRange(float(ts[0]) - 0.5, float(ts[-1]) + 0.5, padding=0.02)
        for cursor in self.cursors:
            cursor.setValue(current_t)


class SummaryView(QWidget):
    """Per-agent hidden-state norm and fraction of saturated units (|h| > 0.95) over time."""

    MAX_LINES = 16
    saveRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("#1e1e1e")
        self.norm_plot = self.view.ci.addPlot(row=0, col=0)
        self.norm_plot.setTitle(tr("‖h‖ per agent (mean over batch rows)"), size="9pt", color="#d0d0d0")
        self.sat_plot = self.view.ci.addPlot(row=1, col=0)
        self.sat_plot.setTitle(tr("saturated units, |h| > 0.95 (fraction)"), size="9pt", color="#d0d0d0")
        self.sat_plot.setLabel("bottom", "timestep t")
        self.sat_plot.setYRange(0, 1)
        self.legend = self.norm_plot.addLegend(offset=(4, 4), labelTextSize="8pt")
        self.norm_lines: list[pg.PlotDataItem] = []
        self.sat_lines: list[pg.PlotDataItem] = []
        self.cursors = [pg.InfiniteLine(angle=90, pen=pg.mkPen("#ffd54f")) for _ in range(2)]
        for plot, cursor in zip((self.norm_plot, self.sat_plot), self.cursors):
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.addItem(cursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(_save_row(self))
        layout.addWidget(self.view, 1)

    def set_summary(self, ts: np.ndarray, norm: np.ndarray, saturated: np.ndarray, agents: list[int], current_t: int) -> None:
        agents = agents[: self.MAX_LINES]
        if len(self.norm_lines) != len(agents) or getattr(self, "_agents", None) != agents:
            for line in self.norm_lines + self.sat_lines:
                line.getViewBox().removeItem(line) if line.getViewBox() else None
            self.legend.clear()
            self.norm_lines, self.sat_lines = [], []
            for i, agent in enumerate(agents):
                pen = pg.mkPen(pg.intColor(i, hues=max(len(agents), 2)), width=1.5)
                self.norm_lines.append(self.norm_plot.plot(pen=pen, name=f"agent {agent}"))
                self.sat_lines.append(self.sat_plot.plot(pen=pen))
            self._agents = agents
        for line_n, line_s, agent in zip(self.norm_lines, self.sat_lines, agents):
            line_n.setData(ts, norm[:, agent])
            line_s.setData(ts, saturated[:, agent])
        for cursor in self.cursors:
            cursor.setValue(current_t)
