"""Typed shorthands for building Qt controls with a tooltip, text or icon.

PySide6 takes any Qt property as a constructor keyword (``QSpinBox(toolTip=…)``), but
its type stubs list only a class's own properties, not those it inherits from
``QWidget`` or ``QAbstractButton``; these helpers set them through the typed setters.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QToolButton, QWidget

W = TypeVar("W", bound=QWidget)


def tipped(widget: W, tip: str) -> W:
    """``widget``, its tooltip set to ``tip``."""
    widget.setToolTip(tip)
    return widget


def tool_button(text: str = "", tip: str = "", icon: QIcon | None = None, checkable: bool = False) -> QToolButton:
    """A tool button with this text (or icon), tooltip and checkability."""
    button = QToolButton()
    if text:
        button.setText(text)
    if icon is not None:
        button.setIcon(icon)
    if tip:
        button.setToolTip(tip)
    button.setCheckable(checkable)
    return button
