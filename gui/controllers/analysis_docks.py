"""The analysis docks of the main window: Trajectories, Agents and Edit memory (issue 11).

:func:`add_analysis_docks` builds the three views on the window's model, docks
them through a :class:`~hiddenscope.gui.dock_host.DockHost` (which lists them in the View menu;
the window tabs Trajectories and Agents beside History, Edit memory goes below
the configuration) and wires their camera buttons to the window's file actions.
The window calls it once, before it restores its saved dock layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea

from hiddenscope.gui.controllers.files import FileActions
from hiddenscope.gui.dock_host import DockHost
from hiddenscope.gui.i18n import tr
from hiddenscope.gui.panels.edit_memory import EditPanel
from hiddenscope.gui.stepper_model import StepperModel
from hiddenscope.gui.views.agents import AgentsView
from hiddenscope.gui.views.heatmap_grid import HeatmapGrid
from hiddenscope.gui.views.trajectories import TrajectoryView


@dataclass(frozen=True)
class AnalysisDocks:
    """What :func:`add_analysis_docks` built: the three views and their docks."""

    trajectory_view: TrajectoryView
    agents_view: AgentsView
    edit_panel: EditPanel
    trajectory_dock: QDockWidget
    agents_dock: QDockWidget
    edit_dock: QDockWidget


def add_analysis_docks(
    host: DockHost, model: StepperModel, settings: QSettings, files: FileActions, grid: HeatmapGrid
) -> AnalysisDocks:
    """Trajectories and Agents docked on ``host`` (right), Edit memory (left); the window tabs them."""
    trajectory_view = TrajectoryView(model)
    agents_view = AgentsView(model)
    edit_panel = EditPanel(model, settings)
    trajectory_view.remember(settings)
    agents_view.remember(settings)
    right = Qt.DockWidgetArea.RightDockWidgetArea
    trajectory_dock = host.add_dock(tr("Trajectories"), "trajectories", trajectory_view, right)
    agents_dock = host.add_dock(tr("Agents", "which agents"), "agents", agents_view, right)
    # Below the configuration, scrolling when the column is short, so the window keeps its height.
    scroll = QScrollArea(widgetResizable=True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(edit_panel)
    edit_dock = host.add_dock(tr("Edit memory"), "edit_memory", scroll, Qt.DockWidgetArea.LeftDockWidgetArea)
    for dock, view, name in ((trajectory_dock, trajectory_view, "trajectories"), (agents_dock, agents_view, "agents")):
        dock.visibilityChanged.connect(view.draw_soon)  # a raised tab draws what it missed
        view.saveRequested.connect(lambda view=view, name=name: files.save_view(view, name))

    def follow_page(*_args: object) -> None:
        trajectory_view.set_agents(grid.visible_agents())

    grid.pageChanged.connect(follow_page)
    model.rebuilt.connect(follow_page)
    follow_page()
    return AnalysisDocks(trajectory_view, agents_view, edit_panel, trajectory_dock, agents_dock, edit_dock)
