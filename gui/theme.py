"""Icons and the one colour map every view draws with, loaded from ``hiddenscope.resources``.

:data:`COLOURS` is the only way values become colours: the heatmap grid, the
history and gates views, the summary's NaN marks and the PNG screenshots all go
through it, so a value (and NaN, always black) looks the same everywhere.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
from PySide6.QtGui import QIcon

# The scales are the Picture's (core); views import them from here beside the colour map.
from hiddenscope.core.picture import DIFF_LEVELS as DIFF_LEVELS
from hiddenscope.core.picture import LEVELS as LEVELS

NAN_RGB = (0, 0, 0)  # NaN and Inf are drawn black: no value of the map is black


def resource_path(name: str) -> str:
    return str(resources.files("hiddenscope.resources").joinpath(name))


@cache
def icon(name: str) -> QIcon:
    return QIcon(resource_path(f"icons/{name}.svg"))


@cache
def colormap_anchors() -> tuple[np.ndarray, np.ndarray]:
    """Positions in [0, 1] and RGB colours from ``resources/colormap_diverging.csv``."""
    rows = []
    with open(resource_path("colormap_diverging.csv"), encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#"):
                rows.append([float(v) for v in line.split(",")])
    table = np.array(rows)
    return table[:, 0], table[:, 1:4]


N_COLOURS = 253  # odd, so that 0 has a colour of its own at the centre; indices above are NaN and background
NAN_INDEX = 253
BACKGROUND_INDEX = 254
BACKGROUND_RGB = (30, 30, 30)


@cache
def lut(n: int = N_COLOURS) -> np.ndarray:
    """An ``(n, 3)`` uint8 lookup table: entry 0 is the low level (-1), entry n-1 the high one (+1)."""
    pos, rgb = colormap_anchors()
    x = np.linspace(0.0, 1.0, n)
    table = np.stack([np.interp(x, pos, rgb[:, c]) for c in range(3)], axis=1)
    return np.round(table).astype(np.uint8)


@cache
def index_lut() -> np.ndarray:
    """The 256-entry table for :func:`to_index` images: the map, then NaN black, then background."""
    return np.concatenate([lut(), np.array([NAN_RGB, BACKGROUND_RGB, BACKGROUND_RGB], np.uint8)])


def to_index(values: np.ndarray, levels: tuple[float, float] = LEVELS, out: np.ndarray | None = None) -> np.ndarray:
    """Colour-map indices (uint8) for ``values``, clipped to ``levels``; NaN and ±Inf get :data:`NAN_INDEX`."""
    lo, hi = levels
    top = N_COLOURS - 1
    scaled = np.subtract(values, np.float32(lo), dtype=np.float32)
    scaled *= np.float32(top / (hi - lo))
    all_finite = bool(np.isfinite(scaled).all())  # a quarter of the time a float64 sum took at 1024 × 16 × 96
    finite = None if all_finite else np.isfinite(scaled)
    if finite is not None:
        scaled[~finite] = 0.0
    np.clip(scaled, 0, top, out=scaled)
    np.rint(scaled, out=scaled)
    if out is None:
        index = scaled.astype(np.uint8)
    else:
        np.copyto(out, scaled, casting="unsafe")
        index = out
    if finite is not None:
        index[~finite] = NAN_INDEX
    return index


def colormap():
    import pyqtgraph as pg

    pos, rgb = colormap_anchors()
    return pg.ColorMap(pos, rgb.astype(np.uint8), name="hiddenscope diverging")


def to_rgb(values: np.ndarray, levels: tuple[float, float] = LEVELS) -> np.ndarray:
    """Map values to RGB through :func:`lut`, clipping to ``levels``; NaN/Inf become black."""
    return index_lut()[to_index(values, levels)]


class ColourMap:
    """The diverging map as uint8 indices into one 256-entry table (the map, NaN black, background).

    Views hand :meth:`paint` a pyqtgraph ``ImageItem`` and the numbers; it sets the
    table once and uploads the indices, so no view colours values its own way.
    """

    nan_rgb = NAN_RGB

    @property
    def table(self) -> np.ndarray:
        return index_lut()

    def index(self, values: np.ndarray, levels: tuple[float, float] = LEVELS) -> np.ndarray:
        return to_index(values, levels)

    def rgb(self, values: np.ndarray, levels: tuple[float, float] = LEVELS) -> np.ndarray:
        return to_rgb(values, levels)

    def paint(self, item, values: np.ndarray, levels: tuple[float, float] = LEVELS) -> np.ndarray:
        """Show ``values`` (2-D) on ``item`` through the map; returns the indices drawn."""
        if item.lut is None or len(item.lut) != len(self.table):
            item.setLookupTable(self.table)
        index = self.index(values, levels)
        item.setImage(index, autoLevels=False, levels=(0, 255))
        return index

    def pg_colormap(self):
        return colormap()


COLOURS = ColourMap()
