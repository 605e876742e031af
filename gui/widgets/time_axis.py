"""A bottom axis of whole timesteps that is cheap to lay out again.

While Play runs, the history view's time range moves every frame, and pyqtgraph
lays its axis out again each time: ticks found for any range at three levels, every
label measured, a few hundred small objects.  At 1024 × 64 × 96 that was the
largest single cost of the window's frame (about 1 ms of the 9–10 the window's
thread spends, on cores the model's step needs).  Timesteps are whole numbers, so
this axis places its labelled ticks at a round spacing (1, 2 or 5 × a power of ten)
just wide enough for the widest label, unlabelled ticks between them where they fit,
and measures each label text once.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

LABEL_GAP_PX = 24.0  # at least this much room between two labels
MINOR_MIN_PX = 6.0  # unlabelled ticks only where they are at least this far apart
TEXT_FLAGS = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextDontClip


def round_spacing(at_least: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … timesteps that is at least ``at_least``."""
    at_least = max(at_least, 1.0)
    power = 10 ** math.floor(math.log10(at_least))
    return int(next(factor * power for factor in (1, 2, 5, 10) if factor * power >= at_least))


def minor_spacing(major: int, pixels_per_step: float) -> int:
    """Unlabelled ticks between labelled ones: a fifth or a half of ``major``, whole and far enough apart."""
    for parts in (5, 2):
        minor = major // parts
        if major % parts == 0 and minor >= 1 and minor * pixels_per_step >= MINOR_MIN_PX:
            return minor
    return 0


def ticks_between(low: float, high: float, spacing: int) -> range:
    """The multiples of ``spacing`` from ``low`` to ``high``, both included."""
    return range(math.ceil(low / spacing) * spacing, math.floor(high / spacing) * spacing + 1, spacing)


class TimeAxis(pg.AxisItem):
    """A bottom axis labelled with whole timesteps (see the module's note).

    Ticks or a tick spacing set by hand (:meth:`setTicks`, :meth:`setTickSpacing`), a log scale, a
    grid or a scale other than 1 use pyqtgraph's own layout.  Tick density and alpha styles are not
    followed: labelled ticks are opaque, the ones between half so, as pyqtgraph draws them by default.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("bottom", **kwargs)
        self.enableAutoSIPrefix(False)  # timesteps read as timesteps, never "× 1000"
        self._widths: dict[str, float] = {}
        self._font_key = ""

    def _text_width(self, metrics: QFontMetricsF, text: str) -> float:
        width = self._widths.get(text)
        if width is None:
            if len(self._widths) > 4096:  # a long session scrolls through many labels
                self._widths.clear()
            width = self._widths[text] = metrics.horizontalAdvance(text)
        return width

    def generateDrawSpecs(self, p: QPainter):
        own_layout = self._tickLevels is None and self._tickSpacing is None and not self.logMode
        if not own_layout or self.grid is not False or self.scale != 1.0:
            return super().generateDrawSpecs(p)
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        font = p.font()
        if font.key() != self._font_key:
            self._font_key, self._widths = font.key(), {}
        bounds = self.mapRectFromParent(self.geometry())
        if bounds.width() <= 0:
            return None
        top = bounds.top()
        axis_spec = (self.pen(), QPointF(bounds.left() - 1.0, top + 1.0), QPointF(bounds.right() + 1.0, top + 1.0))
        low, high = float(self.range[0]), float(self.range[1])
        if not high > low or not math.isfinite(high - low):
            return axis_spec, [], []  # no range to mark (pyqtgraph's own axis then draws only its line too)
        pixels_per_step = bounds.width() / (high - low)

        metrics = QFontMetricsF(font)
        widest = max(self._text_width(metrics, str(math.floor(v))) for v in (low, high))
        major = round_spacing((widest + LABEL_GAP_PX) / pixels_per_step)
        minor = minor_spacing(major, pixels_per_step)

        def x_of(value: int) -> float:
            return bounds.left() + (value - low) * pixels_per_step

        length = self.style["tickLength"]
        tick_specs = []
        for spacing, tick_length, alpha in ((major, length, 255), (minor, length / 1.5, 127)):
            if not spacing:
                continue
            pen = QPen(self.tickPen())
            if pen.brush().style() == Qt.BrushStyle.SolidPattern:
                colour = QColor(pen.color())
                colour.setAlpha(alpha)
                pen.setColor(colour)
            for value in ticks_between(low, high, spacing):
                if spacing == minor and value % major == 0:
                    continue  # a labelled tick is there already
                x = x_of(value)
                tick_specs.append((pen, QPointF(x, top), QPointF(x, top + tick_length)))

        text_specs = []
        if self.style["showValues"]:
            height = metrics.height() * 0.8  # as pyqtgraph's own axis: text boxes a little tighter than the font
            below = top + max(0.0, length) + self.style["tickTextOffset"][1]
            inside = self.boundingRect()
            for value in ticks_between(low, high, major):
                text = str(value)
                width = self._text_width(metrics, text)
                rect = QRectF(x_of(value) - width / 2.0, below, width, height)
                if inside.intersected(rect) == rect:  # only labels that fit whole
                    text_specs.append((rect, TEXT_FLAGS, text))
            self._updateMaxTextSize(height)
        return axis_spec, tick_specs, text_specs
