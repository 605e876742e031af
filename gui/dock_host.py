"""What the window's helper modules may ask of it: :class:`DockHost`, a dock for a widget.

The unit tools and the analysis docks build their views and hand them to the window
through this one method, not through the window's own attributes.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget


class DockHost(Protocol):
    """A window that docks widgets (the :class:`~hiddenscope.gui.main_window.MainWindow`)."""

    def add_dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """``widget`` in a new dock named ``name`` (its saved-layout key) at ``area``, listed in the View menu."""
        ...
