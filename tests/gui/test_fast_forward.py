"""Fast-forward: many steps per drawn frame, only drawn steps traced, and any other step traced on request."""

from __future__ import annotations

import threading
import time

from helpers import button, click
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel

from hiddenscope.core import Config, Stepper

CONFIG = Config(batch_size=6, n_agents=3, hidden_dim=16, input_dim=4)


def play_threads_alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "hiddenscope-play" and t.is_alive()]


def test_fast_forward_draws_far_fewer_frames_than_it_steps_and_traces_exactly_the_drawn_ones(qtbot, make_window):
    w = make_window(CONFIG)
    drawn: list[int] = []
    w.frameDrawn.connect(drawn.append)
    start_t, start_frames = w.stepper.t, w.frames_drawn
    click(qtbot, w, w.acts.fast)
    assert w.playing and w.acts.fast.isChecked() and w.play_controller.fast
    qtbot.waitUntil(lambda: w.stepper.t >= 600, timeout=30_000)
    qtbot.waitUntil(lambda: len(drawn) >= 3, timeout=10_000)

    def rates() -> tuple[float, float]:  # the status bar's (steps/s, fps), refreshed a few times a second
        rate, fps = w.status.rate_label.text(), w.status.fps_label.text()
        if "steps/s" not in rate or "fps" not in fps:
            return 0.0, 0.0
        return float(rate.split()[0].replace(",", "")), float(fps.split()[0])

    # Both rates, and the model outruns the screen (waited for: on a loaded machine the first figures lag).
    qtbot.waitUntil(lambda: rates()[0] > rates()[1] > 0, timeout=10_000)
    click(qtbot, w, w.acts.fast)  # the same button pauses
    assert not w.playing and not w.acts.fast.isChecked() and not play_threads_alive()
    steps = w.stepper.t - start_t
    frames = w.frames_drawn - start_frames
    assert steps >= 600 and frames < steps / 5
    # Every step drawn while fast-forwarding was traced, and every traced step was drawn (the last frame,
    # shown when Pause stopped the worker, is the newest step: traced if the worker had handed it over).
    hist = w.stepper.history
    during = {t for t in drawn[:-1] if hist.holds(t)}
    traced = {t for t in range(max(start_t + 1, hist.first), hist.last + 1) if hist.traced(t)}
    assert during and during <= traced <= set(drawn)


def test_normal_play_still_draws_every_step(qtbot, make_window):
    w = make_window(CONFIG)
    drawn: list[int] = []
    w.frameDrawn.connect(drawn.append)
    w.speed_box.setValue(w.speed_box.maximum())
    click(qtbot, w, w.acts.play)
    qtbot.waitUntil(lambda: len(drawn) >= 30, timeout=10_000)
    click(qtbot, w, w.acts.play)
    assert all(b - a == 1 for a, b in zip(drawn, drawn[1:], strict=False) if b > a)
    assert all(w.stepper.history.traced(t) for t in range(1, w.stepper.t + 1))


def test_an_undrawn_step_says_not_traced_and_one_click_shows_its_true_trace(qtbot, make_window):
    w = make_window(CONFIG)
    qtbot.keyClick(w, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)  # the shortcut
    assert w.play_controller.fast
    qtbot.waitUntil(lambda: w.stepper.t >= 200, timeout=30_000)
    qtbot.keyClick(w, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert not w.playing
    hist = w.stepper.history
    t = next(t for t in range(150, 2, -1) if not hist.traced(t) and hist.holds(t - 1))
    w.timeline.setValue(t)  # scrub to it
    panel = w.shape_panel
    assert f"t = {t}</b>" in panel.header.text() and "not traced" in panel.header.text()
    assert panel.table.rowCount() == 0 and panel.trace_button.isVisible()

    qtbot.mouseClick(panel.trace_button, Qt.MouseButton.LeftButton)

    reference = Stepper(CONFIG.replace(device="cpu"))  # the same run, every step traced
    reference.run(t)
    expected = reference.snapshot(t).trace
    shown = [
        (panel.table.item(row, 0).text(), panel.table.item(row, 1).text(), panel.table.item(row, 2).text())
        for row in range(panel.table.rowCount())
    ]
    assert shown == [(r.op, str(tuple(r.shape)), str(tuple(r.stride))) for r in expected]
    assert w.model.frame.trace == expected and hist.traced(t)
    assert not panel.trace_button.isVisible() and "re-run from history" in panel.header.text()
    assert f"h_{t} equals the recorded one" in w.statusBar().currentMessage()
    # Step op walks the new trace like any other.
    qtbot.mouseClick(panel.op_button, Qt.MouseButton.LeftButton)
    assert panel.current_row == 0


def test_the_button_is_offered_only_where_a_step_can_be_re_run(qtbot, make_window):
    w = make_window(CONFIG)
    assert not w.shape_panel.trace_button.isVisible()  # t = 0, traced
    qtbot.keyClick(w, Qt.Key.Key_T)  # tracing off: steps are untraced, and each can still be traced
    click(qtbot, w, w.acts.step)
    assert "tracing is off" in w.shape_panel.header.text() and w.shape_panel.trace_button.isVisible()
    click(qtbot, w, w.acts.step)
    qtbot.mouseClick(w.shape_panel.trace_button, Qt.MouseButton.LeftButton)
    assert w.shape_panel.table.rowCount() == 5 and w.model.frame.t == 2
    assert button(w, w.acts.fast).toolTip().endswith("(Shift+Space)")


def test_trace_this_step_while_fast_forwarding_untraced_stops_and_shows_the_step_clicked(qtbot, make_window):
    w = make_window(CONFIG)
    qtbot.keyClick(w, Qt.Key.Key_T)  # tracing off: even the drawn steps are untraced
    click(qtbot, w, w.acts.fast)
    qtbot.waitUntil(lambda: w.shape_panel.trace_button.isVisible() and w.model.frame.t > 50, timeout=30_000)
    clicked = w.model.frame.t
    qtbot.mouseClick(w.shape_panel.trace_button, Qt.MouseButton.LeftButton)
    assert not w.playing and not w.acts.fast.isChecked()
    assert w.model.frame.t == clicked and f"t = {clicked}</b>" in w.shape_panel.header.text()
    assert w.shape_panel.table.rowCount() == 5 and w.stepper.history.traced(clicked)


class SlowPaint(QObject):
    """Makes every paint of one widget take ``seconds`` longer (a planted, known drawing cost)."""

    def __init__(self, widget, seconds: float) -> None:
        super().__init__()
        self.widget, self.seconds, self.paints = widget, seconds, 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget and event.type() == QEvent.Type.Paint:
            self.paints += 1
            time.sleep(self.seconds)
        return False


def test_fast_forward_counts_the_repaint_in_a_frames_cost_and_draws_less_often_when_painting_is_slow(
    qtbot, make_window
):
    w = make_window(CONFIG)
    slow = SlowPaint(w.grid.view.viewport(), 0.03)  # every repaint of the heatmaps takes 30 ms more
    click(qtbot, w, w.acts.fast)
    qtbot.waitUntil(lambda: slow.paints >= 3, timeout=10_000)
    frames, started = w.frames_drawn, time.perf_counter()
    qtbot.wait(1500)
    fps = (w.frames_drawn - frames) / (time.perf_counter() - started)
    cost_ms = w.play_controller._draw_ms
    click(qtbot, w, w.acts.fast)
    assert not w.playing
    # The 30 ms paint runs after the views took the frame; a cost measured without it would be a few ms.
    assert cost_ms >= 30
    # At most a quarter of the time drawing: a frame every 4 × 30 ms or more (about 8 fps, never 30).
    assert 0 < fps <= 1000 / (4 * 30) * 1.5


def test_a_hidden_window_fast_forwards_without_waiting_for_repaints_that_never_come(qtbot, make_window):
    w = make_window(CONFIG)
    w.hide()  # minimised or hidden: Qt does not repaint it
    other = QLabel("another window, on screen")  # whose repaints are not the views'
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    start = w.stepper.t
    click(qtbot, w, w.acts.fast)
    qtbot.wait(1500)
    cost_ms = w.play_controller._draw_ms
    click(qtbot, w, w.acts.fast)
    assert not w.playing and not play_threads_alive()
    # Waiting for a repaint at every frame would hold the worker ~0.1 s a frame: about 15 steps here.
    assert w.stepper.t - start >= 300
    # Nor is a frame drawn only once the 50 ms for a repaint have run out: it is done when handed over.
    assert cost_ms < 25
