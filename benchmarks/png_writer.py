"""Saving the heatmap grid as a PNG: the hand-written encoder against Qt's own writer, side by side.

    python benchmarks/png_writer.py            # 64 agents × 1024 rows, the app's largest everyday screenshot
    python benchmarks/png_writer.py --quick

The image is the one "Save screenshot" paints at 1024 batch rows × 64 agents × 96
units (about 8 megapixels).  Each contender writes it to a real file, the way the
app would, in interleaved rounds; the fastest round of each counts (noise from
other work on the machine only ever adds time):

- ``hand``: ``core/png.py`` (RGB copy out of the QImage, no row filter, zlib level 1,
  pieces on all cores) written through ``core/files.atomic_write``; ``hand_1core``
  the same on one core;
- ``qt_z<N>``: ``QImageWriter`` at zlib level N into a ``QSaveFile``; ``qt_default``
  with no setting.  Qt's PNG writer takes its level from ``setQuality`` (0..100 maps to
  zlib 9..0; ``setCompression`` lands in the same place), and it lets libpng choose a
  filter per row.

Both sides fsync before the rename (``QSaveFile.commit`` does too).

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# zlib levels tried with Qt's writer: none, the hand encoder's level 1, zlib's default.
QT_LEVELS = (0, 1, 6)


def qt_quality(level: int) -> int:
    """The ``QImageWriter.setQuality`` value that Qt's PNG handler turns into zlib ``level``."""
    return 100 - (91 * level + 8) // 9  # Qt computes level = (100 - quality) * 9 // 91


def screenshot_image(batch: int = 1024, n_agents: int = 64):
    """The grid image the app saves for this size, painted from a real stepped model."""
    from hiddenscope.core import Config, Stepper
    from hiddenscope.core.picture import title_line
    from hiddenscope.gui.export.render import render_grid

    stepper = Stepper(
        Config(batch_size=batch, n_agents=n_agents, device="cpu"), history_budget=64 * 2**20, tracing=False
    )
    stepper.run(3)
    title = title_line(stepper.t, stepper.config.label(), "cpu", stepper.config.dtype)
    return render_grid(stepper.frame.hidden, list(range(n_agents)), title), title


def write_hand(image, path: Path, title: str, one_core: bool = False) -> None:
    from hiddenscope.core import png
    from hiddenscope.core.files import atomic_write
    from hiddenscope.gui.export.render import image_rgb

    saved = png._PARALLEL_BYTES
    if one_core:
        png._PARALLEL_BYTES = 2**62
    try:
        payload = png.encode_png(image_rgb(image), {"Title": title, "Software": "hiddenscope"})
    finally:
        png._PARALLEL_BYTES = saved
    atomic_write(path, lambda handle: handle.write(payload))


def write_qt(image, path: Path, title: str, level: int | None) -> None:
    from PySide6.QtCore import QSaveFile
    from PySide6.QtGui import QImageWriter

    out = QSaveFile(str(path))
    if not out.open(QSaveFile.OpenModeFlag.WriteOnly):
        raise OSError(out.errorString())
    writer = QImageWriter(out, b"png")
    if level is not None:
        writer.setQuality(qt_quality(level))
    writer.setText("Title", title)
    writer.setText("Software", "hiddenscope")
    if not writer.write(image):
        out.cancelWriting()
        raise OSError(writer.errorString())
    if not out.commit():
        raise OSError(out.errorString())


def measure(rounds: int = 5) -> dict[str, float]:
    from PySide6.QtGui import QGuiApplication, QImage

    app = QGuiApplication.instance() or QGuiApplication(["png_writer"])  # noqa: F841 - must live while painting
    image, title = screenshot_image()
    folder = Path(tempfile.mkdtemp())
    contenders = {
        "hand": lambda p: write_hand(image, p, title),
        "hand_1core": lambda p: write_hand(image, p, title, one_core=True),
        "qt_default": lambda p: write_qt(image, p, title, None),
    }
    for level in QT_LEVELS:
        contenders[f"qt_z{level}"] = lambda p, level=level: write_qt(image, p, title, level)
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, write in contenders.items():
            path = folder / f"{name}.png"
            started = time.perf_counter()
            write(path)
            best[name] = min(best[name], time.perf_counter() - started)
    reference = image.convertToFormat(QImage.Format.Format_RGB32)
    for name in contenders:  # every contender must have written the same pixels
        back = QImage(str(folder / f"{name}.png")).convertToFormat(QImage.Format.Format_RGB32)
        if back != reference:
            raise AssertionError(f"{name} did not round-trip the screenshot's pixels")
    result: dict[str, float] = {
        "width": image.width(),
        "height": image.height(),
        "megapixels": round(image.width() * image.height() / 1e6, 2),
        "cpu_count": os.cpu_count() or 1,
    }
    for name in contenders:
        result[f"{name}_s"] = round(best[name], 4)
        result[f"{name}_mb"] = round((folder / f"{name}.png").stat().st_size / 2**20, 2)
    for name in contenders:
        if name.startswith("qt"):
            result[f"{name}_over_hand"] = round(best[name] / best["hand"], 2)
            result[f"{name}_over_hand_1core"] = round(best[name] / best["hand_1core"], 2)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    result = measure(rounds=3 if args.quick else 7)
    print(f"{result['width']}×{result['height']} ({result['megapixels']} MP), {result['cpu_count']} cores")
    for name in ("hand", "hand_1core", "qt_default", *(f"qt_z{lv}" for lv in QT_LEVELS)):
        ratio = (
            f"  {result[f'{name}_over_hand']}× hand, {result[f'{name}_over_hand_1core']}× hand on one core"
            if name.startswith("qt")
            else ""
        )
        print(f"{name:>12}  {result[f'{name}_s']:.3f} s  {result[f'{name}_mb']:6.2f} MiB{ratio}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
