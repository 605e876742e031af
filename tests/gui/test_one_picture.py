"""One picture, one source: the screen, the PNG, the SVG/PDF figure, the movie and the CLI agree.

Planted data: a recording whose hidden states are known numbers (a ramp over the units
that grows with t), so a unit order and a difference have answers worked out here by hand.
"""

from __future__ import annotations

import re

import h5py
import numpy as np
import pytest
from helpers import click
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from hiddenscope.core import Config, Stepper
from hiddenscope.core.session import SessionReader, record_session

SMALL = Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4, device="cpu")


def planted(tmp_path, steps: int = 6):
    """A session whose h_t[b, a, u] = 0.01·t·(u − 2.5) + 0.001·a: unit 5 grows fastest, unit 0 falls fastest."""
    path = tmp_path / "planted.h5"
    record_session(Stepper(SMALL), steps, path)
    with h5py.File(path, "r+") as f:
        t = f["t"][:].astype(np.float32)
        b, a, u = f["hidden"].shape[1:]
        units = np.arange(u, dtype=np.float32) - (u - 1) / 2
        agents = 0.001 * np.arange(a, dtype=np.float32)
        f["hidden"][...] = 0.01 * t[:, None, None, None] * units[None, None, None, :] + agents[None, None, :, None]
    return path


def by_mean(path, t: int) -> np.ndarray:
    """The unit order 'mean' must give at t: computed here from the planted numbers, not by hiddenscope."""
    with SessionReader(path) as reader:
        held = np.stack([reader.hidden(s) for s in range(reader.first, t + 1)])
    return np.argsort(-held.mean(axis=(0, 1, 2)), kind="stable")


def test_screenshot_and_movie_frames_agree_pixel_for_pixel_with_order_and_difference(tmp_path, qapp):
    from PySide6.QtGui import QImage

    from hiddenscope.cli import main
    from hiddenscope.gui.export.render import image_rgb

    path = planted(tmp_path)
    frames = tmp_path / "frames"
    opts = ["--order", "mean", "--difference"]
    assert main(["movie", "--session", str(path), "--from", "2", "--to", "5", "--frames", str(frames), *opts]) == 0
    assert sorted(p.name for p in frames.iterdir()) == [f"t{t:06d}.png" for t in range(2, 6)]
    for t in range(2, 6):
        shot = tmp_path / f"shot{t}.png"
        # A movie uses the order its last t gives: a screenshot at 5 orders the same way.
        assert main(["screenshot", "--session", str(path), "--at", str(t), "--out", str(shot), *opts]) == 0
        a, b = image_rgb(QImage(str(shot))), image_rgb(QImage(str(frames / f"t{t:06d}.png")))
        if t == 5:
            np.testing.assert_array_equal(a, b)
        else:
            assert a.shape == b.shape
    # The order is the planted one, and the title says so; the values are differences, on the ±0.5 scale.
    from hiddenscope.core.picture import Look, build_picture, order_at
    from hiddenscope.core.replay import ReplayStepper

    with SessionReader(path) as reader:
        replay = ReplayStepper(reader)
        replay.seek(5)
        order = order_at(replay, "mean")
        np.testing.assert_array_equal(order.order, by_mean(path, 5))
        picture = build_picture(replay, look=Look(difference=True, order=order))
        assert picture.levels == (-0.5, 0.5) and "h_5 − h_4" in picture.title and "units by mean" in picture.title
        expected = (reader.hidden(5) - reader.hidden(4))[..., by_mean(path, 5)]
        np.testing.assert_allclose(picture.values, expected, atol=1e-7)


def test_cli_refuses_a_bad_order_and_frames_into_a_file(tmp_path, capsys):
    from hiddenscope.cli import main

    path = planted(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(["screenshot", "--session", str(path), "--order", "size", "--out", str(tmp_path / "x.png")])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    assert main(["movie", "--session", str(path), "--frames", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "not a folder" in err and blocker.read_text() == "keep me"


@pytest.fixture
def save_dialog(monkeypatch):
    answers: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(answers.pop(0)), ""))
    return answers


def test_screen_png_svg_pdf_and_movie_show_the_same_ordered_difference(make_window, qtbot, tmp_path, qapp):
    """Units ordered by mean and Difference on: every export shows what the grid shows."""
    import imageio.v3 as iio
    from PySide6.QtGui import QImage

    from hiddenscope.gui.export.render import image_rgb, picture_layout, render_picture

    path = planted(tmp_path)
    window = make_window(SMALL)
    window.sessions.open_session(path)
    window.timeline.setValue(4)
    window.model.set_unit_order("mean")
    window.model.set_difference(True)
    shown = window.grid.picture
    expected = (window.model.stepper.snapshot(4).hidden - window.model.stepper.snapshot(3).hidden)[
        ..., by_mean(path, 4)
    ]
    np.testing.assert_allclose(shown.values, expected, atol=1e-7)
    assert window.grid.levels == (-0.5, 0.5)
    # The grid's own mosaic is coloured from the ordered values (columns by mean).
    from hiddenscope.gui.theme import to_rgb

    np.testing.assert_array_equal(window.grid.shown_rgb(0), to_rgb(shown.values[:, 0, :], (-0.5, 0.5)))
    reference = image_rgb(render_picture(window.grid.page_picture()))

    png = window.save_screenshot(tmp_path / "s.png")
    np.testing.assert_array_equal(image_rgb(QImage(str(png))), reference)
    np.testing.assert_array_equal(image_rgb(window.files.screenshot_image()), reference)

    # SVG and PDF are painted from the same picture: the title they carry names the order and the difference.
    svg = window.sessions.figure_bytes(".svg").decode()
    assert "units by mean" in svg and "h_4 − h_3" in svg
    layout = picture_layout(window.grid.page_picture(), axes=True)  # a figure numbers its rows and units
    assert f'viewBox="0 0 {layout.width} {layout.height}"' in svg  # the picture's own layout, title lines included
    pdf = window.sessions.figure_bytes(".pdf")
    box = re.search(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf)
    assert box is not None and (float(box[1]), float(box[2])) == (layout.width, layout.height)  # a point a pixel

    movie = tmp_path / "m.gif"
    assert window.sessions.export_movie(movie, 4, 4, 5.0) == movie
    frame = iio.imread(movie, index=0)[..., :3]
    assert frame.shape[:2] == tuple(n + n % 2 for n in reference.shape[:2])
    # GIF's palette keeps the heatmaps' colours exactly (the title's anti-aliased text is quantised).
    layout = picture_layout(window.grid.page_picture())
    for rect in layout.tiles.values():
        rows, cols = slice(rect.top(), rect.bottom() + 1), slice(rect.left(), rect.right() + 1)
        np.testing.assert_array_equal(frame[rows, cols], reference[rows, cols])


def test_difference_pressed_mid_op_shows_the_change_on_the_difference_scale(make_window, qtbot):
    window = make_window(SMALL)
    click(qtbot, window, window.acts.step)
    click(qtbot, window, window.acts.step)
    qtbot.keyClick(window, Qt.Key.Key_BracketLeft)  # Step op back: the op before the last
    assert window.model.view.op_index >= 0
    op = window.model.view.op_index
    stage, _ = window.stepper.stage_state(op)
    assert stage is not None
    qtbot.keyClick(window, Qt.Key.Key_D)
    assert window.model.view.difference
    assert window.grid.levels == (-0.5, 0.5)
    before = window.stepper.snapshot(1).hidden
    np.testing.assert_allclose(window.grid.values, stage - before, atol=1e-7)
    assert "− h_1" in window.grid.caption


def test_step_op_on_the_oldest_held_step_says_h_t_minus_1_is_gone(make_window, qtbot):
    # A history of 3 steps: after 5 steps, t = 3 is the oldest held and h_2 is gone.
    window = make_window(SMALL, history_budget=3 * 4 * (2 * 3 * 6 + 2 * 3 * 4))
    for _ in range(5):
        click(qtbot, window, window.acts.step)
    first = window.stepper.history.first
    window.timeline.setValue(first)
    assert window.model.frame.t == first
    # Walk the ops with ]: those on the hidden state before the GRU writes h_t would show h_{t-1}, which is gone.
    said = []
    for _ in range(len(window.model.frame.trace)):
        qtbot.keyClick(window, Qt.Key.Key_BracketRight)
        if window.model.view.op_index < 0:
            break
        said.append(window.grid.axes_label.text())
        if window.grid.picture.data is not None:  # the first op with something to draw shows h_t: memory written
            np.testing.assert_array_equal(window.grid.values, window.model.frame.hidden)
    gone = [text for text in said if "no longer held" in text]
    assert gone and all(f"h_{first - 1}" in text for text in gone)


def test_record_from_a_step_back_in_history_keeps_every_step_watched(make_window, qtbot, save_dialog, tmp_path):
    out = tmp_path / "rec.h5"
    window = make_window(SMALL)
    for _ in range(5):
        click(qtbot, window, window.acts.step)
    for _ in range(3):
        click(qtbot, window, window.acts.back)
    assert window.model.frame.t == 2
    save_dialog.append(out)
    click(qtbot, window, window.sessions.record_action)
    window.speed_box.setValue(200)
    click(qtbot, window, window.acts.play)
    qtbot.waitUntil(lambda: window.model.frame.t >= 37, timeout=30000)
    click(qtbot, window, window.acts.play)
    shown = window.model.frame.t
    qtbot.waitUntil(lambda: f"{shown - 2 + 1} steps" in window.sessions.record_label.text())  # the last write heard
    click(qtbot, window, window.sessions.record_action)
    with SessionReader(out) as reader:
        assert (reader.first, reader.last) == (2, shown)
        for t in (2, 5, shown):
            np.testing.assert_array_equal(reader.hidden(t), window.stepper.snapshot(t).hidden)


def test_closing_a_session_with_agents_and_trajectories_raised_shows_the_live_run(make_window, qtbot, tmp_path):
    path = tmp_path / "long.h5"
    record_session(Stepper(SMALL), 9, path)
    window = make_window(SMALL)
    for _ in range(5):
        click(qtbot, window, window.acts.step)
    window.sessions.open_session(path)
    window.timeline.setValue(7)
    seen: list[tuple[int, int]] = []
    window.model.rebuilt.connect(lambda: seen.append((window.model.frame.t, window.model.view.op_index)))
    for name in ("agents_dock", "trajectory_dock"):
        dock = getattr(window, name, None)
        if dock is not None:
            dock.show()
            dock.raise_()
    assert window.sessions.close_session()
    qtbot.wait(50)
    # When the views hear "rebuilt" the model already shows the live run's frame, not the session's t = 7.
    assert seen == [(5, -1)]
    assert window.model.frame.t == 5


def test_axes_number_the_rows_and_the_units_in_the_order_drawn(tmp_path, qapp):
    """--axes moves the tiles to make room for numbers; the values are the same, the units read in their order."""
    from PySide6.QtGui import QImage

    from hiddenscope.cli import main
    from hiddenscope.core.picture import Look, build_picture, order_at
    from hiddenscope.core.replay import ReplayStepper
    from hiddenscope.gui.export.render import decode, paint_picture, picture_layout

    path = planted(tmp_path)
    plain, axed = tmp_path / "plain.png", tmp_path / "axed.png"
    assert main(["screenshot", "--session", str(path), "--at", "5", "--order", "mean", "--out", str(plain)]) == 0
    assert (
        main(["screenshot", "--session", str(path), "--at", "5", "--order", "mean", "--axes", "--out", str(axed)]) == 0
    )
    with SessionReader(path) as reader:
        replay = ReplayStepper(reader)
        replay.seek(5)
        picture = build_picture(replay, look=Look(order=order_at(replay, "mean")))
        with_axes, without = picture_layout(picture, axes=True), picture_layout(picture)
        image = QImage(str(axed))
        assert (image.width(), image.height()) == (with_axes.width, with_axes.height)
        assert with_axes.tiles[0].left() > without.tiles[0].left()  # room for the rows' numbers
        for agent, rect in with_axes.tiles.items():  # the heatmaps themselves are the same numbers
            np.testing.assert_allclose(
                decode(image, rect, with_axes.scale), picture.values[:, agent, :], atol=2 / 255 + 1e-6
            )
        # The unit numbers are text in a vector figure: the first drawn is the unit ordered first.
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        svg = QSvgGenerator()
        svg.setOutputDevice(buffer)
        svg.setSize(QSize(with_axes.width, with_axes.height))
        svg.setViewBox(QRect(0, 0, with_axes.width, with_axes.height))
        painter = QPainter(svg)
        paint_picture(painter, picture, axes=True)
        painter.end()
        text = bytes(data.data()).decode()
        assert f">{int(picture.units[0])}</text>" in text and f">{int(picture.units[1])}</text>" in text


def test_an_op_on_the_inputs_shows_the_memory_as_it_stands_and_difference_and_saving_follow(
    make_window, qtbot, tmp_path
):
    """Into a step: ops on the inputs leave the memory at h_{t-1}; the grid says so and never keeps old values."""
    from PySide6.QtGui import QImage

    from hiddenscope.gui.export.render import image_rgb, render_picture
    from hiddenscope.gui.theme import to_rgb

    window = make_window(SMALL)
    for _ in range(3):
        click(qtbot, window, window.acts.step)
    trace = window.model.frame.trace
    first_input = next(i for i, r in enumerate(trace) if r.role == "input")
    h_before = window.stepper.snapshot(2).hidden
    qtbot.keyClick(window, Qt.Key.Key_D)  # Difference first: the whole step's h_3 − h_2 is drawn
    for _ in range(first_input + 1):
        qtbot.keyClick(window, Qt.Key.Key_BracketRight)
    assert window.model.view.op_index == first_input
    np.testing.assert_array_equal(window.grid.values, np.zeros_like(h_before))  # untouched: no change yet
    assert "on the inputs; the memory holds h_2" in window.grid.caption
    qtbot.keyClick(window, Qt.Key.Key_D)  # Difference off: the memory itself, h_2
    assert not window.model.view.difference
    np.testing.assert_array_equal(window.grid.values, h_before)
    assert window.grid.levels == (-1.0, 1.0)
    np.testing.assert_array_equal(window.grid.shown_rgb(0), to_rgb(h_before[:, 0, :], (-1.0, 1.0)))
    png = window.save_screenshot(tmp_path / "op.png")  # saved: what the screen shows
    np.testing.assert_array_equal(image_rgb(QImage(str(png))), image_rgb(render_picture(window.grid.page_picture())))
    assert "on the inputs; the memory holds h_2" in window.grid.page_picture().title


def test_the_history_view_draws_no_step_newer_than_the_frame_shown(make_window, qtbot):
    """Play's worker steps ahead of the frame drawn: the history view and its count stay with that frame."""
    window = make_window(SMALL)
    for _ in range(5):
        click(qtbot, window, window.acts.step)
    window.history_dock.raise_()
    frame, held = window.model.frame, window.model.held  # t = 5, the newest step
    for _ in range(3):  # the worker's steps, not yet shown: the model still has the frame and bounds it took
        window.stepper.step()
    window.model.frame, window.model.held = frame, held
    view = window.history_view
    view.draw(frame)
    assert window.stepper.history.bounds().last == 8  # the worker's steps are held (a short history: all of them)
    assert view.ts[-1] == held.last == frame.t == 5
    assert f"({len(view.ts)} of the {len(held)} steps held)" in view.span_label.text()
    assert len(view.ts) <= len(held)
