"""The README's picture of the demo agent: the app's own window on ``hiddenscope --demo``, after 40 steps.

python scripts/demo_screenshot.py           # writes docs/demo.png (1440 × 900) and docs/demo-1920.png (1920 × 1080)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from hiddenscope.core.demo import demo_request
from hiddenscope.core.plan import Request, plan
from hiddenscope.core.stepper import Stepper
from hiddenscope.gui.main_window import MainWindow

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    planned = plan(demo_request(Request(batch_size=8, device="cpu")))
    for size, name in (((1440, 900), "demo.png"), ((1920, 1080), "demo-1920.png")):
        stepper = Stepper(planned.config, planned.model_factory, planned.input_factory, loaded=planned.loaded)
        settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
        window = MainWindow(stepper, settings)
        window.resize(*size)
        window.show()
        QApplication.processEvents()
        window._first_layout()  # as a first start lays the docks out once the window has its size
        for _ in range(40):
            window.acts.step.trigger()
        QApplication.processEvents()
        out = DOCS / name
        window.grab().save(str(out))
        window.close()
        print("wrote", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
