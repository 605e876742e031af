"""A batch taller than its tile: one row per pixel row is drawn, and every row stays within reach.

The planted model gives batch row b the value at the centre of colour (97·b) mod 253, so
the colour of a pixel names the row drawn there among any 253 neighbours, without asking
the grid which rows it chose.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from helpers import click
from PySide6.QtCore import QPointF, Qt
from torch import nn

from hiddenscope.core import Config
from hiddenscope.gui.theme import N_COLOURS, NAN_RGB, index_lut, to_rgb

BATCH, AGENTS, UNITS = 1024, 2, 8
CODE = 97  # coprime with 253: rows up to 252 apart never share a colour


class PlantedRows(nn.Module):
    """Every unit of every agent in batch row b holds the value of colour (97·b) mod 253; NaN in ``nan_row``."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.nan_row: int | None = None

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return torch.zeros(batch_size, AGENTS, UNITS)

    def forward(self, inputs: torch.Tensor, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        code = (CODE * torch.arange(inputs.shape[0])) % N_COLOURS
        values = (2.0 * code / (N_COLOURS - 1) - 1.0).float() * self.scale
        out = values[:, None, None].expand(-1, AGENTS, UNITS).clone()
        if self.nan_row is not None:
            out[self.nan_row] = float("nan")
        return out, out


COLOUR_TO_CODE = {tuple(int(c) for c in rgb): i for i, rgb in enumerate(index_lut()[:N_COLOURS])}


def drawn_row(rgb, near: int) -> int:
    """The batch row whose colour ``rgb`` is, of those within 100 rows of ``near``."""
    code = COLOUR_TO_CODE[tuple(int(c) for c in rgb)]
    rows = [r for r in range(max(0, near - 100), min(BATCH, near + 101)) if CODE * r % N_COLOURS == code]
    assert len(rows) == 1
    return rows[0]


def test_a_tall_batch_draws_a_row_per_pixel_row_and_hover_reaches_every_row(qtbot, make_window):
    w = make_window(
        Config(batch_size=BATCH, n_agents=AGENTS, hidden_dim=16, input_dim=4), model_factory=lambda c: PlantedRows()
    )
    w.resize(800, 700)  # near the window's smallest height: the tiles get about 150 pixels for 1024 rows
    qtbot.waitUntil(lambda: w.height() == 700)
    click(qtbot, w, w.acts.step)
    grid = w.grid
    stride = grid.row_stride
    tile_px = grid.box.height() * BATCH / grid.box.viewRange()[1][1]  # the tile's height on screen
    assert tile_px < BATCH / 2 and stride >= 2
    assert f"(top→bottom; 1 in {stride} drawn at this size)" in grid.axes_label.text()
    assert grid.image.image.shape[0] * stride < 2 * BATCH  # the image holds a fraction of the rows

    # The colours drawn: each row shows a row less than a stride away, and the rows drawn are about one per
    # pixel row of the tile, never fewer than the pixels.
    shown = grid.shown_rgb(0)
    drawn = [drawn_row(shown[r, 0], r) for r in range(BATCH)]
    assert max(abs(d - r) for r, d in enumerate(drawn)) < stride
    assert tile_px <= len(set(drawn)) <= math.ceil(BATCH / stride) + 1

    # The pixels on screen are those colours, unblended (the image is drawn as 32-bit RGB).
    picture = grid.view.grab().toImage()
    x, y = grid.tile_origin(1)
    for r in (0, 300, 511, 1023):
        scene = grid.box.mapViewToScene(QPointF(x + 3.5, y + r + 0.5))
        pixel = picture.pixelColor(grid.view.mapFromScene(scene))
        assert abs(drawn_row((pixel.red(), pixel.green(), pixel.blue()), r) - r) <= 2 * stride

    # Hovering any row, drawn or not, names it and its own value.
    skipped = next(r for r in range(1, BATCH) if r not in set(drawn))
    cell = grid.cell_at(grid.box.mapViewToScene(QPointF(x + 2.5, y + skipped + 0.5)))
    assert cell == (1, skipped, 2)
    with qtbot.waitSignal(grid.hovered) as hovered:
        grid.view.scene().sigMouseMoved.emit(grid.box.mapViewToScene(QPointF(x + 2.5, y + skipped + 0.5)))
    value = 2.0 * (CODE * skipped % N_COLOURS) / (N_COLOURS - 1) - 1.0
    assert hovered.args[0].endswith(f"batch row {skipped} · unit 2 · h_1 = {value:+.4f}")

    # A NaN in a row that is not drawn is still reported.
    w.stepper.model.nan_row = skipped
    click(qtbot, w, w.acts.step)
    assert grid.row_stride == stride and not (grid.shown_rgb(0) == NAN_RGB).all(axis=-1).any()
    assert "NaN/Inf values drawn black" in grid.axes_label.text()
    assert "nan" in grid.describe(0, skipped, 0)


def test_a_taller_window_draws_more_rows(qtbot, make_window):
    w = make_window(
        Config(batch_size=BATCH, n_agents=AGENTS, hidden_dim=16, input_dim=4), model_factory=lambda c: PlantedRows()
    )
    w.resize(800, 700)
    qtbot.waitUntil(lambda: w.height() == 700)
    click(qtbot, w, w.acts.step)
    small = w.grid.row_stride
    assert small >= 2
    w.resize(800, 2000)  # the tiles now have more pixel rows than batch rows: every row is drawn
    qtbot.waitUntil(lambda: w.grid.row_stride == 1)
    assert w.grid.image.image.shape[0] > BATCH
    shown = w.grid.shown_rgb(1)
    assert [drawn_row(shown[r, 0], r) for r in range(BATCH)] == list(range(BATCH))
    np.testing.assert_array_equal(shown, to_rgb(w.stepper.frame.hidden[:, 1, :]))
    assert "drawn at this size" not in w.grid.axes_label.text()


def test_resizing_while_step_op_shows_an_input_op_keeps_its_caption(qtbot, make_window):
    w = make_window(Config(batch_size=BATCH, n_agents=AGENTS, hidden_dim=16, input_dim=4))
    w.resize(800, 700)
    qtbot.waitUntil(lambda: w.height() == 700)
    click(qtbot, w, w.acts.step)
    assert w.grid.row_stride >= 2
    qtbot.mouseClick(w.shape_panel.op_button, Qt.MouseButton.LeftButton)  # op 1 reshapes the inputs
    assert w.grid.axes_label.text().startswith("after op 1:")
    w.resize(800, 2000)  # the tiles get room for every row: the grid would draw again
    qtbot.waitUntil(lambda: w.height() == 2000)
    qtbot.wait(50)
    assert w.grid.axes_label.text().startswith("after op 1:")
    for _ in range(2):  # op 3: the GRU cell writes h_1, which the grid draws, every row now
        qtbot.mouseClick(w.shape_panel.op_button, Qt.MouseButton.LeftButton)
    assert w.grid.row_stride == 1 and "drawn at this size" not in w.grid.axes_label.text()
    np.testing.assert_array_equal(w.grid.shown_rgb(0), to_rgb(w.stepper.frame.hidden[:, 0, :]))
