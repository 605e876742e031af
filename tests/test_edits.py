"""Interventions (--edit): each changes exactly what it names at h_T, nothing before, and step T+1 runs from it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hiddenscope.cli import main
from hiddenscope.core import Config, ConfigError, Stepper
from hiddenscope.core.checkpoint import checkpoint_factory
from hiddenscope.core.edits import Edit, parse_edits, run_branches
from hiddenscope.core.export import history_arrays

SMALL = Config(batch_size=3, n_agents=4, hidden_dim=16, input_dim=5, device="cpu")  # 12 units
CLI_SMALL = ["--batch-size", "2", "--n-agents", "3", "--hidden-dim", "8", "--input-dim", "4", "--device", "cpu"]


def hidden(stepper: Stepper) -> np.ndarray:
    return history_arrays(stepper)["hidden"]


def seed_gru_step(stepper: Stepper, h: np.ndarray, t: int) -> np.ndarray:
    """The seed agent's step t by hand from its GRU weights, started from ``h`` (batch, n_agents, units)."""
    cell = stepper.model.cond_rnn.f
    w = {k: v.double() for k, v in cell.state_dict().items()}
    x = torch.from_numpy(stepper.history.frame(t).inputs).double().reshape(-1, stepper.config.input_dim)
    h_in = torch.from_numpy(np.array(h)).double().reshape(x.shape[0], -1)
    gi = F.linear(x, w["weight_ih"], w["bias_ih"]).chunk(3, dim=1)
    gh = F.linear(h_in, w["weight_hh"], w["bias_hh"]).chunk(3, dim=1)
    r, z = torch.sigmoid(gi[0] + gh[0]), torch.sigmoid(gi[1] + gh[1])
    n = torch.tanh(gi[2] + r * gh[2])
    return ((1 - z) * n + z * h_in).reshape(h.shape).numpy()


def expected_swap(h: np.ndarray) -> np.ndarray:
    out = h.copy()
    out[:, 0], out[:, 2] = h[:, 2], h[:, 0]
    return out


def expected_copy(h: np.ndarray) -> np.ndarray:
    out = h.copy()
    out[:, 1] = h[:, 3]
    out[:, 2] = h[:, 3]
    return out


def expected_set_rows(h: np.ndarray) -> np.ndarray:
    out = h.copy()
    out[1, 0:2] = 0.5
    return out


def expected_clamp_units(h: np.ndarray) -> np.ndarray:
    out = h.copy()
    out[:, :, 2:5] = np.clip(h[:, :, 2:5], -0.05, 0.05)
    return out


def expected_zero_one(h: np.ndarray) -> np.ndarray:
    out = h.copy()
    out[:, 1] = 0.0
    return out


def expected_set_list(h: np.ndarray) -> np.ndarray:
    out = h.copy()
    for a in (0, 3):
        for u in (0, 7, 8, 9):
            out[2, a, u] = -1.0
    return out


CASES = [
    ("3:1:zero", expected_zero_one),
    ("3:0-1:set=0.5:rows=1", expected_set_rows),
    ("3:all:clamp=-0.05,0.05:units=2-4", expected_clamp_units),
    ("3:1-2:copy=3", expected_copy),
    ("3:all:swap=0,2", expected_swap),
    ("3:0,3:set=-1:rows=2:units=0,7-9", expected_set_list),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_an_edit_replaces_h_T_exactly_and_step_T_plus_1_starts_from_it(text, expected):
    plain = Stepper(SMALL)
    plain.run(5)
    edited = Stepper(SMALL, edits=parse_edits([text]))
    edited.run(5)
    before, after = hidden(plain), hidden(edited)
    np.testing.assert_array_equal(after[:3], before[:3])  # h_0 .. h_2 untouched
    want = expected(before[3])
    assert not np.array_equal(want, before[3])  # the case really changes something
    np.testing.assert_array_equal(after[3], want.astype(np.float32))
    # Step 4 ran from the edited h_3, with the same inputs as the run without the edit.
    np.testing.assert_array_equal(edited.history.frame(4).inputs, plain.history.frame(4).inputs)
    np.testing.assert_allclose(after[4], seed_gru_step(edited, after[3], 4), atol=1e-5)
    assert np.abs(after[4] - before[4]).max() > 1e-4
    np.testing.assert_allclose(after[5], seed_gru_step(edited, after[4], 5), atol=1e-5)


def test_t_0_edits_the_initial_state():
    edited = Stepper(SMALL, edits=parse_edits(["0:1:set=0.25"]))
    edited.run(2)
    h = hidden(edited)
    assert (h[0][:, 1] == 0.25).all() and (h[0][:, [0, 2, 3]] == 0).all()  # the seed's init_hidden is zeros
    np.testing.assert_allclose(h[1], seed_gru_step(edited, h[0], 1), atol=1e-5)
    trace = edited.history.frame(0).trace
    assert trace is not None and trace[-1].role == "edit" and trace[-1].phase == "init"


def test_noise_is_added_only_where_asked_and_is_the_same_every_run():
    edits = parse_edits(["2:1:noise=0.2:units=0-5"])
    a, b, plain = Stepper(SMALL, edits=edits), Stepper(SMALL, edits=edits), Stepper(SMALL)
    for s in (a, b, plain):
        s.run(3)
    diff = hidden(a)[2] - hidden(plain)[2]
    changed = diff != 0
    assert changed[:, 1, :6].all() and not changed[:, [0, 2, 3]].any() and not changed[:, 1, 6:].any()
    assert 0.1 < diff[:, 1, :6].std() < 0.3
    np.testing.assert_array_equal(hidden(a), hidden(b))
    # Another session seed draws other noise; an explicit seed fixes it: noise=SIGMA,SEED.
    other = Stepper(SMALL.replace(seed=1), edits=edits)
    other_plain = Stepper(SMALL.replace(seed=1))
    other.run(2)
    other_plain.run(2)
    assert not np.allclose(hidden(other)[2] - hidden(other_plain)[2], diff, atol=1e-3)
    fixed = Stepper(SMALL, edits=parse_edits(["2:all:noise=0.2,7"]))
    fixed.run(2)
    draw = np.random.default_rng(7).standard_normal((3, 4, 12)) * 0.2
    np.testing.assert_allclose(hidden(fixed)[2] - hidden(plain)[2], draw, atol=1e-6)


def test_edits_at_one_t_apply_in_the_order_given():
    s = Stepper(SMALL, edits=parse_edits(["2:0:set=0.75", "2:1:copy=0", "2:0:zero"]))
    s.run(2)
    h = hidden(s)[2]
    assert (h[:, 1] == 0.75).all() and (h[:, 0] == 0).all()


def test_edits_stay_through_replay_reset_and_rebuild():
    s = Stepper(SMALL, edits=parse_edits(["2:1:zero", "1:all:noise=0.3"]))
    s.run(4)
    first = hidden(s)
    s.back()
    s.back()
    s.step()
    s.step()
    np.testing.assert_array_equal(s.frame.hidden, first[4])  # replayed from history, edited values
    s.reset()
    s.run(4)
    np.testing.assert_array_equal(hidden(s), first)
    s.rebuild(SMALL.replace(batch_size=2))
    s.run(2)
    assert (hidden(s)[2][:, 1] == 0).all()


def test_an_edit_that_does_not_fit_is_refused_and_changes_nothing():
    with pytest.raises(ConfigError, match="agent 4 is out of range"):
        Stepper(SMALL, edits=parse_edits(["1:4:zero"]))
    s = Stepper(SMALL, edits=parse_edits(["1:3:zero"]))
    with pytest.raises(ConfigError, match="unit 12 is out of range"):
        s.set_edits(parse_edits(["1:0:zero:units=12"]))
    assert [e.text for e in s.edits] == ["1:3:zero"]
    with pytest.raises(ConfigError, match="'1:3:zero': agent 3"):
        s.rebuild(SMALL.replace(n_agents=3))
    assert s.config == SMALL and [e.text for e in s.edits] == ["1:3:zero"]


def test_edits_act_on_a_batch_agents_units_state_and_leave_step_T_outputs_alone(tmp_path):
    """PyMARL2's agent returns its state as (batch, n_agents, H) and Q-values besides; PyMARL keeps (batch·n, H)."""
    torch.manual_seed(3)
    layers = nn.ModuleDict({"fc1": nn.Linear(6, 8), "rnn": nn.GRUCell(8, 8), "fc2": nn.Linear(8, 4)})
    path = tmp_path / "agent.th"
    torch.save({k: v.detach().clone() for k, v in layers.state_dict().items()}, path)
    w = {k: v.double() for k, v in layers.state_dict().items()}
    for agent in ("n_rnn", None):
        factory, config = checkpoint_factory(path, Config(batch_size=2, n_agents=3, device="cpu"), agent=agent)
        plain = Stepper(config, model_factory=factory)
        edited = Stepper(config, model_factory=factory, edits=parse_edits(["2:all:swap=0,1:rows=1"]))
        plain.run(3)
        edited.run(3)
        before, after = history_arrays(plain), history_arrays(edited)
        want = before["hidden"][2].copy()
        want[1, 0], want[1, 1] = before["hidden"][2][1, 1], before["hidden"][2][1, 0]
        np.testing.assert_array_equal(after["hidden"][2], want)
        np.testing.assert_array_equal(after["hidden"][:2], before["hidden"][:2])
        np.testing.assert_array_equal(after["outputs"][:3], before["outputs"][:3])  # step 2's Q-values came first
        x = torch.from_numpy(after["inputs"][3]).double().reshape(6, -1)
        h = torch.from_numpy(want).double().reshape(6, -1)
        a = F.relu(F.linear(x, w["fc1.weight"], w["fc1.bias"]))
        h3 = torch.gru_cell(a, h, w["rnn.weight_ih"], w["rnn.weight_hh"], w["rnn.bias_ih"], w["rnn.bias_hh"])
        np.testing.assert_allclose(after["hidden"][3], h3.reshape(2, 3, -1).numpy(), atol=1e-5)
        q3 = F.linear(h3, w["fc2.weight"], w["fc2.bias"]).reshape(2, 3, -1)
        np.testing.assert_allclose(after["outputs"][3], q3.numpy(), atol=1e-5)


def test_run_branches_gives_both_histories_identical_up_to_the_edit():
    original, branch = run_branches(6, parse_edits(["3:2:set=1"]), lambda edits: Stepper(SMALL, edits=edits))
    assert original.shape == branch.shape == (7, 3, 4, 12)
    np.testing.assert_array_equal(original[:3], branch[:3])
    assert (branch[3][:, 2] == 1).all() and not np.array_equal(original[4:], branch[4:])


def test_parsing_reads_the_issue_syntax_and_writes_it_back():
    edit = Edit.parse("3:1:zero")
    assert (edit.t, edit.agents, edit.op, edit.args, edit.rows, edit.units) == (3, (1,), "zero", (), None, None)
    assert Edit.parse("0:all:noise=0.1").agents is None
    assert Edit.parse("2:0-2:clamp=-1,0.5").args == (-1.0, 0.5)
    for text in ("3:1:zero", "0:all:noise=0.1", "5:0-2:clamp=-1,0.5:rows=1,3:units=0-9", "4:1,3:swap=1,3"):
        edit = Edit.parse(text)
        assert Edit.parse(edit.canonical()) == Edit.parse(edit.canonical()) and edit.canonical() == text


# -- the command line --------------------------------------------------------------------------------------------------


def test_export_and_shapes_record_the_edits(tmp_path, capsys):
    out = tmp_path / "run.npz"
    edits = ["--edit", "3:1:zero", "--edit", "2:all:set=0.5:units=0"]
    assert main(["export", "--steps", "4", "--out", str(out), *edits, *CLI_SMALL]) == 0
    with np.load(out) as data:
        config = json.loads(str(data["config"]))
        h = data["hidden"]
    assert [e["text"] for e in config["edits"]] == ["3:1:zero", "2:all:set=0.5:units=0"]
    first = {"text": "3:1:zero", "t": 3, "agents": [1], "op": "zero", "args": [], "rows": None, "units": None}
    assert config["edits"][0] == first
    assert (h[3][:, 1] == 0).all() and (h[2][..., 0] == 0.5).all() and (h[1][:, 1] != 0).any()
    capsys.readouterr()
    assert main(["shapes", "--steps", "2", "--json", "--edit", "2:0:zero", *CLI_SMALL]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["config"]["edits"][0]["text"] == "2:0:zero"
    assert {r["step"] for r in doc["records"] if r["role"] == "edit"} == {2}


@pytest.mark.parametrize(
    "edit, words",
    [
        ("9:1:zero", "t 9 is out of range"),
        ("2:3:zero", "agent 3 is out of range (0..2)"),
        ("2:1:explode", "unknown op 'explode'"),
        ("2:1", "an edit is T:AGENTS:OP"),
        ("x:1:zero", "T must be a whole timestep"),
        ("2:1:set=lots", "set is written set=V"),
        ("2:1:clamp=1,0", "LO ≤ HI"),
        ("2:1:zero:rows=5", "batch row 5 is out of range (0..1)"),
        ("2:1:zero:units=6", "unit 6 is out of range (0..5)"),
        ("2:1:copy=7", "agent 7 is out of range"),
        ("2:0:swap=1,2", "AGENTS must be all or exactly A and B"),
        ("2:one:zero", "AGENTS must be all, N, A-B"),
    ],
)
def test_a_bad_edit_exits_2_with_one_line_naming_it(tmp_path, capsys, edit, words):
    code = main(["export", "--steps", "4", "--out", str(tmp_path / "x.npz"), "--edit", edit, *CLI_SMALL])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"--edit {edit!r}" in err and words in err
    assert not (tmp_path / "x.npz").exists()


def test_in_a_live_environment_a_row_whose_episode_restarts_forgets_the_edit():
    pytest.importorskip("mpe2")
    from hiddenscope.core.plan import Request, plan

    def stepper(edits: list[str]) -> Stepper:
        # Without the terminal observation's step, an episode of 5 cycles restarts at step 6.
        request = Request(
            env="simple_spread", env_args=["max_cycles=5"], batch_size=2, device="cpu", edits=edits, terminal_step=False
        )
        p = plan(request)
        return Stepper(p.config, p.model_factory, p.input_factory, edits=p.edits)

    plain, edited = stepper([]), stepper(["2:all:set=0.5"])
    plain.run(8)
    edited.run(8)
    before, after = history_arrays(plain), history_arrays(edited)
    np.testing.assert_array_equal(after["hidden"][:2], before["hidden"][:2])
    assert (after["hidden"][2] == 0.5).all() and not np.allclose(after["hidden"][3:6], before["hidden"][3:6])
    # Both runs' episodes restart at step 6 (5 cycles each): the rows go back to init_hidden and agree again.
    assert after["episode_start"][6].all() and before["episode_start"][6].all()
    np.testing.assert_array_equal(after["hidden"][6:], before["hidden"][6:])
