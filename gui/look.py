"""Icons and the colour map, loaded from the installed ``hiddenscope.resources`` package."""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
from PySide6.QtGui import QIcon

LEVELS = (-1.0, 1.0)  # a GRU's hidden state lives in [-1, 1]
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


@cache
def lut(n: int = 256) -> np.ndarray:
    """An ``(n, 3)`` uint8 lookup table: entry 0 is -1, entry n-1 is +1."""
    pos, rgb = colormap_anchors()
    x = np.linspace(0.0, 1.0, n)
    table = np.stack([np.interp(x, pos, rgb[:, c]) for c in range(3)], axis=1)
    return np.round(table).astype(np.uint8)


def colormap():  # noqa: ANN201 - pyqtgraph is imported lazily
    import pyqtgraph as pg

    pos, rgb = colormap_anchors()
    return pg.ColorMap(pos, rgb.astype(np.uint8), name="hiddenscope diverging")


def to_rgb(values: np.ndarray, levels: tuple[float, float] = LEVELS) -> np.ndarray:
    """Map values to RGB through :func:`lut`, clipping to ``levels``; NaN/Inf become black."""
    table = lut()
    lo, hi = levels
    top = len(table) - 1
    scaled = (np.asarray(values, np.float32) - np.float32(lo)) * np.float32(top / (hi - lo))
    finite = np.isfinite(scaled)
    all_finite = bool(finite.all())
    if not all_finite:
        scaled[~finite] = 0.0
    np.clip(scaled, 0, top, out=scaled)
    index = np.rint(scaled, out=scaled).astype(np.intp)
    rgb = table[index]
    if not all_finite:
        rgb[~finite] = NAN_RGB
    return rgb
