"""The image item every heatmap-like view draws its colour indices with."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage


class IndexImageItem(pg.ImageItem):
    """An ``ImageItem`` for colour-index images (uint8 through a 256-entry table), drawn as 32-bit RGB.

    pyqtgraph hands such an image to Qt as Indexed8, which Qt turns into 32 bits on every paint as it
    scales it.  This item looks the table up once per new image into a 32-bit RGB image, which Qt
    scales directly.  In ``benchmarks/index_image.py``, at the sizes the views draw (the grid draws
    about one image row per pixel row), a repaint is about 3 times faster and a new image 1.3 to 2.7
    times; a new image far taller than its pixels (4916 rows) is slower (1.9 ms against 0.8), since the
    lookup covers every row.  Any other image, table or levels is drawn the way ``ImageItem`` draws it.
    """

    def render(self) -> None:
        image, table = self.image, self.lut
        plain = self.levels is None or tuple(np.asarray(self.levels).ravel().tolist()) == (0, 255)
        if (
            image is None
            or image.ndim != 2
            or image.dtype != np.uint8
            or image.size == 0
            or self.axisOrder != "row-major"
            or not isinstance(table, np.ndarray)
            or table.shape != (256, 3)
            or table.dtype != np.uint8
            or not plain
        ):
            super().render()
            return
        rgb = table.astype(np.uint32)
        words = np.uint32(0xFF000000) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
        self._rgb32 = words.take(image)  # the QImage reads this buffer: kept while it is shown
        height, width = image.shape
        self.qimage = QImage(self._rgb32.data, width, height, 4 * width, QImage.Format.Format_RGB32)
        self._renderRequired = False
        self._unrenderable = False
