"""Find similar moments: the (t, batch row, agent) whose active units overlap the selected units most.

The list is made when the selection changes (or on Refresh, as the history grows),
from the held history only (the newest steps that fit the model's analysis budget):
a moment the history no longer holds cannot be found or shown.  Clicking a moment
shows it: the window seeks to its t and the history and gates views follow its
agent and batch row.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hiddenscope.core.analysis import Moment, Selection, newest_held, similar_moments
from hiddenscope.core.history import Frame
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.views.side_view import SideView
from hiddenscope.gui.widgets.controls import tool_button

TOP = 20
COLUMNS = ("t", "batch row", "agent", "Jaccard")  # translated when shown
SHOWN_BRUSH = QBrush(QColor("#ffd54f"))  # the moment on screen now, in the cursor's yellow


class MomentsView(SideView):
    """The top :data:`TOP` moments by Jaccard overlap with the model's unit selection; click one to go there."""

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.moments: list[Moment] = []
        self.caption = QLabel(wordWrap=True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setToolTip(tr("Click a moment to show it: its t, agent and batch row"))
        self.refresh_button = tool_button("↻ " + tr("Refresh"), tr("Search the history held now again"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        row = self.save_row()
        row.insertWidget(0, self.refresh_button)
        layout.addLayout(row)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        self.table.cellClicked.connect(lambda r, _c: self.go_to(r))
        self.table.cellActivated.connect(lambda r, _c: self.go_to(r))
        self.refresh_button.clicked.connect(self.search)
        model.unitSelectionChanged.connect(self.search)
        model.analysisRangeChanged.connect(self.search)  # newest held or around the t shown: search again
        model.rebuilt.connect(self.search)
        self.search()

    def search(self, *_args: object) -> None:
        """Rank the held moments against the model's selection now."""
        chosen = self.model.view.unit_selection
        self.moments = []
        if chosen is None or not len(chosen):
            self.caption.setText(
                tr(
                    "Select units in the History view (drag a time range); the moments whose active units"
                    " overlap them most are listed here."
                )
                if chosen is None
                else tr("The selection keeps no unit: nothing to compare with.")
            )
        else:
            around = self.model.frame.t if self.model.view.analysis_around else None
            ts, hidden = newest_held(self.model.stepper, around=around)
            self.moments = similar_moments(hidden, chosen, top=TOP, ts=ts)
            self.caption.setText(self._caption(chosen, ts))
        self._fill()

    def _caption(self, chosen: Selection, ts) -> str:
        held = f"t = {ts[0]}…{ts[-1]}" if len(ts) else tr("nothing")
        units = ", ".join(map(str, chosen.units[:10])) + ("…" if len(chosen) > 10 else "")
        found = tr("top {n}").format(n=len(self.moments)) if self.moments else tr("no moment shares a unit")
        return tr(
            "Over the held history only ({held}): {found} by Jaccard overlap of the units past"
            " τ = {threshold} with units {units}, leaving out the selection's own range."
        ).format(held=held, found=found, threshold=f"{chosen.threshold:g}", units=units)

    def _fill(self) -> None:
        self.table.setRowCount(len(self.moments))
        for r, m in enumerate(self.moments):
            for c, text in enumerate((str(m.t), str(m.row), str(m.agent), f"{m.score:.3f}")):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
        self._mark_shown()

    def go_to(self, index: int) -> bool:
        """Show moment ``index``: seek to its t and follow its agent and batch row."""
        if not 0 <= index < len(self.moments):
            return False
        m = self.moments[index]
        self.model.set_selection(m.agent, m.row)
        if not self.model.seek(m.t):
            self.model.message.emit(tr("t = {t} is no longer held in history: Refresh the list").format(t=m.t), 6000)
            return False
        return True

    def _mark_shown(self) -> None:
        frame_t, agent, row = self.model.frame.t, self.model.view.agent, self.model.view.row
        for r, m in enumerate(self.moments):
            shown = (m.t, m.agent, m.row) == (frame_t, agent, row)
            for c in range(len(COLUMNS)):
                item = self.table.item(r, c)
                if item is not None:
                    item.setBackground(SHOWN_BRUSH if shown else QBrush())
                    item.setForeground(QBrush(QColor("#000000")) if shown else QBrush())

    def draw(self, frame: Frame) -> None:
        self._mark_shown()
