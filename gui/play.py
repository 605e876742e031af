"""Play runs the model off the UI thread, so a slow step never freezes the window.

The UI thread's timer asks for the steps that are due; the worker runs them and
reports back; the UI draws once per report.  While the worker is busy, ticks
are dropped rather than queued, so Play never falls behind and Pause answers
after at most one step.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, QThread, Signal, Slot

from hiddenscope.core.errors import UserError
from hiddenscope.core.stepper import Stepper


class PlayWorker(QObject):
    """Runs ``stepper.step()`` in its own thread when asked; ``finished(done, error)`` reports."""

    finished = Signal(int, str)

    def __init__(self, stepper: Stepper) -> None:
        super().__init__()
        self.stepper = stepper
        self.stop_requested = threading.Event()
        self.idle = threading.Event()
        self.idle.set()

    @Slot(int, float)
    def run(self, steps: int, budget_s: float) -> None:
        done, error = 0, ""
        started = time.perf_counter()
        try:
            while done < steps and not self.stop_requested.is_set():
                self.stepper.step()
                done += 1
                if time.perf_counter() - started > budget_s:
                    break
        except UserError as exc:
            error = str(exc)
        except MemoryError:
            error = "out of memory: choose a smaller configuration"
        except Exception as exc:  # noqa: BLE001 - reported to the user, never lost in a thread
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self.idle.set()
        self.finished.emit(done, error)


class PlayThread(QObject):
    """Owns the worker and its thread for one Play session (started on Play, ended on Pause)."""

    request = Signal(int, float)

    def __init__(self, stepper: Stepper, on_finished) -> None:  # noqa: ANN001
        super().__init__()
        self.thread = QThread()
        self.thread.setObjectName("hiddenscope-play")
        self.worker = PlayWorker(stepper)
        self.worker.moveToThread(self.thread)
        self.request.connect(self.worker.run)
        self.worker.finished.connect(on_finished)
        self.thread.start()

    @property
    def busy(self) -> bool:
        return not self.worker.idle.is_set()

    def ask(self, steps: int, budget_s: float) -> bool:
        """Ask for ``steps`` steps; ``False`` (a dropped frame) while the last request still runs."""
        if self.busy:
            return False
        self.worker.idle.clear()
        self.request.emit(steps, budget_s)
        return True

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish the step in progress, then end the thread."""
        self.worker.stop_requested.set()
        self.worker.idle.wait(timeout_s)
        self.thread.quit()
        self.thread.wait(int(timeout_s * 1000))
