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
        (lambda p: p.write_bytes(b"plain text, no header"), "not a NumPy file"),
    ],
    ids=["2 axes", "5 axes", "no steps", "text", "objects", "empty", "garbage", "no header"],
)
def test_bad_input_files_say_why(tmp_path, write, words, capsys):
    path = tmp_path / "in.npy"
    write(path)
    with pytest.raises(FileProblem, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_frames(path)
    assert main(["shapes", "--inputs", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "weights_only" not in err


def test_a_file_that_does_not_fit_the_checkpoint_is_explained(tmp_path, capsys):
    from hiddenscope.core.agents.pymarl import RNNAgent

    torch.save(RNNAgent(30, 64, 5).state_dict(), tmp_path / "agent.th")
    np.save(tmp_path / "x.npy", np.zeros((4, 2, 3, 16), np.float32))
    assert main(["shapes", "--checkpoint", str(tmp_path / "agent.th"), "--inputs", str(tmp_path / "x.npy")]) == 2
    assert "x.npy has 16 inputs per agent, but the checkpoint takes 30" in capsys.readouterr().err


def test_a_missing_file_and_a_wrong_extension(tmp_path):
    with pytest.raises(FileProblem, match="does not exist"):
        load_frames(tmp_path / "nope.npy")
    (tmp_path / "x.csv").write_text("1,2,3")
    with pytest.raises(FileProblem, match="use .npy, .npz or .pt"):
        load_frames(tmp_path / "x.csv")


def _touch(path):
    """Stands in for any code a malicious pickle would run: it leaves a file behind."""
    open(path, "w").close()


def test_a_pt_file_carrying_code_is_refused_and_the_code_does_not_run(tmp_path, capsys):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (_touch, (str(marker),))

    path = tmp_path / "inputs.pt"
    torch.save({"inputs": Payload()}, path)
    with pytest.raises(FileProblem, match="holds Python objects.*nothing in it was run"):
        load_frames(path)
    assert main(["shapes", "--inputs", str(path)]) == 2
    assert "refused" in capsys.readouterr().err
    assert not marker.exists()


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".pt"])
def test_every_truncation_is_a_file_problem(tmp_path, suffix):
    frames = np.random.default_rng(1).standard_normal((6, 2, 3, 4)).astype(np.float32)
    path = tmp_path / f"x{suffix}"
    if suffix == ".npy":
        np.save(path, frames)
    elif suffix == ".npz":
        np.savez_compressed(path, inputs=frames)
    else:
        torch.save(torch.from_numpy(frames), path)
    data = path.read_bytes()
    np.testing.assert_array_equal(load_frames(path), frames)
    for cut in sorted({*range(1, 80, 3), *np.random.default_rng(2).integers(1, len(data), 30).tolist()}):
        path.write_bytes(data[:cut])
        with pytest.raises(FileProblem, match=r"corrupted, truncated|expected \(T, batch|empty axis") as info:
            load_frames(path)
        assert str(path) in str(info.value) and "weights_only" not in str(info.value)


def test_numpy_files_are_read_by_content_and_npz_takes_its_first_array(tmp_path):
    frames = np.ones((2, 3, 4), np.float64)
    np.save(tmp_path / "a.npy", frames)
    (tmp_path / "a.npz").write_bytes((tmp_path / "a.npy").read_bytes())  # a .npy saved under the wrong name
    assert load_frames(tmp_path / "a.npz").shape == (2, 1, 3, 4)
    np.savez(tmp_path / "b.npz", first=frames * 2, second=np.zeros((1, 1, 1)))
    loaded = load_frames(tmp_path / "b.npz")
    assert loaded.dtype == np.float32 and (loaded == 2).all()


def test_a_file_that_no_longer_fits_is_explained_axis_by_axis_and_the_old_inputs_stay(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((3, 2, 3, 6), np.float32))
    factory, _ = file_inputs_factory(tmp_path / "x.npy", Config())
    stepper = Stepper(Config(batch_size=2, n_agents=4, hidden_dim=8, input_dim=5))
    stepper.run(2)
    old_source = stepper.source
    with pytest.raises(FileProblem, match=r"has n_agents 3 \(the model wants 4\), input 6 \(the model wants 5\)"):
        stepper.set_input_factory(factory)
    assert stepper.source is old_source and stepper.t == 2


def test_inputs_wrap_after_the_last_frame_and_nonfinite_values_are_counted(tmp_path):
    frames = np.arange(3 * 2 * 2, dtype=np.float32).reshape(3, 2, 2)
    frames[2, 1, 1] = -np.inf
    torch.save(torch.from_numpy(frames), tmp_path / "x.pt")
    factory, config = file_inputs_factory(tmp_path / "x.pt", Config())
    assert (config.batch_size, config.n_agents, config.input_dim) == (1, 2, 2)
    source = factory(config)
    assert source.shape == (1, 2, 2) and source.nonfinite_count == 1
    assert [source.inputs(t)[0, 0, 0] for t in range(7)] == [0, 4, 8, 0, 4, 8, 0]
    assert source.inputs(4).dtype == np.float32
