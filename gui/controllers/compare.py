"""Compare in the app: open a B (a recorded session or a second checkpoint) and show A, B or B − A.

:class:`CompareControls` owns the Compare menu's actions and a small toolbar with
the three modes and B's label.  Every action calls a :class:`StepperModel` method
(``set_comparison``, ``set_compare_mode``); the heatmaps and the history view
follow ``comparisonChanged``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QToolBar

from hiddenscope.core.compare import SessionComparison, checkpoint_comparison, recorded_inputs_comparison
from hiddenscope.gui.controllers.actions import window_action
from hiddenscope.gui.controllers.files import ask_open
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import COMPARE_MODES, StepperModel

MODE_TEXT = {"A": "A", "B": "B", "B-A": "B − A"}  # the compare modes' and the branch modes' buttons
MODE_TIP = {  # translated when shown
    "A": "Show A: the run on screen",
    "B": "Show B: the run compared with, at the same t",
    "B-A": "Show B − A at the same t (difference colours, ±0.5)",
}
MODE_KEY = {"A": "Ctrl+1", "B": "Ctrl+2", "B-A": "Ctrl+3"}


class CompareControls:
    """The Compare menu and toolbar of a window, on its model."""

    def __init__(self, window: QMainWindow, model: StepperModel, settings: QSettings) -> None:
        self.window, self.model, self.settings = window, model, settings

        def action(text: str, slot, tip: str, key: str | None = None, checkable: bool = False) -> QAction:
            return window_action(window, text, slot, tip, key, checkable=checkable)

        self.session_action = action(
            tr("Compare with session…"),
            lambda: self.compare_with_session(),
            tr("B = a recorded session (.h5) of the same sizes, shown at A's timestep"),
        )
        self.checkpoint_action = action(
            tr("Compare with checkpoint…"),
            lambda: self.compare_with_checkpoint(),
            tr("B = a second checkpoint on the same inputs, stepped in lockstep with A"),
        )
        self.stop_action = action(tr("Stop comparing"), lambda: self.model.set_comparison(None), tr("Close B"))
        self.group = QActionGroup(window)
        self.group.setExclusive(True)
        self.mode_actions: dict[str, QAction] = {}
        for mode in COMPARE_MODES:
            a = action(
                f"{tr('Compare')}: {MODE_TEXT[mode]}",
                lambda _checked=False, mode=mode: self.model.set_compare_mode(mode),
                tr(MODE_TIP[mode]),
                MODE_KEY[mode],
                checkable=True,
            )
            a.setIconText(MODE_TEXT[mode])
            self.group.addAction(a)
            self.mode_actions[mode] = a
        self.label = QLabel()
        self.label.setToolTip(tr("B: the run compared with"))
        self.toolbar = QToolBar(tr("Compare"))
        self.toolbar.setObjectName("compare")
        self.toolbar.setMovable(False)
        self.toolbar.addWidget(QLabel(f" {tr('Compare')} "))
        for a in self.mode_actions.values():
            self.toolbar.addAction(a)
        self.toolbar.addWidget(self.label)
        model.comparisonChanged.connect(self._show)
        self._show()

    def fill_menu(self, menu: QMenu) -> None:
        for a in (self.session_action, self.checkpoint_action, self.stop_action):
            menu.addAction(a)
        menu.addSeparator()
        for a in self.mode_actions.values():
            menu.addAction(a)

    def _show(self) -> None:
        comp = self.model.comparison
        for mode, a in self.mode_actions.items():
            a.setChecked(mode == self.model.view.compare_mode)
            a.setEnabled(mode == "A" or comp is not None)
        self.stop_action.setEnabled(comp is not None)
        self.label.setText(f"  {comp.label}  " if comp is not None else f"  {tr('no B: File → Compare with…')}  ")

    # -- opening a B -----------------------------------------------------------
    def compare_with_session(self, path: str | Path | None = None) -> bool:
        """B = the recorded session at ``path`` (asked for when None); a bad file is a dialog, A stays as it was."""
        if path is None:
            path = ask_open(
                self.window,
                self.settings,
                tr("Compare with session"),
                tr("Sessions (*.h5 *.hdf5);;All files (*)"),
                "files/session_dir",
            )
            if path is None:
                return False
        from hiddenscope.core.session import SessionReader

        ok, reader = self.model.attempt("Compare with session", SessionReader, path)
        if not ok:
            return False
        if not self.model.set_comparison(SessionComparison(reader)):
            reader.close()
            return False
        comparing = tr("Comparing with {path} (t = {first}..{last})")
        self.model.message.emit(comparing.format(path=path, first=reader.first, last=reader.last), 8000)
        return True

    def compare_with_checkpoint(self, path: str | Path | None = None) -> bool:
        """B = the checkpoint at ``path`` on A's inputs (a recording's own recorded inputs), stepped to A's t."""
        if path is None:
            path = ask_open(
                self.window,
                self.settings,
                tr("Compare with checkpoint"),
                tr("Checkpoints (*.th *.pt *.pth *.safetensors);;All files (*)"),
                "files/checkpoint_dir",
            )
            if path is None:
                return False
        reader = self.model.stepper.reader  # A is a recording: B gets the inputs it recorded
        if reader is not None:
            ok, comparison = self.model.attempt("Compare with checkpoint", recorded_inputs_comparison, reader, path)
        else:
            ok, comparison = self.model.attempt(
                "Compare with checkpoint", checkpoint_comparison, self.model.stepper, path
            )
        if not ok or not self.model.set_comparison(comparison):
            return False
        self.model.message.emit(tr("Comparing with {path}, stepped on the same inputs").format(path=path), 8000)
        return True
