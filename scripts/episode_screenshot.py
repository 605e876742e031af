"""Render docs/episodes.png: a PyMARL-layout agent (random weights) driven in Level-Based Foraging.

python scripts/episode_screenshot.py

The window is stopped at the first step where some batch rows (not all) start a
new episode, with History following one of those rows: the outlined rows on the
heatmaps, the dashed episode boundary on the tracks and the return's drop to 0
are the same event.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import torch
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from hiddenscope.core import Config, Stepper
from hiddenscope.core.agents.pymarl import RNNAgent
from hiddenscope.core.checkpoint import checkpoint_factory
from hiddenscope.core.env_inputs import env_inputs_factory
from hiddenscope.core.envs import env_spec
from hiddenscope.gui.main_window import MainWindow

DOCS = Path(__file__).resolve().parent.parent / "docs"
OPTIONS = {"size": "4", "players": "3", "food": "1", "max_episode_steps": "30"}


def main() -> int:
    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp())
    spec = env_spec("lbf", dict(OPTIONS))
    torch.manual_seed(1)
    # LBF obs + one-hot last action + one-hot agent id, as a PyMARL run with both flags builds them.
    inputs = spec.obs_dim + spec.n_actions + spec.n_agents
    torch.save(RNNAgent(inputs, 64, spec.n_actions).state_dict(), folder / "agent.th")
    model, config = checkpoint_factory(folder / "agent.th", Config(batch_size=8, n_agents=3, device="cpu"))
    source, config = env_inputs_factory(config, "lbf", OPTIONS, last_action=True, agent_id=True, fixed_input=True)
    stepper = Stepper(config, model_factory=model, input_factory=source)
    settings = QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(stepper, settings)
    window.resize(1500, 950)
    for name in ("moments_dock", "edit_dock"):  # room for History and its tracks
        dock = getattr(window, name, None)
        if dock is not None:
            dock.hide()
    window.show()
    for _ in range(400):
        window.acts.step.trigger()
        start = stepper.frame.episode.start
        if stepper.t > 30 and start.any() and not start.all():
            break
    window.history_view.row_box.setValue(int(np.flatnonzero(start)[0]))
    window.history_view.agent_box.setValue(1)
    for _ in range(30):
        app.processEvents()
    window.grab().save(str(DOCS / "episodes.png"))
    window.close()
    print(f"docs/episodes.png at t = {stepper.t}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
