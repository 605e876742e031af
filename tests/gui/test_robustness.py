"""Abuse and long sessions: random actions, long Play, closing while busy."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import threading

import numpy as np
import psutil
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from hiddenscope.core import Config

# Long runs: 8,000 steps here (many times every history's capacity); HIDDENSCOPE_LONG_STEPS=20000 for the long soak.
LONG_STEPS = max(2000, int(os.environ.get("HIDDENSCOPE_LONG_STEPS", "8000")))


def check_invariants(w):
    """What the window shows is what the stepper holds."""
    s = w.stepper
    assert f"t = {s.t} " in w.t_label.text()
    assert w.timeline.value() == s.t
    trace = s.trace
    table = w.shape_panel.table
    assert table.rowCount() == len(trace)
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [rec.op for rec in trace]
    if w.shape_panel.op_index == -1:
        expected = s.frame.hidden
        if w.model.view.difference and s.difference() is not None:
            expected = s.difference()
        agent = w.grid.visible_agents()[0]
        np.testing.assert_array_equal(w.grid.shown_values(agent), expected[:, agent, :])


@pytest.mark.parametrize("seed", [7])
def test_monkey(qtbot, make_window, monkeypatch, seed):
    rng = random.Random(seed)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    w = make_window(Config(batch_size=6, n_agents=3, hidden_dim=24), history_budget=64 * 1024)
    configs = [
        Config(batch_size=6, n_agents=3, hidden_dim=24),
        Config(batch_size=2, n_agents=20, hidden_dim=8, input_dim=5),
        Config(batch_size=1, n_agents=1, hidden_dim=4, input_dim=1),
        Config(batch_size=4, n_agents=2, hidden_dim=40, seed=3),
    ]
    configs = [c.replace(device="cpu") for c in configs]
    keys = [
        Qt.Key.Key_Right,
        Qt.Key.Key_Left,
        Qt.Key.Key_Home,
        Qt.Key.Key_Space,
        Qt.Key.Key_D,
        Qt.Key.Key_BracketRight,
        Qt.Key.Key_BracketLeft,
        Qt.Key.Key_PageDown,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_I,
    ]

    def apply_config():
        panel = w.config_panel
        c = rng.choice(configs)
        panel.set_config(c)
        if rng.random() < 0.2:
            panel.batch.setValue(1_000_000)  # refused: too large for memory
            panel.agents.setValue(4096)
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)

    def storm():
        for _ in range(rng.randint(2, 9)):
            w.acts.play.trigger()
            QApplication.processEvents()

    actions = [
        lambda: w.acts.step.trigger(),
        lambda: w.acts.back.trigger(),
        lambda: w.acts.reset.trigger(),
        lambda: w.acts.init.trigger(),
        lambda: w.acts.play.trigger(),
        lambda: qtbot.keyClick(w, rng.choice(keys)),
        lambda: w.timeline.setValue(rng.randint(w.timeline.minimum(), w.timeline.maximum())),
        lambda: w.acts.diff.trigger(),
        lambda: w.shape_panel.op_button.click(),
        lambda: w.resize(rng.randint(900, 1600), rng.randint(560, 1000)),
        apply_config,
        storm,
        lambda: w.grid.set_page(rng.randint(0, 3)),
    ]
    weights = [20, 8, 2, 2, 4, 20, 6, 3, 4, 2, 2, 1, 2]
    for _ in range(2000):
        rng.choices(actions, weights)[0]()
        QApplication.processEvents()
        if w.playing and rng.random() < 0.7:
            w.pause()
        if not w.playing:
            check_invariants(w)
    w.pause()
    check_invariants(w)
    assert all("needs about" in text for text in warnings), warnings
    assert w.stepper.config in configs


def test_long_play_keeps_memory_inside_the_history_budget(qtbot, make_window):
    budget = 4 * 2**20
    w = make_window(Config(), history_budget=budget)
    process = psutil.Process()
    items_before = len(w.grid.box.addedItems)
    widgets_before = len(QApplication.allWidgets())
    samples = []
    every = LONG_STEPS // 10
    for i in range(LONG_STEPS):
        w.stepper.step()
        if i % 50 == 0:
            QApplication.processEvents()
        if i % every == every - 1:
            samples.append(process.memory_info().rss)
    assert w.stepper.t == LONG_STEPS
    assert len(w.stepper.history) == w.stepper.history.capacity
    # After the first samples (history full, caches warm) memory stays flat.
    growth = max(samples[2:]) - samples[2]
    assert growth < 8 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB over {LONG_STEPS * 8 // 10:,} steps"
    assert len(w.grid.box.addedItems) == items_before
    assert len(QApplication.allWidgets()) == widgets_before


def test_closing_while_playing_stops_cleanly(qtbot, make_window):
    w = make_window(Config(batch_size=64, n_agents=8))
    w.speed_box.setValue(500)
    w.play()
    qtbot.waitUntil(lambda: w.stepper.t >= 3, timeout=5000)
    w.close()
    assert not w.playing
    assert not [t for t in threading.enumerate() if t.name == "hiddenscope-play" and t.is_alive()]
    stopped_at = w.stepper.t
    qtbot.wait(100)
    assert w.stepper.t == stopped_at


def test_the_app_process_exits_cleanly_when_closed_mid_play(tmp_path):
    script = textwrap.dedent(
        f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtCore import QSettings, QTimer
        from PySide6.QtWidgets import QApplication
        from hiddenscope.core import Config
        from hiddenscope.core import Stepper
        from hiddenscope.gui.main_window import MainWindow
        app = QApplication([])
        settings = QSettings({str(tmp_path / "s.ini")!r}, QSettings.Format.IniFormat)
        w = MainWindow(Stepper(Config(batch_size=256, n_agents=16, device="cpu")), settings)
        w.show()
        w.speed_box.setValue(1000)
        w.play()
        QTimer.singleShot(700, w.close)
        QTimer.singleShot(700, lambda: w.files.export_history({str(tmp_path / "mid.npz")!r}))
        app.exec()
        print("closed at", w.stepper.t)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    assert "closed at" in result.stdout
    for bad in ("Traceback", "QThread: Destroyed", "Fatal Python error"):
        assert bad not in result.stderr


def test_a_real_play_of_many_steps_stays_bounded(qtbot, make_window):
    """The Play button's own loop (worker thread, one step per drawn frame) for LONG_STEPS steps."""
    w = make_window(Config(batch_size=2, n_agents=2, hidden_dim=16, input_dim=4), history_budget=256 * 1024)
    w.history_dock.hide()  # the side views are drawn at most 15 times a second anyway
    w.speed_box.setValue(w.speed_box.maximum())
    process = psutil.Process()
    samples = []

    every = LONG_STEPS // 20

    def sample(t):
        if t // every > len(samples):
            samples.append(process.memory_info().rss)

    w.frameDrawn.connect(sample)
    w.play()
    qtbot.waitUntil(lambda: w.stepper.t >= LONG_STEPS, timeout=600_000)
    w.pause()
    assert not w.playing and f"t = {w.stepper.t} " in w.t_label.text()
    assert len(samples) >= 15
    growth = max(samples[5:]) - samples[5]
    assert growth < 8 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB during Play"
    assert len(w.stepper.history) == w.stepper.history.capacity


def test_a_stepper_outlives_its_window(qtbot, settings):
    from PySide6.QtCore import QEvent

    from hiddenscope.core import Stepper
    from hiddenscope.gui.main_window import MainWindow

    stepper = Stepper(Config(batch_size=2, n_agents=2, hidden_dim=16, device="cpu"))
    w = MainWindow(stepper, settings)
    w.show()
    w.acts.step.trigger()
    w.close()
    w.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    stepper.step()  # a script goes on with it: nothing relays into the deleted window
    assert stepper.t == 2
