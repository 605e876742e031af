"""Issue 26: hiddenscope runs a PyMARL-family checkpoint as the family's own code runs it.

Checkpoints are plain ``nn`` layers named as the families' ``state_dict`` layouts
name them, and run configs are dicts written here; nothing is taken from the
families' code.  Expected numbers come from functional ops in the test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hiddenscope.cli import main
from hiddenscope.core import CheckpointError, Config, Stepper
from hiddenscope.core.checkpoint import checkpoint_factory, load_agent, resolve_checkpoint
from hiddenscope.core.plan import Request, plan

OBS, ACTIONS, AGENTS = 18, 5, 3  # simple_spread with 3 agents
UNITS = 8


def agent_weights(inputs: int, units: int = UNITS, actions: int = ACTIONS, seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    layers = nn.ModuleDict(
        {"fc1": nn.Linear(inputs, units), "rnn": nn.GRUCell(units, units), "fc2": nn.Linear(units, actions)}
    )
    return {k: v.detach().clone() for k, v in layers.state_dict().items()}


def save_run(folder: Path, sd: dict, config: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(sd, folder / "agent.th")
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    return folder / "agent.th"


def step_by_hand(sd: dict, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    a = F.relu(F.linear(x, sd["fc1.weight"], sd["fc1.bias"]))
    h = torch.gru_cell(a, h, sd["rnn.weight_ih"], sd["rnn.weight_hh"], sd["rnn.bias_ih"], sd["rnn.bias_hh"])
    return F.linear(h, sd["fc2.weight"], sd["fc2.bias"]), h


def live(path: Path, batch: int, **request) -> Stepper:
    p = plan(Request(checkpoint=str(path), env="simple_spread", batch_size=batch, **request))
    return Stepper(p.config, model_factory=p.model_factory, input_factory=p.input_factory)


# -- 1: --load-step ties -------------------------------------------------------------------------------------------


def test_load_step_ties_go_to_the_step_os_listdir_lists_first(tmp_path):
    for low, high in [(200, 400), (100, 300), (1000, 3000), (20, 40), (5, 15), (60, 80), (7, 9)]:
        run = tmp_path / f"run{low}"
        for step in (low, high):
            save_run(run / str(step), agent_weights(4, seed=step))
        listed = [int(n) for n in os.listdir(run)]
        if listed[0] == high:  # a listing that puts the larger step first: the smaller one would be wrong
            break
    else:
        pytest.skip("this file system lists every pair smallest first")
    middle = (low + high) // 2
    file, note = resolve_checkpoint(run, load_step=middle)
    assert file == run / str(high) / "agent.th"
    assert f"step {high}" in note and "equally" in note and "os.listdir" in note
    loaded = load_agent(run, load_step=middle)
    torch.testing.assert_close(loaded.state_dict["fc1.weight"], agent_weights(4, seed=high)["fc1.weight"])


# -- 2 and 7: an EPyMARL mappo-style policy with its config --------------------------------------------------------

MAPPO = {
    "agent": "rnn",
    "mac": "basic_mac",
    "hidden_dim": UNITS,
    "use_rnn": True,
    "common_reward": True,
    "agent_output_type": "pi_logits",
    "action_selector": "soft_policies",
    "obs_last_action": True,
    "obs_agent_id": True,
}


def test_an_epymarl_mappo_policy_is_labelled_epymarl_and_samples_its_actions(tmp_path):
    pytest.importorskip("mpe2")
    path = save_run(tmp_path / "mappo" / "100", agent_weights(OBS + ACTIONS + AGENTS), MAPPO)
    stepper = live(path, batch=4)
    c = stepper.config
    assert c.family == "epymarl" and c.model.startswith("EPyMARL RNNAgent")
    assert c.actions == "sample" and "soft_policies" in c.actions_from
    stepper.run(20)
    trace = stepper.trace
    assert any("[EPyMARL BasicMAC.forward" in r.code for r in trace)
    sampled = np.stack([stepper.history.frame(t).episode.actions for t in range(1, 21)])
    probs = np.stack([stepper.history.frame(t).output for t in range(1, 21)])
    assert (sampled != probs.argmax(-1)).any()  # not the greedy choice everywhere
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)  # a policy, softmaxed by the controller
    greedy = live(path, batch=4, actions="greedy")  # --actions overrides the config
    assert greedy.config.actions == "greedy" and greedy.config.actions_from == "--actions greedy"
    # multinomial with test_greedy (its default) is greedy in test mode
    other = save_run(
        tmp_path / "ia2c" / "1", agent_weights(OBS + ACTIONS + AGENTS), {**MAPPO, "action_selector": "multinomial"}
    )
    assert live(other, batch=1).config.actions == "greedy"


# -- 3: PyMARL2's rnn agent with basic_mac -------------------------------------------------------------------------


def test_pymarl2_rnn_with_basic_mac_runs_pymarl2s_reshapes(tmp_path):
    config = {"agent": "rnn", "mac": "basic_mac", "rnn_hidden_dim": UNITS, "run": "default", "agent_output_type": "q"}
    sd = agent_weights(6)
    path = save_run(tmp_path / "qtran" / "5", sd, config)
    factory, cfg = checkpoint_factory(path, Config(batch_size=4, n_agents=3, input_dim=6, dtype="float64"))
    assert cfg.family == "pymarl2" and "PyMARL2 RNNAgent" in cfg.model
    stepper = Stepper(cfg, model_factory=factory)
    stepper.run(3)
    trace = stepper.trace
    assert any(r.op == "view(-1, 6)" and r.shape == (12, 6) for r in trace)  # (4, 3, 6) inputs flattened inside
    assert any(r.op.startswith("relu(") and r.kind == "in-place" for r in trace)
    new = [r for r in trace if r.role == "new hidden"][-1]
    assert new.shape == (4, 3, UNITS) and new.stride == (3 * UNITS, UNITS, 1) and new.kind == "view"
    assert any("[PyMARL2 RNNAgent.forward" in r.code for r in trace)
    sd64 = {k: v.double() for k, v in sd.items()}
    h = torch.zeros(12, UNITS, dtype=torch.float64)
    for t in range(1, 4):
        x = torch.from_numpy(stepper.history.frame(t).inputs.copy()).double().reshape(12, -1)
        _, h = step_by_hand(sd64, x, h)
    np.testing.assert_allclose(stepper.frame.hidden, h.reshape(4, 3, UNITS).numpy(), rtol=1e-6)


# -- 4, 5 and 11: the reset, the inputs and the terminal observation in live episodes ------------------------------


@pytest.fixture
def pymarl_agent(tmp_path):
    pytest.importorskip("mpe2")
    sd = agent_weights(OBS + ACTIONS + AGENTS)
    return save_run(tmp_path / "qmix" / "7", sd), {k: v.double() for k, v in sd.items()}


def test_an_episode_start_reads_init_hidden_as_the_real_controller_does(pymarl_agent):
    path, _ = pymarl_agent
    stepper = live(path, batch=4)
    stepper.run(27)  # 25 actions, the terminal step, then every row starts its second episode
    trace = stepper.trace
    assert stepper.frame.episode.start.all()
    reset = [r for r in trace if r.role == "reset"]
    assert reset[-1].op == "expand(4, 3, -1)" and reset[-1].stride == (0, 0, 1)
    read = next(r for r in trace if r.role == "hidden" and r.op == f"reshape(-1, {UNITS})")
    assert read.shape == (12, UNITS) and read.stride == (0, 1) and read.storage_numel == UNITS and read.is_view
    assert not any(r.op.startswith("where(") for r in trace)


def test_the_inputs_are_built_from_an_episode_buffer_as_the_real_controller_builds_them(pymarl_agent):
    path, _ = pymarl_agent
    wide = live(path, batch=4)
    wide.run(2)
    first = wide.history.frame(1).trace
    assert any(r.op.startswith("zeros_like(") and r.role == "input" for r in first)  # t = 0's last action
    obs = next(r for r in first if r.op == "reshape(12, -1)" and r.shape == (12, OBS))
    assert obs.kind == "new"  # a slice of the (4, 26, 3, 18) buffer cannot be flattened without a copy
    assert any(r.op == "__getitem__((:, 0))" for r in wide.history.frame(1).trace)
    one = live(path, batch=1)
    one.run(2)
    obs = next(r for r in one.trace if r.op == "reshape(3, -1)" and r.shape == (3, OBS))
    assert obs.is_view and obs.storage_numel == 26 * AGENTS * OBS  # a view into the whole episode's buffer


def test_the_terminal_observation_gets_its_forward_pass(pymarl_agent):
    mpe2 = pytest.importorskip("mpe2")
    path, sd = pymarl_agent
    stepper = live(path, batch=2)
    assert stepper.config.terminal_step
    stepper.run(28)
    frames = [stepper.history.frame(t) for t in range(29)]
    assert [t for t in range(1, 29) if frames[t].episode.start.any()] == [1, 27]
    assert frames[25].episode.done.all() and frames[26].episode.rewards.tolist() == [0.0, 0.0]
    for row in range(2):  # step 26 sees the observation the 25th action led to, with that action as its last
        env = mpe2.simple_spread_v3.parallel_env(N=AGENTS, max_cycles=25, continuous_actions=False)
        env.reset(seed=row)
        for t in range(1, 26):
            acts = frames[t].episode.actions[row]
            observed, *_ = env.step({a: int(acts[i]) for i, a in enumerate(env.possible_agents)})
        terminal = np.stack([observed[a] for a in env.possible_agents])
        np.testing.assert_allclose(frames[26].inputs[row, :, :OBS], terminal, rtol=1e-6)
        np.testing.assert_array_equal(frames[26].inputs[row, :, OBS : OBS + ACTIONS], np.eye(ACTIONS)[acts])
    x = torch.from_numpy(frames[26].inputs.copy()).double().reshape(6, -1)
    _, h = step_by_hand(sd, x, torch.from_numpy(frames[25].hidden.copy()).double().reshape(6, -1))
    np.testing.assert_allclose(frames[26].hidden.reshape(6, -1), h.numpy(), atol=2e-6)
    without = live(path, batch=2, terminal_step=False)
    without.run(27)
    assert without.history.frame(26).episode.start.all()


# -- 6: pi_logits output ops per family ----------------------------------------------------------------------------


def test_policy_outputs_run_each_familys_mask_and_reshapes_with_inputs_from_a_file(tmp_path):
    sd = agent_weights(6)
    out_reshapes = {}
    for name, config in {
        "epymarl": {**MAPPO, "hidden_dim": UNITS},
        "pymarl2": {"agent": "rnn", "mac": "basic_mac", "rnn_hidden_dim": UNITS, "run": "default"},
    }.items():
        config = {**config, "agent_output_type": "pi_logits"}
        path = save_run(tmp_path / name / "1", sd, config)
        factory, cfg = checkpoint_factory(path, Config(batch_size=4, n_agents=3, input_dim=6))
        stepper = Stepper(cfg, model_factory=factory)
        stepper.run(1)
        trace = stepper.trace
        # The mask runs although nothing is masked, as the real controller's does.
        assert any(r.op == "__eq__(0)" and r.shape == (12, ACTIONS) for r in trace)
        softmax = next(i for i, r in enumerate(trace) if r.op.startswith("softmax("))
        fc2 = max(i for i, r in enumerate(trace) if r.op.startswith("linear("))
        out_reshapes[name] = [
            r.op for r in trace[fc2:softmax] if r.op == "reshape(12, -1)" and r.dtype.startswith("float")
        ]
        np.testing.assert_allclose(stepper.frame.output.sum(-1), 1.0, rtol=1e-5)
    assert out_reshapes == {"epymarl": [], "pymarl2": ["reshape(12, -1)"]}


# -- 8: NonSharedMAC's init_hidden named as itself ----------------------------------------------------------------


def test_non_shared_init_hidden_is_labelled_nonsharedmac(tmp_path):
    sd = {f"agents.{i}.{k}": v for i in range(3) for k, v in agent_weights(6, seed=i).items()}
    path = save_run(tmp_path / "ns" / "1", sd)
    factory, cfg = checkpoint_factory(path, Config(batch_size=4, n_agents=3, input_dim=6))
    stepper = Stepper(cfg, model_factory=factory)
    init = {r.op: r.code for r in stepper.init_trace}
    assert "[EPyMARL NonSharedMAC.init_hidden" in init["unsqueeze(0)"]
    assert "[EPyMARL NonSharedMAC.init_hidden" in init["expand(4, -1, -1)"]
    assert "[EPyMARL RNNAgent.init_hidden" in next(c for op, c in init.items() if op.startswith("zero_"))


# -- 9: what a critic, a feed-forward agent or an attention agent file is -----------------------------------------


def three_layers(out: int) -> dict[str, torch.Tensor]:
    layers = nn.ModuleDict({"fc1": nn.Linear(10, UNITS), "fc2": nn.Linear(UNITS, UNITS), "fc3": nn.Linear(UNITS, out)})
    return dict(layers.state_dict())


@pytest.mark.parametrize(
    ("sd", "said"),
    [
        (three_layers(1), "holds a critic"),
        (three_layers(ACTIONS), "FFAgent"),
        ({"att.tokeys.weight": torch.ones(4, 10), **agent_weights(10)}, "ATTRNNAgent"),
    ],
)
def test_three_layer_and_attention_files_say_what_they_are(tmp_path, capsys, sd, said):
    path = tmp_path / "value_net.th"
    torch.save(sd, path)
    with pytest.raises(CheckpointError, match=said):
        load_agent(path)
    assert main(["export", "--checkpoint", str(path), "--steps", "1", "--out", str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err
    assert said in err and "lacks" not in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_lbf_run_with_action_masks_exports_them_and_every_action_taken_is_allowed(tmp_path):
    """Item 10: the masks the agents acted under are in the export, and each action taken is one they allowed."""
    pytest.importorskip("lbforaging")
    from hiddenscope.core.export import export_npz, history_arrays
    from hiddenscope.core.plan import Request, plan
    from hiddenscope.core.stepper import Stepper

    planned = plan(Request(env="lbf", env_args=["action_masks=true"], batch_size=3, device="cpu", seed=1))
    stepper = Stepper(planned.config, planned.model_factory, planned.input_factory, history_budget=2**28)
    stepper.run(40)
    arrays = history_arrays(stepper)
    masks, actions = arrays["avail_actions"], arrays["actions"]
    n_actions = stepper.source.n_actions
    assert masks.shape == (41, 3, stepper.config.n_agents, n_actions) and masks.dtype == bool
    assert masks[0].all()  # t = 0 chose nothing
    assert not masks[1:].all()  # LBF forbids some moves (walls, other agents): the masks really say so
    taken = actions[1:]
    chosen = np.take_along_axis(masks[1:], np.where(taken >= 0, taken, 0)[..., None], axis=-1)[..., 0]
    assert chosen[taken >= 0].all()  # every action taken was allowed when it was chosen
    out = export_npz(stepper, tmp_path / "run.npz")
    with np.load(out) as saved:
        np.testing.assert_array_equal(saved["avail_actions"], masks)
    # The same masks in a session, and in its replay's frames.
    from hiddenscope.core.replay import ReplayStepper
    from hiddenscope.core.session import SessionReader, record_session

    again = Stepper(planned.config, planned.model_factory, planned.input_factory, history_budget=2**28)
    record_session(again, 40, tmp_path / "run.h5")
    with SessionReader(tmp_path / "run.h5") as reader:
        np.testing.assert_array_equal(reader.read("avail_actions"), masks)
        replay = ReplayStepper(reader)
        np.testing.assert_array_equal(history_arrays(replay)["avail_actions"], masks)
