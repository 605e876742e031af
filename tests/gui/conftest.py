"""Fixtures for the GUI tests: a real main window on a real stepper, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QEvent, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from hiddenscope.core import Config, Stepper  # noqa: E402


@pytest.fixture
def settings(tmp_path):
    """Settings in a file of the test's own, so tests never share remembered state."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    """Build ``MainWindow`` on a ``Stepper`` for a config; closed (and checked) at teardown."""
    from hiddenscope.gui.main_window import MainWindow

    windows = []

    def make(config: Config | None = None, **stepper_options) -> MainWindow:
        stepper = Stepper(config or Config(), **stepper_options)
        window = MainWindow(stepper, settings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # shortcuts only reach the active window
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.pause()
        assert not window.playing
        window.close()
        window.deleteLater()
    # Free each test's widgets while Qt is alive rather than at interpreter exit,
    # where collecting PySide6 objects in bulk can crash the process.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    windows.clear()
    gc.collect()

