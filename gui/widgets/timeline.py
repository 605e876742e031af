"""The timeline: the timestep shown and a slider over the history held."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QSizePolicy, QSlider, QToolBar

from hiddenscope.core.history import Frame
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.widgets.steady_label import SteadyLabel


class Timeline(QToolBar):
    """``t = …`` and a slider that scrubs the recorded history through the model."""

    def __init__(self, model: StepperModel) -> None:
        super().__init__(tr("Timeline"))
        self.setObjectName("timeline")
        self.model = model
        self.setMovable(False)
        self.t_label = SteadyLabel(min_width=120)
        self.t_label.setToolTip(tr("The timestep shown"))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip(tr("Scrub through the recorded history (← →)"))
        # The row's room goes to the slider: thousands of steps need more than a thumb's width of track.
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setMinimumWidth(320)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.addWidget(self.t_label)
        self.addWidget(self.slider)
        self.slider.valueChanged.connect(self._on_slider)
        model.rebuilt.connect(self.t_label.forget_width)  # after a rebuild it fits its text (else it only widens)
        model.frameChanged.connect(self._on_frame)
        self._on_frame(model.frame)

    def _on_frame(self, frame: Frame) -> None:
        hist = self.model.held
        with QSignalBlocker(self.slider):  # showing the model's t is not a request to seek
            self.slider.setRange(hist.first, max(hist.last, frame.t))
            self.slider.setValue(frame.t)
        latest = max(self.model.stepper.latest, frame.t)
        self.t_label.setText("  " + tr("t = {t}  (latest {latest})").format(t=frame.t, latest=latest) + "  ")

    def _on_slider(self, t: int) -> None:
        if not self.model.seek(t):
            self._on_frame(self.model.frame)  # dropped from history meanwhile: back to what is shown
