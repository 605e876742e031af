"""Sessions in the app: compare A with a B, replay a recording, record, movies and figures.

Planted data: B is A's own recording with a known constant added by h5py, so B − A must
show exactly that constant; recordings are checked against a stepper run with a history
that holds every step, and pictures against the command line's.
"""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
from helpers import click
from PySide6.QtWidgets import QFileDialog

from hiddenscope.core import Config, Stepper
from hiddenscope.core.session import record_session

SMALL = Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4, device="cpu")
OFFSET = 0.25


@pytest.fixture
def open_dialog(monkeypatch):
    """Answer the next Open dialogs with the paths put in this list."""
    answers: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(answers.pop(0)), ""))
    return answers


def planted_b(tmp_path, steps: int) -> tuple:
    """A session of the SMALL run's first ``steps`` steps with OFFSET added to every h_t, and the true h_t."""
    plain, path = tmp_path / "plain.h5", tmp_path / "b.h5"
    record_session(Stepper(SMALL), steps, plain)
    shutil.copy(plain, path)
    with h5py.File(path, "r+") as f:
        truth = f["hidden"][...]
        f["hidden"][...] = truth + OFFSET
    return path, truth


def test_compare_with_a_session_shows_b_minus_a_as_the_planted_offset(make_window, qtbot, open_dialog, tmp_path):
    path, truth = planted_b(tmp_path, steps=3)
    window = make_window(SMALL)
    open_dialog.append(path)
    window.compare.session_action.trigger()
    assert window.model.comparison is not None and window.compare.label.text().strip() == "B: b.h5"
    # Opening a B shows B − A at once, in the difference colours.
    assert window.compare.mode_actions["B-A"].isChecked()
    for t in range(1, 4):
        click(qtbot, window, window.acts.step)
        assert window.model.frame.t == t
        np.testing.assert_allclose(window.grid.values, OFFSET, atol=1e-6)
        assert window.grid.levels == (-0.5, 0.5)
        assert f"B − A = h_{t}(B) − h_{t}(A), B: b.h5" in window.grid.axes_label.text()
    # B: B's own h_t, which is A's plus the offset.
    window.compare.mode_actions["B"].trigger()
    np.testing.assert_allclose(window.grid.values, truth[3] + OFFSET, atol=1e-6)
    assert "of B: b.h5" in window.grid.axes_label.text()
    # Past B's end the caption says so and A is shown.
    click(qtbot, window, window.acts.step)
    assert "B: b.h5 has no t = 4 (it holds t = 0..3)" in window.grid.axes_label.text()
    np.testing.assert_array_equal(window.grid.values, window.model.frame.hidden)
    # The history view follows the mode: B − A is the offset where B has the step, NaN (black) after.
    window.history_dock.raise_()
    window.compare.mode_actions["B-A"].trigger()
    qtbot.waitUntil(lambda: window.history_view.shown_t == 4 and len(window.history_view.ts) == 5)
    shown = window.history_view.shown_values
    np.testing.assert_allclose(shown[:4], OFFSET, atol=1e-6)
    assert np.isnan(shown[4]).all()
    assert window.history_view.span_label.text().startswith("B − A")
    # A again: A's own numbers.
    window.compare.mode_actions["A"].trigger()
    np.testing.assert_array_equal(window.grid.values, window.model.frame.hidden)
    window.compare.stop_action.trigger()
    assert window.model.comparison is None and not window.compare.mode_actions["B"].isEnabled()


def test_a_session_of_other_sizes_is_refused_and_a_stays_as_it_was(make_window, open_dialog, messages, tmp_path):
    other = tmp_path / "other.h5"
    record_session(Stepper(SMALL.replace(n_agents=4)), 2, other)
    window = make_window(SMALL)
    open_dialog.append(other)
    window.compare.session_action.trigger()
    assert window.model.comparison is None
    assert messages and "(2, 3, 6)" in messages[-1] and "(2, 4, 6)" in messages[-1]
    np.testing.assert_array_equal(window.grid.values, window.model.frame.hidden)


def test_compare_mode_keys_without_a_b_say_there_is_nothing_to_compare(make_window, qtbot):
    window = make_window(SMALL)
    window.compare.mode_actions["B-A"].setEnabled(True)  # as if the key reached it
    window.compare.mode_actions["B-A"].trigger()
    assert window.model.view.compare_mode == "A" and window.compare.mode_actions["A"].isChecked()
    assert "Nothing to compare with" in window.statusBar().currentMessage()


def test_compare_with_a_checkpoint_steps_b_in_lockstep(make_window, qtbot, open_dialog, tmp_path):
    import torch

    window = make_window(SMALL)
    same = tmp_path / "same.pt"
    torch.save(window.stepper.model.state_dict(), same)
    click(qtbot, window, window.acts.step)
    open_dialog.append(same)
    window.compare.checkpoint_action.trigger()
    assert window.compare.label.text().strip() == "B: same.pt"
    for _ in range(3):
        click(qtbot, window, window.acts.step)
        assert window.model.comparison.stepper.latest == window.model.frame.t
        assert not window.grid.values.any()  # the same weights on the same inputs: B − A is exactly zero


# -- replay ---------------------------------------------------------------------------------------------------


def record(tmp_path, steps: int = 6, name: str = "run.h5"):
    path = tmp_path / name
    record_session(Stepper(SMALL), steps, path)
    return path


def test_open_session_replays_the_recorded_states_with_step_back_and_the_timeline(
    make_window, qtbot, open_dialog, messages, tmp_path
):
    path = record(tmp_path)
    truth = Stepper(SMALL)
    truth.run(6)
    window = make_window(SMALL)
    live = window.stepper
    open_dialog.append(path)
    window.sessions.open_action.trigger()
    assert window.model.stepper is not live and window.model.stepper.model is None
    assert "run.h5" in window.windowTitle() and "recorded session" in window.windowTitle()
    assert not window.acts.open.isEnabled() and not window.config_panel.isEnabled()
    for t in range(1, 4):
        click(qtbot, window, window.acts.step)
        assert window.t_label.text().split()[2] == str(t)
        np.testing.assert_array_equal(window.grid.values, truth.snapshot(t).hidden)
        assert window.shape_panel.records and window.shape_panel.records[0].step == t
    click(qtbot, window, window.acts.back)
    np.testing.assert_array_equal(window.grid.values, truth.snapshot(2).hidden)
    window.timeline.setValue(5)  # the slider spans the whole recording
    assert window.timeline.maximum() == 6 and window.model.frame.t == 5
    np.testing.assert_array_equal(window.grid.values, truth.snapshot(5).hidden)
    # The gates need the model: the view says so instead of drawing nothing.
    window.gates_dock.raise_()
    qtbot.waitUntil(lambda: "holds the hidden states, not the model" in window.gates_view.caption.text())
    assert not window.gates_view.view.isVisible()  # one line, no empty plots on a made-up scale
    # Step past the end: the status bar says it is a recording and where it ends; no dialog, nothing reset.
    click(qtbot, window, window.acts.step)
    click(qtbot, window, window.acts.step)
    assert window.model.frame.t == 6
    assert "run.h5 is a recording: it ends at t = 6" in window.statusBar().currentMessage()
    assert messages == []
    # Close session: back to the live run, as it was.
    window.sessions.close_action.trigger()
    assert window.model.stepper is live and window.acts.open.isEnabled() and window.config_panel.isEnabled()
    np.testing.assert_array_equal(window.grid.values, live.frame.hidden)


def test_play_on_a_session_stops_at_its_end_with_a_message(make_window, qtbot, messages, tmp_path):
    path = record(tmp_path, steps=4)
    window = make_window(SMALL)
    window.speed_box.setValue(200)
    assert window.sessions.open_session(path)
    click(qtbot, window, window.acts.play)
    qtbot.waitUntil(lambda: not window.playing, timeout=10000)
    assert window.model.frame.t == 4 and messages == []
    assert "it ends at t = 4" in window.statusBar().currentMessage()


def test_a_dropped_session_opens_for_replay(make_window, tmp_path):
    from helpers import drop

    path = record(tmp_path, steps=2)
    window = make_window(SMALL)
    assert drop(window, path)
    assert window.model.stepper.path == path and window.model.frame.t == 0


@pytest.mark.parametrize("kind", ["truncated", "not HDF5"])
def test_a_bad_session_file_is_a_dialog_and_the_session_shown_stays(make_window, qtbot, messages, tmp_path, kind):
    good = record(tmp_path, steps=3)
    bad = tmp_path / "bad.h5"
    if kind == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:
        bad.write_text("this is a text file\n")
    window = make_window(SMALL)
    assert window.sessions.open_session(good)
    click(qtbot, window, window.acts.step)
    shown, values = window.model.stepper, window.grid.values.copy()
    assert not window.sessions.open_session(bad)
    assert len(messages) == 1 and "bad.h5" in messages[0]
    assert ("truncated" in messages[0]) if kind == "truncated" else ("not an HDF5 file" in messages[0])
    assert window.model.stepper is shown and window.model.frame.t == 1
    np.testing.assert_array_equal(window.grid.values, values)


def test_a_screenshot_of_the_session_in_the_app_is_the_command_lines(make_window, qtbot, tmp_path, qapp):
    from PySide6.QtGui import QImage

    from hiddenscope.cli import main
    from hiddenscope.gui.export.render import MARGIN, TITLE_H

    path = record(tmp_path, steps=5)
    cli_png, app_png = tmp_path / "cli.png", tmp_path / "app.png"
    assert main(["screenshot", "--session", str(path), "--at", "3", "--out", str(cli_png)]) == 0
    window = make_window(SMALL)
    window.sessions.open_session(path)
    window.timeline.setValue(3)
    assert window.save_screenshot(app_png) == app_png
    a, b = QImage(str(cli_png)), QImage(str(app_png))
    assert a.size() == b.size()
    # Every pixel below the title line is the same (the app's title names what it shows: "h_3").
    from hiddenscope.gui.export.render import image_rgb

    top = MARGIN + TITLE_H
    np.testing.assert_array_equal(image_rgb(a)[top:], image_rgb(b)[top:])


def test_the_command_line_opens_the_app_on_a_session_and_refuses_a_bad_one(tmp_path, capsys):
    from hiddenscope.cli import main

    bad = tmp_path / "bad.h5"
    bad.write_text("not a session")
    assert main(["--session", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "not an HDF5 file" in err and "Traceback" not in err
    good = record(tmp_path, steps=2)
    assert main(["--session", str(good), "--batch-size", "4"]) == 2
    assert "cannot go with --session" in capsys.readouterr().err
    # Before a command that takes a session, --session is that command's.
    assert main(["--session", str(good), "screenshot", "--at", "1", "--out", str(tmp_path / "x.png")]) == 0


# -- record ---------------------------------------------------------------------------------------------------


@pytest.fixture
def save_dialog(monkeypatch):
    """Answer the next Save dialogs with the paths put in this list ('' = Cancel)."""
    answers: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(answers.pop(0)), ""))
    return answers


def test_record_streams_every_step_of_step_and_play_to_the_file(make_window, qtbot, save_dialog, tmp_path):
    from hiddenscope.core.session import SessionReader

    out = tmp_path / "rec.h5"
    # A history of 4 steps: the file must hold every step all the same.
    window = make_window(SMALL, history_budget=4 * 4 * (2 * 3 * 6 + 2 * 3 * 4))
    assert window.stepper.history.capacity == 4
    click(qtbot, window, window.acts.step)
    save_dialog.append(out)
    click(qtbot, window, window.sessions.record_action)
    assert window.sessions.record_action.isChecked() and window.sessions.recording is not None
    assert window.sessions.record_label.isVisible() and "REC rec.h5 · 1 step" in window.sessions.record_label.text()
    for _ in range(5):
        click(qtbot, window, window.acts.step)
    assert "6 steps" in window.sessions.record_label.text()
    window.speed_box.setValue(200)
    click(qtbot, window, window.acts.play)
    qtbot.waitUntil(lambda: window.stepper.latest >= 20, timeout=20000)
    click(qtbot, window, window.sessions.record_action)  # stops Play, finishes the file
    assert not window.sessions.record_action.isChecked() and not window.sessions.record_label.isVisible()
    last = window.stepper.latest
    assert window.stepper.history.first > 1  # the history dropped the early steps ...
    reference = Stepper(SMALL, history_budget=2**30)
    reference.run(last)
    with SessionReader(out) as reader:  # ... the session has them all, from t = 1 (where Record was clicked)
        assert (reader.first, reader.last) == (1, last)
        for t in range(1, last + 1):
            np.testing.assert_array_equal(reader.hidden(t), reference.snapshot(t).hidden)
            np.testing.assert_array_equal(reader.frame(t).inputs, reference.snapshot(t).inputs)
    assert f"Recorded {out}" in window.statusBar().currentMessage()


def test_record_never_replaces_a_file_without_a_yes(make_window, qtbot, save_dialog, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    out = tmp_path / "old.h5"
    out.write_bytes(b"yesterday's session")
    window = make_window(SMALL)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    save_dialog.append(out)
    click(qtbot, window, window.sessions.record_action)
    assert window.sessions.recording is None and not window.sessions.record_action.isChecked()
    assert out.read_bytes() == b"yesterday's session"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    save_dialog.append(out)
    click(qtbot, window, window.sessions.record_action)
    click(qtbot, window, window.acts.step)
    click(qtbot, window, window.sessions.record_action)
    from hiddenscope.core.session import SessionReader

    with SessionReader(out) as reader:
        assert (reader.first, reader.last) == (0, 1)


def test_record_to_a_folder_that_is_gone_is_a_dialog(make_window, qtbot, save_dialog, messages, tmp_path):
    window = make_window(SMALL)
    save_dialog.append(tmp_path / "gone" / "rec.h5")
    click(qtbot, window, window.sessions.record_action)
    assert window.sessions.recording is None and not window.sessions.record_action.isChecked()
    assert len(messages) == 1 and "gone" in messages[0]
    click(qtbot, window, window.acts.step)  # the app goes on
    assert window.model.frame.t == 1


def test_reset_while_recording_finishes_the_file_and_says_so(make_window, qtbot, save_dialog, messages, tmp_path):
    from hiddenscope.core.session import SessionReader

    out = tmp_path / "rec.h5"
    window = make_window(SMALL)
    save_dialog.append(out)
    click(qtbot, window, window.sessions.record_action)
    click(qtbot, window, window.acts.step)
    click(qtbot, window, window.acts.step)
    click(qtbot, window, window.acts.reset)
    assert window.sessions.recording is None and not window.sessions.record_action.isChecked()
    assert messages and "the run started over" in messages[-1] and "rec.h5 holds 3 steps" in messages[-1]
    with SessionReader(out) as reader:
        assert (reader.first, reader.last) == (0, 2)


FULL_DISK = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox
app = QApplication([])
shown = []
QMessageBox.warning = lambda parent, title, text: shown.append(text)
from hiddenscope.core import Config
from hiddenscope.core import Stepper
from hiddenscope.gui.main_window import MainWindow
config = Config(batch_size=16, n_agents=8, hidden_dim=64, input_dim=4, device="cpu")
window = MainWindow(Stepper(config), QSettings(sys.argv[2], QSettings.Format.IniFormat))
assert window.sessions.start_recording(sys.argv[1])
for _ in range(40):
    window.model.step()
    app.processEvents()
print("RECORDING", window.sessions.recording is None, window.sessions.record_action.isChecked())
print("MESSAGE", shown[-1] if shown else "")
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="POSIX file-size limit")
def test_a_full_disk_while_recording_is_a_message_and_the_file_holds_the_complete_steps(tmp_path):
    import os
    import resource
    import signal
    import subprocess
    import sys

    from hiddenscope.core.session import SessionReader

    def limit() -> None:  # every write past 512 KiB fails as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 1024, 512 * 1024))

    out = tmp_path / "rec.h5"
    script = tmp_path / "full_disk.py"
    script.write_text(FULL_DISK)
    result = subprocess.run(
        [sys.executable, str(script), str(out), str(tmp_path / "settings.ini")],
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=limit,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["RECORDING"] == "True False"  # the recording ended and the Record button is off
    assert lines["MESSAGE"].startswith("Recording stopped: could not write step")
    if out.exists():  # the disk took the finishing touches: the file is a session of the complete steps
        assert "holds the steps t = 0.." in lines["MESSAGE"]
        reference = Stepper(Config(batch_size=16, n_agents=8, hidden_dim=64, input_dim=4, device="cpu"))
        with SessionReader(out) as reader:
            assert reader.first == 0 and 0 < reader.last < 40
            reference.run(reader.last)
            np.testing.assert_array_equal(reader.hidden(reader.last), reference.snapshot(reader.last).hidden)
    else:
        assert "nothing was changed" in lines["MESSAGE"]


# -- movies and figures ---------------------------------------------------------------------------------------


def test_export_movie_writes_a_frame_per_t_of_the_range_asked(make_window, qtbot, save_dialog, monkeypatch, tmp_path):
    iio = pytest.importorskip("imageio.v3", reason="the movies extra is not installed: hiddenscope[movies]")
    from PySide6.QtWidgets import QDialog, QSpinBox

    from hiddenscope.core.picture import title_line
    from hiddenscope.gui.export.render import render_grid

    window = make_window(SMALL)
    for _ in range(6):
        click(qtbot, window, window.acts.step)

    def answer(dialog) -> QDialog.DialogCode:  # From t 2, To t 5, GIF: as a person fills the dialog in
        start, stop = dialog.findChildren(QSpinBox)[:2]
        start.setValue(2)
        stop.setValue(5)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QDialog, "exec", answer)
    out = tmp_path / "run.gif"
    save_dialog.append(out)
    window.sessions.movie_action.trigger()
    frames = iio.imread(out, index=None)[..., :3].astype(int)
    assert len(frames) == 4
    s = window.stepper
    for k, t in enumerate(range(2, 6)):  # each frame is the screenshot at its t, title line included
        title = title_line(t, s.config.label(), str(s.device), s.config.dtype)
        from hiddenscope.gui.export.render import image_rgb

        expected = image_rgb(render_grid(s.snapshot(t).hidden, [0, 1, 2], title)).astype(int)
        h, w, _ = expected.shape
        assert np.abs(frames[k, :h, :w] - expected).mean() < 2  # up to the GIF's palette
    assert "4 frames, t = 2..5" in window.statusBar().currentMessage()


def test_a_cancelled_movie_leaves_no_file(make_window, qtbot, monkeypatch, tmp_path):
    pytest.importorskip("PIL")
    from PySide6.QtWidgets import QProgressDialog

    window = make_window(SMALL)
    for _ in range(4):
        click(qtbot, window, window.acts.step)
    monkeypatch.setattr(QProgressDialog, "wasCanceled", lambda self: True)
    out = tmp_path / "movies"
    out.mkdir()
    assert window.sessions.export_movie(out / "m.gif", 0, 4) is None
    assert list(out.iterdir()) == []  # neither the movie nor its temporary file
    assert "cancelled" in window.statusBar().currentMessage()


def test_heatmaps_as_svg_and_pdf_hold_the_title_and_every_agent(make_window, qtbot, save_dialog, tmp_path):
    import re

    window = make_window(SMALL)
    click(qtbot, window, window.acts.step)
    svg, pdf = tmp_path / "grid.svg", tmp_path / "grid.pdf"
    save_dialog.append(svg)
    window.sessions.figure_action.trigger()
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "h_1 at t = 1" in text  # the title is text, not pixels
    assert all(f"agent {a}" in text for a in range(3))
    assert len(re.findall(r"<image\b", text)) == 3 + 1  # a heatmap per agent, and the colour bar
    assert window.sessions.save_figure(pdf) == pdf
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"/MediaBox" in data
    from hiddenscope.gui.export.render import grid_layout

    layout = grid_layout(2, 6, [0, 1, 2], window.grid.page_picture().title, axes=True)
    box = re.search(rb"/MediaBox \[\s*([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", data)
    assert box is not None and (round(float(box[3])), round(float(box[4]))) == (layout.width, layout.height)


def test_closing_the_window_while_recording_finishes_the_file(make_window, qtbot, tmp_path):
    from hiddenscope.core.session import SessionReader

    out = tmp_path / "rec.h5"
    window = make_window(SMALL)
    assert window.sessions.start_recording(out)
    click(qtbot, window, window.acts.step)
    click(qtbot, window, window.acts.step)
    window.close()
    with SessionReader(out) as reader:
        assert (reader.first, reader.last) == (0, 2)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_a_movie_past_the_newest_step_steps_the_live_run_on(make_window, qtbot, tmp_path):
    iio = pytest.importorskip("imageio.v3", reason="the movies extra is not installed: hiddenscope[movies]")
    window = make_window(SMALL)
    click(qtbot, window, window.acts.step)
    click(qtbot, window, window.acts.step)
    assert window.sessions.export_movie(tmp_path / "m.gif", 0, 6, fps=5) == tmp_path / "m.gif"
    assert len(iio.imread(tmp_path / "m.gif", index=None)) == 7
    assert window.stepper.latest == 6 and window.model.frame.t == 6  # the run went on, as Play would have


def test_fast_forward_through_a_session_stops_at_its_end(make_window, qtbot, messages, tmp_path):
    path = record(tmp_path, steps=30)
    window = make_window(SMALL)
    assert window.sessions.open_session(path)
    window.acts.fast.trigger()
    qtbot.waitUntil(lambda: not window.playing, timeout=10000)
    assert window.model.frame.t == 30 and messages == []
    assert "it ends at t = 30" in window.statusBar().currentMessage()


def test_compare_a_recording_with_a_checkpoint_on_its_recorded_inputs(make_window, qtbot, open_dialog, tmp_path):
    import torch

    from hiddenscope.core.model import CondAgent

    path = record(tmp_path, steps=5)
    other = tmp_path / "other.pt"
    torch.manual_seed(1)
    torch.save(CondAgent(4, 3, 8).state_dict(), other)
    window = make_window(SMALL)
    window.sessions.open_session(path)
    open_dialog.append(other)
    window.compare.checkpoint_action.trigger()
    assert window.compare.label.text().strip() == "B: other.pt"
    comp = window.model.comparison
    for t in range(1, 6):
        click(qtbot, window, window.acts.step)
        np.testing.assert_allclose(window.grid.values, comp.hidden_at(t) - window.model.frame.hidden)
        assert np.abs(window.grid.values).max() > 0


def test_a_damaged_step_in_an_open_session_is_one_message_and_the_rest_still_shows(
    make_window, qtbot, tmp_path, messages
):
    """One chunk of h_3 fails its checksum: seeking there, Difference at t = 4 and the history view say so once."""
    path = record(tmp_path, steps=6)
    with h5py.File(path, "r") as f:
        info = f["hidden"].id.get_chunk_info(3)  # the chunk of t = 3 (one step a chunk)
    data = bytearray(path.read_bytes())
    data[info.byte_offset + 5] ^= 0xFF
    path.write_bytes(bytes(data))
    window = make_window(SMALL)
    window.history_dock.raise_()
    assert window.sessions.open_session(path)
    window.timeline.setValue(2)
    assert window.model.frame.t == 2
    window.timeline.setValue(3)  # the damaged step: a dialog, and the last readable frame stays
    assert window.model.frame.t == 2 and len(messages) == 1 and "damaged" in messages[0]
    assert window.timeline.value() == 2  # the timeline shows the frame still on screen
    window.timeline.setValue(5)
    assert window.model.frame.t == 5
    np.testing.assert_array_equal(window.grid.values, window.model.stepper.snapshot(5).hidden)
    window.timeline.setValue(4)
    window.model.set_difference(True)  # needs h_3: the grid says why, the same reason is not said twice
    assert "damaged" in window.grid.axes_label.text()
    qtbot.wait(50)
    assert len(messages) == 1


def test_view_state_shown_switches_every_view_to_a_recorded_named_state(make_window, qtbot, tmp_path):
    import hiddenscope

    rng = np.random.default_rng(0)
    hs = rng.uniform(-1, 1, (4, 2, 3, 6)).astype(np.float32)
    cs = rng.uniform(-1, 1, (4, 2, 3, 6)).astype(np.float32)
    path = tmp_path / "lstm.h5"
    with hiddenscope.record(path, 3) as rec:
        for h, c in zip(hs, cs, strict=True):
            rec.step(h, states={"c": c})
    window = make_window(SMALL)
    assert window.sessions.open_session(path)
    menu = window.sessions.state_menu
    assert menu.isEnabled() and [a.text() for a in menu.actions()] == ["h", "c"]
    window.timeline.setValue(2)
    np.testing.assert_allclose(window.grid.values, hs[1], atol=1e-6)
    next(a for a in menu.actions() if a.text() == "c").trigger()
    window.timeline.setValue(2)
    np.testing.assert_allclose(window.grid.values, cs[1], atol=1e-6)  # t = 2 is the second step's cell
    assert window.grid.caption == "c_2"
    assert [a.isChecked() for a in menu.actions()] == [False, True]
    assert window.sessions.close_session()
    assert not window.sessions.state_menu.isEnabled()  # a live run has only h
