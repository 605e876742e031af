"""Render the README's pictures of Select units, Similar moments and Order units from the real app.

python scripts/unit_tools_screenshots.py   # docs/select-units.png, docs/similar-moments.png, docs/order-units.png
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


def settle(window: MainWindow) -> None:
    for _ in range(5):
        QApplication.processEvents()
    for view in (window.history_view, window.gates_view, window.moments_view):
        view.redraw()
    QApplication.processEvents()


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    DOCS.mkdir(exist_ok=True)
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Stepper(Config(batch_size=16, n_agents=4)), settings)
    window.resize(1600, 1000)
    window.show()
    for _ in range(60):
        window.acts.step.trigger()
    window.model.set_selection(1, 3)
    combo = window.unit_order_bar.combo
    combo.setCurrentIndex(combo.findData("cluster"))
    window.history_view.selector.set_span(20, 24)
    settle(window)
    window.history_view.grab().save(str(DOCS / "select-units.png"))
    window.moments_view.go_to(0)  # the most similar moment, as a click on it shows it
    settle(window)
    window.grab().save(str(DOCS / "order-units.png"))
    window.moments_dock.setFloating(True)  # taller than its place in the window, to show more of the list
    window.moments_dock.resize(460, 520)
    settle(window)
    window.moments_view.grab().save(str(DOCS / "similar-moments.png"))
    for name in ("order-units", "select-units", "similar-moments"):
        print("wrote", DOCS / f"{name}.png")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
