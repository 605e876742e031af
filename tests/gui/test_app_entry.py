"""`hiddenscope` with no command opens the main window on the seed's default model."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import torch


def run_entry(args, tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication(["hiddenscope"])
        def report():
            from hiddenscope.gui.main_window import MainWindow
            windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
            w = windows[0]
            print("config", w.stepper.config.batch_size, w.stepper.config.n_agents, w.stepper.units, w.stepper.device)
            print("title", w.windowTitle(), "|", w.acts.step.text())
            print("stepper", type(w.stepper).__name__, w.stepper.latest, w.model.frame.hidden.shape)
            print("loaded", " ".join(m for m in ("h5py", "vmas", "lbforaging", "rware", "mpe2") if m in sys.modules))
            w.close()
        QTimer.singleShot(300, report)
        from hiddenscope.cli import main
        sys.exit(main({args!r}))
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)


def test_no_command_opens_the_default_model(tmp_path):
    result = run_entry([], tmp_path)
    assert result.returncode == 0, result.stderr
    # The default device is auto: the GPU where there is one.
    assert f"config 32 5 96 {'cuda' if torch.cuda.is_available() else 'cpu'}" in result.stdout
    assert "title hiddenscope | Step" in result.stdout
    # The window is up before sessions' HDF5 and the environments are loaded: they load when first used.
    assert "loaded \n" in result.stdout


def test_the_app_in_chinese_from_the_command_line(tmp_path):
    result = run_entry(["--lang", "zh_CN", "--n-agents", "3"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "config 32 3 96" in result.stdout and "| 单步" in result.stdout


def test_a_session_on_the_command_line_opens_the_app_on_the_recording(tmp_path):
    from hiddenscope.cli import main

    session = tmp_path / "run.h5"
    assert main(["export", "--steps", "6", "--batch-size", "3", "--n-agents", "2", "--out", str(session)]) == 0
    result = run_entry(["--session", str(session)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stepper ReplayStepper 6 (3, 2, 96)" in result.stdout  # every recorded step, no model
    assert "run.h5" in result.stdout  # the window's title names the recording


def test_the_demo_opens_the_app_on_the_trained_agent_in_its_environment(tmp_path):
    pytest.importorskip("mpe2")
    result = run_entry(["--demo", "--batch-size", "4"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "config 4 3 64" in result.stdout  # 3 agents of simple_spread, the demo's 64 GRU units
