"""Real agents in real episodes, in the app: environment choice, run folders, resets, tracks, status."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from helpers import click, drop
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from hiddenscope.core import Config
from hiddenscope.core.agents.pymarl import RNNAgent
from hiddenscope.gui.panels.environment_dialog import EnvironmentDialog

pytest.importorskip("lbforaging")
LBF = {"size": "5", "food": "1", "max_episode_steps": "30"}


def fill_environment_dialog(qtbot, name: str, options: dict[str, str], actions: str = "greedy") -> list[str]:
    """When the environment dialog opens, choose ``name`` and type ``options`` into it, then press OK."""
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, EnvironmentDialog):
            QTimer.singleShot(20, answer)
            return
        dialog.env_box.setCurrentIndex(dialog.env_box.findData(name))
        seen.extend(dialog.option_edits)
        for key, value in options.items():
            dialog.option_edits[key].setText(value)
        dialog.actions_box.setCurrentIndex(dialog.actions_box.findData(actions))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)
    return seen


def lbf_window(qtbot, make_window, batch: int = 6):
    w = make_window(Config(batch_size=batch, n_agents=2, hidden_dim=32))
    options = fill_environment_dialog(qtbot, "lbf", LBF)
    w.acts.env.trigger()
    assert "players" in options and "food" in options  # the dialog offered lbf's own options
    assert w.stepper.config.env == "lbf" and "Level-Based Foraging" in w.stepper.source.describe()
    return w


def step_until_a_partial_reset(qtbot, w, limit: int = 300) -> np.ndarray:
    """Click Step until a step where some (not all) batch rows start a new episode; their flags."""
    for _ in range(limit):
        click(qtbot, w, w.acts.step)
        frame = w.stepper.frame
        if frame.t > 1 and frame.episode.start.any() and not frame.episode.start.all():
            return frame.episode.start
    pytest.fail("no episode ended on its own within the steps tried")


def test_rows_whose_episode_starts_are_marked_beside_the_tile_and_named(qtbot, make_window):
    w = lbf_window(qtbot, make_window)
    start = step_until_a_partial_reset(qtbot, w)
    rows = [int(r) for r in np.flatnonzero(start)]
    assert w.grid.reset_rows == rows
    caption = w.grid.axes_label.text()
    assert "new episode in row" in caption and str(rows[0]) in caption
    xs, ys = w.grid.reset_marks.getData()
    assert len(xs) == len(rows) * len(w.grid.visible_agents())  # one mark per reset row per agent
    left, top = w.grid.tile_origin(0)
    assert min(ys) == top + rows[0] + 0.5  # beside the row's middle ...
    assert (xs < left).any() and all(  # ... in the margin left of a tile, never over its values
        not any(ox <= x < ox + w.grid.values.shape[2] for ox, _ in map(w.grid.tile_origin, w.grid.visible_agents()))
        for x in xs
    )
    assert "new episode started in this row" in w.grid.describe(0, rows[0], 0)
    # The next step starts no episode in those rows: the outline goes.
    click(qtbot, w, w.acts.step)
    if not w.stepper.frame.episode.start.any():
        assert w.grid.reset_rows == [] and len(w.grid.reset_marks.getData()[0]) == 0


def test_op_stepping_through_a_reset_shows_init_hidden_in_the_starting_rows_only(qtbot, make_window):
    w = lbf_window(qtbot, make_window)
    start = step_until_a_partial_reset(qtbot, w)
    t = w.stepper.t
    before = w.stepper.snapshot(t - 1).hidden
    initial = w.stepper.snapshot(0).hidden  # h_0: what init_hidden gave (no edits here)
    trace = w.stepper.frame.trace
    where = next(i for i, r in enumerate(trace) if r.role == "reset" and r.op.startswith("where"))
    gru = next(i for i, r in enumerate(trace) if r.op.startswith("gru_cell"))
    for _ in range(where + 1):
        qtbot.mouseClick(w.shape_panel.op_button, Qt.MouseButton.LeftButton)
    assert w.model.view.op_index == where
    shown = w.grid.values
    np.testing.assert_array_equal(shown[start], initial[start])
    np.testing.assert_array_equal(shown[~start], before[~start])
    for _ in range(gru - where):
        qtbot.mouseClick(w.shape_panel.op_button, Qt.MouseButton.LeftButton)
    assert w.model.view.op_index == gru
    np.testing.assert_array_equal(w.grid.values, w.stepper.frame.hidden)


def test_tracks_under_the_history_show_boundaries_returns_and_actions(qtbot, make_window):
    w = lbf_window(qtbot, make_window)
    start = step_until_a_partial_reset(qtbot, w)
    row = int(np.flatnonzero(start)[0])
    for _ in range(5):
        click(qtbot, w, w.acts.step)
    w.history_dock.raise_()
    w.history_view.row_box.setValue(row)
    w.history_view.agent_box.setValue(1)
    qtbot.waitUntil(lambda: w.history_view.tracks.isVisible())
    tracks = w.history_view.tracks
    ts = tracks.ts
    hist = w.stepper.history
    # Independently of the tracks: each step's reward, restarting the sum where an episode starts.
    rewards = np.array([hist.rewards[t % hist.capacity, row] for t in ts[1:]])
    starts = np.array([hist.episode_start[t % hist.capacity, row] for t in ts[1:]])
    expected, total = [], 0.0
    for reward, first in zip(rewards, starts, strict=True):
        total = reward if first else total + reward
        expected.append(total)
    _, drawn = tracks.returns_curve.getData()
    np.testing.assert_allclose(drawn[1:], expected, rtol=1e-5, atol=1e-6)
    boundary_ts = sorted({line.value() + 0.5 for _, line in tracks.boundaries})
    assert boundary_ts == [float(t) for t in ts[1:][starts] if t > 1]
    dots = tracks.actions_dots.getData()
    actions = np.array([hist.actions[t % hist.capacity, row, 1] for t in ts[1:]])
    np.testing.assert_array_equal(dots[1], actions)
    assert f"batch row {row}" in tracks.caption.text()


def test_status_bar_counts_finished_episodes_and_their_mean_return(qtbot, make_window):
    w = lbf_window(qtbot, make_window)
    step_until_a_partial_reset(qtbot, w)
    hist = w.stepper.history
    done = sum(int(hist.snapshot(t).episode.done.sum()) for t in range(1, w.stepper.t + 1))
    finished = [
        float(hist.snapshot(t).episode.returns[r])
        for t in range(1, w.stepper.t + 1)
        for r in np.flatnonzero(hist.snapshot(t).episode.done)
    ]
    text = w.status.episodes_label.text()
    assert w.status.episodes_label.isVisible()
    assert f"{done} episode" in text and f"mean return {np.mean(finished):+.2f}" in text
    assert text.strip().startswith("lbf · greedy ·")  # which environment, and how its agents act
    w.acts.pattern.trigger()  # back to inputs without episodes: the label goes
    assert not w.status.episodes_label.isVisible()


def pymarl_run(tmp_path, inputs: int, flags: dict) -> tuple:
    run = tmp_path / "results" / "models" / "qmix_run"
    agents = {}
    for step, seed in ((100, 1), (200, 2)):
        torch.manual_seed(seed)
        (run / str(step)).mkdir(parents=True)
        agent = RNNAgent(inputs, 64, 5)
        torch.save(agent.state_dict(), run / str(step) / "agent.th")
        agents[step] = agent
    (run / "config.json").write_text(json.dumps({"agent": "rnn", "rnn_hidden_dim": 64, **flags}))
    return run, agents


def test_a_dropped_run_folder_drives_its_agent_in_the_environment_as_trained(qtbot, make_window, tmp_path):
    pytest.importorskip("mpe2")
    w = make_window(Config(batch_size=2, n_agents=3, hidden_dim=32))
    assert w.files.use_environment("simple_spread", {"n_agents": "3"})
    # simple_spread with 3 agents: 18 observations + 5 last-action + 3 agent-id = 26 inputs.
    run, agents = pymarl_run(tmp_path, 26, {"obs_last_action": True, "obs_agent_id": True})
    assert drop(w, run)
    c = w.stepper.config
    assert c.family == "pymarl" and c.input_dim == 26 and c.obs_last_action and c.obs_agent_id
    assert "200" in w.statusBar().currentMessage()  # the latest step of the run
    for _ in range(3):
        click(qtbot, w, w.acts.step)
    frame = w.stepper.frame
    np.testing.assert_array_equal(frame.inputs[:, :, -3:], np.broadcast_to(np.eye(3), (2, 3, 3)))
    previous = w.stepper.snapshot(2).episode.actions
    np.testing.assert_array_equal(frame.inputs[:, :, 18:23], np.eye(5)[previous])  # one-hot last action
    # The step-200 agent's own numbers on the inputs it got, and greedy actions on its Q-values.
    agent = agents[200]
    with torch.no_grad():
        x = torch.from_numpy(frame.inputs.reshape(6, 26).copy())
        h_prev = torch.from_numpy(w.stepper.snapshot(2).hidden.reshape(6, 64).copy())
        q, h = agent(x, h_prev)
    np.testing.assert_allclose(frame.hidden.reshape(6, 64), h.numpy(), atol=1e-5)
    np.testing.assert_array_equal(frame.episode.actions, q.numpy().reshape(2, 3, 5).argmax(-1))


def test_open_run_folder_asks_for_a_folder_and_a_mixer_file_says_what_it_is(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    w = make_window(Config(batch_size=2, n_agents=3, hidden_dim=32))
    run, _ = pymarl_run(tmp_path, 12, {})
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(run / "100"))
    w.acts.open_run.trigger()
    assert w.stepper.config.input_dim == 12 and w.stepper.units == 64
    torch.save({"hyper_w_1.weight": torch.zeros(2, 2)}, run / "100" / "mixer.th")
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: messages.append(text))
    assert not w.files.open_checkpoint(run / "100" / "mixer.th")
    assert "mixer" in messages[0] and "agent.th" in messages[0]
    assert w.stepper.units == 64  # the agent on screen stays


def test_the_environment_dialog_remembers_the_last_choice(qtbot, make_window, settings, monkeypatch):
    w = make_window(Config(batch_size=2, n_agents=2, hidden_dim=32))
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: messages.append(text))
    fill_environment_dialog(qtbot, "lbf", LBF, actions="sample")
    w.acts.env.trigger()
    # The seed agent's outputs are no policy: sampling from them is refused, saying why.
    assert messages and "sample" in messages[0] and "Q-values" in messages[0]
    assert w.stepper.config.env == ""
    dialog = EnvironmentDialog(2, settings)
    assert dialog.name == "lbf" and dialog.actions_box.currentData() == "sample"
    assert dialog.option_edits["players"].text() == "2"  # the window's agents, typed in for the user
    assert isinstance(dialog.findChild(QDialogButtonBox), QDialogButtonBox)


def test_an_environment_the_checkpoint_does_not_fit_is_refused_and_named(qtbot, make_window, agent_th, monkeypatch):
    w = make_window(Config(batch_size=2, n_agents=2))
    assert w.files.open_checkpoint(agent_th)  # 16 inputs, 5 outputs
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: messages.append(text))
    fill_environment_dialog(qtbot, "lbf", LBF)
    w.acts.env.trigger()
    assert messages and "6 actions" in messages[0]  # lbf has 6 actions; the agent outputs 5
    assert w.stepper.config.env == "" and w.stepper.config.input_dim == 16


def test_a_live_environment_locks_the_agent_count_and_says_where_it_is_changed(qtbot, make_window):
    pytest.importorskip("lbforaging")
    w = lbf_window(qtbot, make_window)
    agents = w.config_panel.agents
    assert not agents.isEnabled() and agents.value() == 2
    assert "lbf runs 2 agents" in agents.toolTip() and "Inputs from an environment" in agents.toolTip()
    w.acts.pattern.trigger()  # back to pattern inputs: the count is the user's again
    qtbot.waitUntil(lambda: w.stepper.config.env == "")
    assert agents.isEnabled() and "lbf" not in agents.toolTip()


def test_the_environment_dialog_opens_on_the_running_environment_and_the_runs_own_actions(qtbot, make_window, tmp_path):
    """Pressing OK without touching Actions must not turn a sampling policy greedy."""
    from PySide6.QtCore import QSettings

    pytest.importorskip("lbforaging")
    fresh = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    dialog = EnvironmentDialog(2, fresh, running="lbf")
    assert dialog.name == "lbf"  # not the first in the list: the one running
    assert dialog.actions_box.currentData() == "run" and "as the run chooses" in dialog.actions_box.currentText()
    assert dialog.choices()[2] == "run"  # use_environment then asks for the run's own action_selector
    assert EnvironmentDialog(2, fresh).name == "simple_spread"  # nothing running, nothing remembered


def test_as_the_run_chooses_gives_a_sampling_policy_back_its_sampling_and_the_options_stay(
    qtbot, make_window, tmp_path
):
    """An EPyMARL policy run (soft_policies): greedy by choice, then 'as the run chooses' samples again; the
    running environment's options are shown as they are, so OK untouched keeps them."""
    pytest.importorskip("mpe2")

    from test_real_runs import ACTIONS, AGENTS, MAPPO, OBS, agent_weights, save_run  # the policy run made there

    step = save_run(tmp_path / "mappo" / "100", agent_weights(OBS + ACTIONS + AGENTS), MAPPO).parent
    w = make_window(Config(batch_size=2, n_agents=3, hidden_dim=32))
    assert w.files.open_checkpoint(step)
    assert w.files.use_environment("simple_spread", {"n_agents": "3", "max_cycles": "7"}, "run")
    assert w.stepper.config.actions == "sample"
    assert w.files.use_environment("simple_spread", {"n_agents": "3", "max_cycles": "7"}, "greedy")
    assert w.stepper.config.actions == "greedy"
    assert w.files.use_environment("simple_spread", {"n_agents": "3", "max_cycles": "7"}, "run")
    assert w.stepper.config.actions == "sample" and "soft_policies" in w.stepper.config.actions_from
    c = w.stepper.config
    dialog = EnvironmentDialog(3, None, running=c.env, running_options=dict(c.env_options))
    assert dialog.option_edits["max_cycles"].text() == "7"  # as it runs, not blank (which meant the default)
    assert dialog.choices()[1]["max_cycles"] == "7"
