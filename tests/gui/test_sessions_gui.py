"""Sessions in the app: compare A with a B, replay a recording, record, movies and figures.

Planted data: B is A's own recording with a known constant added by h5py, so B − A must
show exactly that constant; recordings are checked against a stepper run with a history
that holds every step, and pictures against the command line's.
"""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
from helpers import click
from PySide6.QtWidgets import QFileDialog

from hiddenscope.core import Config, Stepper
from hiddenscope.core.session import record_session

SMALL = Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4, device="cpu")
OFFSET = 0.25


@pytest.fixture
def open_dialog(monkeypatch):
    """Answer the next Open dialogs with the paths put in this list."""
    answers: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(answers.pop(0)), ""))
    return answers


def planted_b(tmp_path, steps: int) -> tuple:
    """A session of the SMALL run's first ``steps`` steps with OFFSET added to every h_t, and the true h_t."""
    plain, path = tmp_path / "plain.h5", tmp_path / "b.h5"
    record_session(Stepper(SMALL), steps, plain)
    shutil.copy(plain, path)
    with h5py.File(path, "r+") as f:
        truth = f["hidden"][...]
        f["hidden"][...] = truth + OFFSET
    return path, truth


def test_compare_with_a_session_shows_b_minus_a_as_the_planted_offset(make_window, qtbot, open_dialog, tmp_path):
    path, truth = planted_b(tmp_path, steps=3)
    window = make_window(SMALL)
    open_dialog.append(path)
    window.compare.session_action.trigger()
    assert window.model.comparison is not None and window.compare.label.text().strip() == "B: b.h5"
    # Opening a B shows B − A at once, in the difference colours.
    assert window.compare.mode_actions["B-A"].isChecked()
    for t in range(1, 4):
        click(qtbot, window, window.step_action)
        assert window.model.frame.t == t
        np.testing.assert_allclose(window.grid.values, OFFSET, atol=1e-6)
        assert window.grid.levels == (-0.5, 0.5)
        assert f"B − A at t = {t}" in window.grid.axes_label.text()
    # B: B's own h_t, which is A's plus the offset.
    window.compare.mode_actions["B"].trigger()
    np.testing.assert_allclose(window.grid.values, truth[3] + OFFSET, atol=1e-6)
    assert "of B: b.h5" in window.grid.axes_label.text()
    # Past B's end the caption says so and A is shown.
    click(qtbot, window, window.step_action)
    assert "B: b.h5 has no t = 4 (it holds t = 0..3)" in window.grid.axes_label.text()
    np.testing.assert_array_equal(window.grid.values, window.model.frame.hidden)
    # The history view follows the mode: B − A is the offset where B has the step, NaN (black) after.
    window.history_dock.raise_()
    window.compare.mode_actions["B-A"].trigger()
    qtbot.waitUntil(lambda: window.history_view.shown_t == 4 and len(window.history_view.ts) == 5)
    shown = window.history_view.shown_values
    np.testing.assert_allclose(shown[:4], OFFSET, atol=1e-6)
    assert np.isnan(shown[4]).all()
    assert window.history_view.span_label.text().startswith("B − A")
    # A again: A's own numbers.
    window.compare.mode_actions["A"].trigger()
    np.testing.assert_array_equal(window.grid.values, window.model.frame.hidden)
    window.compare.stop_action.trigger()
    assert window.model.comparison is None and not window.compare.mode_actions["B"].isEnabled()


def test_a_session_of_other_sizes_is_refused_and_a_stays_as_it_was(make_window, open_dialog, messages, tmp_path):
    other = tmp_path / "other.h5"
    record_session(Stepper(SMALL.replace(n_agents=4)), 2, other)
    window = make_window(SMALL)
    open_dialog.append(other)
    window.compare.session_action.trigger()
    assert window.model.comparison is None
    assert messages and "(2, 3, 6)" in messages[-1] and "(2, 4, 6)" in messages[-1]
    np.testing.assert_array_equal(window.grid.values, window.model.frame.hidden)


def test_compare_mode_keys_without_a_b_say_there_is_nothing_to_compare(make_window, qtbot):
    window = make_window(SMALL)
    window.compare.mode_actions["B-A"].setEnabled(True)  # as if the key reached it
    window.compare.mode_actions["B-A"].trigger()
    assert window.model.compare_mode == "A" and window.compare.mode_actions["A"].isChecked()
    assert "Nothing to compare with" in window.statusBar().currentMessage()


def test_compare_with_a_checkpoint_steps_b_in_lockstep(make_window, qtbot, open_dialog, tmp_path):
    import torch

    window = make_window(SMALL)
    same = tmp_path / "same.pt"
    torch.save(window.stepper.model.state_dict(), same)
    click(qtbot, window, window.step_action)
    open_dialog.append(same)
    window.compare.checkpoint_action.trigger()
    assert window.compare.label.text().strip() == "B: same.pt"
    for _ in range(3):
        click(qtbot, window, window.step_action)
        assert window.model.comparison.stepper.latest == window.model.frame.t
        assert not window.grid.values.any()  # the same weights on the same inputs: B − A is exactly zero
