"""The CUDA path: page-locked history, asynchronous copies, one wait per step, CUDA-event timing.

Tests marked ``cuda`` run where ``torch.cuda.is_available()`` and are skipped elsewhere;
``scripts/gpu_check.sh`` runs them (with the benchmark on cuda) on a GPU machine.  The
others run everywhere and check what ``device="auto"`` and the CPU path do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
import torch
from torch import nn

from hiddenscope.cli import main
from hiddenscope.core import Config, Stepper
from hiddenscope.core.checkpoint import checkpoint_factory
from hiddenscope.core.history import DeviceSteps
from hiddenscope.core.retrace import retrace
from hiddenscope.core.step_runtime import StepClock

HAS_CUDA = torch.cuda.is_available()
cuda = pytest.mark.skipif(not HAS_CUDA, reason="no CUDA GPU on this machine (torch.cuda.is_available() is False)")
ROOT = Path(__file__).resolve().parents[1]
SMALL = Config(batch_size=8, n_agents=3, hidden_dim=32, input_dim=6)


def pinned(array: np.ndarray) -> bool:
    return torch.from_numpy(array).is_pinned() if HAS_CUDA else False


def pymarl_checkpoint(tmp_path: Path) -> Path:
    """A PyMARL agent.th (fc1, GRUCell, fc2: Q-values apart from the state, so the output path is used too)."""
    torch.manual_seed(4)
    layers = {"fc1": nn.Linear(6, 16), "rnn": nn.GRUCell(16, 16), "fc2": nn.Linear(16, 5)}
    path = tmp_path / "agent.th"
    torch.save({f"{k}.{p}": v.detach() for k, m in layers.items() for p, v in m.state_dict().items()}, path)
    return path


# -- everywhere -----------------------------------------------------------------
def test_auto_picks_cuda_exactly_when_there_is_one_and_keeps_the_history_there_only_then(monkeypatch):
    monkeypatch.delenv("HIDDENSCOPE_HISTORY_ON_DEVICE", raising=False)
    s = Stepper(SMALL.replace(device="auto"))
    s.run(3)
    assert s.device.type == ("cuda" if HAS_CUDA else "cpu")
    assert isinstance(s.history.hidden, DeviceSteps) == HAS_CUDA  # on the CPU: host arrays, unpinned
    assert not s.history.pinned
    assert StepClock(s.device).cuda == HAS_CUDA
    assert all(s.snapshot(t).step_ms > 0 for t in (1, 2, 3))


@pytest.mark.skipif(HAS_CUDA, reason="this machine has a GPU: the script runs for real there")
def test_gpu_check_without_a_gpu_says_so_in_one_line_and_exits_2():
    script = str(ROOT / "scripts" / "gpu_check.sh")
    env = {**os.environ, "HIDDENSCOPE_PYTHON": sys.executable}  # this interpreter: no .venv set-up
    done = subprocess.run(["bash", script], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "no CUDA GPU" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


# -- on a GPU -------------------------------------------------------------------
@cuda
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("on_device", [True, False])
def test_a_cuda_run_gives_the_cpu_run_s_numbers_from_its_history_on_the_gpu_or_page_locked(dtype, on_device):
    config = SMALL.replace(dtype=dtype)
    on_gpu = Stepper(config.replace(device="cuda"), history_on_device=on_device)
    on_cpu = Stepper(config.replace(device="cpu"))
    on_gpu.run(20), on_cpu.run(20)
    hist = on_gpu.history
    if on_device:
        assert isinstance(hist.hidden, DeviceSteps) and hist.hidden.values.is_cuda
        assert isinstance(hist.inputs, DeviceSteps) and hist.inputs.values.is_cuda
    else:
        assert pinned(hist.hidden) and pinned(hist.inputs)
    for t in range(21):
        np.testing.assert_allclose(on_gpu.snapshot(t).hidden, on_cpu.snapshot(t).hidden, atol=1e-5)
        if t:
            np.testing.assert_allclose(on_gpu.snapshot(t).inputs, on_cpu.snapshot(t).inputs, atol=1e-6)
    assert {r.device for r in on_gpu.snapshot(5).trace or []} >= {"cuda:0"}


@cuda
def test_the_history_on_the_gpu_takes_a_quarter_of_free_memory_by_default():
    s = Stepper(SMALL.replace(device="cuda"))
    free, _ = torch.cuda.mem_get_info()
    assert s.history.budget_bytes <= free // 4 + s.history.nbytes  # measured before its own allocation
    small = Stepper(SMALL.replace(device="cuda"), history_budget=10 * s.history.bytes_per_step)
    assert small.history.capacity == 10  # a budget asked for holds on the GPU as on the host


@cuda
def test_outputs_and_built_inputs_come_back_through_the_asynchronous_copies_too(tmp_path):
    path = pymarl_checkpoint(tmp_path)
    runs = {}
    for device in ("cuda", "cpu"):
        factory, config = checkpoint_factory(path, Config(batch_size=4, n_agents=3, device=device))
        runs[device] = Stepper(config, model_factory=factory)
        runs[device].run(10)
    gpu, cpu = runs["cuda"], runs["cpu"]
    assert isinstance(gpu.history.outputs, DeviceSteps) and gpu.history.outputs.values.is_cuda
    for t in range(1, 11):
        a, b = gpu.snapshot(t), cpu.snapshot(t)
        np.testing.assert_allclose(a.hidden, b.hidden, atol=1e-5)
        np.testing.assert_allclose(a.output, b.output, atol=1e-5)
        np.testing.assert_allclose(a.inputs, b.inputs, atol=1e-6)


@cuda
@pytest.mark.parametrize("on_device", [True, False])
def test_a_step_waits_for_the_device_only_when_its_numbers_cross_to_the_host(monkeypatch, on_device):
    """History on the GPU: Play's steps never wait; a frame read waits for its copy and its clock.
    History on the host: each step waits once, for its copies, and times itself with CUDA events."""
    s = Stepper(SMALL.replace(device="cuda"), history_on_device=on_device)
    waits = {"event": 0, "device": 0, "stream": 0}
    event_sync, device_sync = torch.cuda.Event.synchronize, torch.cuda.synchronize
    stream_sync = torch.cuda.Stream.synchronize

    def count(name, real):
        def counted(*args, **kwargs):
            waits[name] += 1
            return real(*args, **kwargs)

        return counted

    monkeypatch.setattr(torch.cuda.Event, "synchronize", count("event", event_sync))
    monkeypatch.setattr(torch.cuda, "synchronize", count("device", device_sync))
    monkeypatch.setattr(torch.cuda.Stream, "synchronize", count("stream", stream_sync))
    s.tracing = False
    for _ in range(10):
        s.advance()  # as Play's loops step
    assert waits == ({"event": 0, "device": 0, "stream": 0} if on_device else {"event": 10, "device": 0, "stream": 0})
    assert all(0 < s.snapshot(t).step_ms < 10_000 for t in range(1, 11))


@cuda
def test_a_step_re_run_on_the_gpu_has_its_live_trace():
    traced, untraced = Stepper(SMALL.replace(device="cuda")), Stepper(SMALL.replace(device="cuda"))
    for _ in range(4):
        traced.step(), untraced.step(trace=False)
    again = retrace(untraced, 3)
    assert again.records == traced.snapshot(3).trace and again.max_abs_diff < 1e-5


@cuda
def test_the_command_line_runs_on_cuda(tmp_path, capsys):
    assert main(["shapes", "--steps", "2", "--json", "--device", "cuda", "--batch-size", "4"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["config"]["device_used"].startswith("cuda")
    assert any(r["device"].startswith("cuda") for r in doc["records"])
    out_gpu, out_cpu = tmp_path / "gpu.npz", tmp_path / "cpu.npz"
    assert main(["export", "--steps", "6", "--device", "cuda", "--out", str(out_gpu)]) == 0
    assert main(["export", "--steps", "6", "--device", "cpu", "--out", str(out_cpu)]) == 0
    with np.load(out_gpu) as a, np.load(out_cpu) as b:
        np.testing.assert_allclose(a["hidden"], b["hidden"], atol=1e-5)


@cuda
def test_fast_forward_in_the_window_on_the_gpu(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from hiddenscope.gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(Stepper(SMALL.replace(device="cuda")), settings)
    qtbot.addWidget(w)
    w.show()
    w.acts.fast.trigger()
    qtbot.waitUntil(lambda: w.stepper.t >= 300, timeout=30_000)
    w.acts.fast.trigger()
    assert not w.playing and w.frames_drawn < w.stepper.t
    hist = w.stepper.history
    t = next(t for t in range(hist.last, hist.first, -1) if not hist.traced(t))
    w.timeline.setValue(t)
    w.shape_panel.trace_button.click()
    reference = Stepper(SMALL.replace(device="cuda"))
    reference.run(t)
    assert w.model.frame.trace == reference.snapshot(t).trace
    w.close()
