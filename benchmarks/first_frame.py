"""Child process for the benchmark: start the app as ``hiddenscope`` does and report the first drawn frame.

Prints one line, ``first_frame <seconds since this process started>``, then quits.
"""

from __future__ import annotations

import os
import sys
import time

import psutil

STARTED = psutil.Process().create_time()

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from hiddenscope.core import Config, Stepper
    from hiddenscope.core.tuning import keep_freed_memory

    keep_freed_memory()  # as the app does when it opens its window
    from hiddenscope.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    settings = QSettings(os.path.join(sys.argv[1], "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Stepper(Config()), settings)

    def painted() -> None:
        print(f"first_frame {time.time() - STARTED:.3f}", flush=True)
        app.quit()

    window.show()
    # The frame is on screen once the event loop has run the paint that show() queued.
    QTimer.singleShot(0, painted)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
