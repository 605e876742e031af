"""The frame the views show is read in the history's own slot where nothing can write it, a copy elsewhere.

These windows keep the history on the host (a ring on the GPU is only ever read by copies).
A ring of three slots laps every three steps, so a frame read in place that a step wrote
over while it was shown would show up here at once.
"""

from __future__ import annotations

import numpy as np
from helpers import click

from hiddenscope.core import Config

CONFIG = Config(batch_size=8, n_agents=3, hidden_dim=16, input_dim=16)  # 12 units
PER_STEP = 4 * 8 * 3 * (12 + 16)  # one slot: the hidden state and the inputs, float32
BUDGET = 3 * PER_STEP  # three slots


def in_place(window) -> bool:
    return np.shares_memory(window.model.frame.hidden, window.stepper.history.hidden)


class Witness:
    """Keeps each frame the views are given with a copy of its numbers, taken as it arrives."""

    def __init__(self, window) -> None:
        self.frames: list[tuple[object, np.ndarray]] = []
        self.first_seen: dict[int, np.ndarray] = {}  # each step's numbers the first time it was shown
        self.changed_while_shown: list[int] = []
        window.model.frameChanged.connect(self.arrived)

    def arrived(self, frame) -> None:
        if self.frames:  # the frame being replaced must still hold what it held when it arrived
            last, numbers = self.frames[-1]
            if not np.array_equal(last.hidden, numbers):
                self.changed_while_shown.append(last.t)
        numbers = frame.hidden.copy()
        self.frames.append((frame, numbers))
        self.first_seen.setdefault(frame.t, numbers)


def test_paused_steps_and_scrubbing_read_in_place_and_show_each_steps_own_numbers(qtbot, make_window):
    w = make_window(CONFIG, history_budget=BUDGET, history_on_device=False)
    assert w.stepper.history.capacity == 3
    witness = Witness(w)
    for _ in range(8):  # laps the ring twice
        click(qtbot, w, w.acts.step)
        assert in_place(w)
    w.acts.back.trigger()
    w.acts.back.trigger()  # to the oldest held step, then forward again through history and past it
    assert w.stepper.t == 6 and in_place(w)
    for t in (7, 8, 9, 10):
        click(qtbot, w, w.acts.step)
        assert w.stepper.t == t and in_place(w)
        # Steps 7 and 8 come back from the ring: the numbers they had when first computed and shown.
        np.testing.assert_array_equal(w.grid.shown_values(2), witness.first_seen[t][:, 2])
    assert witness.changed_while_shown == []
    assert sorted(witness.first_seen) == list(range(1, 11))


def test_normal_play_never_writes_the_slot_shown(qtbot, make_window):
    w = make_window(CONFIG, history_budget=BUDGET, history_on_device=False)
    w.speed_box.setValue(w.speed_box.maximum())
    witness = Witness(w)
    click(qtbot, w, w.acts.play)
    qtbot.waitUntil(lambda: w.stepper.t >= 300, timeout=30_000)
    assert in_place(w)
    click(qtbot, w, w.acts.play)
    assert len(witness.frames) >= 100 and witness.changed_while_shown == []
    np.testing.assert_array_equal(w.model.frame.hidden, witness.first_seen[w.model.frame.t])


def test_fast_forward_shows_copies_its_worker_never_touches(qtbot, make_window):
    w = make_window(CONFIG, history_budget=BUDGET, history_on_device=False)
    witness = Witness(w)
    for _ in range(3):
        click(qtbot, w, w.acts.step)
    paused = len(witness.frames)
    assert in_place(w)
    click(qtbot, w, w.acts.fast)
    qtbot.waitUntil(lambda: w.stepper.t >= 600 and len(witness.frames) >= paused + 5, timeout=30_000)
    assert not in_place(w)
    click(qtbot, w, w.acts.fast)
    # The paused frame, read in place, was still whole when the first fast-forward frame replaced it (the
    # worker runs ahead only once the views have that frame) ...
    assert witness.changed_while_shown == []
    # ... and every frame given while the worker ran ahead still holds its own numbers, hundreds of laps later.
    assert all(np.array_equal(frame.hidden, numbers) for frame, numbers in witness.frames[paused:])
    assert in_place(w)  # paused again
