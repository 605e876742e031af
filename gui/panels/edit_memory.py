"""Edit memory: write interventions on h_T with widgets, and run them as a branch beside the session.

The form builds the same text ``--edit`` takes on the command line
(``T:AGENTS:OP[:rows=R][:units=U]``), shows it, and reads it back with
:meth:`Edit.parse <hiddenscope.core.edits.Edit.parse>`, so the app and the command
line accept the same edits and refuse the bad ones with the same message.  Make
branch builds a second stepper like the first with the edits
(:func:`~hiddenscope.core.branch.branch_comparison`) and hands it to the model as
B; the heatmaps, history and agents views then switch between the original (A),
the branch (B) and B − A.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hiddenscope.core.branch import branch_comparison
from hiddenscope.core.edits import Edit
from hiddenscope.core.errors import UserError
from hiddenscope.gui.controllers.compare import MODE_TEXT
from hiddenscope.gui.controllers.long_work import Cancelled, Progress, run_with_progress
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.widgets.controls import tipped, tool_button

if TYPE_CHECKING:
    from hiddenscope.core.compare import Comparison

# op name -> (what the combo shows, the argument's placeholder or None, its tooltip); translated when shown
OPS = {
    "zero": ("zero", None, ""),
    "set": ("set = V", "V, e.g. 0.5", "The chosen values become V"),
    "clamp": ("clamp = LO,HI", "LO,HI, e.g. -0.1,0.1", "The chosen values are clipped into [LO, HI]"),
    "noise": ("noise = SIGMA", "SIGMA or SIGMA,SEED", "Gaussian noise of this standard deviation, seeded"),
    "copy": ("copy from agent A", "A, e.g. 0", "The chosen agents take agent A's values (same rows and units)"),
    "swap": ("swap agents A,B", "A,B, e.g. 0,1", "Agents A and B exchange values; AGENTS must be all or A,B"),
}
MODE_TIP = {  # translated when shown
    "A": "Show A, the original run, in the heatmaps, history and agents views",
    "B": "Show B, the branch, in the heatmaps, history and agents views",
    "B-A": "Show B − A, the branch minus the original, in the heatmaps, history and agents views",
}


class EditPanel(QWidget):
    """The Edit memory dock: one edit's form, the list of edits, and the branch made from them."""

    def __init__(self, model: StepperModel, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.settings = settings
        self.edits: list[Edit] = []  # the list waiting for Make branch
        self._follow_t = True  # T follows the timestep shown until the user sets it

        self.t_box = tipped(QSpinBox(minimum=0, maximum=1_000_000_000), tr("The timestep whose state h_T is edited"))
        self.t_box.valueChanged.connect(self._t_set_by_user)
        self.t_here = tool_button(tr("t shown"), tr("T = the timestep shown (and follow it)"))
        self.t_here.clicked.connect(self._follow)
        # "all" is --edit syntax: the fields' text is the edit, never translated.
        self.agents_edit = tipped(
            QLineEdit("0"),
            tr("Agents whose state is edited: all, one index (3), a range (0-2) or a comma list (0,2,5-7)"),
        )
        self.rows_edit = tipped(
            QLineEdit("all"), tr("Batch rows: all, one index (3), a range (0-2) or a comma list (0,2,5-7)")
        )
        self.units_edit = tipped(
            QLineEdit("all"), tr("GRU units: all, one index (3), a range (0-2) or a comma list (0,2,5-7)")
        )
        self.op_box = tipped(QComboBox(), tr("What happens to the chosen values"))
        for name, (text, _placeholder, tip) in OPS.items():
            self.op_box.addItem(tr(text), name)  # the data, not the text, is the op
            tip = tr(tip) if tip else tr("The chosen values become 0")
            self.op_box.setItemData(self.op_box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.arg_edit = QLineEdit()
        self.command_line = tipped(
            QLineEdit(readOnly=True), tr("The same edit on the command line (--edit is repeatable)")
        )
        self.copy_button = tool_button(tr("Copy"), tr("Copy the --edit text to the clipboard"))
        self.copy_button.clicked.connect(lambda: QApplication.clipboard().setText(self.command_text()))
        self.problem = QLabel(wordWrap=True)
        self.problem.setStyleSheet("color: #e57373;")

        self.add_button = tipped(
            QPushButton(tr("Add to list")),
            tr("Keep this edit and write another; Make branch then runs every listed edit"),
        )
        self.add_button.clicked.connect(self.add_edit)
        self.edit_list = tipped(
            QListWidget(), tr("The edits the branch runs with, in order (several at one T in turn)")
        )
        self.edit_list.setMaximumHeight(90)
        self.remove_button = tool_button(tr("Remove"), tr("Take the selected edit off the list"))
        self.remove_button.clicked.connect(self.remove_edit)
        self.branch_button = tipped(
            QPushButton(tr("Make branch")),
            tr("Run the session again with these edits beside it (B), stepped in lockstep (Ctrl+B)"),
        )
        self.branch_button.setShortcut("Ctrl+B")
        self.branch_button.clicked.connect(self.make_branch)
        self.drop_button = tool_button(tr("Drop branch"), tr("Stop comparing with the branch"))
        self.drop_button.clicked.connect(lambda: self.model.set_comparison(None))
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QToolButton] = {}
        for mode, text in MODE_TEXT.items():
            button = tool_button(text, tr(MODE_TIP[mode]), checkable=True)
            button.clicked.connect(lambda _checked=False, mode=mode: self.model.set_compare_mode(mode))
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
        self.branch_label = QLabel(wordWrap=True)

        form = QFormLayout()
        t_row = QHBoxLayout()
        t_row.addWidget(self.t_box, 1)
        t_row.addWidget(self.t_here)
        form.addRow("T", t_row)
        form.addRow(tr("Agents", "which agents"), self.agents_edit)
        form.addRow(tr("Rows"), self.rows_edit)
        form.addRow(tr("Units"), self.units_edit)
        form.addRow(tr("Op"), self.op_box)
        self.arg_label = QLabel(tr("Value"))
        form.addRow(self.arg_label, self.arg_edit)
        command = QHBoxLayout()
        command.addWidget(self.command_line, 1)
        command.addWidget(self.copy_button)
        # Make branch comes first (a short column shows it without scrolling); the list, for several edits, last.
        branch_buttons = QHBoxLayout()
        branch_buttons.addWidget(self.branch_button, 1)
        branch_buttons.addWidget(self.drop_button)
        modes = QHBoxLayout()
        modes.addWidget(QLabel(tr("Show")))
        for button in self.mode_buttons.values():
            modes.addWidget(button)
        modes.addStretch(1)
        list_row = QHBoxLayout()
        list_row.addWidget(self.add_button, 1)
        list_row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addLayout(command)
        layout.addWidget(self.problem)
        layout.addLayout(branch_buttons)
        layout.addLayout(modes)
        layout.addWidget(self.branch_label)
        layout.addLayout(list_row)
        layout.addWidget(self.edit_list)
        layout.addStretch(1)

        self._restore()
        for line in (self.agents_edit, self.rows_edit, self.units_edit, self.arg_edit):
            line.textChanged.connect(self._changed)
        self.op_box.currentIndexChanged.connect(self._op_changed)
        model.frameChanged.connect(self._on_frame)
        model.rebuilt.connect(self._show_edit)
        model.rebuilt.connect(self._drop_stale_branch)
        model.rebuilt.connect(self._offer_branch)
        model.comparisonChanged.connect(self._show_branch)
        self._op_changed()
        self._on_frame()
        self._show_branch()
        self._offer_branch()

    # -- the form -----------------------------------------------------------------
    @property
    def op(self) -> str:
        return str(self.op_box.currentData())

    def command_text(self) -> str:
        """The edit the form describes, in ``--edit`` syntax (it may not be a valid one)."""
        op = self.op
        arg = self.arg_edit.text().strip().replace(" ", "")
        text = f"{self.t_box.value()}:{self.agents_edit.text().strip() or 'all'}:{op}"
        if OPS[op][1] is not None:
            text += f"={arg}"
        for key, line in (("rows", self.rows_edit), ("units", self.units_edit)):
            value = line.text().strip().replace(" ", "")
            if value and value.lower() != "all":
                text += f":{key}={value}"
        return text

    def current_edit(self) -> Edit:
        """The form's edit, parsed and checked against the session; ConfigError (the CLI's message) if bad."""
        edit = Edit.parse(self.command_text())
        c = self.model.config
        edit.check(c.batch_size, c.n_agents, self.model.stepper.units)
        return edit

    def _op_changed(self) -> None:
        _text, placeholder, tip = OPS[self.op]
        self.arg_edit.setVisible(placeholder is not None)
        self.arg_label.setVisible(placeholder is not None)
        self.arg_edit.setPlaceholderText(tr(placeholder) if placeholder else "")
        self.arg_edit.setToolTip(tr(tip) if tip else "")
        self._changed()

    def _changed(self, *_args: object) -> None:
        """The user changed the form: show and check the edit, and remember the form."""
        self._show_edit()
        self._remember()

    def _show_edit(self) -> None:
        text = self.command_text()
        self.command_line.setText(f"--edit {text}")
        try:
            self.current_edit()
        except UserError as exc:
            self.problem.setText(str(exc))
            self.add_button.setEnabled(False)
        else:
            if self.problem.text():  # clearing an empty label would still lay the panel out again
                self.problem.clear()
            self.add_button.setEnabled(True)

    def _t_set_by_user(self) -> None:
        self._follow_t = False
        self._changed()

    def _follow(self) -> None:
        self._follow_t = True
        self._on_frame()

    def _on_frame(self, *_args: object) -> None:
        if self._follow_t:
            with QSignalBlocker(self.t_box):  # the model moved, not the user
                self.t_box.setValue(self.model.frame.t)
            self._show_edit()  # every frame while T follows: nothing to remember

    # -- the list and the branch ----------------------------------------------------------
    def add_edit(self) -> bool:
        try:
            edit = self.current_edit()
        except UserError as exc:
            self._refuse(str(exc))
            return False
        self.edits.append(edit)
        self.edit_list.addItem(QListWidgetItem(edit.canonical()))
        return True

    def remove_edit(self) -> None:
        row = self.edit_list.currentRow()
        if row < 0 and self.edits:
            row = len(self.edits) - 1
        if 0 <= row < len(self.edits):
            del self.edits[row]
            self.edit_list.takeItem(row)

    def make_branch(self) -> bool:
        """B = the session run again with the listed edits (or, with none listed, the form's edit)."""
        edits = list(self.edits)
        if not edits:
            try:
                edits = [self.current_edit()]
            except UserError as exc:
                self._refuse(str(exc))
                return False
        stepper = self.model.stepper

        comparison = None

        def build() -> Comparison | None:  # the branch computes every step the session has, so B − A covers all
            target = stepper.latest
            branch = branch_comparison(stepper, edits)

            def catch_up(progress: Progress) -> Comparison:
                for t in range(1, target + 1):
                    progress.check()
                    branch.advance_to(t)
                    progress.report(t)
                return branch

            try:
                return run_with_progress(
                    self,
                    tr("hiddenscope — Make branch"),
                    tr("Computing the branch up to t = {t}…").format(t=target),
                    target,
                    catch_up,
                )
            except Cancelled:
                branch.close()
                return None

        ok, comparison = self.model.attempt("Make branch", build)
        if ok and comparison is None:
            self.model.message.emit(tr("Make branch cancelled: no branch was made"), 6000)
            return False
        if not ok or not self.model.set_comparison(comparison):
            return False
        if self.model.view.compare_mode == "A":
            self.model.set_compare_mode("B-A")
        text = " ".join(f"--edit {e.canonical()}" for e in edits)
        self.model.message.emit(tr("Branch made: the session with {edits}, stepped beside it").format(edits=text), 8000)
        return True

    def _offer_branch(self) -> None:
        """A recording on screen has no model to step a branch with: say so on the button."""
        recording = not self.model.stepper.capabilities.edits_memory
        self.branch_button.setEnabled(not recording)
        self.branch_button.setToolTip(
            tr("A is a recording: a branch needs a live model to step. Open the model and its inputs to make one.")
            if recording
            else tr("Run the session again with these edits beside it (B), stepped in lockstep (Ctrl+B)")
        )

    def _drop_stale_branch(self) -> None:
        """A new configuration, model or input source: the branch was made from the old one."""
        comp = self.model.comparison
        if comp is not None and comp.label.startswith("branch:"):
            self.model.set_comparison(None)
            self.branch_label.setText(tr("The branch was dropped: the session was rebuilt. Make it again to compare."))

    def _refuse(self, why: str) -> None:
        self.problem.setText(why)
        self.model.message.emit(tr("Edit memory: {why}").format(why=why), 10000)

    def _show_branch(self) -> None:
        comp = self.model.comparison
        mine = comp is not None and comp.label.startswith("branch:")
        self.drop_button.setEnabled(mine)
        for mode, button in self.mode_buttons.items():
            button.setEnabled(mode == "A" or comp is not None)
            button.setChecked(mode == self.model.view.compare_mode)
        if comp is None:
            self.branch_label.setText(tr("No branch: make one to compare the edited run (B) with this one (A)."))
        else:
            self.branch_label.setText(f"B = {comp.label}")

    # -- remembered between sessions ------------------------------------------------------
    def _remember(self) -> None:
        if self.settings is None:
            return
        for key, line in (("agents", self.agents_edit), ("rows", self.rows_edit), ("units", self.units_edit),
                          ("arg", self.arg_edit)):  # fmt: skip
            self.settings.setValue(f"edit/{key}", line.text())
        self.settings.setValue("edit/op", self.op)

    def _restore(self) -> None:
        if self.settings is None:
            return
        for key, line in (("agents", self.agents_edit), ("rows", self.rows_edit), ("units", self.units_edit),
                          ("arg", self.arg_edit)):  # fmt: skip
            value = self.settings.value(f"edit/{key}")
            if isinstance(value, str):
                line.setText(value)
        index = self.op_box.findData(str(self.settings.value("edit/op", "zero")))
        if index >= 0:
            self.op_box.setCurrentIndex(index)
