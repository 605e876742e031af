"""Select units, similar moments and unit order in the app, on planted hidden states whose answers are known.

The planted model's hidden state is its input, so the inputs plant every number the
views show: unit 7 fires (+0.8) only in agent 1, batch row 2, inside three time
windows; unit 12 swings ±0.9 at every step in every agent, the most variance of all.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from torch import nn

from hiddenscope.core import Config
from hiddenscope.core.stepper import seed_model

BATCH, AGENTS, UNITS, STEPS = 4, 3, 16, 90
WINDOWS = [(10, 14), (40, 44), (70, 74)]
FIRING, SWINGING = 7, 12


def planted_states() -> np.ndarray:
    """h_t for t = 0..STEPS, ``(STEPS + 1, batch, agents, units)``."""
    rng = np.random.default_rng(5)
    h = np.clip(rng.normal(0, 0.08, size=(STEPS + 1, BATCH, AGENTS, UNITS)), -0.25, 0.25)
    for start, stop in WINDOWS:
        h[start : stop + 1, 2, 1, FIRING] = 0.8
    h[:, :, :, SWINGING] = 0.9 * np.where(np.arange(STEPS + 1) % 2 == 0, 1.0, -1.0)[:, None, None]
    h[0] = 0.0
    return h.astype(np.float32)


PLANTED = planted_states()


class Echo(nn.Module):
    """A model whose new hidden state is its input: the inputs plant what every view shows."""

    def __init__(self, n_agents: int, units: int) -> None:
        super().__init__()
        self.n_agents, self.units = n_agents, units

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return torch.zeros(batch_size, self.n_agents, self.units)

    def forward(self, inputs: torch.Tensor, hidden_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = inputs + 0.0 * hidden_state
        return h, h


class PlantedInputs:
    """Step t (from h_t to h_{t+1}) gets h_{t+1} as its input."""

    def __init__(self, config: Config) -> None:
        self.shape = (config.batch_size, config.n_agents, config.input_dim)

    def describe(self) -> str:
        return "planted"

    def inputs(self, t: int) -> np.ndarray:
        return PLANTED[min(t + 1, STEPS)].copy()


PLANTED_CONFIG = Config(batch_size=BATCH, n_agents=AGENTS, input_dim=UNITS, hidden_dim=UNITS)


@pytest.fixture
def planted(make_window):
    window = make_window(PLANTED_CONFIG, model_factory=lambda c: Echo(c.n_agents, UNITS), input_factory=PlantedInputs)
    window.stepper.run(STEPS)
    np.testing.assert_allclose(window.stepper.history.hidden[STEPS % window.stepper.history.capacity], PLANTED[STEPS])
    window.history_dock.raise_()
    return window


def send_mouse(widget, kind: QEvent.Type, pos: QPoint, buttons: Qt.MouseButton) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(
        kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, event)


def plot_point(view, t: float, y: float) -> QPoint:
    """Where (t, y) of the history plot is on its viewport."""
    box = view.plot.getPlotItem().getViewBox()
    return view.plot.mapFromScene(box.mapViewToScene(QPointF(t, y)))


def drag_on_history(qtbot, view, t0: float, t1: float) -> None:
    """Drag with the left button across the history plot, from t0 to t1, as a person does."""
    viewport = view.plot.viewport()
    start, end = plot_point(view, t0, 3.5), plot_point(view, t1, 3.5)
    left = Qt.MouseButton.LeftButton
    send_mouse(viewport, QEvent.Type.MouseButtonPress, start, left)
    for k in range(1, 9):
        qtbot.wait(15)  # pyqtgraph drops mouse moves that come faster than 100 a second
        send_mouse(viewport, QEvent.Type.MouseMove, start + (end - start) * k / 8, left)
    send_mouse(viewport, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)
    qtbot.wait(10)


def follow(window, agent: int, row: int) -> None:
    """Pick the agent and batch row in the history view's own boxes."""
    window.history_view.agent_box.setValue(agent)
    window.history_view.row_box.setValue(row)


def marked_rows(view_marks) -> list[int]:
    """The real units the triangles of a units-on-y plot point at."""
    _, ys = view_marks.marks.getData()
    return sorted(view_marks.unit_at(y) for y in ys)


def marked_columns(window) -> set[int]:
    """The real units the triangles above the heatmap tiles point at."""
    from hiddenscope.gui.views.unit_layout import display_units

    grid = window.grid
    xs, _ = grid.unit_marks.marks.getData()
    units = grid.values.shape[2]
    columns = set()
    for x in xs:
        position = int(x - max(ox for ox, _ in grid.unit_marks.origins if ox <= x))
        assert 0 <= position < units
        columns.add(int(display_units(window.model, units)[position]))
    return columns


def test_dragging_a_window_selects_the_unit_that_fires_in_it(planted, qtbot):
    window, view = planted, planted.history_view
    follow(window, 1, 2)
    qtbot.waitUntil(lambda: view.shown_t == STEPS)
    drag_on_history(qtbot, view, 10, 14)
    chosen = window.model.view.unit_selection
    assert chosen is not None, "the drag selected nothing"
    assert (chosen.start, chosen.stop, chosen.agents, chosen.rows) == (10, 14, (1,), (2,))
    assert chosen.units.tolist() == [FIRING]
    assert view.selector.region.isVisible()
    assert view.selector.region.getRegion() == pytest.approx((9.5, 14.5))
    assert "1 unit stay > 0.3 over t = 10…14" in view.selector.result.text()
    # Marked in the history view (left of its rows) and above every heatmap tile, nowhere else.
    qtbot.waitUntil(lambda: marked_rows(view.unit_rows) == [FIRING])
    assert marked_columns(window) == {FIRING}
    assert len(window.grid.unit_marks.marks.getData()[0]) == AGENTS  # one mark above each agent's tile
    assert window.grid.unit_marks.marks.isVisible() and view.unit_rows.marks.isVisible()
    assert f"selected units {FIRING}" in window.grid.axes_label.text()

    # One step more and unit 7 no longer stays above τ; in all agents it never does.
    view.selector.set_span(9, 14)
    assert len(window.model.view.unit_selection) == 0
    assert "No unit stays > 0.3" in view.selector.result.text()
    view.selector.set_span(10, 14)
    view.selector.agents_box.setCurrentIndex(view.selector.agents_box.findData("all"))
    assert len(window.model.view.unit_selection) == 0
    # Below −τ keeps the unit that swings down at odd steps... over one odd step only.
    view.selector.agents_box.setCurrentIndex(view.selector.agents_box.findData("followed"))
    view.selector.sign_box.setCurrentIndex(view.selector.sign_box.findData("negative"))
    view.selector.set_span(11, 11)
    assert window.model.view.unit_selection.units.tolist() == [SWINGING]
    view.selector.clear_button.click()
    assert window.model.view.unit_selection is None and not view.selector.region.isVisible()
    assert window.grid.unit_marks.marks.getData()[0].size == 0
    assert not window.grid.unit_marks.marks.isVisible() and not view.unit_rows.marks.isVisible()  # none: no paint


def test_its_other_windows_are_the_top_similar_moments_and_a_click_goes_there(planted, qtbot):
    window, view = planted, planted.history_view
    follow(window, 1, 2)
    qtbot.waitUntil(lambda: view.shown_t == STEPS)
    drag_on_history(qtbot, view, 10, 14)
    moments = window.moments_view
    others = {(t, 2, 1) for start, stop in WINDOWS[1:] for t in range(start, stop + 1)}
    listed = {(m.t, m.row, m.agent) for m in moments.moments}
    assert listed == others  # nothing else shares unit 7
    table = moments.table
    assert table.rowCount() == len(others)
    shown = {
        (int(table.item(r, 0).text()), int(table.item(r, 1).text()), int(table.item(r, 2).text()))
        for r in range(table.rowCount())
    }
    assert shown == others
    for r, m in enumerate(moments.moments):  # Jaccard of the active set with {7}: 1 / |active|
        active = np.flatnonzero(PLANTED[m.t, m.row, m.agent] > 0.3)
        assert m.score == pytest.approx(1 / len(active))
        assert table.item(r, 3).text() == f"{m.score:.3f}"
    assert "Over the held history only (t = 0…90)" in moments.caption.text()

    # A click on a moment moves the window there: t, agent and batch row.
    window.model.set_selection(0, 0)
    target = 3
    m = moments.moments[target]
    window.moments_dock.raise_()
    qtbot.waitUntil(moments.table.isVisible)
    cell = table.visualItemRect(table.item(target, 0)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert window.model.frame.t == m.t
    assert window.timeline.value() == m.t
    assert (window.model.view.agent, window.model.view.row) == (1, 2)
    assert (view.agent_box.value(), view.row_box.value()) == (1, 2)
    assert table.item(target, 0).background().color().name() == "#ffd54f"  # the moment shown now


def test_ordering_by_variance_puts_the_swinging_unit_first_everywhere(planted, make_window, qtbot):
    window, view = planted, planted.history_view
    follow(window, 0, 0)
    qtbot.waitUntil(lambda: view.shown_t == STEPS)
    grid = window.grid
    index_rgb = grid.shown_rgb(0).copy()
    index_rows = view.image.image.copy()  # (units, T): unit k on row k

    combo = window.unit_order_bar.combo
    combo.setCurrentIndex(combo.findData("variance"))
    order = window.model.view.unit_order
    assert order is not None and order[0] == SWINGING
    assert window.unit_order_bar.menu_actions["variance"].isChecked()
    # The heatmap draws unit 12's column first, and its axis says so.
    qtbot.waitUntil(lambda: view.image.image[0].tolist() == index_rows[SWINGING].tolist())
    np.testing.assert_array_equal(grid.shown_rgb(0)[:, 0], index_rgb[:, SWINGING])
    np.testing.assert_array_equal(grid.shown_rgb(0), index_rgb[:, order])
    first_tick = grid.unit_marks.axis._tickLevels[0][0]
    assert first_tick == (0.5, str(SWINGING))
    assert "ordered by variance over time" in grid.axes_label.text()
    # The history view draws it on the top row, labels it, and the readout names the real unit.
    np.testing.assert_array_equal(view.image.image, index_rows[order])
    assert view.plot.getAxis("left")._tickLevels[0][0] == (0.5, str(SWINGING))
    pos = plot_point(view, 50, 0.5)
    send_mouse(view.plot.viewport(), QEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton)
    assert view.hover_text.startswith(f"t = 50 · unit {SWINGING} · +0.9000")
    # And the heatmap's hover names the real unit of the first column too.
    cell = grid.cell_at(grid.box.mapViewToScene(QPointF(0.5, grid.tile_origin(0)[1] + 0.5)))
    assert cell == (0, 0, SWINGING)

    # A saved screenshot lays the columns out as the grid does.
    from hiddenscope.gui.export.render import grid_layout, image_rgb

    def saved_columns() -> tuple[np.ndarray, object]:
        """The one-agent screenshot's pixels and its tile (a longer title, as the order's, takes more lines)."""
        picture = window.grid.page_picture(0)
        return image_rgb(window.files.screenshot_image(agent=0)), grid_layout(BATCH, UNITS, [0], picture.title).tiles[0]

    def column(saved: tuple[np.ndarray, object], position: int) -> np.ndarray:
        rgb, tile = saved
        scale = tile.width() // UNITS
        return rgb[tile.top() : tile.bottom() + 1, tile.left() + position * scale + scale // 2]

    ordered_png = saved_columns()
    # Remembered: a new window on the same settings orders by variance again.
    again = make_window(PLANTED_CONFIG, model_factory=lambda c: Echo(c.n_agents, UNITS), input_factory=PlantedInputs)
    assert again.model.view.unit_order_by == "variance" and again.unit_order_bar.combo.currentData() == "variance"
    combo.setCurrentIndex(combo.findData("index"))
    index_png = saved_columns()
    np.testing.assert_array_equal(column(ordered_png, 0), column(index_png, SWINGING))
    assert not np.array_equal(column(ordered_png, 0), column(index_png, 0))
    assert window.model.view.unit_order is None
    np.testing.assert_array_equal(grid.shown_rgb(0), index_rgb)


def test_selection_and_order_reach_the_gates_view_of_a_real_gru(make_window, qtbot):
    window = make_window(Config(batch_size=4, n_agents=2, hidden_dim=32))
    for _ in range(12):
        window.step()
    window.gates_dock.raise_()
    gates = window.gates_view
    qtbot.waitUntil(lambda: gates.shown_t == 12)
    window.unit_order_bar.menu_actions["change"].trigger()
    order = window.model.view.unit_order
    assert order is not None and window.unit_order_bar.combo.currentData() == "change"
    window.history_view.selector.set_span(3, 8)
    chosen = window.model.view.unit_selection
    assert chosen is not None and len(chosen) > 0
    qtbot.waitUntil(lambda: len(gates.unit_rows["z"].marks.getData()[1]) == len(chosen))
    for name in ("r", "z", "n"):
        rows = gates.unit_rows[name]
        assert marked_rows(rows) == sorted(chosen.units.tolist())
        assert rows.plot.getAxis("left")._tickLevels[0][0] == (0.5, str(order[0]))


def test_threshold_is_remembered_and_a_bad_agent_list_is_explained(planted, make_window, qtbot):
    window, view = planted, planted.history_view
    selector = view.selector
    selector.threshold_box.setValue(0.55)
    selector.set_span(10, 14)
    assert window.model.view.unit_selection.threshold == pytest.approx(0.55)
    selector.agents_box.setCurrentIndex(selector.agents_box.findData("list"))
    assert selector.agents_edit.isEnabled()
    selector.agents_edit.setText("0-7")
    selector.agents_edit.editingFinished.emit()
    assert "agents: 7 is out of range (0–2)" in selector.result.text()
    assert "out of range" in window.statusBar().currentMessage()
    selector.agents_edit.setText("1, 2")
    selector.agents_edit.editingFinished.emit()
    assert window.model.view.unit_selection.agents == (1, 2)
    again = make_window(PLANTED_CONFIG, model_factory=lambda c: Echo(c.n_agents, UNITS), input_factory=PlantedInputs)
    assert again.history_view.selector.threshold_box.value() == pytest.approx(0.55)


def test_views_save_as_png_and_svg(planted, tmp_path):
    window = planted
    window.history_view.selector.set_span(10, 14)
    for view, name in ((window.moments_view, "moments"), (window.history_view, "history")):
        png = window.files.save_view(view, name, tmp_path / f"{name}.png")
        svg = window.files.save_view(view, name, tmp_path / f"{name}.svg")
        assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert svg is not None
        text = svg.read_text()
        assert "<svg" in text and f"{name} at t = {STEPS}" in text


def test_reorder_reads_the_history_held_now_and_a_rebuild_fits_the_new_units(make_window, qtbot):
    window = make_window(PLANTED_CONFIG, model_factory=lambda c: Echo(c.n_agents, UNITS), input_factory=PlantedInputs)
    window.stepper.run(12)  # unit 7 has fired (t = 10…12) in one agent and row only; unit 12 swings everywhere
    window.unit_order_bar.menu_actions["mean"].trigger()
    assert window.model.view.unit_order_span == "t = 0…12"
    early = window.model.view.unit_order.tolist()
    window.stepper.run(STEPS - 12)
    assert window.model.view.unit_order.tolist() == early  # not recomputed by stepping
    qtbot.keyClick(window, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)  # Re-order
    assert window.model.view.unit_order_span == f"t = 0…{STEPS}"
    ts = np.arange(STEPS + 1)
    means = PLANTED[ts].reshape(-1, UNITS).mean(axis=0)
    np.testing.assert_array_equal(window.model.view.unit_order, np.argsort(-means, kind="stable"))

    window.history_view.selector.set_span(10, 14)
    assert window.model.view.unit_selection is not None
    # The seed model on hidden_dim 16 has 16 // 4 * 3 = 12 units: the order is made for them, the selection forgotten.
    window.model.set_unit_order("variance")
    window.stepper.set_model_factory(seed_model)
    assert window.stepper.units == 12
    assert sorted(window.model.view.unit_order) == list(range(12)) and window.model.view.unit_order_by == "variance"
    assert window.model.view.unit_selection is None and not window.history_view.selector.region.isVisible()
    assert window.grid.values.shape[2] == 12
    assert len(window.grid.unit_marks.axis._tickLevels[0]) > 0


def test_units_marked_from_the_agents_view_drop_the_history_range(planted):
    from hiddenscope.core.analysis import Selection

    window, selector = planted, planted.history_view.selector
    selector.set_span(10, 14)
    assert selector.region.isVisible()
    marked = Selection(np.array([3, 5]), np.ones(2, np.int8), 0, STEPS, (0, 1, 2), (0, 1, 2, 3), 0.3, "positive")
    window.model.set_unit_selection(marked)
    assert not selector.region.isVisible() and selector.span is None
    assert "Units marked from another view: 3, 5" in selector.result.text()
    assert marked_rows(window.history_view.unit_rows) in ([], [3, 5])  # drawn when History next draws
    assert marked_columns(window) == {3, 5}
