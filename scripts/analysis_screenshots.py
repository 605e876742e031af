"""Render the README's pictures of the analysis docks with the app's own window.

python scripts/analysis_screenshots.py   # writes docs/trajectories.png, docs/agents.png, docs/edit-memory.png
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from hiddenscope.core import Config, Stepper
from hiddenscope.gui.main_window import MainWindow

DOCS = Path(__file__).resolve().parent.parent / "docs"


def settle(app: QApplication) -> None:
    for _ in range(3):  # a draw posts a layout request; let both happen
        app.processEvents()
        time.sleep(0.05)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Stepper(Config(batch_size=8, n_agents=4)), settings)
    window.resize(1440, 900)
    window.show()
    for _ in range(60):
        window.acts.step.trigger()
    window.stepper.seek(45)
    settle(app)

    # The right-hand docks wide enough for a plot, for the two dock pictures.
    window.resizeDocks([window.history_dock], [640], Qt.Orientation.Horizontal)
    window.trajectory_dock.raise_()
    settle(app)
    window.trajectory_view.refit()
    settle(app)
    window.trajectory_view.grab().save(str(DOCS / "trajectories.png"))
    window.agents_dock.raise_()
    settle(app)
    window.agents_view.rerank()
    settle(app)
    window.agents_view.grab().save(str(DOCS / "agents.png"))
    window.resizeDocks([window.history_dock], [380], Qt.Orientation.Horizontal)

    panel = window.edit_panel
    panel.t_box.setValue(40)
    panel.agents_edit.setText("1")
    panel.units_edit.setText("0-47")
    panel.op_box.setCurrentIndex(panel.op_box.findData("set"))
    panel.arg_edit.setText("1")
    panel.make_branch()
    window.stepper.seek(42)
    window.model.set_selection(1, 0)
    window.history_dock.raise_()
    settle(app)
    window.grab().save(str(DOCS / "edit-memory.png"))
    window.close()
    for name in ("trajectories.png", "agents.png", "edit-memory.png"):
        print("wrote", DOCS / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
