"""Screenshots: the saved PNG's pixels encode the hidden state, and no file is lost."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox

from hiddenscope.core import Config, Stepper
from hiddenscope.gui.export.render import decode, grid_layout
from hiddenscope.gui.theme import lut

# Half a colour-map step: the most a value can move when it is turned into one of the map's colours.
TOLERANCE = 1.0 / (len(lut()) - 1) + 1e-6


def decoded_tiles(path, values, agents):
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not a readable PNG"
    batch, _, units = values.shape
    layout = grid_layout(batch, units, agents, image.text("Title"))  # a long title takes more lines
    assert (image.width(), image.height()) == (layout.width, layout.height)
    return image, {a: decode(image, layout.tiles[a], layout.scale) for a in agents}


class FakeDialogAnswer:
    """Stands in for the person typing a file name into the save dialog."""

    def __init__(self, path):
        self.path = path
        self.proposed = None

    def __call__(self, parent, title, proposed, filters, options=None):
        self.proposed = proposed
        return str(self.path), filters


def test_save_button_writes_a_png_whose_pixels_are_the_hidden_state(qtbot, make_window, tmp_path, monkeypatch):
    w = make_window(Config(batch_size=8, n_agents=3, hidden_dim=32))
    for _ in range(4):
        w.acts.step.trigger()
    out = tmp_path / "grid.png"
    answer = FakeDialogAnswer(out)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    qtbot.mouseClick(w.stepping_bar.widgetForAction(w.acts.save), Qt.MouseButton.LeftButton)
    assert out.exists()
    assert answer.proposed.endswith("hiddenscope_t00004.png")
    values = w.stepper.frame.hidden
    _, tiles = decoded_tiles(out, values, [0, 1, 2])
    for agent, decoded in tiles.items():
        np.testing.assert_allclose(decoded, np.clip(values[:, agent, :], -1, 1), atol=TOLERANCE)
    assert f"Saved {out}" in w.statusBar().currentMessage()
    # The folder is remembered for the next screenshot.
    w.acts.step.trigger()
    answer.path = tmp_path / "next.png"
    w.acts.save.trigger()
    assert answer.proposed == str(tmp_path / "hiddenscope_t00005.png")


def test_the_initial_state_is_all_the_colour_of_zero(qtbot, make_window, tmp_path):
    w = make_window(Config(batch_size=4, n_agents=2, hidden_dim=16))
    out = w.files.save_screenshot(tmp_path / "zero.png")
    image, tiles = decoded_tiles(out, w.stepper.frame.hidden, [0, 1])
    zero_colour = tuple(int(c) for c in lut()[len(lut()) // 2])
    rect = grid_layout(4, 12, [0, 1], image.text("Title")).tiles[1]
    pixel = image.pixelColor(rect.center())
    assert (pixel.red(), pixel.green(), pixel.blue()) == zero_colour
    for decoded in tiles.values():
        assert np.abs(decoded).max() <= TOLERANCE


def test_one_agents_heatmap_from_its_context_menu_action(qtbot, make_window, tmp_path):
    w = make_window(Config(batch_size=6, n_agents=4, hidden_dim=24))
    w.acts.step.trigger()
    out = w.files.save_screenshot(tmp_path / "agent2.png", agent=2)
    values = w.stepper.frame.hidden
    _, tiles = decoded_tiles(out, values, [2])
    np.testing.assert_allclose(tiles[2], np.clip(values[:, 2, :], -1, 1), atol=TOLERANCE)


@pytest.mark.parametrize(
    "answer, replaced", [(QMessageBox.StandardButton.No, False), (QMessageBox.StandardButton.Yes, True)]
)
def test_an_existing_file_is_replaced_only_when_the_user_says_yes(
    qtbot, make_window, tmp_path, monkeypatch, answer, replaced
):
    w = make_window()
    w.acts.step.trigger()
    out = tmp_path / "keep.png"
    out.write_bytes(b"the user's own file")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", FakeDialogAnswer(out))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: asked.append(args[2]) or answer)
    w.acts.save.trigger()
    assert asked and "already exists" in asked[0]
    assert (out.read_bytes() != b"the user's own file") is replaced
    assert not list(tmp_path.glob("*.part"))


def test_a_folder_that_does_not_exist_gives_a_message_and_no_crash(qtbot, make_window, tmp_path, monkeypatch):
    w = make_window()
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: messages.append(text))
    assert w.files.save_screenshot(tmp_path / "missing" / "x.png") is None
    assert messages and "does not exist" in messages[0]
    w.acts.step.trigger()  # the app keeps working
    assert w.stepper.t == 1


def test_headless_screenshot_command_matches_the_model(tmp_path):
    out = tmp_path / "cli.png"
    args = ["--batch-size", "5", "--n-agents", "2", "--hidden-dim", "20", "--seed", "3"]
    result = subprocess.run(
        [sys.executable, "-m", "hiddenscope", "screenshot", "--steps", "3", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    stepper = Stepper(Config(batch_size=5, n_agents=2, hidden_dim=20, seed=3))
    stepper.run(3)
    _, tiles = decoded_tiles(out, stepper.frame.hidden, [0, 1])
    for agent, decoded in tiles.items():
        np.testing.assert_allclose(decoded, np.clip(stepper.frame.hidden[:, agent, :], -1, 1), atol=TOLERANCE)
    again = subprocess.run(
        [sys.executable, "-m", "hiddenscope", "screenshot", "--steps", "1", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr


def test_save_screenshot_paints_the_page_shown_not_every_agent(qtbot, make_window, tmp_path, monkeypatch):
    w = make_window(Config(batch_size=4, n_agents=40, hidden_dim=16))
    w.acts.step.trigger()
    qtbot.mouseClick(w.grid.next_button, Qt.MouseButton.LeftButton)
    page = w.grid.visible_agents()
    assert page == list(range(16, 32))
    out = tmp_path / "page.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", FakeDialogAnswer(out))
    qtbot.mouseClick(w.stepping_bar.widgetForAction(w.acts.save), Qt.MouseButton.LeftButton)
    values = w.stepper.frame.hidden
    image, tiles = decoded_tiles(out, values, page)  # the image is laid out for these 16 agents only
    assert "agents 16" in image.text("Title") and image.text("Title").endswith("31 of 40")  # which page it is
    for agent, decoded in tiles.items():
        np.testing.assert_allclose(decoded, np.clip(values[:, agent, :], -1, 1), atol=TOLERANCE)
    w.acts.copy.trigger()
    from PySide6.QtWidgets import QApplication

    copied = QApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (QImage(str(out)).width(), QImage(str(out)).height())


def test_a_name_without_a_suffix_gets_the_formats_and_another_suffix_is_refused(
    qtbot, make_window, tmp_path, monkeypatch
):
    """The app writes only files whose names say what they hold, as the command line does."""
    w = make_window()
    w.acts.step.trigger()
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: messages.append(text))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", FakeDialogAnswer(tmp_path / "noext"))
    w.acts.save.trigger()
    assert (tmp_path / "noext.png").exists() and not (tmp_path / "noext").exists()
    assert not QImage(str(tmp_path / "noext.png")).isNull()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", FakeDialogAnswer(tmp_path / "shot.jpg"))
    w.acts.save.trigger()
    assert not (tmp_path / "shot.jpg").exists()
    assert messages and "shot.jpg: this is saved as .png" in messages[-1]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", FakeDialogAnswer(tmp_path / "h.txt"))
    assert w.files.export_history() is None and not (tmp_path / "h.txt").exists()
    assert "h.txt: this is saved as .npz" in messages[-1]
    assert w.files.export_history(tmp_path / "hist") is None and not (tmp_path / "hist").exists()  # a script's path
    assert "hist: this is saved as .npz" in messages[-1]
    assert w.files.save_screenshot(tmp_path / "x.jpg") is None and not (tmp_path / "x.jpg").exists()


def test_a_title_with_a_long_model_name_wraps_between_words_within_a_one_agent_picture(qapp):
    """A movie or screenshot of one agent is narrow: no line of its title may run past the picture."""
    from PySide6.QtGui import QFontMetrics

    from hiddenscope.gui.export.render import _title_font, wrap_title

    title = (
        "hiddenscope · h_20 at t = 20 · batch 2 · 2 agents · EPyMARL RNNNSAgent (one network per agent) agent.th"
        " (32 units, step 500 (the latest of 1 saved steps) · input 15 · env lbf · seed 0 · cpu · float32"
    )
    metrics = QFontMetrics(_title_font())
    lines = wrap_title(title, 440)
    assert all(metrics.horizontalAdvance(line) <= 440 for line in lines), lines
    assert " ".join(lines).replace("· ", "·").split() == title.replace("· ", "·").split()  # nothing lost
    assert wrap_title("a · b", 440) == ("a · b",)
