"""The headless command line: real output, real files, and one clear line for every mistake."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from hiddenscope.cli import main

SMALL = ["--batch-size", "2", "--n-agents", "3", "--hidden-dim", "8", "--input-dim", "4"]


def run_module(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hiddenscope", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def assert_one_line_error(code: int, err: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "error" in lines[0]


# -- shapes ------------------------------------------------------------------------------------


def test_shapes_json(capsys):
    assert main(["shapes", "--steps", "2", "--json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert err == ""
    assert doc["config"]["units"] == 96
    assert doc["config"]["batch_size"] == 32 and doc["config"]["n_agents"] == 5
    records = doc["records"]
    assert sorted({r["step"] for r in records}) == [0, 1, 2]
    expand = [r for r in records if r["op"].startswith("expand")]
    assert len(expand) == 1
    assert expand[0]["shape"] == [32, 5, 96] and expand[0]["stride"] == [0, 0, 1]
    assert expand[0]["note"]
    new_hidden = [r for r in records if r["role"] == "new hidden"]
    assert [r["step"] for r in new_hidden] == [1, 2]
    assert all(r["shape"] == [160, 96] for r in new_hidden)


def test_shapes_table_for_another_size(capsys):
    assert main(["shapes", "--batch-size", "4", "--n-agents", "2", "--hidden-dim", "40"]) == 0
    out, _ = capsys.readouterr()
    assert "30 units" in out
    assert "(8, 30)" in out
    assert "(4, 2, 30)" in out
    assert "(160, 96)" not in out
    assert "reshape(-1, self.hidden_dim)" in out


def test_model_options_work_before_the_command_too(capsys):
    assert main(["--batch-size", "4", "--n-agents", "2", "--hidden-dim", "40", "shapes", "--json", "--steps", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["config"]["batch_size"] == 4 and doc["config"]["units"] == 30


def test_shapes_zero_steps_shows_only_init(capsys):
    assert main(["shapes", "--steps", "0", "--json", *SMALL]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["step"] for r in doc["records"]} == {0}
    assert [r["op"] for r in doc["records"]] == ["new(1, 6)", "zero_()", "unsqueeze(0)", "expand(2, 3, -1)"]


# -- export ------------------------------------------------------------------------------------


def test_export_writes_the_history(tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(["export", "--steps", "3", "--out", str(out), *SMALL]) == 0
    assert str(out) in capsys.readouterr().out
    with np.load(out) as data:
        assert data["hidden"].shape == (4, 2, 3, 6)
        assert json.loads(str(data["config"]))["units"] == 6
    assert os.listdir(tmp_path) == ["run.npz"]


def test_export_refuses_an_npz_longer_than_the_history_budget_and_suggests_a_session(tmp_path, capsys):
    out = tmp_path / "run.npz"
    # 1 MiB holds 14 steps of the default 32 x 5 x 96 state with its 32 x 5 x 16 inputs: 31 would lose 17.
    assert main(["export", "--steps", "30", "--history-mb", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "history budget" in err and "--out run.h5" in err
    assert os.listdir(tmp_path) == []


def test_export_to_npz_within_the_history_budget_keeps_every_step(tmp_path):
    out = tmp_path / "run.npz"
    assert main(["export", "--steps", "13", "--history-mb", "1", "--out", str(out)]) == 0
    with np.load(out) as data:
        np.testing.assert_array_equal(data["t"], np.arange(0, 14))


# -- mistakes ------------------------------------------------------------------------------
# Every command-line mistake (exit 2, one line, nothing lost) is one case in test_bad_input.py.


# -- python -m hiddenscope, as a real process --------------------------------------------------


def test_module_shapes_json_as_a_process(tmp_path):
    done = run_module("shapes", "--steps", "2", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["config"]["units"] == 96
    assert sorted({r["step"] for r in doc["records"]}) == [0, 1, 2]


def test_module_export_as_a_process(tmp_path):
    out = tmp_path / "run.npz"
    done = run_module("export", "--steps", "2", "--out", str(out), *SMALL, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with np.load(out) as data:
        assert data["hidden"].shape == (3, 2, 3, 6)


@pytest.mark.parametrize(
    "bad",
    [
        ["shapes", "--batch-size", "abc"],  # refused by the argument parser
        ["shapes", "--batch-size", "0"],  # refused by the configuration
    ],
    ids=["parser", "config"],
)
def test_both_ways_a_mistake_is_refused_reach_the_shell_as_exit_2(bad, tmp_path):
    # What each mistake says is tested in test_bad_input.py; here, the real process's exit status and streams.
    done = run_module(*bad, cwd=tmp_path)
    assert_one_line_error(done.returncode, done.stderr)
    assert done.stdout == ""


# -- sessions ----------------------------------------------------------------------------------


def _traced_recording(path, trace) -> list[int]:
    """A GRU recorded with ``trace`` for 13 steps; the timesteps traced."""
    import torch

    import hiddenscope

    cell = torch.nn.GRUCell(4, 6)
    h = torch.zeros(4, 6)  # batch 2 × 2 agents
    with hiddenscope.record(path, 2, trace=trace) as rec:
        for _ in range(13):
            x = torch.randn(4, 4)
            with torch.no_grad(), rec.tracing(inputs=x, hidden=h) if trace else contextlib.nullcontext():
                h = cell(x, h)
            rec.step(h, inputs=x)
    reader = hiddenscope.open_session(path)
    return [t for t in range(reader.first, reader.last + 1) if reader.trace(t) is not None]


def test_shapes_of_a_session_without_at_shows_the_last_traced_step(tmp_path, capsys):
    path = tmp_path / "gru.h5"
    traced = _traced_recording(path, 5)
    last = traced[-1]
    assert 1 in traced and last < 13  # the first steps and every 5th: t = 13 was not traced
    assert main(["shapes", "--session", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == f"hiddenscope: t = 13 was not traced; the last traced step is t = {last}\n"
    assert out.startswith("# ") and f"\n{last:>4}  " in out
    code = main(["shapes", "--session", str(path), "--at", "13"])  # asked for by name: still refused
    err = capsys.readouterr().err
    assert_one_line_error(code, err)
    assert "no trace for t = 13" in err
    # Without any trace the default is the last step, and the message says tracing was off.
    untraced = tmp_path / "plain.h5"
    assert _traced_recording(untraced, False) == []
    code = main(["shapes", "--session", str(untraced)])
    err = capsys.readouterr().err
    assert_one_line_error(code, err)
    assert "no trace for t = 13: it was recorded with tracing off" in err


@pytest.mark.parametrize("command", [["shapes"], ["screenshot", "--out", "x.png"], ["compare", "a.h5", "b.h5"]])
def test_follow_goes_with_the_app_only(tmp_path, capsys, command):
    code = main(["--follow", "--session", str(tmp_path / "run.h5"), *command])
    err = capsys.readouterr().err
    assert_one_line_error(code, err)
    assert "--follow goes with the app only" in err and command[0] in err
    assert os.listdir(tmp_path) == []
