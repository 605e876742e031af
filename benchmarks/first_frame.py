"""Child process for the benchmark: start the app through its command line and report the first drawn frame.

    python benchmarks/first_frame.py SETTINGS_DIR [hiddenscope's arguments...]

Runs ``hiddenscope.cli.main`` exactly as the ``hiddenscope`` command does (parsing, planning,
the imports it makes, the language, the window), with its settings under ``SETTINGS_DIR``.
When the event loop starts it queues one call behind the paint that ``show()`` queued; that
call prints ``first_frame <seconds since this process started>`` and quits.
"""

from __future__ import annotations

import os
import sys
import time

import psutil

STARTED = psutil.Process().create_time()

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HOME"] = os.environ["XDG_CONFIG_HOME"] = sys.argv[1]  # QSettings() of a fresh user

from PySide6.QtCore import QTimer  # noqa: E402  (Qt is the app's first import too, in main_window)
from PySide6.QtWidgets import QApplication  # noqa: E402

_exec = QApplication.exec


def _exec_then_report() -> int:
    app = QApplication.instance()
    assert app is not None

    def painted() -> None:
        print(f"first_frame {time.time() - STARTED:.3f}", flush=True)
        app.quit()

    QTimer.singleShot(0, painted)
    return _exec()


QApplication.exec = staticmethod(_exec_then_report)  # type: ignore[method-assign]

if __name__ == "__main__":
    from hiddenscope.cli import main

    sys.exit(main(sys.argv[2:]))
