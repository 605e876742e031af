"""Every way a user can get it wrong on the command line: one clear line, exit 2, nothing lost.

Each case names what the user typed and the words they see. File-loading cases
(checkpoints, input files) live beside the loaders' own tests.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys

import numpy as np
import pytest

from hiddenscope.cli import main

# (what the user typed, words the message must contain)
CLI_CASES = [
    (["shapes", "--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    (["shapes", "--batch-size", "-3"], "--batch-size must be at least 1, got -3"),
    (["shapes", "--n-agents", "0"], "--n-agents must be at least 1"),
    (["shapes", "--hidden-dim", "-4"], "--hidden-dim must be at least 1, got -4"),
    (["shapes", "--hidden-dim=-4"], "--hidden-dim must be at least 1, got -4"),
    (["shapes", "--hidden-dim", "2"], "gives 2 // 4 * 3 = 0 GRU units"),
    (["shapes", "--hidden-dim", "3"], "0 GRU units"),
    (["shapes", "--input-dim", "0"], "--input-dim must be at least 1"),
    (["shapes", "--batch-size", "abc"], "must be a whole number, got 'abc'"),
    (["shapes", "--n-agents", "2.5"], "must be a whole number, got '2.5'"),
    (["shapes", "--hidden-dim", ""], "must be a whole number"),
    (["shapes", "--batch-size", "99999999999"], "larger than hiddenscope allows"),
    (["shapes", "--batch-size", "1000000", "--n-agents", "1000000"], "needs about"),
    (["shapes", "--batch-size", "200000", "--n-agents", "50000"], "only"),
    (["shapes", "--device", "tpu"], "unknown device 'tpu'"),
    (["shapes", "--device", "cuda:x"], "unknown device"),
    (["shapes", "--dtype", "int8"], "--dtype must be one of float32, float64"),
    (["shapes", "--seed", "-1"], "--seed must be a whole number from 0"),
    (["shapes", "--steps", "-2"], "must be 0 or more"),
    (["shapes", "--history-mb", "0"], "must be at least 1 (MiB)"),
    (["export", "--steps", "1"], "the following arguments are required: --out"),
    (["export", "--steps", "1", "--out", "/no/such/folder/x.npz"], "the folder /no/such/folder does not exist"),
    (["export", "--steps", "1", "--out", "/etc/passwd/x.npz"], "is not a folder"),
    (["export", "--steps", "1", "--out", "{tmp}"], "is a folder; give a file name for the output file"),
    (["screenshot", "--steps", "1", "--out", "/no/such/folder/x.png"], "does not exist"),
    # /sys is unwritable, even for root.
    (["export", "--steps", "1", "--out", "/sys/hiddenscope-test.npz"], "does not accept new files"),
    (["screenshot", "--steps", "1", "--agent", "9", "--out", "{tmp}/a.png"], "--agent must be from 0 to 4, got 9"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["shapes", "--bogus"], "unrecognized arguments: --bogus"),
]
if not __import__("torch").cuda.is_available():
    CLI_CASES += [
        (["shapes", "--device", "cuda"], "no usable CUDA GPU"),
        (["shapes", "--device", "cuda:1"], "use --device cpu or --device auto"),
    ]


@pytest.mark.parametrize("argv, words", CLI_CASES, ids=[" ".join(a) or "empty" for a, _ in CLI_CASES])
def test_cli_mistake_is_one_clear_line_and_exit_2(argv, words, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    with pytest.raises(SystemExit) as exited:
        sys.exit(main(argv))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert words in lines[0] and lines[0].startswith("hiddenscope")
    assert "Traceback" not in err


@pytest.mark.parametrize("command, name", [("export", "keep.npz"), ("screenshot", "keep.png")])
def test_an_existing_file_is_not_touched_without_force(command, name, tmp_path, capsys):
    out = tmp_path / name
    out.write_bytes(b"precious")
    assert main([command, "--steps", "1", "--out", str(out)]) == 2
    assert "already exists; pass --force to replace it" in capsys.readouterr().err
    assert out.read_bytes() == b"precious"
    assert main([command, "--steps", "1", "--out", str(out), "--force", "--batch-size", "2"]) == 0
    if command == "export":
        with np.load(out) as data:
            assert data["hidden"].shape[:2] == (2, 2)  # two timesteps, batch 2
    else:
        assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert [p.name for p in tmp_path.iterdir()] == [name]


def _limit_file_size() -> None:
    # A file-size limit makes every write past 64 KiB fail as a full disk would.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


@pytest.mark.parametrize("command, name", [("export", "big.npz"), ("export", "big.h5"), ("screenshot", "big.png")])
def test_a_full_disk_leaves_the_old_file_and_no_partial_one(command, name, tmp_path):
    out = tmp_path / name
    out.write_bytes(b"yesterday's results")
    argv = [command, "--steps", "3", "--out", str(out), "--force", "--batch-size", "64", "--n-agents", "8"]
    result = subprocess.run(
        [sys.executable, "-m", "hiddenscope", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 2, result.stderr
    assert "could not write" in result.stderr and "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert out.read_bytes() == b"yesterday's results"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_opening_the_app_with_no_display_says_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "hiddenscope"], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2
    assert "no display to open the window on" in result.stderr and "Traceback" not in result.stderr


def test_a_display_qt_cannot_use_is_one_clear_line(monkeypatch, capsys):
    import hiddenscope.cli as cli

    monkeypatch.setenv("DISPLAY", ":42")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    # What the loader reports on a machine without Qt's X11 dependencies.
    monkeypatch.setattr(cli, "_missing_xcb_library", lambda: "libxcb-icccm.so.4")
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "the system library libxcb-icccm.so.4 is missing" in err and "apt-get install" in err


def test_a_mistake_found_building_a_planned_run_is_the_only_line(tmp_path, capsys):
    """What the plan would say of a run (which step it loads) comes after the run is built, never before its error."""
    import json

    import torch

    from hiddenscope.core.agents.pymarl import RNNAgent

    run = tmp_path / "results" / "models" / "qmix"
    for step in (100, 200):
        (run / str(step)).mkdir(parents=True)
        torch.save(RNNAgent(16, 8, 5).state_dict(), run / str(step) / "agent.th")
    (run / "config.json").write_text(json.dumps({"agent": "rnn", "rnn_hidden_dim": 8}))
    base = ["--checkpoint", str(run), "--batch-size", "2", "--n-agents", "3", "--input-dim", "16"]
    assert main([*base, "--device", "cpu", "shapes"]) == 0
    assert "step 200 (the latest of 2 saved steps)" in capsys.readouterr().err  # the note, on a run that builds
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: --device cuda is no mistake here")
    assert main([*base, "--device", "cuda", "shapes"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no usable CUDA GPU" in err and "latest of" not in err
