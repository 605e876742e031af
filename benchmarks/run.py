"""hiddenscope's speed and memory, measured side by side in one run.

    python benchmarks/run.py           # full run (a few minutes)
    python benchmarks/run.py --quick   # under a minute, fewer frames and steps

For each size (batch × agents × units) it measures, offscreen:

- ``app_fps``: frames per second of the real main window's Play loop (a frame is
  one step with tracing and the device-to-host copy, plus drawing every visible
  heatmap and the shape panel);
- ``fast_forward_steps_per_s`` and ``fast_forward_fps``: model steps and drawn frames per
  second while the same window fast-forwards (only the drawn steps traced), after a warm-up
  that has written every slot of the history ring once (at most 5 s);
- ``matplotlib_fps``: the same frames the notebook way (untraced step, then
  ``set_data`` on one ``imshow`` per visible agent and ``canvas.draw()``), and
  ``ratio_vs_matplotlib``;
- ``frame_over_bare_step``: one app frame (the whole Play run's mean) over one bare model step
  (no trace, no drawing; the fastest of its blocks), and ``frame_fastest_block_over_bare_step``: the
  same with the frame measured as the bare step is, the fastest of six equal parts of the run
  (``frame_fastest_block_ms``), Play going on throughout;
- ``frame_over_bare_step_paired``: the median over six pairs of a one-second Play block's mean
  frame over the mean of bare steps taken just after it (``paired_frame_and_bare_ms``), so that
  the machine's drift between the two measurements cancels;
- ``bare_step_blocked_ms``: the same bare call with its GRU cells in the row blocks the app's
  steps use on the CPU (``hiddenscope.core.step_runtime.CellBlocks``: same bits, less memory traffic; the
  plain call where a step is too small for blocks), and ``frame_over_blocked_step`` and
  ``frame_over_blocked_step_paired`` (``paired_blocked_step_ms``): the frame over that, the app's
  own model step, so what drawing adds to it;
- ``frame_ms_by_tab`` and ``frame_over_bare_step_by_tab``: the same Play frame with each other
  side tab raised in turn (Gates, Summary, Trajectories, Agents; ``frame_ms`` is History's);
- ``trace_overhead``: the app's step (inputs, model, host copy, history) with
  tracing on over the same step with tracing off, minus one; and
  ``trace_overhead_model_only``: the model call alone, traced over bare, minus one.
  Both are measured in interleaved blocks, fastest block of each, so machine
  noise (which only adds time) hits both alike;
- ``rss_mb`` after a long run of steps, against ``history_budget_mb``;
- ``first_frame_s`` (process start to first drawn frame of the ``hiddenscope`` command, default model; median of
  three) and ``screenshot_s``;
- under ``index_image``: ``index_image.py``'s heatmap image item against pyqtgraph's own;
- under ``png_writer``: ``png_writer.py``'s hand encoder against Qt's writer on the 1024 × 64
  screenshot, and under ``malloc_tuning``: ``malloc_tuning.py``'s A/B of the allocator tuning at 1024 × 64, 256 × 16
  and 32 × 5;
- under ``cell_blocks``: ``cell_blocks.py``'s A/B of a step's GRU cells in row blocks against the
  whole cell, on the main thread and on a worker thread, at five sizes;
- under ``vmas_1024``: ``vmas_1024.py``'s VMAS environment step against a model step at 1024 environments;
- under ``record_overhead``: ``record_overhead.py``'s training loop with and without ``hiddenscope.record``;
- ``step_untraced_over_bare`` (the app step with tracing off over the bare step) and
  ``fast_forward_share_of_bare_rate`` (fast-forward's steps per second over the bare step's rate);
- ``targets``: each of issue 27's targets (the CPU's, or on CUDA the GPU's) with this run's figure and
  whether it is met.

The last line printed is one JSON object keyed by size (and those names).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import torch

from hiddenscope.core import Config, Stepper
from hiddenscope.core.config import resolve_device
from hiddenscope.core.errors import UserError
from hiddenscope.core.step_runtime import cell_blocks, torch_threads
from hiddenscope.core.trace import trace_forward
from hiddenscope.core.tuning import keep_freed_memory

# As the app does when it opens its window; applies to the bare model and matplotlib alike.
keep_freed_memory()

SIZES = [(32, 5, 96), (256, 16, 96), (1024, 64, 96)]
HISTORY_BUDGET = 256 * 2**20
BLOCKS = 6  # Play's run is also cut into this many parts (see app_fps)


def key(size: tuple[int, int, int]) -> str:
    return "x".join(str(s) for s in size)


DEVICE = "auto"  # --device: what every measured stepper runs on


def config_for(size: tuple[int, int, int]) -> Config:
    batch, agents, units = size
    return Config(batch_size=batch, n_agents=agents, hidden_dim=units * 4 // 3, device=DEVICE)


def bare_call(stepper: Stepper, x: torch.Tensor, h: torch.Tensor, rows: int | None) -> None:
    """The model alone on the torch threads the app's steps of it run on, its GRU cells in blocks of ``rows``
    (``None``: whole; ``stepper.block_rows``: as the app's steps run them)."""
    with torch_threads(stepper.threads), cell_blocks(rows, stepper.threads), torch.no_grad():
        stepper.model(x, h)


def bare_and_traced_ms(stepper: Stepper, blocks: int, per_block: int) -> tuple[float, float, float]:
    """Per-step time of the model alone, in alternating blocks, the fastest block of each: untraced, traced,
    and untraced with the GRU cells in the app's row blocks (``cell_blocks``; as the bare call where a step has none).
    """
    x = torch.from_numpy(stepper.source.inputs(1)).to(stepper.device, stepper.dtype)
    h = stepper.hidden_state
    model = stepper.model

    def bare() -> None:
        bare_call(stepper, x, h, None)

    def traced() -> None:
        with torch_threads(stepper.threads):  # as the app's steps of this model run
            trace_forward(model, x, h, step=1)

    def blocked() -> None:
        bare_call(stepper, x, h, stepper.block_rows)

    bare(), traced(), blocked()
    bare_times: list[float] = []
    traced_times: list[float] = []
    blocked_times: list[float] = []
    for _ in range(blocks):
        for fn, sink in ((bare, bare_times), (traced, traced_times), (blocked, blocked_times)):
            started = time.perf_counter()
            for _ in range(per_block):
                fn()
            if stepper.device.type == "cuda":
                torch.cuda.synchronize(stepper.device)
            sink.append((time.perf_counter() - started) / per_block * 1000)
    # The fastest block of each: noise from other work on the machine only ever adds time.
    return min(bare_times), min(traced_times), min(blocked_times)


def step_on_off_ms(config: Config, blocks: int, per_block: int) -> tuple[float, float]:
    """One ``Stepper.step()`` (inputs, model, host copy, history) with tracing off and on, fastest block of each.

    The history is kept small so that its memory is warm: a first touch of fresh
    pages would otherwise be charged to whichever side happened to run first.
    """
    stepper = Stepper(config, history_budget=16 * 2**20)
    stepper.run(max(4, stepper.history.capacity))
    best = {False: float("inf"), True: float("inf")}
    for _ in range(blocks):
        for tracing in (False, True):
            stepper.tracing = tracing
            started = time.perf_counter()
            for _ in range(per_block):
                stepper.step()
            best[tracing] = min(best[tracing], (time.perf_counter() - started) / per_block * 1000)
    return best[False], best[True]


def play_for(window, seconds: float, at_end: Callable[[], None] | None = None, fast: bool = False) -> None:
    """Play (``fast``: fast-forward) the window for ``seconds`` of its event loop; ``at_end`` runs just before Pause."""
    from PySide6.QtCore import QEventLoop, QTimer

    start, stop = (window.acts.fast.trigger,) * 2 if fast else (window.play, window.pause)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    start()
    loop.exec()
    if at_end is not None:
        at_end()
    stop()


def app_fps(config: Config, seconds: float, blocks: list[float] | None = None) -> tuple[float, float, object]:
    """Frames drawn per second by the real main window while playing as fast as it can.

    ``blocks``, if given, receives the mean frame time (ms) of each of about ``BLOCKS`` equal parts
    of the run, Play going on throughout: the fastest of them is the figure comparable with the
    bare step, which is the fastest of its blocks too.
    """
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from hiddenscope.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Stepper(config, history_budget=HISTORY_BUDGET), settings)
    window.show()
    app.processEvents()
    window.speed_box.setValue(window.speed_box.maximum())
    window.step()  # warm up
    app.processEvents()

    marks: list[tuple[float, int]] = []

    def mark() -> None:
        marks.append((time.perf_counter(), window.frames_drawn))

    def run(duration: float) -> None:
        play_for(window, duration, at_end=mark)  # the end of the run, before Pause waits for the step in progress

    run(min(1.0, seconds / 3))
    frames_before, t_before = window.frames_drawn, window.stepper.t
    marks.clear()
    mark()
    part_s = seconds / BLOCKS
    ticker = QTimer(interval=max(1, round(1000 * part_s)), timerType=Qt.TimerType.PreciseTimer)
    ticker.timeout.connect(mark)
    ticker.start()
    started = marks[0][0]
    run(seconds)
    ticker.stop()
    elapsed = time.perf_counter() - started
    if blocks is not None:  # parts of at least half their length (the end may come just after a tick)
        pairs = zip(marks, marks[1:], strict=False)
        blocks[:] = [1000 * (b - a) / (m - n) for (a, n), (b, m) in pairs if m > n and b - a >= part_s / 2]
    fps = (window.frames_drawn - frames_before) / elapsed
    steps_per_s = (window.stepper.t - t_before) / elapsed
    return fps, steps_per_s, window


def fast_forward_rates(window, seconds: float) -> tuple[float, float]:
    """Model steps per second and frames drawn per second while the real window fast-forwards."""

    def run(duration: float) -> None:
        play_for(window, duration, fast=True)

    # Warm up until every slot of the history ring has been written once (or 5 s): the first pass over
    # its fresh pages pays the kernel's page faults, a cost of the first few thousand steps only.
    warm_until = time.perf_counter() + 5.0
    run(min(0.5, seconds / 3))
    while window.stepper.latest <= window.stepper.history.capacity and time.perf_counter() < warm_until:
        run(0.5)
    frames_before, t_before = window.frames_drawn, window.stepper.t
    started = time.perf_counter()
    run(seconds)
    elapsed = time.perf_counter() - started
    return (window.stepper.t - t_before) / elapsed, (window.frames_drawn - frames_before) / elapsed


def paired_frames(window, pairs: int, play_s: float, bare_steps: int) -> list[tuple[float, float, float]]:
    """``(frame_ms, bare_step_ms, blocked_step_ms)``: a Play block's mean frame, then the mean of ``bare_steps``
    bare steps, then as many with the app's cell blocks (see ``bare_and_traced_ms``).

    Each ratio compares two means taken within a second of each other, so the machine's drift
    (on this VM the bare step moved from 49 to 58 ms between runs minutes apart) hits both alike.
    A block is timed from its first drawn frame to its last, leaving out Play's start.
    """
    from PySide6.QtWidgets import QApplication

    stepper = window.stepper
    x = torch.from_numpy(stepper.source.inputs(1)).to(stepper.device, stepper.dtype)
    pairs_ms = []
    marks: list[tuple[float, int]] = []

    def on_frame(_t: int) -> None:
        marks.append((time.perf_counter(), window.frames_drawn))

    for _ in range(pairs):
        marks.clear()
        window.frameDrawn.connect(on_frame)
        play_for(window, play_s, at_end=lambda: window.frameDrawn.disconnect(on_frame))
        QApplication.processEvents()
        if len(marks) < 3:
            continue
        (t0, f0), (t1, f1) = marks[0], marks[-1]
        frame_ms = 1000 * (t1 - t0) / (f1 - f0)
        h = stepper.hidden_state

        def bare_steps_ms(rows: int | None, state: torch.Tensor) -> float:
            started = time.perf_counter()
            for _ in range(bare_steps):
                bare_call(stepper, x, state, rows)
            if stepper.device.type == "cuda":
                torch.cuda.synchronize(stepper.device)
            return 1000 * (time.perf_counter() - started) / bare_steps

        pairs_ms.append((frame_ms, bare_steps_ms(None, h), bare_steps_ms(stepper.block_rows, h)))
    return pairs_ms


SIDE_TABS = ("gates", "summary", "trajectory", "agents")  # History's tab is raised in app_fps's own run


def tab_frame_ms(window, seconds: float) -> dict[str, float]:
    """Mean Play frame (ms) with each other side tab raised in turn, after a warm-up that sets its period."""
    from PySide6.QtWidgets import QApplication

    frame_ms = {}
    for name in SIDE_TABS:
        getattr(window, f"{name}_dock").raise_()
        QApplication.processEvents()
        play_for(window, min(1.0, seconds / 3))
        frames_before, started = window.frames_drawn, time.perf_counter()
        play_for(window, seconds)
        frame_ms[name] = 1000 * (time.perf_counter() - started) / max(1, window.frames_drawn - frames_before)
    window.history_dock.raise_()
    QApplication.processEvents()
    return frame_ms


def screenshot_seconds(window, repeats: int = 3) -> float:
    folder = Path(tempfile.mkdtemp())
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        window.save_screenshot(folder / f"shot{i}.png")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def matplotlib_fps(config: Config, frames: int, visible: int, notebook: bool, replay: bool = False) -> float:
    """The notebook way: step, then ``set_data`` on one ``imshow`` per visible agent and ``canvas.draw()``.

    ``notebook=True`` draws the figure a notebook user writes to see what the app
    shows: imshow's default axes and ticks, a title per agent and one colour bar.
    ``notebook=False`` is the fastest matplotlib can be: axes off, no colour bar.
    ``replay=True`` redraws frames already computed (what scrubbing history is).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stepper = Stepper(config, history_budget=HISTORY_BUDGET, tracing=False)
    if replay:
        stepper.run(frames)
    cols = int(np.ceil(np.sqrt(visible)))
    rows = int(np.ceil(visible / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 6), squeeze=False)
    images = []
    for i, ax in enumerate(axes.flat):
        if i >= visible:
            ax.set_axis_off()
            continue
        images.append(
            ax.imshow(
                stepper.frame.hidden[:, i, :], cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest"
            )
        )
        if notebook:
            ax.set_title(f"agent {i}")
        else:
            ax.set_axis_off()
    if notebook:
        fig.colorbar(images[0], ax=axes.ravel().tolist())
    fig.canvas.draw()
    started = time.perf_counter()
    for k in range(frames):
        hidden = stepper.history.frame(k + 1).hidden if replay else stepper.step().hidden
        for i, image in enumerate(images):
            image.set_data(hidden[:, i, :])
        fig.canvas.draw()
    elapsed = time.perf_counter() - started
    plt.close(fig)
    return frames / elapsed


def app_replay_fps(window, frames: int) -> float:
    """Frames per second when scrubbing held history in the real window (no model step)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    hist = window.stepper.history
    ts = list(range(hist.first, hist.last + 1))
    for t in ts[-3:]:  # the first frames after Play stopped also lay out what Play's end changed
        window.stepper.seek(t)
        app.processEvents()
    started = time.perf_counter()
    for k in range(frames):
        window.stepper.seek(ts[k % len(ts)])
        app.processEvents()  # the paint
    return frames / (time.perf_counter() - started)


def rss_after(config: Config, steps: int) -> tuple[float, float, float, float]:
    """Resident memory (MiB) after ``steps`` traced steps in a fresh process; the budget, RSS at start and halfway."""
    code = f"""
import psutil, json
from hiddenscope.core import Config
from hiddenscope.core import Stepper
from hiddenscope.core.tuning import keep_freed_memory
keep_freed_memory()
s = Stepper(Config(**{config.__dict__!r}), history_budget={HISTORY_BUDGET})
s.run(20)
start = psutil.Process().memory_info().rss
s.run({steps} // 2)
half = psutil.Process().memory_info().rss
s.run({steps} - {steps} // 2)
print(json.dumps([psutil.Process().memory_info().rss, start, half, s.history.nbytes, len(s.history)]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    rss, start, half, budget, _held = json.loads(out.strip().splitlines()[-1])
    return rss / 2**20, budget / 2**20, start / 2**20, half / 2**20


def first_frame_seconds(runs: int = 3) -> float:
    """Process start to the first frame the ``hiddenscope`` command draws (default model); median of ``runs``."""
    here = Path(__file__).resolve().parent
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, str(here / "first_frame.py"), tempfile.mkdtemp()],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        times.append(float(next(line.split()[1] for line in out.splitlines() if line.startswith("first_frame"))))
    return statistics.median(times)


def targets(results: dict) -> list[dict[str, object]]:
    """Issue 27's targets, each with the figure this run measured: CPU ones on the CPU, GPU ones on CUDA."""
    small, big = results[key(SIZES[0])], results[key(SIZES[-1])]
    gpu = DEVICE.startswith("cuda")
    rows: list[tuple[str, float, str, bool]] = []

    def at_most(figure: str, value: float, limit: float) -> None:
        rows.append((figure, value, f"<= {limit}", value <= limit))

    def at_least(figure: str, value: float, limit: float) -> None:
        rows.append((figure, value, f">= {limit}", value >= limit))

    if gpu:
        at_most("32x5x96 app step / bare step", small["step_untraced_over_bare"], 2.0)
        at_most("1024x64x96 app step / bare step", big["step_untraced_over_bare"], 1.5)
        for size in SIZES:
            at_least(
                f"{key(size)} fast-forward / bare step rate", results[key(size)]["fast_forward_share_of_bare_rate"], 0.5
            )
    else:
        at_most("32x5x96 app step (tracing off) / bare step", small["step_untraced_over_bare"], 1.25)
        at_least("32x5x96 fast-forward / bare step rate", small["fast_forward_share_of_bare_rate"], 0.6)
        at_most("1024x64x96 frame / bare step", big["frame_over_bare_step"], 1.2)
        at_least("1024x64x96 replay / matplotlib", big["replay_ratio_vs_matplotlib"], 15)
        at_most("first frame (s)", small["first_frame_s"], 2.0)
    record = results.get("record_overhead", {}).get(key(SIZES[-1]))
    if record:
        lost = round(1 - 1 / record["slowdown"], 3)
        at_most("1024x64x96 training steps/s lost to record", lost, 0.10)
    return [{"figure": f, "value": v, "wanted": w, "met": bool(m)} for f, v, w, m in rows]


def cpu_name() -> str:
    """The processor's model name (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a run under a minute")
    parser.add_argument("--device", default="auto", help="auto (cuda when there is one), cpu, cuda or cuda:N")
    args = parser.parse_args()
    quick = args.quick
    global DEVICE
    try:
        DEVICE = str(resolve_device(args.device))
    except UserError as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 2
    results: dict[str, dict[str, object]] = {}
    card = torch.cuda.get_device_name(torch.device(DEVICE)) if DEVICE.startswith("cuda") else cpu_name()
    results["machine"] = {
        "device": DEVICE,
        "card": card or platform.machine(),
        "cpu_count": os.cpu_count() or 0,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {DEVICE} ({card})")
    first_frame = first_frame_seconds()
    for size in SIZES:
        config = config_for(size)
        big = size[0] * size[1] >= 65536
        play_s = (1.5 if quick else 4.0) if not big else (2.0 if quick else 6.0)
        frame_blocks: list[float] = []
        fps, steps_per_s, window = app_fps(config, play_s, frame_blocks)
        by_tab = tab_frame_ms(window, play_s / 2)
        pairs = paired_frames(window, pairs=3 if quick else 6, play_s=1.0, bare_steps=4 if big else 100)
        pair_ratios = [frame / bare for frame, bare, _ in pairs]
        pair_ratios_blocked = [frame / blocked for frame, _, blocked in pairs]
        ff_steps, ff_fps = fast_forward_rates(window, play_s)
        replay = app_replay_fps(window, frames=(60 if big else 300) if quick else (120 if big else 1000))
        shot = screenshot_seconds(window)
        bare_ms, traced_ms, blocked_ms = bare_and_traced_ms(
            window.stepper, blocks=3 if quick else 7, per_block=(2 if big else 200) if quick else (4 if big else 500)
        )
        off_ms, on_ms = step_on_off_ms(
            config, blocks=3 if quick else 7, per_block=(2 if big else 200) if quick else (4 if big else 500)
        )
        window.close()
        visible = min(size[1], window.grid.per_page)
        mpl_frames = (3 if big else 20) if quick else (8 if big else 80)
        mpl = matplotlib_fps(config, mpl_frames, visible, notebook=True)
        mpl_bare = matplotlib_fps(config, mpl_frames, visible, notebook=False)
        mpl_replay = matplotlib_fps(config, mpl_frames, visible, notebook=True, replay=True)
        long_steps = {0: 3000 if quick else 20000, 1: 300 if quick else 2000, 2: 40 if quick else 2000}[
            SIZES.index(size)
        ]
        rss, budget, rss_start, rss_half = rss_after(config, long_steps)
        results[key(size)] = {
            "app_fps": round(fps, 1),
            "app_steps_per_s": round(steps_per_s, 1),
            "fast_forward_steps_per_s": round(ff_steps, 1),
            "fast_forward_fps": round(ff_fps, 1),
            "matplotlib_fps": round(mpl, 2),
            "ratio_vs_matplotlib": round(fps / mpl, 1),
            "matplotlib_axes_off_fps": round(mpl_bare, 2),
            "ratio_vs_matplotlib_axes_off": round(fps / mpl_bare, 1),
            "app_replay_fps": round(replay, 1),
            "matplotlib_replay_fps": round(mpl_replay, 2),
            "replay_ratio_vs_matplotlib": round(replay / mpl_replay, 1),
            "bare_step_ms": round(bare_ms, 3),
            "traced_step_ms": round(traced_ms, 3),
            "frame_ms": round(1000 / fps, 3),
            "frame_over_bare_step": round((1000 / fps) / bare_ms, 2),
            "frame_fastest_block_ms": round(min(frame_blocks, default=1000 / fps), 3),
            "frame_fastest_block_over_bare_step": round(min(frame_blocks, default=1000 / fps) / bare_ms, 2),
            "frame_over_bare_step_paired": round(statistics.median(pair_ratios), 2) if pair_ratios else None,
            "paired_frame_and_bare_ms": [[round(frame, 2), round(bare, 2)] for frame, bare, _ in pairs],
            "bare_step_blocked_ms": round(blocked_ms, 3),
            "frame_over_blocked_step": round((1000 / fps) / blocked_ms, 2),
            "frame_over_blocked_step_paired": (
                round(statistics.median(pair_ratios_blocked), 2) if pair_ratios_blocked else None
            ),
            "paired_blocked_step_ms": [round(blocked, 2) for _, _, blocked in pairs],
            "frame_ms_by_tab": {name: round(ms, 3) for name, ms in by_tab.items()},
            "frame_over_bare_step_by_tab": {name: round(ms / bare_ms, 2) for name, ms in by_tab.items()},
            "step_untraced_ms": round(off_ms, 3),
            "step_untraced_over_bare": round(off_ms / bare_ms, 2),
            "fast_forward_share_of_bare_rate": round(ff_steps * bare_ms / 1000, 2),
            "step_traced_ms": round(on_ms, 3),
            "trace_overhead": round(on_ms / off_ms - 1, 3),
            "trace_overhead_model_only": round(traced_ms / bare_ms - 1, 3),
            "rss_mb": round(rss, 1),
            "rss_after_steps": long_steps,
            "rss_at_start_mb": round(rss_start, 1),
            "rss_growth_second_half_mb": round(rss - rss_half, 1),
            "history_budget_mb": round(budget, 1),
            "first_frame_s": round(first_frame, 2),
            "screenshot_s": round(shot, 3),
        }
        r = results[key(size)]
        print(
            f"{key(size):>12}  app {r['app_fps']:7.1f} fps"
            f"  fast-forward {r['fast_forward_steps_per_s']:.0f} steps/s drawing {r['fast_forward_fps']:.0f} fps"
            f"  matplotlib {r['matplotlib_fps']:6.2f} fps  ×{r['ratio_vs_matplotlib']:<6}"
            f" (axes off {r['matplotlib_axes_off_fps']:.1f} fps ×{r['ratio_vs_matplotlib_axes_off']})"
            f"  replay app {r['app_replay_fps']:.0f} vs matplotlib {r['matplotlib_replay_fps']:.1f} fps"
            f" ×{r['replay_ratio_vs_matplotlib']}\n"
            f"{'':>12} "
            f" model bare {r['bare_step_ms']:.3f} ms, in cell blocks {r['bare_step_blocked_ms']:.3f} ms,"
            f" traced {r['traced_step_ms']:.3f} ms"
            f" (+{100 * r['trace_overhead_model_only']:.1f}%)"
            f"  app step tracing off {r['step_untraced_ms']:.3f} ms, on {r['step_traced_ms']:.3f} ms"
            f" (+{100 * r['trace_overhead']:.1f}%)"
            f"  frame/bare {r['frame_over_bare_step']:.2f} (fastest part {r['frame_fastest_block_over_bare_step']:.2f};"
            f" paired {r['frame_over_bare_step_paired']}; over the blocked step {r['frame_over_blocked_step']:.2f},"
            f" paired {r['frame_over_blocked_step_paired']};"
            f" other tabs {', '.join(f'{k} {v:.2f}' for k, v in r['frame_over_bare_step_by_tab'].items())})"
            f"  rss {r['rss_mb']:.0f} MiB after {long_steps} steps"
            f" (+{r['rss_growth_second_half_mb']:.0f} in the second half)"
            f" (budget {r['history_budget_mb']:.0f})  screenshot {r['screenshot_s']:.3f} s",
            flush=True,
        )
    print(f"first frame {first_frame:.2f} s after process start")
    import index_image
    import malloc_tuning
    import png_writer

    results["index_image"] = index_image.measure(rounds=3 if quick else 7, per_round=10 if quick else 20)
    print("index image:", json.dumps(results["index_image"]), flush=True)

    results["png_writer"] = png_writer.measure(rounds=3 if quick else 7)
    print("png writer:", json.dumps(results["png_writer"]), flush=True)
    # At 1024 × 64 (its cells in row blocks) and at 256 × 16 and 32 × 5, below the blocks' threshold.
    results["malloc_tuning"] = {
        f"{batch}x{agents}": malloc_tuning.measure(
            batch, agents, pairs=2 if quick else 4, blocks=2 if quick else 4, per_block=per_block * (1 if quick else 2)
        )
        for batch, agents, per_block in ((1024, 64, 3), (256, 16, 60), (32, 5, 600))
    }
    print("malloc tuning:", json.dumps(results["malloc_tuning"]), flush=True)
    import cell_blocks

    results["cell_blocks"] = cell_blocks.measure(blocks=3 if quick else 7, quick=quick)
    print("cell blocks:", json.dumps(results["cell_blocks"]), flush=True)
    try:
        import vmas_1024

        results["vmas_1024"] = vmas_1024.measure(blocks=3 if quick else 7, per_block=5 if quick else 10, device=DEVICE)
    except ImportError as exc:  # the vmas extra is not installed
        results["vmas_1024"] = {"skipped": str(exc)}
    print("vmas at 1024 environments:", json.dumps(results["vmas_1024"]), flush=True)
    # In a fresh process, as a training script runs: this one has held windows and the app's allocator tuning.
    with tempfile.TemporaryDirectory(prefix="hs-record-") as folder:
        out = Path(folder) / "record.json"
        subprocess.run(
            [sys.executable, str(Path(__file__).parent / "record_overhead.py"), "--device", DEVICE, "--out", str(out)]
            + (["--quick"] if quick else []),
            check=True,
            capture_output=True,
            timeout=900,
        )
        results["record_overhead"] = {r["size"]: r for r in json.loads(out.read_text())["results"]}
    print("record overhead:", json.dumps(results["record_overhead"]), flush=True)
    results["targets"] = targets(results)
    for row in results["targets"]:
        print(f"target {row['figure']}: {row['value']} (wanted {row['wanted']}) {'met' if row['met'] else 'NOT met'}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
