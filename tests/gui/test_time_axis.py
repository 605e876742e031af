"""The history view's time axis: whole timesteps, round spacing, labels where their timesteps are."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from helpers import draw_specs

from hiddenscope.core import Config
from hiddenscope.gui.widgets.time_axis import TimeAxis, round_spacing


def labels(axis: pg.AxisItem) -> list[tuple[float, str]]:
    """(centre x in the axis' coordinates, text) of each label the axis would draw now."""
    return [(rect.center().x(), text) for rect, _flags, text in draw_specs(axis)[2]]


def shown_plot(qtbot, low: float, high: float) -> tuple[pg.PlotWidget, TimeAxis]:
    """A 600 × 300 plot on screen with a ``TimeAxis`` at the bottom, showing x from ``low`` to ``high``."""
    axis = TimeAxis()
    plot = pg.PlotWidget(axisItems={"bottom": axis})
    qtbot.addWidget(plot)
    plot.resize(600, 300)
    plot.show()
    qtbot.waitExposed(plot)
    plot.setXRange(low, high, padding=0)
    return plot, axis


@pytest.mark.parametrize("low, high", [(0, 9), (995, 1010), (12_000, 12_400), (-3, 40)])
def test_labels_are_round_timesteps_in_order_where_the_view_puts_them(qtbot, low, high):
    plot, axis = shown_plot(qtbot, low, high)
    qtbot.wait(20)
    shown = labels(axis)
    values = [int(text) for _x, text in shown]
    assert len(values) >= 2
    assert values == sorted(values) and all(low <= v <= high for v in values)
    spacing = values[1] - values[0]
    assert spacing == round_spacing(spacing)  # 1, 2, 5 × a power of ten
    assert all(b - a == spacing for a, b in zip(values, values[1:], strict=False))
    box = plot.getPlotItem().getViewBox()
    for x, text in shown:  # each label is centred on its own timestep in the plot
        scene_x = axis.mapToScene(pg.Point(x, 0)).x()
        assert box.mapSceneToView(pg.Point(scene_x, 0)).x() == pytest.approx(int(text), abs=0.05 * spacing)
    widths = [axis._text_width(pg.QtGui.QFontMetricsF(axis.font()), text) for _x, text in shown]
    for (x0, _), (x1, _), w0, w1 in zip(shown, shown[1:], widths, widths[1:], strict=False):
        assert x1 - x0 > (w0 + w1) / 2  # no two labels overlap


def test_round_spacing():
    assert [round_spacing(x) for x in (0.2, 1, 1.5, 2, 3, 7, 10, 11, 260)] == [1, 1, 2, 2, 5, 10, 10, 20, 500]


def test_the_time_views_label_whole_timesteps_they_hold(qtbot, make_window):
    w = make_window(Config(batch_size=2, n_agents=2, hidden_dim=16))
    for _ in range(30):
        w.step()
    qtbot.waitUntil(lambda: w.history_view.shown_t == 30)
    axis = w.history_view.plot.getAxis("bottom")
    assert isinstance(axis, TimeAxis)
    values = [int(text) for _x, text in labels(axis)]
    assert values and 0 <= values[0] and values[-1] <= 30
    for dock, view, plots in (
        (w.gates_dock, w.gates_view, w.gates_view.plots.values()),
        (w.summary_dock, w.summary_view, (w.summary_view.norm_plot, w.summary_view.sat_plot)),
    ):
        dock.raise_()
        qtbot.waitUntil(lambda view=view: view.shown_t == 30)
        for plot in plots:
            axis = plot.getAxis("bottom")
            assert isinstance(axis, TimeAxis)
            values = [int(text) for _x, text in labels(axis)]
            assert values and -1 <= values[0] and values[-1] <= 31  # the plots' own padding aside


def test_ticks_set_by_hand_use_pyqtgraphs_layout_and_an_empty_range_only_the_line(qtbot):
    plot, axis = shown_plot(qtbot, 0, 100)
    axis.setTicks([[(10, "start"), (90, "end")]])
    assert [text for _x, text in labels(axis)] == ["start", "end"]
    axis.setTicks(None)
    assert "50" in [text for _x, text in labels(axis)]
    plot.setXRange(5, 5, padding=0)  # a range of nothing: the line, no ticks
    axis.range = [5.0, 5.0]
    _line, ticks, texts = draw_specs(axis)
    assert ticks == [] and texts == []
