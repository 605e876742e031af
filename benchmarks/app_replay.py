"""Opening a large session in the app, and scrubbing it, in the real main window (offscreen).

    python benchmarks/app_replay.py [--steps 1000] [--batch 256] [--agents 16]

1. Records ``--steps`` steps of the seed model at ``batch × agents × 96`` to a session
   (about 1.8 MB a step at the defaults: 1.8 GB for 1000 steps).
2. Opens it in a main window that shows a live run (File → Open session, as a person does)
   and reports the time until the first recorded frame is drawn, and the resident memory
   before and after: the file is read step by step as asked, not loaded.
3. Scrubs: seeks through the model (what the timeline slider does) with the heatmaps, the
   shape panel and the history view drawing every frame, to random timesteps (``jump``) and
   to consecutive ones (``drag``), and reports frames per second.  The page cache is warm
   (the file was just written).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--agents", type=int, default=16)
    parser.add_argument("--scrubs", type=int, default=60)
    args = parser.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from hiddenscope.core import Config, Stepper
    from hiddenscope.core.session import record_session
    from hiddenscope.gui.main_window import MainWindow

    app = QApplication([])
    config = Config(batch_size=args.batch, n_agents=args.agents, device="cpu")
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "large.h5")
        started = time.perf_counter()
        record_session(Stepper(config, history_budget=64 * 2**20), args.steps, path)
        results["record_s"] = round(time.perf_counter() - started, 1)
        results["session_mib"] = round(os.path.getsize(path) / 2**20, 1)
        window = MainWindow(
            Stepper(config.replace(batch_size=4, n_agents=2)),
            QSettings(os.path.join(folder, "s.ini"), QSettings.Format.IniFormat),
        )
        window.resize(1440, 900)
        window.show()
        window.history_dock.raise_()
        app.processEvents()
        before = rss_mib()
        started = time.perf_counter()
        assert window.sessions.open_session(path)
        app.processEvents()
        results["open_to_first_frame_ms"] = round((time.perf_counter() - started) * 1000, 1)
        results["rss_before_open_mib"] = round(before, 1)
        results["rss_after_open_mib"] = round(rss_mib(), 1)
        jumps = [random.randrange(args.steps + 1) for _ in range(args.scrubs)]
        drag = list(range(args.steps // 2, args.steps // 2 + args.scrubs))  # the slider dragged step by step
        for name, ts in (("jump", jumps), ("drag", drag)):
            started = time.perf_counter()
            for t in ts:
                window.model.seek(t)
                window.history_view.redraw()  # the side view draws every frame here, not at most 15 times a second
                app.processEvents()
            results[f"scrub_{name}_fps"] = round(len(ts) / (time.perf_counter() - started), 1)
        results["rss_after_scrub_mib"] = round(rss_mib(), 1)
        window.sessions.close_session()
        window.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
