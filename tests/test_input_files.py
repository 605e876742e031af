"""Inputs from files: both layouts, mismatches explained, NaN and Inf counted and carried through."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hiddenscope.cli import main
from hiddenscope.core import Config, FileProblem, Stepper
from hiddenscope.core.input_files import file_inputs_factory, load_frames


def test_four_axis_file_drives_the_stepper(tmp_path):
    frames = np.random.default_rng(0).standard_normal((5, 3, 2, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", frames)
    factory, config = file_inputs_factory(tmp_path / "x.npy", Config())
    assert (config.batch_size, config.n_agents, config.input_dim) == (3, 2, 6)
    stepper = Stepper(config, input_factory=factory)
    stepper.run(7)
    np.testing.assert_array_equal(stepper.history.frame(1).inputs, frames[0])
    np.testing.assert_array_equal(stepper.history.frame(7).inputs, frames[1])  # after T frames it starts again


@pytest.mark.parametrize("suffix", [".npz", ".pt"])
def test_three_axis_file_is_one_batch_row(tmp_path, suffix):
    frames = np.arange(4 * 3 * 5, dtype=np.float32).reshape(4, 3, 5)
    path = tmp_path / f"x{suffix}"
    if suffix == ".npz":
        np.savez(path, inputs=frames)
    else:
        torch.save({"inputs": torch.from_numpy(frames)}, path)
    loaded = load_frames(path)
    assert loaded.shape == (4, 1, 3, 5)
    np.testing.assert_array_equal(loaded[:, 0], frames)


def test_nan_and_inf_are_counted_and_reach_the_hidden_state(tmp_path):
    frames = np.zeros((3, 2, 2, 4), np.float32)
    frames[0, 1, 0, 2] = np.nan
    frames[1, 0, 1, 0] = np.inf
    np.save(tmp_path / "bad.npy", frames)
    factory, config = file_inputs_factory(tmp_path / "bad.npy", Config(hidden_dim=16))
    stepper = Stepper(config, input_factory=factory)
    assert stepper.source.nonfinite_count == 2
    stepper.run(2)
    assert np.isnan(stepper.history.frame(1).hidden[1, 0]).all()
    assert np.isfinite(stepper.history.frame(1).hidden[0]).all()


@pytest.mark.parametrize(
    "write, words",
    [
        (lambda p: np.save(p, np.zeros((2, 3))), "has shape (2, 3); expected (T, batch, n_agents, input)"),
        (lambda p: np.save(p, np.zeros((2, 1, 2, 3, 4))), "expected (T, batch, n_agents, input)"),
        (lambda p: np.save(p, np.zeros((0, 2, 3))), "with an empty axis"),
        (lambda p: np.save(p, np.array([["a", "b"]])), "inputs must be real numbers"),
        (lambda p: np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True), "holds Python objects"),
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(b"\x93NUMPY garbage"), "corrupted, truncated"),
    ],
    ids=["2 axes", "5 axes", "no steps", "text", "objects", "empty", "garbage"],
)
def test_bad_input_files_say_why(tmp_path, write, words, capsys):
    path = tmp_path / "in.npy"
    write(path)
    with pytest.raises(FileProblem, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_frames(path)
    assert main(["shapes", "--inputs", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_file_that_does_not_fit_the_checkpoint_is_explained(tmp_path, capsys):
    from hiddenscope.core.checkpoint import PyMARLAgent

    torch.save(PyMARLAgent(30, 64, 5).state_dict(), tmp_path / "agent.th")
    np.save(tmp_path / "x.npy", np.zeros((4, 2, 3, 16), np.float32))
    assert main(["shapes", "--checkpoint", str(tmp_path / "agent.th"), "--inputs", str(tmp_path / "x.npy")]) == 2
    assert "takes 30 inputs per agent; input size 16 does not fit" in capsys.readouterr().err


def test_a_missing_file_and_a_wrong_extension(tmp_path):
    with pytest.raises(FileProblem, match="does not exist"):
        load_frames(tmp_path / "nope.npy")
    (tmp_path / "x.csv").write_text("1,2,3")
    with pytest.raises(FileProblem, match="use .npy, .npz or .pt"):
        load_frames(tmp_path / "x.csv")
