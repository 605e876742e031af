"""What the analysis docks cost: a Fit, a ranking, a frame of each view, and a branch catching up.

    python benchmarks/analysis_views.py [--steps 256] [--batch 32] [--agents 5]

On the seed model (96 units) after ``--steps`` steps, in the real window, offscreen:
the Trajectories Fit (per-agent PCA of every held step and row), a redraw of the
Trajectories view for a new frame (the marker only), the Agents view's ranking,
a redraw of the Agents view (the similarity matrix), and Make branch on an edit at
t = 1 (the branch computes every step up to the t shown).  Median of a few runs, ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def timed(func, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--agents", type=int, default=5)
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from hiddenscope.core import Config, Stepper
    from hiddenscope.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    config = Config(batch_size=args.batch, n_agents=args.agents, device="cpu")
    window = MainWindow(Stepper(config, tracing=False), settings)
    window.show()
    window.stepper.run(args.steps)
    app.processEvents()
    print(f"{config.label()}, {args.steps} steps held, cpu")

    traj, agents = window.trajectory_view, window.agents_view
    window.trajectory_dock.raise_()
    app.processEvents()
    print(f"Trajectories Fit          {timed(traj.refit):8.1f} ms")
    window.stepper.seek(args.steps // 2)
    app.processEvents()
    print(f"Trajectories frame        {timed(traj.redraw, 20):8.2f} ms  (marker only)")
    window.agents_dock.raise_()
    app.processEvents()
    print(f"Agents ranking            {timed(agents.rerank):8.1f} ms")
    print(f"Agents frame              {timed(agents.redraw, 20):8.2f} ms  (similarity matrix)")

    panel = window.edit_panel
    panel.t_box.setValue(1)
    panel.agents_edit.setText("0")
    window.stepper.seek(args.steps)

    def branch() -> None:
        window.model.set_comparison(None)
        assert panel.make_branch()

    ms = timed(branch, 3)
    print(f"Make branch to t = {args.steps:<5}  {ms:8.1f} ms  ({args.steps / ms * 1000:.0f} steps/s)")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
