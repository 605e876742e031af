"""Movies of the heatmap grid over time (``hiddenscope movie``): MP4 through imageio-ffmpeg, GIF through Pillow.

Each frame is a :class:`~hiddenscope.core.picture.Picture` rendered as a screenshot is
(:func:`.render.render_picture`: one block of whole pixels per value, the title line
with t), padded with white to even sides, which H.264 in yuv420p needs; ``movie --frames``
writes the unpadded PNGs, each the one ``hiddenscope screenshot`` writes at its t.
Frames are drawn and written one at a time, so a long movie needs the memory of one
frame (a GIF keeps Pillow's palette work besides).
The file is written under a temporary name beside the target and renamed when complete
(:func:`hiddenscope.core.files.atomic_path`, as every file hiddenscope writes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from hiddenscope.core.errors import FileProblem, UserError, install_command
from hiddenscope.core.files import atomic_path
from hiddenscope.core.picture import Look, Picture, build_picture
from hiddenscope.core.stepper import BaseStepper
from hiddenscope.gui.export.headless import ensure_gui_app


def extra_hint() -> str:
    """How to install what movies need, as the command for the Python running now."""
    return f"the movies extra (imageio and imageio-ffmpeg): {install_command('movies')}"


def check_available(suffix: str) -> None:
    """Raise :class:`UserError` naming the extra to install when the writer for ``suffix`` is missing."""
    try:
        if suffix == ".mp4":
            import imageio_ffmpeg

            imageio_ffmpeg.get_ffmpeg_exe()
        else:
            import PIL.Image  # noqa: F401 - imageio's own image library
    except (ImportError, RuntimeError) as exc:
        raise UserError(f"writing {suffix} needs {extra_hint()}: {exc}") from None


def even_sides(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` padded with white to even sides (H.264 in yuv420p needs them)."""
    h, w, _ = rgb.shape
    return np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), constant_values=255)


def picture_frame(picture: Picture, axes: bool = False) -> np.ndarray:
    """``picture`` rendered as a screenshot is, as ``(height, width, 3)`` uint8 with even sides."""
    app = ensure_gui_app()  # noqa: F841 - must live while painting
    from hiddenscope.gui.export.render import image_rgb, render_picture

    return even_sides(image_rgb(render_picture(picture, axes)))


def save_picture(picture: Picture, out: str | os.PathLike[str], axes: bool = False) -> Path:
    """``picture`` as the PNG ``hiddenscope screenshot`` writes (the title in its text chunk)."""
    app = ensure_gui_app()  # noqa: F841 - must live while painting
    from hiddenscope.gui.export.render import render_picture, save_png

    return save_png(render_picture(picture, axes), out, picture.title)


def step_to(stepper: BaseStepper, t: int) -> None:
    """Make a live run hold ``t``: past its newest step it steps on from the newest, as Play would."""
    while stepper.latest < t:
        if stepper.t < stepper.latest:
            stepper.seek(stepper.latest)
        stepper.advance()


def pictures(stepper: BaseStepper, start: int, stop: int, look: Look, agents: list[int]) -> Iterator[Picture]:
    """The pictures of timesteps ``start..stop``; a live run past its newest step steps on to make them."""
    for t in range(start, stop + 1):
        step_to(stepper, t)
        yield build_picture(stepper, t, look, agents=agents)


def frame_name(t: int) -> str:
    """The file ``movie --frames`` writes the frame of ``t`` to."""
    return f"t{t:06d}.png"


def check_frames_folder(folder: str | os.PathLike[str], ts: range, force: bool) -> Path:
    """The folder for ``movie --frames`` (made if missing); UserError if it is not one or a frame file is there."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise FileProblem(f"--frames {path}: not a folder")
    taken = [frame_name(t) for t in ts if (path / frame_name(t)).exists()] if path.is_dir() else []
    if taken and not force:
        raise FileProblem(
            f"--frames {path} already holds {taken[0]}{' and more' if len(taken) > 1 else ''};"
            " add --force to replace them"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileProblem(f"cannot make the folder {path}: {exc.strerror or exc}") from None
    return path


def write_frames(
    frames: Iterable[Picture],
    folder: Path,
    total: int,
    progress: Callable[[int, int], None] | None = None,
    axes: bool = False,
) -> int:
    """Each picture as ``folder/t000012.png``, the PNG ``hiddenscope screenshot`` writes at that t; how many."""
    count = 0
    for count, picture in enumerate(frames, 1):
        save_picture(picture, folder / frame_name(picture.t), axes)
        if progress is not None:
            progress(count, total)
    return count


def write_movie(
    frames: Iterable[np.ndarray],
    out: str | os.PathLike[str],
    fps: float,
    total: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write ``frames`` (all the same size) to ``out`` (``.mp4`` or ``.gif``); return how many were written.

    Through :func:`hiddenscope.core.files.atomic_path`: on any error (Cancel included)
    the temporary file goes and ``out`` is as it was.
    """
    target = Path(out)
    suffix = target.suffix.lower()

    def counted() -> Iterator[np.ndarray]:
        for k, frame in enumerate(frames, 1):
            yield frame
            if progress is not None:
                progress(k, total)
            written[0] = k

    written = [0]
    try:
        with atomic_path(target, suffix) as tmp:
            if suffix == ".mp4":
                _write_mp4(counted(), str(tmp), fps)
            else:
                _write_gif(counted(), str(tmp), fps)
    except RuntimeError as exc:  # ffmpeg's or Pillow's own failure (an OSError is a FileProblem already)
        raise FileProblem(f"could not write {target}: {exc}; nothing was changed") from None
    return written[0]


def _write_mp4(frames: Iterator[np.ndarray], path: str, fps: float) -> None:
    import imageio_ffmpeg

    first = next(frames, None)
    if first is None:
        raise RuntimeError("no frames to write")
    h, w, _ = first.shape
    writer = imageio_ffmpeg.write_frames(
        path,
        (w, h),
        fps=fps,
        codec="libx264",
        pix_fmt_in="rgb24",
        pix_fmt_out="yuv420p",
        macro_block_size=1,
        quality=8,
        ffmpeg_log_level="error",
        output_params=["-movflags", "+faststart"],
    )
    writer.send(None)  # start ffmpeg
    try:
        writer.send(np.ascontiguousarray(first))
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
    finally:
        writer.close()


def _write_gif(frames: Iterator[np.ndarray], path: str, fps: float) -> None:
    from PIL import Image

    first = next(frames, None)
    if first is None:
        raise RuntimeError("no frames to write")
    rest = (Image.fromarray(frame) for frame in frames)
    # Each title names its t, so no two neighbours are equal (Pillow would merge those into one frame).
    Image.fromarray(first).save(
        path,
        format="GIF",
        save_all=True,
        append_images=rest,
        duration=max(1, round(1000 / fps)),
        loop=0,
        optimize=False,
        disposal=1,
    )
