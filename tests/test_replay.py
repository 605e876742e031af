"""Replaying a recorded session as a stepper (core/replay.py), checked against the live run that was recorded.

The reference is a stepper whose history holds the whole run, so every number the replay
gives can be compared with what the model computed.
"""

from __future__ import annotations

import numpy as np
import pytest

from hiddenscope.core import Config, Stepper, UserError
from hiddenscope.core.gru_history import SummaryCache, summary_history
from hiddenscope.core.replay import EndOfRecording, ReplayStepper
from hiddenscope.core.session import SessionReader, SessionRecorder, record_session

SMALL = Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4, device="cpu")
BIG = 2**30


@pytest.fixture
def recorded(tmp_path):
    """A 12-step session and the live run it came from."""
    path = tmp_path / "run.h5"
    record_session(Stepper(SMALL), 12, path)
    live = Stepper(SMALL, history_budget=BIG)
    live.run(12)
    replay = ReplayStepper(SessionReader(path))
    yield replay, live
    replay.close()


def test_step_back_and_seek_move_through_the_recorded_states(recorded):
    replay, live = recorded
    assert (replay.t, replay.latest, replay.model) == (0, 12, None)
    assert replay.config == live.config.replace(device=replay.config.device) and replay.units == 6
    for t in range(1, 13):
        frame = replay.step()
        assert frame.t == t == replay.t
        np.testing.assert_array_equal(replay.frame.hidden, live.snapshot(t).hidden)
        np.testing.assert_array_equal(replay.frame.inputs, live.snapshot(t).inputs)
        assert [r.op for r in replay.frame.trace] == [r.op for r in live.snapshot(t).trace]
    with pytest.raises(EndOfRecording, match="is a recording: it ends at t = 12"):
        replay.step()
    assert replay.t == 12
    replay.back()
    replay.seek(3)
    np.testing.assert_array_equal(replay.frame.hidden, live.snapshot(3).hidden)
    np.testing.assert_array_equal(replay.difference(), live.difference(3))
    replay.reset()  # back to the first recorded step; nothing is recomputed or lost
    assert replay.t == 0 and replay.latest == 12


def test_the_views_readers_give_the_live_runs_numbers(recorded):
    replay, live = recorded
    replay.seek(9)
    ts, values = replay.unit_history(agent=2, row=1, span=5)
    np.testing.assert_array_equal(ts, np.arange(5, 10))
    np.testing.assert_array_equal(values, np.stack([live.snapshot(t).hidden[1, 2] for t in range(5, 10)]))
    ts, values = replay.unit_history(agent=2, row=1, span=8, t=11)  # partly read before: kept lines, then the file
    np.testing.assert_array_equal(values, np.stack([live.snapshot(t).hidden[1, 2] for t in range(4, 12)]))
    ts, values = replay.unit_history(agent=0, row=1, span=8, t=11)  # another agent: its own line
    np.testing.assert_array_equal(values, np.stack([live.snapshot(t).hidden[1, 0] for t in range(4, 12)]))
    ts_r, norm_r, sat_r = summary_history(replay, t=9)
    ts_l, norm_l, sat_l = summary_history(live, t=9)
    np.testing.assert_array_equal(ts_r, ts_l)
    np.testing.assert_allclose(norm_r, norm_l)
    np.testing.assert_array_equal(sat_r, sat_l)
    for op in range(len(live.snapshot(9).trace)):
        a, why_a = replay.stage_state(op, 9)
        b, why_b = live.stage_state(op, 9)
        assert why_a == why_b
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)


def test_a_recording_started_mid_run_keeps_its_own_timesteps(tmp_path):
    live = Stepper(SMALL, history_budget=BIG)
    live.run(4)
    path = tmp_path / "mid.h5"
    with SessionRecorder(path, live, from_t=4) as recorder:
        for _ in range(3):
            live.step()
            recorder.record_new()
        recorder.record_new()
    replay = ReplayStepper(SessionReader(path))
    assert (replay.t, replay.latest, replay.history.first) == (4, 7, 4)
    replay.seek(6)
    np.testing.assert_array_equal(replay.frame.hidden, live.snapshot(6).hidden)
    assert replay.back() is not None and replay.back() is not None and replay.back() is None  # 4 is the oldest
    replay.close()


def test_what_needs_the_model_is_refused_naming_the_recording(recorded):
    replay, _ = recorded
    for attempt in (
        lambda: replay.rebuild(SMALL),
        lambda: replay.set_edits([]),
    ):
        with pytest.raises(UserError, match="run.h5 is a recorded session with no model"):
            attempt()


def test_the_summary_of_a_recording_read_through_a_cache_is_the_live_runs(recorded):
    replay, live = recorded
    cache = SummaryCache()
    for t in (9, 11, 9):  # the second read of t = 9 comes from the cache
        ts_r, norm_r, sat_r = summary_history(replay, t=t, cache=cache)
        ts_l, norm_l, sat_l = summary_history(live, t=t)
        np.testing.assert_array_equal(ts_r, ts_l)
        np.testing.assert_allclose(norm_r, norm_l)
        np.testing.assert_array_equal(sat_r, sat_l)
    assert len(cache.rows) == len(ts_r)
