"""Screenshots with no display: the ``hiddenscope screenshot`` command."""

from __future__ import annotations

import os
from pathlib import Path

from hiddenscope.core.picture import Look, build_picture
from hiddenscope.core.stepper import BaseStepper


def ensure_gui_app():
    """A QGuiApplication to paint with; offscreen when there is no display."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(["hiddenscope"])


def save_screenshot_headless(
    stepper: BaseStepper, out: str | Path, agent: int | None = None, look: Look | None = None, axes: bool = False
) -> Path:
    """Render the picture of the timestep shown (all agents, or one) for ``look`` and write a PNG."""
    from hiddenscope.gui.export.movie import save_picture

    agents = list(range(stepper.config.n_agents)) if agent is None else [agent]
    return save_picture(build_picture(stepper, look=look or Look(), agents=agents), out, axes)
