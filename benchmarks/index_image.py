"""Drawing a colour-index heatmap: pyqtgraph's own ``ImageItem`` against ``gui/index_image.IndexImageItem``.

    python benchmarks/index_image.py           # a few seconds
    python benchmarks/index_image.py --quick

Each heatmap view hands its item uint8 colour indices and a 256-entry table.
pyqtgraph turns those into an Indexed8 ``QImage``, which Qt converts to 32 bits on
every paint before it scales it; ``IndexImageItem`` looks the table up once per new
image into a 32-bit RGB ``QImage``, which Qt scales directly.  Both draw the same
image into a real ``PlotWidget`` of the size the grid has in the default window,
offscreen; per contender, in interleaved rounds (the fastest round counts: noise
only ever adds time):

- ``new_image_ms``: a new image and a repaint (what a step or a replayed frame costs);
- ``repaint_ms``: a repaint of the same image (a resize, a hover's tooltip, a dock moved).

Sizes: the grid's mosaic at 1024 × 64 × 96 as drawn (447 × 396 indices, one row in
eleven) and at full height (4916 × 396), and 256 × 16 × 96 (1280 × 396).  That the pixels
are the values' colours is checked by the GUI tests (``test_the_painted_heatmap_pixels_are_the_values_colours``,
``tests/gui/test_heatmap_detail.py``).  The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZES = {"1024x64x96_drawn": (447, 396), "1024x64x96_full": (4916, 396), "256x16x96": (1280, 396)}
VIEW = (742, 491)  # the heatmap grid's plot area in the default 1440 × 900 window


def measure(rounds: int = 5, per_round: int = 20) -> dict[str, dict[str, float]]:
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from hiddenscope.gui.theme import index_lut
    from hiddenscope.gui.widgets.index_image import IndexImageItem

    QApplication.instance() or QApplication([])
    pg.setConfigOptions(imageAxisOrder="row-major")  # as the app sets it (gui/views/heatmap_grid.py)
    rng = np.random.default_rng(0)
    results: dict[str, dict[str, float]] = {}
    for name, shape in SIZES.items():
        images = [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(2)]
        widgets = {}
        for label, cls in (("pyqtgraph", pg.ImageItem), ("index_image", IndexImageItem)):
            widget = pg.PlotWidget()
            widget.resize(*VIEW)
            widget.hideAxis("left"), widget.hideAxis("bottom")
            item = cls()
            item.setLookupTable(index_lut())
            item.setImage(images[0], autoLevels=False, levels=(0, 255))
            widget.addItem(item)
            widget.show()
            QApplication.processEvents()
            widgets[label] = (widget, item)
        best = {f"{label}_{what}": float("inf") for label in widgets for what in ("new_image_ms", "repaint_ms")}
        for _ in range(rounds):
            for label, (widget, item) in widgets.items():
                started = time.perf_counter()
                for k in range(per_round):
                    item.updateImage(images[k % 2])
                    widget.viewport().repaint()
                took = (time.perf_counter() - started) / per_round * 1000
                best[f"{label}_new_image_ms"] = min(best[f"{label}_new_image_ms"], took)
                started = time.perf_counter()
                for _ in range(per_round):
                    widget.viewport().repaint()
                took = (time.perf_counter() - started) / per_round * 1000
                best[f"{label}_repaint_ms"] = min(best[f"{label}_repaint_ms"], took)
        for widget, _ in widgets.values():
            widget.close()
        entry = {key: round(value, 3) for key, value in best.items()}
        entry["new_image_speedup"] = round(best["pyqtgraph_new_image_ms"] / best["index_image_new_image_ms"], 2)
        entry["repaint_speedup"] = round(best["pyqtgraph_repaint_ms"] / best["index_image_repaint_ms"], 2)
        results[name] = entry
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    results = measure(rounds=3 if args.quick else 7, per_round=10 if args.quick else 20)
    for name, entry in results.items():
        print(
            f"{name:>18}  new image: pyqtgraph {entry['pyqtgraph_new_image_ms']:.3f} ms,"
            f" IndexImageItem {entry['index_image_new_image_ms']:.3f} ms (×{entry['new_image_speedup']});"
            f" repaint: {entry['pyqtgraph_repaint_ms']:.3f} vs {entry['index_image_repaint_ms']:.3f} ms"
            f" (×{entry['repaint_speedup']})"
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
