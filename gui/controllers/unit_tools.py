"""The unit tools of the main window (issue 11, part 1): order units, select units, similar moments.

* :class:`UnitOrderBar` is a toolbar with the one unit-ordering choice (index, mean
  activation, variance over time, mean ``|Δh|``, clustering) and Re-order; the same
  choices are a View ▸ Order units menu.  The order is computed once per choice, from
  the held history (:meth:`StepperModel.set_unit_order`), not every frame: Re-order
  (Ctrl+U) computes it again from what is held now.  The choice is remembered.
* :func:`add_unit_tools` builds the bar and the Similar moments view, docked on a
  :class:`~hiddenscope.gui.dock_host.DockHost`; the window puts the bar and its menu in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings, QSignalBlocker, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QMenu, QToolBar

from hiddenscope.core.analysis import ORDERINGS
from hiddenscope.core.picture import ORDER_NAMES
from hiddenscope.gui.controllers.files import FileActions
from hiddenscope.gui.dock_host import DockHost
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.views.similar_moments import MomentsView
from hiddenscope.gui.widgets.controls import tipped

ORDER_TIPS = {  # translated when shown
    "index": "Units in index order 0, 1, 2, …",
    "mean": "Highest mean activation over the held history first",
    "variance": "Most variance over time first (per agent and batch row, averaged)",
    "change": "Largest mean |h_t − h_t−1| first: the units that move most from step to step",
    "cluster": "Average-linkage clustering of the units' time courses: units that move together side by side",
}


class UnitOrderBar(QToolBar):
    """Order units: a combo box, Re-order, and a menu of the same choices for the View menu."""

    def __init__(self, model: StepperModel, settings: QSettings) -> None:
        super().__init__(tr("Unit order"))
        self.setObjectName("unit_order")
        self.model = model
        self.settings = settings
        self.combo = tipped(QComboBox(), tr("How the heatmaps, History and Gates lay out the units"))
        for i, by in enumerate(ORDERINGS):
            self.combo.addItem(tr(ORDER_NAMES[by]), by)  # the data, not the text, is the order
            self.combo.setItemData(i, tr(ORDER_TIPS[by]), Qt.ItemDataRole.ToolTipRole)
        self.reorder_action = QAction(tr("Re-order"), self)
        self.reorder_action.setShortcut(QKeySequence("Ctrl+U"))
        self.reorder_action.setToolTip(tr("Compute the unit order again from the history held now (Ctrl+U)"))
        self.menu = QMenu(tr("Order units"), self)
        self.menu.setToolTipsVisible(True)
        self.group = QActionGroup(self)
        self.menu_actions: dict[str, QAction] = {}
        for by in ORDERINGS:
            action = self.menu.addAction(tr(ORDER_NAMES[by]))
            action.setCheckable(True)
            action.setToolTip(tr(ORDER_TIPS[by]))
            action.triggered.connect(lambda _checked=False, by=by: self.choose(by))
            self.group.addAction(action)
            self.menu_actions[by] = action
        self.menu.addSeparator()
        self.menu.addAction(self.reorder_action)
        self.addWidget(QLabel(f" {tr('Order units')} "))
        self.addWidget(self.combo)
        self.addAction(self.reorder_action)
        self.combo.currentIndexChanged.connect(lambda _i: self.choose(self.combo.currentData()))
        self.reorder_action.triggered.connect(lambda: self.choose(self.model.view.unit_order_by))
        model.unitOrderChanged.connect(self._show_choice)
        remembered = str(settings.value("analysis/order", "index"))
        self.choose(remembered if remembered in ORDERINGS else "index")

    def choose(self, by: str) -> bool:
        """Order the units by ``by`` from the held history now, and remember the choice."""
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # clustering many units takes a moment
        try:
            ok = self.model.set_unit_order(by)
        finally:
            QGuiApplication.restoreOverrideCursor()
        if ok:
            self.settings.setValue("analysis/order", by)
            if by != "index":
                span = self.model.view.unit_order_span
                said = tr("Units ordered by {order} over {span}; Ctrl+U re-orders")
                self.model.message.emit(said.format(order=tr(ORDER_NAMES[by]), span=span), 5000)
        return ok

    def _show_choice(self, *_args: object) -> None:
        by = self.model.view.unit_order_by
        with QSignalBlocker(self.combo):  # the model already knows: no echo back to it
            self.combo.setCurrentIndex(max(0, self.combo.findData(by)))
        self.menu_actions[by].setChecked(True)


@dataclass(frozen=True)
class UnitTools:
    """What :func:`add_unit_tools` built: the Order units bar and the Similar moments view in its dock."""

    order_bar: UnitOrderBar
    moments_view: MomentsView
    moments_dock: QDockWidget


def add_unit_tools(host: DockHost, model: StepperModel, settings: QSettings, files: FileActions) -> UnitTools:
    """The Order units bar and the Similar moments dock (docked on ``host``, right); the window places the bar."""
    order_bar = UnitOrderBar(model, settings)
    moments_view = MomentsView(model)
    moments_dock = host.add_dock(tr("Moments"), "moments", moments_view, Qt.DockWidgetArea.RightDockWidgetArea)
    moments_dock.visibilityChanged.connect(moments_view.draw_soon)

    def say_where(chosen: object) -> None:
        # A dock never opens or comes to the front by itself: a new selection says where its moments are.
        if chosen is not None and not moments_dock.isVisible():
            model.message.emit(tr("The selected units' similar moments are in the Moments tab"), 6000)

    model.unitSelectionChanged.connect(say_where)
    moments_view.saveRequested.connect(lambda: files.save_view(moments_view, "moments"))
    return UnitTools(order_bar, moments_view, moments_dock)
