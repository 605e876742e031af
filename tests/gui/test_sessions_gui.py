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


# -- replay ---------------------------------------------------------------------------------------------------


def record(tmp_path, steps: int = 6, name: str = "run.h5"):
    path = tmp_path / name
    record_session(Stepper(SMALL), steps, path)
    return path


def test_open_session_replays_the_recorded_states_with_step_back_and_the_timeline(
    make_window, qtbot, open_dialog, messages, tmp_path
):
    path = record(tmp_path)
    truth = Stepper(SMALL)
    truth.run(6)
    window = make_window(SMALL)
    live = window.stepper
    open_dialog.append(path)
    window.sessions.open_action.trigger()
    assert window.model.stepper is not live and window.model.stepper.model is None
    assert "run.h5" in window.windowTitle() and "recorded session" in window.windowTitle()
    assert not window.open_action.isEnabled() and not window.config_panel.isEnabled()
    for t in range(1, 4):
        click(qtbot, window, window.step_action)
        assert window.t_label.text().split()[2] == str(t)
        np.testing.assert_array_equal(window.grid.values, truth.snapshot(t).hidden)
        assert window.shape_panel.records and window.shape_panel.records[0].step == t
    click(qtbot, window, window.back_action)
    np.testing.assert_array_equal(window.grid.values, truth.snapshot(2).hidden)
    window.timeline.setValue(5)  # the slider spans the whole recording
    assert window.timeline.maximum() == 6 and window.model.frame.t == 5
    np.testing.assert_array_equal(window.grid.values, truth.snapshot(5).hidden)
    # The gates need the model: the view says so instead of drawing nothing.
    window.gates_dock.raise_()
    qtbot.waitUntil(lambda: "holds the hidden states, not the model" in window.gates_view.caption.text())
    # Step past the end: the status bar says it is a recording and where it ends; no dialog, nothing reset.
    click(qtbot, window, window.step_action)
    click(qtbot, window, window.step_action)
    assert window.model.frame.t == 6
    assert "run.h5 is a recording: it ends at t = 6" in window.statusBar().currentMessage()
    assert messages == []
    # Close session: back to the live run, as it was.
    window.sessions.close_action.trigger()
    assert window.model.stepper is live and window.open_action.isEnabled() and window.config_panel.isEnabled()
    np.testing.assert_array_equal(window.grid.values, live.frame.hidden)


def test_play_on_a_session_stops_at_its_end_with_a_message(make_window, qtbot, messages, tmp_path):
    path = record(tmp_path, steps=4)
    window = make_window(SMALL)
    window.speed_box.setValue(200)
    assert window.sessions.open_session(path)
    click(qtbot, window, window.play_action)
    qtbot.waitUntil(lambda: not window.playing, timeout=10000)
    assert window.model.frame.t == 4 and messages == []
    assert "it ends at t = 4" in window.statusBar().currentMessage()


def test_a_dropped_session_opens_for_replay(make_window, tmp_path):
    from helpers import drop

    path = record(tmp_path, steps=2)
    window = make_window(SMALL)
    assert drop(window, path)
    assert window.model.stepper.path == path and window.model.frame.t == 0


@pytest.mark.parametrize("kind", ["truncated", "not HDF5"])
def test_a_bad_session_file_is_a_dialog_and_the_session_shown_stays(make_window, qtbot, messages, tmp_path, kind):
    good = record(tmp_path, steps=3)
    bad = tmp_path / "bad.h5"
    if kind == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:
        bad.write_text("this is a text file\n")
    window = make_window(SMALL)
    assert window.sessions.open_session(good)
    click(qtbot, window, window.step_action)
    shown, values = window.model.stepper, window.grid.values.copy()
    assert not window.sessions.open_session(bad)
    assert len(messages) == 1 and "bad.h5" in messages[0]
    assert ("truncated" in messages[0]) if kind == "truncated" else ("not an HDF5 file" in messages[0])
    assert window.model.stepper is shown and window.model.frame.t == 1
    np.testing.assert_array_equal(window.grid.values, values)


def test_a_screenshot_of_the_session_in_the_app_is_the_command_lines(make_window, qtbot, tmp_path, qapp):
    from PySide6.QtGui import QImage

    from hiddenscope.cli import main
    from hiddenscope.gui.screenshot import MARGIN, TITLE_H

    path = record(tmp_path, steps=5)
    cli_png, app_png = tmp_path / "cli.png", tmp_path / "app.png"
    assert main(["screenshot", "--session", str(path), "--at", "3", "--out", str(cli_png)]) == 0
    window = make_window(SMALL)
    window.sessions.open_session(path)
    window.timeline.setValue(3)
    assert window.save_screenshot(app_png) == app_png
    a, b = QImage(str(cli_png)), QImage(str(app_png))
    assert a.size() == b.size()
    # Every pixel below the title line is the same (the app's title names what it shows: "h_3").
    from hiddenscope.gui.screenshot import image_rgb

    top = MARGIN + TITLE_H
    np.testing.assert_array_equal(image_rgb(a)[top:], image_rgb(b)[top:])


def test_the_command_line_opens_the_app_on_a_session_and_refuses_a_bad_one(tmp_path, capsys):
    from hiddenscope.cli import main

    bad = tmp_path / "bad.h5"
    bad.write_text("not a session")
    assert main(["--session", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "not an HDF5 file" in err and "Traceback" not in err
    good = record(tmp_path, steps=2)
    assert main(["--session", str(good), "--batch-size", "4"]) == 2
    assert "cannot go with --session" in capsys.readouterr().err
    # Before a command that takes a session, --session is that command's.
    assert main(["--session", str(good), "screenshot", "--at", "1", "--out", str(tmp_path / "x.png")]) == 0
