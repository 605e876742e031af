"""Settings for the whole test suite."""

from __future__ import annotations

import torch

# One intra-op thread: the GUI tests run Play's worker beside the GUI thread, and on a
# 2-core machine a second torch thread per step oversubscribes the cores (a GRU step
# measured 3× slower with two threads than with one while other work ran).  Tests about
# the thread count itself set and restore it.
torch.set_num_threads(1)


def pytest_configure(config) -> None:
    """One QApplication for the whole run (each xdist worker's), made before any test.

    Code that draws without a window (``gui/export/headless.py``) makes a QGuiApplication
    when none exists; a widget test after it in the same process would then have no
    QApplication.  Made here first, every test finds the same full application.
    """
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    global _APP
    _APP = QApplication.instance() or QApplication(["hiddenscope-tests"])


_APP = None
