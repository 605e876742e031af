"""The LSTMVis-style view: one agent's units over time, for one batch row."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QToolButton, QVBoxLayout, QWidget

from .i18n import tr
from .look import LEVELS, colormap, icon


class HistoryView(QWidget):
    """``time × units`` for the chosen agent and batch row, with a line at the timestep shown."""

    selectionChanged = Signal()
    saveRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agent_box = QSpinBox(minimum=0, maximum=0, toolTip="Agent whose history is shown")
        self.row_box = QSpinBox(minimum=0, maximum=0, toolTip="Batch row whose history is shown")
        self.span_label = QLabel()
        self.plot = pg.PlotWidget(background="#1e1e1e")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "timestep t")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setLabel("left", "unit")
        self.plot.invertY(True)
        self.image = pg.ImageItem()
        self.image.setLookupTable(colormap().getLookupTable(nPts=256))
        self.plot.addItem(self.image)
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ffd54f", width=2))
        self.plot.addItem(self.cursor)
        self.ts = np.zeros(0, int)

        controls = QHBoxLayout()
        controls.addWidget(QLabel(tr("Agent")))
        controls.addWidget(self.agent_box)
        controls.addWidget(QLabel(tr("Batch row")))
        controls.addWidget(self.row_box)
        controls.addStretch(1)
        save = QToolButton(icon=icon("camera"), toolTip="Save this view as a PNG")
        save.clicked.connect(self.saveRequested)
        controls.addWidget(save)
        self.save_button = save
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.span_label)
        layout.addWidget(self.plot, 1)
        self.agent_box.valueChanged.connect(self.selectionChanged)
        self.row_box.valueChanged.connect(self.selectionChanged)

    @property
    def agent(self) -> int:
        return self.agent_box.value()

    @property
    def row(self) -> int:
        return self.row_box.value()

    def set_limits(self, n_agents: int, batch_size: int) -> None:
        self.agent_box.setMaximum(n_agents - 1)
        self.row_box.setMaximum(batch_size - 1)

    def set_history(self, ts: np.ndarray, values: np.ndarray, current_t: int) -> None:
        """``values`` is ``(T, units)`` for timesteps ``ts``."""
        self.ts = ts
        if len(ts):
            # Transposed so time runs left to right; each column is one timestep.
            self.image.setImage(values.T, autoLevels=False, levels=LEVELS)
            self.image.setRect(float(ts[0]) - 0.5, 0.0, float(len(ts)), float(values.shape[1]))
            self.plot.setXRange(float(ts[0]) - 0.5, float(ts[-1]) + 0.5, padding=0.02)
            self.span_label.setText(f"t = {ts[0]}…{ts[-1]} ({len(ts)} step{'' if len(ts) == 1 else 's'} held)")
        self.cursor.setValue(current_t)
