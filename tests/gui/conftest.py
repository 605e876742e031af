"""Fixtures for the GUI tests: a real main window on a real stepper, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc

import pytest
import torch
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication, QMessageBox
from torch import nn

from hiddenscope.core import Config, Stepper


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
        # Pinned to the CPU: the same numbers and the same offers on a machine with CUDA.
        stepper = Stepper((config or Config()).replace(device="cpu"), **stepper_options)
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


@pytest.fixture
def messages(monkeypatch):
    """The texts of the warning dialogs the app shows (answered at once instead of blocking)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    return shown


class PyMARLLayout(nn.Module):
    """The parameter layout of a PyMARL ``RNNAgent`` (fc1, rnn GRUCell, fc2), to save as a checkpoint."""

    def __init__(self, input_dim: int, hidden: int, n_actions: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden)
        self.rnn = nn.GRUCell(hidden, hidden)
        self.fc2 = nn.Linear(hidden, n_actions)


@pytest.fixture
def agent_th(tmp_path):
    """A PyMARL agent.th: 16 inputs, 64 GRU units, 5 actions."""
    torch.manual_seed(3)
    path = tmp_path / "agent.th"
    torch.save(PyMARLLayout(16, 64, 5).state_dict(), path)
    return path
