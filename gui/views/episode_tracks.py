"""Episode tracks under the history view: where episodes start and end, the return so far, the actions taken.

Shown only while the inputs are live environments (or a recording of them).  The x axis is the
history view's (the same timesteps, linked), so a jump in a unit's trace lines up with the
episode boundary or the action that came with it.  Episode starts are dashed lines across the
tracks; each episode's last step (its terminal step, :func:`~hiddenscope.core.episodes.terminal_steps`)
is a triangle in a thin strip above them, off the values.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from hiddenscope.core.episodes import held_terminal_steps
from hiddenscope.core.history import Frame
from hiddenscope.gui.controllers.status_line import episodes_text
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.views.side_view import PlotWidget
from hiddenscope.gui.widgets.steady_label import CaptionLine
from hiddenscope.gui.widgets.time_axis import TimeAxis

BOUNDARY_PEN = pg.mkPen("#4dd0e1", width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
RETURN_COLOUR = "#ffd54f"
ACTION_BRUSH = pg.mkBrush("#80cbc4")
END_COLOUR = "#ff8a65"  # an episode's last step: its own shape and colour, in the strip above the tracks
END_HEIGHT = 16
T_PEN = pg.mkPen("#ffd54f", width=1)  # the t shown: the history view's t line, thinner


class EpisodeTracks(QWidget):
    """Two small plots over the history view's timesteps: return so far, and the agent's action."""

    def __init__(self, model: StepperModel, link: pg.PlotWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.ts = np.zeros(0, int)
        self.tracks: dict[str, np.ndarray] = {}
        self.caption = CaptionLine()
        legend = tr(
            "What the selected batch row did in its environment: dashed lines are episode starts"
            " (the hidden state went back to init_hidden there)"
        )
        ends_legend = tr(
            "▼ above the tracks: an episode's last step (its terminal step: the episode ended with the"
            " step before's actions, or the next step starts a new episode)"
        )
        self.caption.setToolTip(f"{legend}\n{ends_legend}")
        self._link = link  # the history plot: linked only while the tracks show (an unseen link costs every frame)
        self._linked = False
        self.ends = np.zeros(0, int)  # the timesteps marked as an episode's last step
        self.ends_plot = self._plot("", link)
        self.ends_plot.setFixedHeight(END_HEIGHT)
        self.ends_plot.hideAxis("bottom")
        self.ends_plot.setYRange(0, 1, padding=0)
        ends_axis = self.ends_plot.getAxis("left")
        ends_axis.setStyle(tickLength=0, hideOverlappingLabels=False)
        ends_axis.setTicks([[(0.5, tr("end"))], []])  # short: the axis is as narrow as the history plot's
        ends_axis.setTextPen(END_COLOUR)  # the label is the legend: the same colour as the marks
        self.ends_plot.setToolTip(ends_legend)
        self.ends_marks = pg.ScatterPlotItem(size=9, symbol="t", pen=None, brush=pg.mkBrush(END_COLOUR))
        self.ends_plot.addItem(self.ends_marks)
        self.returns_plot = self._plot(tr("return"), link)
        # Room above and below the curve: the top and bottom tick labels of a 70-px plot are not cut off.
        self.returns_plot.getViewBox().setDefaultPadding(0.2)
        self.returns_curve = self.returns_plot.plot(pen=pg.mkPen(RETURN_COLOUR, width=2), connect="finite")
        self.actions_plot = self._plot(tr("action"), link)
        self.actions_dots = pg.ScatterPlotItem(size=5, pen=None, brush=ACTION_BRUSH)
        self.actions_plot.addItem(self.actions_dots)
        self.boundaries: list[tuple[pg.PlotWidget, pg.InfiniteLine]] = []
        self.t_lines = []  # the t shown, as the history view above marks it
        for plot in (self.returns_plot, self.actions_plot):
            line = pg.InfiniteLine(angle=90, pen=T_PEN)
            plot.addItem(line)
            self.t_lines.append(line)
        self._n_actions = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.ends_plot)
        layout.addWidget(self.returns_plot)
        layout.addWidget(self.actions_plot)
        self.setVisible(False)

    @staticmethod
    def _plot(label: str, link: pg.PlotWidget) -> pg.PlotWidget:
        plot = PlotWidget(background="#1e1e1e", axisItems={"bottom": TimeAxis()})
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        if label:  # the name inside the plot, top left: a rotated axis label collides with "-100" in a narrow axis
            name = pg.TextItem(label, color="#9e9e9e", anchor=(0, 0))
            name.setParentItem(plot.getPlotItem().getViewBox())
            name.setPos(2, 0)
        # Tick labels that would reach past the plot's ends are left out rather than cut in half.
        plot.getAxis("left").setStyle(hideOverlappingLabels=True)
        plot.setFixedHeight(70)
        # The same width of left axis as the history plot above, so the timesteps line up.
        plot.getAxis("left").setWidth(link.getAxis("left").width())
        plot.getAxis("bottom").setStyle(showValues=False)
        for axis in ("left", "bottom"):  # else every new range re-sets the axis label's HTML
            plot.getAxis(axis).enableAutoSIPrefix(False)
        return plot

    def draw(self, frame: Frame) -> None:
        """Draw the tracks for the model's batch row and agent over the held steps up to ``frame.t``."""
        stepper, row, agent = self.model.stepper, self.model.view.row, self.model.view.agent
        ts, tracks = stepper.episode_tracks(row, t=frame.t)
        if len(ts) and ts[-1] > self.model.held.last:  # Play stepped on since this frame: its steps only
            keep = ts <= self.model.held.last
            ts, tracks = ts[keep], {name: values[keep] for name, values in tracks.items()}
        self.setVisible(bool(tracks))
        if self._linked != bool(tracks):
            self._linked = bool(tracks)
            for plot in (self.ends_plot, self.returns_plot, self.actions_plot):
                plot.setXLink(self._link if tracks else None)
        self.ts, self.tracks = ts, tracks
        for plot, line in self.boundaries:
            plot.removeItem(line)
        self.boundaries = []
        if not tracks or not len(ts):
            self.ends = np.zeros(0, int)
            self.ends_marks.setData([], [])
            return
        returns = tracks["returns"].astype(float)
        # One line per episode: no line from an episode's last return down to the next one's first.
        joined = np.append(~tracks["start"][1:], False) & np.isfinite(returns) & np.isfinite(np.append(returns[1:], 0))
        self.returns_curve.setData(ts.astype(float), returns, connect=joined)
        # No action yet (t = 0): no return, so no numbers on its axis either (they would be an old range's).
        self.returns_plot.getAxis("left").setStyle(showValues=bool(np.isfinite(returns).any()))
        actions = tracks["actions"][:, agent]
        taken = actions >= 0
        self.actions_dots.setData(ts[taken].astype(float), actions[taken].astype(float))
        n_actions = stepper.config.n_actions or int(actions.max(initial=0)) + 1
        if n_actions != self._n_actions:  # whole actions on the axis, every one of them in range
            self._n_actions = n_actions
            self.actions_plot.setYRange(-0.5, n_actions - 0.5, padding=0.05)
            step = max(1, n_actions // 4)
            self.actions_plot.getAxis("left").setTicks([[(a, str(a)) for a in range(0, n_actions, step)], []])
        starts = ts[tracks["start"] & (ts > 1)]
        end_ts, ends = held_terminal_steps(stepper, row, t=frame.t)
        self.ends = end_ts[ends][(end_ts[ends] >= ts[0]) & (end_ts[ends] <= ts[-1])]  # within the tracks drawn
        self.ends_marks.setData(self.ends.astype(float), np.full(len(self.ends), 0.5))
        for t in starts:
            for plot in (self.ends_plot, self.returns_plot, self.actions_plot):
                line = pg.InfiniteLine(float(t) - 0.5, angle=90, pen=BOUNDARY_PEN)
                plot.addItem(line)
                self.boundaries.append((plot, line))
        for line in self.t_lines:
            line.setValue(frame.t)
        # The window reaches past t when t is not the newest step: the return is the one at t.
        at = int(np.searchsorted(ts, frame.t, side="right")) - 1
        now = tracks["returns"][at] if at >= 0 else np.nan
        so_far = f"{now:+.2f}" if np.isfinite(now) else "— " + tr("(no action taken yet)")  # t = 0 has no return
        text = (
            tr("batch row {row}: return at t = {t} {so_far} · 1 episode start in view · agent {agent}'s actions below")
            if len(starts) == 1
            else tr(
                "batch row {row}: return at t = {t} {so_far} · {starts} episode starts in view ·"
                " agent {agent}'s actions below"
            )
        )
        text = text.format(row=row, t=frame.t, so_far=so_far, starts=len(starts), agent=agent)
        self.caption.setText(f"{text} · {episodes_text(stepper.source).strip()}")
