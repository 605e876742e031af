"""Gates and summaries over the recorded history of a stepper.

The gate arithmetic itself (against ``nn.GRUCell``) is tested in ``test_gates.py``;
here, that re-running recorded steps gives back the states the stepper recorded.
"""

from __future__ import annotations

import numpy as np

from hiddenscope.core import Config, Stepper
from hiddenscope.core.edits import parse_edits
from hiddenscope.core.gru_history import SummaryCache, gate_history, summary_history


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


def summary_from_frames(stepper: Stepper, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The summary worked out afresh from each held frame, without summary_history."""
    hidden = np.stack([stepper.history.frame(int(t)).hidden for t in ts])
    return np.linalg.norm(hidden, axis=-1).mean(axis=1), (np.abs(hidden) > 0.95).mean(axis=(1, 3))


def test_a_summary_cache_gives_the_same_numbers_and_follows_steps_written_again():
    config = Config(batch_size=4, n_agents=3, hidden_dim=16)
    per_step = Stepper(config).history.bytes_per_step
    stepper = Stepper(config, history_budget=5 * per_step)  # a ring of five steps
    assert stepper.history.capacity == 5
    cache = SummaryCache()
    for _ in range(9):  # around the ring almost twice: every slot written again
        stepper.step()
        ts, norm, saturated = summary_history(stepper, cache=cache)
        want_norm, want_saturated = summary_from_frames(stepper, ts)
        np.testing.assert_allclose(norm, want_norm, rtol=1e-5)
        np.testing.assert_array_equal(saturated, want_saturated)
        assert len(cache.rows) == len(ts) == 5 or stepper.t < 4  # only held steps are kept
    # Run again from t = 0 with an edit: the same timesteps, other numbers in the same slots.
    before = summary_history(stepper, cache=cache)[1]
    stepper.set_edits(parse_edits(["5:all:zero"]))
    stepper.init_hidden()
    stepper.run(9)
    ts, norm, _ = summary_history(stepper, cache=cache)
    np.testing.assert_allclose(norm, summary_from_frames(stepper, ts)[0], rtol=1e-5)
    assert not np.allclose(norm, before)


def test_write_ids_name_each_write_across_histories():
    first = Stepper(Config(batch_size=2, n_agents=2, hidden_dim=8))
    first.run(3)
    ids = first.history.write_ids(np.arange(4))
    assert len(set(ids.tolist())) == 4 and (ids > 0).all()
    second = Stepper(Config(batch_size=2, n_agents=2, hidden_dim=8))
    second.run(3)  # the same timesteps in another history: other ids
    assert not set(second.history.write_ids(np.arange(4)).tolist()) & set(ids.tolist())
    first.init_hidden()
    assert first.history.write_ids(np.arange(1))[0] not in ids  # t = 0 written again
