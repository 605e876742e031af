"""B beside A (core/compare.py), on planted data whose answer is known without the comparison code.

B is made from A by a known change: the same session with a constant added to ``hidden``
by h5py, the same model with an edit that sets one agent's state, or the same weights saved
as a checkpoint (B − A must then be exactly zero).
"""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
import torch

from hiddenscope.core import Config, Stepper, UserError
from hiddenscope.core.compare import SessionComparison, StepperComparison, checkpoint_comparison
from hiddenscope.core.edits import parse_edits
from hiddenscope.core.model import CondAgent
from hiddenscope.core.session import SessionReader, record_session

SMALL = Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4, device="cpu")
OFFSET = 0.25


def planted_pair(tmp_path, steps: int = 6, b_steps: int | None = None):
    """Session A of ``steps`` steps, and B: A's first ``b_steps`` steps with OFFSET added to every h_t."""
    a_path, b_path = tmp_path / "a.h5", tmp_path / "b.h5"
    record_session(Stepper(SMALL), steps, a_path)
    if b_steps is None:
        shutil.copy(a_path, b_path)
        with h5py.File(b_path, "r+") as f:
            f["hidden"][...] = f["hidden"][...] + OFFSET
    else:
        record_session(Stepper(SMALL), b_steps, b_path)
        with h5py.File(b_path, "r+") as f:
            f["hidden"][...] = f["hidden"][...] + OFFSET
    with h5py.File(a_path, "r") as f:
        a_hidden = f["hidden"][...]
    return a_path, b_path, a_hidden


def test_session_comparison_gives_b_at_each_t_and_b_minus_a_is_the_planted_offset(tmp_path):
    _a, b_path, a_hidden = planted_pair(tmp_path)
    comp = SessionComparison(SessionReader(b_path))
    assert comp.label == "B: b.h5"
    assert comp.shape == (2, 3, 6)
    for t in range(7):
        assert comp.holds(t)
        b = comp.hidden_at(t)
        np.testing.assert_allclose(b - a_hidden[t], OFFSET, atol=1e-6)
    comp.close()


def test_session_comparison_has_nothing_past_its_end_and_says_so(tmp_path):
    _a, b_path, a_hidden = planted_pair(tmp_path, steps=6, b_steps=3)
    comp = SessionComparison(SessionReader(b_path))
    assert comp.hidden_at(4) is None and not comp.holds(4)
    assert comp.describe_missing(4) == "B: b.h5 has no t = 4 (it holds t = 0..3)"
    # The history view's window: B's values where it has the step, NaN where it has none.
    window = comp.unit_window(agent=2, row=1, ts=np.arange(1, 7))
    np.testing.assert_allclose(window[:3], a_hidden[1:4, 1, 2] + OFFSET, atol=1e-6)
    assert np.isnan(window[3:]).all()
    comp.close()


def test_a_b_of_other_sizes_is_refused_naming_both_shapes(tmp_path):
    path = tmp_path / "other.h5"
    record_session(Stepper(SMALL.replace(n_agents=4)), 2, path)
    comp = SessionComparison(SessionReader(path))
    with pytest.raises(UserError) as info:
        comp.check_fits((2, 3, 6))
    assert "(2, 3, 6)" in str(info.value) and "(2, 4, 6)" in str(info.value)
    comp.close()


def test_a_live_b_steps_in_lockstep_and_shows_exactly_its_edit():
    a = Stepper(SMALL)
    b = Stepper(SMALL, edits=parse_edits(["3:1:set=0.5"]))
    comp = StepperComparison(b, "branch: 3:1:set=0.5")
    for _ in range(5):
        a.step()
        comp.advance_to(a.t)
        assert comp.holds(a.t) and b.latest == a.t
        diff = comp.hidden_at(a.t) - a.frame.hidden
        if a.t < 3:
            assert not diff.any()  # the same model on the same inputs: identical before the edit
    # At t = 3 agent 1 was set to 0.5 in B, and nothing else was touched.
    b3, a3 = comp.hidden_at(3), a.snapshot(3).hidden
    assert (b3[:, 1] == 0.5).all()
    np.testing.assert_array_equal(np.delete(b3, 1, axis=1), np.delete(a3, 1, axis=1))
    # A goes back to the start: B starts over too and catches up on demand.
    a.reset()
    comp.restart()
    assert b.latest == 0
    a.run(2)
    comp.advance_to(a.t)
    assert b.latest == 2
    np.testing.assert_array_equal(comp.hidden_at(2), a.snapshot(2).hidden)  # before the edit: B is A


def test_a_live_b_whose_history_dropped_t_starts_over_to_reach_it():
    b = Stepper(SMALL, history_budget=1)  # a ring of 2 steps
    comp = StepperComparison(b, "B")
    comp.advance_to(6)
    assert b.history.first == 5 and comp.hidden_at(2) is None
    reference = Stepper(SMALL)
    reference.run(2)
    comp.advance_to(2)
    np.testing.assert_array_equal(comp.hidden_at(2), reference.snapshot(2).hidden)


def test_a_checkpoint_of_the_same_weights_gives_b_minus_a_exactly_zero(tmp_path):
    a = Stepper(SMALL)
    path = tmp_path / "same.pt"
    torch.save(a.model.state_dict(), path)
    comp = checkpoint_comparison(a, path)
    assert comp.label == "B: same.pt"
    for _ in range(4):
        a.step()
        comp.advance_to(a.t)
        np.testing.assert_array_equal(comp.hidden_at(a.t), a.frame.hidden)


def test_a_checkpoint_with_other_sizes_is_refused_naming_both_shapes(tmp_path):
    a = Stepper(SMALL)
    path = tmp_path / "wider.pt"
    torch.manual_seed(0)
    torch.save(CondAgent(4, 3, 16).state_dict(), path)  # hidden 16 -> 12 units, A has 6
    with pytest.raises(UserError) as info:
        checkpoint_comparison(a, path)
    assert "(2, 3, 6)" in str(info.value) and "(2, 3, 12)" in str(info.value)


def test_a_checkpoint_on_a_recordings_inputs_reproduces_the_recording_exactly(tmp_path):
    from hiddenscope.core.compare import recorded_inputs_comparison

    a = Stepper(SMALL)
    same, other = tmp_path / "same.pt", tmp_path / "other.pt"
    torch.save(a.model.state_dict(), same)
    torch.manual_seed(1)
    torch.save(CondAgent(4, 3, 8).state_dict(), other)  # the same sizes, other weights
    path = tmp_path / "a.h5"
    record_session(a, 5, path)
    reader = SessionReader(path)
    comp = recorded_inputs_comparison(reader, same)
    comp.advance_to(5)
    for t in range(6):  # the recorded run's own weights on its recorded inputs: every state again, exactly
        np.testing.assert_array_equal(comp.hidden_at(t), reader.hidden(t))
    differs = recorded_inputs_comparison(reader, other)
    differs.advance_to(5)
    assert np.abs(differs.hidden_at(5) - reader.hidden(5)).max() > 1e-3
    reader.close()


def test_a_checkpoint_needs_a_recording_from_t_0(tmp_path):
    from hiddenscope.core.compare import recorded_inputs_comparison
    from hiddenscope.core.session import SessionRecorder

    a = Stepper(SMALL)
    a.run(3)
    path = tmp_path / "late.h5"
    with SessionRecorder(path, a, from_t=3) as recorder:
        a.step()
        recorder.record_new()
    same = tmp_path / "same.pt"
    torch.save(a.model.state_dict(), same)
    with SessionReader(path) as reader, pytest.raises(UserError, match="starts at t = 3"):
        recorded_inputs_comparison(reader, same)


def test_in_a_live_environment_b_gets_inputs_laid_out_as_its_own_run_built_them(tmp_path):
    """A's run feeds 18 observations; B's was trained with last action and agent id (26): B is planned for B."""
    import json

    pytest.importorskip("mpe2")
    from hiddenscope.core.agents.pymarl import RNNAgent
    from hiddenscope.core.plan import Request, plan

    def run(name: str, inputs: int, flags: dict):
        folder = tmp_path / name / "results" / "models" / "qmix" / "100"
        folder.mkdir(parents=True)
        torch.manual_seed(inputs)
        torch.save(RNNAgent(inputs, 16, 5).state_dict(), folder / "agent.th")
        (folder.parent / "config.json").write_text(json.dumps({"agent": "rnn", "rnn_hidden_dim": 16, **flags}))
        return folder.parent

    plain = run("a", 18, {})
    flagged = run("b", 26, {"obs_last_action": True, "obs_agent_id": True})
    request = Request(checkpoint=str(plain), env="simple_spread", env_args=["n_agents=3"], batch_size=2, device="cpu")
    planned = plan(request)
    a = Stepper(planned.config, planned.model_factory, planned.input_factory, loaded=planned.loaded)
    comp = checkpoint_comparison(a, flagged)
    b = comp.stepper
    assert b.config.input_dim == 26 and b.config.obs_agent_id and b.config.obs_last_action
    for _ in range(3):
        a.step()
        comp.advance_to(a.t)
    inputs = b.snapshot(3).inputs
    np.testing.assert_array_equal(inputs[:, :, -3:], np.broadcast_to(np.eye(3), (2, 3, 3)))  # B's agent ids
    np.testing.assert_array_equal(inputs[:, :, 18:23], np.eye(5)[b.snapshot(2).episode.actions])  # B's last actions
    assert comp.hidden_at(3).shape == a.snapshot(3).hidden.shape


def test_bs_label_names_the_step_of_an_agent_th(tmp_path):
    a = Stepper(SMALL)
    step = tmp_path / "2000"
    step.mkdir()
    torch.save(a.model.state_dict(), step / "agent.th")
    assert checkpoint_comparison(a, step / "agent.th").label == "B: 2000/agent.th"


def test_a_live_environment_run_built_without_its_plan_gives_b_its_own_inputs(tmp_path):
    """A Stepper given its factories directly (no loaded=) has no plan to repeat: B gets A's input source."""
    import json

    pytest.importorskip("mpe2")
    from hiddenscope.core.agents.pymarl import RNNAgent
    from hiddenscope.core.plan import Request, plan

    step = tmp_path / "results" / "models" / "qmix" / "100"
    step.mkdir(parents=True)
    torch.manual_seed(1)
    torch.save(RNNAgent(18, 16, 5).state_dict(), step / "agent.th")
    (step.parent / "config.json").write_text(json.dumps({"agent": "rnn", "rnn_hidden_dim": 16}))
    planned = plan(Request(checkpoint=str(step.parent), env="simple_spread", env_args=["n_agents=3"], batch_size=2))
    a = Stepper(planned.config.replace(device="cpu"), planned.model_factory, planned.input_factory)  # no loaded=
    comp = checkpoint_comparison(a, step / "agent.th")
    a.step()
    comp.advance_to(1)
    assert comp.stepper.config.env == "simple_spread"
    np.testing.assert_array_equal(comp.stepper.snapshot(1).inputs, a.snapshot(1).inputs)
    np.testing.assert_array_equal(comp.hidden_at(1), a.snapshot(1).hidden)  # the same weights: B is A
