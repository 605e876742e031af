"""Play: the model steps in a worker thread, paced, never more than one step ahead of the screen.

The worker computes step t+1 while the GUI thread draws step t (the stepper's
change reaches the views through :class:`~hiddenscope.gui.stepper_model.StepperModel`,
queued), then waits until t+1 has been handed to the views before it computes
t+2.  Steps the speed asked for but that could not be drawn in time are skipped,
not queued, so Play runs at the speed asked or as fast as frames can be drawn,
and Pause answers after at most the step in progress.

Fast-forward (:meth:`PlayController.set_fast`) steps as fast as the model goes and
draws at the display's rate: a frame timer on the GUI thread asks the worker for a
frame; the worker makes that one step traced (as the trace setting says), hands it
to the views, waits until they have taken its snapshot and (briefly) painted it, then
goes on with steps nobody will see, untraced and not announced to the views
(:meth:`StepperModel.unannounced`).  The shape panel re-runs any of those from
history on request (:mod:`hiddenscope.core.retrace`).  Steps in live environments
cannot be re-run, so there every step is traced as usual.

Stopping sets a flag the worker checks between steps and then joins the thread.
A step can take long (a big model on the CPU): the wait cursor shows and the status
bar says Pause is waiting for it.  Pause waits for that step, so nothing changes the
run under it; closing the window waits at most :data:`CLOSE_WAIT_S` and says so when
the step is still running then (the thread ends with the step; the process does not
wait for it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QWidget

from hiddenscope.core.errors import EndOfRecording, UserError
from hiddenscope.core.history import Frame
from hiddenscope.core.retrace import can_retrace
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.stepper_model import StepperModel

WAIT_SLICE_S = 0.05  # how often a waiting worker looks at the stop flag
DEFAULT_REFRESH_HZ = 60.0  # the display's rate when the screen does not say
# Fast-forward spends at most 1/DRAW_SHARE of the time drawing: the window and the model's worker are two
# Python threads sharing one interpreter lock, so every millisecond spent drawing is one the model does not step.
DRAW_SHARE = 4.0
# While the window draws a fast-forward frame the worker waits (at most this long) when its steps are short
# (under SHORT_STEP_MS): two Python threads taking turns at the lock slow each other down more than they
# overlap.  Longer steps spend their time in PyTorch's kernels, which let go of the lock, so they overlap.
DRAW_WAIT_S = 0.1
SHORT_STEP_MS = 1.0
# A window repaints a little after its views change (Qt posts the repaint and may delay it by a few ms), so
# a fast-forward frame counts as drawn once a repaint has run after it, or after this long without one
# (a hidden or minimised window does not repaint).
PAINT_WAIT_S = 0.05
CLOSE_WAIT_S = 5.0  # closing the window waits this long at most for a step in progress


def display_interval_ms() -> int:
    """Milliseconds between two refreshes of the primary screen (fast-forward draws once per refresh)."""
    screen = QGuiApplication.primaryScreen()
    hz = screen.refreshRate() if screen is not None else 0.0
    hz = hz if 20.0 <= hz <= 500.0 else DEFAULT_REFRESH_HZ
    return max(1, round(1000.0 / hz))


class PlayController(QObject):
    """Owns Play's pacing and worker thread for a :class:`StepperModel`.

    Signals
    -------
    stopped(str)
        Play ended: ``''`` when paused, else why the worker could not go on.
    fastChanged(bool)
        Fast-forward started or ended.

    ``fps`` is frames drawn per second and ``steps_per_s`` model steps per second while
    playing: the same in normal Play (one step per frame), far apart in fast-forward.
    """

    stopped = Signal(str)
    fastChanged = Signal(bool)
    _ended = Signal(int, str)  # (run, error) from the worker thread

    def __init__(self, model: StepperModel, speed: float = 10.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.speed = speed
        self.fps = 0.0
        self.steps_per_s = 0.0
        self.fast = False
        self._frame_t = 0
        self._want_frame = threading.Event()  # fast-forward: the GUI asks the worker for a step to draw
        self._frame_timer = QTimer(self, singleShot=True)  # fast-forward: when to ask for the next frame
        self._frame_timer.timeout.connect(self._want_frame.set)
        self._frame_started = 0.0
        self._interval_ms = 1000.0 / DEFAULT_REFRESH_HZ
        self._draw_ms = 0.0  # what the last fast-forward frame cost the GUI thread, drawing and painting
        self._repainted = False  # fast-forward: a window repainted since the frame was handed to the views
        self._paint_timeout = QTimer(self, singleShot=True, interval=round(PAINT_WAIT_S * 1000))
        self._paint_timeout.timeout.connect(self._finish_frame)  # no repaint came: the frame is done anyway
        self._watched: list[QWidget] = []  # fast-forward: the windows whose repaint draws a frame
        dispatcher = QAbstractEventDispatcher.instance()
        if dispatcher is not None:  # the GUI thread's event loop, about to wait: everything queued is done
            dispatcher.aboutToBlock.connect(self._frame_done)
        self._thread: threading.Thread | None = None
        self._lingering: threading.Thread | None = None  # a worker left to finish its step (stop's limit passed)
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._drawn_t = -1
        self._painted_t = -1  # fast-forward: the last frame the window has finished drawing and painting
        self._run = 0
        self._last_frame = 0.0
        self._ended.connect(self._on_ended)
        model.aboutToAct.connect(self.stop)
        model.frameChanged.connect(self._on_frame)

    @property
    def playing(self) -> bool:
        return self._thread is not None

    def set_speed(self, steps_per_s: float) -> None:
        self.speed = max(1e-3, float(steps_per_s))

    def toggle(self) -> None:
        self.stop() if self.playing else self.start()

    def set_fast(self, on: bool) -> None:
        """Fast-forward on (from a pause or from normal Play) or off (pause)."""
        if on and not (self.playing and self.fast):
            self.start(fast=True)
        elif not on:
            self.stop()

    def start(self, fast: bool = False) -> None:
        if self.playing:
            if fast == self.fast:
                return
            self.stop()  # from normal Play to fast-forward, or back
        lingering, self._lingering = self._lingering, None
        if lingering is not None:  # a worker left in its step when the window closed: it must end first
            lingering.join()
        self._stop.clear()
        self._run += 1
        self._drawn_t = self._painted_t = self.model.frame.t
        self.fps, self.steps_per_s, self._last_frame, self._frame_t = 0.0, 0.0, 0.0, self._drawn_t
        work = self._work_fast if fast else self._work
        self._thread = threading.Thread(
            target=self._worker, args=(work, self._run), name="hiddenscope-play", daemon=True
        )
        self.fast = fast
        if fast:
            self._want_frame.set()
            self._interval_ms, self._draw_ms = display_interval_ms(), 0.0
            self._watched = self._view_windows()
            for window in self._watched:  # to see when they repaint (only while fast-forwarding)
                window.installEventFilter(self)
        self.model.set_playing(True, laps=fast)
        self._thread.start()
        if fast:
            self.fastChanged.emit(True)

    def stop(self, limit_s: float | None = None) -> bool:
        """End Play: the step in progress finishes, the thread ends, the views show where it stopped.

        ``limit_s``: wait at most this long for the step in progress (closing the window); past it
        the status bar says so, the thread is left to end with its step, and ``False`` is returned.
        """
        thread = self._thread
        if thread is None:
            return True
        self._stop.set()
        self._frame_timer.stop()
        self._paint_timeout.stop()
        with self._wake:
            self._wake.notify_all()
        thread.join(0.1)
        waited = thread.is_alive()
        if waited:  # a long step: say that Pause is waiting for it
            self.model.message.emit(tr("Waiting for the step in progress to finish…"), 0)
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                thread.join(limit_s)
            finally:
                QGuiApplication.restoreOverrideCursor()
        stopped = not thread.is_alive()
        if waited and stopped:
            self.model.message.emit("", 1)
        if not stopped:
            self._lingering = thread
            self.model.message.emit(
                tr("Play's worker is still in a step after {s} s; it ends when that step does").format(
                    s=f"{limit_s:g}"
                ),
                10000,
            )
        self._thread = None
        was_fast, self.fast = self.fast, False
        for window in self._watched:
            window.removeEventFilter(self)
        self._watched = []
        self._frame_started, self._repainted = 0.0, False
        self.model.set_playing(False)
        self.model.refresh()  # a relay still queued from the worker then finds nothing left to do
        if was_fast:
            self.fastChanged.emit(False)
        self.stopped.emit("")
        return stopped

    # -- GUI thread ------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if not self.playing:
            return
        now = time.perf_counter()
        if self._last_frame:
            elapsed = max(now - self._last_frame, 1e-6)
            frames, steps = 1.0 / elapsed, (frame.t - self._frame_t) / elapsed
            self.fps = frames if not self.fps else 0.8 * self.fps + 0.2 * frames
            self.steps_per_s = steps if not self.steps_per_s else 0.8 * self.steps_per_s + 0.2 * steps
        self._last_frame, self._frame_t = now, frame.t
        with self._wake:
            self._drawn_t = frame.t
            self._wake.notify_all()
        if self.fast:
            # The next frame is asked for when the timer fires.  When the views have drawn and painted this
            # one the window goes idle (_frame_done), and the timer is set again from what this frame cost.
            self._frame_started, self._repainted = now, False
            self._frame_timer.start(round(max(self._interval_ms, DRAW_SHARE * self._draw_ms)))
            if any(_on_screen(window) for window in self._watched):
                self._paint_timeout.start()
            else:  # a minimised or hidden window does not repaint: nothing to wait for
                self._finish_frame()

    def _view_windows(self) -> list[QWidget]:
        """The windows the views are drawn in: the one this controller belongs to and its floating docks."""
        parent = self.parent()
        if not isinstance(parent, QWidget):
            return []
        top = parent.window()
        return [top, *(dock for dock in top.findChildren(QDockWidget) if dock.isFloating())]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Fast-forward: note a repaint of the views' windows (it runs their paint events for the frame)."""
        if event.type() == QEvent.Type.UpdateRequest and self._frame_started:
            self._repainted = True
        return False

    def _frame_done(self) -> None:
        """Fast-forward: called each time the GUI thread's event loop is about to wait.

        The first time after a frame the views have taken it, but the window has not repainted
        yet (Qt posts the repaint, and may delay it a few ms): the frame is drawn at the first
        such moment after a repaint, or when :data:`PAINT_WAIT_S` passed without one.
        """
        if self._repainted:
            self._finish_frame()

    def _finish_frame(self) -> None:
        """The frame is drawn; the next is due a display refresh later, or later if drawing is slow."""
        if not (self._frame_started and self.playing and self.fast):
            return
        self._paint_timeout.stop()
        cost_ms = self._draw_ms = (time.perf_counter() - self._frame_started) * 1000.0
        self._frame_started, self._repainted = 0.0, False
        self._frame_timer.start(round(max(self._interval_ms - cost_ms, (DRAW_SHARE - 1.0) * cost_ms, 0.0)))
        with self._wake:
            self._painted_t = self._frame_t
            self._wake.notify_all()

    def _on_ended(self, run: int, error: str) -> None:
        if run != self._run or self._thread is None:
            return  # that Play was stopped already
        self.stop()
        self.stopped.emit(error)

    # -- worker thread ---------------------------------------------------------
    def _ready(self, due: float) -> bool:
        """Whether the next step may start: the last one reached the views, and it is due."""
        return self.model.stepper.t <= self._drawn_t and time.perf_counter() >= due

    def _worker(self, work: Callable[[], None], run: int) -> None:
        """Run Play's loop ``work`` until it stops; an end or a failure is reported to the GUI thread."""
        try:
            work()
        except EndOfRecording as exc:  # a recorded session played to its end: Play stops, no harm done
            self.model.message.emit(str(exc), 8000)
            self._ended.emit(run, "")
        except Exception as exc:
            error = _why(exc)
            if error:
                self._ended.emit(run, error)

    def _work(self) -> None:
        stepper = self.model.stepper
        due = time.perf_counter()
        while not self._stop.is_set():
            with self._wake:
                while not self._stop.is_set() and not self._ready(due):
                    self._wake.wait(min(WAIT_SLICE_S, max(0.0, due - time.perf_counter())) or WAIT_SLICE_S)
            if self._stop.is_set():
                break
            stepper.advance()
            interval = 1.0 / self.speed
            now = time.perf_counter()
            if now - due > interval:  # behind the speed asked: skip what is overdue rather than queue it
                due = now
            due += interval

    def _work_fast(self) -> None:
        """Fast-forward: steps back to back; the one step per display refresh that the views draw is traced."""
        model, stepper = self.model, self.model.stepper
        # Steps nobody sees are computed untraced where they can be traced later from history.
        unseen_trace = False if can_retrace(stepper) else None
        step_ms = 0.0  # how long the unseen steps take (a running mean)
        while not self._stop.is_set():
            if self._want_frame.is_set():
                self._want_frame.clear()
                stepper.advance()  # the step the views will draw, announced as every step is in Play
                handed = stepper.t
                with self._wake:  # until the views have its snapshot: the next steps change stepper.t
                    while not self._stop.is_set() and self._drawn_t < handed:
                        self._wake.wait(WAIT_SLICE_S)
                    deadline = time.perf_counter() + (DRAW_WAIT_S if step_ms < SHORT_STEP_MS else 0.0)
                    while not self._stop.is_set() and self._painted_t < handed:  # and, briefly, the paint
                        left = deadline - time.perf_counter()
                        if left <= 0:
                            break
                        self._wake.wait(min(WAIT_SLICE_S, left))
            else:
                started = time.perf_counter()
                with model.unannounced():
                    stepper.advance(trace=unseen_trace)
                took = (time.perf_counter() - started) * 1000.0
                step_ms = took if not step_ms else 0.9 * step_ms + 0.1 * took


def _on_screen(widget: QWidget) -> bool:
    """Whether a window is on screen (exposed), so that a change to what it shows repaints it."""
    handle = widget.windowHandle()
    return handle is not None and widget.isVisible() and handle.isExposed()


def _why(exc: BaseException) -> str:
    """What the status bar says when a step in Play fails."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory: choose a smaller configuration"
    return f"{type(exc).__name__}: {exc}"
