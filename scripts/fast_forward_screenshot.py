"""Render docs/fast-forward.png and docs/not-traced.png: fast-forward running, then paused on a step it did not draw.

python scripts/fast_forward_screenshot.py

The first picture is taken while the window fast-forwards the seed model (32 × 5 × 96):
the status bar shows the model's steps per second beside the frames drawn per second.
The second is taken after Pause, on the newest step that fast-forward computed
without drawing it (stepping back to it if needed): the shape panel says it was
not traced and offers Trace this step.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from hiddenscope.core import Config, Stepper
from hiddenscope.gui.main_window import MainWindow

DOCS = Path(__file__).resolve().parent.parent / "docs"


def wait(app: QApplication, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def main() -> int:
    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp())
    stepper = Stepper(Config(batch_size=32, n_agents=5, hidden_dim=128, device="cpu"))
    window = MainWindow(stepper, QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1500, 950)
    window.show()
    window.acts.fast.trigger()
    wait(app, 3.0)
    window.grab().save(str(DOCS / "fast-forward.png"))
    window.acts.fast.trigger()  # pause
    app.processEvents()
    # Back through history to the newest step fast-forward computed without drawing it.
    while stepper.history.traced(stepper.t) and stepper.t > stepper.history.first:
        window.acts.back.trigger()
        app.processEvents()
    app.processEvents()
    window.grab().save(str(DOCS / "not-traced.png"))
    print(f"fast-forward reached t = {stepper.latest}; the second picture shows t = {stepper.t}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
