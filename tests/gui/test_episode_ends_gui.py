"""The episode tracks mark each episode's last step with its own mark, above the tracks, off the values."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import click

import hiddenscope
from hiddenscope.core import Config
from hiddenscope.gui.views.episode_tracks import END_COLOUR

SMALL = Config(batch_size=2, n_agents=2, hidden_dim=8)
STARTS = {0: {1, 6, 13, 21}, 1: {1, 9}}  # planted: the steps where each batch row's episodes start
STEPS = 25


def planted_session(path):
    with hiddenscope.record(path, n_agents=2) as rec:
        for t in range(1, STEPS + 1):
            rec.step(
                np.random.default_rng(t).normal(size=(2, 2, 8)).astype(np.float32),
                actions=np.full((2, 2), t % 3),
                rewards=np.ones(2),
                episode_start=[t in STARTS[0], t in STARTS[1]],
            )
    return path


def shown_tracks(qtbot, w, row: int):
    w.history_dock.raise_()
    w.history_view.row_box.setValue(row)
    tracks = w.history_view.tracks
    qtbot.waitUntil(lambda: tracks.isVisible() and len(tracks.ts) > 0)
    return tracks


def test_the_steps_before_a_recordings_planted_starts_are_marked_as_episode_ends(qtbot, make_window, tmp_path):
    w = make_window(SMALL)
    assert w.sessions.open_session(planted_session(tmp_path / "episodes.h5"))
    w.timeline.setValue(STEPS)  # the newest step: every planted start in the tracks
    for row, starts in STARTS.items():
        tracks = shown_tracks(qtbot, w, row)
        expected = sorted(t - 1 for t in starts if t > 1)  # the format has no done flag: the step before a start
        qtbot.waitUntil(lambda tracks=tracks, expected=expected: tracks.ends.tolist() == expected)
        xs, ys = tracks.ends_marks.getData()
        assert xs.tolist() == [float(t) for t in expected]  # drawn where they are said to be ...
        assert (ys == 0.5).all() and tracks.ends_marks.opts["symbol"] == "t"  # ... in the strip, a triangle
        assert tracks.ends_marks.opts["brush"].color().name() == END_COLOUR
        assert tracks.ends_marks.getViewBox() is tracks.ends_plot.getViewBox()  # not over the return or actions
        # The starts keep their dashed lines, now through the strip as well; the two never share a t.
        boundary_ts = sorted({line.value() + 0.5 for _, line in tracks.boundaries})
        assert boundary_ts == sorted(float(t) for t in starts if t > 1)
        assert "last step" in tracks.ends_plot.toolTip() and "last step" in tracks.caption.toolTip()


def test_a_live_runs_terminal_step_is_marked_as_soon_as_it_is_shown(qtbot, make_window):
    pytest.importorskip("lbforaging")
    from test_episodes_gui import fill_environment_dialog

    w = make_window(Config(batch_size=3, n_agents=2, hidden_dim=16))
    fill_environment_dialog(qtbot, "lbf", {"size": "5", "food": "1", "max_episode_steps": "6"})
    w.acts.env.trigger()
    assert w.stepper.config.env == "lbf"
    for _ in range(40):  # until some row's episode ends with this step's actions
        click(qtbot, w, w.acts.step)
        if w.stepper.frame.episode.done.any():
            break
    ended = np.flatnonzero(w.stepper.frame.episode.done)
    assert len(ended)
    row = int(ended[0])
    tracks = shown_tracks(qtbot, w, row)
    click(qtbot, w, w.acts.step)  # the row's terminal step: the newest, its next start not yet held
    t = w.stepper.t
    assert not w.stepper.frame.episode.start[row]
    qtbot.waitUntil(lambda: tracks.ts[-1] == t)
    assert t in tracks.ends.tolist()
    hist = w.stepper.history
    for k in tracks.ends:  # every mark: a terminal step, the step after one whose actions ended the episode
        assert hist.done[(k - 1) % hist.capacity, row] and not hist.episode_start[k % hist.capacity, row]


def test_the_return_said_and_the_t_line_follow_the_t_shown_not_the_newest_step(qtbot, make_window, tmp_path):
    """Rewards of 1 a step: the return at t is the steps since the episode started, worked out here."""
    w = make_window(SMALL)
    assert w.sessions.open_session(planted_session(tmp_path / "episodes.h5"))
    for t in (STEPS, 17, 7):
        w.timeline.setValue(t)
        tracks = shown_tracks(qtbot, w, 0)
        started = max(s for s in STARTS[0] if s <= t)
        expected = f"return at t = {t} {t - started + 1:+.2f}"
        qtbot.waitUntil(lambda tracks=tracks, expected=expected: expected in tracks.caption.text())
        assert [line.value() for line in tracks.t_lines] == [t, t]
        assert tracks.ts[-1] >= t  # the window reaches past t when t is not the newest step
    # One line per episode: the return's line breaks before each planted start (and at t = 0, with no return).
    joined = tracks.returns_curve.opts["connect"]
    broken = sorted(int(tracks.ts[i]) for i in np.flatnonzero(~joined))
    assert broken == [0, *sorted(s - 1 for s in STARTS[0] if s > 1), int(tracks.ts[-1])]
