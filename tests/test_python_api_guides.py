"""Every guide in docs/python-api.md runs as written (issue 24).

The PyMARL guide runs against a controller and a runner written here to the families'
public layouts (``BasicMAC`` holding an ``RNNAgent`` as ``agent``, ``_build_inputs``,
``init_hidden``, ``select_actions``; an episode runner with ``batch``, ``t``, ``env``).
The TorchRL guide runs TorchRL's own ``GRUModule`` (skipped where torchrl is not installed).
"""

from __future__ import annotations

import re
import types
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import hiddenscope

DOC = Path(__file__).resolve().parent.parent / "docs" / "python-api.md"


def guide(name: str) -> str:
    found = re.search(rf"<!-- guide: {name} -->\n```python\n(.*?)```", DOC.read_text(), re.S)
    assert found, f"no guide {name} in {DOC}"
    return found.group(1)


def test_plain_loop_guide(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(guide("plain"), "plain-guide", "exec"), {})
    assert capsys.readouterr().out.strip() == "51 (8, 3, 32)"


def test_watch_guide(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    exec(compile(guide("watch"), "watch-guide", "exec"), {})
    assert "['c', 'layer0.c', 'layer0.h', 'layer1.c', 'layer1.h']" in capsys.readouterr().out
    reader = hiddenscope.open_session(tmp_path / "lstm.h5")
    assert len(reader) == 21 and reader.trace(1) is not None
    np.testing.assert_array_equal(reader.read("episode_start")[1:, 0], [t % 10 == 0 for t in range(20)])


class RNNAgent(nn.Module):
    """PyMARL's agent layout: fc1, a GRUCell named rnn, fc2."""

    def __init__(self, input_shape: int, hidden: int, n_actions: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(input_shape, hidden)
        self.rnn = nn.GRUCell(hidden, hidden)
        self.fc2 = nn.Linear(hidden, n_actions)
        self.hidden = hidden

    def init_hidden(self):
        return self.fc1.weight.new(1, self.hidden).zero_()

    def forward(self, inputs, hidden_state):
        x = F.relu(self.fc1(inputs))
        h = self.rnn(x, hidden_state.reshape(-1, self.hidden))
        return self.fc2(h), h


class BasicMAC:
    """PyMARL's controller layout: agent, hidden_states, _build_inputs, init_hidden, forward, select_actions."""

    def __init__(self, n_agents: int, obs: int, n_actions: int) -> None:
        self.n_agents = n_agents
        self.agent = RNNAgent(obs + n_agents, 16, n_actions)
        self.hidden_states = None
        self.seen: list[torch.Tensor] = []

    def init_hidden(self, batch_size):
        self.hidden_states = self.agent.init_hidden().unsqueeze(0).expand(batch_size, self.n_agents, -1)

    def _build_inputs(self, batch, t):
        bs = batch.batch_size
        ids = torch.eye(self.n_agents).unsqueeze(0).expand(bs, -1, -1)
        return torch.cat([batch["obs"][:, t], ids], dim=-1).reshape(bs * self.n_agents, -1)

    def forward(self, ep_batch, t, test_mode=False):
        agent_inputs = self._build_inputs(ep_batch, t)
        agent_outs, self.hidden_states = self.agent(agent_inputs, self.hidden_states)
        self.seen.append(self.hidden_states.detach().clone())
        return agent_outs.view(ep_batch.batch_size, self.n_agents, -1)

    def select_actions(self, ep_batch, t_ep, t_env, bs=slice(None), test_mode=False):
        return self.forward(ep_batch, t_ep, test_mode=test_mode).argmax(-1)


class Batch(dict):
    batch_size = 1


class EpisodeRunner:
    """The parts of PyMARL's episode runner the guide touches."""

    def __init__(self, n_agents: int, obs: int) -> None:
        self.batch_size, self.t, self.t_env = 1, 0, 0
        self.n_agents, self.obs = n_agents, obs
        self.lengths = iter([4, 6, 3])
        self.env = types.SimpleNamespace(step=self._step)

    def reset(self):
        self.t, self.length = 0, next(self.lengths)
        self.batch = Batch(obs=torch.randn(1, self.length, self.n_agents, self.obs))

    def _step(self, actions):
        return 1.0, self.t + 1 >= self.length, {}


def test_pymarl_guide(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    mac = BasicMAC(n_agents=3, obs=5, n_actions=4)
    runner = EpisodeRunner(3, 5)
    args = types.SimpleNamespace(n_agents=3)
    exec(compile(guide("pymarl"), "pymarl-guide", "exec"), {"mac": mac, "runner": runner, "args": args})
    reader = hiddenscope.open_session(tmp_path / "eval.h5")
    assert len(reader) == 4 + 6 + 3 + 1 and reader.shape == (1, 3, 16)
    for k, h in enumerate(mac.seen, start=1):
        np.testing.assert_allclose(reader.hidden(k), h.reshape(1, 3, 16), atol=1e-6)
    starts = reader.read("episode_start")[1:, 0]
    np.testing.assert_array_equal(np.flatnonzero(starts), [0, 4, 10])  # mac.init_hidden at each episode
    assert reader.read("actions").shape == (14, 1, 3) and reader.read("returns")[4, 0] == 4.0
    assert reader.read("inputs", 1, 1).shape == (1, 1, 3, 8)  # what _build_inputs made
    np.testing.assert_array_equal(np.flatnonzero(reader.read("done")[1:, 0]), [3, 9, 12])  # each episode's last


def test_torchrl_guide(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torchrl")
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    # What the policy wrote to its tensordicts, seen by a hook of the test's own beside watch's.
    written: list[tuple[torch.Tensor, torch.Tensor]] = []
    real_watch = hiddenscope.watch

    def watch(policy, *args, **kwargs):
        def keep(_module, _args, td):
            written.append((td["next", "agents", "_hidden_gru_0"].clone(), td["is_init"].clone()))

        policy.register_forward_hook(keep)
        return real_watch(policy, *args, **kwargs)

    monkeypatch.setattr(hiddenscope, "watch", watch)
    exec(compile(guide("torchrl"), "torchrl-guide", "exec"), {})
    assert capsys.readouterr().out.strip() == "(4, 3, 32) ['layer0.h', 'layer1.h']"
    reader = hiddenscope.open_session(tmp_path / "marl.h5")
    assert len(reader) == len(written) + 1 == 31
    for k, (state, is_init) in enumerate(written, start=1):
        np.testing.assert_allclose(reader.hidden(k), state[:, :, -1].numpy(), atol=1e-6)
        np.testing.assert_allclose(reader.state("layer0.h", k), state[:, :, 0].numpy(), atol=1e-6)
        np.testing.assert_array_equal(reader.read("episode_start", k, k)[0], is_init.any(-1).any(-1).numpy())
    np.testing.assert_array_equal(np.flatnonzero(reader.read("episode_start")[1:, 0]), [0, 10, 20])
    np.testing.assert_array_equal(np.flatnonzero(reader.read("done")[1:, 0]), [9, 19, 29])
    assert reader.read("outputs", 1, 1).shape == (1, 4, 3, 5)  # the head's logits
