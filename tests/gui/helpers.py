"""What the GUI tests do the way a person does it: click a toolbar button, drop a file."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPainter, QPicture
from PySide6.QtWidgets import QApplication


def button(window, action):
    """The real toolbar button for ``action``."""
    widget = window.stepping_bar.widgetForAction(action)
    assert widget is not None, f"no toolbar button for {action.text()}"
    return widget


def click(qtbot, window, action):
    qtbot.mouseClick(button(window, action), Qt.MouseButton.LeftButton)


def drop(window, path) -> bool:
    """Drag ``path`` onto the window and drop it there; whether the window accepted the drag."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, enter)
    if enter.isAccepted():
        event = QDropEvent(
            QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(window, event)
    return enter.isAccepted()


def draw_specs(axis):
    """What a pyqtgraph axis would draw now: ``(line, ticks, labels)``, as its ``generateDrawSpecs`` gives them."""
    picture = QPicture()
    painter = QPainter(picture)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    assert specs is not None
    return specs
