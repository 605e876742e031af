"""The configuration panel: sizes, seed and device, applied together with Apply."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hiddenscope.core.config import (
    DTYPES,
    MAX_SIZE,
    Config,
    available_devices,
    check_fits,
    format_bytes,
    resolve_device,
    step_bytes,
    units_for,
)
from hiddenscope.core.errors import UserError
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.widgets.controls import tipped


def fits_in_memory(config: Config) -> bool:
    """Whether a step of ``config`` passes the memory check a rebuild makes (see core.config.check_fits)."""
    try:
        check_fits(config, resolve_device(config.device))
    except UserError:
        return False
    return True


# A step's hidden state past this (4× the 1024 × 64 × 96 the speed figures are measured at) asks first.
LARGE_FRAME_BYTES = 4 * 1024 * 64 * 96 * 4


def _spin(minimum: int, maximum: int, tip: str) -> QSpinBox:
    box = tipped(QSpinBox(minimum=minimum, maximum=maximum), tip)
    box.setKeyboardTracking(False)
    box.setAccelerated(True)
    return box


class ConfigPanel(QWidget):
    """Edits the model's :class:`Config`; Apply rebuilds through the model (``applied(Config)`` fires too).

    The spin boxes only accept whole numbers in range, so text or a negative
    number cannot be typed; a hidden size that gives 0 units is shown in red
    and Apply stays disabled until it is fixed.
    """

    applied = Signal(object)

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.batch = _spin(1, MAX_SIZE, tr("Batch size: how many independent copies of the team are stepped"))
        self.agents = _spin(1, 4096, tr("Number of agents; each gets its own heatmap"))
        self._agents_tip = self.agents.toolTip()
        self.hidden = _spin(1, 65536, tr("The agent's _hidden_dim; the GRU has hidden_dim // 4 * 3 units"))
        self.units_label = QLabel()
        self.inputs = _spin(1, 65536, tr("Inputs per agent per timestep (cond_input)"))
        self.seed = _spin(0, 2**31 - 1, tr("Seed for the weights and the inputs: same seed, same numbers"))
        self.device = tipped(QComboBox(), tr("Where the model runs; only devices this machine has are offered"))
        self.device.addItems(["auto", *available_devices()])
        self.dtype = tipped(QComboBox(), tr("Floating-point type of the weights and the hidden state"))
        self.dtype.addItems(list(DTYPES))
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        self.apply_button = tipped(QPushButton(tr("Apply")), tr("Rebuild the model with these settings (Ctrl+Return)"))
        self.apply_button.setDefault(True)

        form = QFormLayout()
        form.addRow(tr("Batch size"), self.batch)
        form.addRow(tr("Agents"), self.agents)
        form.addRow(tr("Hidden dim"), self.hidden)
        form.addRow("", self.units_label)
        form.addRow(tr("Input size"), self.inputs)
        form.addRow(tr("Seed"), self.seed)
        form.addRow(tr("Device"), self.device)
        form.addRow(tr("Dtype"), self.dtype)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.estimate)
        layout.addWidget(self.apply_button)
        layout.addStretch(1)

        for box in (self.batch, self.agents, self.hidden, self.inputs, self.seed):
            box.valueChanged.connect(self._update_hints)
        self.apply_button.clicked.connect(self._apply)
        self._model = ""
        self._model_units: int | None = None
        self._base = model.config
        self.applied.connect(model.apply_config)
        model.rebuilt.connect(self._show_model)
        self._show_model()

    def _show_model(self) -> None:
        self.set_config(self.model.config, self.model.stepper.units)

    def set_config(self, config: Config, units: int | None = None) -> None:
        """Show ``config`` (without emitting ``applied``).

        When the model comes from a checkpoint or plug-in (``config.model``), its
        sizes are fixed by it: hidden dim and input size are shown but locked, and
        ``units`` (the model's real GRU size) is shown in their place.
        """
        self._base = config
        self._model = config.model
        self._model_units = units
        self.batch.setValue(config.batch_size)
        self.agents.setValue(config.n_agents)
        self.hidden.setValue(config.hidden_dim)
        self.inputs.setValue(config.input_dim)
        self.seed.setValue(min(config.seed, self.seed.maximum()))
        if self.device.findText(config.device) < 0:
            self.device.addItem(config.device)
        self.device.setCurrentText(config.device)
        self.dtype.setCurrentText(config.dtype)
        self._update_hints()

    def config(self) -> Config:
        """The configuration shown: what the boxes say, the rest as in the configuration last shown."""
        return self._base.replace(
            batch_size=self.batch.value(),
            n_agents=self.agents.value(),
            hidden_dim=self.hidden.value(),
            input_dim=self.inputs.value(),
            seed=self.seed.value(),
            device=self.device.currentText(),
            dtype=self.dtype.currentText(),
        )

    def _update_hints(self) -> None:
        fixed = bool(self._model)
        self.hidden.setEnabled(not fixed)
        self.inputs.setEnabled(not fixed)
        # A live environment runs its own number of agents: the count is changed with the environment.
        env = self._base.env
        self.agents.setEnabled(not env)
        self.agents.setToolTip(
            tr("{env} runs {n} agents: change the count with File → Inputs from an environment… (Ctrl+Shift+E)").format(
                env=env, n=self._base.n_agents
            )
            if env
            else self._agents_tip
        )
        if fixed:
            units_text = tr("{units} GRU units, fixed by {model}").format(
                units=self._model_units or "?", model=self._model
            )
            self.units_label.setText(f"→ {units_text}")
            self.units_label.setStyleSheet("")
            self.units_label.setWordWrap(True)
            self.apply_button.setEnabled(True)
            config = self.config()
            self.estimate.setText(tr("{rows} GRU rows per step").format(rows=f"{config.rows:,}"))
            return
        units = units_for(self.hidden.value())
        if units < 1:
            self.units_label.setText(
                "→ " + tr("{hidden} // 4 * 3 = 0 units: use 4 or more").format(hidden=self.hidden.value())
            )
            self.units_label.setStyleSheet("color: #c62828; font-weight: bold;")
            self.apply_button.setEnabled(False)
        else:
            self.units_label.setText(
                "→ " + tr("GRU units = {hidden} // 4 * 3 = {units}").format(hidden=self.hidden.value(), units=units)
            )
            self.units_label.setStyleSheet("")
            self.apply_button.setEnabled(True)
        config = self.config()
        self.estimate.setText(
            tr("{rows} GRU rows per step · about {size} of working memory per step").format(
                rows=f"{config.rows:,}", size=format_bytes(step_bytes(config))
            )
        )

    def _apply(self) -> None:
        for box in (self.batch, self.agents, self.hidden, self.inputs, self.seed):
            box.interpretText()
        if self.apply_button.isEnabled() and self._worth_it(self.config()):
            self.applied.emit(self.config())

    def _worth_it(self, config: Config) -> bool:
        """Below :data:`LARGE_FRAME_BYTES` a step's state: yes; above, the person is asked, with what it costs."""
        frame = config.batch_size * config.n_agents * config.units * 4  # the host copy the window draws each frame
        if frame <= LARGE_FRAME_BYTES or not fits_in_memory(config):
            return True  # small enough; or too big to build at all, which the rebuild refuses with its own reason
        held = max(2, self.model.held.nbytes // max(1, frame + frame // 2))
        answer = QMessageBox.question(
            self,
            tr("hiddenscope — a very large configuration"),
            tr(
                "Each step's hidden state is {state} ({rows} GRU rows), and a step needs about"
                " {work} of working memory. The window copies and draws every state it"
                " shows, and the history holds only about {held} of them: stepping will be slow and the window"
                " may stop answering for a while. Apply it anyway?"
            ).format(
                state=format_bytes(frame),
                rows=f"{config.rows:,}",
                work=format_bytes(step_bytes(config)),
                held=f"{held:,}",
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:  # the boxes go back to the run's, and the status bar says so
            self._show_model()
            self.model.message.emit(
                tr("The configuration was kept as it was: {label}").format(label=self.model.config.label()), 6000
            )
            return False
        return True
