"""Following a session still being written (issue 24): File → Follow session… and --session PATH --follow."""

from __future__ import annotations

import numpy as np

import hiddenscope
from hiddenscope.core import Config

SMALL = Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4, device="cpu")


def state(k: int) -> np.ndarray:
    return np.full((2, 3, 5), k / 100, np.float32)


def test_follow_waits_then_shows_new_steps_as_they_land(make_window, qtbot, tmp_path):
    window = make_window(SMALL)
    sessions = window.sessions
    path = tmp_path / "run.h5"
    sessions.follow_session(path)  # nothing there yet
    assert "waiting for steps" in sessions.follow_label.text()
    with hiddenscope.record(path, 3, model="followed") as rec:
        for k in range(1, 4):
            rec.step(state(k))
        qtbot.waitUntil(lambda: sessions.following is not None, timeout=5000)
        qtbot.waitUntil(lambda: window.model.held.last == 3, timeout=5000)
        assert window.model.stepper.capabilities.is_recording
        assert window.model.frame.t == 3  # the newest step is shown
        np.testing.assert_array_equal(window.model.frame.hidden, state(3))
        for k in range(4, 9):
            rec.step(state(k))
        # Within about a second (the writer flushes at least once a second, the app asks four times a second).
        qtbot.waitUntil(lambda: window.model.held.last == 8, timeout=3000)
        assert window.model.frame.t == 8
        np.testing.assert_array_equal(window.model.frame.hidden, state(8))
        assert "Following run.h5: t = 0..8" in sessions.follow_label.text()
        qtbot.waitUntil(lambda: "waiting for steps" in sessions.follow_label.text(), timeout=4000)
        # Stepped back, the view stays where it is while the bounds grow.
        window.model.stepper.seek(5)
        rec.step(state(9))
        qtbot.waitUntil(lambda: window.model.held.last == 9, timeout=3000)
        assert window.model.frame.t == 5
    assert sessions.close_session()
    assert sessions.follow_path is None and not sessions.follow_label.isVisible()


def following_a_finished_run(make_window, qtbot, path, steps: int):
    """A window following ``path``, which a finished recording of ``steps`` steps holds, once it shows them all."""
    window = make_window(SMALL)
    with hiddenscope.record(path, 3) as rec:
        for k in range(1, steps + 1):
            rec.step(state(k))
    window.sessions.follow_session(path)
    qtbot.waitUntil(lambda: window.model.held.last == steps, timeout=5000)
    return window


def test_a_recording_made_with_force_over_the_followed_file_is_followed_from_its_start(make_window, qtbot, tmp_path):
    path = tmp_path / "run.h5"
    window = following_a_finished_run(make_window, qtbot, path, 7)
    sessions = window.sessions
    with hiddenscope.record(path, 3, force=True) as rec:  # a shorter run, other numbers, the same name
        for k in range(1, 4):
            rec.step(-state(k))
    qtbot.waitUntil(lambda: window.model.held.last == 3, timeout=5000)
    assert "was replaced by a new recording" in window.statusBar().currentMessage()
    assert window.model.frame.t == 3
    np.testing.assert_array_equal(window.model.frame.hidden, -state(3))
    np.testing.assert_array_equal(window.model.stepper.snapshot(1).hidden, -state(1))  # no step of the old run left
    assert sessions.following is not None and "Following run.h5: t = 0..3" in sessions.follow_label.text()


def test_a_followed_file_deleted_and_recorded_again_is_waited_for_then_followed(make_window, qtbot, tmp_path):
    path = tmp_path / "run.h5"
    window = following_a_finished_run(make_window, qtbot, path, 5)
    sessions = window.sessions
    path.unlink()
    failed = []
    window.model.failed.connect(lambda what, why: failed.append(why))
    with hiddenscope.record(path, 3) as rec:  # made at once, its first step written a moment later
        qtbot.waitUntil(
            lambda: "a new recording there, waiting for its steps" in sessions.follow_label.text(), timeout=5000
        )
        for k in range(1, 3):
            rec.step(-state(k))
    qtbot.waitUntil(lambda: window.model.held.last == 2, timeout=5000)
    np.testing.assert_array_equal(window.model.frame.hidden, -state(2))
    assert not failed and sessions.follow_path == path
