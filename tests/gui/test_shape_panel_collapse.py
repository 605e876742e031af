"""The shape panel folds to one line on a step with no trace, gives its height away, and unfolds on a traced one."""

from __future__ import annotations

import time

import numpy as np
from helpers import click
from PySide6.QtCore import Qt

import hiddenscope
from hiddenscope.core import Config
from hiddenscope.gui.views.shape_trace import SETTLE_MS

SMALL = Config(batch_size=4, n_agents=3, hidden_dim=32)
FOLDED = 60  # the folded panel is one line: shorter than this


def laid_out(qtbot, w) -> None:
    """The window after its first layout (the shape dock at its height for a new window)."""
    w.resize(1440, 900)
    qtbot.waitUntil(lambda: w.shape_dock.height() > 200)


def test_an_untraced_step_folds_the_panel_to_a_line_and_trace_this_step_unfolds_it(qtbot, make_window):
    w = make_window(SMALL)
    laid_out(qtbot, w)
    panel = w.shape_panel
    click(qtbot, w, w.acts.step)
    assert not panel.compact and panel.table.isVisible() and panel.table.rowCount() == 5
    dock_before, grid_before = w.shape_dock.height(), w.grid.height()

    qtbot.keyClick(w, Qt.Key.Key_T)  # View → Record shape trace, off
    assert not w.stepper.tracing
    click(qtbot, w, w.acts.step)
    qtbot.waitUntil(lambda: panel.height() < FOLDED)
    assert panel.compact and not panel.table.isVisible() and not panel.op_button.isVisible()
    text = panel.header.text()
    assert "<b>t = 2</b> was not traced" in text and "tracing is off" in text
    assert "Record shape trace, T" in text  # the key that turns it on, as the action has it
    assert "Trace this step" in text and panel.trace_button.isVisible()
    qtbot.waitUntil(lambda: w.grid.height() > grid_before + 100)  # the heatmaps above got the room
    assert w.shape_dock.height() < FOLDED + 40  # the dock's title and the line

    qtbot.mouseClick(panel.trace_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.isVisible())
    assert not panel.compact and panel.table.rowCount() == 5 and w.model.frame.t == 2
    assert "traced afterwards" in panel.header.text()
    qtbot.waitUntil(lambda: abs(w.shape_dock.height() - dock_before) <= 2)  # the height it had, given back
    assert abs(w.grid.height() - grid_before) <= 2


def test_a_traced_step_after_untraced_ones_unfolds_the_panel(qtbot, make_window):
    w = make_window(SMALL)
    laid_out(qtbot, w)
    panel = w.shape_panel
    qtbot.keyClick(w, Qt.Key.Key_T)  # tracing off
    for _ in range(3):
        click(qtbot, w, w.acts.step)
    assert panel.compact and panel.height() < FOLDED and "<b>t = 3</b>" in panel.header.text()
    click(qtbot, w, w.acts.back)  # still untraced: the line follows t and stays a line
    assert panel.compact and "<b>t = 2</b> was not traced" in panel.header.text()
    qtbot.keyClick(w, Qt.Key.Key_T)  # tracing on again
    click(qtbot, w, w.acts.step)  # t = 3 again, from history: as it was recorded, untraced
    assert panel.compact and "<b>t = 3</b> was not traced" in panel.header.text()
    click(qtbot, w, w.acts.step)  # t = 4, computed now with tracing on
    qtbot.waitUntil(lambda: panel.table.isVisible() and panel.height() > 150)
    assert not panel.compact and panel.table.rowCount() == 5


def test_play_that_alternates_traced_and_untraced_frames_does_not_fold_and_unfold(qtbot, make_window):
    w = make_window(SMALL)
    laid_out(qtbot, w)
    panel = w.shape_panel
    changes: list[tuple[bool, bool]] = []  # (folded, while playing)
    panel.compactChanged.connect(lambda compact: changes.append((compact, w.playing)))
    shown: list[bool] = []

    def alternate(frame) -> None:  # every other step computed untraced, as fast-forward's undrawn ones are
        shown.append(bool(frame.trace))
        w.stepper.tracing = not w.stepper.tracing

    w.model.frameChanged.connect(alternate)
    w.speed_box.setValue(60.0)
    started = time.monotonic()
    click(qtbot, w, w.acts.play)
    qtbot.waitUntil(lambda: time.monotonic() - started > 2.5 * SETTLE_MS / 1000 and len(shown) >= 40, timeout=20_000)
    click(qtbot, w, w.acts.play)  # pause
    w.model.frameChanged.disconnect(alternate)
    assert True in shown and False in shown  # it did alternate ...
    assert sum(a != b for a, b in zip(shown, shown[1:], strict=False)) > 10
    assert not [c for c in changes if c[1]]  # ... and the panel stayed as it was while playing
    # Paused, the step shown decides at once; a second change right after it settles first (scrubbing).
    w.stepper.tracing = False
    click(qtbot, w, w.acts.step)
    assert panel.compact
    w.stepper.tracing = True
    click(qtbot, w, w.acts.step)
    qtbot.waitUntil(lambda: not panel.compact, timeout=2_000)
    assert changes[-2:] == [(True, False), (False, False)]


def test_scrubbing_over_traced_and_untraced_steps_does_not_fold_on_every_frame(qtbot, make_window):
    """Dragging the timeline over mixed steps re-lays out the window at most once a settle time."""
    w = make_window(SMALL)
    laid_out(qtbot, w)
    for k in range(30):  # every other step untraced
        w.stepper.tracing = k % 2 == 0
        click(qtbot, w, w.acts.step)
    qtbot.wait(600)
    changes: list[bool] = []
    w.shape_panel.compactChanged.connect(changes.append)
    for t in range(1, 31):  # as fast as a drag
        w.timeline.setValue(t)
    assert len(changes) <= 1
    qtbot.waitUntil(lambda: w.shape_panel.compact == (not w.model.frame.trace), timeout=2_000)


def test_play_with_tracing_off_folds_the_panel_once_and_keeps_it_folded(qtbot, make_window):
    w = make_window(SMALL)
    laid_out(qtbot, w)
    panel = w.shape_panel
    changes: list[bool] = []
    panel.compactChanged.connect(changes.append)
    qtbot.keyClick(w, Qt.Key.Key_T)  # tracing off: every step of Play is untraced
    w.speed_box.setValue(60.0)
    click(qtbot, w, w.acts.play)
    qtbot.waitUntil(lambda: panel.compact, timeout=10_000)  # once the untraced frames have settled
    qtbot.waitUntil(lambda: w.model.frame.t > 30, timeout=20_000)
    click(qtbot, w, w.acts.play)
    assert changes == [True] and panel.height() < FOLDED


def test_a_recording_without_traces_shows_one_line_that_says_so(qtbot, make_window, tmp_path):
    path = tmp_path / "plain.h5"
    with hiddenscope.record(path, n_agents=3) as rec:
        for t in range(1, 6):
            rec.step(np.full((4, 3, 8), t, np.float32))
    w = make_window(SMALL)
    laid_out(qtbot, w)
    assert w.sessions.open_session(path)
    w.timeline.setValue(4)  # scrub to t = 4
    panel = w.shape_panel
    qtbot.waitUntil(lambda: panel.height() < FOLDED)
    text = panel.header.text()
    assert "<b>t = 4</b> was not traced: the recording holds no trace" in text
    assert not panel.trace_button.isVisible() and "Trace this step" not in text  # nothing to re-run it with


def test_a_long_op_is_cut_in_its_column_and_whole_in_its_tooltip_and_the_code_stays_readable(make_window, qtbot):
    from hiddenscope.core.trace import TraceRecord
    from hiddenscope.gui.views.shape_trace import CODE_COLUMN, OP_WIDTH

    w = make_window(Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4))
    w.resize(1440, 900)
    w.show()
    qtbot.waitExposed(w)
    long_call = ("layer_norm", tuple(("arg" + str(i) + "=", 1e-05) for i in range(12)))
    record = TraceRecord(
        1,
        "forward",
        0,
        long_call,
        "x = self.layer_norm(x)",
        "hidden",
        (6, 8),
        (8, 1),
        True,
        "new",
        48,
        "cpu",
        "float32",
    )
    panel = w.shape_panel
    panel.set_trace([record], 1, 2, 3)
    table = panel.table
    assert table.columnWidth(0) <= OP_WIDTH and table.columnWidth(CODE_COLUMN) >= 300
    assert record.op in table.item(0, 0).toolTip()  # the whole call, where the column cuts it
