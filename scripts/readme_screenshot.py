"""Render the README's pictures with the app's own window and screenshot code.

python scripts/readme_screenshot.py            # writes docs/window.png, docs/window-64-agents.png, docs/heatmaps.png
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from hiddenscope.core import Config, Stepper
from hiddenscope.gui.main_window import MainWindow

DOCS = Path(__file__).resolve().parent.parent / "docs"


def window_picture(config: Config, steps: int, out: Path, op: int | None = None) -> None:
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Stepper(config), settings)
    window.show()
    for _ in range(steps):
        window.acts.step.trigger()
    if op is not None:
        for _ in range(op):
            window.acts.op.trigger()
    QApplication.processEvents()
    window.grab().save(str(out))
    window.save_screenshot(out.with_name("heatmaps.png")) if out.name == "window.png" else None
    window.close()
    print("wrote", out)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    DOCS.mkdir(exist_ok=True)
    for stale in ("heatmaps.png",):
        (DOCS / stale).unlink(missing_ok=True)
    window_picture(Config(), 1, DOCS / "window.png")
    window_picture(Config(n_agents=64), 12, DOCS / "window-64-agents.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
