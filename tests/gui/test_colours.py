"""One colour path: the heatmaps, history and gates views colour a value alike, and NaN is black in each."""

from __future__ import annotations

import numpy as np

from hiddenscope.core import Config
from hiddenscope.gui.theme import COLOURS, NAN_RGB


def drawn_rgb(image_item) -> np.ndarray:
    """The colours a pyqtgraph ImageItem draws: its table looked up at its indices."""
    return image_item.lut[image_item.image]


def test_history_and_gates_colour_like_the_heatmaps_and_draw_nan_black(qtbot, make_window, tmp_path):
    frames = np.random.default_rng(0).uniform(-1, 1, (4, 2, 3, 8)).astype(np.float32)
    frames[1, 1, 2, :] = np.nan  # step 2's inputs of agent 2, batch row 1
    np.save(tmp_path / "x.npy", frames)
    w = make_window(Config(batch_size=2, n_agents=3, hidden_dim=16, input_dim=8))
    assert w.files.open_inputs(tmp_path / "x.npy")
    for _ in range(3):
        w.acts.step.trigger()
    w.history_view.agent_box.setValue(2)
    w.history_view.row_box.setValue(1)
    qtbot.waitUntil(lambda: list(w.history_view.ts) == [0, 1, 2, 3])

    hidden = np.stack([w.stepper.snapshot(t).hidden[1, 2] for t in range(4)])  # (T, units)
    assert np.isnan(hidden[2]).all() and np.isfinite(hidden[1]).all()
    history = drawn_rgb(w.history_view.image)  # (units, T): time runs left to right
    np.testing.assert_array_equal(history, COLOURS.rgb(hidden.T))
    assert (history[:, 2] == NAN_RGB).all()
    np.testing.assert_array_equal(w.grid.shown_rgb(2)[1], history[:, 3])  # the heatmap's row is the same colours

    w.gates_dock.raise_()
    qtbot.waitUntil(lambda: w.gates_view.shown_t == 3)
    candidate = drawn_rgb(w.gates_view.images["n"])  # (units, T) for t = 1..3
    assert (candidate[:, 1] == NAN_RGB).all() and not (candidate[:, 0] == NAN_RGB).all(axis=-1).any()
    w.summary_dock.raise_()
    qtbot.waitUntil(lambda: w.summary_view.shown_t == 3)
    marks = w.summary_view.nan_marks.data
    assert list(marks["x"]) == [2.0, 3.0]  # agent 2's norm is NaN from step 2 on: marked there
