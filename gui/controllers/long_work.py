"""Long work off the GUI thread, with a progress dialog and Cancel.

:func:`run_with_progress` runs ``work`` on a worker thread while the GUI thread keeps
drawing (taking no clicks) and, once the work has run ``PROGRESS_AFTER_MS``, shows a
window-modal :class:`QProgressDialog` with Cancel (quick work shows none).  ``work``
reports how far it got and asks whether Cancel was pressed; what it returns, or
raises, comes back on the GUI thread, so the caller handles a
:class:`~hiddenscope.core.errors.UserError` as it would from a direct call.

Used by Make branch (the branch catches up with the session), Export movie (every
frame stepped and painted) and Open session (reading and checking a large file).
The worker must not touch widgets; painting on a ``QImage`` is fine off the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from hiddenscope.gui.i18n import tr

T = TypeVar("T")
PROGRESS_AFTER_MS = 400  # work that ends sooner shows no dialog


class Cancelled(Exception):
    """The person pressed Cancel; the work stopped where it was."""


class Progress:
    """What the work is handed: ``report(done)`` and ``check()``, safe from its thread."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay
        self._cancel = threading.Event()

    def report(self, done: int) -> None:
        self._relay.progressed.emit(int(done))

    def check(self) -> None:
        """Raise :class:`Cancelled` if Cancel was pressed."""
        if self._cancel.is_set():
            raise Cancelled


class _Relay(QObject):
    progressed = Signal(int)
    finished = Signal()


class _Outcome(Generic[T]):
    value: T
    error: BaseException | None = None


def run_with_progress(parent: QWidget | None, title: str, text: str, total: int, work: Callable[[Progress], T]) -> T:
    """Run ``work(progress)`` on a worker thread; return its result (or raise its error) here.

    :class:`Cancelled` is raised when the person pressed Cancel and the work stopped for it.
    """
    relay = _Relay()
    progress = Progress(relay)
    outcome: _Outcome[T] = _Outcome()
    dialog = QProgressDialog(text, tr("Cancel"), 0, max(0, total), parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(2**30)  # shown below, by hand, once the work has taken a while
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(progress._cancel.set)
    relay.progressed.connect(dialog.setValue)
    # cancel() called on the dialog (Esc, a script) marks it cancelled without a signal: look as progress comes.
    relay.progressed.connect(lambda _done: progress._cancel.set() if dialog.wasCanceled() else None)
    loop = QEventLoop()
    done = threading.Event()
    relay.finished.connect(loop.quit, Qt.ConnectionType.QueuedConnection)

    def run() -> None:
        try:
            outcome.value = work(progress)
        except BaseException as exc:  # handed to the GUI thread, raised there
            outcome.error = exc
        finally:
            done.set()
            relay.finished.emit()

    worker = threading.Thread(target=run, name="hiddenscope-work", daemon=True)
    worker.start()
    # At first the window keeps drawing but takes no clicks (nothing may change the run under the work);
    # past PROGRESS_AFTER_MS the modal dialog says what runs and offers Cancel.
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(PROGRESS_AFTER_MS)
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    timer.stop()
    if not done.is_set():
        dialog.show()
        while not done.is_set():
            loop.exec()
    worker.join()
    dialog.close()
    dialog.deleteLater()
    if outcome.error is not None:
        raise outcome.error
    return outcome.value
