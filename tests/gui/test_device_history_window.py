"""The window on a run whose history ring lives on the model's device (issue 27), here the CPU.

On a GPU the ring is device memory and only what is drawn crosses to the host; the window
reads it through the same frame source.  The status bar says where the steps are held.
"""

from __future__ import annotations

import numpy as np
from helpers import click

from hiddenscope.core import Config
from hiddenscope.core.history import DeviceSteps

CONFIG = Config(batch_size=4, n_agents=3, hidden_dim=16, input_dim=6)


def test_steps_play_and_scrubbing_show_the_device_ring_s_numbers(qtbot, make_window):
    w = make_window(CONFIG, history_on_device=True)
    assert isinstance(w.stepper.history.hidden, DeviceSteps)
    for _ in range(5):
        click(qtbot, w, w.acts.step)
    assert w.stepper.t == 5
    np.testing.assert_array_equal(w.grid.shown_values(1), w.stepper.snapshot(5).hidden[:, 1])
    w.play()
    qtbot.waitUntil(lambda: w.stepper.t >= 40, timeout=10_000)
    w.pause()
    w.timeline.setValue(17)
    qtbot.waitUntil(lambda: w.model.frame.t == 17)
    np.testing.assert_array_equal(w.grid.shown_values(2), w.stepper.snapshot(17).hidden[:, 2])
    w.status.update()
    assert "on cpu" in w.status.history_label.text()
