"""The GRU gates worked out by hand must be the numbers nn.GRUCell itself computes; summaries are plain arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from hiddenscope.core import Config, Stepper
from hiddenscope.core.agents.pymarl import BasicMAC, RNNAgent
from hiddenscope.core.gates import find_gru_cell, gru_gates, summary_stats
from hiddenscope.core.model import CondAgent


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
@pytest.mark.parametrize("bias", [True, False])
def test_h_new_is_grucells_own_output(dtype, tol, bias):
    torch.manual_seed(0)
    cell = nn.GRUCell(7, 11, bias=bias).to(dtype)
    x = 3 * torch.randn(13, 7, dtype=dtype)
    h = torch.randn(13, 11, dtype=dtype).tanh()
    with torch.no_grad():
        gates = gru_gates(cell, x, h)
        expected = cell(x, h)
    assert set(gates) >= {"r", "z", "n", "h_new"}
    assert gates["h_new"].dtype == dtype and gates["h_new"].shape == (13, 11)
    torch.testing.assert_close(gates["h_new"], expected, atol=tol, rtol=0)
    assert gates["h"] is gates["h_new"]


def test_gates_are_in_their_ranges_and_rebuild_the_state():
    torch.manual_seed(1)
    cell = nn.GRUCell(5, 9).double()
    x, h = torch.randn(20, 5, dtype=torch.float64), torch.randn(20, 9, dtype=torch.float64).tanh()
    with torch.no_grad():
        g = gru_gates(cell, x, h)
    assert ((g["r"] > 0) & (g["r"] < 1)).all() and ((g["z"] > 0) & (g["z"] < 1)).all()
    assert (g["n"].abs() < 1).all()
    # h' lies between n and h, weighted by z: the update gate decides how much of the old state stays.
    torch.testing.assert_close(g["h_new"], g["n"] + g["z"] * (h - g["n"]), atol=1e-12, rtol=0)


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(1, 6),
    inputs=st.integers(1, 8),
    units=st.integers(1, 12),
    seed=st.integers(0, 2**31 - 1),
)
def test_gates_match_grucell_for_any_size(rows, inputs, units, seed):
    gen = torch.Generator().manual_seed(seed)
    cell = nn.GRUCell(inputs, units).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
        x = torch.randn(rows, inputs, generator=gen, dtype=torch.float64)
        h = torch.randn(rows, units, generator=gen, dtype=torch.float64)
        torch.testing.assert_close(gru_gates(cell, x, h)["h_new"], cell(x, h), atol=1e-12, rtol=0)


def test_gates_inside_a_pymarl_agent_reproduce_its_hidden_state():
    torch.manual_seed(2)
    agent = RNNAgent(30, 64, 5)
    model = BasicMAC(agent, n_agents=3, n_actions=5, units=64)
    assert find_gru_cell(model) is agent.rnn
    inputs = torch.randn(4, 3, 30)
    hidden = torch.randn(4, 3, 64).tanh()
    with torch.no_grad():
        q, h_new = model(inputs, hidden)
        x = torch.relu(agent.fc1(inputs.reshape(12, 30)))  # what the cell receives: fc1, then ReLU
        gates = gru_gates(agent.rnn, x, hidden.reshape(12, 64))
    assert q.shape == (4, 3, 5) and h_new.shape == (12, 64)
    torch.testing.assert_close(gates["h_new"], h_new, atol=1e-6, rtol=0)


def test_find_gru_cell_finds_the_seed_cell_and_nothing_in_a_model_without_one():
    model = CondAgent(4, 2, 16)
    assert find_gru_cell(model) is model.cond_rnn.f
    cell = nn.GRUCell(2, 3)
    assert find_gru_cell(cell) is cell
    assert find_gru_cell(nn.Sequential(nn.Linear(3, 3), nn.GRU(3, 3))) is None  # a full nn.GRU is not a cell


def test_summary_stats_by_hand():
    hidden = np.zeros((2, 2, 3, 4), np.float32)  # (T, batch, n_agents, units)
    hidden[1, 0, 0] = [0.99, -0.99, 0.5, 0.0]  # two of agent 0's units saturated, in batch row 0 only
    hidden[1, 1, 0] = [0.0, 0.0, 0.0, 0.0]
    hidden[1, :, 2] = [3.0, 4.0, 0.0, 0.0]  # norm 5 in both rows, half the units past the threshold
    stats = summary_stats(hidden)
    assert stats["norm"].shape == stats["saturated"].shape == (2, 3)
    np.testing.assert_allclose(stats["norm"][0], [0, 0, 0])
    expected_norm0 = np.sqrt(0.99**2 * 2 + 0.25) / 2  # row 0's norm, row 1's zero, averaged over batch
    np.testing.assert_allclose(stats["norm"][1], [expected_norm0, 0.0, 5.0], rtol=1e-6)
    np.testing.assert_allclose(stats["saturated"][1], [2 / 8, 0.0, 4 / 8])


def test_saturated_means_beyond_095_either_way_as_the_readme_says():
    hidden = np.array([0.95, -0.95, 0.9501, -0.9501, 1.0, -1.0, 0.0, 0.5], np.float32).reshape(1, 1, 1, 8)
    assert summary_stats(hidden)["saturated"][0, 0] == 4 / 8  # |h| > 0.95: exactly 0.95 is not saturated


def test_summary_stats_of_a_real_run_and_nan():
    stepper = Stepper(Config(batch_size=3, n_agents=2, hidden_dim=16, device="cpu"))
    stepper.run(5)
    hidden = np.stack([stepper.history.frame(t).hidden for t in range(6)])
    stats = summary_stats(hidden)
    np.testing.assert_allclose(stats["norm"], np.linalg.norm(hidden, axis=-1).mean(axis=1), rtol=1e-5)
    assert ((stats["saturated"] >= 0) & (stats["saturated"] <= 1)).all()
    hidden[4, 1, 0, 0] = np.nan
    stats = summary_stats(hidden)
    assert np.isnan(stats["norm"][4, 0]) and np.isfinite(stats["norm"][4, 1])
    with pytest.raises(ValueError, match=r"\(T, batch, n_agents, units\)"):
        summary_stats(hidden[0])
