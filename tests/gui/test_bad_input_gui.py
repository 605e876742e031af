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
    w.step_action.trigger()
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
    window.step_action.trigger()  # and the app keeps working
    assert window.stepper.t == 2


def test_only_devices_that_exist_are_offered(window):
    import torch

    offered = [window.config_panel.device.itemText(i) for i in range(window.config_panel.device.count())]
    assert offered[:2] == ["auto", "cpu"]
    assert any(d.startswith("cuda") for d in offered) == torch.cuda.is_available()
