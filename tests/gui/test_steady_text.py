"""Numbers and captions that change every frame keep their place and do not re-lay the window out."""

from __future__ import annotations

import threading
import time

import pytest
from helpers import click
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from hiddenscope.core import Config
from hiddenscope.core.model import CondAgent


class LayoutCount(QObject):
    """Counts the times Qt asks a widget to lay out its children again."""

    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.n += 1
        return False


def test_playing_does_not_lay_the_main_window_out_again_for_each_frame(qtbot, make_window):
    w = make_window(Config(batch_size=4, n_agents=3, hidden_dim=16))
    w.speed_box.setValue(w.speed_box.maximum())
    click(qtbot, w, w.acts.step)
    qtbot.wait(200)
    count = LayoutCount()
    w.installEventFilter(count)
    frames = w.frames_drawn
    click(qtbot, w, w.acts.play)
    qtbot.waitUntil(lambda: w.frames_drawn >= frames + 60, timeout=20_000)
    click(qtbot, w, w.acts.play)
    w.removeEventFilter(count)
    drawn = w.frames_drawn - frames
    # Every frame changes t, the step time, the captions of the grid, the shape panel and the history view:
    # before, each frame laid the window out at least once.  Now only a number gaining a digit (t = 9 → 10),
    # a label first shown or a button's new text (Play → Pause) does.
    assert count.n <= drawn // 3, f"{count.n} layouts of the main window in {drawn} frames"
    assert f"t = {w.stepper.t}</b>" in w.shape_panel.header.text() and f"t = {w.stepper.t} " in w.t_label.text()


def sometimes_slow(slow: threading.Event):
    class Agent(CondAgent):
        def forward(self, inputs, hidden_state):
            if slow.is_set():
                time.sleep(0.15)
            return super().forward(inputs, hidden_state)

    return lambda config: Agent(config.input_dim, config.n_agents, config.hidden_dim)


def test_a_shorter_step_time_does_not_move_the_status_bar(qtbot, make_window):
    slow = threading.Event()
    w = make_window(Config(batch_size=2, n_agents=2, hidden_dim=16), model_factory=sometimes_slow(slow))
    status = w.status
    slow.set()
    click(qtbot, w, w.acts.step)  # "step 150.xx ms"
    slow.clear()
    qtbot.wait(100)
    wide_text = status.step_label.text()
    # The status bar's labels sit against its right edge: a narrower step label would move those on its left.
    places = {label: label.mapTo(w, QPoint(0, 0)) for label in (status.step_label, status.t_label)}
    widths = status.step_label.width()
    click(qtbot, w, w.acts.step)  # "step 0.xx ms": two digits fewer
    qtbot.wait(100)
    assert float(wide_text.split()[1]) >= 100 > float(status.step_label.text().split()[1])
    assert status.step_label.width() == widths  # it does not narrow...
    assert {label: label.mapTo(w, QPoint(0, 0)) for label in places} == places  # ...so nothing beside it moves
    qtbot.mouseClick(w.config_panel.apply_button, Qt.MouseButton.LeftButton)  # rebuilt: "step — ms" at t = 0
    qtbot.wait(100)
    assert w.stepper.t == 0 and "—" in status.step_label.text()
    assert status.step_label.width() < widths  # a new session: the labels fit their text again


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the offscreen platform, showing the tooltip
def test_a_caption_too_long_for_the_grid_is_cut_and_leaves_the_window_as_wide(qtbot, make_window):
    w = make_window(Config(batch_size=4, n_agents=3, hidden_dim=16))
    click(qtbot, w, w.acts.step)
    qtbot.wait(100)
    caption = w.grid.axes_label
    width, caption_width = w.width(), caption.width()
    before = caption.grab().toImage()
    background = QColor(before.pixel(caption.width() - 2, caption.height() // 2))
    caption.setText(caption.text() + " ·" + " a very long explanation" * 40)
    qtbot.wait(100)
    assert w.width() == width and caption.width() == caption_width
    image = caption.grab().toImage()
    right_edge = range(caption.width() - 40, caption.width())
    right = [QColor(image.pixel(x, y)) for x in right_edge for y in range(image.height())]
    assert any(c != background for c in right), "the long text reaches the right edge, drawn up to it"
    # Hovering the cut caption shows all of it (then the caption's own tooltip, if it has one).
    middle = QPoint(caption.width() // 2, caption.height() // 2)
    QApplication.sendEvent(caption, QHelpEvent(QEvent.Type.ToolTip, middle, caption.mapToGlobal(middle)))
    assert QToolTip.isVisible() and QToolTip.text().startswith(caption.text())
    QToolTip.hideText()
    # It ends in an ellipsis: whatever text runs past the edge, the last few pixels are the same.
    end = range(caption.width() - caption.fontMetrics().horizontalAdvance("\u2026"), caption.width())
    ends = []
    for text in ("x" * 400, "W" * 400):
        caption.setText(text)
        qtbot.wait(20)
        image = caption.grab().toImage()
        ends.append([image.pixel(x, y) for x in end for y in range(image.height())])
    assert ends[0] == ends[1] and any(QColor(p) != background for p in ends[0])
    caption.setText("")
    qtbot.wait(50)
    empty = caption.grab().toImage()
    assert all(
        QColor(empty.pixel(x, y)) == background for x in range(0, caption.width(), 7) for y in range(empty.height())
    ), "an empty caption draws nothing"
