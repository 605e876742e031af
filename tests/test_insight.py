"""Gates and summaries: worked out from the cell's weights, they must agree with GRUCell itself."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from hiddenscope.core import Config, Stepper
from hiddenscope.core.insight import find_gru_cell, gate_history, gru_gates, summary_history


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_gates_rebuild_grucells_own_output(dtype, tol):
    torch.manual_seed(0)
    cell = nn.GRUCell(7, 11).to(dtype)
    x = torch.randn(13, 7, dtype=dtype)
    h = torch.randn(13, 11, dtype=dtype).tanh()
    with torch.no_grad():
        gates = gru_gates(cell, x, h)
        expected = cell(x, h)
    assert torch.allclose(gates["h"], expected, atol=tol, rtol=0)
    assert ((gates["r"] > 0) & (gates["r"] < 1)).all() and ((gates["z"] > 0) & (gates["z"] < 1)).all()
    assert (gates["n"].abs() < 1).all()


def test_gate_history_of_the_stepper_reproduces_the_recorded_states():
    stepper = Stepper(Config(batch_size=5, n_agents=3, hidden_dim=20, dtype="float64"))
    stepper.run(12)
    ts, gates = gate_history(stepper, agent=2, row=4)
    assert list(ts) == list(range(1, 13))
    recorded = np.stack([stepper.history.frame(int(t)).hidden[4, 2] for t in ts])
    np.testing.assert_allclose(gates["h"], recorded, atol=1e-6)
    assert gates["r"].shape == gates["z"].shape == gates["n"].shape == (12, 15)


def test_no_gates_before_the_first_step_and_for_a_model_without_a_gru_cell():
    stepper = Stepper(Config(batch_size=2, n_agents=2, hidden_dim=8))
    assert gate_history(stepper, 0, 0)[1] == {}
    assert find_gru_cell(nn.Linear(3, 3)) is None


def test_summary_is_norm_and_saturation_per_agent():
    stepper = Stepper(Config(batch_size=4, n_agents=3, hidden_dim=16))
    stepper.run(6)
    ts, norm, saturated = summary_history(stepper)
    assert list(ts) == list(range(0, 7))
    hidden = stepper.history.frame(6).hidden
    np.testing.assert_allclose(norm[-1], np.linalg.norm(hidden, axis=-1).mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(saturated[-1], (np.abs(hidden) > 0.95).mean(axis=(0, 2)))
    assert norm[0].tolist() == [0.0, 0.0, 0.0]  # h_0 is all zeros
