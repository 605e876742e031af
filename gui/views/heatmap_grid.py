"""The grid of per-agent heatmaps, drawn as one reused mosaic image per frame.

It is a view of a :class:`~hiddenscope.gui.stepper_model.StepperModel`: it draws the
:class:`~hiddenscope.core.picture.Picture` that :meth:`StepperModel.picture` builds for
each frame, op, difference, compare mode and unit order (:attr:`HeatmapGrid.picture`);
saved pictures render the same Picture for the page shown (:meth:`HeatmapGrid.page_picture`).

Each heatmap is ``batch × units`` for one agent: rows are batch entries (top to
bottom), columns are GRU units.  The agents on the current page are tiled into
one buffer of colour indices that is allocated once per layout and filled by a
vectorised lookup, then handed to a single image item: a frame costs one upload
and one paint however many agents are visible.  With many agents the grid pages,
and only the agents on the current page are coloured or drawn.

When a tile has fewer screen pixels than batch rows (1024 rows in a 150-pixel
tile), only the rows that land on a pixel row are coloured: one row in
:attr:`HeatmapGrid.row_stride`, the one at the middle of each pixel row, about
the row Qt's nearest-pixel scaling of the full image would show there.  The
image keeps the grid's cell coordinates (``ImageItem.setRect``), so hovering,
outlines and titles are unchanged; the caption says how many rows are drawn, and
the screenshot (painted from the numbers, not the screen) keeps every row.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QToolButton, QVBoxLayout, QWidget

from hiddenscope.core.errors import UserError
from hiddenscope.core.history import Frame
from hiddenscope.core.picture import Picture
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.theme import BACKGROUND_INDEX, BACKGROUND_RGB, COLOURS, LEVELS, NAN_INDEX
from hiddenscope.gui.views.unit_layout import GridUnitMarks, arranged, display_units
from hiddenscope.gui.widgets.index_image import IndexImageItem
from hiddenscope.gui.widgets.steady_label import CaptionLine

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, exitCleanup=False)

DEFAULT_PER_PAGE = 16
RESET_COLOUR = "#4dd0e1"  # cyan: no value of the colour map is drawn in it
ROWS_NOTE = "\x00rows\x00"  # where the caption says how many rows are drawn


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

    def __init__(self, model: StepperModel, parent: QWidget | None = None, per_page: int = DEFAULT_PER_PAGE) -> None:
        super().__init__(parent)
        self.model = model
        self.per_page = per_page
        self.page = 0
        self.n_agents = 0
        self.picture: Picture | None = None  # what is drawn (all agents; the page is the ones on screen)
        self.values: np.ndarray | None = None  # the picture's values in unit-index order
        self.levels = LEVELS
        self.caption = "h"
        self.draw_count = 0  # agent heatmaps coloured and pushed so far; read by tests and benchmarks
        self._geometry: tuple[int, ...] = ()
        self._mosaic = np.zeros((1, 1), np.uint8)
        # Data rows per image row (1: every row drawn), and per row of tiles the image rows that show
        # batch rows and which batch row each shows (see the module's docstring).
        self.row_stride = 1
        self._cells_high = 0  # the mosaic's height in cells (rows of tiles × (batch + gap))
        self._sampled: list[tuple[np.ndarray | slice, np.ndarray | slice]] = []
        self._titles: list[pg.TextItem] = []
        self._axes_text = ""
        self.has_nonfinite = False  # whether the page shown holds NaN or Inf

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(pg.mkColor(*BACKGROUND_RGB))
        self.view.ci.setContentsMargins(2, 2, 2, 2)
        self.box = self.view.ci.addViewBox(row=0, col=0, enableMouse=False, enableMenu=False, invertY=True)
        self.box.setDefaultPadding(0.0)
        self.box.sigResized.connect(self._on_resized)
        self.image = IndexImageItem()
        self.image.setLookupTable(COLOURS.table)
        self.box.addItem(self.image)
        # A mark in the margin left of each batch row whose episode started with this step (hidden state
        # reset): beside the values, not over them (every row of every tile restarts at once in MPE).
        self.reset_marks = pg.ScatterPlotItem(symbol="t2", size=9, pen=None, brush=pg.mkBrush(RESET_COLOUR))
        self.reset_marks.setZValue(5)
        self.box.addItem(self.reset_marks)
        self.reset_rows: list[int] = []
        # The units in the model's order along an axis under the tiles, the selected ones marked above them.
        self.unit_marks = GridUnitMarks(model, self.box, self.view.ci)
        self.colorbar = pg.ColorBarItem(values=LEVELS, colorMap=COLOURS.pg_colormap(), interactive=False, width=14)
        self.colorbar.getAxis("right").setLabel(tr("value"))
        self.colorbar.getAxis("right").enableAutoSIPrefix(False)  # ±0.5 reads as ±0.5, not ±500 × 0.001
        self.view.ci.addItem(self.colorbar, row=0, col=1)

        self.prev_button, self.next_button = QToolButton(), QToolButton()
        self.prev_button.setText("◀")
        self.prev_button.setToolTip(tr("Previous page of agents (Page Up)"))
        self.next_button.setText("▶")
        self.next_button.setToolTip(tr("Next page of agents (Page Down)"))
        self.page_box = QSpinBox()
        self.page_box.setRange(1, 1)
        self.page_box.setToolTip(tr("Page of agents shown"))
        self.page_label = QLabel()
        # A long caption (an op's explanation) is cut at the grid's edge rather than widening the window.
        self.axes_label = CaptionLine()
        self.prev_button.clicked.connect(lambda: self.set_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.set_page(self.page + 1))
        self.page_box.valueChanged.connect(lambda v: self.set_page(v - 1))

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        bar.addWidget(self.axes_label, 1)
        bar.addSpacing(8)
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
        model.frameChanged.connect(self.update_from_model)
        model.opChanged.connect(self.update_from_model)
        model.differenceChanged.connect(self.update_from_model)
        model.comparisonChanged.connect(self.update_from_model)
        model.unitOrderChanged.connect(self.update_from_model)
        model.unitSelectionChanged.connect(self._draw)
        self.update_from_model()

    def update_from_model(self) -> None:
        """Draw the model's picture now (a frame, its difference, B or B − A, the state after an op)."""
        try:
            picture = self.picture = self.model.picture()
        except UserError as exc:  # a recording's damaged step (h_{t-1} for Difference, say)
            self.axes_label.setText(str(exc))
            self.model.unreadable(str(exc))
            return
        if picture.data is None:  # the memory then is not held: blank tiles, never the last picture drawn
            op = self.model.view.op_index + 1
            self.values = None
            self._mosaic[:] = BACKGROUND_INDEX
            self.image.updateImage(self._mosaic)
            self.has_nonfinite = False
            self.axes_label.setText(tr("after op {op}: {why}").format(op=op, why=picture.why))
        else:
            self.reset_rows = reset_rows_of(self.model.frame)
            self.set_values(picture.data, picture.caption, picture.levels)

    def page_picture(self, agent: int | None = None) -> Picture:
        """The picture of the page shown (or of one agent), titled for saving: what screenshots and figures render."""
        agents = self.visible_agents() if agent is None else [agent]
        t = self.picture.t if self.picture is not None else None
        return self.model.picture(t, agents, self.page_note() if agent is None else "")

    def page_note(self) -> str:
        """What a saved picture's title adds to say which page of agents it shows ('' with one page)."""
        agents = self.visible_agents()
        return f" · agents {agents[0]}–{agents[-1]} of {self.n_agents}" if self.pages > 1 and agents else ""

    # -- layout -----------------------------------------------------------
    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.n_agents / self.per_page))

    def visible_agents(self) -> list[int]:
        start = self.page * self.per_page
        return list(range(start, min(self.n_agents, start + self.per_page)))

    def set_agent_count(self, n_agents: int) -> None:
        if n_agents != self.n_agents:
            self.n_agents = n_agents
            self.page = min(self.page, self.pages - 1)
            self._update_pager()

    def tile_geometry(self, batch: int, units: int) -> tuple[int, int, int, int]:
        """``(cols, rows, gap_x, gap_y)`` of the page's mosaic, in cells."""
        count = max(1, len(self.visible_agents()))
        cols = max(1, math.ceil(math.sqrt(count)))
        rows = max(1, math.ceil(count / cols))
        gap_x = max(2, round(units * 0.04))
        gap_y = max(4, round(batch * 0.2))  # room for the agent's title above each tile
        return cols, rows, gap_x, gap_y

    def tile_origin(self, agent: int) -> tuple[int, int]:
        """Top-left cell ``(x, y)`` of ``agent``'s tile in the mosaic (it must be on this page)."""
        assert self.values is not None
        batch, _, units = self.values.shape
        cols, _, gap_x, gap_y = self.tile_geometry(batch, units)
        i = self.visible_agents().index(agent)
        return (i % cols) * (units + gap_x), (i // cols) * (batch + gap_y) + gap_y

    def _stride_for(self, cells_high: int) -> int:
        """Data rows per image row for a mosaic ``cells_high`` cells tall: 1 unless rows outnumber pixels."""
        pixels = self.box.height() * self.view.devicePixelRatioF()  # the box's height on screen
        return max(1, int(cells_high / pixels)) if pixels >= 1 else 1

    def _ensure_layout(self, batch: int, units: int) -> None:
        agents = self.visible_agents()
        cols, rows, gap_x, gap_y = self.tile_geometry(batch, units)
        cells_high = rows * (batch + gap_y)
        stride = self._stride_for(cells_high)
        geometry = (batch, units, *agents[:1], len(agents), cols, rows, gap_x, gap_y, stride)
        if geometry == self._geometry:
            return
        self._geometry = geometry
        self.row_stride, self._cells_high = stride, cells_high
        image_rows = -(-cells_high // stride)
        self._mosaic = np.full((image_rows, cols * (units + gap_x) - gap_x), BACKGROUND_INDEX, np.uint8)
        self._sampled = []
        for block in range(rows):  # per row of tiles: which image rows show which batch rows
            top = block * (batch + gap_y) + gap_y
            if stride == 1:
                self._sampled.append((slice(top, top + batch), slice(None)))
                continue
            # Image row j covers cells [j·stride, (j+1)·stride) and shows the row at its middle (the first and
            # last image rows of a tile, which reach into the gap, show its first and last rows).
            j = np.arange(top // stride, -(-(top + batch) // stride))
            shown = np.clip(j * stride + stride // 2 - top, 0, batch - 1)
            self._sampled.append((j, shown))
        for title in self._titles:
            self.box.removeItem(title)
        self._titles = []
        for agent in agents:
            x, y = self.tile_origin(agent)
            title = pg.TextItem(tr("agent {agent}").format(agent=agent), color="#d0d0d0", anchor=(0, 1))
            title.setPos(x, y)
            self.box.addItem(title)
            self._titles.append(title)
        # The image spans the same cells however many rows it holds.
        self.image.setImage(self._mosaic, autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(0, 0, self._mosaic.shape[1], image_rows * stride))
        # A margin of one gap on the left: the first column's reset marks sit there, as the others' do in the gaps.
        self.box.setRange(xRange=(-gap_x, self._mosaic.shape[1]), yRange=(0, cells_high), padding=0.0)

    def _on_resized(self) -> None:
        """Draw more or fewer rows when the tiles' height on screen changes."""
        if self.values is not None and self._geometry and self._stride_for(self._cells_high) != self.row_stride:
            self.update_from_model()  # what the model shows now (an op's caption stays an op's caption)

    def set_page(self, page: int) -> None:
        page = max(0, min(self.pages - 1, page))
        if page == self.page:
            return
        self.page = page
        self._update_pager()
        self._draw()
        self.pageChanged.emit(page)

    def _update_pager(self) -> None:
        agents = self.visible_agents()
        many = self.pages > 1
        for w in (self.prev_button, self.next_button, self.page_box):
            w.setVisible(many)
        with QSignalBlocker(self.page_box):
            self.page_box.setMaximum(self.pages)
            self.page_box.setValue(self.page + 1)
        self.prev_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.pages - 1)
        if agents:
            self.page_label.setText(
                tr("agents {first}–{last} of {n}").format(first=agents[0], last=agents[-1], n=self.n_agents)
                if many
                else tr("{n} agents").format(n=self.n_agents)
            )

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
        rows = tr("rows = batch 0–{last} (top→bottom{note})").format(last=batch - 1, note=ROWS_NOTE)
        columns = tr("columns = units 0–{last}").format(last=units - 1)
        self._axes_text = f"{caption}: {rows}, {columns}"
        self._draw()

    def _draw(self) -> None:
        if self.values is None:
            return
        agents = self.visible_agents()
        if not agents:
            return
        batch, _, units = self.values.shape
        self._ensure_layout(batch, units)
        cols, _, gap_x, _ = self.tile_geometry(batch, units)
        shown = self.values[:, agents[0] : agents[-1] + 1, :]  # (batch, k, units)
        for block, (image_rows, data_rows) in enumerate(self._sampled):
            first = block * cols
            if first >= len(agents):
                break
            # Only the rows drawn are coloured, in the model's unit order.
            index = COLOURS.index(shown[data_rows, first : first + cols], self.levels)
            index = arranged(index, self._order())
            for i in range(index.shape[1]):
                x = i * (units + gap_x)
                self._mosaic[image_rows, x : x + units] = index[:, i]
        # uint8 colour indices through a 256-entry table, drawn as 32-bit RGB (see index_image).
        self.image.updateImage(self._mosaic)
        self.draw_count += len(agents)
        # Every value counts here, drawn or not: a NaN in a row between two drawn ones is still reported
        # (and a finite value too large for the colour scale, drawn black, where it is drawn).
        self.has_nonfinite = not bool(np.isfinite(shown).all()) or bool((self._mosaic == NAN_INDEX).any())
        warning = "   ⚠ " + tr("NaN/Inf values drawn black") if self.has_nonfinite else ""
        self._draw_reset_marks(agents, batch, units)
        self.unit_marks.place([self.tile_origin(a) for a in agents], units, self._titles)
        caption = self._axes_text.replace(ROWS_NOTE, self._rows_text()) + self.unit_marks.caption()
        self.axes_label.setText(self._reset_text() + caption + warning)

    def _order(self) -> np.ndarray | None:
        """The picture's unit order (``None``: by index)."""
        order = self.picture.order if self.picture is not None else None
        return None if order is None else order.order

    def _rows_text(self) -> str:
        if self.row_stride == 1 or self.values is None:
            self.axes_label.setToolTip("")
            return ""
        self.axes_label.setToolTip(
            tr(
                "The tiles are shorter than their {rows} rows: each pixel row shows one row of the"
                " {stride} it covers. Hover any cell for its own value; make the window taller to draw more"
                " rows; screenshots always hold every row."
            ).format(rows=self.values.shape[0], stride=self.row_stride)
        )
        return tr("; 1 in {stride} drawn at this size").format(stride=self.row_stride)

    def _draw_reset_marks(self, agents: list[int], batch: int, units: int) -> None:
        rows = [r for r in self.reset_rows if r < batch]
        if not rows:
            self.reset_marks.setData([], [])
            self.reset_marks.setVisible(False)  # an empty scatter item still costs a paint every frame
            return
        _, _, gap_x, _ = self.tile_geometry(batch, units)
        origins = np.array([self.tile_origin(agent) for agent in agents], float)  # (tiles, 2)
        ys = origins[:, 1, None] + np.asarray(rows, float)[None, :] + 0.5  # (tiles, rows): each row's middle
        xs = np.broadcast_to(origins[:, 0, None] - gap_x / 2, ys.shape)  # in the gap left of the tile
        self.reset_marks.setData(xs.ravel(), ys.ravel())
        self.reset_marks.setVisible(True)

    def _reset_text(self) -> str:
        if not self.reset_rows:
            return ""
        which = tr("▶ new episode in row {rows} (h reset to init_hidden)")
        if len(self.reset_rows) != 1:
            which = tr("▶ new episode in rows {rows} (h reset to init_hidden)")
        return which.format(rows=row_ranges(self.reset_rows)) + " · "

    def shown_values(self, agent: int) -> np.ndarray | None:
        """The numbers behind agent ``agent``'s heatmap, ``(batch, units)``; ``None`` if not on this page."""
        if self.values is None or agent not in self.visible_agents():
            return None
        return self.values[:, agent, :]

    def shown_rgb(self, agent: int) -> np.ndarray | None:
        """The colours drawn for ``agent``'s heatmap, ``(batch, units, 3)``, read from the image item.

        Its columns are in display order: ``model.view.unit_order`` when the units are ordered.  Row r
        gets the colours of the image row it falls in (with :attr:`row_stride` above 1, a row
        near it is the one drawn there).
        """
        if self.values is None or agent not in self.visible_agents():
            return None
        batch, _, units = self.values.shape
        x, y = self.tile_origin(agent)
        rows = (y + np.arange(batch)) // self.row_stride  # the image row each batch row is drawn in
        return self.image.lut[self.image.image[rows, x : x + units]]

    # -- mouse ------------------------------------------------------------
    def cell_at(self, scene_pos: QPointF) -> tuple[int, int, int] | None:
        """``(agent, batch row, unit)`` under a scene position, or ``None`` (a gap, off the grid)."""
        if self.values is None or not self.box.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.box.mapSceneToView(scene_pos)
        batch, _, units = self.values.shape
        cols, _, gap_x, gap_y = self.tile_geometry(batch, units)
        x, y = math.floor(point.x()), math.floor(point.y())
        if x < 0 or y < 0:
            return None
        col, unit = divmod(x, units + gap_x)
        row_block, inside = divmod(y, batch + gap_y)
        row = inside - gap_y
        index = row_block * cols + col
        agents = self.visible_agents()
        if col >= cols or unit >= units or row < 0 or index >= len(agents):
            return None
        return agents[index], row, int(display_units(self.model, units)[unit])  # the real unit, in any order

    def describe(self, agent: int, row: int, unit: int) -> str:
        assert self.values is not None
        value = float(self.values[row, agent, unit])
        text = tr("agent {agent} · batch row {row} · unit {unit} · {name} = {value}").format(
            agent=agent, row=row, unit=unit, name=self.caption, value=f"{value:+.4f}"
        )
        if row in self.reset_rows:
            text += " · " + tr("a new episode started in this row (h reset to init_hidden)")
        return text

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        cell = self.cell_at(scene_pos)
        text = self.describe(*cell) if cell else ""
        self.view.setToolTip(text)
        self.hovered.emit(text)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.RightButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            event.accept()
            self.agentMenuRequested.emit(cell[0], event.screenPos())


def reset_rows_of(frame: Frame) -> list[int]:
    """Batch rows whose hidden state went back to ``init_hidden`` before step ``frame.t``.

    Every row starts an episode at t = 1, from the initial state itself; only later
    starts are a reset of a state the row had built up.
    """
    episode = frame.episode
    if episode is None or frame.t <= 1:
        return []
    return [int(r) for r in np.flatnonzero(episode.start)]


def row_ranges(rows: list[int]) -> str:
    """``[0, 1, 2, 5]`` as ``"0–2, 5"``."""
    parts: list[str] = []
    start = prev = rows[0]
    for row in [*rows[1:], None]:
        if row is not None and row == prev + 1:
            prev = row
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if row is not None:
            start = prev = row
    return ", ".join(parts)
