"""The LSTMVis-style view: one agent's units over time, for one batch row."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from hiddenscope.core.history import Frame
from hiddenscope.core.picture import history_window
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.panels.unit_selector import TimeRangeBox, UnitSelector
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.theme import COLOURS
from hiddenscope.gui.views.episode_tracks import EpisodeTracks
from hiddenscope.gui.views.side_view import PlotWidget, SideView
from hiddenscope.gui.views.unit_layout import UnitRowMarks, arranged
from hiddenscope.gui.widgets.controls import tipped
from hiddenscope.gui.widgets.index_image import IndexImageItem
from hiddenscope.gui.widgets.steady_label import CaptionLine
from hiddenscope.gui.widgets.time_axis import TimeAxis


class HistoryView(SideView):
    """``time × units`` for the model's agent and batch row, with a line at the timestep shown.

    Its agent and batch-row boxes choose what the history and gates views follow.
    """

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.agent_box = tipped(QSpinBox(minimum=0, maximum=0), tr("Agent whose history is shown"))
        self.row_box = tipped(QSpinBox(minimum=0, maximum=0), tr("Batch row whose history is shown"))
        self.span_label = CaptionLine()
        range_box = TimeRangeBox()  # a drag on the plot picks a time range to select units over
        self.plot = PlotWidget(background="#1e1e1e", viewBox=range_box, axisItems={"bottom": TimeAxis()})
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", tr("timestep t"))
        for axis in ("bottom", "left"):  # timesteps and unit numbers, never "× 1000"; and no label HTML per frame
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.plot.setLabel("left", tr("unit"))
        self.plot.invertY(True)
        self.image = IndexImageItem()
        self.plot.addItem(self.image)
        self.t_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#ffd54f", width=2))  # the t shown
        self.plot.addItem(self.t_line)
        self.unit_rows = UnitRowMarks(model, self.plot.getPlotItem())
        self.selector = UnitSelector(model, self.plot.getPlotItem(), range_box)
        self.hover_text = ""
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.ts = np.zeros(0, int)
        self.shown_values = np.zeros((0, 0), np.float32)  # (T, units) as drawn: A, B or B − A

        controls = QHBoxLayout()
        controls.addWidget(QLabel(tr("Agent")))
        controls.addWidget(self.agent_box)
        controls.addWidget(QLabel(tr("Batch row")))
        controls.addWidget(self.row_box)
        controls.addLayout(self.save_row())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.span_label)
        layout.addWidget(self.plot, 1)
        self.tracks = EpisodeTracks(model, self.plot)  # shown only with live environments
        layout.addWidget(self.tracks)
        layout.addWidget(self.selector)
        self.agent_box.valueChanged.connect(lambda agent: model.set_selection(agent, model.view.row))
        self.row_box.valueChanged.connect(lambda row: model.set_selection(model.view.agent, row))
        model.rebuilt.connect(self._show_selection)
        model.selectionChanged.connect(self._show_selection)
        model.comparisonChanged.connect(self.schedule)
        model.unitOrderChanged.connect(self.schedule)
        model.unitSelectionChanged.connect(self.schedule)
        self._show_selection()

    @property
    def agent(self) -> int:
        return self.agent_box.value()

    @property
    def row(self) -> int:
        return self.row_box.value()

    def _show_selection(self) -> None:
        c = self.model.config
        for box, maximum, value in (
            (self.agent_box, c.n_agents - 1, self.model.view.agent),
            (self.row_box, c.batch_size - 1, self.model.view.row),
        ):
            with QSignalBlocker(box):  # the model already knows: no echo back to it
                box.setMaximum(maximum)
                box.setValue(value)

    def draw(self, frame: Frame) -> None:
        m = self.model
        ts, values, levels, which = history_window(
            m.stepper, m.view.agent, m.view.row, frame.t, m.view.compare_mode, m.comparison
        )
        if len(ts) and ts[-1] > m.held.last:  # Play stepped on since this frame: show only steps it had
            keep = ts <= m.held.last
            ts, values = ts[keep], values[keep]
        self.ts = ts
        self.shown_values = values
        if len(ts):
            # Transposed so time runs left to right; each column is one timestep.
            # Units top to bottom in the model's unit order; the ticks name the real units.
            COLOURS.paint(self.image, arranged(values, self.model.view.unit_order).T, levels)
            self.image.setRect(float(ts[0]) - 0.5, 0.0, float(len(ts)), float(values.shape[1]))
            self.unit_rows.place(values.shape[1], float(ts[0]) - 0.5, float(ts[-1]) + 0.5)
            # One "held" count in the window (the status bar's): this view shows a window of it.
            total = len(self.model.held)
            held = tr("t = {first}…{last} shown ({n} of the 1 step held)") if total == 1 else ""
            held = held or tr("t = {first}…{last} shown ({n} of the {total} steps held)")
            held = held.format(first=ts[0], last=ts[-1], n=len(ts), total=total)
            self.span_label.setText(f"{which}: {held}" if which else held)
        self.t_line.setValue(frame.t)
        self.tracks.draw(frame)

    def _on_mouse_moved(self, scene_pos) -> None:
        """The readout under the mouse: the timestep, the real unit (whatever the order) and its value."""
        text = ""
        box = self.plot.getPlotItem().getViewBox()
        if len(self.ts) and box.sceneBoundingRect().contains(scene_pos):
            point = box.mapSceneToView(scene_pos)
            i = round(point.x()) - int(self.ts[0])
            unit = self.unit_rows.unit_at(point.y())
            if unit is not None and 0 <= i < len(self.ts) and unit < self.shown_values.shape[1]:
                value = f"{float(self.shown_values[i, unit]):+.4f}"
                text = tr("t = {t} · unit {unit} · {value}").format(t=self.ts[i], unit=unit, value=value)
        self.hover_text = text
        self.plot.setToolTip(text)
