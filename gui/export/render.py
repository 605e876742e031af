"""Heatmap pictures at full resolution: every value is a block of whole pixels.

A :class:`~hiddenscope.core.picture.Picture` is rendered here and only here: to an
image (:func:`render_picture`: PNG screenshots, the clipboard, movie frames, the
``screenshot`` and ``movie`` commands) or through any painter (:func:`paint_picture`:
SVG and PDF figures).  The image is painted from the numbers (not grabbed from the
screen), so it has the same size whatever the window size, works with no display, and
its pixels can be read back to the values they encode through the colour map.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from hiddenscope.core.errors import UserError
from hiddenscope.core.files import atomic_write
from hiddenscope.core.picture import Picture
from hiddenscope.core.png import encode_png
from hiddenscope.gui.theme import LEVELS, lut, to_rgb

MARGIN = 16
TITLE_H = 30
TITLE_LINE_H = 18  # each further line of a long title
AXIS_W = 34  # with axes: room left of the first column for the batch rows' numbers
AXIS_H = 16  # with axes: room under each tile for its units' numbers
LABEL_H = 18
GAP = 14
BAR_W = 18
BAR_LABEL_W = 40
TARGET_TILE = 384  # a tile's longer side aims for about this many pixels


@dataclass(frozen=True)
class GridLayout:
    """Where each agent's tile lands in the image, so callers (and tests) can find the pixels."""

    scale: int
    tiles: dict[int, QRect]
    colorbar: QRect
    width: int
    height: int
    title_lines: tuple[str, ...] = ()  # the title as drawn, wrapped at " · " to the picture's width


def _title_font() -> QFont:
    font = QFont("sans-serif")
    font.setPixelSize(14)
    return font


def wrap_title(title: str, width: int) -> tuple[str, ...]:
    """``title`` in lines no wider than ``width`` pixels, broken after its " · " separators.

    A part wider than the line by itself (a long model name) is broken between its words.
    """
    if not title:
        return ()
    metrics = QFontMetrics(_title_font())

    def fits(text: str) -> bool:
        return metrics.horizontalAdvance(text) <= width

    lines: list[str] = []
    line = ""
    parts = title.split(" · ")
    for i, part in enumerate(parts):
        tail = " ·" if i < len(parts) - 1 else ""  # what a line ends with when the next part starts a new one
        joined = f"{line} · {part}" if line else part
        if fits(joined + tail):
            line = joined
            continue
        if line:
            lines.append(line + " ·")
        if fits(part + tail):
            line = part
            continue
        line = ""
        for word in part.split(" "):  # too wide alone: word by word
            joined = f"{line} {word}" if line else word
            if line and not fits(joined + tail):
                lines.append(line)
                line = word
            else:
                line = joined
    return (*lines, line)


def grid_layout(batch: int, units: int, agents: list[int], title: str = "", axes: bool = False) -> GridLayout:
    """Where the tiles, colour bar and title of a picture go; a long ``title`` takes more lines.

    ``axes``: room for the batch rows' numbers left of the first column and the units' under each tile.
    """
    scale = max(1, TARGET_TILE // max(batch, units))
    tile_w, tile_h = units * scale, batch * scale
    cols = max(1, math.ceil(math.sqrt(len(agents))))
    rows = max(1, math.ceil(len(agents) / cols))
    left = MARGIN + (AXIS_W if axes else 0)
    below = AXIS_H if axes else 0
    grid_w = cols * tile_w + (cols - 1) * GAP
    grid_h = rows * (LABEL_H + tile_h + below) + (rows - 1) * GAP
    width = max(left + grid_w + GAP + BAR_W + BAR_LABEL_W + MARGIN, 480)
    lines = wrap_title(title, width - 2 * MARGIN)
    top = MARGIN + TITLE_H + max(0, len(lines) - 1) * TITLE_LINE_H
    tiles = {}
    for i, agent in enumerate(agents):
        x = left + (i % cols) * (tile_w + GAP)
        y = top + (i // cols) * (LABEL_H + tile_h + below + GAP) + LABEL_H
        tiles[agent] = QRect(x, y, tile_w, tile_h)
    bar = QRect(left + grid_w + GAP, top + LABEL_H, BAR_W, max(64, min(grid_h - LABEL_H, 512)))
    height = top + max(grid_h, bar.height() + LABEL_H) + MARGIN
    return GridLayout(scale, tiles, bar, width, height, lines)


def axis_step(count: int, pixels_each: int, label_px: int) -> int:
    """Every how many rows or units a number fits without touching the next (1, 2, 5, 10, 20, …)."""
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if step * pixels_each >= label_px:
            return step
    return max(1, count)


def _qimage_from_rgb(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def picture_layout(picture: Picture, axes: bool = False) -> GridLayout:
    """Where :func:`paint_picture` puts each tile of ``picture``."""
    values = picture.values
    assert values is not None, picture.why
    return grid_layout(values.shape[0], values.shape[2], list(picture.agents), picture.title, axes)


def render_picture(picture: Picture, axes: bool = False) -> QImage:
    """``picture`` as an image: its agents' heatmaps (units in its order), its title and colour bar.

    ``axes``: the batch rows' numbers beside the first column and the real unit indices under each tile.
    """
    values = picture.values
    if values is None:
        raise UserError(f"nothing to draw at t = {picture.t}: {picture.why}")
    return render_grid(values, list(picture.agents), picture.title, picture.levels, picture.units if axes else None)


def paint_picture(painter: QPainter, picture: Picture, axes: bool = False) -> GridLayout:
    """Paint ``picture`` with ``painter`` (an image, or an SVG or PDF generator) as :func:`render_picture` draws it."""
    values = picture.values
    if values is None:
        raise UserError(f"nothing to draw at t = {picture.t}: {picture.why}")
    return paint_grid(
        painter, values, list(picture.agents), picture.title, picture.levels, picture.units if axes else None
    )


def render_grid(
    values: np.ndarray,
    agents: list[int],
    title: str,
    levels: tuple[float, float] = LEVELS,
    units_shown: np.ndarray | None = None,
) -> QImage:
    """Paint the heatmaps of ``agents`` from ``values`` ``(batch, n_agents, units)`` with a title and colour bar.

    ``units_shown``: the real unit index of each column; given, the picture has row and unit axes.
    """
    batch, _, units = values.shape
    layout = grid_layout(batch, units, agents, title, units_shown is not None)
    image = QImage(layout.width, layout.height, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    try:
        paint_grid(painter, values, agents, title, levels, units_shown)
    finally:
        painter.end()
    return image


def paint_grid(
    painter: QPainter,
    values: np.ndarray,
    agents: list[int],
    title: str,
    levels: tuple[float, float] = LEVELS,
    units_shown: np.ndarray | None = None,
) -> GridLayout:
    """Paint the grid :func:`render_grid` draws with ``painter`` (an image, or an SVG or PDF generator).

    The heatmaps are images of whole-pixel blocks; the title, labels and colour-bar text are text.
    The painter's device should be :func:`grid_layout`'s ``width`` × ``height``.
    """
    batch, _, units = values.shape
    layout = grid_layout(batch, units, agents, title, units_shown is not None)
    font = _title_font()
    painter.setFont(font)
    painter.setPen(QColor("#202020"))
    for k, line in enumerate(layout.title_lines):
        painter.drawText(
            QRect(MARGIN, MARGIN + k * TITLE_LINE_H, layout.width - 2 * MARGIN, TITLE_H - 6),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            line,
        )
    font.setPixelSize(12)
    painter.setFont(font)
    for agent, rect in layout.tiles.items():
        rgb = to_rgb(values[:, agent, :], levels)
        if layout.scale > 1:
            rgb = np.repeat(np.repeat(rgb, layout.scale, axis=0), layout.scale, axis=1)
        painter.drawImage(rect.topLeft(), _qimage_from_rgb(rgb))
        painter.drawText(
            QRect(rect.left(), rect.top() - LABEL_H, rect.width(), LABEL_H),
            Qt.AlignmentFlag.AlignLeft,
            f"agent {agent}",
        )
        if units_shown is not None:
            _paint_axes(painter, layout, rect, batch, units_shown)
    bar = layout.colorbar
    ramp = np.linspace(levels[1], levels[0], bar.height())[:, None].repeat(bar.width(), axis=1)
    painter.drawImage(bar.topLeft(), _qimage_from_rgb(to_rgb(ramp, levels)))
    painter.drawRect(bar.adjusted(0, 0, -1, -1))
    for frac, value in ((0.0, levels[1]), (0.5, (levels[0] + levels[1]) / 2), (1.0, levels[0])):
        y = bar.top() + int(frac * (bar.height() - 1))
        painter.drawText(
            QRect(bar.right() + 5, y - 8, BAR_LABEL_W, 16),
            Qt.AlignmentFlag.AlignLeft,
            f"{value:+g}" if value else "0",
        )
    return layout


def _paint_axes(painter: QPainter, layout: GridLayout, rect: QRect, batch: int, units_shown: np.ndarray) -> None:
    """The real unit index under every k-th column of a tile; batch rows beside the first column's tiles."""
    scale = layout.scale
    step = axis_step(len(units_shown), scale, 26)
    for position in range(0, len(units_shown), step):
        x = rect.left() + position * scale + scale // 2
        painter.drawText(QRect(x - 20, rect.bottom() + 2, 40, AXIS_H - 2), Qt.AlignmentFlag.AlignHCenter,
                         str(int(units_shown[position])))  # fmt: skip
    if rect.left() - AXIS_W <= MARGIN:  # a tile of the first column: its rows are numbered at its left
        step = axis_step(batch, scale, 14)
        for row in range(0, batch, step):
            y = rect.top() + row * scale + scale // 2
            painter.drawText(QRect(rect.left() - AXIS_W, y - 7, AXIS_W - 4, 14), Qt.AlignmentFlag.AlignRight,
                             str(row))  # fmt: skip


def decode(image: QImage, rect: QRect, scale: int, levels: tuple[float, float] = LEVELS) -> np.ndarray:
    """Read a tile back to values: each block's centre pixel → the nearest colour-map entry."""
    table = lut().astype(np.int32)
    rows, cols = rect.height() // scale, rect.width() // scale
    out = np.empty((rows, cols))
    for r in range(rows):
        for c in range(cols):
            color = image.pixelColor(rect.left() + c * scale + scale // 2, rect.top() + r * scale + scale // 2)
            rgb = np.array([color.red(), color.green(), color.blue()])
            index = int(np.argmin(((table - rgb) ** 2).sum(axis=1)))
            out[r, c] = levels[0] + index / (len(table) - 1) * (levels[1] - levels[0])
    return out


def image_rgb(image: QImage) -> np.ndarray:
    """The pixels of ``image`` as an ``(height, width, 3)`` uint8 array (a copy)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    return rows[:, : 3 * rgb.width()].reshape(rgb.height(), rgb.width(), 3).copy()


def png_bytes(image: QImage, title: str = "") -> bytes:
    return encode_png(image_rgb(image), {"Title": title, "Software": "hiddenscope"} if title else None)


def save_png(image: QImage, path: str | os.PathLike[str], title: str = "") -> Path:
    """Write ``image`` to ``path`` atomically: the old file survives any failure."""
    payload = png_bytes(image, title)
    return atomic_write(path, lambda handle: handle.write(payload))
