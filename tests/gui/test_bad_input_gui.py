"""Mistakes in the configuration panel: refused in the widget, with a message, never a crash."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from hiddenscope.core import Config


@pytest.fixture
def window(make_window, monkeypatch):
    w = make_window(Config(batch_size=4, n_agents=2, hidden_dim=16))
    w.acts.step.trigger()
    w.messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: w.messages.append(text))
    return w


@pytest.mark.parametrize(
    "field, typed, kept",
    [
        ("batch", "abc", 4),  # letters cannot be typed into a number box
        ("agents", "-5", 5),  # the minus sign is refused where the smallest value is 1; the 5 is kept
        ("hidden", "1e3", 13),  # only the digits get in
        ("inputs", "0", 16),  # 0 is below the minimum: the box keeps what it had
    ],
)
def test_text_that_is_not_a_valid_number_is_refused_by_the_box(qtbot, window, field, typed, kept):
    box = getattr(window.config_panel, field)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), typed)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    box.interpretText()
    assert box.value() == kept


def test_a_hidden_dim_giving_zero_units_disables_apply_and_says_why(qtbot, window):
    panel = window.config_panel
    panel.hidden.setValue(3)
    assert "0 units" in panel.units_label.text() and "4 or more" in panel.units_label.text()
    assert not panel.apply_button.isEnabled()
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert window.stepper.config.hidden_dim == 16


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(batch=1_000_000, agents=4096), "needs about"),
        (dict(batch=600_000, agents=4096, hidden=65536), "needs about"),
    ],
)
def test_a_configuration_too_big_for_memory_is_refused_before_allocating(qtbot, window, changes, words):
    before = window.stepper.frame.hidden.copy()
    for field, value in changes.items():
        getattr(window.config_panel, field).setValue(value)
    qtbot.mouseClick(window.config_panel.apply_button, Qt.MouseButton.LeftButton)
    assert window.messages and words in window.messages[-1]
    assert window.stepper.config == Config(batch_size=4, n_agents=2, hidden_dim=16, device="cpu")
    np.testing.assert_array_equal(window.stepper.frame.hidden, before)
    window.acts.step.trigger()  # and the app keeps working
    assert window.stepper.t == 2


def test_only_devices_that_exist_are_offered(window):
    import torch

    offered = [window.config_panel.device.itemText(i) for i in range(window.config_panel.device.count())]
    assert offered[:2] == ["auto", "cpu"]
    assert any(d.startswith("cuda") for d in offered) == torch.cuda.is_available()


class FlakyModels:
    """A model factory that builds the seed model once, then fails: a plug-in whose file went bad."""

    def __init__(self) -> None:
        self.builds = 0

    def __call__(self, config):
        from hiddenscope.core.errors import ConfigError
        from hiddenscope.core.stepper import seed_model

        self.builds += 1
        if self.builds > 1:
            raise ConfigError("the plug-in could not build its model")
        return seed_model(config)


def test_apply_that_fails_says_so_and_does_not_report_a_rebuild(qtbot, make_window, messages):
    w = make_window(Config(batch_size=4, n_agents=2, hidden_dim=16), model_factory=FlakyModels())
    w.acts.step.trigger()
    qtbot.mouseClick(w.config_panel.apply_button, Qt.MouseButton.LeftButton)  # the same sizes, rebuilt
    assert messages == ["the plug-in could not build its model"]
    assert "Rebuilt" not in w.statusBar().currentMessage()
    assert not w.apply_config(w.stepper.config)
    assert w.stepper.t == 1


class OneWayInputs:
    """Inputs that can be asked for once per step, in order, like a live environment."""

    def __init__(self, config) -> None:
        self.shape = (config.batch_size, config.n_agents, config.input_dim)
        self.t = -1

    def describe(self) -> str:
        return "one way"

    def inputs(self, t: int) -> np.ndarray:
        from hiddenscope.core.errors import ConfigError

        if t != 0 and t != self.t + 1:
            raise ConfigError(f"the environment is at step {self.t}; it cannot jump to step {t}")
        self.t = t
        return np.full(self.shape, 0.1 * (t % 7), np.float32)


def fails_at_step(n: int):
    """A seed-model factory whose model raises (once) when it computes step ``n``."""
    from hiddenscope.core.model import CondAgent

    class FailsOnce(CondAgent):
        calls = 0

        def forward(self, inputs, hidden_state):
            FailsOnce.calls += 1
            if FailsOnce.calls == n:
                raise RuntimeError("CUDA error: an illegal memory access was encountered")
            return super().forward(inputs, hidden_state)

    return lambda config: FailsOnce(config.input_dim, config.n_agents, config.hidden_dim)


def test_after_a_failed_step_stepping_works_again(qtbot, make_window, messages):
    w = make_window(
        Config(batch_size=2, n_agents=2, hidden_dim=16), model_factory=fails_at_step(3), input_factory=OneWayInputs
    )
    w.acts.step.trigger()
    w.acts.step.trigger()
    w.acts.step.trigger()  # the model fails on step 3, after the inputs moved on to it
    assert len(messages) == 1 and "illegal memory access" in messages[0]
    assert w.stepper.t == 0 and "t = 0" in w.t_label.text()  # started over, and says so
    assert "start over" in w.statusBar().currentMessage()
    for _ in range(4):
        w.acts.step.trigger()
    assert len(messages) == 1 and w.stepper.t == 4 and "t = 4" in w.t_label.text()


def test_after_a_failed_step_in_play_stepping_works_again(qtbot, make_window, messages):
    w = make_window(
        Config(batch_size=2, n_agents=2, hidden_dim=16), model_factory=fails_at_step(4), input_factory=OneWayInputs
    )
    w.speed_box.setValue(200)
    w.acts.play.trigger()
    qtbot.waitUntil(lambda: not w.playing, timeout=5000)
    assert len(messages) == 1 and "illegal memory access" in messages[0]
    assert w.stepper.t == 0 and w.acts.play.text() == "Play"
    w.acts.step.trigger()
    w.acts.step.trigger()
    assert len(messages) == 1 and w.stepper.t == 2
