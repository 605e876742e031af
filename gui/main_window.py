"""The main window: it composes the views, docks, menus and actions, and draws nothing itself.

Every view is built on the one :class:`~hiddenscope.gui.stepper_model.StepperModel` and
renders what it says; Play is a :class:`~hiddenscope.gui.controllers.play.PlayController`;
saving and loading is :class:`~hiddenscope.gui.controllers.files.FileActions`.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QPointF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabBar,
    QToolBar,
    QWidget,
)

from hiddenscope.core.config import Config
from hiddenscope.core.history import Frame
from hiddenscope.core.stepper import BaseStepper
from hiddenscope.gui.controllers.actions import WindowActions, make_actions
from hiddenscope.gui.controllers.analysis_docks import add_analysis_docks
from hiddenscope.gui.controllers.compare import CompareControls
from hiddenscope.gui.controllers.files import FileActions
from hiddenscope.gui.controllers.play import CLOSE_WAIT_S, PlayController
from hiddenscope.gui.controllers.sessions import SessionControls
from hiddenscope.gui.controllers.status_line import StatusLine
from hiddenscope.gui.controllers.unit_tools import UnitOrderBar, add_unit_tools
from hiddenscope.gui.i18n import LANGUAGES, tr
from hiddenscope.gui.panels.configuration import ConfigPanel
from hiddenscope.gui.panels.edit_memory import EditPanel
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.theme import icon
from hiddenscope.gui.views.agents import AgentsView
from hiddenscope.gui.views.gates_and_summary import GatesView, SummaryView
from hiddenscope.gui.views.heatmap_grid import HeatmapGrid
from hiddenscope.gui.views.shape_trace import ShapePanel
from hiddenscope.gui.views.side_view import SideView
from hiddenscope.gui.views.similar_moments import MomentsView
from hiddenscope.gui.views.trajectories import TrajectoryView
from hiddenscope.gui.views.unit_history import HistoryView
from hiddenscope.gui.widgets.timeline import Timeline

SHAPE_DOCK_HEIGHT = 250  # the shape trace's dock in a new window: room for its table
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum size"


class MainWindow(QMainWindow):
    """hiddenscope's window on a :class:`Stepper`."""

    frameDrawn = Signal(int)  # every view has been handed timestep t

    def __init__(self, stepper: BaseStepper, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings()
        self.setWindowTitle("hiddenscope")
        self.setWindowIcon(icon("app"))
        self.model = StepperModel(stepper, self)
        # Built before the views, so it hears of each frame first and the worker
        # computes the next step while the views draw this one.
        self.play_controller = PlayController(self.model, parent=self)
        self.grid = HeatmapGrid(self.model)
        self.setCentralWidget(self.grid)
        self.shape_panel = ShapePanel(self.model)
        self.history_view = HistoryView(self.model)
        self.gates_view = GatesView(self.model)
        self.summary_view = SummaryView(self.model)
        self.config_panel = ConfigPanel(self.model)
        self.files = FileActions(self, self.model, self.grid, self.settings)
        self.compare = CompareControls(self, self.model, self.settings)
        self.frames_drawn = 0
        self.acts: WindowActions = make_actions(self, self.model, self.play_controller, self.files, self.grid)
        self.sessions = SessionControls(
            self,
            self.model,
            self.grid,
            self.files,
            self.settings,
            live_only=[*self.acts.live_only(), self.config_panel],
        )
        self._make_toolbars()
        self._make_menus()
        self._make_docks()
        self._add_unit_tools()  # Order units, Select units' remembered τ, Similar moments
        self._add_analysis_docks()  # Trajectories, Agents, Edit memory
        self.status = StatusLine(self.statusBar(), self.model, self.play_controller)

        self.grid.hovered.connect(self._on_hover)
        self.grid.agentMenuRequested.connect(self._on_agent_menu)
        self.grid.pageChanged.connect(lambda _page: self.summary_view.set_agents(self.grid.visible_agents()))
        self.model.rebuilt.connect(lambda: self.summary_view.set_agents(self.grid.visible_agents()))
        for view, name in ((self.history_view, "history"), (self.gates_view, "gates"), (self.summary_view, "summary")):
            view.saveRequested.connect(lambda view=view, name=name: self.files.save_view(view, name))
        self.model.message.connect(self.statusBar().showMessage)
        # A message longer than the room beside the status fields is cut: hovering shows it whole.
        bar = self.statusBar()
        bar.messageChanged.connect(lambda text: bar.setToolTip(text))
        self.model.failed.connect(self._on_failed)
        self.model.playingChanged.connect(self._on_playing)
        self.model.frameChanged.connect(self._on_frame)
        self.play_controller.stopped.connect(self._on_play_stopped)
        self.summary_view.set_agents(self.grid.visible_agents())

        self.setAcceptDrops(True)
        self.resize(1440, 900)
        self._default_state = self.saveState()  # what View → Reset layout goes back to
        self._restore_settings()
        # A wheel over a spin box or list the mouse only passes over scrolls the panel, not the value.
        self._wheel_guard = WheelGuard(self)
        for control in self.findChildren(QAbstractSpinBox) + self.findChildren(QComboBox):
            control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            control.installEventFilter(self._wheel_guard)

    # -- construction -----------------------------------------------------

    @property
    def stepper(self) -> BaseStepper:
        """The run on screen (the live one, or a recording opened in its place)."""
        return self.model.stepper

    def _make_toolbars(self) -> None:
        bar = QToolBar(tr("Stepping"))
        bar.setObjectName("stepping")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        bar.setMovable(False)
        for action in (
            self.acts.init,
            self.acts.back,
            self.acts.step,
            self.acts.play,
            self.acts.fast,
            self.acts.reset,
        ):
            bar.addAction(action)
        bar.addSeparator()
        self.speed_box = QDoubleSpinBox(minimum=0.5, maximum=1000.0, decimals=1, value=10.0, suffix=" " + tr("steps/s"))
        self.speed_box.setToolTip(
            tr("Play speed in timesteps per second; a slow step drops frames instead of freezing")
        )
        self.speed_box.valueChanged.connect(self.play_controller.set_speed)
        bar.addWidget(QLabel(f" {tr('Speed')} "))
        bar.addWidget(self.speed_box)
        bar.addSeparator()
        bar.addAction(self.acts.diff)
        bar.addAction(self.acts.save)
        bar.addAction(self.sessions.record_action)
        self.addToolBar(bar)
        self.addToolBar(self.compare.toolbar)
        for action in bar.actions():
            widget = bar.widgetForAction(action)
            if widget is not None and not isinstance(widget, (QDoubleSpinBox, QLabel)):
                widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stepping_bar = bar
        self.timeline_bar = Timeline(self.model)
        self.t_label, self.timeline = self.timeline_bar.t_label, self.timeline_bar.slider
        self.addToolBarBreak()
        self.addToolBar(self.timeline_bar)

    def _make_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu(tr("&File"))
        for action in (
            self.acts.open,
            self.acts.open_run,
            self.acts.seed_model,
            None,
            self.acts.inputs,
            self.acts.env,
            self.acts.pattern,
            None,
            self.acts.save,
            self.acts.copy,
            self.acts.export,
            None,
            self.sessions.open_action,
            self.sessions.follow_action,
            self.sessions.close_action,
            self.sessions.record_action,
            self.compare.session_action,
            self.compare.checkpoint_action,
            None,
            self.sessions.movie_action,
            self.sessions.figure_action,
            None,
            self.acts.quit,
        ):
            file_menu.addAction(action) if action is not None else file_menu.addSeparator()
        run_menu = menus.addMenu(tr("&Run"))
        for action in (
            self.acts.init,
            self.acts.step,
            self.acts.back,
            self.acts.play,
            self.acts.fast,
            self.acts.reset,
            None,
            self.acts.op,
            self.acts.op_back,
        ):
            run_menu.addAction(action) if action is not None else run_menu.addSeparator()
        self.compare.fill_menu(menus.addMenu(tr("&Compare")))
        self.view_menu = menus.addMenu(tr("&View"))
        for action in (
            self.acts.diff,
            self.acts.trace,
            self.acts.next_page,
            self.acts.prev_page,
            self.acts.fullscreen,
        ):
            self.view_menu.addAction(action)
        language_menu = self.view_menu.addMenu(tr("Language"))
        chosen = str(self.settings.value("ui/language", "auto"))
        for code, name in LANGUAGES.items():
            shown = tr("Automatic (system)") if code == "auto" else name  # a language by its own name
            action = language_menu.addAction(shown, partial(self._set_language, code))
            action.setCheckable(True)
            action.setChecked(code == chosen)
        self.view_menu.addSeparator()
        around = self.view_menu.addAction(tr("Analyses around the t shown"))
        around.setCheckable(True)
        around.setToolTip(
            tr("Rank units, Similar moments and Trajectories read the held steps around the t shown, not the newest")
        )
        around.setChecked(str(self.settings.value("analysis/around", "false")).lower() == "true")
        self.model.view.set_analysis_around(around.isChecked())
        around.toggled.connect(self._set_analysis_around)
        self.analysis_around_action = around
        reset = self.view_menu.addAction(tr("Reset layout"), self.reset_layout)
        reset.setToolTip(tr("Put every dock and toolbar back where a new window has them"))
        self.view_menu.addSeparator()

    def add_dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """``widget`` in a new dock named ``name`` (its saved-layout key) at ``area``, listed in View."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _make_docks(self) -> None:
        left, right, bottom = (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.config_dock = self.add_dock(tr("Configuration"), "config", self.config_panel, left)
        self.shape_dock = self.add_dock(tr("Shape trace"), "shapes", self.shape_panel, bottom)
        # An untraced step folds the panel to one line: the dock gives its height to the views above, and takes
        # back the height it had once a traced step unfolds it.  The line names the key that turns tracing on.
        self._shape_height = SHAPE_DOCK_HEIGHT
        self.shape_panel.set_trace_key(self.acts.trace.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
        self.shape_panel.compactChanged.connect(self._fit_shape_dock)
        self.shape_dock.visibilityChanged.connect(lambda _shown: self._hold_shape_line())  # put among tabs, or out
        self._hold_shape_line()  # a run whose first step shown has no trace starts folded
        self.history_dock = self.add_dock(tr("History"), "history", self.history_view, right)
        self.gates_dock = self.add_dock(tr("Gates"), "gates", self.gates_view, right)
        self.summary_dock = self.add_dock(tr("Summary"), "summary", self.summary_view, right)
        self.tabifyDockWidget(self.history_dock, self.gates_dock)
        self.tabifyDockWidget(self.gates_dock, self.summary_dock)
        self.history_dock.raise_()
        views: tuple[tuple[QDockWidget, SideView], ...] = (
            (self.history_dock, self.history_view),
            (self.gates_dock, self.gates_view),
            (self.summary_dock, self.summary_view),
        )
        for dock, view in views:
            dock.visibilityChanged.connect(view.draw_soon)  # a raised tab draws what it missed
        self.setCorner(Qt.Corner.BottomLeftCorner, bottom)
        self.setCorner(Qt.Corner.BottomRightCorner, bottom)
        self.resizeDocks([self.shape_dock], [260], Qt.Orientation.Vertical)
        self.resizeDocks([self.config_dock, self.history_dock], [250, 420], Qt.Orientation.Horizontal)

    def _fit_shape_dock(self, compact: bool) -> None:
        """The shape dock as tall as its folded line (``compact``), or as tall as it was before it folded."""
        dock = self.shape_dock
        if compact and dock.height() > 2 * self.shape_panel.line_height():  # a height worth going back to
            self._shape_height = dock.height()
        self._hold_shape_line()
        height = dock.minimumSizeHint().height() if compact else self._shape_height
        if dock.isFloating():
            dock.resize(dock.width(), height)
        elif not self.tabifiedDockWidgets(dock):
            self.resizeDocks([dock], [height], Qt.Orientation.Vertical)

    def _hold_shape_line(self) -> None:
        """Folded, the shape panel is held to its line where it has its place alone, so the docks beside it
        get the rest; among tabs it is not (the other tabs keep their height)."""
        panel = self.shape_panel
        if panel.compact and not self.tabifiedDockWidgets(self.shape_dock):
            panel.setFixedHeight(panel.line_height())
        else:
            panel.setMinimumHeight(0)
            panel.setMaximumHeight(QWIDGETSIZE_MAX)

    def _add_unit_tools(self) -> None:
        tools = add_unit_tools(self, self.model, self.settings, self.files)
        self.unit_order_bar: UnitOrderBar = tools.order_bar
        self.moments_view: MomentsView = tools.moments_view
        self.moments_dock: QDockWidget = tools.moments_dock
        self.insertToolBar(self.timeline_bar, self.unit_order_bar)  # the timeline, last in its row, gets its room
        self.view_menu.addMenu(self.unit_order_bar.menu)
        self.view_menu.addMenu(self.sessions.state_menu)  # which recorded state (h, an LSTM's c, …) is shown
        self.history_view.selector.use_settings(self.settings)
        # A tab beside History (placed with the analysis tabs): it never opens, or squeezes History, by itself.

    def _add_analysis_docks(self) -> None:
        docks = add_analysis_docks(self, self.model, self.settings, self.files, self.grid)
        self.trajectory_view: TrajectoryView = docks.trajectory_view
        self.agents_view: AgentsView = docks.agents_view
        self.edit_panel: EditPanel = docks.edit_panel
        self.trajectory_dock: QDockWidget = docks.trajectory_dock
        self.agents_dock: QDockWidget = docks.agents_dock
        self.edit_dock: QDockWidget = docks.edit_dock
        self.tabifyDockWidget(self.summary_dock, self.trajectory_dock)  # Trajectories and Agents: tabs beside History
        self.tabifyDockWidget(self.trajectory_dock, self.agents_dock)
        self.tabifyDockWidget(self.agents_dock, self.moments_dock)
        # Configuration and Edit memory share the left column as tabs: each gets its whole height, so the
        # edit form (Make branch included) fits without a scroll bar at 1440 × 900.
        self.removeDockWidget(self.edit_dock)  # out of its own place first: else Qt leaves a second tab bar behind
        self.tabifyDockWidget(self.config_dock, self.edit_dock)
        self.edit_dock.show()
        self.config_dock.raise_()
        self.history_dock.raise_()
        for tabs in self.findChildren(QTabBar):  # the side tabs keep their whole names; scroll when they do not fit
            tabs.setElideMode(Qt.TextElideMode.ElideNone)
            tabs.setUsesScrollButtons(True)
            # Narrow padding: the six side tabs fit the right column whole at 1440 px (Moments was behind the arrow).
            tabs.setStyleSheet("QTabBar::tab { padding: 3px 6px; }")

    # -- settings ---------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        else:  # first start: once laid out, the shape trace gets room for its table
            QTimer.singleShot(0, self, self._first_layout)  # with self as context: dropped if the window goes
        try:
            self.speed_box.setValue(float(str(self.settings.value("play/speed", 10.0))))
        except (TypeError, ValueError):
            pass

    def _first_layout(self) -> None:
        self._shape_height = SHAPE_DOCK_HEIGHT
        self.resizeDocks([self.shape_dock], [SHAPE_DOCK_HEIGHT], Qt.Orientation.Vertical)
        # The side tabs get a quarter of a wide window (their six names fit from about 1,700 pixels on).
        side = max(420, self.width() // 4)
        self.resizeDocks([self.config_dock, self.history_dock], [250, side], Qt.Orientation.Horizontal)

    def _set_analysis_around(self, on: bool) -> None:
        self.model.view.set_analysis_around(on)
        self.settings.setValue("analysis/around", on)
        where = tr("around the t shown") if on else tr("over the newest held steps")
        self.statusBar().showMessage(tr("Analyses now read the steps {where}").format(where=where), 5000)

    def reset_layout(self) -> None:
        """View → Reset layout: every dock and toolbar where a new window puts them."""
        self.restoreState(self._default_state)
        for dock in self.findChildren(QDockWidget):
            dock.setFloating(False)
        self.history_dock.raise_()
        self._first_layout()
        self.statusBar().showMessage(tr("Layout reset: the docks are where a new window puts them"), 4000)

    def closeEvent(self, event) -> None:
        self.play_controller.stop(limit_s=CLOSE_WAIT_S)  # a bounded wait: the window closes even mid-step
        self.sessions.stop_recording()  # a recording in progress is finished, not left half-written
        self.sessions.stop_following()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("play/speed", self.speed_box.value())
        self.settings.sync()
        super().closeEvent(event)

    def _set_language(self, code: str) -> None:
        self.settings.setValue("ui/language", code)
        self.statusBar().showMessage(tr("The language changes the next time hiddenscope starts."), 8000)

    # -- what scripts and benchmarks drive ---------------------------------
    @property
    def playing(self) -> bool:
        return self.play_controller.playing

    def play(self) -> None:
        self.play_controller.start()

    def pause(self) -> None:
        self.play_controller.stop()

    def step(self) -> None:
        self.model.step()

    def save_screenshot(self, path: str | Path | None = None, agent: int | None = None) -> Path | None:
        return self.files.save_screenshot(path, agent)

    def apply_config(self, config: Config) -> bool:
        return self.model.apply_config(config)

    # -- reactions ----------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        self.frames_drawn += 1
        self.frameDrawn.emit(frame.t)

    def _on_playing(self, playing: bool) -> None:
        self.acts.play.setText(tr("Pause") if playing else tr("Play"))
        self.acts.play.setIcon(icon("pause" if playing else "play"))

    def _on_failed(self, what: str, why: str) -> None:
        what = tr(what)  # the literals given to model.attempt and failed.emit are in the translations
        self.statusBar().showMessage(tr("{what} failed: {why}").format(what=what, why=why), 10000)
        QMessageBox.warning(self, f"hiddenscope — {what}", why)

    def _on_play_stopped(self, error: str) -> None:
        if error:
            self.statusBar().showMessage(tr("Play stopped: {error}").format(error=error), 10000)
            QMessageBox.warning(self, tr("hiddenscope — Play"), error)
            self.model.recover_after_failed_step()

    def _on_hover(self, text: str) -> None:
        self.statusBar().showMessage(text) if text else self.statusBar().clearMessage()

    def _on_agent_menu(self, agent: int, pos: QPointF) -> None:
        menu = QMenu(self)
        menu.addAction(
            icon("camera"),
            tr("Save agent {agent}'s heatmap…").format(agent=agent),
            lambda: self.files.save_screenshot(agent=agent),
        )
        menu.addAction(
            tr("Show agent {agent} in the history view").format(agent=agent),
            lambda: self.model.set_selection(agent, self.model.view.row),
        )
        menu.popup(pos.toPoint())

    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if FileActions.droppable(urls) is not None or SessionControls.droppable(urls) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        session = SessionControls.droppable(event.mimeData().urls() if event.mimeData().hasUrls() else [])
        if session is not None:  # a recorded session opens for replay
            event.acceptProposedAction()
            self.sessions.open_session(session)
            return
        path = FileActions.droppable(event.mimeData().urls() if event.mimeData().hasUrls() else [])
        if path is not None:
            event.acceptProposedAction()
            self.files.open_dropped(path)


class WheelGuard(QObject):
    """Lets a wheel change a spin box or combo box only once it has focus (a click or Tab gives it).

    Without it, scrolling a panel with the mouse over a control changed that control's value
    (the Edit memory form's Op box turned into another op on the way down).
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()  # the scroll area around the control gets the wheel instead
            return True
        return False
