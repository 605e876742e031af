"""The seed's RNN and CondAgent compute a real GRU step and keep the shapes the code (not the note) says."""

from __future__ import annotations

import pytest
import torch

from hiddenscope.core.config import Config, units_for
from hiddenscope.core.model import RNN, CondAgent


def gru_by_hand(cell: torch.nn.GRUCell, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """One GRUCell step written out from PyTorch's documented equations, gate by gate.

    r = σ(W_ir x + b_ir + W_hr h + b_hr)
    z = σ(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    h' = (1 − z) ⊙ n + z ⊙ h
    weight_ih / weight_hh stack the (r, z, n) blocks along dim 0.  The sums run in ``x``'s dtype.
    """
    H = cell.hidden_size
    weight_ih, weight_hh = cell.weight_ih.to(x.dtype), cell.weight_hh.to(x.dtype)
    bias_ih, bias_hh = cell.bias_ih.to(x.dtype), cell.bias_hh.to(x.dtype)
    w_ir, w_iz, w_in = weight_ih[:H], weight_ih[H : 2 * H], weight_ih[2 * H :]
    w_hr, w_hz, w_hn = weight_hh[:H], weight_hh[H : 2 * H], weight_hh[2 * H :]
    b_ir, b_iz, b_in = bias_ih[:H], bias_ih[H : 2 * H], bias_ih[2 * H :]
    b_hr, b_hz, b_hn = bias_hh[:H], bias_hh[H : 2 * H], bias_hh[2 * H :]
    r = torch.sigmoid(x @ w_ir.T + b_ir + h @ w_hr.T + b_hr)
    z = torch.sigmoid(x @ w_iz.T + b_iz + h @ w_hz.T + b_hz)
    n = torch.tanh(x @ w_in.T + b_in + r * (h @ w_hn.T + b_hn))
    return (1 - z) * n + z * h


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rnn_step_matches_the_gru_equations(dtype):
    torch.manual_seed(1)
    rnn = RNN(5, 7).to(dtype)
    x = torch.randn(6, 5, dtype=dtype)
    h = torch.randn(6, 7, dtype=dtype)
    with torch.no_grad():
        out, new_h = rnn(x, h)
        expected = gru_by_hand(rnn.f, x.double(), h.double())
    assert out.dtype == dtype and new_h.dtype == dtype
    torch.testing.assert_close(out.double(), expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(new_h.double(), expected, atol=1e-6, rtol=0)


def test_rnn_accepts_any_leading_shape_and_restores_it_on_the_output():
    torch.manual_seed(2)
    rnn = RNN(3, 4)
    x = torch.randn(2, 3, 5, 3)
    h = torch.randn(2, 3, 5, 4)
    with torch.no_grad():
        out, new_h = rnn(x, h)
        expected = gru_by_hand(rnn.f, x.reshape(-1, 3), h.reshape(-1, 4))
    assert out.shape == (2, 3, 5, 4)
    assert new_h.shape == (30, 4)
    torch.testing.assert_close(out.reshape(-1, 4), expected, atol=1e-6, rtol=0)


def test_rnn_new_hidden_is_detached_and_shares_memory_with_the_output():
    torch.manual_seed(3)
    rnn = RNN(3, 4)
    out, new_h = rnn(torch.randn(2, 3), torch.zeros(2, 4))
    assert out.requires_grad
    assert not new_h.requires_grad  # the state carried forward stops gradients
    assert new_h.untyped_storage().data_ptr() == out.untyped_storage().data_ptr()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rnn_init_hidden_is_zeros_like_the_weights(dtype):
    rnn = RNN(3, 9).to(dtype)
    h = rnn.init_hidden()
    assert h.shape == (1, 9)
    assert h.dtype == rnn.f.weight_hh.dtype == dtype
    assert h.device == rnn.f.weight_hh.device
    assert torch.count_nonzero(h) == 0
    # Fresh memory each call, not a view of the weights.
    assert h.untyped_storage().data_ptr() != rnn.f.weight_hh.untyped_storage().data_ptr()


@pytest.mark.parametrize("hidden_dim", [4, 5, 7, 8, 40, 128, 130])
def test_units_are_hidden_dim_floor_quarter_times_three(hidden_dim):
    agent = CondAgent(3, 2, hidden_dim)
    expected = hidden_dim // 4 * 3
    assert agent.units == expected
    assert agent.cond_rnn.f.hidden_size == expected
    assert units_for(hidden_dim) == expected
    assert Config(hidden_dim=hidden_dim).units == expected


def test_default_agent_has_96_units():
    assert CondAgent(16, 5).units == 96


@pytest.mark.parametrize(("batch", "n_agents"), [(1, 1), (1, 4), (3, 1), (32, 5)])
def test_agent_init_hidden_is_one_row_of_zeros_expanded(batch, n_agents):
    agent = CondAgent(4, n_agents, 16)
    h = agent.init_hidden(batch)
    assert h.shape == (batch, n_agents, 12)
    assert agent.hidden_state is h
    assert torch.count_nonzero(h) == 0
    # Only one row of numbers is in memory, however many rows are shown.
    assert h.untyped_storage().nbytes() == 12 * h.element_size()
    if batch > 1:
        assert h.stride(0) == 0
    if n_agents > 1:
        assert h.stride(1) == 0
    assert h.stride(2) == 1


def test_agent_init_hidden_default_strides():
    h = CondAgent(16, 5).init_hidden(32)
    assert h.shape == (32, 5, 96)
    assert h.stride() == (0, 0, 1)
    assert not h.is_contiguous()


def test_agent_init_hidden_follows_the_weights_dtype():
    agent = CondAgent(4, 3, 8).double()
    h = agent.init_hidden(2)
    assert h.dtype == torch.float64
    assert h.device == agent.cond_rnn.f.weight_hh.device


def test_agent_forward_is_the_gru_per_row_and_keeps_batch_and_agents_flattened():
    torch.manual_seed(4)
    batch, n_agents, input_dim = 3, 4, 6
    agent = CondAgent(input_dim, n_agents, 20).double()  # 15 units
    h0 = agent.init_hidden(batch)
    x1 = torch.randn(batch, n_agents, input_dim, dtype=torch.float64)
    x2 = torch.randn(batch, n_agents, input_dim, dtype=torch.float64)
    with torch.no_grad():
        out1, h1 = agent(x1, h0)
        # The stored state is (batch * n_agents, units), not the note's (batch, n_agents, units).
        assert h1.shape == (batch * n_agents, 15)
        assert agent.hidden_state is h1
        assert out1.shape == (batch, n_agents, 15)
        zeros = torch.zeros(batch * n_agents, 15, dtype=torch.float64)
        expected1 = gru_by_hand(agent.cond_rnn.f, x1.reshape(-1, input_dim), zeros)
        torch.testing.assert_close(h1, expected1, atol=1e-6, rtol=0)
        torch.testing.assert_close(out1, expected1.view(batch, n_agents, 15), atol=1e-6, rtol=0)

        out2, h2 = agent(x2, agent.hidden_state)
        assert h2.shape == (batch * n_agents, 15)
        expected2 = gru_by_hand(agent.cond_rnn.f, x2.reshape(-1, input_dim), expected1)
        torch.testing.assert_close(h2, expected2, atol=1e-6, rtol=0)
        torch.testing.assert_close(out2, expected2.view(batch, n_agents, 15), atol=1e-6, rtol=0)


def test_agent_rows_are_independent():
    """Each (batch row, agent) pair is its own GRU: changing one agent's input moves only that agent."""
    torch.manual_seed(5)
    agent = CondAgent(3, 3, 8)
    x = torch.randn(2, 3, 3)
    y = x.clone()
    y[1, 2] += 1.0
    with torch.no_grad():
        out_x, _ = agent(x, agent.init_hidden(2))
        out_y, _ = agent(y, agent.init_hidden(2))
    changed = (out_x != out_y).any(dim=-1)
    assert changed.tolist() == [[False, False, False], [False, False, True]]
