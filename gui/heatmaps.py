"""The grid of per-agent heatmaps: one reused ``ImageItem`` per visible agent.

Each heatmap is ``batch × units`` for one agent: rows are batch entries (top to
bottom), columns are GRU units.  With many agents the grid pages, and only the
agents on the current page are drawn.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QToolButton, QVBoxLayout, QWidget

from .look import LEVELS, colormap

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, exitCleanup=False)

DEFAULT_PER_PAGE = 16


class HeatmapGrid(QWidget):
    """Shows ``values[:, agent, :]`` for every agent on the current page.

    Signals
    -------
    hovered(str)
        A one-line description of the cell under the mouse ('' when none).
    agentMenuRequested(int, QPointF)
        Right click on an agent's heatmap, with the global position.
    pageChanged(int)
    """

    hovered = Signal(str)
    agentMenuRequested = Signal(int, QPointF)
    pageChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None, per_page: int = DEFAULT_PER_PAGE) -> None:
        super().__init__(parent)
        self.per_page = per_page
        self.page = 0
        self.n_agents = 0
        self.values: np.ndarray | None = None
        self.levels = LEVELS
        self.caption = "h"
        self._plots: list[pg.PlotItem] = []
        self._images: list[pg.ImageItem] = []
        self.draw_count = 0  # how many agent images have been pushed; read by tests and benchmarks

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("#1e1e1e")
        self.view.ci.setSpacing(6)
        self.colorbar = pg.ColorBarItem(values=LEVELS, colorMap=colormap(), interactive=False, width=14)
        self.colorbar.getAxis("right").setLabel("value")

        self.prev_button = QToolButton(text="◀", toolTip="Previous page of agents (Page Up)")
        self.next_button = QToolButton(text="▶", toolTip="Next page of agents (Page Down)")
        self.page_box = QSpinBox(minimum=1, maximum=1, toolTip="Page of agents shown")
        self.page_label = QLabel()
        self.axes_label = QLabel()
        self.prev_button.clicked.connect(lambda: self.set_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.set_page(self.page + 1))
        self.page_box.valueChanged.connect(lambda v: self.set_page(v - 1))

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        bar.addWidget(self.axes_label, 1)
        bar.addWidget(self.page_label)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.page_box)
        bar.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        self.view.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.view.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # -- layout -----------------------------------------------------------
    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.n_agents / self.per_page))

    def visible_agents(self) -> list[int]:
        start = self.page * self.per_page
        return list(range(start, min(self.n_agents, start + self.per_page)))

    def set_agent_count(self, n_agents: int) -> None:
        if n_agents == self.n_agents and self._plots:
            return
        self.n_agents = n_agents
        self.page = min(self.page, self.pages - 1)
        self._build_plots()

    def _build_plots(self) -> None:
        self.view.ci.clear()
        self._plots.clear()
        self._images.clear()
        count = len(self.visible_agents())
        cols = max(1, math.ceil(math.sqrt(count)))
        rows = max(1, math.ceil(count / cols))
        for i in range(count):
            plot = self.view.ci.addPlot(row=i // cols, col=i % cols)
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            plot.invertY(True)
            plot.getViewBox().setDefaultPadding(0.0)
            image = pg.ImageItem()
            plot.addItem(image)
            self._plots.append(plot)
            self._images.append(image)
        self.view.ci.addItem(self.colorbar, row=0, col=cols, rowspan=rows)
        self.colorbar.setImageItem(self._images)
        self._update_pager()

    def set_page(self, page: int) -> None:
        page = max(0, min(self.pages - 1, page))
        if page == self.page:
            return
        old_count = len(self.visible_agents())
        self.page = page
        if len(self.visible_agents()) != old_count:
            self._build_plots()
        else:
            self._update_pager()
        self._draw()
        self.pageChanged.emit(page)

    def _update_pager(self) -> None:
        agents = self.visible_agents()
        many = self.pages > 1
        for w in (self.prev_button, self.next_button, self.page_box):
            w.setVisible(many)
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(self.pages)
        self.page_box.setValue(self.page + 1)
        self.page_box.blockSignals(False)
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.pages - 1)
        if agents:
            self.page_label.setText(
                f"agents {agents[0]}–{agents[-1]} of {self.n_agents}" if many else f"{self.n_agents} agents"
            )
        for plot, agent in zip(self._plots, agents):
            plot.setTitle(f"agent {agent}", size="9pt", color="#d0d0d0")

    # -- data -------------------------------------------------------------
    def set_values(self, values: np.ndarray, caption: str = "h", levels: tuple[float, float] = LEVELS) -> None:
        """Show ``values`` shaped ``(batch, n_agents, units)``."""
        self.values = values
        self.caption = caption
        if levels != self.levels:
            self.levels = levels
            self.colorbar.setLevels(levels)
        self.set_agent_count(values.shape[1])
        batch, _, units = values.shape
        self.axes_label.setText(f"{caption}: rows = batch 0–{batch - 1} (top→bottom), columns = units 0–{units - 1}")
        self._draw()

    def _draw(self) -> None:
        if self.values is None:
            return
        for image, agent in zip(self._images, self.visible_agents()):
            image.setImage(self.values[:, agent, :], autoLevels=False, levels=self.levels)
            self.draw_count += 1

    def image_for(self, agent: int) -> pg.ImageItem | None:
        agents = self.visible_agents()
        return self._images[agents.index(agent)] if agent in agents else None

    # -- mouse ------------------------------------------------------------
    def _agent_at(self, scene_pos: QPointF) -> tuple[int, pg.PlotItem] | None:
        for plot, agent in zip(self._plots, self.visible_agents()):
            if plot.sceneBoundingRect().contains(scene_pos):
                return agent, plot
        return None

    def describe(self, agent: int, row: int, unit: int) -> str:
        assert self.values is not None
        value = float(self.values[row, agent, unit])
        return f"agent {agent} · batch row {row} · unit {unit} · {self.caption} = {value:+.4f}"

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self._agent_at(scene_pos)
        if hit is None or self.values is None:
            self.hovered.emit("")
            return
        agent, plot = hit
        point = plot.getViewBox().mapSceneToView(scene_pos)
        unit, row = int(math.floor(point.x())), int(math.floor(point.y()))
        batch, _, units = self.values.shape
        if 0 <= row < batch and 0 <= unit < units:
            text = self.describe(agent, row, unit)
            self.view.setToolTip(text)
            self.hovered.emit(text)
        else:
            self.hovered.emit("")

    def _on_mouse_clicked(self, event) -> None:  # noqa: ANN001
        if event.button() != Qt.MouseButton.RightButton:
            return
        hit = self._agent_at(event.scenePos())
        if hit is not None:
            event.accept()
            self.agentMenuRequested.emit(hit[0], event.screenPos())
