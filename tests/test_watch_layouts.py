"""watch on the layouts of issue 24 beyond one shared cell: EPyMARL's ``NonSharedMAC`` (a cell per
agent) and TensorDict modules (TorchRL's ``GRUModule``/``LSTMModule``, a BenchMARL-style model).

The controllers and models are written here to the families' public layouts; what the session
holds must equal what their own code left behind (``mac.hidden_states``, the tensordict's entries).
"""

from __future__ import annotations

import subprocess
import sys
import types
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import hiddenscope
from hiddenscope.core.errors import UserError


# -- EPyMARL's non-shared controller ------------------------------------------------------------
class RNNAgent(nn.Module):
    """One agent's network, as EPyMARL's rnn agent lays it out: fc1, a GRUCell named rnn, fc2."""

    def __init__(self, input_shape: int, args: types.SimpleNamespace) -> None:
        super().__init__()
        self.args = args
        self.fc1 = nn.Linear(input_shape, args.hidden_dim)
        self.rnn = nn.GRUCell(args.hidden_dim, args.hidden_dim)
        self.fc2 = nn.Linear(args.hidden_dim, args.n_actions)

    def init_hidden(self):
        return self.fc1.weight.new(1, self.args.hidden_dim).zero_()

    def forward(self, inputs, hidden_state):
        x = F.relu(self.fc1(inputs))
        h = self.rnn(x, hidden_state.reshape(-1, self.args.hidden_dim))
        return self.fc2(h), h


class RNNNSAgent(nn.Module):
    """A network per agent in a ModuleList named agents; the hidden states are joined along the agent axis."""

    def __init__(self, input_shape: int, args: types.SimpleNamespace) -> None:
        super().__init__()
        self.n_agents = args.n_agents
        self.input_shape = input_shape
        self.agents = nn.ModuleList([RNNAgent(input_shape, args) for _ in range(self.n_agents)])

    def init_hidden(self):
        return torch.cat([a.init_hidden() for a in self.agents])

    def forward(self, inputs, hidden_state):
        if inputs.size(0) == self.n_agents:  # one environment: each agent's row on its own
            outs = [self.agents[i](inputs[i].unsqueeze(0), hidden_state[:, i]) for i in range(self.n_agents)]
            return torch.cat([q for q, _ in outs]), torch.cat([h for _, h in outs]).unsqueeze(0)
        inputs = inputs.view(-1, self.n_agents, self.input_shape)
        outs = [self.agents[i](inputs[:, i], hidden_state[:, i]) for i in range(self.n_agents)]
        qs = torch.cat([q.unsqueeze(1) for q, _ in outs], dim=-1)
        return qs.view(-1, outs[0][0].size(-1)), torch.cat([h.unsqueeze(1) for _, h in outs], dim=1)


class NonSharedMAC:
    """The controller: agent (an RNNNSAgent), hidden_states, init_hidden, _build_inputs, forward."""

    def __init__(self, args: types.SimpleNamespace, obs: int) -> None:
        self.n_agents = args.n_agents
        self.args = args
        self.agent = RNNNSAgent(obs + args.n_agents, args)
        self.hidden_states = None

    def init_hidden(self, batch_size):
        self.hidden_states = self.agent.init_hidden().unsqueeze(0).expand(batch_size, -1, -1)

    def _build_inputs(self, batch, t):
        bs = batch.batch_size
        ids = torch.eye(self.n_agents).unsqueeze(0).expand(bs, -1, -1)
        return torch.cat([batch["obs"][:, t], ids], dim=-1).reshape(bs * self.n_agents, -1)

    def forward(self, ep_batch, t, test_mode=False):
        agent_inputs = self._build_inputs(ep_batch, t)
        agent_outs, self.hidden_states = self.agent(agent_inputs, self.hidden_states)
        return agent_outs.view(ep_batch.batch_size, self.n_agents, -1)


class Batch(dict):
    def __init__(self, batch_size: int, **values: torch.Tensor) -> None:
        super().__init__(values)
        self.batch_size = batch_size


@pytest.mark.parametrize("batch_size", [1, 4])
def test_non_shared_mac_records_each_agents_own_cell(tmp_path, batch_size):
    torch.manual_seed(5)
    args = types.SimpleNamespace(n_agents=3, hidden_dim=10, n_actions=4)
    mac = NonSharedMAC(args, obs=5)
    steps = 6
    batch = Batch(batch_size, obs=torch.randn(batch_size, steps, 3, 5))
    made = []
    with hiddenscope.watch(mac, 3, tmp_path / "ns.h5", trace=True) as w:
        assert w.cells == ["agents.*.rnn"]
        mac.init_hidden(batch_size)
        for t in range(steps):
            q = mac.forward(batch, t)
            made.append(mac.hidden_states.detach().clone())
            w.annotate(actions=q.argmax(-1), dones=np.full(batch_size, t == steps - 1))
    reader = hiddenscope.open_session(tmp_path / "ns.h5")
    assert reader.shape == (batch_size, 3, 10) and reader.state_names == []
    assert len(reader) == steps + 1 and np.all(reader.hidden(0) == 0)
    for k, h in enumerate(made, start=1):
        assert h.shape == (batch_size, 3, 10)
        np.testing.assert_allclose(reader.hidden(k), h.numpy(), atol=1e-6)
    # each agent's state is its own network's: agent 1's is not agent 0's
    assert not np.allclose(reader.hidden(steps)[:, 0], reader.hidden(steps)[:, 1])
    assert reader.read("inputs", 1, 1).shape == (1, batch_size, 3, 8)
    assert reader.read("episode_start")[1:, 0].tolist() == [True] + [False] * (steps - 1)
    assert reader.read("done")[1:, 0].tolist() == [False] * (steps - 1) + [True]
    assert reader.trace(1) is not None


def test_a_stack_of_bare_cells_is_not_taken_for_agents(tmp_path):
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([nn.GRUCell(4, 4) for _ in range(2)])

        def forward(self, x, h):
            for layer in self.layers:
                x = layer(x, h)
            return x

    stack = Stack()
    with hiddenscope.watch(stack, 2, tmp_path / "stack.h5") as w:
        out = stack(torch.randn(6, 4), torch.zeros(6, 4))
    assert w.cells == ["layers.0", "layers.1"]
    reader = hiddenscope.open_session(tmp_path / "stack.h5")
    assert reader.shape == (3, 2, 4) and reader.state_names == ["layers.1.h"]
    np.testing.assert_allclose(reader.state("layers.1.h", 1), out.detach().reshape(3, 2, 4), atol=1e-6)


def test_a_bare_cell_watched_records_each_call(tmp_path):
    """The watched module may be the cell itself (watch's own docstring example): its hooks run after the
    step is taken, so its state is read from the call's result."""
    torch.manual_seed(9)
    cell = nn.LSTMCell(4, 8)
    h = c = torch.zeros(6, 8)
    made = []
    with hiddenscope.watch(cell, 2, tmp_path / "cell.h5", trace=True) as w:
        for _ in range(3):
            h, c = cell(torch.randn(6, 4), (h, c))
            made.append((h.detach().clone(), c.detach().clone()))
    assert w.cells == [""] and not cell._forward_hooks
    reader = hiddenscope.open_session(tmp_path / "cell.h5")
    assert len(reader) == 4 and reader.state_names == ["c"] and reader.trace(1) is not None
    for k, (hk, ck) in enumerate(made, start=1):
        np.testing.assert_allclose(reader.hidden(k), hk.reshape(3, 2, 8), atol=1e-6)
        np.testing.assert_allclose(reader.state("c", k), ck.reshape(3, 2, 8), atol=1e-6)
    np.testing.assert_allclose(reader.read("inputs", 1, 1).shape, (1, 3, 2, 4))


# -- TensorDict modules ---------------------------------------------------------------------------
def test_hiddenscope_does_not_import_tensordict(tmp_path):
    code = (
        "import sys, torch, hiddenscope\n"
        "cell = torch.nn.GRUCell(2, 2)\n"
        "with hiddenscope.watch(cell, 1, 'x.h5'):\n"
        "    cell(torch.zeros(1, 2))\n"
        "print(any(m.split('.')[0] in ('tensordict', 'torchrl') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.stdout.strip() == "False", out.stderr


def _benchmarl_style_model(obs: int, units: int, layers: int, n_actions: int):
    """A model laid out as BenchMARL's Gru keeps its keys: it reads ("agents", "observation"), the root
    is_init (batch, 1) and ("agents", "_hidden_gru_0") (batch, n_agents, layers, units), and writes the
    new state to ("next", "agents", "_hidden_gru_0"); given no state (a training pass) it writes none."""
    from tensordict.nn import TensorDictModuleBase

    class GruPolicy(TensorDictModuleBase):
        def __init__(self) -> None:
            super().__init__()
            self.in_keys = [("agents", "observation"), "is_init", ("agents", "_hidden_gru_0")]
            self.out_keys = [("agents", "logits"), ("next", "agents", "_hidden_gru_0")]
            self.cells = nn.ModuleList([nn.GRUCell(obs if i == 0 else units, units) for i in range(layers)])
            self.head = nn.Linear(units, n_actions)

        def forward(self, td):
            x = td.get(("agents", "observation"))
            h0 = td.get(("agents", "_hidden_gru_0"), None)
            rows, n = x.shape[:2]
            given = h0 is not None
            if not given:
                h0 = x.new_zeros(rows, n, layers, units)
            h0 = torch.where(td.get("is_init")[:, :, None, None], 0.0, h0)
            new = []
            for i, cell in enumerate(self.cells):
                x = cell(x.reshape(rows * n, -1), h0[:, :, i].reshape(rows * n, units)).reshape(rows, n, units)
                new.append(x)
            td.set(("agents", "logits"), self.head(x))
            if given:
                td.set(("next", "agents", "_hidden_gru_0"), torch.stack(new, dim=-2))
            return td

    return GruPolicy()


def test_a_benchmarl_style_policy_records_its_hidden_key_and_is_init(tmp_path):
    pytest.importorskip("tensordict")
    from tensordict import TensorDict

    torch.manual_seed(7)
    n_agents, batch, layers, units = 3, 5, 2, 8
    policy = _benchmarl_style_model(6, units, layers, 4)
    rng = np.random.default_rng(0)
    h = torch.zeros(batch, n_agents, layers, units)
    made, starts = [], []
    with hiddenscope.watch(policy, n_agents, tmp_path / "bm.h5") as w:
        for t in range(7):
            start = np.ones(batch, bool) if t == 0 else rng.random(batch) < 0.3
            td = TensorDict(
                {
                    "agents": TensorDict(
                        {"observation": torch.randn(batch, n_agents, 6), "_hidden_gru_0": h}, [batch, n_agents]
                    ),
                    "is_init": torch.as_tensor(start).unsqueeze(-1),
                },
                [batch],
            )
            with torch.no_grad():
                td = policy(td)
            h = td["next", "agents", "_hidden_gru_0"]
            made.append(h.clone())
            starts.append(start)
        # a training pass over collected data: the old ("next", …) state is there, but this call writes none
        stale = TensorDict(
            {
                "agents": TensorDict({"observation": torch.randn(batch, n_agents, 6)}, [batch, n_agents]),
                "is_init": torch.zeros(batch, 1, dtype=torch.bool),
                "next": TensorDict({"agents": TensorDict({"_hidden_gru_0": h}, [batch, n_agents])}, [batch]),
            },
            [batch],
        )
        policy(stale)
    assert w.cells == ["agents._hidden_gru_0"]
    reader = hiddenscope.open_session(tmp_path / "bm.h5")
    assert len(reader) == 8 and reader.shape == (batch, n_agents, units)
    assert reader.state_names == ["layer0.h", "layer1.h"]
    for k, state in enumerate(made, start=1):
        np.testing.assert_allclose(reader.hidden(k), state[:, :, -1].numpy(), atol=1e-6)
        np.testing.assert_allclose(reader.state("layer0.h", k), state[:, :, 0].numpy(), atol=1e-6)
    np.testing.assert_array_equal(reader.read("episode_start")[1:], np.stack(starts))
    assert reader.read("inputs", 1, 1).shape == (1, batch, n_agents, 6)
    assert reader.read("outputs", 1, 1).shape == (1, batch, n_agents, 4)


def test_an_lstm_module_gives_its_cell_state(tmp_path):
    pytest.importorskip("torchrl")
    from tensordict import TensorDict
    from torchrl.modules import LSTMModule

    torch.manual_seed(8)
    n_agents, batch, units = 2, 3, 6
    lstm = LSTMModule(
        input_size=4,
        hidden_size=units,
        in_keys=[("agents", "observation"), ("agents", "rs_h"), ("agents", "rs_c")],
        out_keys=[("agents", "features"), ("next", "agents", "rs_h"), ("next", "agents", "rs_c")],
    )
    h = c = torch.zeros(batch, n_agents, 1, units)
    made = []
    with hiddenscope.watch(lstm, n_agents, tmp_path / "lstm.h5") as w:
        for t in range(4):
            td = TensorDict(
                {
                    "agents": {"observation": torch.randn(batch, n_agents, 4), "rs_h": h, "rs_c": c},
                    "is_init": torch.full((batch, n_agents, 1), t == 0),
                },
                [batch, n_agents],
            )
            with torch.no_grad():
                td = lstm(td)
            h, c = td["next", "agents", "rs_h"], td["next", "agents", "rs_c"]
            made.append((h.clone(), c.clone()))
    assert w.cells == ["agents.rs_h"]
    reader = hiddenscope.open_session(tmp_path / "lstm.h5")
    assert reader.state_names == ["c"]
    for k, (hk, ck) in enumerate(made, start=1):
        np.testing.assert_allclose(reader.hidden(k), hk[:, :, 0].numpy(), atol=1e-6)
        np.testing.assert_allclose(reader.state("c", k), ck[:, :, 0].numpy(), atol=1e-6)
    assert reader.read("episode_start")[1:, 0].tolist() == [True, False, False, False]


def test_state_keys_name_a_state_no_convention_names(tmp_path):
    pytest.importorskip("tensordict")
    from tensordict import TensorDict
    from tensordict.nn import TensorDictModule

    class Memory(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = nn.GRUCell(3, 5)

        def forward(self, x, h):
            return self.cell(x.reshape(-1, 3), h.reshape(-1, 5)).reshape(h.shape)

    def module():
        return TensorDictModule(
            Memory(), in_keys=[("agents", "obs"), ("agents", "memory")], out_keys=[("next", "agents", "memory")]
        )

    def run(policy, path, **kwargs):
        h, made = torch.zeros(2, 4, 5), []
        with hiddenscope.watch(policy, 4, path, **kwargs):
            for _ in range(3):
                td = TensorDict({"agents": TensorDict({"obs": torch.randn(2, 4, 3), "memory": h}, [2, 4])}, [2])
                with torch.no_grad():
                    h = policy(td)["next", "agents", "memory"]
                made.append(h.clone())
        return made

    with pytest.warns(UserWarning, match="wrote no recurrent state"):
        run(module(), tmp_path / "none.h5")
    assert not (tmp_path / "none.h5").exists()
    made = run(module(), tmp_path / "named.h5", state_keys=[("agents", "memory")])
    reader = hiddenscope.open_session(tmp_path / "named.h5")
    for k, h in enumerate(made, start=1):
        np.testing.assert_allclose(reader.hidden(k), h.numpy(), atol=1e-6)
    with pytest.raises(UserError, match="state_keys"):
        hiddenscope.watch(nn.GRUCell(2, 2), 1, tmp_path / "x.h5", state_keys=["h"])


def test_a_state_with_no_agent_axis_is_left_out_or_refused(tmp_path):
    """A shared critic's state (batch, layers, units) is not one per agent: found by its name it is left out
    (with a warning at the end), named in state_keys it is refused where the call is made."""
    pytest.importorskip("tensordict")
    from tensordict import TensorDict
    from tensordict.nn import TensorDictModule

    class Critic(nn.Module):
        def forward(self, x):
            return x.mean(-2, keepdim=True).expand(-1, 2, -1)  # (batch, layers, units): no agent axis

    critic = TensorDictModule(Critic(), in_keys=[("agents", "obs")], out_keys=[("next", "_hidden_critic")])
    td = TensorDict({"agents": TensorDict({"obs": torch.randn(5, 3, 4)}, [5, 3])}, [5])
    with pytest.warns(UserWarning, match=r"_hidden_critic has shape \(5, 2, 4\)"):
        with hiddenscope.watch(critic, 3, tmp_path / "critic.h5"):
            critic(td.clone())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the error says it all: no warning besides
        with pytest.raises(UserError, match=r"_hidden_critic has shape \(5, 2, 4\)"):
            with hiddenscope.watch(critic, 3, tmp_path / "named.h5", state_keys=["_hidden_critic"]):
                critic(td.clone())
    assert "forward" not in critic.__dict__


def test_a_traced_tensordict_module_names_the_user_s_own_call(tmp_path):
    """Its ops run inside tensordict's and torchrl's code: the trace's code column is the line that called it."""
    pytest.importorskip("torchrl")
    from tensordict import TensorDict
    from torchrl.modules import GRUModule

    torch.manual_seed(9)
    n_agents, batch, units = 2, 3, 5
    gru = GRUModule(
        input_size=4,
        hidden_size=units,
        in_keys=[("agents", "observation"), ("agents", "rs")],
        out_keys=[("agents", "features"), ("next", "agents", "rs")],
    )
    h = torch.zeros(batch, n_agents, 1, units)
    with hiddenscope.watch(gru, tmp_path / "gru.h5", n_agents, trace=True):
        for t in range(3):
            td = TensorDict(
                {
                    "agents": {"observation": torch.randn(batch, n_agents, 4), "rs": h},
                    "is_init": torch.full((batch, n_agents, 1), t == 0),
                },
                [batch, n_agents],
            )
            with torch.no_grad():
                td = gru(td)  # the line every op of the call is charged to
            h = td["next", "agents", "rs"]
    records = hiddenscope.open_session(tmp_path / "gru.h5").trace(1)
    assert records, "the first step is traced"
    assert {r.code for r in records} == {"td = gru(td)  # the line every op of the call is charged to"}


# -- mistakes a new user made with watch ----------------------------------------------------------------------
def test_watch_into_a_recording_takes_its_n_agents_or_refuses(tmp_path):
    torch.manual_seed(10)
    cell = nn.GRUCell(3, 4)
    x, h = torch.randn(6, 3), torch.zeros(6, 4)
    with hiddenscope.record(tmp_path / "rec.h5", 2) as rec:
        with pytest.raises(UserError, match=r"watch was given n_agents = 3, but the recording to .*rec\.h5 was made"):
            hiddenscope.watch(cell, rec, 3)
        assert not cell._forward_hooks and "forward" not in cell.__dict__
        with hiddenscope.watch(cell, rec, 2):
            out = cell(x, h)
        rec.step(-out.detach())
    reader = hiddenscope.open_session(tmp_path / "rec.h5")
    assert len(reader) == 3 and reader.shape == (3, 2, 4)
    np.testing.assert_allclose(reader.hidden(1), out.detach().reshape(3, 2, 4).numpy(), atol=1e-6)
    np.testing.assert_allclose(reader.hidden(2), -reader.hidden(1))


def test_a_watch_block_without_a_call_says_nothing_was_recorded(tmp_path):
    cell = nn.GRUCell(3, 4)
    with pytest.raises(UserError, match=r"^no step was recorded to .*none\.h5: nothing was written \(GRUCell was not"):
        with hiddenscope.watch(cell, tmp_path / "none.h5", 2):
            pass
    assert not (tmp_path / "none.h5").exists() and "forward" not in cell.__dict__

    class Skips(nn.Module):  # called, but never reaching its cell
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.GRUCell(3, 4)

        def forward(self, x):
            return x * 2

    with pytest.raises(UserError, match=r"nothing was written \(2 calls of Skips never reached its recurrent cell\)"):
        with hiddenscope.watch(Skips(), tmp_path / "skips.h5", 2) as w:
            w.root(torch.zeros(6, 3))
            w.root(torch.zeros(6, 3))
    assert not (tmp_path / "skips.h5").exists()


def test_a_whole_sequence_in_one_call_is_recorded_as_one_step_and_says_so(tmp_path):
    torch.manual_seed(11)
    gru = nn.GRU(5, 8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with hiddenscope.watch(gru, tmp_path / "seq.h5", 3):
            for _ in range(3):
                _out, h_n = gru(torch.randn(10, 12, 5))  # 10 steps of 12 rows
    said = [str(w.message) for w in caught]
    assert len(said) == 1 and "ran a sequence of 10 steps in one call, recorded as one step" in said[0]
    assert "call it once per step" in said[0] and "hiddenscope.record" in said[0]
    assert caught[0].filename == __file__  # the user's own call
    reader = hiddenscope.open_session(tmp_path / "seq.h5")
    assert len(reader) == 4
    np.testing.assert_allclose(reader.hidden(3), h_n[-1].detach().reshape(4, 3, 8).numpy(), atol=1e-6)
    # one step per call (an LSTM batch_first, a packed sequence of one step): no warning
    lstm = nn.LSTM(5, 8, batch_first=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with hiddenscope.watch(lstm, tmp_path / "one.h5", 3):
            lstm(torch.randn(12, 1, 5))
        with hiddenscope.watch(lstm, tmp_path / "one_packed.h5", 3):
            lstm(nn.utils.rnn.pack_sequence([torch.randn(1, 5)] * 12))
    with pytest.warns(UserWarning, match="a sequence of 4 steps"):
        with hiddenscope.watch(lstm, tmp_path / "packed.h5", 3, force=True):
            lstm(nn.utils.rnn.pack_sequence([torch.randn(4, 5)] * 12))


def test_watch_options_are_checked_before_anything_is_written(tmp_path):
    with pytest.raises(UserError, match=r"^GRUCell has no submodule 'nope': it is itself the recurrent cell, so leave"):
        hiddenscope.watch(nn.GRUCell(3, 4), tmp_path / "w.h5", 2, cell="nope")
    for trace in (0, -3):
        with pytest.raises(UserError, match=f"trace must be True, False or a whole number .*, got {trace}"):
            hiddenscope.watch(nn.GRUCell(3, 4), tmp_path / "w.h5", 2, trace=trace)
    with pytest.raises(UserError, match="must end in .h5 or .hdf5"):
        hiddenscope.watch(nn.GRUCell(3, 4), tmp_path / "w.npz", 2)
    assert not list(tmp_path.iterdir())
