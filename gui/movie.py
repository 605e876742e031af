"""Movies of the heatmap grid over time (``hiddenscope movie``): MP4 through imageio-ffmpeg, GIF through Pillow.

Each frame is the screenshot renderer's own picture (:func:`.screenshot.render_grid`:
one block of whole pixels per value, the title line with t), padded with white to even
sides, which H.264 in yuv420p needs.  Frames are drawn and written one at a time, so a
long movie needs the memory of one frame (a GIF keeps Pillow's palette work besides).
The file is written under a temporary name beside the target and renamed when complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from hiddenscope.core.errors import FileProblem, UserError
from hiddenscope.core.session import SessionReader
from hiddenscope.core.stepper import Stepper

from .headless import ensure_gui_app

EXTRA = 'pip install "hiddenscope[movies]" (imageio and imageio-ffmpeg)'


def check_available(suffix: str) -> None:
    """Raise :class:`UserError` naming the extra to install when the writer for ``suffix`` is missing."""
    try:
        if suffix == ".mp4":
            import imageio_ffmpeg

            imageio_ffmpeg.get_ffmpeg_exe()
        else:
            import PIL.Image  # noqa: F401 - imageio's own image library
    except (ImportError, RuntimeError) as exc:
        raise UserError(f"writing {suffix} needs {EXTRA}: {exc}") from None


def grid_frame(values: np.ndarray, agents: list[int], title: str) -> np.ndarray:
    """The heatmap grid of ``values`` ``(batch, n_agents, units)`` as ``(height, width, 3)`` uint8, even sides."""
    app = ensure_gui_app()  # noqa: F841 - must live while painting
    from .screenshot import image_rgb, render_grid

    rgb = image_rgb(render_grid(values, agents, title))
    h, w, _ = rgb.shape
    return np.pad(rgb, ((0, h % 2), (0, w % 2), (0, 0)), constant_values=255)


def session_frames(reader: SessionReader, start: int, stop: int, agent: int | None = None) -> Iterator[np.ndarray]:
    """Frames for timesteps ``start..stop`` of a recorded session, read from disk one at a time."""
    agents = list(range(reader.config.n_agents)) if agent is None else [agent]
    for t in range(start, stop + 1):
        yield grid_frame(reader.hidden(t), agents, session_title(reader, t))


def session_title(reader: SessionReader, t: int) -> str:
    """The title line a live screenshot of the recorded run has at ``t``."""
    from .screenshot import screenshot_title

    c = reader.config
    return screenshot_title(t, c.label(), str(reader.config_record.get("device_used", c.device)), c.dtype)


def save_session_screenshot(
    reader: SessionReader, t: int, out: str | os.PathLike[str], agent: int | None = None
) -> Path:
    """The PNG ``hiddenscope screenshot`` writes at ``t``, drawn from a recorded session (no model)."""
    app = ensure_gui_app()  # noqa: F841 - must live while painting
    from .screenshot import render_grid, save_png

    agents = list(range(reader.config.n_agents)) if agent is None else [agent]
    title = session_title(reader, t)
    return save_png(render_grid(reader.hidden(t), agents, title), out, title)


def live_frames(stepper: Stepper, steps: int, agent: int | None = None) -> Iterator[np.ndarray]:
    """The frame shown now, then one per step for ``steps`` steps of the model."""
    from .screenshot import screenshot_title

    c = stepper.config
    agents = list(range(c.n_agents)) if agent is None else [agent]
    for k in range(steps + 1):
        if k:
            stepper.step()
        frame = stepper.frame
        yield grid_frame(frame.hidden, agents, screenshot_title(frame.t, c.label(), str(stepper.device), c.dtype))


def write_movie(
    frames: Iterable[np.ndarray],
    out: str | os.PathLike[str],
    fps: float,
    total: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write ``frames`` (all the same size) to ``out`` (``.mp4`` or ``.gif``); return how many were written."""
    target = Path(out)
    final = Path(os.path.realpath(target))
    suffix = target.suffix.lower()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=f".part{suffix}", dir=final.parent)
        os.close(fd)
    except OSError as exc:
        raise FileProblem(f"cannot write {target}: {exc.strerror or exc}") from None

    def counted() -> Iterator[np.ndarray]:
        for k, frame in enumerate(frames, 1):
            yield frame
            if progress is not None:
                progress(k, total)
            written[0] = k

    written = [0]
    try:
        if suffix == ".mp4":
            _write_mp4(counted(), tmp, fps)
        else:
            _write_gif(counted(), tmp, fps)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, final)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, (OSError, RuntimeError)):
            raise FileProblem(f"could not write {target}: {exc}; nothing was changed") from None
        raise
    return written[0]


def _umask() -> int:
    from hiddenscope.core.files import _umask as umask

    return umask()


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
