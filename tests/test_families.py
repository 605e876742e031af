"""Every PyMARL-family checkpoint layout, loaded and stepped, against its own family's forward order.

Each test writes its checkpoint from plain ``nn`` layers named as that family's
code names them (no hiddenscope class is used to make it), and works out the
expected numbers here with functional ops in that family's order.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hiddenscope.cli import main
from hiddenscope.core import CheckpointError, Config, ConfigError, Stepper
from hiddenscope.core.checkpoint import checkpoint_factory, load_agent, resolve_checkpoint

SIZES = [(30, 64, 5, 3, 4), (7, 16, 9, 2, 1), (12, 8, 3, 4, 2)]  # inputs, units, actions, agents, batch


def agent_layers(
    inputs: int, units: int, actions: int, recurrent: bool = True, layer_norm: bool = False
) -> nn.ModuleDict:
    layers = {
        "fc1": nn.Linear(inputs, units),
        "rnn": nn.GRUCell(units, units) if recurrent else nn.Linear(units, units),
        "fc2": nn.Linear(units, actions),
    }
    if layer_norm:
        layers["layer_norm"] = nn.LayerNorm(units)
        with torch.no_grad():  # not the identity, so that a missing LayerNorm would show
            layers["layer_norm"].weight.uniform_(0.5, 1.5)
            layers["layer_norm"].bias.uniform_(-0.3, 0.3)
    return nn.ModuleDict(layers)


def save(tmp_path: Path, name: str, sd: dict) -> Path:
    path = tmp_path / name
    torch.save({k: v.detach().clone() for k, v in sd.items()}, path)
    return path


def one_agent(sd: dict, prefix: str, x: torch.Tensor, h: torch.Tensor, recurrent: bool, layer_norm: bool):
    """fc1 → ReLU → GRU cell (or ReLU(Linear)) → [LayerNorm] → fc2, from the weights under ``prefix``."""
    w = {k[len(prefix) :]: v for k, v in sd.items() if k.startswith(prefix)}
    a = F.relu(F.linear(x, w["fc1.weight"], w["fc1.bias"]))
    if recurrent:
        h_new = torch.gru_cell(a, h, w["rnn.weight_ih"], w["rnn.weight_hh"], w["rnn.bias_ih"], w["rnn.bias_hh"])
    else:
        h_new = F.relu(F.linear(a, w["rnn.weight"], w["rnn.bias"]))
    head = (
        F.layer_norm(h_new, (h_new.shape[-1],), w["layer_norm.weight"], w["layer_norm.bias"]) if layer_norm else h_new
    )
    return F.linear(head, w["fc2.weight"], w["fc2.bias"]), h_new


def run(path: Path, batch: int, agents: int, steps: int = 4, **options) -> Stepper:
    factory, config = checkpoint_factory(path, Config(batch_size=batch, n_agents=agents, dtype="float64"), **options)
    stepper = Stepper(config, model_factory=factory)
    stepper.run(steps)
    return stepper


def check_shared(stepper: Stepper, sd: dict, recurrent: bool = True, layer_norm: bool = False) -> None:
    sd = {k: v.double() for k, v in sd.items()}
    b, a, units = stepper.frame.hidden.shape
    h = torch.zeros(b * a, units, dtype=torch.float64)
    for t in range(1, stepper.t + 1):
        frame = stepper.history.frame(t)
        x = torch.from_numpy(frame.inputs.copy()).double().reshape(b * a, -1)
        q, h = one_agent(sd, "", x, h, recurrent, layer_norm)
        np.testing.assert_array_equal(frame.hidden, h.reshape(b, a, units).float().numpy(), err_msg=f"step {t}")
        np.testing.assert_array_equal(frame.output, q.reshape(b, a, -1).float().numpy(), err_msg=f"step {t}")


@pytest.mark.parametrize("inputs, units, actions, agents, batch", SIZES)
def test_pymarl_and_epymarl_rnn_agents_give_their_own_numbers(tmp_path, inputs, units, actions, agents, batch):
    torch.manual_seed(units)
    sd = agent_layers(inputs, units, actions).state_dict()
    stepper = run(save(tmp_path, "agent.th", sd), batch, agents)
    assert stepper.config.family == "pymarl" and stepper.units == units
    check_shared(stepper, sd)
    new_hidden = [r for r in stepper.trace if r.role == "new hidden"]
    assert [r.shape for r in new_hidden] == [(batch * agents, units)]  # BasicMAC keeps the rows flattened


@pytest.mark.parametrize("inputs, units, actions, agents, batch", SIZES)
def test_pymarl2_nrnn_agents_with_and_without_layer_norm(tmp_path, inputs, units, actions, agents, batch):
    for layer_norm in (True, False):
        torch.manual_seed(units + layer_norm)
        sd = agent_layers(inputs, units, actions, layer_norm=layer_norm).state_dict()
        # Without LayerNorm the weights are PyMARL's too; the run's agent name says which controller it was.
        options = {} if layer_norm else {"agent": "n_rnn"}
        stepper = run(save(tmp_path, f"n{layer_norm}.th", sd), batch, agents, **options)
        assert stepper.config.family == "pymarl2"
        check_shared(stepper, sd, layer_norm=layer_norm)
        new_hidden = [r for r in stepper.trace if r.role == "new hidden"]
        # NRNNAgent returns hh.view(b, a, -1): a view, (batch, n_agents, units).
        assert [(r.shape, r.kind) for r in new_hidden] == [((batch, agents, units), "view")]
        assert "hh.view(b, a, -1)" in new_hidden[0].code and "PyMARL2 NRNNAgent" in new_hidden[0].code
        built = [r for r in stepper.trace if r.op.startswith("cat(")]
        assert built[0].shape == (batch, agents, inputs)  # NMAC builds (b, a, e) inputs


@pytest.mark.parametrize("inputs, units, actions, agents, batch", SIZES)
def test_epymarl_non_shared_agents_each_use_their_own_network_and_slice(
    tmp_path, inputs, units, actions, agents, batch
):
    torch.manual_seed(units)
    sd = {}
    for i in range(agents):
        sd.update({f"agents.{i}.{k}": v for k, v in agent_layers(inputs, units, actions).state_dict().items()})
    path = save(tmp_path, "agent.th", sd)
    factory, config = checkpoint_factory(path, Config(batch_size=batch, n_agents=agents, dtype="float64"))
    assert config.family == "epymarl-ns" and config.n_agents == agents
    stepper = Stepper(config, model_factory=factory)
    stepper.run(3)
    sd64 = {k: v.double() for k, v in sd.items()}
    h = torch.zeros(batch, agents, units, dtype=torch.float64)
    for t in range(1, 4):
        frame = stepper.history.frame(t)
        x = torch.from_numpy(frame.inputs.copy()).double()
        outs = [one_agent(sd64, f"agents.{i}.", x[:, i], h[:, i], True, False) for i in range(agents)]
        h = torch.stack([o[1] for o in outs], dim=1)
        np.testing.assert_array_equal(frame.hidden, h.float().numpy())
        np.testing.assert_array_equal(frame.output, torch.stack([o[0] for o in outs], 1).float().numpy())
    init = stepper.init_trace
    assert init[-1].shape == (batch, agents, units)  # (n_agents, H) expanded over the batch
    assert init[-1].storage_numel == agents * units
    with pytest.raises(
        ConfigError, match=f"one network for each of {agents} agents; --n-agents {agents + 1} does not fit"
    ):
        Stepper(config.replace(n_agents=agents + 1), model_factory=factory)


def test_use_rnn_false_agents_are_shown_as_feed_forward_and_say_so(tmp_path):
    torch.manual_seed(0)
    sd = agent_layers(10, 16, 4, recurrent=False).state_dict()
    stepper = run(save(tmp_path, "agent.th", sd), 2, 3)
    assert stepper.config.family == "epymarl"
    assert "use_rnn: False, no recurrent state" in stepper.config.label()
    check_shared(stepper, sd, recurrent=False)


def test_wrong_and_foreign_files_say_what_they_are(tmp_path, capsys):
    run_dir = tmp_path / "results" / "models" / "qmix_run" / "2000"
    run_dir.mkdir(parents=True)
    torch.save({"hyper_w_1.weight": torch.zeros(4, 4), "V.0.weight": torch.zeros(2, 2)}, run_dir / "mixer.th")
    torch.save({"state": {}, "param_groups": []}, run_dir / "opt.th")
    for name, words in (("mixer.th", "mixing network"), ("opt.th", "optimiser's state")):
        with pytest.raises(CheckpointError, match=f"{words}.*the agent's weights are .*agent.th"):
            load_agent(run_dir / name)
        assert main(["shapes", "--checkpoint", str(run_dir / name)]) == 2
        assert "agent.th" in capsys.readouterr().err
    renamed = tmp_path / "weights.th"
    torch.save({"hyper_w_1.weight": torch.zeros(4, 4)}, renamed)
    with pytest.raises(CheckpointError, match="holds a mixing network"):
        load_agent(renamed)
    with pytest.raises(CheckpointError, match="no agent.th and no numbered step folders"):
        load_agent(tmp_path)


def test_run_folders_pick_the_latest_step_or_the_nearest_to_load_step(tmp_path):
    run_dir = tmp_path / "qmix__2026-11-26"
    for step, seed in ((50, 1), (1000, 2), (2050, 3)):
        (run_dir / str(step)).mkdir(parents=True)
        torch.manual_seed(seed)
        torch.save(agent_layers(6, 8, 3).state_dict(), run_dir / str(step) / "agent.th")
    (run_dir / "notes").mkdir()
    assert resolve_checkpoint(run_dir)[0] == run_dir / "2050" / "agent.th"
    assert resolve_checkpoint(run_dir, 900)[0] == run_dir / "1000" / "agent.th"
    assert resolve_checkpoint(run_dir, 1)[0] == run_dir / "50" / "agent.th"
    assert resolve_checkpoint(run_dir / "50")[0] == run_dir / "50" / "agent.th"
    with pytest.raises(ConfigError, match="--load-step picks a step in a run folder"):
        resolve_checkpoint(run_dir / "50" / "agent.th", 50)
    loaded = load_agent(run_dir, load_step=1100)
    assert "step 1000" in loaded.label and "nearest to --load-step 1100" in loaded.label
    torch.manual_seed(2)
    expected = agent_layers(6, 8, 3).state_dict()
    assert all(torch.equal(loaded.state_dict[k], expected[k]) for k in expected)


def test_a_run_config_sets_the_inputs_and_must_agree_with_the_weights(tmp_path, capsys):
    pytest.importorskip("mpe2")
    run_dir = tmp_path / "run"
    (run_dir / "100").mkdir(parents=True)
    agent = run_dir / "100" / "agent.th"
    argv = [
        "shapes",
        "--json",
        "--steps",
        "1",
        "--checkpoint",
        str(run_dir),
        "--env",
        "simple_spread",
        "--env-arg",
        "n_agents=5",
    ]
    torch.manual_seed(0)
    # simple_spread with 5 agents observes 30 numbers; 29 inputs fit no layout.
    torch.save(agent_layers(29, 16, 5).state_dict(), agent)
    assert main(argv) == 2
    assert "the agent takes 29 inputs, but simple_spread gives 30 observations" in capsys.readouterr().err
    torch.save(agent_layers(40, 16, 5).state_dict(), agent)  # 30 + 5 + 5: both, unambiguously
    assert main(argv) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    assert (config["obs_last_action"], config["obs_agent_id"], config["input_dim"]) == (True, True, 40)
    # A sacred config.json beside the run is read, and its hidden size checked against the weights.
    (run_dir / "config.json").write_text(json.dumps({"agent": "rnn", "rnn_hidden_dim": 64, "obs_last_action": True}))
    assert main(argv) == 2
    assert "says 64 hidden units, but" in capsys.readouterr().err
    (run_dir / "config.json").write_text(json.dumps({"agent": "rnn_ns", "rnn_hidden_dim": 16}))
    assert main(argv) == 2
    assert "the run's agent is 'rnn_ns'" in capsys.readouterr().err
    (run_dir / "config.json").write_text(
        json.dumps({"agent": "rnn", "hidden_dim": 16, "use_rnn": True, "obs_last_action": True, "obs_agent_id": True})
    )
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert "EPyMARL BasicMAC" in " ".join(r["code"] for r in out["records"])  # EPyMARL's keys: its controller
    assert main(argv + ["--no-obs-agent-id"]) == 2
    assert "--obs-agent-id False conflicts with the run config" in capsys.readouterr().err


def test_an_ambiguous_input_layout_says_exactly_what_to_pass(tmp_path, capsys):
    pytest.importorskip("mpe2")
    torch.manual_seed(0)
    path = save(tmp_path, "agent.th", agent_layers(30 + 5, 16, 5).state_dict())  # 5 actions = 5 agents: either fits
    argv = ["shapes", "--checkpoint", str(path), "--env", "simple_spread", "--env-arg", "n_agents=5"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "fits both observation + last action and observation + agent id" in err
    assert "--run-config" in err and "--obs-last-action --no-obs-agent-id" in err
    assert main(argv + ["--obs-last-action", "--no-obs-agent-id", "--json"]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    assert (config["obs_last_action"], config["obs_agent_id"]) == (True, False)
    assert main(argv + ["--no-obs-last-action", "--json"]) == 0  # one flag given: the other follows from the size
    config = json.loads(capsys.readouterr().out)["config"]
    assert (config["obs_last_action"], config["obs_agent_id"]) == (False, True)


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--hidden-dim", "100"], "--hidden-dim 100 (100 units) conflicts with the checkpoint"),
        (["--input-dim", "9"], "--input-dim 9 conflicts with the checkpoint"),
        (["--inputs", "{inputs}", "--n-agents", "5"], "--n-agents 5 conflicts with the inputs file"),
        (
            ["--env", "simple_spread", "--n-agents", "4"],
            "no mix of observation (24), last action (+5) and agent id (+4)",
        ),
        (["--obs-agent-id"], "--obs-agent-id is about inputs built from a live environment; it goes with --env"),
        (["--load-step", "5"], "--load-step picks a step in a run folder"),
    ],
    ids=["hidden", "input", "inputs-agents", "env-agents", "flag without env", "load-step on a file"],
)
def test_options_that_conflict_with_what_was_loaded_are_errors_naming_both(tmp_path, capsys, extra, words):
    torch.manual_seed(0)
    path = save(tmp_path, "agent.th", agent_layers(26, 64, 5).state_dict())
    frames = np.zeros((4, 2, 3, 26), np.float32)
    np.save(tmp_path / "in.npy", frames)
    extra = [e.replace("{inputs}", str(tmp_path / "in.npy")) for e in extra]
    assert main(["shapes", "--checkpoint", str(path), *extra]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_reported_config_is_what_ran(tmp_path, capsys):
    torch.manual_seed(0)
    path = save(tmp_path, "agent.th", agent_layers(26, 64, 5).state_dict())
    assert main(["shapes", "--json", "--steps", "0", "--checkpoint", str(path), "--batch-size", "2"]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    assert (config["hidden_dim"], config["units"], config["input_dim"], config["n_actions"]) == (64, 64, 26, 5)
    assert config["family"] == "pymarl" and config["batch_size"] == 2 and config["n_agents"] == 5


def test_model_plugins_are_found_in_the_current_folder_by_the_installed_command(tmp_path):
    (tmp_path / "mymodule.py").write_text(
        "from hiddenscope.core.model import CondAgent\n"
        "def build(config):\n    return CondAgent(config.input_dim, config.n_agents, 20)\n"
    )
    command = Path(sys.executable).with_name("hiddenscope")
    if not command.exists():
        pytest.skip("the hiddenscope console script is not installed beside this Python")
    done = subprocess.run(
        [str(command), "shapes", "--model", "mymodule:build", "--steps", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "(32, 5, 15)" in done.stdout  # 20 // 4 * 3 = 15 units, from the user's own factory


@pytest.mark.parametrize("non_shared", [True, False])
def test_gates_rerun_each_agents_own_cell_and_start_episodes_from_init_hidden(tmp_path, non_shared):
    pytest.importorskip("lbforaging")
    from hiddenscope.core.env_inputs import env_inputs_factory
    from hiddenscope.core.envs import env_spec
    from hiddenscope.core.gru_history import gate_history

    options = {"size": "5", "food": "1", "max_episode_steps": "12", "players": "2"}
    spec = env_spec("lbf", dict(options))
    torch.manual_seed(5)
    if non_shared:
        sd = {}
        for i in range(2):
            layers = agent_layers(spec.obs_dim, 16, spec.n_actions).state_dict()
            sd.update({f"agents.{i}.{k}": v for k, v in layers.items()})
    else:
        sd = agent_layers(spec.obs_dim, 16, spec.n_actions).state_dict()
    path = save(tmp_path, "agent.th", sd)
    factory, config = checkpoint_factory(path, Config(batch_size=4, n_agents=2))
    inputs, config = env_inputs_factory(config, "lbf", options, last_action=False, agent_id=False, fixed_input=True)
    stepper = Stepper(config, model_factory=factory, input_factory=inputs)
    stepper.run(30)  # episodes of at most 12 steps: every row has started again by now
    hist = stepper.history
    for row in range(4):
        starts = [t for t in range(2, 31) if hist.snapshot(t).episode.start[row]]
        assert starts
        for agent in range(2):
            ts, gates = gate_history(stepper, agent=agent, row=row)
            recorded = np.stack([hist.snapshot(int(t)).hidden[row, agent] for t in ts])
            # The gates' new state is the state the step really produced, episode starts included.
            np.testing.assert_allclose(gates["h"], recorded, atol=1e-5)
