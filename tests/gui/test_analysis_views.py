"""The analysis docks on planted data: trajectories, agents side by side, and edits run as a branch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from helpers import click, draw_specs
from PySide6.QtCore import QPoint, Qt
from torch import nn

from hiddenscope.core import Config, ConfigError
from hiddenscope.core.edits import Edit
from hiddenscope.core.export import history_arrays
from hiddenscope.gui.theme import COLOURS

UNITS = 12
PLANE = (0, 3, 7, 9)  # the circle lives in these units (never in IDENTITY)
IDENTITY = 5  # the unit holding a level per agent
PERIOD = 30  # steps per turn


def plane_basis() -> np.ndarray:
    """Two orthonormal directions ``(2, UNITS)`` spread over the units of :data:`PLANE`."""
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.standard_normal((len(PLANE), 2)))
    basis = np.zeros((2, UNITS))
    basis[:, PLANE] = q.T
    return basis


class CircleAgents(nn.Module):
    """Agent a's h_t = radius[a] · (cos, sin)(2π t / PERIOD + phase[a]) in a fixed plane, plus level[a] on IDENTITY.

    Every batch row is the same; the inputs are ignored.  A step turns h by one angle
    step inside the plane (a rotation matrix acting on the row vector), so the planted
    path is exact in float32.
    """

    def __init__(self, radii, phases, levels) -> None:
        super().__init__()
        u, v = plane_basis()
        c, s = math.cos(2 * math.pi / PERIOD), math.sin(2 * math.pi / PERIOD)
        turn = np.eye(UNITS) - np.outer(u, u) - np.outer(v, v) + np.outer(u, c * u + s * v) + np.outer(v, c * v - s * u)
        h0 = np.array([r * (math.cos(p) * u + math.sin(p) * v) for r, p in zip(radii, phases, strict=True)])
        h0[:, IDENTITY] = levels
        self.n_agents = len(radii)
        self.register_buffer("turn", torch.tensor(turn, dtype=torch.float32))
        self.register_buffer("h0", torch.tensor(h0, dtype=torch.float32))

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return self.h0.unsqueeze(0).expand(batch_size, -1, -1)

    def forward(self, inputs: torch.Tensor, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = hidden.reshape(-1, self.n_agents, UNITS) @ self.turn
        return h, h


def planted_path(radius: float, phase: float, ts: np.ndarray) -> np.ndarray:
    angle = 2 * math.pi * ts / PERIOD + phase
    return radius * np.column_stack([np.cos(angle), np.sin(angle)])


def rigid_map(planted: np.ndarray, drawn: np.ndarray):
    """The rotation or reflection and shift that best carry ``planted`` points onto ``drawn`` ones (Procrustes)."""
    pm, dm = planted.mean(axis=0), drawn.mean(axis=0)
    u, _, vt = np.linalg.svd((planted - pm).T @ (drawn - dm))
    turn = u @ vt
    return lambda points: (np.asarray(points) - pm) @ turn + dm


def same_up_to_rotation(drawn: np.ndarray, planted: np.ndarray) -> float:
    """The largest distance left after the best rotation or reflection (and shift) of ``planted`` onto ``drawn``."""
    return float(np.abs(rigid_map(planted, drawn)(planted) - drawn).max())


SMALL = Config(batch_size=2, n_agents=3, hidden_dim=16, input_dim=4)


def step(qtbot, window, n: int) -> None:
    for _ in range(n):
        click(qtbot, window, window.acts.step)


def show(qtbot, dock, view) -> None:
    dock.raise_()
    qtbot.waitUntil(view.seen)
    view.redraw()


def click_at(qtbot, view, x: float, y: float) -> None:
    """A left click on the trajectory plot at data point (x, y)."""
    scene = view.plot.getPlotItem().vb.mapViewToScene(pg_point(x, y))
    pos = view.plot.mapFromScene(scene)
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))


def pg_point(x: float, y: float):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)


# -- trajectories -----------------------------------------------------------------------------------------------------


def test_trajectories_recover_a_planted_circle_and_a_click_seeks(qtbot, make_window):
    radii, phases = (0.2, 0.5, 0.8), (0.0, 1.0, 2.0)
    w = make_window(SMALL, model_factory=lambda c: CircleAgents(radii, phases, (0.0, 0.0, 0.0)))
    step(qtbot, w, PERIOD - 1)  # t = 0..29: one whole turn
    view = w.trajectory_view
    show(qtbot, w.trajectory_dock, view)
    qtbot.mouseClick(view.fit_button, Qt.MouseButton.LeftButton)
    ts = np.arange(PERIOD)
    np.testing.assert_array_equal(view.fit.ts, ts)
    for agent in range(3):
        drawn = view.drawn_points(agent)
        assert drawn.shape == (PERIOD, 2)
        # The drawn line is the planted circle, turned or mirrored (PCA fixes neither), not bent or scaled.
        assert same_up_to_rotation(drawn, planted_path(radii[agent], phases[agent], ts)) < 1e-4
        np.testing.assert_allclose(np.hypot(*drawn.T), radii[agent], atol=1e-4)
        # The marker of the t shown sits on the line's last point.
        np.testing.assert_allclose(np.column_stack(view.markers[agent].getData())[0], drawn[-1], atol=1e-5)
    assert "t = 0…29" in view.caption.text()

    # A click on agent 2's point at t = 7 (the outer circle: no other point near it) goes to t = 7.
    x, y = view.drawn_points(2)[7]
    click_at(qtbot, view, x, y)
    qtbot.waitUntil(lambda: w.stepper.t == 7)
    assert "t = 7" in w.t_label.text()
    assert w.model.view.agent == 2 and w.history_view.agent_box.value() == 2  # History follows the clicked agent
    view.redraw()
    for agent in range(3):
        np.testing.assert_allclose(
            np.column_stack(view.markers[agent].getData())[0], view.drawn_points(agent)[7], atol=1e-5
        )


def test_trajectories_are_fitted_on_fit_not_per_frame(qtbot, make_window):
    w = make_window(SMALL, model_factory=lambda c: CircleAgents((0.5,) * 3, (0.0, 1.0, 2.0), (0.0,) * 3))
    step(qtbot, w, 10)
    view = w.trajectory_view
    show(qtbot, w.trajectory_dock, view)
    fit = view.fit
    assert fit is not None and fit.ts[-1] == 10
    step(qtbot, w, 5)
    view.redraw()
    assert view.fit is fit and "Fit again" in view.caption.text()
    # A step newer than the fit still gets its marker: where the fitted plane puts the planted state of t = 15.
    ts = np.arange(11)
    to_plane = rigid_map(planted_path(0.5, 1.0, ts), view.drawn_points(1))
    expected = to_plane(planted_path(0.5, 1.0, np.array([15])))[0]
    np.testing.assert_allclose(np.column_stack(view.markers[1].getData())[0], expected, atol=1e-4)
    qtbot.mouseClick(view.fit_button, Qt.MouseButton.LeftButton)
    assert view.fit is not fit and view.fit.ts[-1] == 15 and "Fit again" not in view.caption.text()


def test_umap_is_offered_only_when_installed(make_window):
    import importlib.util

    w = make_window(SMALL)
    item = w.trajectory_view.method_box.model().item(1)
    assert item.text() == "UMAP"
    installed = importlib.util.find_spec("umap") is not None
    assert item.isEnabled() == installed
    if not installed:
        assert "pip install umap-learn" in item.toolTip()


# -- agents side by side ---------------------------------------------------------------------------------------------


def test_agents_view_ranks_the_identity_unit_first_and_shows_twins_as_one(qtbot, make_window):
    # Agents 0 and 1 are the same in every unit; agent 2 turns a quarter ahead and sits lower on IDENTITY.
    model = lambda c: CircleAgents((0.5, 0.5, 0.5), (0.0, 0.0, math.pi / 2), (0.3, 0.3, -0.6))  # noqa: E731
    w = make_window(SMALL, model_factory=model)
    step(qtbot, w, PERIOD - 1)
    view = w.agents_view
    show(qtbot, w.agents_dock, view)
    qtbot.mouseClick(view.rank_button, Qt.MouseButton.LeftButton)
    assert view.ranked_units()[0] == IDENTITY
    assert view.table.item(0, 0).text() == str(IDENTITY)
    assert float(view.table.item(0, 1).text()) > 1e3  # it never moves in time: the ratio is huge
    assert "t = 0…29" in view.rank_caption.text()
    # Clicking it marks it in every view (the model's unit selection).
    rect = view.table.visualItemRect(view.table.item(0, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.model.view.unit_selection is not None and list(w.model.view.unit_selection.units) == [IDENTITY]

    h = w.stepper.frame.hidden  # t = 29
    sim = view.similarity
    assert sim.shape == (3, 3)
    assert sim[0, 1] == pytest.approx(1.0, abs=1e-6)
    expected = np.corrcoef(h[:, 0].ravel(), h[:, 2].ravel())[0, 1]
    assert sim[0, 2] == pytest.approx(expected, abs=1e-6)
    # The cell drawn for agents 0 and 1 has the colour of 1.0, and says so.
    assert view.image.image[0, 1] == COLOURS.index(np.array([1.0]))[0]
    assert view.cell_texts[1].toPlainText() == "1.00"

    view.metric_box.setCurrentIndex(view.metric_box.findData("cosine"))
    a, b = h[:, 0].ravel().astype(float), h[:, 2].ravel().astype(float)
    assert view.similarity[0, 2] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b), abs=1e-6)
    assert "cosine" in view.caption.text()


# -- interventions ---------------------------------------------------------------------------------------------------

EDIT_CONFIG = Config(batch_size=3, n_agents=4, hidden_dim=16, input_dim=5)  # the seed GRU, 12 units


def fill_edit(panel, t: int, agents: str, op: str, value: str = "", rows: str = "all", units: str = "all") -> None:
    panel.t_box.setValue(t)
    panel.agents_edit.setText(agents)
    panel.rows_edit.setText(rows)
    panel.units_edit.setText(units)
    panel.op_box.setCurrentIndex(panel.op_box.findData(op))
    panel.arg_edit.setText(value)


def test_an_edit_made_in_the_panel_runs_as_a_branch_that_differs_only_where_and_when_it_says(qtbot, make_window):
    w = make_window(EDIT_CONFIG)
    step(qtbot, w, 6)
    panel = w.edit_panel
    fill_edit(panel, 3, "1", "set", "0.5", units="2-4")
    assert panel.command_line.text() == "--edit 3:1:set=0.5:units=2-4"
    assert panel.problem.text() == ""
    qtbot.mouseClick(panel.branch_button, Qt.MouseButton.LeftButton)

    comp = w.model.comparison
    assert comp is not None and comp.label == "branch: 3:1:set=0.5:units=2-4"
    assert w.model.view.compare_mode == "B-A" and panel.mode_buttons["B-A"].isChecked()
    a = history_arrays(w.stepper)["hidden"]  # t = 0..6
    b = np.stack([comp.hidden_at(t) for t in range(7)])
    np.testing.assert_array_equal(b[:3], a[:3])  # nothing before T changes
    changed = b[3] != a[3]
    expected = np.zeros_like(changed)
    expected[:, 1, 2:5] = True
    np.testing.assert_array_equal(changed, expected)  # at T: exactly agent 1's units 2-4, every row
    np.testing.assert_array_equal(b[3][:, 1, 2:5], 0.5)
    # The seed's agents do not share state: after T only agent 1 goes its own way.
    for t in (4, 5, 6):
        np.testing.assert_array_equal(np.delete(b[t], 1, axis=1), np.delete(a[t], 1, axis=1))
        assert not np.array_equal(b[t][:, 1], a[t][:, 1])

    # The heatmaps in B − A: zero everywhere before T, the edit at T.
    for _ in range(4):
        click(qtbot, w, w.acts.back)
    assert w.stepper.t == 2
    for agent in range(4):
        np.testing.assert_array_equal(w.grid.shown_values(agent), 0.0)
    click(qtbot, w, w.acts.step)
    np.testing.assert_allclose(w.grid.shown_values(1)[:, 2:5], 0.5 - a[3][:, 1, 2:5], atol=1e-6)
    np.testing.assert_array_equal(w.grid.shown_values(0), 0.0)
    # B alone, from the panel's own buttons.
    qtbot.mouseClick(panel.mode_buttons["B"], Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(w.grid.shown_values(1), b[3][:, 1])
    # The branch steps along with the session.
    step(qtbot, w, 5)  # t = 3 -> 6 replays, 7 and 8 are new
    assert w.stepper.t == 8 and comp.holds(8)
    qtbot.mouseClick(panel.drop_button, Qt.MouseButton.LeftButton)
    assert w.model.comparison is None and w.model.view.compare_mode == "A"


def test_a_list_of_edits_makes_one_branch(qtbot, make_window):
    w = make_window(EDIT_CONFIG)
    step(qtbot, w, 4)
    panel = w.edit_panel
    fill_edit(panel, 1, "0-1", "swap", "0,1")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    fill_edit(panel, 2, "all", "zero", rows="2")
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert [panel.edit_list.item(i).text() for i in range(2)] == ["1:0-1:swap=0,1", "2:all:zero:rows=2"]
    qtbot.mouseClick(panel.branch_button, Qt.MouseButton.LeftButton)
    comp = w.model.comparison
    assert comp.label == "branch: 1:0-1:swap=0,1 2:all:zero:rows=2"
    a = history_arrays(w.stepper)["hidden"]
    np.testing.assert_array_equal(comp.hidden_at(0), a[0])
    np.testing.assert_array_equal(comp.hidden_at(1)[:, [1, 0, 2, 3]], a[1])  # agents 0 and 1 swapped
    np.testing.assert_array_equal(comp.hidden_at(2)[2], 0.0)


@pytest.mark.parametrize(
    "fields, text",
    [
        ((3, "7", "zero"), "3:7:zero"),  # agent out of range
        ((3, "1", "set", "0.5", "all", "20"), "3:1:set=0.5:units=20"),  # unit out of range
        ((3, "1", "clamp", "0.5"), "3:1:clamp=0.5"),  # clamp needs LO,HI
        ((3, "1", "copy", "9"), "3:1:copy=9"),  # copy from an agent that is not there
        ((3, "0-2", "swap", "0,1"), "3:0-2:swap=0,1"),  # swap names more agents than it swaps
    ],
)
def test_a_bad_edit_is_refused_with_the_command_lines_message(qtbot, make_window, fields, text):
    w = make_window(EDIT_CONFIG)
    step(qtbot, w, 2)
    panel = w.edit_panel
    fill_edit(panel, *fields)
    assert panel.command_line.text() == f"--edit {text}"
    with pytest.raises(ConfigError) as refused:
        Edit.parse(text).check(3, 4, 12)
    assert panel.problem.text() == str(refused.value)
    assert not panel.add_button.isEnabled()
    qtbot.mouseClick(panel.branch_button, Qt.MouseButton.LeftButton)
    assert w.model.comparison is None
    assert str(refused.value) in w.statusBar().currentMessage()


def test_the_edit_panel_follows_the_t_shown_until_t_is_set(qtbot, make_window):
    w = make_window(EDIT_CONFIG)
    panel = w.edit_panel
    step(qtbot, w, 3)
    assert panel.t_box.value() == 3
    panel.t_box.setValue(1)
    step(qtbot, w, 1)
    assert panel.t_box.value() == 1
    qtbot.mouseClick(panel.t_here, Qt.MouseButton.LeftButton)
    assert panel.t_box.value() == 4


def test_a_rebuild_drops_the_branch(qtbot, make_window):
    w = make_window(EDIT_CONFIG)
    step(qtbot, w, 2)
    fill_edit(w.edit_panel, 1, "0", "zero")
    qtbot.mouseClick(w.edit_panel.branch_button, Qt.MouseButton.LeftButton)
    assert w.model.comparison is not None
    w.config_panel.seed.setValue(5)
    qtbot.mouseClick(w.config_panel.apply_button, Qt.MouseButton.LeftButton)
    assert w.model.comparison is None
    assert "branch was dropped" in w.edit_panel.branch_label.text()


# -- saving ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_the_new_views_save_as_png_and_svg(qtbot, make_window, tmp_path, suffix):
    w = make_window(SMALL, model_factory=lambda c: CircleAgents((0.5,) * 3, (0.0, 1.0, 2.0), (0.1, 0.2, 0.3)))
    step(qtbot, w, 12)
    for dock, view, name in ((w.trajectory_dock, w.trajectory_view, "trajectories"),
                             (w.agents_dock, w.agents_view, "agents")):  # fmt: skip
        show(qtbot, dock, view)
        saved = w.files.save_view(view, name, tmp_path / f"{name}{suffix}")
        assert saved is not None
        data = (tmp_path / f"{name}{suffix}").read_bytes()
        if suffix == ".png":
            assert data.startswith(b"\x89PNG")
        else:
            assert b"<svg" in data and (b"<path" in data or b"<polyline" in data)
            if name == "trajectories":  # 13 steps × 3 agents of points, drawn as shapes, not stamped bitmaps
                assert data.count(b"<image") < 13


def test_with_an_environment_the_branch_acts_in_environments_of_its_own(qtbot, make_window, tmp_path):
    pytest.importorskip("mpe2")
    from conftest import PyMARLLayout

    from hiddenscope.core.plan import Request, plan

    # A PyMARL agent whose greedy actions follow its hidden state: simple_spread's 18 observations,
    # the one-hot last action (5) and agent id (3) in, 5 actions out.
    torch.manual_seed(3)
    torch.save(PyMARLLayout(26, 32, 5).state_dict(), tmp_path / "agent.th")
    request = Request(
        env="simple_spread", env_args=["max_cycles=25"], batch_size=4, checkpoint=str(tmp_path / "agent.th")
    )
    p = plan(request)
    w = make_window(p.config, model_factory=p.model_factory, input_factory=p.input_factory)
    step(qtbot, w, 10)
    panel = w.edit_panel
    fill_edit(panel, 2, "all", "set", "0.9")
    qtbot.mouseClick(panel.branch_button, Qt.MouseButton.LeftButton)
    comp = w.model.comparison
    a = [w.stepper.snapshot(t).episode for t in range(11)]
    b = [comp.episode_at(t) for t in range(11)]
    for t in range(1, 3):  # up to T both runs see and do the same
        np.testing.assert_array_equal(b[t].actions, a[t].actions)
        np.testing.assert_array_equal(b[t].returns, a[t].returns)
    # After the edit the branch's agents act on their own state, in their own environments.
    assert any(not np.array_equal(b[t].actions, a[t].actions) for t in range(3, 11))
    assert not np.array_equal(b[10].returns, a[10].returns)
    # A's environments were not touched by the branch: A steps on as before.
    before = w.stepper.snapshot(10).hidden.copy()
    step(qtbot, w, 1)
    click(qtbot, w, w.acts.back)
    np.testing.assert_array_equal(w.stepper.snapshot(10).hidden, before)


def test_the_choices_are_remembered_for_the_next_window(qtbot, make_window):
    w = make_window(EDIT_CONFIG)
    w.agents_view.metric_box.setCurrentIndex(w.agents_view.metric_box.findData("cosine"))
    w.agents_view.span_box.setValue(64)
    w.trajectory_view.shared_box.setChecked(True)
    w.trajectory_view.span_box.setValue(128)
    fill_edit(w.edit_panel, 0, "2-3", "clamp", "-0.2,0.2", units="0-5")
    w.close()
    again = make_window(EDIT_CONFIG)
    assert again.agents_view.similarity_metric == "cosine" and again.agents_view.span_box.value() == 64
    assert again.trajectory_view.shared_box.isChecked() and again.trajectory_view.span_box.value() == 128
    assert again.edit_panel.command_line.text() == "--edit 0:2-3:clamp=-0.2,0.2:units=0-5"


def test_a_recording_on_screen_has_trajectories_and_agents_but_no_branch(qtbot, make_window, tmp_path):
    from hiddenscope.core import Stepper
    from hiddenscope.core.session import record_session

    path = tmp_path / "run.h5"
    record_session(Stepper(EDIT_CONFIG.replace(device="cpu")), 12, path)
    w = make_window(EDIT_CONFIG)
    assert w.edit_panel.branch_button.isEnabled()
    assert w.sessions.open_session(path)
    assert not w.edit_panel.branch_button.isEnabled()
    assert "recording" in w.edit_panel.branch_button.toolTip()
    show(qtbot, w.trajectory_dock, w.trajectory_view)
    np.testing.assert_array_equal(w.trajectory_view.fit.ts, np.arange(13))  # fitted on the recorded steps
    show(qtbot, w.agents_dock, w.agents_view)
    assert len(w.agents_view.ranked_units()) == 12
    w.sessions.close_action.trigger()
    assert w.edit_panel.branch_button.isEnabled()


class GoesNaN(CircleAgents):
    """The circle, but agent 0's state is NaN from step 5 on."""

    def forward(self, inputs: torch.Tensor, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, _ = super().forward(inputs, hidden)
        self.steps = getattr(self, "steps", 0) + 1
        if self.steps >= 5:
            h = h.clone()
            h[:, 0] = float("nan")
        return h, h


def test_nan_states_leave_gaps_not_errors(qtbot, make_window):
    w = make_window(SMALL, model_factory=lambda c: GoesNaN((0.3, 0.6, 0.9), (0.0, 1.0, 2.0), (0.0, 0.2, 0.4)))
    step(qtbot, w, 12)
    view = w.trajectory_view
    show(qtbot, w.trajectory_dock, view)
    assert len(view.drawn_points(0)) == 5  # t = 0..4: agent 0 is NaN from t = 5
    assert view.markers[0].getData()[0].size == 0  # no marker where the state is NaN
    # The other agents are still their circles.
    assert same_up_to_rotation(view.drawn_points(2), planted_path(0.9, 2.0, np.arange(13))) < 1e-4
    agents = w.agents_view
    show(qtbot, w.agents_dock, agents)
    assert np.isnan(agents.similarity[0, 1]) and agents.cell_texts[1].toPlainText() == ""
    assert "NaN" in agents.caption.text()
    assert agents.ranked_units()[0] == IDENTITY  # agents 1 and 2 still tell the identity unit apart
    assert "agent 0 left out (NaN/Inf)" in agents.rank_caption.text()


class SlowCircle(CircleAgents):
    """The circle, 20 ms a step: a branch long enough to show its progress dialog."""

    def forward(self, inputs: torch.Tensor, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        import time

        time.sleep(0.02)
        return super().forward(inputs, hidden)


def test_a_long_branch_shows_its_progress_and_cancel_makes_none(qtbot, make_window):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QProgressDialog

    w = make_window(SMALL, model_factory=lambda c: SlowCircle((0.5,) * 3, (0.0, 1.0, 2.0), (0.0,) * 3))
    w.stepper.run(60)
    seen = []

    def cancel_when_shown() -> None:
        dialogs = [d for d in w.findChildren(QProgressDialog) if d.isVisible()]
        if dialogs:
            seen.append(dialogs[0].labelText())
            dialogs[0].cancel()
        else:
            QTimer.singleShot(50, cancel_when_shown)

    QTimer.singleShot(0, cancel_when_shown)
    fill_edit(w.edit_panel, 3, "0", "zero")
    qtbot.mouseClick(w.edit_panel.branch_button, Qt.MouseButton.LeftButton)
    assert seen == ["Computing the branch up to t = 60…"]
    assert w.model.comparison is None
    assert "cancelled" in w.statusBar().currentMessage()


def test_the_agents_views_axis_labels_do_not_run_into_each_other_at_64_agents(qtbot, make_window):
    w = make_window(Config(batch_size=2, n_agents=64, hidden_dim=8))
    click(qtbot, w, w.acts.step)
    show(qtbot, w.agents_dock, w.agents_view)
    for name in ("bottom", "left"):
        rects = [rect for rect, _flags, _text in draw_specs(w.agents_view.plot.getAxis(name))[2]]
        assert len(rects) >= 5, name  # still enough labels to read an agent off
        side = (lambda r: (r.left(), r.right())) if name == "bottom" else (lambda r: (r.top(), r.bottom()))
        spans = sorted(side(r) for r in rects)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), (name, spans)


def test_make_branch_catches_up_on_a_worker_not_the_gui_thread(qtbot, make_window):
    """The branch's steps run off the GUI thread (the window keeps drawing while a long branch computes)."""
    import threading

    from hiddenscope.core.model import CondAgent

    stepped_on: list[int] = []

    class Watched(CondAgent):
        def forward(self, inputs, hidden_state):
            stepped_on.append(threading.get_ident())
            return super().forward(inputs, hidden_state)

    factory = lambda c: Watched(c.input_dim, c.n_agents, c.hidden_dim)  # noqa: E731
    w = make_window(EDIT_CONFIG, model_factory=factory)
    step(qtbot, w, 6)
    panel = w.edit_panel
    fill_edit(panel, 3, "1", "set", "0.5", units="2-4")
    stepped_on.clear()
    qtbot.mouseClick(panel.branch_button, Qt.MouseButton.LeftButton)
    assert w.model.comparison is not None
    assert stepped_on and threading.get_ident() not in stepped_on  # every branch step ran on the worker
