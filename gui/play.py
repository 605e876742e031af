"""Play: the model steps in a worker thread, paced, never more than one step ahead of the screen.

The worker computes step t+1 while the GUI thread draws step t (the stepper's
change reaches the views through :class:`~hiddenscope.gui.model.StepperModel`,
queued), then waits until t+1 has been handed to the views before it computes
t+2.  Steps the speed asked for but that could not be drawn in time are skipped,
not queued (counted in ``frames_dropped``), so Play runs at the speed asked or as
fast as frames can be drawn, and Pause answers after at most the step in progress.

Stopping sets a flag the worker checks between steps and then joins the thread:
there is no timeout after which a thread that may still be stepping is left
behind.  A step can take long (a big model on the CPU); the wait cursor shows
while Pause waits for it.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication

from hiddenscope.core.errors import UserError
from hiddenscope.core.history import Frame

from .model import StepperModel

WAIT_SLICE_S = 0.05  # how often a waiting worker looks at the stop flag


class PlayController(QObject):
    """Owns Play's pacing and worker thread for a :class:`StepperModel`.

    Signals
    -------
    stopped(str)
        Play ended: ``''`` when paused, else why the worker could not go on.
    """

    stopped = Signal(str)
    _ended = Signal(int, str)  # (run, error) from the worker thread

    def __init__(self, model: StepperModel, speed: float = 10.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.speed = speed
        self.fps = 0.0
        self.frames_dropped = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._drawn_t = -1
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

    def start(self) -> None:
        if self.playing:
            return
        self._stop.clear()
        self._run += 1
        self._drawn_t = self.model.frame.t
        self.fps, self._last_frame = 0.0, 0.0
        self._thread = threading.Thread(target=self._work, args=(self._run,), name="hiddenscope-play", daemon=True)
        self.model.set_playing(True)
        self._thread.start()

    def stop(self) -> None:
        """End Play: the step in progress finishes, the thread ends, the views show where it stopped."""
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        thread.join(0.1)
        if thread.is_alive():  # a long step: say that Pause is waiting for it
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                thread.join()
            finally:
                QGuiApplication.restoreOverrideCursor()
        self._thread = None
        self.model.set_playing(False)
        self.model.refresh()  # a relay still queued from the worker then finds nothing left to do
        self.stopped.emit("")

    # -- GUI thread ------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if not self.playing:
            return
        now = time.perf_counter()
        if self._last_frame:
            instant = 1.0 / max(now - self._last_frame, 1e-6)
            self.fps = instant if not self.fps else 0.8 * self.fps + 0.2 * instant
        self._last_frame = now
        with self._wake:
            self._drawn_t = frame.t
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

    def _work(self, run: int) -> None:
        stepper = self.model.stepper
        due = time.perf_counter()
        error = ""
        try:
            while not self._stop.is_set():
                with self._wake:
                    while not self._stop.is_set() and not self._ready(due):
                        self._wake.wait(min(WAIT_SLICE_S, max(0.0, due - time.perf_counter())) or WAIT_SLICE_S)
                if self._stop.is_set():
                    break
                stepper.step()
                interval = 1.0 / self.speed
                now = time.perf_counter()
                late = now - due
                if late > interval:  # behind the speed asked: skip what is overdue rather than queue it
                    self.frames_dropped += int(late / interval)
                    due = now
                due += interval
        except UserError as exc:
            error = str(exc)
        except MemoryError:
            error = "out of memory: choose a smaller configuration"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error:
            self._ended.emit(run, error)
