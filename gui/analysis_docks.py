"""The analysis docks of the main window: Trajectories, Agents and Edit memory (issue 11).

:func:`add_analysis_docks` builds the three views on the window's model, docks
them (Trajectories and Agents as tabs beside History, Edit memory below
the configuration), lists them in the View menu and wires their camera buttons to
the window's file actions.  The window calls it once, before it restores its
saved dock layout.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QMainWindow, QScrollArea

from .agents_view import AgentsView
from .edit_panel import EditPanel
from .i18n import tr
from .trajectory_view import TrajectoryView


def add_analysis_docks(window: QMainWindow) -> None:
    """Give ``window`` (a :class:`~hiddenscope.gui.main_window.MainWindow`) the analysis docks."""
    w = window
    model = w.model
    w.trajectory_view = TrajectoryView(model)
    w.agents_view = AgentsView(model)
    w.edit_panel = EditPanel(model, w.settings)
    w.trajectory_view.remember(w.settings)
    w.agents_view.remember(w.settings)
    right = Qt.DockWidgetArea.RightDockWidgetArea
    w.trajectory_dock = w._dock(tr("Trajectories"), "trajectories", w.trajectory_view, right)
    w.agents_dock = w._dock(tr("Agents", "which agents"), "agents", w.agents_view, right)
    # Below the configuration, scrolling when the column is short, so the window keeps its height.
    scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(w.edit_panel)
    w.edit_dock = w._dock(tr("Edit memory"), "edit_memory", scroll, Qt.DockWidgetArea.LeftDockWidgetArea)
    w.tabifyDockWidget(w.summary_dock, w.trajectory_dock)
    w.tabifyDockWidget(w.trajectory_dock, w.agents_dock)
    w.history_dock.raise_()
    for dock in (w.trajectory_dock, w.agents_dock):
        dock.visibilityChanged.connect(dock.widget().draw_soon)  # a raised tab draws what it missed
    for view, name in ((w.trajectory_view, "trajectories"), (w.agents_view, "agents")):
        view.saveRequested.connect(lambda view=view, name=name: w.files.save_view(view, name))
    follow_page = lambda *_args: w.trajectory_view.set_agents(w.grid.visible_agents())  # noqa: E731
    w.grid.pageChanged.connect(follow_page)
    model.rebuilt.connect(follow_page)
    follow_page()
