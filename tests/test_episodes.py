"""Trained agents in live episodes, checked from what a user gets: the export, the actions, the resets.

The agent's weights are written here with plain ``nn`` layers named as PyMARL
names them; every expected number is worked out in this file from those weights
with the GRU equations, not by hiddenscope's code.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from hiddenscope.cli import main
from hiddenscope.core import ConfigError, Stepper
from hiddenscope.core.episodes import EpisodeInputs

mpe2 = pytest.importorskip("mpe2", reason='the MPE extra is not installed: pip install "hiddenscope[mpe]"')

OBS, ACTIONS, AGENTS, UNITS = 18, 5, 3, 32  # simple_spread with 3 agents: 18 + 5 + 3 = 26 inputs


def pymarl_weights(inputs: int, units: int, actions: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """A PyMARL RNNAgent's state_dict: fc1, rnn (a GRU cell), fc2, as PyMARL names them."""
    torch.manual_seed(seed)
    layers = nn.ModuleDict(
        {"fc1": nn.Linear(inputs, units), "rnn": nn.GRUCell(units, units), "fc2": nn.Linear(units, actions)}
    )
    return {k: v.detach().clone() for k, v in layers.state_dict().items()}


def gru_by_hand(sd: dict[str, np.ndarray], x: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One PyMARL agent step in float64 NumPy: ReLU(fc1) → GRU equations → fc2.  Returns (q, h')."""
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    a = np.maximum(x @ sd["fc1.weight"].T + sd["fc1.bias"], 0)
    gi = a @ sd["rnn.weight_ih"].T + sd["rnn.bias_ih"]
    gh = h @ sd["rnn.weight_hh"].T + sd["rnn.bias_hh"]
    n_units = h.shape[-1]
    r = sigmoid(gi[..., :n_units] + gh[..., :n_units])
    z = sigmoid(gi[..., n_units : 2 * n_units] + gh[..., n_units : 2 * n_units])
    n = np.tanh(gi[..., 2 * n_units :] + r * gh[..., 2 * n_units :])
    h_new = (1 - z) * n + z * h
    return h_new @ sd["fc2.weight"].T + sd["fc2.bias"], h_new


@pytest.fixture
def trained_layout(tmp_path):
    sd = pymarl_weights(OBS + ACTIONS + AGENTS, UNITS, ACTIONS)
    path = tmp_path / "agent.th"
    torch.save(sd, path)
    return path, {k: v.double().numpy() for k, v in sd.items()}


def test_a_26_input_agent_plays_simple_spread_and_the_export_alone_shows_how(trained_layout, tmp_path, capsys):
    path, sd = trained_layout
    out = tmp_path / "run.npz"
    steps, batch = 60, 3
    argv = ["export", "--checkpoint", str(path), "--env", "simple_spread", "--steps", str(steps)]
    # Without the terminal step (tests/test_real_runs.py covers it): the next episode starts right after.
    assert main(argv + ["--batch-size", str(batch), "--out", str(out), "--no-terminal-step"]) == 0
    assert "episodes: 6 finished" in capsys.readouterr().out  # 3 rows × 2 episodes of 25 steps in 60 steps
    with np.load(out) as data:
        d = {k: data[k] for k in data.files}
    config = json.loads(str(d["config"]))
    assert (config["input_dim"], config["obs_last_action"], config["obs_agent_id"]) == (26, True, True)
    assert config["env"] == "simple_spread" and config["n_agents"] == AGENTS and config["units"] == UNITS
    assert d["hidden"].shape == (steps + 1, batch, AGENTS, UNITS)
    assert d["actions"].shape == (steps + 1, batch, AGENTS) and d["rewards"].shape == (steps + 1, batch)
    start = d["episode_start"]
    # Step 1 starts every episode; simple_spread's episodes last 25 steps, so steps 26 and 51 start the next.
    assert [k for k in range(steps + 1) if start[k].any()] == [1, 26, 51]
    assert start[[1, 26, 51]].all() and not start[0].any()
    np.testing.assert_array_equal(start[2:], d["done"][1:-1])  # an episode starts right after one ends

    inputs = d["inputs"]
    # The observation part: step 1 sees each row's environment just after reset(seed = row).
    for row in range(batch):
        env = mpe2.simple_spread_v3.parallel_env(N=AGENTS, max_cycles=25, continuous_actions=False)
        first, _ = env.reset(seed=row)
        np.testing.assert_allclose(inputs[1, row, :, :OBS], np.stack([first[a] for a in env.possible_agents]))
        env.close()
    # The agent-id part is the identity; the last-action part is the previous step's action, zeros at a start.
    np.testing.assert_array_equal(
        inputs[1:, :, :, OBS + ACTIONS :], np.broadcast_to(np.eye(AGENTS), (steps, batch, AGENTS, AGENTS))
    )
    for k in range(1, steps + 1):
        last = inputs[k, :, :, OBS : OBS + ACTIONS]
        for row in range(batch):
            expected = np.zeros((AGENTS, ACTIONS)) if start[k, row] else np.eye(ACTIONS)[d["actions"][k - 1, row]]
            np.testing.assert_array_equal(last[row], expected, err_msg=f"step {k} row {row}")
    # Greedy: every action is the argmax of that step's Q-values.
    np.testing.assert_array_equal(d["actions"][1:], d["outputs"][1:].argmax(-1))
    # Each step follows from the one before, except at an episode start, where it follows from zeros.
    for k in range(1, steps + 1):
        x = inputs[k].astype(np.float64)
        previous = np.where(start[k][:, None, None], 0.0, d["hidden"][k - 1].astype(np.float64))
        q, h = gru_by_hand(sd, x, previous)
        np.testing.assert_allclose(d["hidden"][k], h, atol=2e-5, err_msg=f"step {k}")
        np.testing.assert_allclose(d["outputs"][k], q, atol=2e-5, err_msg=f"step {k}")
    # And a start really changed something: carrying the old memory into step 26 gives other numbers.
    _, carried = gru_by_hand(sd, inputs[26].astype(np.float64), d["hidden"][25].astype(np.float64))
    assert np.abs(carried - d["hidden"][26]).max() > 1e-3
    # Returns add the rewards up within an episode and start again after one ends.
    np.testing.assert_allclose(d["returns"][1:26].sum(0) * 0 + d["returns"][25], d["rewards"][1:26].sum(0), rtol=1e-4)
    np.testing.assert_allclose(d["returns"][26], d["rewards"][26], rtol=1e-6)


def test_the_shape_panel_trace_shows_the_inputs_being_built_and_the_reset(trained_layout):
    path, _ = trained_layout
    from hiddenscope.core.plan import Request, plan

    p = plan(Request(checkpoint=str(path), env="simple_spread", batch_size=2))
    stepper = Stepper(p.config, model_factory=p.model_factory, input_factory=p.input_factory)
    stepper.run(27)
    trace = stepper.trace  # step 27: the first step of every row's second episode (26 is the terminal step)
    ops = [r.op for r in trace]
    assert "cat((6×18, 6×5, 6×3), dim=1)" in ops  # [obs, last action, agent id], rows flattened as BasicMAC does
    assert all(len(op) < 120 for op in ops)  # shapes, never a tensor's printed values
    reset = [r for r in trace if r.role == "reset"]  # every row starts: the controller's own init_hidden
    assert reset and reset[-1].op == "expand(2, 3, -1)" and reset[-1].shape == (2, 3, UNITS)
    assert any("BasicMAC._build_inputs · hiddenscope's mirror" in r.code for r in trace)
    assert [r.role for r in trace if "fc2" in r.code] == ["output"]
    assert stepper.frame.episode.start.all()
    no_reset = stepper.history.frame(26).trace
    assert not [r for r in no_reset if r.role == "reset"]


def test_the_same_seed_replays_the_same_episodes_and_reset_starts_them_again():
    from hiddenscope.core.plan import Request, plan

    runs = []
    for _ in range(2):
        p = plan(Request(env="simple_spread", batch_size=2))
        stepper = Stepper(p.config, model_factory=p.model_factory, input_factory=p.input_factory)
        stepper.run(30)
        runs.append((stepper.frame.hidden.copy(), stepper.frame.episode.actions.copy()))
        stepper.reset()
        stepper.run(30)
        np.testing.assert_array_equal(stepper.frame.hidden, runs[-1][0])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_a_failed_step_can_be_tried_again_without_the_environment_jumping(trained_layout):
    from hiddenscope.core.plan import Request, plan

    path, _ = trained_layout
    p = plan(Request(checkpoint=str(path), env="simple_spread", batch_size=2))
    stepper = Stepper(p.config, model_factory=p.model_factory, input_factory=p.input_factory)
    stepper.run(3)
    weights = stepper.model.agent.fc1.weight
    saved = weights.detach().clone()
    with torch.no_grad():
        stepper.model.agent.fc1.weight = nn.Parameter(torch.zeros(3, 3))  # the next step cannot run
    with pytest.raises(ConfigError, match="the model failed at step 4"):
        stepper.step()
    stepper.model.agent.fc1.weight = nn.Parameter(saved)
    stepper.step()  # the same observations again, not "cannot jump"
    assert stepper.t == 4


class PlantedEnv:
    """A real (if tiny) environment: two agents, three actions, action 2 never allowed, rewards = actions summed."""

    name, n_agents, obs_dim, n_actions, episode_limit = "planted", 2, 1, 3, 0

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size

    def reset(self, seed: int) -> np.ndarray:
        return np.zeros((self.batch_size, 2, 1), np.float32)

    def step(self, actions):
        return (
            np.zeros((self.batch_size, 2, 1), np.float32),
            actions.sum(1).astype(float),
            np.zeros(self.batch_size, bool),
        )

    def available_actions(self) -> np.ndarray:
        allowed = np.ones((self.batch_size, 2, 3), bool)
        allowed[..., 2] = False
        return allowed

    def describe(self) -> str:
        return "planted"

    def close(self) -> None:
        pass


def test_greedy_actions_respect_the_action_mask():
    source = EpisodeInputs(PlantedEnv(2), agent_output="q")
    source.inputs(0)
    q = np.array([[[0.0, 1.0, 9.0], [5.0, 1.0, 9.0]]] * 2)  # action 2 is best but not allowed
    step = source.act(q, source.available_actions())
    np.testing.assert_array_equal(step.actions, [[1, 0], [1, 0]])
    np.testing.assert_array_equal(step.rewards, [1.0, 1.0])


def test_policies_are_sampled_from_their_probabilities_or_taken_greedily():
    probs = np.array([[[0.2, 0.8, 0.0], [1.0, 0.0, 0.0]]] * 500)  # (batch 500, 2 agents, 3 actions)
    sampled = EpisodeInputs(PlantedEnv(500), seed=3, agent_output="pi_logits", actions="sample")
    sampled.inputs(0)
    actions = sampled.act(probs, sampled.available_actions()).actions
    share = (actions[:, 0] == 1).mean()
    assert 0.72 < share < 0.88 and set(np.unique(actions[:, 0])) == {0, 1}
    assert (actions[:, 1] == 0).all()
    greedy = EpisodeInputs(PlantedEnv(500), agent_output="pi_logits", actions="greedy")
    greedy.inputs(0)
    assert (greedy.act(probs, greedy.available_actions()).actions[:, 0] == 1).all()
    with pytest.raises(ConfigError, match="sample draws actions from a policy; this agent outputs Q-values"):
        EpisodeInputs(PlantedEnv(1), agent_output="q", actions="sample")


def test_the_seed_model_in_an_environment_acts_at_random_among_allowed_actions():
    source = EpisodeInputs(PlantedEnv(64), seed=1)
    source.inputs(0)
    actions = source.act(None, source.available_actions()).actions
    assert set(np.unique(actions)) == {0, 1}
    assert "random actions" in source.describe()


def test_pi_logits_agents_softmax_inside_the_controller_with_masks(tmp_path):
    from hiddenscope.core.agents.pymarl import BasicMAC, RNNAgent

    torch.manual_seed(0)
    agent = RNNAgent(4, 8, 3)
    mac = BasicMAC(agent, 2, 3, 8, output_type="pi_logits")
    inputs = mac.build_inputs(torch.randn(5, 2, 4))
    avail = torch.ones(5, 2, 3)
    avail[..., 0] = 0
    with torch.no_grad():
        probs, _ = mac(inputs, mac.init_hidden(5), avail)
    assert probs.shape == (5, 2, 3)
    torch.testing.assert_close(probs.sum(-1), torch.ones(5, 2))
    assert (probs[..., 0] < 1e-12).all()
