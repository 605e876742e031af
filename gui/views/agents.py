"""Agents side by side: how alike the agents' states are at this step, and which units tell them apart.

Top: the agent × agent similarity of what the heatmaps show now (``h_t``, or the
difference, the branch, …: :meth:`StepperModel.picture`), each agent's state
taken as one vector over batch rows and units; correlation or cosine, a choice.
It is redrawn per frame.  Below: the units ranked by how much they separate the
agents against how much they move in time (:func:`~hiddenscope.core.analysis.identity_units`),
over the newest held steps, ranked when the user asks (and the first time the
view is seen), not per frame.  Clicking units in the list marks them in every
view (the model's unit selection).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSettings, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hiddenscope.core.analysis import (
    DEFAULT_THRESHOLD,
    IdentityUnits,
    Selection,
    agent_similarity,
    held_hidden,
    identity_units,
    span_around,
)
from hiddenscope.core.errors import UserError
from hiddenscope.core.history import Frame
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.theme import COLOURS, LEVELS
from hiddenscope.gui.views.side_view import LayoutWidget, SideView
from hiddenscope.gui.widgets.controls import tipped
from hiddenscope.gui.widgets.index_image import IndexImageItem
from hiddenscope.gui.widgets.time_axis import round_spacing

TOP_UNITS = 20
MAX_LABELLED = 12  # with more agents the cells are too small for their numbers
DEFAULT_SPAN = 256


class AgentsView(SideView):
    """The agent × agent similarity at the frame shown, and the units ranked by agent identity."""

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.similarity: np.ndarray | None = None  # the matrix drawn, (n_agents, n_agents)
        self.ranking: IdentityUnits | None = None
        self.ranked_ts = np.zeros(0, int)
        self.left_out: list[int] = []  # agents left out of the ranking: their states held NaN or Inf

        self.metric_box = tipped(QComboBox(), tr("How two agents' states are compared (over batch rows and units)"))
        self.metric_box.addItem(tr("correlation"), "correlation")  # the data, not the text, is the metric
        self.metric_box.setItemData(0, tr("Pearson correlation of the two agents' states"), Qt.ItemDataRole.ToolTipRole)
        self.metric_box.addItem(tr("cosine"), "cosine")
        self.metric_box.setItemData(
            1, tr("Cosine of the angle between them (not centred)"), Qt.ItemDataRole.ToolTipRole
        )
        self.metric_box.currentIndexChanged.connect(lambda _i: self.redraw())
        self.caption = QLabel()
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)

        self.view = LayoutWidget()
        self.view.setBackground("#1e1e1e")
        self.plot = self.view.ci.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.image = IndexImageItem()
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=LEVELS, colorMap=COLOURS.pg_colormap(), interactive=False, width=12)
        self.view.ci.addItem(self.colorbar, row=0, col=1)  # not linked: the image keeps the app's table
        self.cell_texts: list[pg.TextItem] = []
        self._labelled_for = -1
        self.view.scene().sigMouseMoved.connect(self._on_hover)

        self.span_box = tipped(
            QSpinBox(minimum=2, maximum=1_000_000, value=DEFAULT_SPAN, singleStep=64, suffix=" " + tr("steps")),
            tr("Rank the units over the newest this many held steps"),
        )
        self.rank_button = tipped(
            QPushButton(tr("Rank units")), tr("Rank the units over the held steps now (not per frame)")
        )
        self.rank_button.clicked.connect(self.rerank)
        self.rank_caption = QLabel()
        self.rank_caption.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([tr("unit"), tr("ratio"), tr("between agents"), tr("within (time)")])
        for col, tip in enumerate(
            (
                tr("The GRU unit"),
                tr("between ÷ within: large when the unit sits at a different level in each agent but moves little"),
                tr("Variance over agents of each agent's mean over time"),
                tr("Each agent's variance over time, averaged over agents"),
            )
        ):
            header = self.table.horizontalHeaderItem(col)
            assert header is not None  # set by setHorizontalHeaderLabels
            header.setToolTip(tip)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip(tr("Click a unit (Ctrl/Shift: several) to mark it in every view"))
        self.table.itemSelectionChanged.connect(self._on_units_chosen)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Similarity")))
        row.addWidget(self.metric_box)
        row.addLayout(self.save_row())
        top_layout.addLayout(row)
        top_layout.addWidget(self.caption)
        top_layout.addWidget(self.view, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Units that tell agents apart")), 1)
        row.addWidget(self.span_box)
        row.addWidget(self.rank_button)
        bottom_layout.addLayout(row)
        bottom_layout.addWidget(self.rank_caption)
        bottom_layout.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter, 1)
        model.rebuilt.connect(self._forget)
        model.differenceChanged.connect(self.schedule)
        model.comparisonChanged.connect(self.schedule)

    def remember(self, settings: QSettings) -> None:
        """Restore the similarity and span chosen last time, and keep them in ``settings`` from now on."""
        index = self.metric_box.findData(str(settings.value("agents/metric", "correlation")))
        self.metric_box.setCurrentIndex(max(0, index))
        try:
            self.span_box.setValue(int(str(settings.value("agents/span", DEFAULT_SPAN))))
        except (TypeError, ValueError):
            pass
        self.metric_box.currentIndexChanged.connect(
            lambda _i: settings.setValue("agents/metric", self.similarity_metric)
        )
        self.span_box.valueChanged.connect(lambda n: settings.setValue("agents/span", n))

    @property
    def similarity_metric(self) -> Literal["correlation", "cosine"]:
        """The similarity chosen: ``"correlation"`` or ``"cosine"`` (not ``metric``, which is QWidget's)."""
        return "cosine" if self.metric_box.currentData() == "cosine" else "correlation"

    def _forget(self) -> None:
        self.ranking = None
        with QSignalBlocker(self.table):
            self.table.setRowCount(0)

    # -- the similarity matrix (per frame) ------------------------------------------------
    def draw(self, frame: Frame) -> None:
        picture = self.model.picture()
        values, caption = picture.data, picture.caption
        if values is None:  # Step op on an op that is not a hidden state: compare the step's h_t
            values, caption = frame.hidden, f"h_{frame.t}"
        n_agents = values.shape[1]
        if n_agents < 2:
            self.caption.setText(tr("Comparing agents needs at least two agents."))
            self.image.clear()
            return
        self.similarity = agent_similarity(values, self.similarity_metric)
        COLOURS.paint(self.image, self.similarity, LEVELS)
        self.image.setRect(-0.5, -0.5, n_agents, n_agents)
        self._label_axes(n_agents)
        self._write_cells()
        undefined = (
            "\n" + tr("black: undefined (a state holds NaN, or has no spread)")
            if np.isnan(self.similarity).any()
            else ""
        )
        metric = tr(self.similarity_metric)  # "correlation" or "cosine", as the box names them
        self.caption.setText(tr("{metric} of the agents' {name}").format(metric=metric, name=caption) + undefined)
        self.caption.setToolTip(
            tr(
                "Each agent's {name} is one vector of batch rows × units; each cell compares two agents' vectors"
            ).format(name=caption)
        )
        if self.ranking is None:
            self.rerank()
        self._say_if_stale()

    def _label_axes(self, n_agents: int) -> None:
        if n_agents == self._labelled_for:
            return
        self._labelled_for = n_agents
        # Labels side by side need more room than labels one above the other: at most 8 across, 16 down.
        for axis, most in (("bottom", 8), ("left", 16)):
            step = round_spacing(n_agents / most)
            self.plot.getAxis(axis).setTicks([[(i, str(i)) for i in range(0, n_agents, step)]])
        self.plot.setLabel("bottom", tr("agent"))
        self.plot.setLabel("left", tr("agent"))
        self.plot.setRange(xRange=(-0.5, n_agents - 0.5), yRange=(-0.5, n_agents - 0.5), padding=0.02)
        for text in self.cell_texts:
            self.plot.removeItem(text)
        self.cell_texts = []
        if n_agents <= MAX_LABELLED:
            for i in range(n_agents):
                for j in range(n_agents):
                    text = pg.TextItem("", color="#101010", anchor=(0.5, 0.5))
                    text.setPos(j, i)
                    self.plot.addItem(text)
                    self.cell_texts.append(text)

    def _write_cells(self) -> None:
        if not self.cell_texts or self.similarity is None:
            return
        for text, value in zip(self.cell_texts, self.similarity.ravel(), strict=True):
            text.setText("" if np.isnan(value) else f"{value:.2f}")
            # Dark text on the pale middle of the map, light text on its saturated ends.
            text.setColor("#101010" if np.isnan(value) or abs(value) < 0.6 else "#f0f0f0")

    def _on_hover(self, pos) -> None:
        if self.similarity is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        point = self.plot.vb.mapSceneToView(pos)
        i, j = round(point.y()), round(point.x())
        n = len(self.similarity)
        if 0 <= i < n and 0 <= j < n:
            said = tr("{metric} of agents {i} and {j}: {value}").format(
                metric=tr(self.similarity_metric), i=i, j=j, value=f"{self.similarity[i, j]:.4f}"
            )
            self.model.message.emit(said, 4000)

    # -- the identity ranking (on demand) ------------------------------------------------
    def rerank(self) -> bool:
        """Rank the units over the newest held steps; ``False`` (and a caption saying why) when it cannot."""
        stepper = self.model.stepper
        if stepper.config.n_agents < 2:
            self.rank_caption.setText(tr("Ranking units by agent needs at least two agents."))
            return False
        held, span = self.model.bounds(), self.span_box.value()
        if self.model.view.analysis_around:  # View → Analyses around the t shown
            start, stop = span_around(held.first, held.last, self.model.frame.t, span)
        else:
            start, stop = held.last - span + 1, held.last
        ts, hidden = held_hidden(stepper, start=start, stop=stop)
        if len(ts) < 2:
            self.rank_caption.setText(tr("Step at least once: ranking needs two held steps."))
            return False
        # An agent whose window holds NaN or Inf would make every unit's ratio NaN: rank without it.
        finite = np.isfinite(hidden).all(axis=(0, 1, 3))
        self.left_out = [int(a) for a in np.flatnonzero(~finite)]
        if finite.sum() < 2:
            self.ranking = None
            self.table.setRowCount(0)
            self.rank_caption.setText(tr("Fewer than two agents have finite states over these steps: nothing to rank."))
            return False
        try:
            self.ranking = identity_units(hidden[:, :, finite])
        except UserError as exc:
            self.rank_caption.setText(str(exc))
            return False
        self.ranked_ts = ts
        self._fill_table()
        self._say_if_stale()
        return True

    def ranked_units(self) -> list[int]:
        """The units listed, most telling first (what the table shows)."""
        return [self._unit_in_row(r) for r in range(self.table.rowCount())]

    def _unit_in_row(self, row: int) -> int:
        item = self.table.item(row, 0)
        assert item is not None  # _fill_table fills every cell of every row
        return int(item.text())

    def _fill_table(self) -> None:
        ranking = self.ranking
        assert ranking is not None
        top = ranking.order[:TOP_UNITS]
        with QSignalBlocker(self.table):  # refilling is not the user choosing units
            self.table.clearSelection()
            self.table.setRowCount(len(top))
            for r, unit in enumerate(top):
                cells = (str(int(unit)), _number(ranking.ratio[unit]), _number(ranking.between[unit]),
                         _number(ranking.within[unit]))  # fmt: skip
                for c, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def _say_if_stale(self) -> None:
        if self.ranking is None or not len(self.ranked_ts):
            return
        hist = self.model.bounds()
        a, b = int(self.ranked_ts[0]), int(self.ranked_ts[-1])
        newer = "  · " + tr("newer steps held: Rank units again to include them") if b != hist.last else ""
        left_out = ""
        if self.left_out:
            agents = ", ".join(str(agent) for agent in self.left_out)
            many = len(self.left_out) > 1
            left_out = " · " + (
                tr("agents {agents} left out (NaN/Inf)") if many else tr("agent {agents} left out (NaN/Inf)")
            ).format(agents=agents)
        n = len(self.ranking.order)
        top = tr("top {top} of {n} units over t = {first}…{last} (all batch rows)")
        self.rank_caption.setText(top.format(top=min(TOP_UNITS, n), n=n, first=a, last=b) + left_out + newer)

    def selected_units(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        return [self._unit_in_row(r) for r in rows]

    def _on_units_chosen(self) -> None:
        """Mark the chosen units in every view, as a selection (the same the unit selector makes)."""
        units = self.selected_units()
        if not units or self.ranking is None:
            return
        c = self.model.config
        a, b = (int(self.ranked_ts[0]), int(self.ranked_ts[-1])) if len(self.ranked_ts) else (0, 0)
        chosen = Selection(
            np.array(units, np.int64), np.ones(len(units), np.int8), a, b,
            tuple(range(c.n_agents)), tuple(range(c.batch_size)), DEFAULT_THRESHOLD, "positive",
        )  # fmt: skip
        self.model.set_unit_selection(chosen)
        ratios = ", ".join(f"{u} ({_number(self.ranking.ratio[u])})" for u in units)
        self.model.message.emit(
            tr("Marked in every view: unit {units} (between/within ratio)").format(units=ratios), 6000
        )


def _number(value: float) -> str:
    if not np.isfinite(value):
        return "—"
    return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.2e}"
