"""Trajectories: each agent's hidden state over the held history, projected to a plane.

The projection (PCA per agent, one PCA shared by all agents, or UMAP where the
``umap`` package is installed) is fitted once, when the user presses Fit (or the
first time the view is seen), on the last N held steps and every batch row; each
line is one batch row's path, coloured by time through the app's colour map (early
blue, late red), with one marker shape per agent.  Only the marker of the current
timestep moves per frame: the frame shown is projected into the fitted basis, so
steps newer than the fit are placed too.  Clicking a point of a line seeks to its t.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSettings, Qt
from PySide6.QtGui import QColor, QPaintEngine, QPainter, QPen, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hiddenscope.core.analysis import PCA, agent_trajectories, held_hidden, span_around
from hiddenscope.core.errors import UserError
from hiddenscope.core.history import Frame
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.theme import to_rgb
from hiddenscope.gui.views.side_view import PlotWidget, SideView
from hiddenscope.gui.widgets.controls import tipped

SYMBOLS = ("o", "s", "t", "d", "+", "x", "star", "p", "h", "t1", "t2", "t3")
CURSOR_COLOUR = "#ffd54f"  # the timestep shown, as in the history and gates views
MAX_AGENTS = 16
DEFAULT_SPAN = 256


def umap_available() -> bool:
    return importlib.util.find_spec("umap") is not None


def agent_pen_colour(i: int, count: int) -> QColor:
    return pg.intColor(i, hues=max(count, 2), values=1, maxValue=255, minValue=150, sat=200)


class TimeColouredLine(pg.GraphicsObject):
    """A polyline whose segment from point i to i+1 has colour ``rgb[i + 1]``; NaN points leave gaps."""

    def __init__(self, width: float = 2.0) -> None:
        super().__init__()
        self.width = width
        self.xy = np.zeros((0, 2))
        self.rgb = np.zeros((0, 3), np.uint8)
        self._bounds = QRectF()

    def setData(self, xy: np.ndarray, rgb: np.ndarray) -> None:
        self.prepareGeometryChange()
        self.xy, self.rgb = np.asarray(xy, float), np.asarray(rgb, np.uint8)
        finite = self.xy[np.isfinite(self.xy).all(axis=1)]
        if len(finite):
            lo, hi = finite.min(axis=0), finite.max(axis=0)
            self._bounds = QRectF(lo[0], lo[1], max(hi[0] - lo[0], 1e-9), max(hi[1] - lo[1], 1e-9))
        else:
            self._bounds = QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, *_args: object) -> None:
        pen = QPen()
        pen.setCosmetic(True)
        pen.setWidthF(self.width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        xy = self.xy
        for i in range(1, len(xy)):
            (x0, y0), (x1, y1) = xy[i - 1], xy[i]
            if not (np.isfinite(x0) and np.isfinite(y0) and np.isfinite(x1) and np.isfinite(y1)):
                continue
            r, g, b = self.rgb[i]
            pen.setColor(QColor(int(r), int(g), int(b)))
            painter.setPen(pen)
            painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))


class VectorScatter(pg.ScatterPlotItem):
    """Scatter points that an SVG gets as shapes: pyqtgraph stamps cached pixmaps of its symbols, which
    Qt's SVG generator writes as hundreds of small images; painting into SVG, each symbol is drawn as a path."""

    def paint(self, painter: QPainter, *args: object) -> None:
        engine = painter.paintEngine()
        if engine is not None and engine.type() == QPaintEngine.Type.SVG and self._exportOpts is False:
            self.setExportMode(True, {"antialias": True})  # what pyqtgraph's own exporters set: no symbol cache
            try:
                super().paint(painter, *args)
            finally:
                self.setExportMode(False)
        else:
            super().paint(painter, *args)


@dataclass
class Fit:
    """What one Fit computed: the method, the fitted window, and per agent its basis and points."""

    method: str
    ts: np.ndarray
    agents: list[int]
    points: dict[int, np.ndarray]  # agent -> (T, batch, 2)
    bases: dict[int, PCA]  # PCA only: projects later frames
    shared: bool

    @property
    def span_text(self) -> str:
        return f"t = {int(self.ts[0])}…{int(self.ts[-1])}" if len(self.ts) else "nothing"


def fit_trajectories(
    hidden: np.ndarray, ts: np.ndarray, agents: list[int], method: str = "PCA", shared: bool = False
) -> Fit:
    """Project ``hidden`` ``(T, batch, n_agents, units)`` for ``agents`` to 2-D with ``method``."""
    if method == "UMAP":
        import umap  # only offered when importable

        points: dict[int, np.ndarray] = {}
        bases: dict[int, PCA] = {}  # UMAP has no basis to project later frames with
        units = hidden.shape[-1]
        for agent in agents:
            states = hidden[:, :, agent].reshape(-1, units).astype(np.float64)
            reducer = umap.UMAP(n_components=2, random_state=0)
            points[agent] = reducer.fit_transform(states).reshape(hidden.shape[0], hidden.shape[1], 2)
        return Fit("UMAP", ts, agents, points, bases, False)
    trajectories = agent_trajectories(hidden, 2, agents=agents, shared=shared, ts=ts)
    return Fit(
        "PCA",
        ts,
        agents,
        {path.agent: path.points for path in trajectories},
        {path.agent: path.pca for path in trajectories},
        shared,
    )


class TrajectoryView(SideView):
    """Each agent's path through its hidden-state space for the model's batch row, fitted on demand."""

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.fit: Fit | None = None
        self._lines_for: tuple[int, int] | None = None
        self.agents: list[int] = list(range(min(model.config.n_agents, MAX_AGENTS)))

        self.method_box = tipped(QComboBox(), tr("How the states are brought down to two dimensions"))
        self.method_box.addItems(["PCA", "UMAP"])  # names, not translated: the text is the method
        if not umap_available():
            items = self.method_box.model()
            assert isinstance(items, QStandardItemModel)  # a combo box's own model
            item = items.item(1)
            item.setEnabled(False)
            item.setToolTip(tr("UMAP needs the umap-learn package: pip install umap-learn (or the umap extra)"))
            self.method_box.setItemData(1, item.toolTip(), Qt.ItemDataRole.ToolTipRole)
        self.shared_box = tipped(
            QCheckBox(tr("one plane")),
            tr("Fit one PCA to all agents together, so their paths share axes (off: one PCA per agent)"),
        )
        self.span_box = tipped(
            QSpinBox(minimum=2, maximum=1_000_000, value=DEFAULT_SPAN, singleStep=64, suffix=" " + tr("steps")),
            tr("Fit on the newest this many held steps (every batch row)"),
        )
        self.fit_button = tipped(
            QPushButton(tr("Fit")), tr("Fit the projection on the held steps now (it is not refitted per frame) (F)")
        )
        self.fit_button.setShortcut("F")
        self.fit_button.clicked.connect(self.refit)
        self.caption = QLabel()
        # Two short lines, cut at the dock's edge rather than widening it.
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.plot = PlotWidget(background="#1e1e1e")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(False)
        for axis in ("bottom", "left"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(4, 4), labelTextSize="8pt", brush=pg.mkBrush(30, 30, 30, 200))
        self.lines: dict[int, TimeColouredLine] = {}
        self.dots: dict[int, pg.ScatterPlotItem] = {}
        self.markers: dict[int, pg.ScatterPlotItem] = {}
        self.b_lines: dict[int, pg.PlotDataItem] = {}  # B's path in A's plane, with a comparison shown
        self._b_for: tuple | None = None
        self._b_text = ""

        controls = QHBoxLayout()
        for widget in (self.method_box, self.shared_box, self.span_box, self.fit_button):
            controls.addWidget(widget)
        controls.addLayout(self.save_row())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)
        model.rebuilt.connect(self._forget)
        model.comparisonChanged.connect(self.schedule)

    def remember(self, settings: QSettings) -> None:
        """Restore the method, plane and span chosen last time, and keep them in ``settings`` from now on."""
        method = str(settings.value("trajectories/method", "PCA"))
        if method == "UMAP" and umap_available():
            self.method_box.setCurrentIndex(1)
        self.shared_box.setChecked(str(settings.value("trajectories/one_plane", "false")).lower() == "true")
        try:
            self.span_box.setValue(int(str(settings.value("trajectories/span", DEFAULT_SPAN))))
        except (TypeError, ValueError):
            pass
        self.method_box.currentTextChanged.connect(lambda text: settings.setValue("trajectories/method", text))
        self.shared_box.toggled.connect(lambda on: settings.setValue("trajectories/one_plane", on))
        self.span_box.valueChanged.connect(lambda n: settings.setValue("trajectories/span", n))

    # -- what to follow -------------------------------------------------------------
    def set_agents(self, agents: list[int]) -> None:
        """Follow these agents (the heatmaps' page, at most :data:`MAX_AGENTS`); refits if the fit lacks one."""
        agents = list(agents[:MAX_AGENTS])
        if agents == self.agents:
            return
        self.agents = agents
        if self.fit is not None and not set(agents) <= set(self.fit.agents):
            self.fit = None  # fitted on the next draw, on the same span
        self.schedule()

    def _forget(self) -> None:
        self.fit = None
        self._clear_items()

    # -- fitting ---------------------------------------------------------------------
    def refit(self) -> bool:
        """Fit the projection on the newest held steps and draw it; ``False`` (and a message) when it cannot."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if not self._fit():
                return False
            self.redraw()
        finally:
            QApplication.restoreOverrideCursor()
        return True

    def _fit(self) -> bool:
        stepper = self.model.stepper
        held, span = self.model.bounds(), self.span_box.value()
        if self.model.view.analysis_around:  # View → Analyses around the t shown
            start, stop = span_around(held.first, held.last, self.model.frame.t, span)
        else:
            start, stop = held.last - span + 1, held.last
        ts, hidden = held_hidden(stepper, start=start, stop=stop)
        agents = [a for a in self.agents if a < stepper.config.n_agents] or [0]
        if len(ts) < 2:
            self.caption.setText(tr("Step at least twice: a path needs two held steps to fit."))
            return False
        method = self.method_box.currentText()
        try:
            self.fit = fit_trajectories(hidden, ts, agents, method, self.shared_box.isChecked())
        except UserError as exc:
            self.model.message.emit(tr("Trajectories: {why}").format(why=exc), 8000)
            return False
        self._make_items()
        return True

    def stale(self) -> bool:
        """Whether the history now holds steps the fit has not seen (or lost some it was fitted on)."""
        if self.fit is None:
            return True
        hist = self.model.bounds()
        return int(self.fit.ts[-1]) != hist.last or int(self.fit.ts[0]) < hist.first

    # -- drawing ---------------------------------------------------------------------
    def _clear_items(self) -> None:
        for item in (*self.lines.values(), *self.dots.values(), *self.markers.values(), *self.b_lines.values()):
            self.plot.removeItem(item)
        self.lines, self.dots, self.markers, self.b_lines = {}, {}, {}, {}
        self._lines_for = self._b_for = None
        self.legend.clear()

    def _make_items(self) -> None:
        self._clear_items()
        assert self.fit is not None
        count = len(self.fit.agents)
        for i, agent in enumerate(self.fit.agents):
            colour = agent_pen_colour(i, count)
            symbol = SYMBOLS[i % len(SYMBOLS)]
            line = TimeColouredLine()
            dots = VectorScatter(symbol=symbol, size=7, pen=pg.mkPen(colour, width=1), hoverable=True)
            dots.sigClicked.connect(lambda _item, points, _event, agent=agent: self._on_click(agent, points))
            marker = VectorScatter(symbol=symbol, size=18, pen=pg.mkPen(CURSOR_COLOUR, width=2.5), brush=None)
            marker.setZValue(10)
            b_line = pg.PlotDataItem(pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine), connect="finite")
            for item in (b_line, line, dots, marker):
                self.plot.addItem(item)
            variance = ""
            if agent in self.fit.bases:
                ratio = self.fit.bases[agent].explained_ratio
                variance = f" ({ratio[0]:.0%} + {ratio[1]:.0%})"
            self.legend.addItem(dots, tr("agent {agent}").format(agent=agent) + variance)
            self.lines[agent], self.dots[agent], self.markers[agent] = line, dots, marker
            self.b_lines[agent] = b_line

    def draw(self, frame: Frame) -> None:
        if self.fit is None and not self._fit():
            return
        fit = self.fit
        assert fit is not None
        row = min(self.model.view.row, frame.hidden.shape[0] - 1)
        ts = fit.ts
        if self._lines_for != (id(fit), row):  # the lines change with a fit or a row, not per frame
            self._lines_for = (id(fit), row)
            span = max(1, int(ts[-1]) - int(ts[0]))
            # Time through the app's colour map: the window's first step at -1 (blue), its last at +1 (red).
            rgb = to_rgb((2.0 * (ts - ts[0]) / span - 1.0).astype(np.float32))
            brushes = [pg.mkBrush(int(r), int(g), int(b)) for r, g, b in rgb]
            for agent in fit.agents:
                xy = fit.points[agent][:, row]
                self.lines[agent].setData(xy, rgb)
                ok = np.isfinite(xy).all(axis=1)  # a NaN state leaves a gap in the line and no point
                self.dots[agent].setData(pos=xy[ok], data=ts[ok], brush=[brushes[i] for i in np.flatnonzero(ok)])
        for agent in fit.agents:
            where = self.position(agent, frame)
            self.markers[agent].setData(pos=[] if where is None else [where])
        b_text = self._draw_b(fit, row)
        basis = tr("one plane for all agents") if fit.shared else tr("one plane per agent")
        method = f"{fit.method}, {basis}" if fit.method == "PCA" else fit.method
        note = " · " + tr("newer steps held: Fit again to include them") if self.stale() else ""
        fitted = tr("{method} · fitted on {span} ({steps} steps × {rows} rows) · line: batch row {row}").format(
            method=method, span=fit.span_text, steps=len(ts), rows=frame.hidden.shape[0], row=row
        )
        colour = tr("colour = time (blue t {first} → red t {last}) · ◯ = t {t} · click a point to go to its t").format(
            first=int(ts[0]), last=int(ts[-1]), t=frame.t
        )
        self.caption.setText(f"{fitted}{note}\n{colour}{b_text}")
        self.plot.setLabel("bottom", "PC 1" if fit.method == "PCA" else "UMAP 1")
        self.plot.setLabel("left", "PC 2" if fit.method == "PCA" else "UMAP 2")

    def _draw_b(self, fit: Fit, row: int) -> str:
        """B's path (the branch, a second checkpoint, a session) in A's fitted plane, dashed; '' without B."""
        comp = self.model.comparison
        if self.model.view.compare_mode == "A" or not fit.bases:
            comp = None  # B is not shown
        key = (id(fit), row, id(comp), comp.holds(int(fit.ts[-1]))) if comp is not None else None
        if key == self._b_for:
            return self._b_text
        self._b_for, self._b_text = key, ""
        for agent, b_line in self.b_lines.items():
            if comp is None:
                b_line.setData([], [])
                continue
            states = comp.unit_window(agent, row, fit.ts)
            xy = fit.bases[agent].project(states)
            b_line.setData(xy[:, 0], xy[:, 1])
        if comp is not None:
            self._b_text = " · " + tr("dashed: {label} in A's plane").format(label=comp.label)
        return self._b_text

    def position(self, agent: int, frame: Frame) -> tuple[float, float] | None:
        """Where ``frame`` puts ``agent`` (the model's row) in the fitted plane; ``None`` if it cannot say."""
        fit = self.fit
        if fit is None or agent not in fit.points:
            return None
        row = min(self.model.view.row, frame.hidden.shape[0] - 1)
        if agent in fit.bases:
            x, y = fit.bases[agent].project(frame.hidden[row, agent])
            return (float(x), float(y)) if np.isfinite(x) and np.isfinite(y) else None
        hit = np.flatnonzero(fit.ts == frame.t)  # UMAP: only the fitted steps have a place
        if not len(hit):
            return None
        x, y = fit.points[agent][hit[0], row]
        return float(x), float(y)

    def drawn_points(self, agent: int) -> np.ndarray:
        """The points drawn for ``agent``'s line, ``(T, 2)`` (what tests and scripts read)."""
        x, y = self.dots[agent].getData()
        return np.column_stack([x, y])

    def _on_click(self, agent: int, points: list) -> None:
        """Go to the clicked point's t; History and Gates follow its agent."""
        if not len(points):
            return
        t = int(points[0].data())
        if not self.model.seek(t):
            said = tr("t = {t} is no longer held in history; Fit again to draw what is").format(t=t)
            self.model.message.emit(said, 6000)
            return
        self.model.set_selection(agent, self.model.view.row)
