"""Saving a view as it is drawn: PNG (pixels) or SVG (Qt's SVG generator: text and lines as vectors).

pyqtgraph's images (the heatmaps of history and gates) go into the SVG as embedded
bitmaps; axes, labels, marks and tables are vectors, so a figure stays sharp where it
can.  Both are written atomically: an old file survives any failure.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from hiddenscope.core.files import atomic_write
from hiddenscope.gui.export.render import save_png

FORMATS = "PNG image (*.png);;SVG image (*.svg)"


def svg_bytes(widget: QWidget, title: str = "") -> bytes:
    """``widget`` painted by Qt's SVG generator, as the bytes of an SVG file."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    size = widget.size()
    generator.setSize(QSize(size.width(), size.height()))
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title or "hiddenscope")
    generator.setDescription("Saved by hiddenscope")
    painter = QPainter(generator)
    try:
        widget.render(painter, QPoint(0, 0))
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def save_view_image(widget: QWidget, path: str | Path, title: str = "") -> Path:
    """Save ``widget`` as drawn: an SVG when ``path`` ends in ``.svg``, else a PNG."""
    path = Path(path)
    if path.suffix.lower() == ".svg":
        payload = svg_bytes(widget, title)
        return atomic_write(path, lambda handle: handle.write(payload))
    return save_png(widget.grab().toImage(), path, title)
