"""Where episodes end: from the start and done flags, and over the held steps of a live run and of a recording."""

from __future__ import annotations

import numpy as np
import pytest

import hiddenscope
from hiddenscope.core import Stepper
from hiddenscope.core.episodes import held_terminal_steps, terminal_steps
from hiddenscope.core.replay import ReplayStepper
from hiddenscope.core.session import SessionReader


def flags(n: int, at) -> np.ndarray:
    out = np.zeros(n, bool)
    out[list(at)] = True
    return out


def test_a_runners_terminal_step_ends_its_episode_before_the_next_start_is_held():
    # Steps 0..7: step 0 holds nothing (False), step 1 starts, the actions of step 4 end the episode (done),
    # step 5 is the terminal step (its observation is the terminal one), step 6 starts the next episode.
    start, done, held = flags(8, [1, 6]), flags(8, [4]), ~flags(8, [0])
    assert np.flatnonzero(terminal_steps(start, done, held)).tolist() == [5]
    # Held only up to step 5: it is known to be the last already, from the done flag.
    assert np.flatnonzero(terminal_steps(start[:6], done[:6], held[:6])).tolist() == [5]
    assert np.flatnonzero(terminal_steps(start, done)).tolist() == [0, 5]  # step 0 counted as held: ends at 1's start


def test_without_a_terminal_step_the_step_whose_actions_ended_it_is_the_last():
    start, done = flags(8, [1, 5]), flags(8, [4])  # VMAS: the next episode starts right after
    assert np.flatnonzero(terminal_steps(start, done, ~flags(8, [0]))).tolist() == [4]


def test_without_done_flags_the_step_before_a_start_is_the_last():
    start = flags(12, [1, 4, 9])  # hiddenscope.record holds starts only
    assert np.flatnonzero(terminal_steps(start, np.zeros(12, bool), ~flags(12, [0]))).tolist() == [3, 8]


def test_a_recordings_held_ends_are_the_steps_before_its_planted_starts(tmp_path):
    path = tmp_path / "episodes.h5"
    starts = {0: {1, 6, 13}, 1: {1, 9}}  # per batch row
    with hiddenscope.record(path, n_agents=2) as rec:
        for t in range(1, 20):
            rec.step(
                np.full((2, 2, 4), t, np.float32),
                actions=np.zeros((2, 2)),
                rewards=np.ones(2),
                episode_start=[t in starts[0], t in starts[1]],
            )
    with SessionReader(path) as reader:
        replay = ReplayStepper(reader)
        ts, ends = held_terminal_steps(replay, 0, t=19)
        assert ts.tolist() == list(range(20)) and ts[ends].tolist() == [5, 12]
        assert ts[held_terminal_steps(replay, 1, t=19)[1]].tolist() == [8]
        # A window that stops at the step before a start still marks it: the start after it is read too.
        ts, ends = held_terminal_steps(replay, 0, span=6, t=12)
        assert ts.tolist() == list(range(7, 13)) and ts[ends].tolist() == [12]


def test_a_live_runs_terminal_steps_are_marked_from_its_held_done_flags():
    pytest.importorskip("lbforaging")
    from hiddenscope.core.plan import Request, plan

    planned = plan(Request(env="lbf", env_args=["max_episode_steps=6"], batch_size=3, hidden_dim=16))
    stepper = Stepper(planned.config, planned.model_factory, planned.input_factory)
    stepper.run(40)
    hist = stepper.history
    for row in range(3):
        ts, ends = held_terminal_steps(stepper, row, t=stepper.t)
        done = np.array([hist.done[t % hist.capacity, row] for t in ts])
        start = np.array([hist.episode_start[t % hist.capacity, row] for t in ts])
        # Worked out here: the runners' terminal step follows the step whose actions ended the episode,
        # and the next episode starts right after it.
        expected = [int(t) for i, t in enumerate(ts) if i > 0 and done[i - 1] and not start[i]]
        assert expected and ts[ends].tolist() == expected
        assert all(start[np.flatnonzero(ts == t + 1)].all() for t in expected if t + 1 <= ts[-1])
