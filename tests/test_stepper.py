"""The Stepper: same config, same numbers; history that replays, stays bounded and survives bad input."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from hiddenscope.core import Config, ConfigError, DeviceError, FileProblem, Stepper, resolve_device
from hiddenscope.core.config import check_fits, format_bytes, step_bytes
from hiddenscope.core.export import export_npz, history_arrays
from hiddenscope.core.files import atomic_write
from hiddenscope.core.inputs import PatternInputs
from hiddenscope.core.stepper import seed_model, step_threads

SMALL = Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4, device="cpu")  # 6 units


def per_step_bytes(config: Config) -> int:
    """What one step of host history costs (float32 hidden state plus inputs)."""
    return 4 * config.batch_size * config.n_agents * (config.units + config.input_dim)


def hidden_of(stepper: Stepper) -> np.ndarray:
    return history_arrays(stepper)["hidden"]


# -- determinism -------------------------------------------------------------------------------


def test_same_config_gives_identical_histories():
    a, b = Stepper(SMALL), Stepper(SMALL)
    a.run(6)
    b.run(6)
    arrays_a, arrays_b = history_arrays(a), history_arrays(b)
    for key in ("t", "hidden", "inputs", "outputs", "has_input"):
        np.testing.assert_array_equal(arrays_a[key], arrays_b[key])
    # And the numbers are not trivially zero.
    assert np.abs(arrays_a["hidden"][1:]).max() > 0.05


def test_different_seed_gives_different_numbers():
    a, b = Stepper(SMALL), Stepper(SMALL.replace(seed=1))
    a.run(3)
    b.run(3)
    assert not np.array_equal(hidden_of(a)[1:], hidden_of(b)[1:])
    assert not np.array_equal(a.history.frame(1).inputs, b.history.frame(1).inputs)


def test_seed_does_not_leak_into_the_global_torch_rng():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    Stepper(SMALL.replace(seed=7))
    assert torch.equal(torch.rand(3), before)


# -- step / back / seek / reset ----------------------------------------------------------------


def test_back_and_step_replay_history_without_recomputing():
    stepper = Stepper(SMALL)
    events: list[str] = []
    stepper.changed.connect(events.append)
    stepper.run(4)
    assert events == ["step"] * 4
    saved = {t: stepper.history.frame(t).hidden.copy() for t in range(5)}
    state = stepper.hidden_state

    # Break the model: anything recomputed from here on would differ.
    with torch.no_grad():
        for p in stepper.model.parameters():
            p.fill_(0.5)

    frame = stepper.back()
    assert frame is not None and frame.t == 3 and stepper.t == 3
    np.testing.assert_array_equal(frame.hidden, saved[3])
    stepper.back()
    stepper.back()
    assert stepper.t == 1
    frame = stepper.step()
    assert frame.t == 2 and stepper.t == 2
    np.testing.assert_array_equal(frame.hidden, saved[2])
    frame = stepper.seek(4)
    np.testing.assert_array_equal(frame.hidden, saved[4])
    frame = stepper.seek(0)
    np.testing.assert_array_equal(frame.hidden, saved[0])
    assert stepper.history.last == 4
    assert stepper.latest == 4
    assert stepper.hidden_state is state
    assert events == ["step"] * 4 + ["seek"] * 6

    # Past the newest held step, step() computes again (with the broken model).
    stepper.seek(4)
    frame = stepper.step()
    assert frame.t == 5 and stepper.latest == 5
    assert events[-1] == "step"


def test_back_at_the_oldest_step_returns_none():
    stepper = Stepper(SMALL)
    assert stepper.back() is None
    assert stepper.t == 0
    stepper.step()
    assert stepper.back().t == 0
    assert stepper.back() is None
    assert stepper.t == 0


def test_seek_outside_history_raises():
    stepper = Stepper(SMALL)
    stepper.run(2)
    with pytest.raises(IndexError):
        stepper.seek(3)
    with pytest.raises(IndexError):
        stepper.seek(-1)
    assert stepper.t == 2


def test_reset_returns_to_zero_and_then_replays_the_same_numbers():
    stepper = Stepper(SMALL)
    stepper.run(3)
    first_run = hidden_of(stepper).copy()
    frame = stepper.reset()
    assert frame.t == 0 and stepper.t == 0 and stepper.latest == 0
    assert len(stepper.history) == 1
    assert frame.hidden.shape == (2, 3, 6)
    assert not frame.hidden.any()
    assert stepper.back() is None
    stepper.run(3)
    np.testing.assert_array_equal(hidden_of(stepper), first_run)


def test_the_first_step_starts_from_zeros():
    stepper = Stepper(SMALL)
    assert not stepper.frame.hidden.any()
    assert stepper.frame.inputs is None
    stepper.step()
    assert stepper.frame.hidden.any()


# -- bounded history ---------------------------------------------------------------------------


def test_history_holds_only_what_its_budget_allows():
    stepper = Stepper(SMALL, history_budget=5 * per_step_bytes(SMALL))
    capacity = stepper.history.capacity
    assert capacity == 5
    stepper.run(50)
    assert len(stepper.history) == capacity
    assert (stepper.history.first, stepper.history.last) == (46, 50)
    assert stepper.history.hidden.shape[0] == capacity  # no growth past the budget

    # The steps held are the right ones: the same as an unbounded session's.
    reference = Stepper(SMALL)
    reference.run(50)
    for t in range(46, 51):
        np.testing.assert_array_equal(stepper.history.frame(t).hidden, reference.history.frame(t).hidden)

    backs = 0
    while stepper.back() is not None:
        backs += 1
    assert backs == 4
    assert stepper.t == 46
    with pytest.raises(IndexError):
        stepper.seek(45)
    assert stepper.difference(46) is None
    assert stepper.difference(47) is not None


# -- rebuilding --------------------------------------------------------------------------------


def test_rebuild_with_a_new_config_changes_shapes_and_starts_over():
    stepper = Stepper(SMALL)
    stepper.run(3)
    events: list[str] = []
    stepper.changed.connect(events.append)
    stepper.rebuild(SMALL.replace(batch_size=4, n_agents=2, hidden_dim=16))
    assert events == ["rebuild"]
    assert stepper.t == 0 and len(stepper.history) == 1
    assert stepper.units == 12
    assert stepper.frame.hidden.shape == (4, 2, 12)
    stepper.step()
    assert stepper.frame.hidden.shape == (4, 2, 12)
    assert stepper.frame.inputs.shape == (4, 2, 4)
    assert stepper.trace[-1].shape == (8, 12)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"batch_size": 0}, ConfigError),
        ({"hidden_dim": 3}, ConfigError),
        ({"n_agents": -1}, ConfigError),
        ({"dtype": "float16"}, ConfigError),
        ({"device": "tpu"}, DeviceError),
    ],
)
def test_rebuild_with_a_bad_config_keeps_the_session(change, error):
    stepper = Stepper(SMALL)
    stepper.run(3)
    stepper.back()
    history, model = stepper.history, stepper.model
    held = hidden_of(stepper).copy()
    events: list[str] = []
    stepper.changed.connect(events.append)
    with pytest.raises(error):
        stepper.rebuild(SMALL.replace(**change))
    assert events == []
    assert stepper.config == SMALL
    assert stepper.t == 2 and stepper.latest == 3
    assert stepper.history is history and stepper.model is model
    np.testing.assert_array_equal(hidden_of(stepper), held)
    # And it still works.
    stepper.seek(3)
    assert stepper.step().t == 4


# -- inputs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n_agents", "input_dim"), [(3, 4), (4, 8), (5, 16), (2, 1)])
def test_default_inputs_tell_agents_apart(n_agents, input_dim):
    source = PatternInputs(3, n_agents, input_dim, seed=0)
    for t in (0, 1, 7):
        x = source.inputs(t)
        assert x.shape == (3, n_agents, input_dim) and x.dtype == np.float32
        for b in range(3):
            for a in range(n_agents):
                for other in range(a + 1, n_agents):
                    assert not np.allclose(x[b, a], x[b, other], atol=1e-3), (t, b, a, other)


def test_default_inputs_carry_a_one_hot_agent_id_when_there_is_room():
    x = PatternInputs(2, 4, 10, seed=0).inputs(3)
    np.testing.assert_array_equal(x[:, :, -4:], np.broadcast_to(np.eye(4, dtype=np.float32), (2, 4, 4)))


def test_default_inputs_depend_only_on_seed_and_t():
    a, b = PatternInputs(2, 3, 5, seed=4), PatternInputs(2, 3, 5, seed=4)
    np.testing.assert_array_equal(a.inputs(9), b.inputs(9))
    np.testing.assert_array_equal(a.inputs(2), a.inputs(2))
    assert not np.array_equal(a.inputs(9), a.inputs(10))
    assert not np.array_equal(a.inputs(9), PatternInputs(2, 3, 5, seed=5).inputs(9))


@pytest.mark.parametrize("noise", [0.1, 0.0])
@pytest.mark.parametrize("shape", [(64, 16, 16), (40, 4, 11), (5, 3, 7)])
def test_default_inputs_are_the_same_bits_whichever_kernels_build_them(monkeypatch, shape, noise):
    """Large inputs are built with PyTorch, small ones with NumPy: a size never changes a number.

    Checked against the formula in the docstring, written out here in float64 (to float32 rounding).
    """
    from hiddenscope.core import inputs

    built = {}
    for name, threshold in (("numpy", 1 << 62), ("torch", 0)):
        monkeypatch.setattr(inputs, "TORCH_FROM", threshold)
        built[name] = [PatternInputs(*shape, seed=3, noise=noise).inputs(t) for t in (0, 5, 999)]
    for a, b in zip(built["numpy"], built["torch"], strict=False):
        np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32))
    batch, n_agents, input_dim = shape
    waves = input_dim - (n_agents if input_dim >= 2 * n_agents else 0)
    k, a, b = np.arange(waves), np.arange(n_agents)[:, None], np.arange(batch)[:, None, None]
    phase = 2 * np.pi * a / n_agents * (1 + k) / 2 + 0.4 * b
    for t, x in zip((0, 5, 999), built["torch"], strict=False):
        expected = 3.0 * np.sin(2 * np.pi * t / (6.0 + 3.0 * k) + phase)
        np.testing.assert_allclose(x[..., :waves], expected, atol=1e-4 + 5 * noise)


def test_the_stepper_feeds_input_t_into_step_t_plus_one():
    stepper = Stepper(SMALL)
    stepper.run(3)
    source = PatternInputs(SMALL.batch_size, SMALL.n_agents, SMALL.input_dim, seed=SMALL.seed)
    for t in (1, 2, 3):
        np.testing.assert_array_equal(stepper.history.frame(t).inputs, source.inputs(t - 1))


# -- difference --------------------------------------------------------------------------------


def test_difference_is_this_step_minus_the_previous_one():
    stepper = Stepper(SMALL)
    assert stepper.difference() is None
    stepper.run(3)
    h = hidden_of(stepper)
    np.testing.assert_allclose(stepper.difference(), h[3] - h[2])
    np.testing.assert_allclose(stepper.difference(1), h[1] - h[0])
    assert stepper.difference(0) is None
    assert stepper.difference(4) is None
    stepper.back()
    np.testing.assert_allclose(stepper.difference(), h[2] - h[1])


# -- tracing off -------------------------------------------------------------------------------


def test_tracing_off_gives_no_trace_and_the_same_numbers():
    traced, plain = Stepper(SMALL, tracing=True), Stepper(SMALL, tracing=False)
    traced.run(4)
    plain.run(4)
    assert plain.trace == [] and plain.init_trace is None
    assert traced.trace != []
    np.testing.assert_array_equal(hidden_of(traced), hidden_of(plain))


# -- devices and memory ------------------------------------------------------------------------


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:7"])
def test_cuda_without_cuda_is_a_device_error(device):
    with pytest.raises(DeviceError, match="no usable CUDA"):
        Stepper(SMALL.replace(device=device))


@pytest.mark.skipif(torch.cuda.device_count() > 7, reason="this machine has a cuda:7")
def test_a_missing_cuda_index_is_a_device_error():
    with pytest.raises(DeviceError, match="cuda:7"):
        resolve_device("cuda:7")


@pytest.mark.parametrize("device", ["tpu", "gpu", "cuda:x", "cpu:0", "", "cuda:-1"])
def test_unknown_devices_are_refused(device):
    with pytest.raises(DeviceError):
        Stepper(SMALL.replace(device=device))


def test_auto_and_cpu_resolve_to_real_devices():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_check_fits_refuses_what_would_not_fit_and_names_the_estimate():
    big = Config(batch_size=4096, n_agents=64, hidden_dim=1024, input_dim=64)
    need = step_bytes(big)
    with pytest.raises(ConfigError) as info:
        check_fits(big, torch.device("cpu"), free=need)  # only half of what is free may be used
    message = str(info.value)
    assert format_bytes(need) in message
    assert "4096" in message and "64 agents" in message
    check_fits(big, torch.device("cpu"), free=2 * need + 2)  # fits: no error


def test_a_huge_config_is_refused_before_anything_is_allocated():
    huge = Config(batch_size=1_000_000, n_agents=1_000_000, hidden_dim=128, input_dim=16, device="cpu")
    with pytest.raises(ConfigError, match="per step"):
        Stepper(huge)


# -- export and files --------------------------------------------------------------------------


def test_export_npz_round_trip(tmp_path):
    stepper = Stepper(SMALL)
    stepper.run(4)
    out = export_npz(stepper, tmp_path / "session.npz")
    assert out == tmp_path / "session.npz"
    with np.load(out) as data:
        assert data["hidden"].shape == (5, 2, 3, 6)
        assert data["inputs"].shape == (5, 2, 3, 4)
        np.testing.assert_array_equal(data["t"], np.arange(5))
        np.testing.assert_array_equal(data["has_input"], [False, True, True, True, True])
        for t in range(5):
            np.testing.assert_array_equal(data["hidden"][t], stepper.history.frame(t).hidden)
        assert not data["inputs"][0].any()
        np.testing.assert_array_equal(data["inputs"][2], stepper.history.frame(2).inputs)
        config = json.loads(str(data["config"]))
    assert config["batch_size"] == 2 and config["n_agents"] == 3 and config["hidden_dim"] == 8
    assert config["units"] == 6 and config["seed"] == 0
    assert config["device_used"] == "cpu"
    assert Config(**{k: v for k, v in config.items() if k not in ("units", "device_used", "stored_dtype")}) == SMALL


def test_export_of_a_bounded_history_holds_the_last_steps(tmp_path):
    stepper = Stepper(SMALL, history_budget=5 * per_step_bytes(SMALL))
    stepper.run(20)
    with np.load(export_npz(stepper, tmp_path / "tail.npz")) as data:
        np.testing.assert_array_equal(data["t"], np.arange(16, 21))
        assert data["hidden"].shape == (5, 2, 3, 6)


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "keep.npz"
    target.write_bytes(b"the old bytes")

    def half_then_fail(handle):
        handle.write(b"half a fi")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"the old bytes"
    assert os.listdir(tmp_path) == ["keep.npz"]


def test_atomic_write_turns_an_os_error_into_a_file_problem(tmp_path):
    target = tmp_path / "keep.bin"
    target.write_bytes(b"old")

    def full_disk(handle):
        raise OSError(28, "No space left on device")

    with pytest.raises(FileProblem, match="No space left"):
        atomic_write(target, full_disk)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["keep.bin"]


def test_atomic_write_into_a_missing_folder_is_a_file_problem(tmp_path):
    with pytest.raises(FileProblem):
        atomic_write(tmp_path / "nope" / "x.bin", lambda f: f.write(b"x"))
    assert os.listdir(tmp_path) == []


def test_atomic_write_replaces_the_file_when_the_writer_succeeds(tmp_path):
    target = tmp_path / "new.bin"
    target.write_bytes(b"old")
    assert atomic_write(target, lambda f: f.write(b"new contents")) == target
    assert target.read_bytes() == b"new contents"
    assert os.listdir(tmp_path) == ["new.bin"]


def test_a_step_computed_on_another_thread_is_bitwise_the_same_as_on_the_main_thread():
    import threading

    before = torch.get_num_threads()
    # A thread started later gets the process default (one per core) instead of this.
    torch.set_num_threads(1 if (os.cpu_count() or 1) > 1 else 2)
    try:
        config = Config(batch_size=3, n_agents=2, hidden_dim=16, input_dim=4, device="cpu")
        here = Stepper(config, tracing=False)
        here.run(400)
        there = Stepper(config, tracing=False)
        worker = threading.Thread(target=there.run, args=(400,))
        worker.start()
        worker.join()
        for t in range(401):
            np.testing.assert_array_equal(there.snapshot(t).hidden, here.snapshot(t).hidden, err_msg=f"t = {t}")
    finally:
        torch.set_num_threads(before)


def test_a_small_step_runs_on_one_thread_and_leaves_the_persons_count_as_it_was():
    seen: list[int] = []

    def watched(config: Config) -> torch.nn.Module:  # the seed model, noting the threads each step runs on
        model = seed_model(config)
        model.register_forward_pre_hook(lambda *_: seen.append(torch.get_num_threads()))
        return model

    before = torch.get_num_threads()
    torch.set_num_threads(2)  # what the person chose (torch's default on a 2-core machine)
    try:
        small = Stepper(Config(batch_size=4, n_agents=2, hidden_dim=16, input_dim=4, device="cpu"), watched)
        small.step()
        assert small.threads == 1 and seen == [1]  # rows × parameters far under the limit: one thread
        assert torch.get_num_threads() == 2  # and the person's count is back
        big = Stepper(Config(batch_size=256, n_agents=16, hidden_dim=128, device="cpu"), watched, tracing=False)
        big.step()
        assert big.threads == 2 and seen[-1] == 2
        torch.set_num_threads(1)  # the person's own choice is kept, even the count a small step uses
        again = Stepper(Config(batch_size=256, n_agents=16, hidden_dim=128, device="cpu"), watched, tracing=False)
        again.step()
        assert again.threads == 1 and seen[-1] == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    # Off the CPU the count does not matter, and a step leaves it alone.
    assert step_threads(small.model, 8, 2, torch.device("cuda")) is None
