"""A recording keeps its complete steps whatever ends it: kill -9, Ctrl+C, SIGTERM, a full disk.

Each test runs ``hiddenscope export`` as a real process, ends it from outside as a
person or the system would, then opens what is left with hiddenscope and with plain
h5py and compares the steps with the same run computed here.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from hiddenscope.core import Config, Stepper
from hiddenscope.core.session import SessionReader

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and file-size limits")

SMALL = ["--batch-size", "2", "--n-agents", "3", "--hidden-dim", "8", "--input-dim", "4"]
CONFIG = Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4)
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OMP_NUM_THREADS": "1"}
FOREVER = "100000000"  # steps: the run is always ended from outside


def start_export(out: Path, *extra: str, **popen) -> subprocess.Popen:
    argv = [sys.executable, "-m", "hiddenscope", "export", "--out", str(out), "--steps", FOREVER, *SMALL, *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, **popen)


def counted(path: Path) -> int:
    """How many steps a reader following the file sees now (0 before it can be opened)."""
    try:
        with h5py.File(path, "r", swmr=True) as f:
            return len(f["t"])
    except (OSError, KeyError):
        return 0


def wait_for_steps(proc: subprocess.Popen, path: Path, steps: int) -> int:
    deadline = time.monotonic() + 120
    while (seen := counted(path)) < steps:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"only {seen} steps after 120 s"
        time.sleep(0.2)
    return seen


def assert_steps_are_the_run(path: Path, config: Config = CONFIG) -> int:
    """The file opens, its steps are t = 0, 1, … and they equal the run; returns how many."""
    with SessionReader(path) as reader:
        n = len(reader)
        assert (reader.first, reader.last) == (0, n - 1)
        ref = Stepper(config, history_budget=2**30)
        ref.run(reader.last)
        for t in sorted({0, reader.last // 2, reader.last}):
            np.testing.assert_array_equal(reader.hidden(t), ref.snapshot(t).hidden)
    return n


def test_kill_9_keeps_every_flushed_step(tmp_path):
    out = tmp_path / "run.h5"
    proc = start_export(out)
    seen = wait_for_steps(proc, out, 200)
    proc.kill()
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    kept = assert_steps_are_the_run(out)
    assert kept >= seen
    with h5py.File(out, "r", swmr=True) as f:  # plain h5py reads it too; len(t) counts the whole steps
        assert len(f["t"]) == kept and f["hidden"].shape[0] >= kept
        np.testing.assert_array_equal(f["t"][:], np.arange(kept))
    assert os.listdir(tmp_path) == ["run.h5"]


@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_and_sigterm_finish_the_file_and_say_what_it_keeps(tmp_path, sig, code, word):
    out = tmp_path / "run.h5"
    proc = start_export(out)
    seen = wait_for_steps(proc, out, 100)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    kept = assert_steps_are_the_run(out)
    assert kept >= seen
    assert last == f"hiddenscope: {word}: {out} keeps the {kept} steps t = 0..{kept - 1}"
    with h5py.File(out, "r") as f:  # finished: any HDF5 tool opens it, every dataset one row a step
        assert f.attrs["complete"] and f["hidden"].shape[0] == kept == len(f["t"])


def test_a_killed_run_replacing_a_file_leaves_the_old_file_whole_and_says_where_the_new_steps_are(tmp_path):
    out = tmp_path / "run.h5"
    out.write_bytes(b"yesterday's results")
    proc = start_export(out, "--force")
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob(".run.h5.*.part"))) == 0:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
    (part,) = tmp_path.glob(".run.h5.*.part")
    seen = wait_for_steps(proc, part, 50)  # counted a second in: the line naming the part file is out
    time.sleep(0.5)
    proc.kill()
    _, err = proc.communicate(timeout=30)
    assert f"recording to {part}; it replaces {out} when done" in err
    assert out.read_bytes() == b"yesterday's results"
    assert assert_steps_are_the_run(part) >= seen


def _file_size_limit(limit: int):
    def apply() -> None:  # every write past the limit fails, as on a full disk (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _check_full_disk_result(proc: subprocess.Popen, out: Path, config: Config = CONFIG) -> tuple[int, int]:
    """Exit 2 and one line naming the step that failed and the steps kept, which the file holds; returns both."""
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    err = "\n".join(line for line in err.splitlines() if not line.startswith("hiddenscope: recorded "))  # progress
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    words = err.split()
    failed = int(words[words.index("step") + 1])
    assert f"{out} holds the steps t = 0.." in err
    kept = assert_steps_are_the_run(out, config)
    assert err.strip().endswith(f"t = 0..{kept - 1}"), err
    return failed, kept


def test_a_file_size_limit_keeps_the_steps_flushed_before_it(tmp_path):
    out = tmp_path / "run.h5"
    proc = start_export(out, preexec_fn=_file_size_limit(256 * 1024))
    failed, kept = _check_full_disk_result(proc, out)
    assert 1 <= kept <= failed


@pytest.fixture
def tiny_disk(tmp_path):
    """A 3 MiB file system of its own (tmpfs; needs root)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_keeps_every_complete_step(tiny_disk):
    out = tiny_disk / "run.h5"
    proc = start_export(out, "--batch-size", "8", "--hidden-dim", "64")
    failed, kept = _check_full_disk_result(proc, out, Config(batch_size=8, n_agents=3, hidden_dim=64, input_dim=4))
    assert kept == failed  # every step before the one the disk refused: t = 0..failed - 1
    assert os.listdir(tiny_disk) == ["run.h5"]
