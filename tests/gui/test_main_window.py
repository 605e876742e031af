"""The main window, driven the way a person drives it: buttons, keys, slider, config panel."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import click
from PySide6.QtCore import QPointF, Qt

from hiddenscope.core import Config
from hiddenscope.gui.theme import COLOURS, to_rgb


def shape_cells(window, column):
    table = window.shape_panel.table
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_step_button_advances_and_every_view_follows(qtbot, make_window):
    w = make_window()
    assert "t = 0" in w.t_label.text()
    assert shape_cells(w, 0)[:4] == ["new(1, 96)", "zero_()", "unsqueeze(0)", "expand(32, 5, -1)"]
    click(qtbot, w, w.acts.step)
    click(qtbot, w, w.acts.step)
    assert w.stepper.t == 2
    assert "t = 2" in w.t_label.text()
    assert w.timeline.value() == 2 and w.timeline.maximum() == 2
    assert shape_cells(w, 1) == ["(160, 16)", "(160, 96)", "(160, 96)", "(32, 5, 96)", "(160, 96)"]
    # What the heatmap for agent 3 shows is the stepper's hidden state for that agent.
    shown = w.grid.shown_values(3)
    np.testing.assert_array_equal(shown, w.stepper.frame.hidden[:, 3, :])
    # ... and the pixels drawn for it are those numbers through the colour map.
    np.testing.assert_array_equal(w.grid.shown_rgb(3), to_rgb(w.stepper.frame.hidden[:, 3, :]))
    assert "ms" in w.status.step_label.text() and "cpu" in w.status.device_label.text()


def test_shape_panel_for_a_non_default_configuration(qtbot, make_window):
    w = make_window()
    panel = w.config_panel
    panel.batch.setValue(4)
    panel.agents.setValue(2)
    panel.hidden.setValue(40)
    assert "= 30" in panel.units_label.text()
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert w.stepper.config == Config(batch_size=4, n_agents=2, hidden_dim=40, device="cpu")
    # t = 0: the initialisation story with this configuration's own numbers.
    assert shape_cells(w, 1) == ["(1, 30)", "(1, 30)", "(1, 1, 30)", "(4, 2, 30)"]
    assert shape_cells(w, 2)[3] == "(0, 0, 1)"
    click(qtbot, w, w.acts.step)
    assert shape_cells(w, 1) == ["(8, 16)", "(8, 30)", "(8, 30)", "(4, 2, 30)", "(8, 30)"]
    assert shape_cells(w, 2)[1] == "(0, 1)"  # the first step still reads the stride-0 expand
    assert "(4, 2, 30)" in w.shape_panel.note.text() and "(8, 30)" in w.shape_panel.note.text()
    assert len(w.grid.visible_agents()) == 2


def test_keys_step_back_and_reset(qtbot, make_window):
    w = make_window()
    for _ in range(3):
        qtbot.keyClick(w, Qt.Key.Key_Right)
    assert w.stepper.t == 3
    qtbot.keyClick(w, Qt.Key.Key_Left)
    assert w.stepper.t == 2 and "t = 2" in w.t_label.text()
    qtbot.keyClick(w, Qt.Key.Key_Home)
    assert w.stepper.t == 0 and w.stepper.latest == 0
    assert not np.any(w.grid.shown_values(0))


def test_step_back_shows_the_earlier_picture(qtbot, make_window):
    w = make_window()
    click(qtbot, w, w.acts.step)
    picture_at_1 = w.grid.shown_values(0).copy()
    click(qtbot, w, w.acts.step)
    click(qtbot, w, w.acts.step)
    assert not np.array_equal(w.grid.shown_values(0), picture_at_1)
    click(qtbot, w, w.acts.back)
    click(qtbot, w, w.acts.back)
    assert w.stepper.t == 1 and w.stepper.latest == 3
    np.testing.assert_array_equal(w.grid.shown_values(0), picture_at_1)
    # Stepping forward again replays the recorded step instead of computing a new one.
    click(qtbot, w, w.acts.step)
    assert w.stepper.t == 2 and w.stepper.latest == 3


def test_play_then_pause(qtbot, make_window):
    w = make_window()
    w.speed_box.setValue(200.0)
    click(qtbot, w, w.acts.play)
    assert w.playing and w.acts.play.text() == "Pause"
    qtbot.waitUntil(lambda: w.stepper.t >= 5 and "fps" in w.status.fps_label.text(), timeout=5000)
    click(qtbot, w, w.acts.play)
    assert not w.playing and w.acts.play.text() == "Play"
    stopped_at = w.stepper.t
    qtbot.wait(100)
    assert w.stepper.t == stopped_at
    assert f"t = {stopped_at}" in w.t_label.text()


def test_space_toggles_play(qtbot, make_window):
    w = make_window()
    w.speed_box.setValue(100.0)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert w.playing
    qtbot.waitUntil(lambda: w.stepper.t >= 2, timeout=5000)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert not w.playing


def test_timeline_slider_scrubs_history(qtbot, make_window):
    w = make_window()
    for _ in range(5):
        click(qtbot, w, w.acts.step)
    w.timeline.setValue(2)
    assert w.stepper.t == 2 and "t = 2" in w.t_label.text()
    np.testing.assert_array_equal(w.grid.shown_values(1), w.stepper.history.frame(2).hidden[:, 1, :])


def test_difference_mode_shows_the_change(qtbot, make_window):
    w = make_window()
    click(qtbot, w, w.acts.step)
    click(qtbot, w, w.acts.step)
    click(qtbot, w, w.acts.diff)
    hist = w.stepper.history
    expected = hist.frame(2).hidden[:, 0, :] - hist.frame(1).hidden[:, 0, :]
    np.testing.assert_allclose(w.grid.shown_values(0), expected)
    assert "−" in w.grid.axes_label.text()


def test_step_op_walks_through_one_timestep(qtbot, make_window):
    w = make_window(Config(batch_size=4, n_agents=2, hidden_dim=40))
    click(qtbot, w, w.acts.step)
    click(qtbot, w, w.acts.step)
    hist = w.stepper.history
    panel = w.shape_panel
    qtbot.mouseClick(panel.op_button, Qt.MouseButton.LeftButton)  # op 1: reshape of the input
    assert panel.current_row == 0 and "op 1 of 5" in panel.op_label.text()
    qtbot.mouseClick(panel.op_button, Qt.MouseButton.LeftButton)  # op 2: reshape of h_1, still h_1
    np.testing.assert_array_equal(w.grid.shown_values(0), hist.frame(1).hidden[:, 0, :])
    qtbot.mouseClick(panel.op_button, Qt.MouseButton.LeftButton)  # op 3: gru_cell wrote h_2
    assert panel.current_row == 2
    np.testing.assert_array_equal(w.grid.shown_values(0), hist.frame(2).hidden[:, 0, :])
    qtbot.keyClick(w, Qt.Key.Key_BracketLeft)
    assert panel.current_row == 1


def test_invalid_configuration_is_refused_with_a_message(qtbot, make_window, messages):
    w = make_window()
    panel = w.config_panel
    panel.hidden.setValue(2)
    assert not panel.apply_button.isEnabled() and "0 units" in panel.units_label.text()
    panel.hidden.setValue(128)
    click(qtbot, w, w.acts.step)
    before = w.stepper.frame.hidden.copy()
    panel.batch.setValue(1_000_000)
    panel.agents.setValue(4096)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert messages and "needs about" in messages[0]
    assert "Rebuilt" not in w.statusBar().currentMessage()
    assert w.stepper.config == Config(device="cpu") and w.stepper.t == 1
    np.testing.assert_array_equal(w.stepper.frame.hidden, before)
    assert panel.batch.value() == 32  # the panel shows the configuration still in use


def test_many_agents_page_and_only_visible_ones_are_drawn(qtbot, make_window):
    w = make_window(Config(n_agents=64))
    assert w.grid.visible_agents() == list(range(16))
    drawn = w.grid.draw_count
    click(qtbot, w, w.acts.step)
    assert w.grid.draw_count - drawn == 16
    qtbot.mouseClick(w.grid.next_button, Qt.MouseButton.LeftButton)
    assert w.grid.visible_agents() == list(range(16, 32))
    np.testing.assert_array_equal(w.grid.shown_values(20), w.stepper.frame.hidden[:, 20, :])
    assert "agents 16–31 of 64" in w.grid.page_label.text()


def test_hover_names_agent_row_unit_and_value(qtbot, make_window):
    w = make_window()
    click(qtbot, w, w.acts.step)
    x, y = w.grid.tile_origin(1)
    scene_point = w.grid.box.mapViewToScene(QPointF(x + 10.5, y + 3.5))
    with qtbot.waitSignal(w.grid.hovered) as blocker:
        w.grid.view.scene().sigMouseMoved.emit(scene_point)
    value = w.stepper.frame.hidden[3, 1, 10]
    assert blocker.args[0] == f"agent 1 · batch row 3 · unit 10 · h_1 = {value:+.4f}"
    assert "agent 1 · batch row 3 · unit 10" in w.statusBar().currentMessage()


def test_window_size_and_speed_are_remembered(qtbot, make_window, settings):
    w = make_window()
    w.speed_box.setValue(42.0)
    w.resize(1000, 760)
    qtbot.waitUntil(lambda: w.width() != 1440)
    w.history_dock.toggleViewAction().trigger()
    assert not w.history_dock.isVisible()
    w.close()
    w2 = make_window()
    assert w2.speed_box.value() == pytest.approx(42.0)
    # The offscreen screen is 800 px wide, so Qt fits the width to it; the height is kept.
    assert w2.height() == 760
    assert not w2.history_dock.isVisible() and w2.shape_dock.isVisible()


def test_the_painted_heatmap_pixels_are_the_values_colours(qtbot, make_window):
    w = make_window(Config(batch_size=8, n_agents=3, hidden_dim=16))
    for _ in range(3):
        click(qtbot, w, w.acts.step)
    qtbot.wait(50)
    picture = w.grid.view.grab().toImage()
    values = w.stepper.frame.hidden
    for agent, row, unit in [(0, 0, 0), (1, 4, 7), (2, 7, 11)]:
        x, y = w.grid.tile_origin(agent)
        scene = w.grid.box.mapViewToScene(QPointF(x + unit + 0.5, y + row + 0.5))
        pixel = picture.pixelColor(w.grid.view.mapFromScene(scene))
        expected = to_rgb(values[row, agent, unit : unit + 1])[0]
        assert (pixel.red(), pixel.green(), pixel.blue()) == tuple(int(c) for c in expected), (agent, row, unit)


def test_copy_puts_the_grid_on_the_clipboard_and_status_bar_shows_t(qtbot, make_window):
    from PySide6.QtWidgets import QApplication

    w = make_window(Config(batch_size=4, n_agents=2, hidden_dim=16))
    click(qtbot, w, w.acts.step)
    assert "t = 1" in w.status.t_label.text()
    w.acts.copy.trigger()
    image = QApplication.clipboard().image()
    assert not image.isNull() and image.size() == w.files.screenshot_image().size()


def test_gates_and_summary_tabs_show_the_cells_own_numbers(qtbot, make_window):
    from hiddenscope.core.gru_history import gate_history, summary_history

    w = make_window(Config(batch_size=4, n_agents=3, hidden_dim=16))
    for _ in range(6):
        click(qtbot, w, w.acts.step)
    w.history_view.agent_box.setValue(2)
    w.history_view.row_box.setValue(1)
    w.gates_dock.raise_()
    qtbot.waitUntil(lambda: w.gates_view.images["z"].image is not None)
    ts, gates = gate_history(w.stepper, 2, 1)
    np.testing.assert_array_equal(w.gates_view.images["z"].image, COLOURS.index(gates["z"].T, (0.0, 1.0)))
    assert "agent 2 · batch row 1" in w.gates_view.caption.text()
    w.summary_dock.raise_()
    qtbot.waitUntil(lambda: len(w.summary_view.norm_lines) == 3)
    ts, norm, _ = summary_history(w.stepper)
    x, y = w.summary_view.norm_lines[1].getData()
    np.testing.assert_allclose(y, norm[:, 1])


def test_tracing_can_be_switched_off_and_on(qtbot, make_window):
    w = make_window()
    qtbot.keyClick(w, Qt.Key.Key_T)
    assert not w.stepper.tracing
    click(qtbot, w, w.acts.step)
    assert w.shape_panel.table.rowCount() == 0 and "tracing is off" in w.shape_panel.header.text()
    qtbot.keyClick(w, Qt.Key.Key_T)
    click(qtbot, w, w.acts.step)
    assert w.shape_panel.table.rowCount() == 5


def test_step_op_pauses_play(qtbot, make_window):
    w = make_window(Config(batch_size=4, n_agents=2, hidden_dim=16))
    w.speed_box.setValue(200)
    w.play()
    qtbot.waitUntil(lambda: w.stepper.t >= 3, timeout=5000)
    qtbot.mouseClick(w.shape_panel.op_button, Qt.MouseButton.LeftButton)
    assert not w.playing
    t = w.stepper.t
    qtbot.wait(50)
    assert w.stepper.t == t and w.shape_panel.current_row == 0


def test_window_actions_are_typed_fields_added_to_the_window(make_window):
    """Every action is a field of ``WindowActions`` and is the window's (so its key works); none is set by name."""
    from dataclasses import FrozenInstanceError, fields

    from PySide6.QtGui import QAction

    from hiddenscope.gui.controllers.actions import WindowActions

    w = make_window()
    assert isinstance(w.acts, WindowActions)
    added = w.actions()
    for field in fields(w.acts):
        action = getattr(w.acts, field.name)
        assert isinstance(action, QAction) and action in added, field.name
        assert not hasattr(w, f"{field.name}_action")  # no attribute made up from a name
    with pytest.raises(FrozenInstanceError):
        w.acts.step = w.acts.back  # type: ignore[misc]
    assert set(w.acts.live_only()) <= {getattr(w.acts, field.name) for field in fields(w.acts)}
    for dock in (w.moments_dock, w.trajectory_dock, w.agents_dock, w.edit_dock):
        assert dock.toggleViewAction() in w.view_menu.actions()  # add_dock lists each dock in View


def test_init_hidden_starts_over_and_the_status_bar_says_what_was_cleared(qtbot, make_window):
    w = make_window(Config(batch_size=2, n_agents=3, hidden_dim=8))
    for _ in range(5):
        qtbot.keyClick(w, Qt.Key.Key_Right)
    assert len(w.model.bounds()) == 6
    qtbot.keyClick(w, Qt.Key.Key_I)
    assert w.model.frame.t == 0 and len(w.model.bounds()) == 1
    assert "the 6 steps held before were cleared" in w.statusBar().currentMessage()
    assert w.statusBar().toolTip() == w.statusBar().currentMessage()  # hovering shows a cut message whole
    assert "the steps held are cleared" in w.acts.init.toolTip()
