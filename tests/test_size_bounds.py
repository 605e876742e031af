"""Sizes a person types that would take more memory than the machine has are refused in one line."""

from __future__ import annotations

import os

import pytest

from hiddenscope.cli import main


def test_a_history_budget_beyond_the_machines_memory_is_one_line(tmp_path, capsys):
    out = tmp_path / "x.npz"
    with pytest.raises(SystemExit) as exited:
        main(["export", "--steps", "1", "--history-mb", "1000000000", "--out", str(out)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "--history-mb" in err and "this machine's memory" in err
    assert os.listdir(tmp_path) == []


def test_a_history_budget_within_the_machines_memory_is_taken(tmp_path):
    assert main(["export", "--steps", "1", "--history-mb", "2", "--out", str(tmp_path / "x.npz")]) == 0
