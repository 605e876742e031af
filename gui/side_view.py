"""What the history, gates and summary views share: built on the model, drawn only when seen.

Each side view redraws from the model's frame (the same snapshot the heatmaps
draw) when the frame, the followed agent or the configuration changes, but only
while it can be seen, and while Play runs about :data:`PERIOD_S` apart: the
heatmaps follow every frame, the side views need not.  A side view that comes
into sight (its tab raised) draws at once.

While Play runs, a frame that comes too soon after the last draw is skipped, not
drawn later: the next frame comes soon, and a draw put off by a timer lands in the
middle of the model's next step, where it takes a core the step needs.  Drawn when
the frame arrives, it overlaps the step's own single-threaded start (building the
inputs).  At 1024 × 64 × 96 on two cores the history view was drawn by the timer
on about half the frames; side by side, a frame took 1 and 3 ms less in two runs
and the same in a third (the machine's noise is about that large).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from hiddenscope.core.history import Frame

from .look import icon
from .model import StepperModel

PERIOD_S = 1 / 15


class SideView(QWidget):
    """A view of a :class:`StepperModel` that subclasses draw in :meth:`draw`."""

    saveRequested = Signal()

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.shown_t: int | None = None  # the timestep drawn last
        self._drawn_at = 0.0
        self._arrived_at = 0.0  # when schedule was last called: the frame interval while playing
        self._later = QTimer(self, singleShot=True)
        self._later.timeout.connect(self.redraw)
        model.frameChanged.connect(self.schedule)
        model.selectionChanged.connect(self.schedule)
        model.rebuilt.connect(self.schedule)

    def save_row(self, first: QWidget | None = None) -> QHBoxLayout:
        """A row with ``first`` (if any) and a camera button that emits ``saveRequested``."""
        row = QHBoxLayout()
        if first is not None:
            row.addWidget(first, 1)
        else:
            row.addStretch(1)
        self.save_button = QToolButton(icon=icon("camera"), toolTip="Save this view as a PNG or an SVG")
        self.save_button.clicked.connect(self.saveRequested)
        row.addWidget(self.save_button)
        return row

    def seen(self) -> bool:
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def schedule(self, *_args: object) -> None:
        """Redraw now; while playing, only at the frame nearest :data:`PERIOD_S` after the last draw.

        That is the first frame for which the period is at most half a frame interval away.
        Otherwise the next frame draws it.  A timer two periods long stands in for a next frame
        that does not come (each draw stops it): what it shows is never older than that.
        """
        if not self.seen():
            return
        now = time.perf_counter()
        interval, self._arrived_at = now - self._arrived_at, now
        if not self.model.playing or now - self._drawn_at + interval / 2 >= PERIOD_S:
            self.redraw()
        elif not self._later.isActive():
            self._later.start(round(2000 * PERIOD_S))

    def redraw(self) -> None:
        self._later.stop()
        if not self.seen():
            return
        self._drawn_at = time.perf_counter()
        frame = self.model.frame
        self.draw(frame)
        self.shown_t = frame.t

    def draw(self, frame: Frame) -> None:
        raise NotImplementedError

    def draw_soon(self, *_args: object) -> None:
        """Redraw once Qt has laid the view out (it just came into sight: a tab raised, a dock shown)."""
        self._later.start(0)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.draw_soon()
