"""What the history, gates and summary views share: built on the model, drawn only when seen.

Each side view redraws from the model's frame (the same snapshot the heatmaps
draw) when the frame, the followed agent or the configuration changes, but only
while it can be seen, and while Play runs about :data:`PERIOD_S` apart (longer for a
view that is slow to draw, see :data:`SHARE`): the heatmaps follow every frame, the
side views need not.  A side view that comes into sight (its tab raised) draws at once.

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

import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from hiddenscope.core.errors import UserError
from hiddenscope.core.history import Frame
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.theme import icon
from hiddenscope.gui.widgets.controls import tool_button

PERIOD_S = 1 / 15
# While Play runs, a side view's draws take at most this share of the time: one whose draw and paint
# take longer than PERIOD_S * SHARE (3.3 ms) draw less often than PERIOD_S, in proportion.  At
# 1024 × 64 × 96 on two cores, beside the model's step, the Agents, Summary and Trajectories views
# take 60-210 ms to draw and paint; drawn at every frame they made Play up to 3.5 times slower.
SHARE = 0.05
MAX_PERIOD_S = 1.0  # however slow its draws, a side view shows a frame at least this often while playing


class _PaintTimed:
    """A pyqtgraph view that adds up the time it spends painting, which a :class:`SideView` counts in its period."""

    painted_s = 0.0  # seconds of painting since the side view last took them

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)  # type: ignore[misc]
        self.painted_s += time.perf_counter() - started


class PlotWidget(_PaintTimed, pg.PlotWidget):
    """``pg.PlotWidget`` whose paints a side view times."""


class LayoutWidget(_PaintTimed, pg.GraphicsLayoutWidget):
    """``pg.GraphicsLayoutWidget`` whose paints a side view times."""


class SideView(QWidget):
    """A view of a :class:`StepperModel` that subclasses draw in :meth:`draw`."""

    saveRequested = Signal()

    def __init__(self, model: StepperModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.shown_t: int | None = None  # the timestep drawn last
        self._drawn_at = 0.0
        self.draw_s = 0.0  # how long a draw and its paints take (a running mean of the last few): sets period()
        self._drew_playing = False  # whether Play ran at the last draw
        self._arrived_at = 0.0  # when schedule was last called: the frame interval while playing
        self._later = QTimer(self, singleShot=True)
        self._later.timeout.connect(self.redraw)
        model.frameChanged.connect(self._on_frame)
        model.selectionChanged.connect(self.schedule)
        model.rebuilt.connect(self.schedule)

    def save_row(self, first: QWidget | None = None) -> QHBoxLayout:
        """A row with ``first`` (if any) and a camera button that emits ``saveRequested``."""
        row = QHBoxLayout()
        if first is not None:
            row.addWidget(first, 1)
        else:
            row.addStretch(1)
        # While Play runs and this view is drawn less often than the others, it says so (see _show_pace).
        self.pace_label = QLabel()
        self.pace_label.setObjectName("pace")
        self.pace_label.setStyleSheet("color: palette(mid);")
        self.pace_label.hide()
        row.addWidget(self.pace_label)
        self.save_button = tool_button(tip=tr("Save this view as a PNG or an SVG"), icon=icon("camera"))
        self.save_button.clicked.connect(self.saveRequested)
        row.addWidget(self.save_button)
        return row

    def _show_pace(self) -> None:
        """Say how often the view is drawn while Play runs, when that is less often than the usual 15 Hz."""
        label = getattr(self, "pace_label", None)
        if label is None:
            return
        period = self.period()
        slow = self.model.playing and period > 1.5 * PERIOD_S
        text = tr("every {seconds} s while playing").format(seconds=f"{period:.1f}") if slow else ""
        tip = (
            tr(
                "This view takes about {ms} ms to draw at this size, so while playing it is drawn less often"
                " and the model keeps its speed. Paused, every step is drawn."
            ).format(ms=round(1000 * self.draw_s))
            if slow
            else ""
        )
        if text != label.text():  # rarely: a QLabel's new text lays its row out again
            label.setText(text)
            label.setVisible(slow)
        if tip != label.toolTip():
            label.setToolTip(tip)

    def seen(self) -> bool:
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def period(self) -> float:
        """Seconds between draws while playing: :data:`PERIOD_S`, or longer (up to 1 s) for a view slow to draw."""
        return min(MAX_PERIOD_S, max(PERIOD_S, self.draw_s / SHARE))

    def schedule(self, *_args: object) -> None:
        """Redraw now, if seen: something the user chose changed (an agent, an order, a comparison, …).

        Only Play's frames are paced (:meth:`_on_frame`); a choice is shown at once, playing or not.
        """
        if self.seen():
            self.redraw()

    def _on_frame(self, *_args: object) -> None:
        """A new frame: redraw now; while playing, only at the frame nearest :meth:`period` after the last draw.

        That is the first frame for which the period is at most half a frame interval away.
        Otherwise the next frame draws it.  A timer two periods long stands in for a next frame
        that does not come (each draw stops it): what it shows is never older than that.
        """
        if not self.seen():
            return
        now = time.perf_counter()
        interval, self._arrived_at = now - self._arrived_at, now
        period = self.period()
        if not self.model.playing or now - self._drawn_at + interval / 2 >= period:
            self.redraw()
        elif not self._later.isActive():
            self._later.start(round(2000 * period))

    def redraw(self) -> None:
        self._later.stop()
        if not self.seen():
            return
        self._drawn_at = started = time.perf_counter()
        frame = self.model.frame
        try:
            self.draw(frame)
        except UserError as exc:  # a recording's damaged step inside the window this view reads
            self.model.unreadable(str(exc))
        self.shown_t = frame.t
        took = time.perf_counter() - started
        # Qt paints after the draw, once or more (a range or a layout that follows the data); while
        # Play runs, the paints since the last draw are counted with it.  Paused, the paints come
        # from hovering and resizing as much as from drawing, and are not.
        painted = 0.0
        for view in self.findChildren(pg.GraphicsView):
            if isinstance(view, _PaintTimed):
                painted, view.painted_s = painted + view.painted_s, 0.0
        if self.model.playing and self._drew_playing:
            took += painted
        self._drew_playing = self.model.playing
        if self.draw_s:  # one slow draw (a first fit, a pause for garbage collection) counts four times a usual one
            self.draw_s = (self.draw_s + min(took, 4 * max(self.draw_s, PERIOD_S * SHARE))) / 2
        else:
            self.draw_s = took
        self._show_pace()

    def draw(self, frame: Frame) -> None:
        raise NotImplementedError

    def draw_soon(self, *_args: object) -> None:
        """Redraw once Qt has laid the view out (it just came into sight: a tab raised, a dock shown)."""
        self._later.start(0)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.draw_soon()
