"""Screenshots with no display: the ``hiddenscope screenshot`` command."""

from __future__ import annotations

import os
from pathlib import Path

from hiddenscope.core.stepper import Stepper


def ensure_gui_app():
    """A QGuiApplication to paint with; offscreen when there is no display."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(["hiddenscope"])


def save_screenshot_headless(stepper: Stepper, out: str | Path, agent: int | None = None) -> Path:
    """Render the heatmaps of the timestep shown (all agents, or one) and write a PNG."""
    app = ensure_gui_app()  # noqa: F841 - must live while painting
    from .screenshot import render_grid, save_png, screenshot_title

    frame = stepper.frame
    agents = list(range(stepper.config.n_agents)) if agent is None else [agent]
    title = screenshot_title(frame.t, stepper.config.label(), str(stepper.device), stepper.config.dtype)
    return save_png(render_grid(frame.hidden, agents, title), out, title)
