"""Opening checkpoints and inputs in the app: menu, drag-and-drop, and mistakes that change nothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import drop
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from hiddenscope.core import Config
from hiddenscope.gui.theme import NAN_RGB, to_rgb


def shapes(w):
    table = w.shape_panel.table
    return [table.item(r, 1).text() for r in range(table.rowCount())]


def test_file_open_loads_a_pymarl_agent_and_the_shape_panel_traces_it(qtbot, make_window, agent_th, monkeypatch):
    w = make_window(Config(batch_size=4, n_agents=3))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(agent_th), ""))
    w.acts.open.trigger()
    assert w.stepper.units == 64 and "agent.th" in w.windowTitle()
    assert shapes(w) == ["(1, 64)", "(1, 64)", "(1, 1, 64)", "(4, 3, 64)"]
    w.acts.step.trigger()
    assert "(12, 64)" in shapes(w) and "(4, 3, 5)" in shapes(w)
    assert w.grid.shown_values(2).shape == (4, 64)
    panel = w.config_panel
    assert (
        not panel.hidden.isEnabled() and "64 GRU units, fixed by PyMARL RNNAgent agent.th" in panel.units_label.text()
    )
    w.acts.seed_model.trigger()
    assert w.stepper.units == 96 and panel.hidden.isEnabled() and w.windowTitle() == "hiddenscope"
    assert shapes(w)[0] == "(1, 96)"


def test_dropping_a_checkpoint_loads_it(qtbot, make_window, agent_th):
    w = make_window(Config(batch_size=2, n_agents=2))
    assert drop(w, agent_th)
    assert w.stepper.units == 64


def test_dropping_a_checkpoint_on_a_replayed_session_says_to_close_it_first(
    qtbot, make_window, agent_th, tmp_path, monkeypatch
):
    import hiddenscope

    w = make_window(Config(batch_size=2, n_agents=2))
    session = tmp_path / "run.h5"
    with hiddenscope.record(session, 2) as rec:
        rec.step(np.zeros((2, 2, 8), np.float32))
    assert w.sessions.open_session(session)
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: messages.append(text))
    assert drop(w, agent_th)
    assert messages == ["A recorded session is on screen: close it first (File → Close session), then drop agent.th"]
    assert w.stepper.capabilities.is_recording and w.stepper.units == 8  # the recording stays on screen


def test_dropping_a_file_of_another_kind_is_not_accepted(qtbot, make_window, tmp_path):
    w = make_window()
    (tmp_path / "notes.txt").write_text("hello")
    assert not drop(w, tmp_path / "notes.txt")
    assert w.stepper.units == 96


def test_a_broken_checkpoint_says_which_key_and_keeps_the_model(qtbot, make_window, agent_th, monkeypatch):
    w = make_window(Config(batch_size=2, n_agents=2))
    w.acts.step.trigger()
    before = w.stepper.frame.hidden.copy()
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: messages.append(text))
    sd = torch.load(agent_th, weights_only=True)
    sd["rnn.bias_hh"] = torch.zeros(10)
    torch.save(sd, agent_th)
    assert not w.files.open_checkpoint(agent_th)
    assert messages and "rnn.bias_hh has shape (10,)" in messages[0]
    assert w.stepper.units == 96 and w.stepper.t == 1
    np.testing.assert_array_equal(w.grid.shown_values(0), before[:, 0, :])


def test_inputs_with_nan_are_drawn_black_and_the_app_goes_on(qtbot, make_window, tmp_path):
    frames = np.zeros((4, 2, 3, 8), np.float32)
    frames[0, 1, 2, :] = np.nan
    np.save(tmp_path / "x.npy", frames)
    w = make_window(Config(hidden_dim=16))
    assert w.files.open_inputs(tmp_path / "x.npy")
    assert "NaN/Inf" in w.statusBar().currentMessage()
    w.acts.step.trigger()
    rgb = w.grid.shown_rgb(2)
    assert (rgb[1] == NAN_RGB).all()  # batch row 1 of agent 2 went NaN
    assert w.grid.has_nonfinite and "NaN/Inf values drawn black" in w.grid.axes_label.text()
    np.testing.assert_array_equal(rgb[0], to_rgb(w.stepper.frame.hidden[0, 2]))
    for _ in range(5):
        w.acts.step.trigger()
    assert w.stepper.t == 6


def test_environment_inputs_or_a_message_saying_how_to_get_them(qtbot, make_window, monkeypatch):
    w = make_window(Config(batch_size=2, n_agents=3))
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: messages.append(text))
    try:
        import mpe2  # noqa: F401
    except ImportError:
        assert not w.files.use_environment()
        assert "-m pip install" in messages[0] and "[mpe]" in messages[0]
        return
    assert w.files.use_environment()
    assert w.stepper.config.input_dim == 18
    w.acts.step.trigger()
    assert "MPE simple_spread" in w.stepper.source.describe()
    assert w.files.use_pattern_inputs() and w.stepper.config.input_dim == 18


@pytest.mark.parametrize("name", ["history", "gates", "summary"])
def test_side_views_save_as_png(qtbot, make_window, tmp_path, monkeypatch, name):
    from PySide6.QtGui import QImage

    w = make_window(Config(batch_size=4, n_agents=2, hidden_dim=16))
    for _ in range(5):
        w.acts.step.trigger()
    dock = getattr(w, f"{name}_dock")
    dock.raise_()
    out = tmp_path / f"{name}.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    view = getattr(w, f"{name}_view")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    image = QImage(str(out))
    assert not image.isNull() and image.width() == view.width() and image.height() == view.height()
    assert image.text("Title").startswith(f"hiddenscope · {name} at t = 5")


def test_a_dropped_pt_of_inputs_is_taken_for_inputs(qtbot, make_window, tmp_path):
    w = make_window(Config(batch_size=2, n_agents=3, hidden_dim=16, input_dim=8))
    frames = torch.linspace(-1, 1, 5 * 2 * 3 * 8).reshape(5, 2, 3, 8)
    torch.save(frames, tmp_path / "obs.pt")
    assert drop(w, tmp_path / "obs.pt")
    assert "obs.pt" in w.stepper.source.describe() and w.stepper.units == 12
    w.acts.step.trigger()
    np.testing.assert_allclose(w.stepper.frame.inputs, frames[0].numpy())


def test_a_dropped_pt_checkpoint_is_still_a_checkpoint(qtbot, make_window, tmp_path, agent_th):
    w = make_window(Config(batch_size=2, n_agents=2))
    pt = tmp_path / "agent.pt"
    pt.write_bytes(agent_th.read_bytes())
    assert drop(w, pt)
    assert w.stepper.units == 64


def test_a_dropped_pt_that_is_neither_says_so_and_changes_nothing(qtbot, make_window, tmp_path, messages):
    w = make_window(Config(batch_size=2, n_agents=2, hidden_dim=16))
    torch.save(torch.zeros(7, 3), tmp_path / "flat.pt")
    assert drop(w, tmp_path / "flat.pt")
    assert messages and "neither a checkpoint" in messages[0] and "2-dimensional" in messages[0]
    assert w.stepper.units == 12 and "pattern" in w.stepper.source.describe().lower()
