"""Sizes that would take the machine are refused in one line, before anything is allocated (issue 23)."""

from __future__ import annotations

import os
import sys
import zipfile

import numpy as np
import psutil
import pytest

from hiddenscope.cli import main
from hiddenscope.core.errors import ConfigError, FileProblem
from hiddenscope.core.input_files import load_frames


def test_a_deflate_bomb_of_inputs_is_refused_without_unpacking_it(tmp_path):
    """A 5 GiB array of zeros compresses to a few MB: its archive directory gives it away."""
    bomb = tmp_path / "bomb.npz"
    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 1, 1, 1), np.float32))
    header["shape"] = (1024, 64, 64, 320)  # 5 GiB of float32
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("inputs.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(member, header)
            block = bytes(2**24)
            for _ in range(5 * 2**30 // len(block)):
                member.write(block)
    assert bomb.stat().st_size < 60 * 2**20
    before = psutil.Process().memory_info().rss
    with pytest.raises(FileProblem, match="unpacks to 5.0 GiB"):
        load_frames(bomb)
    assert psutil.Process().memory_info().rss - before < 200 * 2**20  # refused, not read


def test_a_npy_whose_header_claims_more_than_it_holds_is_refused(tmp_path, capsys):
    lie = tmp_path / "lie.npy"
    header = np.lib.format.header_data_from_array_1_0(np.zeros((1,), np.float32))
    header["shape"] = (10_000, 64, 64, 40)  # 6.5 GB declared, 64 bytes present
    with open(lie, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        f.write(bytes(64))
    with pytest.raises(FileProblem, match="truncated or not a .npy array: its header declares"):
        load_frames(lie)
    assert main(["shapes", "--inputs", str(lie)]) == 2
    assert "truncated" in capsys.readouterr().err


@pytest.mark.parametrize(("env", "arg"), [("simple_spread", "n_agents"), ("lbf", "players"), ("rware", "agents")])
def test_environment_agent_counts_have_a_ceiling(env, arg, capsys):
    assert main(["shapes", "--env", env, "--env-arg", f"{arg}=100000"]) == 2
    err = capsys.readouterr().err
    assert "must be at most 64" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_model_plugin_does_not_put_the_current_folder_before_installed_modules(tmp_path, monkeypatch):
    from hiddenscope.core.checkpoint import plugin_factory

    (tmp_path / "my_agent.py").write_text(
        "from hiddenscope.core.model import CondAgent\n"
        "def build(config):\n    return CondAgent(config.input_dim, config.n_agents, config.hidden_dim)\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", os.getcwd())])
    first = sys.path[0]
    plugin_factory("my_agent:build")
    assert sys.path[0] == first and sys.path[-1] == str(tmp_path)  # found, and only after everything else


def test_env_options_refuse_numbers_past_their_maximum_by_name():
    from hiddenscope.core.envs._common import Option

    with pytest.raises(ConfigError, match="mpe option n_agents='65': must be at most 64"):
        Option("n_agents", "int", 3, "agents", minimum=1, maximum=64).convert("mpe", "65")
