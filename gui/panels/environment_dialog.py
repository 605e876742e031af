"""The dialog that picks a live environment, its options and how actions are chosen.

It only collects choices: the window's file actions turn them into the request
``--env NAME --env-arg KEY=VALUE … --actions A`` makes on the command line and plan
it with :func:`hiddenscope.core.plan.plan`, which checks them against the model and
says what does not fit.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hiddenscope.core.envs import ENV_NAMES, env_options
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.widgets.controls import tipped

# What the combo boxes show (translated when shown); their data is the key.
TITLES = {
    "simple_spread": "MPE simple_spread (mpe2)",
    "lbf": "Level-Based Foraging (lbforaging)",
    "rware": "Multi-Robot Warehouse (rware)",
    "vmas": "VMAS scenario (vmas)",
}
ACTIONS = {
    "run": "as the run chooses: its config's action_selector (greedy without one)",
    "greedy": "greedy: the best allowed action (argmax of Q-values or logits)",
    "sample": "sample: draw from the policy's probabilities (pi_logits agents)",
}


class EnvironmentDialog(QDialog):
    """Environment name, its options (blank: the default shown) and the action choice."""

    def __init__(
        self,
        n_agents: int,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        agents_fixed: bool = False,
        running: str = "",
        running_options: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("hiddenscope — inputs from an environment"))
        self.settings = settings
        self.n_agents = n_agents
        self.agents_fixed = agents_fixed
        # The environment running now and its options: shown as they are, so OK untouched changes nothing.
        self.running, self.running_options = running.partition(":")[0], dict(running_options or {})
        self.env_box = tipped(QComboBox(), tr("The environment whose observations the agents get, one per batch row"))
        for name in ENV_NAMES:
            self.env_box.addItem(tr(TITLES[name]), name)
        self.actions_box = tipped(QComboBox(), tr("How the agents' outputs become actions in the environment"))
        for key, text in ACTIONS.items():
            self.actions_box.addItem(tr(text), key)
        self.option_form = QFormLayout()
        self.option_edits: dict[str, QLineEdit] = {}
        self.note = QLabel(wordWrap=True)
        self.note.setStyleSheet("color: #888")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)

        top = QFormLayout()
        top.addRow(tr("Environment"), self.env_box)
        top.addRow(tr("Actions"), self.actions_box)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel(tr("Options (blank: the default shown in grey)")))
        layout.addLayout(self.option_form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

        self.env_box.currentIndexChanged.connect(self._show_options)
        # The environment running now, else the last one chosen; actions as the run chooses unless picked before.
        remembered = str(settings.value("env/name", "simple_spread")) if settings is not None else "simple_spread"
        self.env_box.setCurrentIndex(max(0, self.env_box.findData(running.partition(":")[0] or remembered)))
        if settings is not None:
            remembered_actions = settings.value("env/actions_choice", "run")
            self.actions_box.setCurrentIndex(max(0, self.actions_box.findData(remembered_actions)))
        self._show_options()

    @property
    def name(self) -> str:
        return str(self.env_box.currentData())

    def _show_options(self) -> None:
        while self.option_form.rowCount():
            self.option_form.removeRow(0)
        self.option_edits = {}
        from hiddenscope.core.env_inputs import AGENT_OPTION

        agent_key = AGENT_OPTION[self.name]
        for option in env_options(self.name):
            edit = QLineEdit(placeholderText=str(option.default))
            tip = tr(option.help)  # the options' help (core.envs) is in the translations
            if option.choices:
                tip = tr("{help} (one of {choices})").format(help=tip, choices=", ".join(option.choices))
            edit.setToolTip(tip)
            if option.key == agent_key and (self.agents_fixed or self.name != "vmas"):
                # The window's agent count, unless the user types another one.
                edit.setText(str(self.n_agents))
                if self.agents_fixed:
                    edit.setReadOnly(True)
                    fixed = tr("{tip}; the checkpoint holds one network for each of {n} agents")
                    edit.setToolTip(fixed.format(tip=tip, n=self.n_agents))
            if self.name == self.running and option.key in self.running_options:
                edit.setText(str(self.running_options[option.key]))
            self.option_edits[option.key] = edit
            self.option_form.addRow(option.key, edit)
        self.note.setText(
            tr("VMAS runs any of its scenarios: type its name in 'scenario'; n_agents blank keeps the scenario's own.")
            if self.name == "vmas"
            else tr("Each batch row is one environment; an episode that ends restarts that row's memory.")
        )

    def choices(self) -> tuple[str, dict[str, str], str]:
        """``(name, options typed, action choice)``; options left blank take their defaults."""
        options = {key: edit.text().strip() for key, edit in self.option_edits.items() if edit.text().strip()}
        return self.name, options, str(self.actions_box.currentData())

    def accept(self) -> None:
        if self.settings is not None:
            self.settings.setValue("env/name", self.name)
            self.settings.setValue("env/actions_choice", self.actions_box.currentData())
        super().accept()
