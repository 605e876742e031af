"""A calm layout: nothing opens or changes by itself, the timeline has room, and View → Reset layout restores it."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import click
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from hiddenscope.core import Config
from hiddenscope.core.analysis import Selection

SMALL = Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4)


def wheel_over(widget, steps: int = -1) -> None:
    """One notch of the mouse wheel over ``widget`` (negative: towards the user), as the platform sends it."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_a_wheel_over_an_unfocused_control_leaves_its_value_and_changes_it_once_clicked(make_window, qtbot):
    w = make_window(SMALL)
    w.edit_dock.show()
    w.edit_dock.raise_()
    op_box = w.edit_panel.op_box
    before = op_box.currentIndex()
    wheel_over(op_box)
    assert op_box.currentIndex() == before  # passing over it with the wheel changed nothing
    op_box.setFocus()
    qtbot.waitUntil(op_box.hasFocus)
    wheel_over(op_box)
    assert op_box.currentIndex() != before  # chosen on purpose, the wheel works as usual


def test_selecting_units_does_not_open_a_closed_moments_dock(make_window, qtbot):
    w = make_window(SMALL)
    for _ in range(4):
        click(qtbot, w, w.acts.step)
    w.moments_dock.close()
    units = w.stepper.units
    marked = Selection(np.array([0, units - 1]), np.array([1, -1]), 1, 4, (0,), (0,), 0.3, "both")
    w.model.set_unit_selection(marked)
    qtbot.wait(20)
    assert not w.moments_dock.isVisible()  # it stays where the person put it ...
    assert "Moments tab" in w.statusBar().currentMessage()  # ... and the status bar says where the moments are


def test_the_timeline_has_the_rows_room_and_reset_layout_restores_the_docks(make_window, qtbot):
    w = make_window(SMALL)
    w.resize(1440, 900)
    qtbot.wait(20)
    assert w.timeline.width() >= 0.4 * w.width()  # a long history gets a long slider
    w.history_dock.close()
    w.shape_dock.close()
    w.removeToolBar(w.timeline_bar)
    w.reset_layout()
    qtbot.wait(20)
    assert w.history_dock.isVisible() and w.shape_dock.isVisible() and w.timeline_bar.isVisible()
    assert "Layout reset" in w.statusBar().currentMessage()


def test_a_batch_that_would_swamp_the_window_is_applied_only_after_a_yes(make_window, qtbot, monkeypatch, messages):
    from PySide6.QtWidgets import QMessageBox

    from hiddenscope.gui.panels.configuration import LARGE_FRAME_BYTES, fits_in_memory

    w = make_window(SMALL)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    panel = w.config_panel
    panel.agents.setValue(64)
    panel.batch.setValue(100_000)  # 6.4 M rows of 6 units: a 150 MiB state a step, about 2 GiB to compute it
    big = panel.config()
    assert big.batch_size * big.n_agents * big.units * 4 > LARGE_FRAME_BYTES
    if not fits_in_memory(big):
        pytest.skip("this machine has too little free memory: the rebuild itself would refuse the size")
    panel.apply_button.click()
    assert len(asked) == 1 and "Apply it anyway?" in asked[0] and "MiB" in asked[0]
    assert w.stepper.config.batch_size == SMALL.batch_size and not messages  # No: nothing rebuilt, nothing failed
    assert panel.batch.value() == SMALL.batch_size and panel.agents.value() == SMALL.n_agents  # the run's again
    assert "The configuration was kept as it was" in w.statusBar().currentMessage()
    panel.agents.setValue(3)
    panel.batch.setValue(8)
    panel.apply_button.click()
    assert len(asked) == 1 and w.stepper.config.batch_size == 8  # an ordinary size is not asked about


def test_a_size_too_big_to_build_is_refused_by_the_rebuild_without_asking_first(make_window, monkeypatch, messages):
    from PySide6.QtWidgets import QMessageBox

    w = make_window(SMALL)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    w.config_panel.batch.setValue(939_380)
    w.config_panel.hidden.setValue(128)  # 12 GiB of working memory a step: more than a rebuild allows here
    w.config_panel.apply_button.click()
    assert asked == [] and len(messages) == 1 and "choose a smaller batch size" in messages[0]


def test_each_group_of_docks_has_one_tab_bar_inside_the_window(make_window, qtbot):
    """Configuration and Edit memory share one tab bar; no second, stale one is drawn over the panel."""
    from PySide6.QtWidgets import QTabBar

    w = make_window(SMALL)
    w.resize(1440, 900)
    qtbot.wait(20)
    inside = [
        tuple(bar.tabText(i) for i in range(bar.count()))
        for bar in w.findChildren(QTabBar)
        if bar.isVisible() and w.rect().intersects(bar.geometry())
    ]
    assert sorted(inside) == sorted(
        [("Configuration", "Edit memory"), ("History", "Gates", "Summary", "Trajectories", "Agents", "Moments")]
    )


def test_similar_moments_search_around_the_t_shown_when_asked(make_window, qtbot, monkeypatch):
    """View → Analyses around the t shown: the moments' range (said next to them) is centred on the t shown."""
    from hiddenscope.core import analysis

    monkeypatch.setattr(analysis, "ANALYSIS_BYTES", 2 * 3 * 6 * 8 * 10)  # ten steps of this run fit
    w = make_window(SMALL)
    for _ in range(40):
        click(qtbot, w, w.acts.step)
    units = w.stepper.units
    w.model.set_unit_selection(Selection(np.arange(units), np.ones(units), 1, 4, (0,), (0,), 0.0, "both"))
    assert "t = 31…40" in w.moments_view.caption.text()  # the newest ten steps
    w.timeline.setValue(20)
    w.analysis_around_action.trigger()
    assert w.model.view.analysis_around
    assert "t = 15…24" in w.moments_view.caption.text()  # ten steps centred on t = 20
    assert "around the t shown" in w.statusBar().currentMessage()


def test_raising_each_side_tab_leaves_the_column_as_wide_as_it_was(make_window, qtbot):
    """A long caption (Gates: agent, row, span and a hint) wraps; it never widens the docks' column for good."""
    w = make_window(Config(batch_size=8, n_agents=3, hidden_dim=64))
    w.resize(1440, 900)
    w.show()
    qtbot.waitExposed(w)
    for _ in range(10):
        w.acts.step.trigger()
    w.history_dock.raise_()
    qtbot.wait(100)
    column, grid = w.history_dock.width(), w.grid.width()
    for dock in (w.gates_dock, w.summary_dock, w.trajectory_dock, w.agents_dock, w.moments_dock, w.history_dock):
        dock.raise_()
        qtbot.wait(100)
        assert (dock.width(), w.grid.width()) == (column, grid), dock.windowTitle()


def test_every_side_tab_shows_its_whole_name_at_1440_by_900(make_window, qtbot):
    """A student finds Moments without scrolling the tab bar: all six side tabs fit the right column."""
    from PySide6.QtWidgets import QTabBar

    w = make_window(SMALL)
    w.resize(1440, 900)
    w.show()
    qtbot.waitExposed(w)
    side = next(bar for bar in w.findChildren(QTabBar) if bar.count() == 6 and bar.isVisible())
    needed = sum(side.tabRect(i).width() for i in range(side.count()))
    assert needed <= side.width(), (needed, side.width())
    assert side.tabRect(side.count() - 1).right() <= side.width()
