"""The window's actions: text, key, icon and tip of each, and which model or file method it calls.

:func:`make_actions` builds them for a window as one typed :class:`WindowActions`;
the window puts them into its toolbar and menus.  Every action calls a method of the model, the Play
controller, the file actions or the heatmap grid: none does work of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from hiddenscope.gui.controllers.files import FileActions
from hiddenscope.gui.controllers.play import PlayController
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.theme import icon
from hiddenscope.gui.views.heatmap_grid import HeatmapGrid

Key = QKeySequence.StandardKey
CHECKABLE = ("diff", "trace", "fast")


@dataclass(frozen=True)
class WindowActions:
    """The window's own actions, one typed field each (``step`` is Step).

    The session and Compare actions are their controllers'
    (:class:`~hiddenscope.gui.controllers.sessions.SessionControls`,
    :class:`~hiddenscope.gui.controllers.compare.CompareControls`).
    """

    init: QAction
    step: QAction
    back: QAction
    play: QAction
    fast: QAction
    reset: QAction
    save: QAction
    copy: QAction
    open: QAction
    open_run: QAction
    seed_model: QAction
    inputs: QAction
    env: QAction
    pattern: QAction
    export: QAction
    diff: QAction
    op: QAction
    op_back: QAction
    trace: QAction
    fullscreen: QAction
    quit: QAction
    next_page: QAction
    prev_page: QAction

    def live_only(self) -> tuple[QAction, ...]:
        """The actions that change the model or its inputs: a recorded session has neither."""
        return (self.open, self.open_run, self.seed_model, self.inputs, self.env, self.pattern, self.trace, self.init)


def key_sequence(shortcut: str | Qt.Key | QKeySequence.StandardKey) -> QKeySequence:
    """The key sequence of a shortcut written as text (``"Ctrl+E"``), a key or a platform's standard key."""
    if isinstance(shortcut, QKeySequence.StandardKey):
        return QKeySequence(shortcut)
    if isinstance(shortcut, Qt.Key):
        return QKeySequence(shortcut)
    return QKeySequence(shortcut)


def window_action(
    window: QMainWindow,
    text: str,
    slot: Callable,
    tip: str,
    key: str | None = None,
    icon_name: str | None = None,
    checkable: bool = False,
) -> QAction:
    """One action added to ``window`` (so its key works), its tooltip naming the key, its status tip the tip."""
    action = QAction(text, window, checkable=checkable)
    if icon_name:
        action.setIcon(icon(icon_name))
    if key:
        action.setShortcut(QKeySequence(key))
    action.setToolTip(f"{tip} ({key})" if key else tip)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def toggle_full_screen(window: QMainWindow) -> None:
    window.showNormal() if window.isFullScreen() else window.showFullScreen()


def make_actions(
    window: QMainWindow, model: StepperModel, play: PlayController, files: FileActions, grid: HeatmapGrid
) -> WindowActions:
    """The window's actions (``.step`` is Step); each is added to ``window`` so its key works."""
    m, f = model, files
    specs: list[tuple[str, str, Callable[..., object], str | Qt.Key | Key | None, str | None, str]] = [
        ("init", tr("Init hidden"), m.init_hidden, "I", "init",
         tr("init_hidden(): start over at t = 0 from the model's initial hidden state, as an episode starts;"
            " the steps held are cleared (Record or Export history first to keep them)")),
        ("step", tr("Step"), m.step, Qt.Key.Key_Right, "step", tr("Run one timestep (or replay one from history)")),
        ("back", tr("Step back"), m.back, Qt.Key.Key_Left, "back", tr("Show the previous timestep from history")),
        ("play", tr("Play"), play.toggle, Qt.Key.Key_Space, "play", tr("Play / Pause")),
        ("fast", tr("Fast-forward"), play.set_fast, "Shift+Space", "fast",
         tr("Step as fast as the model goes and draw at the display's rate; steps not drawn are not traced"
            " (the shape panel can trace one afterwards)")),
        ("reset", tr("Reset"), m.reset, Qt.Key.Key_Home, "reset",
         tr("Back to t = 0 and clear the history (the same as Init hidden)")),
        ("save", tr("Save screenshot…"), lambda: f.save_screenshot(), Key.Save, "camera",
         tr("Save the heatmap grid as a PNG")),
        ("copy", tr("Copy heatmaps"), f.copy_screenshot, "Ctrl+Shift+C", None,
         tr("Copy the heatmaps shown to the clipboard as an image")),
        ("open", tr("Open checkpoint…"), lambda: f.open_checkpoint(), Key.Open, "open",
         tr("Load a trained agent: PyMARL agent.th, the seed model's state_dict, or .safetensors")),
        ("open_run", tr("Open run folder…"), lambda: f.open_run_folder(), "Ctrl+Shift+R", None,
         tr("Load the agent of a PyMARL/EPyMARL/PyMARL2 run folder (its latest step) or step folder")),
        ("seed_model", tr("Seed model"), f.use_seed_model, None, None,
         tr("Back to the seed note's own agent (random weights from the seed)")),
        ("inputs", tr("Open inputs…"), lambda: f.open_inputs(), "Ctrl+Shift+O", "open",
         tr("Feed inputs from a .npy, .npz or .pt file of shape (T, batch, n_agents, input) or (T, n_agents, input)")),
        ("env", tr("Inputs from an environment…"), f.choose_environment, "Ctrl+Shift+E", None,
         tr("Drive the agents in live environments (MPE simple_spread, LBF, RWARE, VMAS): observations in,"
            " actions out, hidden state reset when an episode starts")),
        ("pattern", tr("Built-in pattern inputs"), f.use_pattern_inputs, None, None,
         tr("Back to the built-in per-agent signals")),
        ("export", tr("Export history…"), lambda: f.export_history(), "Ctrl+E", "export",
         tr("Save the hidden-state history as .npz")),
        ("diff", tr("Difference hₜ − hₜ₋₁"), m.set_difference, "D", "diff",
         tr("Show the change since the previous timestep")),
        ("op", tr("Step op"), m.next_op, "]", "op", tr("Walk through this timestep's tensor transitions one by one")),
        ("op_back", tr("Previous op"), m.previous_op, "[", "op_back", tr("Previous tensor transition")),
        ("trace", tr("Record shape trace"), m.set_tracing, "T", None,
         tr("Record every tensor transition of each step (off: a little faster, no shape panel)")),
        ("fullscreen", tr("Full screen"), lambda: toggle_full_screen(window), Key.FullScreen, None, tr("Full screen")),
        ("quit", tr("Quit"), window.close, Key.Quit, None, tr("Quit hiddenscope")),
        ("next_page", tr("Next page of agents"), lambda: grid.set_page(grid.page + 1), Key.MoveToNextPage, None, ""),
        ("prev_page", tr("Previous page of agents"), lambda: grid.set_page(grid.page - 1), Key.MoveToPreviousPage, None,
         ""),
    ]  # fmt: skip
    actions: dict[str, QAction] = {}
    for name, text, slot, shortcut, icon_name, _tip in specs:
        action = QAction(text, window, checkable=name in CHECKABLE)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            action.setShortcut(key_sequence(shortcut))
        action.triggered.connect(slot)
        window.addAction(action)
        actions[name] = action
    for name, fallback in (("fullscreen", "F11"), ("quit", "Ctrl+Q")):  # where the platform has no standard key
        if actions[name].shortcut().isEmpty():
            actions[name].setShortcut(QKeySequence(fallback))
    for (_name, text, _slot, _key, _icon, tip), action in zip(specs, actions.values(), strict=True):
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip or text} ({keys})" if keys else tip or text)
        action.setStatusTip(tip or text)
    made = WindowActions(**actions)  # a name in specs that is not a field (or one missing) fails here
    made.trace.setChecked(model.stepper.tracing)
    play.fastChanged.connect(made.fast.setChecked)
    return made
