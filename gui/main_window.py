"""The main window: toolbar, heatmap grid, shape panel, history view and configuration."""

from __future__ import annotations

import time

from PySide6.QtCore import QByteArray, QPointF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QDoubleSpinBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSlider,
    QToolBar,
    QWidget,
)

from hiddenscope.core.config import Config
from hiddenscope.core.errors import UserError
from hiddenscope.core.history import Frame
from hiddenscope.core.stepper import Stepper

from .config_panel import ConfigPanel
from .file_actions import FileActions
from .heatmaps import HeatmapGrid
from hiddenscope.core.insight import gate_history, summary_history

from .history_view import HistoryView
from .inside_views import GatesView, SummaryView
from .i18n import LANGUAGES, tr
from .look import DIFF_LEVELS, LEVELS, icon
from .play import PlayThread
from .shape_panel import ShapePanel

PLAY_TICK_BUDGET_S = 0.030  # a Play tick never computes for longer than this before drawing
MIN_TICK_MS = 10
SIDE_VIEW_PERIOD_S = 1 / 15  # while playing, the history view and status bar redraw at most this often


class MainWindow(FileActions, QMainWindow):
    """hiddenscope's window. It renders what its :class:`Stepper` holds and computes nothing itself."""

    frameDrawn = Signal(int)  # the timestep just drawn

    def __init__(self, stepper: Stepper, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stepper = stepper
        self.settings = settings or QSettings()
        self.setWindowTitle("hiddenscope")
        self.setWindowIcon(icon("app"))
        self.difference_mode = False
        self.frames_drawn = 0
        self.frames_dropped = 0
        self._fps = 0.0
        self._last_draw = 0.0
        self._last_side_draw = 0.0
        self._play_timer = QTimer(self)
        self._play_timer.timeout.connect(self._on_play_tick)
        self._play_start = 0.0
        self._play_due_done = 0
        self._player: PlayThread | None = None
        self._worker_running = False  # while true the stepper belongs to the Play thread

        self.grid = HeatmapGrid()
        self.setCentralWidget(self.grid)
        self.shape_panel = ShapePanel()
        self.history_view = HistoryView()
        self.gates_view = GatesView()
        self.summary_view = SummaryView()
        self.config_panel = ConfigPanel(stepper.config)
        self._make_actions()
        self._make_toolbars()
        self._make_menus()
        self._make_docks()
        self._make_status_bar()

        self.grid.hovered.connect(self._on_hover)
        self.grid.agentMenuRequested.connect(self._on_agent_menu)
        self.shape_panel.opChanged.connect(self._on_op_changed)
        self.history_view.selectionChanged.connect(self._draw_side_views)
        for view, name in ((self.history_view, "history"), (self.gates_view, "gates"), (self.summary_view, "summary")):
            view.saveRequested.connect(lambda view=view, name=name: self.save_view(view, name))
        self.config_panel.applied.connect(self.apply_config)
        self.timeline.valueChanged.connect(self._on_timeline)
        stepper.changed.connect(self._on_stepper_changed)

        self.setAcceptDrops(True)
        self.resize(1440, 900)
        self._restore_settings()
        self._on_stepper_changed("rebuild")

    # -- construction -----------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, icon_name: str | None = None, tip: str = "") -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip or text} ({keys})" if keys else tip or text)
        action.setStatusTip(tip or text)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.init_action = self._action(tr("Init hidden"), self.init_hidden, "I", "init", tr("init_hidden(): start from the model's initial hidden state"))
        self.step_action = self._action(tr("Step"), self.step, Qt.Key.Key_Right, "step", tr("Run one timestep (or replay one from history)"))
        self.back_action = self._action(tr("Step back"), self.back, Qt.Key.Key_Left, "back", tr("Show the previous timestep from history"))
        self.play_action = self._action(tr("Play"), self.toggle_play, Qt.Key.Key_Space, "play", tr("Play / Pause"))
        self.reset_action = self._action(tr("Reset"), self.reset, Qt.Key.Key_Home, "reset", tr("Back to t = 0 and clear the history"))
        self.save_action = self._action(tr("Save screenshot…"), lambda: self.save_screenshot(), QKeySequence.StandardKey.Save, "camera", tr("Save the heatmap grid as a PNG"))
        self.copy_action = self._action(tr("Copy heatmaps"), self.copy_screenshot, "Ctrl+Shift+C", None, "Copy the heatmap grid to the clipboard as an image")
        self.open_action = self._action(tr("Open checkpoint…"), lambda: self.open_checkpoint(), QKeySequence.StandardKey.Open, "open", tr("Load a trained agent: PyMARL agent.th, the seed model's state_dict, or .safetensors"))
        self.seed_model_action = self._action(tr("Seed model"), lambda: self.use_seed_model(), None, None, tr("Back to the seed note's own agent (random weights from the seed)"))
        self.inputs_action = self._action(tr("Open inputs…"), lambda: self.open_inputs(), "Ctrl+Shift+O", "open", tr("Feed inputs from a .npy, .npz or .pt file of shape (T, batch, n_agents, input) or (T, n_agents, input)"))
        self.env_action = self._action(tr("Inputs from MPE simple_spread"), lambda: self.use_environment(), None, None, tr("Feed the agents observations from live PettingZoo MPE simple_spread environments (optional extra)"))
        self.pattern_action = self._action(tr("Built-in pattern inputs"), lambda: self.use_pattern_inputs(), None, None, tr("Back to the built-in per-agent signals"))
        self.export_action = self._action(tr("Export history…"), lambda: self.export_history(), "Ctrl+E", "export", "Save the hidden-state history as .npz")
        self.diff_action = self._action(tr("Difference hₜ − hₜ₋₁"), self._toggle_difference, "D", "diff", tr("Show the change since the previous timestep"))
        self.diff_action.setCheckable(True)
        self.op_action = self._action(tr("Step op"), self.shape_panel.next_op, "]", "op", tr("Walk through this timestep's tensor transitions one by one"))
        self.op_back_action = self._action(tr("Previous op"), self.shape_panel.previous_op, "[", "op_back", "Previous tensor transition")
        self.trace_action = self._action(tr("Record shape trace"), self._toggle_tracing, "T", None, tr("Record every tensor transition of each step (off: a little faster, no shape panel)"))
        self.trace_action.setCheckable(True)
        self.trace_action.setChecked(self.stepper.tracing)
        self.fullscreen_action = self._action(tr("Full screen"), self._toggle_fullscreen, QKeySequence.StandardKey.FullScreen, None, tr("Full screen"))
        if self.fullscreen_action.shortcut().isEmpty():
            self.fullscreen_action.setShortcut(QKeySequence("F11"))
        self.quit_action = self._action(tr("Quit"), self.close, QKeySequence.StandardKey.Quit, None, "Quit hiddenscope")
        if self.quit_action.shortcut().isEmpty():
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.next_page_action = self._action(tr("Next page of agents"), lambda: self.grid.set_page(self.grid.page + 1), QKeySequence.StandardKey.MoveToNextPage)
        self.prev_page_action = self._action(tr("Previous page of agents"), lambda: self.grid.set_page(self.grid.page - 1), QKeySequence.StandardKey.MoveToPreviousPage)

    def _make_toolbars(self) -> None:
        bar = QToolBar("Stepping", objectName="stepping")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        bar.setMovable(False)
        for action in (self.init_action, self.back_action, self.step_action, self.play_action, self.reset_action):
            bar.addAction(action)
        bar.addSeparator()
        self.speed_box = QDoubleSpinBox(minimum=0.5, maximum=1000.0, decimals=1, value=10.0, suffix=" " + tr("steps/s"))
        self.speed_box.setToolTip("Play speed in timesteps per second; a slow step drops frames instead of freezing")
        self.speed_box.valueChanged.connect(self._on_speed)
        bar.addWidget(QLabel(f" {tr('Speed')} "))
        bar.addWidget(self.speed_box)
        bar.addSeparator()
        bar.addAction(self.diff_action)
        bar.addAction(self.save_action)
        self.addToolBar(bar)
        for action in bar.actions():
            widget = bar.widgetForAction(action)
            if widget is not None and not isinstance(widget, (QDoubleSpinBox, QLabel)):
                widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stepping_bar = bar

        timeline = QToolBar("Timeline", objectName="timeline")
        timeline.setMovable(False)
        self.t_label = QLabel()
        self.t_label.setMinimumWidth(120)
        self.t_label.setToolTip("The timestep shown")
        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline.setToolTip("Scrub through the recorded history (← →)")
        self.timeline.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        timeline.addWidget(self.t_label)
        timeline.addWidget(self.timeline)
        self.addToolBarBreak()
        self.addToolBar(timeline)

    def _make_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu(tr("&File"))
        for action in (self.open_action, self.seed_model_action, None, self.inputs_action, self.env_action, self.pattern_action, None, self.save_action, self.copy_action, self.export_action):
            file_menu.addAction(action) if action is not None else file_menu.addSeparator()
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        run_menu = menus.addMenu(tr("&Run"))
        for action in (self.init_action, self.step_action, self.back_action, self.play_action, self.reset_action):
            run_menu.addAction(action)
        run_menu.addSeparator()
        run_menu.addAction(self.op_action)
        run_menu.addAction(self.op_back_action)
        self.view_menu = menus.addMenu(tr("&View"))
        self.view_menu.addAction(self.diff_action)
        self.view_menu.addAction(self.trace_action)
        self.view_menu.addAction(self.next_page_action)
        self.view_menu.addAction(self.prev_page_action)
        self.view_menu.addAction(self.fullscreen_action)
        language_menu = self.view_menu.addMenu(tr("Language"))
        chosen = str(self.settings.value("ui/language", "auto"))
        for code, name in LANGUAGES.items():
            action = language_menu.addAction(name, lambda code=code: self._set_language(code))
            action.setCheckable(True)
            action.setChecked(code == chosen)
        self.view_menu.addSeparator()

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self, objectName=name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _make_docks(self) -> None:
        self.config_dock = self._dock(tr("Configuration"), "config", self.config_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.shape_dock = self._dock(tr("Shape trace"), "shapes", self.shape_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.history_dock = self._dock(tr("History"), "history", self.history_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.gates_dock = self._dock(tr("Gates"), "gates", self.gates_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.summary_dock = self._dock(tr("Summary"), "summary", self.summary_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.history_dock, self.gates_dock)
        self.tabifyDockWidget(self.gates_dock, self.summary_dock)
        self.history_dock.raise_()
        for dock in (self.history_dock, self.gates_dock, self.summary_dock):
            dock.visibilityChanged.connect(lambda visible: visible and self._draw_side_views())
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.resizeDocks([self.shape_dock], [260], Qt.Orientation.Vertical)
        self.resizeDocks([self.config_dock, self.history_dock], [250, 330], Qt.Orientation.Horizontal)

    def _make_status_bar(self) -> None:
        bar = self.statusBar()
        self.device_label = QLabel()
        self.status_t_label = QLabel()
        self.step_label = QLabel()
        self.fps_label = QLabel()
        self.history_label = QLabel()
        for label, tip in (
            (self.device_label, "Device and dtype the model runs on"),
            (self.status_t_label, "The timestep shown"),
            (self.step_label, "Time the last computed step took (model, trace and host copy)"),
            (self.fps_label, "Frames drawn per second while playing"),
            (self.history_label, "Timesteps held in history, and its memory budget"),
        ):
            label.setToolTip(tip)
            bar.addPermanentWidget(label)

    # -- settings ---------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        try:
            self.speed_box.setValue(float(self.settings.value("play/speed", 10.0)))
        except (TypeError, ValueError):
            pass

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802
        self.pause()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("play/speed", self.speed_box.value())
        self.settings.sync()
        super().closeEvent(event)

    # -- user actions -----------------------------------------------------
    def _guard(self, what: str, func, *args):  # noqa: ANN001, ANN202
        """Run ``func``; a user mistake becomes a message, and the session stays as it was."""
        try:
            return func(*args)
        except UserError as exc:
            self.pause()
            self.statusBar().showMessage(f"{what} failed: {exc}", 10000)
            QMessageBox.warning(self, f"hiddenscope — {what}", str(exc))
        except MemoryError:
            self.pause()
            QMessageBox.warning(self, f"hiddenscope — {what}", "Out of memory: choose a smaller configuration.")
        return None

    def init_hidden(self) -> None:
        self.pause()
        self._guard("Init hidden", self.stepper.init_hidden)

    def reset(self) -> None:
        self.pause()
        self._guard("Reset", self.stepper.reset)

    def step(self) -> None:
        self.pause()
        self._guard("Step", self.stepper.step)

    def back(self) -> None:
        self.pause()
        if self.stepper.back() is None:
            self.statusBar().showMessage(f"t = {self.stepper.t} is the oldest timestep held in history", 4000)

    @property
    def playing(self) -> bool:
        return self._player is not None

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.playing:
            return
        self._player = PlayThread(self.stepper, self._on_play_finished)
        self._play_start = time.perf_counter()
        self._play_due_done = 0
        self._fps = 0.0
        self._last_side_draw = 0.0
        self._play_timer.start(self._tick_ms(self.speed_box.value()))
        self.play_action.setText(tr("Pause"))
        self.play_action.setIcon(icon("pause"))

    def pause(self) -> None:
        if not self.playing:
            return
        self._play_timer.stop()
        player, self._player = self._player, None
        if player is not None:
            player.stop()
            # The worker's last report may still be queued: draw what it left now.
            self._worker_running = False
            self.render()
        self.play_action.setText(tr("Play"))
        self.play_action.setIcon(icon("play"))
        self._update_status()

    @staticmethod
    def _tick_ms(speed: float) -> int:
        # Each finished step asks for the next one itself; the timer only has to pace
        # slow speeds. Ticking faster than a screen refresh would only steal CPU from the model.
        return max(MIN_TICK_MS, int(1000 / speed))

    def _on_speed(self, value: float) -> None:
        if self.playing:
            self._play_timer.setInterval(self._tick_ms(value))
            self._play_start = time.perf_counter()
            self._play_due_done = 0

    def _on_play_tick(self) -> None:
        """Ask the worker for the steps that are due; while it is busy, the tick is dropped."""
        if self._player is None:
            return
        if not self._ask_worker():
            self.frames_dropped += 1

    def _ask_worker(self) -> bool:
        """Hand the worker the steps due by now; ``False`` if none are due or it is still busy."""
        assert self._player is not None
        due = int((time.perf_counter() - self._play_start) * self.speed_box.value()) + 1 - self._play_due_done
        if due <= 0 or self._player.busy:
            return due <= 0
        self._worker_running = True
        # One step per drawn frame: every timestep Play computes is shown. Steps the
        # speed asked for but that could not be drawn in time are skipped, not queued,
        # so Play runs at the speed asked or as fast as frames can be drawn.
        self._player.ask(1, PLAY_TICK_BUDGET_S)
        self.frames_dropped += due - 1
        self._play_due_done += due
        return True

    def _on_play_finished(self, done: int, error: str) -> None:
        if self._player is None or self._player.busy:
            return
        self._worker_running = False
        if error:
            self.pause()
            self.statusBar().showMessage(f"Play stopped: {error}", 10000)
            QMessageBox.warning(self, "hiddenscope — Play", error)
            return
        frame = self.stepper.frame
        # Start the next steps before drawing: the worker computes while this thread paints.
        self._ask_worker()
        self.render(frame)

    def _on_timeline(self, t: int) -> None:
        if t != self.stepper.t and self.stepper.history.holds(t):
            self.pause()
            self.stepper.seek(t)

    def _toggle_difference(self, checked: bool) -> None:
        self.difference_mode = checked
        self.render()

    def _set_language(self, code: str) -> None:
        self.settings.setValue("ui/language", code)
        self.statusBar().showMessage(tr("The language changes the next time hiddenscope starts."), 8000)

    def _toggle_tracing(self, checked: bool) -> None:
        self.pause()
        self.stepper.tracing = checked

    def _toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def apply_config(self, config: Config) -> bool:
        """Rebuild on ``config``; on a mistake say why and keep the session as it was."""
        self.pause()
        if not config.model:
            config = config.replace(model=self.stepper.config.model)  # the panel does not edit which model it is
        ok = self._guard("Apply configuration", self.stepper.rebuild, config) is not None or self.stepper.config == config
        if not ok:
            self.config_panel.set_config(self.stepper.config, self.stepper.units)
        else:
            self.statusBar().showMessage(f"Rebuilt: {config.label()} on {self.stepper.device}", 5000)
        return ok

    # -- drawing ----------------------------------------------------------
    def _on_stepper_changed(self, kind: str) -> None:
        if kind == "rebuild":
            c = self.stepper.config
            self.history_view.set_limits(c.n_agents, c.batch_size)
            self.config_panel.set_config(c, self.stepper.units)
        # During Play the stepper runs in the worker thread and this is called there:
        # touch no widget; the worker's report triggers the drawing instead.
        if not self._worker_running:
            self.render()

    def render(self, frame: Frame | None = None) -> None:
        """Draw ``frame`` (default: the timestep the stepper shows): heatmaps, shape panel, history, timeline, status.

        During Play the worker may already be computing the next step, so
        everything here is drawn from the one ``frame`` taken up front.
        """
        s = self.stepper
        frame = frame or s.frame
        c = s.config
        values, caption, levels = frame.hidden, f"h_{frame.t}", LEVELS
        if self.difference_mode:
            diff = s.difference(frame.t)
            if diff is not None:
                values, caption, levels = diff, f"h_{frame.t} − h_{frame.t - 1}", DIFF_LEVELS
            else:
                caption = f"h_{frame.t} (no earlier step held to subtract)"
        self.grid.set_values(values, caption, levels)
        self.shape_panel.set_trace(frame.trace or [], frame.t, c.batch_size, c.n_agents)
        now = time.perf_counter()
        # The heatmaps and the shape panel follow every frame; the side views need not.
        side_views_due = not self.playing or now - self._last_side_draw >= SIDE_VIEW_PERIOD_S
        if side_views_due:
            self._last_side_draw = now
            self._draw_side_views()
        hist = s.history
        self.timeline.blockSignals(True)
        self.timeline.setRange(hist.first, max(hist.last, frame.t))
        self.timeline.setValue(frame.t)
        self.timeline.blockSignals(False)
        self.t_label.setText(f"  t = {frame.t}  (latest {max(s.latest, frame.t)})  ")
        if self.playing and self._last_draw:
            instant = 1.0 / max(now - self._last_draw, 1e-6)
            self._fps = instant if not self._fps else 0.8 * self._fps + 0.2 * instant
        self._last_draw = now
        self.frames_drawn += 1
        if side_views_due:
            self._update_status()
        self.frameDrawn.emit(frame.t)

    def _draw_side_views(self) -> None:
        """The history, gates and summary views, each only while it can be seen."""
        if self.history_dock.isVisible() and not self.history_dock.visibleRegion().isEmpty():
            self._draw_history()
        s = self.stepper
        agent = min(self.history_view.agent, s.config.n_agents - 1)
        row = min(self.history_view.row, s.config.batch_size - 1)
        if self.gates_dock.isVisible() and not self.gates_dock.visibleRegion().isEmpty():
            ts, gates = gate_history(s, agent, row)
            self.gates_view.set_gates(ts, gates, s.t, agent, row)
        if self.summary_dock.isVisible() and not self.summary_dock.visibleRegion().isEmpty():
            ts, norm, saturated = summary_history(s)
            self.summary_view.set_summary(ts, norm, saturated, self.grid.visible_agents(), s.t)

    def _draw_history(self) -> None:
        s = self.stepper
        agent = min(self.history_view.agent, s.config.n_agents - 1)
        row = min(self.history_view.row, s.config.batch_size - 1)
        ts, values = s.unit_history(agent, row)
        self.history_view.set_history(ts, values, s.t)

    def _update_status(self) -> None:
        s = self.stepper
        hist = s.history
        self.device_label.setText(f"  {s.device} · {s.config.dtype}  ")
        self.status_t_label.setText(f"  t = {s.t}  ")
        self.step_label.setText(f"  step {s.frame.step_ms:.2f} ms  " if s.t else "  step — ms  ")
        self.fps_label.setText(f"  {self._fps:.0f} fps  " if self.playing else f"  {tr('paused')}  ")
        self.history_label.setText(
            f"  history {len(hist)}/{hist.capacity} steps ({hist.nbytes / 2**20:.0f} MiB budget)  "
        )

    def _on_hover(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text)
        else:
            self.statusBar().clearMessage()

    def _on_op_changed(self, index: int) -> None:
        if index < 0:
            self.render()
            return
        if self.playing:
            # Walking through one step's ops needs the step to hold still. Pausing redraws
            # the last step (which puts Step op back to the whole step), so go to the op again.
            self.pause()
            self.shape_panel.set_op(index)
            return
        values, why = self.stepper.stage_state(index)
        record = self.shape_panel.records[index]
        if values is None:
            self.statusBar().showMessage(why, 6000)
            self.grid.axes_label.setText(f"after {record.op}: {why}")
        else:
            self.grid.set_values(values, f"after op {index + 1}: {record.op} {tuple(record.shape)}")

    def _on_agent_menu(self, agent: int, pos: QPointF) -> None:
        menu = QMenu(self)
        menu.addAction(icon("camera"), f"Save agent {agent}'s heatmap…", lambda: self.save_screenshot(agent=agent))
        menu.addAction(f"Show agent {agent} in the history view", lambda: self.history_view.agent_box.setValue(agent))
        menu.popup(pos.toPoint())
