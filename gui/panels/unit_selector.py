"""Select units the LSTMVis way: drag a time range on the history view, keep the units past τ across it.

:class:`TimeRangeBox` is the history plot's view box: a left-button drag on it
draws a time range.  :class:`UnitSelector` is the row of controls under the plot
(agents, batch rows, τ, sign) and the range itself, a ``LinearRegionItem`` the
user can move or stretch afterwards.  Whenever the range or a control changes,
it asks the model to select the units again (:meth:`StepperModel.select_units`),
and every view marks the ones kept.
"""

from __future__ import annotations

import math
import re

import pyqtgraph as pg
from PySide6.QtCore import QSettings, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hiddenscope.core.analysis import DEFAULT_THRESHOLD, Selection
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.views.unit_layout import SELECTED_COLOUR
from hiddenscope.gui.widgets.controls import tipped, tool_button

# (data, what the combo shows: translated when shown)
SIGNS = (("positive", "above τ"), ("negative", "below −τ"), ("both", "either side"))
AGENT_CHOICES = (("followed", "this agent"), ("all", "all agents"), ("list", "these agents:"))
ROW_CHOICES = (("followed", "this batch row"), ("all", "all batch rows"))
_ITEM = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")


class TimeRangeBox(pg.ViewBox):
    """A view box that turns a left-button drag into a time range instead of panning."""

    rangeDragged = Signal(float, float, bool)  # (from x, to x, whether the drag finished)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        a = self.mapSceneToView(ev.buttonDownScenePos()).x()
        b = self.mapSceneToView(ev.scenePos()).x()
        self.rangeDragged.emit(min(a, b), max(a, b), bool(ev.isFinish()))


def parse_agents(text: str, n_agents: int) -> list[int]:
    """``"0-2, 4"`` → ``[0, 1, 2, 4]``; a ``ValueError`` that says what is wrong."""
    found: set[int] = set()
    for item in text.split(","):
        if not item.strip():
            continue
        match = _ITEM.match(item)
        if match is None:
            raise ValueError(tr("agents: {item} is not N or A-B (e.g. 0-2, 4)").format(item=repr(item.strip())))
        lo = int(match.group(1))
        hi = int(match.group(2)) if match.group(2) is not None else lo
        if hi < lo:
            raise ValueError(tr("agents: {item} runs backwards").format(item=repr(item.strip())))
        if hi >= n_agents:
            raise ValueError(tr("agents: {agent} is out of range (0–{last})").format(agent=hi, last=n_agents - 1))
        found.update(range(lo, hi + 1))
    if not found:
        raise ValueError(tr("agents: name at least one agent, e.g. 0-2, 4"))
    return sorted(found)


def selection_text(chosen: Selection | None) -> str:
    """One line on what a selection kept."""
    if chosen is None:
        return tr("Drag a time range on the plot to select the units that stay past τ across it.")
    where = f"t = {chosen.start}…{chosen.stop} · {_few('agent', chosen.agents)} · {_few('row', chosen.rows)}"
    side = {"positive": f"> {chosen.threshold:g}", "negative": f"< −{chosen.threshold:g}"}.get(
        chosen.sign, tr("beyond ±{threshold}").format(threshold=f"{chosen.threshold:g}")
    )
    if not len(chosen):
        return tr("No unit stays {side} over {where}.").format(side=side, where=where)
    units = ", ".join(f"{u}{'' if s > 0 else '⁻'}" for u, s in zip(chosen.units[:12], chosen.signs[:12], strict=True))
    more = tr(" and {n} more").format(n=len(chosen) - 12) if len(chosen) > 12 else ""
    stay = tr("1 unit stay {side} over {where}: {units}") if len(chosen) == 1 else ""
    stay = stay or tr("{n} units stay {side} over {where}: {units}")
    return "▶ " + stay.format(n=len(chosen), side=side, where=where, units=units + more)


def _few(what: str, items: tuple[int, ...]) -> str:
    one, many = (
        (tr("agent {items}"), tr("agents {items}")) if what == "agent" else (tr("row {items}"), tr("rows {items}"))
    )
    if len(items) == 1:
        return one.format(items=items[0])
    if list(items) == list(range(items[0], items[-1] + 1)):
        return many.format(items=f"{items[0]}–{items[-1]}")
    return many.format(items=",".join(map(str, items[:6])) + ("…" if len(items) > 6 else ""))


class UnitSelector(QWidget):
    """The range on the history plot and the controls of what to keep in it."""

    def __init__(self, model: StepperModel, plot: pg.PlotItem, box: TimeRangeBox) -> None:
        super().__init__()
        self.model = model
        self.settings: QSettings | None = None
        self.region = pg.LinearRegionItem(
            orientation="vertical",
            brush=pg.mkBrush(0, 230, 118, 22),
            pen=pg.mkPen(SELECTED_COLOUR, width=2),
            hoverBrush=pg.mkBrush(0, 230, 118, 70),
        )
        self.region.setZValue(8)
        self.region.setToolTip(tr("The time range units are selected over: drag it, or drag its edges"))
        self.region.hide()
        plot.addItem(self.region)
        self.span: tuple[int, int] | None = None
        self.made: Selection | None = None  # the last selection made here
        self._selecting = False

        self.agents_box = tipped(
            QComboBox(),
            tr(
                "Which agents a unit must stay past τ in (this agent: the one History follows as you drag;"
                " the selection stays when History moves on)"
            ),
        )
        for key, text in AGENT_CHOICES:
            self.agents_box.addItem(tr(text), key)
        self.agents_edit = tipped(QLineEdit(placeholderText="0-2, 4"), tr("Agents, e.g. 0-2, 4"))
        self.agents_edit.setMaximumWidth(80)
        self.agents_edit.setEnabled(False)
        self.rows_box = tipped(QComboBox(), tr("Which batch rows a unit must stay past τ in"))
        for key, text in ROW_CHOICES:
            self.rows_box.addItem(tr(text), key)
        self.threshold_box = QDoubleSpinBox(
            minimum=0.0, maximum=10.0, singleStep=0.05, decimals=2, value=DEFAULT_THRESHOLD, prefix="τ = "
        )
        self.threshold_box.setToolTip(
            tr("Keep the units whose value stays past this threshold at every step of the range")
        )
        self.sign_box = tipped(
            QComboBox(), tr("Keep units that stay above τ, below −τ, or either (one side throughout)")
        )
        for key, text in SIGNS:
            self.sign_box.addItem(tr(text), key)
        self.clear_button = tool_button(tr("Clear"), tr("Forget the range and the selected units (Esc)"))
        self.clear_button.setShortcut("Esc")
        self.result = QLabel(selection_text(None), wordWrap=True)
        self.result.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        where = QHBoxLayout()  # two short rows, so the dock need not be wide
        where.setContentsMargins(0, 0, 0, 0)
        where.addWidget(QLabel(tr("Select units in")))
        where.addWidget(self.agents_box)
        where.addWidget(self.agents_edit)
        where.addWidget(self.rows_box)
        where.addStretch(1)
        keep = QHBoxLayout()
        keep.setContentsMargins(0, 0, 0, 0)
        keep.addWidget(QLabel(tr("that stay")))
        keep.addWidget(self.sign_box)
        keep.addWidget(self.threshold_box)
        keep.addStretch(1)
        keep.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(where)
        layout.addLayout(keep)
        layout.addWidget(self.result)

        box.rangeDragged.connect(self._on_drag)
        self.region.sigRegionChangeFinished.connect(self._on_region_moved)
        self.agents_box.currentIndexChanged.connect(self._on_agents_choice)
        self.agents_edit.editingFinished.connect(self.select)
        self.rows_box.currentIndexChanged.connect(self.select)
        self.threshold_box.valueChanged.connect(self._on_threshold)
        self.sign_box.currentIndexChanged.connect(self.select)
        self.clear_button.clicked.connect(self.clear)
        model.unitSelectionChanged.connect(self._on_selection)

    def use_settings(self, settings: QSettings) -> None:
        """Remember τ and the sign in ``settings`` (and take what it remembers now)."""
        self.settings = settings
        try:
            threshold = float(str(settings.value("analysis/threshold", DEFAULT_THRESHOLD)))
        except (TypeError, ValueError):
            threshold = DEFAULT_THRESHOLD
        sign = self.sign_box.findData(str(settings.value("analysis/sign", "positive")))
        with QSignalBlocker(self.threshold_box), QSignalBlocker(self.sign_box):
            self.threshold_box.setValue(threshold)
            self.sign_box.setCurrentIndex(max(0, sign))

    # -- the range ----------------------------------------------------------
    def set_span(self, start: int, stop: int) -> None:
        """Select over timesteps ``start..stop`` (what a drag from ``start`` to ``stop`` does)."""
        start, stop = min(start, stop), max(start, stop)
        self.span = (start, stop)
        with QSignalBlocker(self.region):
            self.region.setRegion((start - 0.5, stop + 0.5))
        self.region.show()
        self.select()

    def _on_drag(self, a: float, b: float, finished: bool) -> None:
        start, stop = round(a), round(b)
        with QSignalBlocker(self.region):
            self.region.setRegion((start - 0.5, stop + 0.5))
        self.region.show()
        if finished:
            self.set_span(start, stop)

    def _on_region_moved(self) -> None:
        lo, hi = self.region.getRegion()
        start, stop = math.ceil(lo), math.floor(hi)  # the steps whose cells the range covers past their middle
        if stop < start:
            stop = start = round((lo + hi) / 2)
        if (start, stop) != self.span:
            self.set_span(start, stop)

    # -- the controls ---------------------------------------------------------
    def _on_agents_choice(self) -> None:
        listing = self.agents_box.currentData() == "list"
        self.agents_edit.setEnabled(listing)
        if listing and not self.agents_edit.text():
            self.agents_edit.setText(str(self.model.view.agent))
        self.select()

    def _on_threshold(self, value: float) -> None:
        if self.settings is not None:
            self.settings.setValue("analysis/threshold", value)
        self.select()

    def chosen_agents(self) -> list[int] | None:
        key = self.agents_box.currentData()
        if key == "all":
            return None
        if key == "list":
            return parse_agents(self.agents_edit.text(), self.model.config.n_agents)
        return [self.model.view.agent]

    def select(self) -> Selection | None:
        """Select the units again for the range and the controls as they are now."""
        if self.settings is not None:
            self.settings.setValue("analysis/sign", self.sign_box.currentData())
        if self.span is None:
            return None
        try:
            agents = self.chosen_agents()
        except ValueError as exc:
            self.model.message.emit(tr("Select units: {why}").format(why=exc), 8000)
            self.result.setText(f"⚠ {exc}")
            return None
        rows = None if self.rows_box.currentData() == "all" else [self.model.view.row]
        start, stop = self.span
        self._selecting = True
        try:
            self.made = self.model.select_units(
                start, stop, agents, rows, self.threshold_box.value(), self.sign_box.currentData()
            )
        finally:
            self._selecting = False
        self._on_selection(self.made)
        return self.made

    def _on_selection(self, chosen: Selection | None) -> None:
        if chosen is None and not self._selecting:  # cleared elsewhere (a rebuild): the range goes too
            self.span = None
            self.region.hide()
        if chosen is not None and not self._selecting and chosen is not self.made:
            # Units marked in another view (the Agents view's ranking): this range no longer made them.
            self.span = None
            self.region.hide()
            units = ", ".join(map(str, chosen.units[:12])) + ("…" if len(chosen) > 12 else "")
            self.result.setText(
                tr("Units marked from another view: {units}. Drag a range to select here.").format(units=units)
            )
        else:
            self.result.setText(selection_text(chosen))

    def clear(self) -> None:
        self.span = None
        self.region.hide()
        self.model.set_unit_selection(None)
