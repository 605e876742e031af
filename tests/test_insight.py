"""Gates and summaries over the recorded history of a stepper.

The gate arithmetic itself (against ``nn.GRUCell``) is tested in ``test_gates.py``;
here, that re-running recorded steps gives back the states the stepper recorded.
"""

from __future__ import annotations

import numpy as np

from hiddenscope.core import Config, Stepper
from hiddenscope.core.insight import gate_history, summary_history


def test_gate_history_of_the_stepper_reproduces_the_recorded_states():
    stepper = Stepper(Config(batch_size=5, n_agents=3, hidden_dim=20, dtype="float64"))
    stepper.run(12)
    ts, gates = gate_history(stepper, agent=2, row=4)
    assert list(ts) == list(range(1, 13))
    recorded = np.stack([stepper.history.frame(int(t)).hidden[4, 2] for t in ts])
    np.testing.assert_allclose(gates["h"], recorded, atol=1e-6)
    assert gates["r"].shape == gates["z"].shape == gates["n"].shape == (12, 15)


def test_no_gates_before_the_first_step():
    stepper = Stepper(Config(batch_size=2, n_agents=2, hidden_dim=8))
    ts, gates = gate_history(stepper, 0, 0)
    assert len(ts) == 0 and gates == {}


def test_summary_is_norm_and_saturation_per_agent():
    stepper = Stepper(Config(batch_size=4, n_agents=3, hidden_dim=16))
    stepper.run(6)
    ts, norm, saturated = summary_history(stepper)
    assert list(ts) == list(range(0, 7))
    hidden = stepper.history.frame(6).hidden
    np.testing.assert_allclose(norm[-1], np.linalg.norm(hidden, axis=-1).mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(saturated[-1], (np.abs(hidden) > 0.95).mean(axis=(0, 2)))
    assert norm[0].tolist() == [0.0, 0.0, 0.0]  # h_0 is all zeros
