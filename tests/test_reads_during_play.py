"""Reading the history while another thread steps the stepper, as the window does during Play.

The ring here holds 3 steps while the readers ask for windows of 128 and 256, so
the writer overwrites the oldest slot under the reader's feet on almost every step.
Every value a reader gets back must be the value that timestep really had.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from hiddenscope.core import Config, Stepper
from hiddenscope.core.gru_history import SummaryCache, gate_history, summary_history

CONFIG = Config(batch_size=3, n_agents=2, hidden_dim=16, input_dim=4, device="cpu")
STEPS = 4000


@pytest.fixture(scope="module")
def reference():
    """Every hidden state of an undisturbed run, indexed by t."""
    stepper = Stepper(CONFIG, tracing=False)
    states = [stepper.frame.hidden.copy()]
    for _ in range(STEPS):
        states.append(stepper.step().hidden.copy())
    return np.stack(states)


def tiny_stepper() -> Stepper:
    stepper = Stepper(CONFIG, tracing=False, history_budget=1)
    assert stepper.history.capacity < 8  # far smaller than any view's span
    return stepper


def play_in_background(stepper: Stepper) -> threading.Thread:
    def run() -> None:
        for _ in range(STEPS):
            stepper.step()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    return worker


def let_the_worker_run() -> None:
    # A reader that never lets go of the GIL starves the worker: each of its torch
    # calls waits a whole switch interval to get the GIL back, and 4000 steps take
    # minutes.  The window reads at the screen's rate; this reader still reads
    # hundreds of times more often, which is what the test needs.
    time.sleep(0)


def test_windows_read_during_play_hold_each_timesteps_own_values(reference):
    stepper = tiny_stepper()
    worker = play_in_background(stepper)
    reads = 0
    cache = SummaryCache()
    while worker.is_alive():
        ts, values = stepper.unit_history(agent=1, row=2)
        np.testing.assert_array_equal(values, reference[ts, 2, 1])
        ts, norm, _ = summary_history(stepper)
        np.testing.assert_allclose(norm, np.linalg.norm(reference[ts], axis=-1).mean(axis=1), rtol=1e-5)
        ts, norm, _ = summary_history(stepper, cache=cache)  # as the Summary view reads: each step once
        np.testing.assert_allclose(norm, np.linalg.norm(reference[ts], axis=-1).mean(axis=1), rtol=1e-5)
        reads += 1
        let_the_worker_run()
    worker.join()
    assert reads > 20 and stepper.t == STEPS  # and the worker's own steps never went wrong


def test_gates_read_during_play_never_lose_their_window(reference):
    stepper = tiny_stepper()
    worker = play_in_background(stepper)
    reads = 0
    while worker.is_alive():
        ts, gates = gate_history(stepper, agent=0, row=1)
        if gates:
            np.testing.assert_allclose(gates["h"], reference[ts, 1, 0], atol=1e-5)
        reads += 1
        let_the_worker_run()
    worker.join()
    assert reads > 20 and stepper.t == STEPS  # and the worker's own steps never went wrong


def test_snapshots_and_differences_read_during_play(reference):
    stepper = tiny_stepper()
    worker = play_in_background(stepper)
    while worker.is_alive():
        frame = stepper.snapshot()
        np.testing.assert_array_equal(frame.hidden, reference[frame.t])
        t = frame.t
        diff = stepper.difference(t)
        if diff is not None:
            np.testing.assert_array_equal(diff, reference[t] - reference[t - 1])
        let_the_worker_run()
    worker.join()
    assert stepper.t == STEPS


def test_a_snapshot_is_a_copy_that_cannot_change():
    stepper = Stepper(CONFIG, tracing=False, history_budget=1)
    stepper.run(2)
    frame = stepper.snapshot()
    before = frame.hidden.copy()
    stepper.run(10)  # the ring has wrapped over that slot several times
    np.testing.assert_array_equal(frame.hidden, before)
    with pytest.raises(ValueError):
        frame.hidden[0, 0, 0] = 1.0


def test_gate_history_leaves_the_live_model_alone():
    stepper = Stepper(CONFIG, tracing=False)
    stepper.run(5)
    model = stepper.model
    state = model.hidden_state
    calls = []
    handle = model.cond_rnn.f.register_forward_hook(lambda *args: calls.append(1))
    try:
        ts, gates = gate_history(stepper, agent=1, row=0)
    finally:
        handle.remove()
    assert len(ts) == 5 and gates
    assert model.hidden_state is state  # CondAgent.forward assigns it: the live model was not run
    assert calls == []
