"""Play: the worker steps, the GUI thread draws, Pause is clean, and every view agrees on t."""

from __future__ import annotations

import random
import threading
import time

import numpy as np
from helpers import click
from PySide6.QtCore import Qt

from hiddenscope.core import Config
from hiddenscope.core.model import CondAgent


def play_threads_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "hiddenscope-play" and t.is_alive()]


def test_views_hear_of_frames_on_the_gui_thread_while_the_stepper_steps_in_a_worker(qtbot, make_window):
    w = make_window(Config(batch_size=4, n_agents=3, hidden_dim=16))
    gui_thread = threading.get_ident()
    heard_on, stepped_on = set(), set()
    w.model.frameChanged.connect(lambda frame: heard_on.add(threading.get_ident()))
    w.stepper.changed.connect(lambda kind: stepped_on.add(threading.get_ident()))
    w.speed_box.setValue(w.speed_box.maximum())
    click(qtbot, w, w.acts.play)
    qtbot.waitUntil(lambda: w.stepper.t >= 30, timeout=10_000)
    click(qtbot, w, w.acts.play)
    assert stepped_on and gui_thread not in stepped_on  # Play really stepped elsewhere...
    assert heard_on == {gui_thread}  # ...and no view was ever called from there


def slow_model(inside: threading.Event, seconds: float):
    class SlowAgent(CondAgent):
        def forward(self, inputs, hidden_state):
            inside.set()
            time.sleep(seconds)
            return super().forward(inputs, hidden_state)

    return lambda config: SlowAgent(config.input_dim, config.n_agents, config.hidden_dim)


def test_pause_during_a_slow_step_waits_for_it_and_leaves_no_thread_behind(qtbot, make_window):
    inside = threading.Event()
    w = make_window(Config(batch_size=2, n_agents=2, hidden_dim=16), model_factory=slow_model(inside, 0.4))
    click(qtbot, w, w.acts.play)
    qtbot.waitUntil(inside.is_set, timeout=5000)
    click(qtbot, w, w.acts.play)  # while the worker is inside a 0.4 s step
    assert not w.playing and not play_threads_alive()
    t = w.stepper.t
    assert t == 1  # the step in progress finished, and it is on screen
    assert f"t = {t} " in w.t_label.text() and w.grid.caption == f"h_{t}"
    qtbot.wait(600)
    assert w.stepper.t == t


def split_side_docks(w) -> None:
    """History, gates and summary side by side instead of tabbed, so that every view is in sight."""
    docks = (w.history_dock, w.gates_dock, w.summary_dock)
    for dock in docks:
        w.removeDockWidget(dock)
    for dock in docks:
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock, Qt.Orientation.Vertical)
        dock.show()
    assert w.shape_dock.isVisible()


def assert_every_view_shows(w, t: int) -> None:
    assert w.stepper.t == t and w.model.frame.t == t
    assert f"t = {t} " in w.t_label.text() and w.timeline.value() == t
    assert f"t = {t}</b>" in w.shape_panel.header.text()
    assert w.grid.caption.startswith((f"h_{t}", "after op"))
    for view in (w.history_view, w.gates_view, w.summary_view):
        assert view.shown_t == t, (type(view).__name__, view.shown_t, t)
    assert w.history_view.t_line.value() == t and w.summary_view.cursors[0].value() == t
    assert all(cursor.value() == t for cursor in w.gates_view.cursors)


def test_full_speed_play_over_a_tiny_history_with_every_view_open_while_a_person_scrubs_walks_ops_and_switches_agents(
    qtbot, make_window
):
    w = make_window(Config(batch_size=3, n_agents=20, hidden_dim=16, input_dim=4), history_budget=1)
    assert w.stepper.history.capacity < 8  # far fewer steps than the side views span (128, 256)
    split_side_docks(w)
    qtbot.waitUntil(lambda: all(v.seen() for v in (w.history_view, w.gates_view, w.summary_view)))
    w.speed_box.setValue(w.speed_box.maximum())
    rng = random.Random(10)
    actions = {
        "scrub": lambda: w.timeline.setValue(rng.randint(w.timeline.minimum(), w.timeline.maximum())),
        "op": lambda: qtbot.mouseClick(w.shape_panel.op_button, Qt.MouseButton.LeftButton),
        "agent": lambda: w.history_view.agent_box.setValue(rng.randrange(20)),
        "row": lambda: w.history_view.row_box.setValue(rng.randrange(3)),
        "page": lambda: qtbot.mouseClick(
            w.grid.next_button if w.grid.page < 1 else w.grid.prev_button, Qt.MouseButton.LeftButton
        ),
        "difference": lambda: w.acts.diff.trigger(),
    }
    done = {name: 0 for name in actions}
    side_views_drew = {view: set() for view in (w.history_view, w.gates_view, w.summary_view)}

    def note_side_views(_t: int) -> None:
        for view, seen in side_views_drew.items():
            seen.add(view.shown_t)

    w.frameDrawn.connect(note_side_views)
    for _ in range(50):
        if not w.playing:
            click(qtbot, w, w.acts.play)
        qtbot.waitUntil(lambda drawn=w.frames_drawn: w.frames_drawn >= drawn + 3, timeout=10_000)
        for _ in range(rng.randint(1, 4)):
            name = rng.choice(list(actions))
            actions[name]()
            done[name] += 1
            qtbot.wait(rng.choice([0, 1, 5]))
        if not w.playing:  # scrubbing and Step op pause Play: the views must agree at once
            assert_every_view_shows(w, w.stepper.t)
    click(qtbot, w, w.acts.play) if w.playing else None
    assert not w.playing and not play_threads_alive()
    assert all(done.values()), done
    assert all(len(seen) > 10 for seen in side_views_drew.values())  # they kept drawing during Play
    assert w.stepper.latest > 100
    qtbot.wait(50)
    assert_every_view_shows(w, w.stepper.t)
    # What the history view shows is the followed agent's own numbers at those timesteps.
    ts, values = w.stepper.unit_history(w.model.view.agent, w.model.view.row)
    assert ts[-1] == w.stepper.t or w.stepper.t < ts[-1]
    np.testing.assert_array_equal(w.history_view.ts, ts)


def test_while_playing_a_side_view_draws_as_frames_arrive_not_later_by_timer(qtbot, make_window, monkeypatch):
    """A frame too soon after the last draw is skipped: the next frame draws, or a fallback two periods on.

    (A draw put off by a timer lands in the middle of the model's next step, where it takes a core.)
    """
    from hiddenscope.gui.views import side_view

    period = 0.4
    monkeypatch.setattr(side_view, "PERIOD_S", period)
    monkeypatch.setattr(side_view, "SHARE", 1.0)  # however long a draw takes on this machine, the period stays
    w = make_window(Config(batch_size=4, n_agents=3, hidden_dim=16))
    view = w.history_view
    qtbot.waitUntil(lambda: view.shown_t == 0)
    qtbot.wait(round(period * 1000))  # the first frame below comes well after that draw
    w.model.set_playing(True)  # as Play's controller does; the steps below are Play's frames, on this thread
    try:
        w.stepper.step()
        assert view.shown_t == 1  # the first frame: drawn as it arrives
        w.stepper.step()
        assert view.shown_t == 1  # too soon after the last draw: skipped...
        qtbot.wait(round(1.1 * period * 1000))
        assert view.shown_t == 1  # ...and not drawn later while more frames may come
        w.stepper.step()
        assert view.shown_t == 3  # a frame late enough is drawn at once
        w.stepper.step()
        assert view.shown_t == 3
        qtbot.waitUntil(lambda: view.shown_t == 4, timeout=round(4 * period * 1000))  # no frame came: the fallback
    finally:
        w.model.set_playing(False)
    w.stepper.step()
    assert view.shown_t == 5  # paused: every change is drawn at once


def frames_drawn_by(view, window, qtbot, seconds: float, interval_ms: int = 15) -> list[float]:
    """Play's frames on this thread for ``seconds``, one every ``interval_ms``: when ``view`` drew one."""
    drawn: list[float] = []
    window.model.set_playing(True)
    try:
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            window.stepper.step()
            if view.shown_t == window.stepper.t:
                drawn.append(time.perf_counter())
            qtbot.wait(interval_ms)  # Qt paints the window meanwhile
    finally:
        window.model.set_playing(False)
    return drawn


def test_while_playing_a_side_view_slow_to_draw_draws_less_often(qtbot, make_window, monkeypatch):
    """A side view's draws (and the paints they bring) take about SHARE of the time, not every frame's worth."""
    from hiddenscope.gui.views import side_view

    w = make_window(Config(batch_size=4, n_agents=3, hidden_dim=16))
    view = w.history_view
    qtbot.waitUntil(lambda: view.shown_t == 0)
    quick = frames_drawn_by(view, w, qtbot, seconds=1.5)
    assert len(quick) >= 10 and view.period() < 0.2  # a quick view draws at about PERIOD_S

    slow_s = 0.03  # a draw planted to take this long
    draw = view.draw

    draws = []

    def slow_draw(frame) -> None:
        draws.append(frame.t)
        time.sleep(slow_s)
        draw(frame)

    monkeypatch.setattr(view, "draw", slow_draw)
    w.stepper.step()  # paused: drawn at once, however slow
    assert view.shown_t == w.stepper.t
    slow = frames_drawn_by(view, w, qtbot, seconds=3.0)
    period = slow_s / side_view.SHARE  # 0.6 s
    assert view.period() >= period
    assert 2 <= len(slow) <= 3.0 / period + 2  # about one draw a period, where a quick view drew ~45
    gaps = np.diff(slow)  # the period follows a running mean of the draws, so it grows over the first few
    assert np.median(gaps) >= 0.8 * period and gaps.min() >= 0.3
    # A choice made while playing is drawn at once: only frames are paced.
    w.model.set_playing(True)
    try:
        before = len(draws)
        w.history_view.agent_box.setValue(1)
        assert len(draws) == before + 1 and w.history_view.shown_t == w.stepper.t
        # The view says that it is drawn less often, and how often.
        assert view.pace_label.isVisible() and f"{view.period():.1f} s" in view.pace_label.text()
        assert f"{round(1000 * view.draw_s)} ms" in view.pace_label.toolTip()
    finally:
        w.model.set_playing(False)
    w.stepper.step()  # paused: drawn at once, and nothing to say
    assert view.shown_t == w.stepper.t and not view.pace_label.isVisible()
    view.draw_s = 10.0  # a view however slow still shows a frame every MAX_PERIOD_S while playing
    assert view.period() == side_view.MAX_PERIOD_S


def test_while_playing_the_paints_a_side_view_brings_count_in_its_period(qtbot, make_window):
    """Qt paints a view after its draw; a slow paint makes the view draw less often, as a slow draw does."""
    import pyqtgraph as pg
    from PySide6.QtCore import QRectF

    from hiddenscope.gui.views import side_view

    paint_s = 0.03

    class SlowToPaint(pg.GraphicsObject):
        def boundingRect(self) -> QRectF:
            return QRectF(0, 0, 1, 1)

        def paint(self, *_args) -> None:
            time.sleep(paint_s)

    w = make_window(Config(batch_size=4, n_agents=3, hidden_dim=16))
    view = w.history_view
    view.plot.addItem(SlowToPaint())
    qtbot.waitUntil(lambda: view.shown_t == 0)
    drawn = frames_drawn_by(view, w, qtbot, seconds=3.0)
    period = paint_s / side_view.SHARE  # 0.6 s, or more where Qt paints twice for a draw
    assert view.period() >= 0.8 * period
    assert len(drawn) <= 3.0 / (0.8 * period) + 2


def test_a_live_b_steps_beside_a_on_plays_worker_not_on_the_gui_thread(qtbot, make_window, tmp_path):
    import torch

    w = make_window(Config(batch_size=2, n_agents=3, hidden_dim=16))
    same = tmp_path / "same.pt"
    torch.save(w.stepper.model.state_dict(), same)
    assert w.compare.compare_with_checkpoint(same)
    b = w.model.comparison.stepper
    gui_thread = threading.get_ident()
    b_stepped_on: set[int] = set()
    b.changed.connect(lambda kind: b_stepped_on.add(threading.get_ident()) if kind == "step" else None)
    w.speed_box.setValue(w.speed_box.maximum())
    click(qtbot, w, w.acts.play)
    qtbot.waitUntil(lambda: w.model.frame.t >= 20, timeout=10_000)
    click(qtbot, w, w.acts.play)
    assert b_stepped_on and gui_thread not in b_stepped_on  # B's steps ran on Play's worker
    assert b.latest == w.stepper.t
    assert not w.grid.values.any()  # same weights, same inputs: B − A is zero at every t shown


def test_closing_the_window_mid_step_waits_a_bounded_time_and_says_so(qtbot, make_window, monkeypatch):
    from hiddenscope.gui import main_window

    monkeypatch.setattr(main_window, "CLOSE_WAIT_S", 0.3)
    inside = threading.Event()
    w = make_window(Config(batch_size=2, n_agents=2, hidden_dim=16), model_factory=slow_model(inside, 3.0))
    click(qtbot, w, w.acts.play)
    qtbot.waitUntil(inside.is_set, timeout=5000)
    started = time.perf_counter()
    w.close()
    took = time.perf_counter() - started
    assert took < 2.5  # not the 3 s step: the window closed after its bounded wait
    assert "still in a step after 0.3 s" in w.statusBar().currentMessage()
    assert not w.playing
    for thread in play_threads_alive():
        thread.join()  # the step ends on its own; nothing else is left running
