"""The history ring on its own: capacity from the budget, wrapping, copies out, and reads that the writer overtakes."""

from __future__ import annotations

import pytest

from hiddenscope.core.history import History


def ring(capacity: int = 4) -> History:
    hist = History((2, 1, 3), (2, 1, 1), max_steps=capacity)
    assert hist.capacity == capacity
    return hist


def write(hist: History, t: int, value: float | None = None) -> None:
    slot = hist.slot(t)
    hist.hidden[slot] = float(t) if value is None else value
    hist.inputs[slot] = -float(t)
    hist.finish(t, None, step_ms=0.5 * t, has_inputs=t > 0)


def test_capacity_comes_from_the_budget_and_is_at_least_two():
    per_step = 4 * (2 * 1 * 3 + 2 * 1 * 1)
    assert History((2, 1, 3), (2, 1, 1), budget_bytes=10 * per_step).capacity == 10
    assert History((2, 1, 3), (2, 1, 1), budget_bytes=1).capacity == 2


def test_the_oldest_steps_are_dropped_and_a_gap_is_refused():
    hist = ring(4)
    assert len(hist) == 0 and not hist.holds(0)
    for t in range(7):
        write(hist, t)
    assert (hist.first, hist.last, len(hist)) == (3, 6, 4)
    assert not hist.holds(2) and hist.snapshot(3).hidden[0, 0, 0] == 3.0
    with pytest.raises(IndexError, match="not in history"):
        hist.snapshot(2)
    with pytest.raises(ValueError, match="cannot append t=9"):
        hist.slot(9)
    hist.clear()
    assert len(hist) == 0 and hist.window(5, 10).size == 0


def test_a_snapshot_is_a_read_only_copy_that_outlives_its_slot():
    hist = ring(2)
    write(hist, 0)
    write(hist, 1)
    frame = hist.snapshot(1)
    assert frame.t == 1 and frame.step_ms == 0.5 and frame.inputs is not None
    assert hist.snapshot(0).inputs is None  # t = 0 has no inputs
    write(hist, 2)
    write(hist, 3)  # slot of t = 1 written again
    assert frame.hidden[0, 0, 0] == 1.0 and frame.inputs[0, 0, 0] == -1.0
    with pytest.raises(ValueError):
        frame.hidden[0, 0, 0] = 5.0
    assert hist.snapshot(None).t == 3  # None: the newest


def test_pair_and_window_bounds():
    hist = ring(4)
    for t in range(6):
        write(hist, t)
    before, after = hist.pair(5)
    assert before[0, 0, 0] == 4.0 and after[0, 0, 0] == 5.0
    assert hist.pair(2) is None  # t - 1 = 1 is gone
    assert list(hist.window(5, 3)) == [3, 4, 5]
    assert list(hist.window(2, 3)) == [2, 3, 4]  # near the oldest the window reaches forward
    assert list(hist.window(5, 100, skip=1)) == [3, 4, 5]


def test_a_read_the_writer_overtakes_is_done_again_on_what_is_held_then():
    hist = ring(3)
    for t in range(3):
        write(hist, t)
    reads = []

    def read(ts):
        reads.append(list(ts))
        if len(reads) == 1:  # the writer claims the oldest slot while this read is under way
            write(hist, 3, value=99.0)
        return hist.hidden[ts % hist.capacity, 0, 0, 0].copy()

    ts, values = hist.read_window(2, 3, read)
    assert reads == [[0, 1, 2], [1, 2, 3]]
    assert list(ts) == [1, 2, 3] and list(values) == [1.0, 2.0, 99.0]


def test_a_read_overtaken_again_and_again_is_finally_done_under_the_lock():
    hist = ring(2)
    write(hist, 0)
    write(hist, 1)
    t = 1

    def read(ts):
        nonlocal t
        if not hist.lock.locked():
            t += 1
            write(hist, t)  # overtaken on every unlocked try
        return hist.hidden[ts % hist.capacity, 0, 0, 0].copy()

    ts, values = hist.read_window(t, 2, read)
    assert list(values) == [float(x) for x in ts] and ts[-1] == t
