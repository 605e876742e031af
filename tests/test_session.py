"""Sessions (.h5): every step on disk whatever the history holds, read back, compared, and made into movies.

Every expected number comes from outside the session code: a stepper run with a history
big enough to hold the whole run, h5py reading the file as any other tool would, the
GRU equations worked out here in NumPy, hashlib over the checkpoint's bytes, and the
existing screenshot command for the picture size.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time

import h5py
import numpy as np
import pytest
import torch
from torch import nn

from hiddenscope.cli import main
from hiddenscope.core import Config, FileProblem, Stepper
from hiddenscope.core.plan import Request, plan
from hiddenscope.core.session import SessionReader, SessionRecorder, record_session

SMALL = ["--batch-size", "2", "--n-agents", "3", "--hidden-dim", "8", "--input-dim", "4"]
# Tests that draw take pytest-qt's ``qapp``: the drawing reuses that QApplication, so a GUI test run
# later in the same process does not find a bare QGuiApplication, on which no widget can be made.
BIG = 2**30


def assert_one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, err


def reference(config: Config, steps: int, **kwargs) -> Stepper:
    """The same run with a history that holds all of it."""
    stepper = Stepper(config, history_budget=BIG, **kwargs)
    stepper.run(steps)
    assert stepper.history.first == 0
    return stepper


# -- recording every step -------------------------------------------------------------------------------------


def test_a_session_holds_every_step_of_a_run_longer_than_the_history_budget(tmp_path, capsys):
    out = tmp_path / "run.h5"
    # 1 MiB holds 14 steps of the default 32 x 5 x 96 state and its inputs; the session gets all 31.
    assert main(["export", "--steps", "30", "--history-mb", "1", "--out", str(out)]) == 0
    assert "31 timesteps" in capsys.readouterr().out
    ref = reference(Config(), 30)
    with h5py.File(out, "r") as f:  # as any HDF5 tool reads it
        np.testing.assert_array_equal(f["t"][:], np.arange(31))
        assert f["hidden"].shape == (31, 32, 5, 96) and f["hidden"].chunks == (1, 32, 5, 96)
        np.testing.assert_array_equal(f["hidden"][:], ref.history.hidden[:31])
        np.testing.assert_array_equal(f["inputs"][1:], ref.history.inputs[1:31])
        np.testing.assert_array_equal(f["inputs"][0], 0)
        np.testing.assert_array_equal(f["has_input"][:], [False] + [True] * 30)
        assert "outputs" not in f  # the seed's output is its hidden state
        assert json.loads(f.attrs["config"])["units"] == 96 and f.attrs["format"] == "hiddenscope-session"
        assert json.loads(f.attrs["edits"]) == [] and f.attrs["checkpoint_sha256"] == ""
    with SessionReader(out) as reader:
        assert (reader.first, reader.last, len(reader)) == (0, 30, 31)
        frame = reader.frame(17)
        np.testing.assert_array_equal(frame.hidden, ref.history.hidden[17])
        np.testing.assert_array_equal(frame.inputs, ref.history.inputs[17])
    assert os.listdir(tmp_path) == ["run.h5"]


def test_recording_from_a_worker_thread_with_a_two_step_history(tmp_path):
    config = Config(batch_size=4, n_agents=3, hidden_dim=16, input_dim=5)
    stepper = Stepper(config, history_budget=1)  # the ring holds 2 steps
    assert stepper.history.capacity == 2
    recorder = SessionRecorder(tmp_path / "play.h5", stepper)
    recorder.record_new()
    failures = []

    def play() -> None:  # as Play's worker does: step, then record what is new
        try:
            for _ in range(50):
                stepper.step()
                recorder.record_new()
        except Exception as exc:
            failures.append(exc)

    worker = threading.Thread(target=play)
    worker.start()
    worker.join(60)
    assert not failures and not worker.is_alive()
    assert (tmp_path / "play.h5").exists()  # written under its own name from the first step on
    recorder.close()
    ref = reference(config, 50)
    with SessionReader(tmp_path / "play.h5") as reader:
        np.testing.assert_array_equal(reader.read("hidden"), ref.history.hidden[:51])
        np.testing.assert_array_equal(reader.ts, np.arange(51))


def test_a_recording_stops_with_a_clear_message_when_the_session_starts_over(tmp_path):
    stepper = Stepper(Config(batch_size=2, n_agents=2, hidden_dim=8, input_dim=3), history_budget=1)
    with SessionRecorder(tmp_path / "x.h5", stepper) as recorder:
        assert recorder.record_new() == 1
        stepper.run(2)  # the ring holds 2 steps: t = 1 and 2 are held, both new
        assert recorder.record_new() == 2
        stepper.run(1)
        assert recorder.record_new() == 1
        stepper.reset()
        stepper.run(5)
        with pytest.raises(FileProblem, match="started over"):
            recorder.record_new()
    with SessionReader(tmp_path / "x.h5") as reader:
        assert reader.last == 3  # what was recorded before the reset is kept


# -- environments, outputs, checkpoints --------------------------------------------------------------------------

OBS, ACTIONS, AGENTS, UNITS = 18, 5, 3, 16  # simple_spread with 3 agents: 18 + 5 + 3 = 26 inputs


def gru_step(sd: dict[str, np.ndarray], x: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A PyMARL agent step in float64: ReLU(fc1), the GRU equations, fc2.  Returns (q, h')."""
    a = np.maximum(x @ sd["fc1.weight"].T + sd["fc1.bias"], 0)
    gi = a @ sd["rnn.weight_ih"].T + sd["rnn.bias_ih"]
    gh = h @ sd["rnn.weight_hh"].T + sd["rnn.bias_hh"]
    u = h.shape[-1]
    r = 1 / (1 + np.exp(-(gi[..., :u] + gh[..., :u])))
    z = 1 / (1 + np.exp(-(gi[..., u : 2 * u] + gh[..., u : 2 * u])))
    n = np.tanh(gi[..., 2 * u :] + r * gh[..., 2 * u :])
    h_new = (1 - z) * n + z * h
    return h_new @ sd["fc2.weight"].T + sd["fc2.bias"], h_new


def test_episodes_outputs_and_the_checkpoint_hash_round_trip_through_a_session(tmp_path):
    pytest.importorskip("mpe2", reason='the MPE extra is not installed: pip install "hiddenscope[mpe]"')
    torch.manual_seed(3)
    layers = nn.ModuleDict(
        {
            "fc1": nn.Linear(OBS + ACTIONS + AGENTS, UNITS),
            "rnn": nn.GRUCell(UNITS, UNITS),
            "fc2": nn.Linear(UNITS, ACTIONS),
        }
    )
    ckpt = tmp_path / "agent.th"
    torch.save({k: v.detach().clone() for k, v in layers.state_dict().items()}, ckpt)
    sd = {k: v.double().numpy() for k, v in layers.state_dict().items()}
    planned = plan(Request(checkpoint=str(ckpt), env="simple_spread", batch_size=2, terminal_step=False))
    stepper = Stepper(planned.config, planned.model_factory, planned.input_factory, history_budget=1)
    assert stepper.history.capacity == 2
    steps = 60
    with SessionRecorder(tmp_path / "run.h5", stepper) as recorder:
        recorder.record_new()
        for _ in range(steps):
            stepper.step()
            recorder.record_new()
    with h5py.File(tmp_path / "run.h5", "r") as f:
        d = {
            k: f[k][:]
            for k in ("hidden", "inputs", "outputs", "episode_start", "actions", "rewards", "returns", "done")
        }
        assert f.attrs["checkpoint_sha256"] == hashlib.sha256(ckpt.read_bytes()).hexdigest()
        assert f.attrs["checkpoint"] == str(ckpt)
        assert json.loads(f.attrs["config"])["env"] == "simple_spread"
    assert d["hidden"].shape == (steps + 1, 2, AGENTS, UNITS) and d["outputs"].shape[0] == steps + 1
    # simple_spread's episodes last 25 steps: steps 1, 26 and 51 start one in every row.
    assert [k for k in range(steps + 1) if d["episode_start"][k].any()] == [1, 26, 51]
    assert d["episode_start"][[1, 26, 51]].all()
    np.testing.assert_array_equal(d["episode_start"][2:], d["done"][1:-1])
    np.testing.assert_array_equal(d["actions"][0], -1)  # t = 0 did nothing
    np.testing.assert_array_equal(d["actions"][1:], d["outputs"][1:].reshape(steps, 2, AGENTS, ACTIONS).argmax(-1))
    np.testing.assert_allclose(d["returns"][25], d["rewards"][1:26].sum(0), rtol=1e-4)
    for k in range(1, steps + 1):  # every step follows from the one before (from zeros at an episode start)
        previous = np.where(d["episode_start"][k][:, None, None], 0.0, d["hidden"][k - 1].astype(np.float64))
        q, h = gru_step(sd, d["inputs"][k].astype(np.float64), previous)
        np.testing.assert_allclose(d["hidden"][k], h, atol=2e-5, err_msg=f"step {k}")
        np.testing.assert_allclose(d["outputs"][k].reshape(q.shape), q, atol=2e-5, err_msg=f"step {k}")
    with SessionReader(tmp_path / "run.h5") as reader:
        episode = reader.frame(26).episode
        assert episode is not None and episode.start.all()
        np.testing.assert_array_equal(reader.episode_arrays()["rewards"], d["rewards"])
        assert reader.checkpoint_sha256 == hashlib.sha256(ckpt.read_bytes()).hexdigest()


# -- traces --------------------------------------------------------------------------------------------------------


def test_a_trace_is_stored_once_however_many_steps_ran_it(tmp_path):
    config = Config(batch_size=3, n_agents=2, hidden_dim=8, input_dim=4)
    out = record_session(Stepper(config, history_budget=1), 100, tmp_path / "t.h5")
    ref = reference(config, 100)
    with h5py.File(out, "r") as f:
        # Three distinct traces: init_hidden; step 1, which reads init_hidden's stride-0 expand (so its
        # reshape has stride (0, 1)); and every later step, which reads a contiguous state.
        assert f["trace_table"].shape == (3,)
        np.testing.assert_array_equal(f["trace_index"][:], [0, 1] + [2] * 99)
    with SessionReader(out) as reader:
        for t in range(101):
            live = [r.to_json() for r in ref.history.frame(t).trace]
            stored = reader.trace(t)
            assert [r.to_json() for r in stored] == live, t
            assert [r.op for r in stored] == [r.op for r in ref.history.frame(t).trace]


# -- replay without the model -------------------------------------------------------------------------------------


def test_a_screenshot_and_the_trace_from_a_session_equal_the_live_ones_at_the_same_t(tmp_path, capsys, qapp):
    session = tmp_path / "run.h5"
    assert main(["export", "--steps", "8", "--out", str(session), *SMALL]) == 0
    assert main(["screenshot", "--steps", "5", "--out", str(tmp_path / "live.png"), *SMALL]) == 0
    assert main(["screenshot", "--session", str(session), "--at", "5", "--out", str(tmp_path / "replay.png")]) == 0
    assert (tmp_path / "replay.png").read_bytes() == (tmp_path / "live.png").read_bytes()
    capsys.readouterr()
    assert main(["shapes", "--steps", "5", "--json", *SMALL]) == 0
    live = [r for r in json.loads(capsys.readouterr().out)["records"] if r["step"] == 5]
    assert main(["shapes", "--session", str(session), "--at", "5", "--json"]) == 0
    replay = json.loads(capsys.readouterr().out)
    assert live and replay["records"] == live and replay["config"]["units"] == 6
    cases = [
        (["screenshot", "--session", str(session), "--at", "9", "--out", str(tmp_path / "x.png")], "holds t = 0..8"),
        (["shapes", "--session", str(session), "--n-agents", "3"], "--n-agents cannot go with --session"),
        (["shapes", "--session", str(session), "--steps", "3"], "--steps cannot go with --session"),
        (["shapes", "--at", "3"], "--at goes with --session"),
    ]
    for argv, words in cases:
        assert_one_line_error(main(argv), capsys.readouterr().err, words)


# -- compare --------------------------------------------------------------------------------------------------------


def test_compare_finds_the_first_step_where_two_runs_diverge(tmp_path, capsys):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((20, 2, 3, 4)).astype(np.float32)
    b = a.copy()
    b[6:] = rng.standard_normal(b[6:].shape)  # file row r is fed at step r + 1: the runs part at step 7
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    for name in "ab":
        argv = ["export", "--steps", "15", "--inputs", str(tmp_path / f"{name}.npy"), "--hidden-dim", "8"]
        assert main([*argv, "--out", str(tmp_path / f"{name}.h5")]) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a.h5"), str(tmp_path / "b.h5"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["first_divergent_t"] == 7 and doc["first_input_difference_t"] == 7
    assert doc["first_divergent_t_per_agent"] == [7, 7, 7]
    max_abs = np.array(doc["max_abs"])
    assert doc["t"] == list(range(16)) and max_abs.shape == (16, 3)
    assert (max_abs[:7] == 0).all() and (max_abs[7:] > 0).all()
    assert main(["compare", str(tmp_path / "a.h5"), str(tmp_path / "b.h5")]) == 0
    text = capsys.readouterr().out
    assert "first divergent step: t = 7" in text and "inputs: first differ at t = 7" in text
    assert len([line for line in text.splitlines() if line.strip()[:2].strip().isdigit()]) == 16
    assert main(["compare", str(tmp_path / "a.h5"), str(tmp_path / "a.h5")]) == 0  # a run against itself
    assert "first divergent step: none: no step has max |Δh| > 0" in capsys.readouterr().out
    # A session of another shape is refused, in one line.
    assert main(["export", "--steps", "3", "--n-agents", "2", "--out", str(tmp_path / "c.h5")]) == 0
    capsys.readouterr()
    code = main(["compare", str(tmp_path / "a.h5"), str(tmp_path / "c.h5")])
    assert_one_line_error(code, capsys.readouterr().err, "cannot compare", "(2, 3, 6)", "(32, 2, 96)")


def test_nan_in_both_runs_is_no_difference_and_nan_in_one_is(tmp_path, capsys):
    a = np.random.default_rng(1).standard_normal((10, 2, 3, 4)).astype(np.float32)
    a[2, 0, 1, 0] = np.nan  # fed at step 3: agent 1 of row 0 is NaN from then on
    b = a.copy()
    b[4, 1, 2, 0] = np.nan  # only in B, fed at step 5 to agent 2 of row 1
    for name, data in (("a", a), ("b", b)):
        np.save(tmp_path / f"{name}.npy", data)
        argv = ["export", "--steps", "8", "--inputs", str(tmp_path / f"{name}.npy"), "--hidden-dim", "8"]
        assert main([*argv, "--out", str(tmp_path / f"{name}.h5")]) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a.h5"), str(tmp_path / "a.h5"), "--json"]) == 0
    same = json.loads(capsys.readouterr().out)
    assert same["first_divergent_t"] is None and np.isnan(np.load(tmp_path / "a.npy")).any()
    assert main(["compare", str(tmp_path / "a.h5"), str(tmp_path / "b.h5"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["first_divergent_t"] == 5 and doc["first_divergent_t_per_agent"] == [None, None, 5]
    assert doc["max_abs"][5][2] == "nan"  # a NaN against a number: no number says how far apart, written "nan"


def test_compare_reports_an_infinite_difference_as_inf_and_nan_as_nan(tmp_path, capsys):
    """A +inf or -inf against a number is inf (not the largest float), NaN is nan; the JSON stays JSON."""
    import hiddenscope

    def recorded(name: str, poison: bool) -> str:
        with hiddenscope.record(tmp_path / name, 3) as rec:
            for t in range(1, 5):
                h = np.full((2, 3, 4), 0.5 * t, np.float32)  # batch 2, 3 agents, 4 units
                h[1, 2, 3] = np.inf  # inf in both at the same place: no difference
                if poison and t == 2:
                    h[0, 0, 1] = np.nan
                    h[1, 1, 2] = np.inf
                    h[0, 2, 0] = -np.inf
                rec.step(h.reshape(6, 4))
        return str(tmp_path / name)

    a, b = recorded("a.h5", True), recorded("b.h5", False)
    assert main(["compare", a, b, "--json"]) == 0

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    doc = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert doc["max_abs"][2] == ["nan", "inf", "inf"] and doc["mean_abs"][2] == ["nan", "inf", "inf"]
    assert doc["max_abs"][1] == [0, 0, 0] and doc["max_abs"][3] == [0, 0, 0]
    assert doc["first_divergent_t"] == 2 and doc["first_divergent_t_per_agent"] == [2, 2, 2]
    assert main(["compare", a, b, "--tolerance", "1e300"]) == 0  # NaN diverges whatever the tolerance; inf too
    text = capsys.readouterr().out
    row = next(line.split() for line in text.splitlines() if line.split()[:1] == ["2"])
    assert row == ["2", "nan", "nan", "nan", "inf", "inf"], text
    assert "e+308" not in text and "first divergent step: t = 2" in text


# -- npz, existing files, bad files ----------------------------------------------------------------------------


def test_an_npz_over_the_history_budget_is_refused_and_the_session_suggested(tmp_path, capsys):
    code = main(["export", "--steps", "30", "--history-mb", "1", "--out", str(tmp_path / "run.npz")])
    assert_one_line_error(code, capsys.readouterr().err, "history budget", "--out run.h5")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "name, command",
    [
        ("old.h5", ["export", "--steps", "2", *SMALL]),
        ("old.gif", ["movie", "--steps", "2", *SMALL]),
    ],
)
def test_an_existing_out_is_kept_without_force_and_replaced_with_it(tmp_path, capsys, qapp, name, command):
    out = tmp_path / name
    out.write_bytes(b"yesterday's results")
    assert_one_line_error(main([*command, "--out", str(out)]), capsys.readouterr().err, "already exists", "--force")
    assert out.read_bytes() == b"yesterday's results" and os.listdir(tmp_path) == [name]
    assert main([*command, "--out", str(out), "--force"]) == 0
    assert out.read_bytes() != b"yesterday's results" and os.listdir(tmp_path) == [name]


def test_the_name_is_taken_when_recording_starts_and_a_reader_sees_the_flushed_steps(tmp_path):
    stepper = Stepper(Config(batch_size=2, n_agents=2, hidden_dim=8, input_dim=3))
    recorder = SessionRecorder(tmp_path / "run.h5", stepper)
    with pytest.raises(FileProblem, match="already exists"):  # a second recording cannot take the name
        SessionRecorder(tmp_path / "run.h5", Stepper(Config(batch_size=2, n_agents=2, hidden_dim=8, input_dim=3)))
    recorder.record_new()
    stepper.run(3)
    recorder.record_new()
    with h5py.File(tmp_path / "run.h5", "r", swmr=True) as f:  # counted at the latest a second after written
        deadline = time.monotonic() + 10
        while len(f["t"]) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
            f["t"].refresh()
        assert list(f["t"][:]) == [0, 1, 2, 3]
    with SessionReader(tmp_path / "run.h5") as reader:  # hiddenscope reads it while it is written
        assert (reader.first, reader.last, reader.finished) == (0, 3, False)
        np.testing.assert_array_equal(reader.hidden(3), stepper.snapshot(3).hidden)
    recorder.close()
    with SessionReader(tmp_path / "run.h5") as reader:
        assert (reader.first, reader.last, reader.finished) == (0, 3, True)
    assert os.listdir(tmp_path) == ["run.h5"]


def _session(tmp_path, name: str = "good.h5"):
    path = tmp_path / name
    record_session(Stepper(Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4)), 6, path)
    return path


def _not_hdf5(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("these are my notes, not a session\n" * 20)
    return path


def _truncated(tmp_path):
    data = _session(tmp_path).read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    return tmp_path / "cut.h5"


def _damaged_header(tmp_path):
    data = _session(tmp_path).read_bytes()
    (tmp_path / "bad.h5").write_bytes(data[:8] + bytes(64) + data[72:])  # the superblock after its signature
    return tmp_path / "bad.h5"


def _damaged_data(tmp_path):
    path = _session(tmp_path)
    with h5py.File(path, "r") as f:  # where step 3's hidden state lies in the file
        offset = f["hidden"].id.get_chunk_info_by_coord((3, 0, 0, 0)).byte_offset
    data = bytearray(path.read_bytes())
    data[offset : offset + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    return path


def _foreign(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["images"] = np.zeros((3, 4))
    return path


def _newer(tmp_path):
    path = _session(tmp_path)
    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = 99
    return path


def _disagreeing(tmp_path):
    path = _session(tmp_path)
    with h5py.File(path, "r+") as f:
        f["inputs"].resize(5, axis=0)
    return path


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p / "missing.h5", ["does not exist"]),
        (_not_hdf5, ["not an HDF5 file", "hiddenscope.record", "hiddenscope export"]),
        (_truncated, ["truncated"]),
        (_damaged_header, ["damaged"]),
        (_damaged_data, ["damaged"]),
        (_foreign, ["not a hiddenscope session", "images"]),
        (_newer, ["newer hiddenscope", "format 99"]),
        (_disagreeing, ["disagree"]),
    ],
    ids=["missing", "not-hdf5", "truncated", "damaged-header", "damaged-data", "foreign", "newer", "disagreeing"],
)
def test_a_bad_session_file_is_one_clear_line(tmp_path, capsys, make, words):
    bad = make(tmp_path)
    good = _session(tmp_path, "other-good.h5")
    before = sorted(os.listdir(tmp_path))
    assert_one_line_error(main(["compare", str(good), str(bad)]), capsys.readouterr().err, *words)
    out = tmp_path / "m.gif"
    assert_one_line_error(main(["movie", "--session", str(bad), "--out", str(out)]), capsys.readouterr().err, *words)
    assert sorted(os.listdir(tmp_path)) == before  # nothing written, nothing lost


# -- movies --------------------------------------------------------------------------------------------------------


def test_movies_have_a_frame_per_step_at_the_screenshot_size(tmp_path, capsys, qapp):
    iio = pytest.importorskip("imageio.v3", reason="the movies extra is not installed: hiddenscope[movies]")
    pytest.importorskip("imageio_ffmpeg")
    session = tmp_path / "run.h5"
    assert main(["export", "--steps", "8", "--out", str(session), *SMALL]) == 0
    assert main(["screenshot", "--steps", "4", "--out", str(tmp_path / "t4.png"), *SMALL]) == 0
    assert main(["screenshot", "--steps", "0", "--out", str(tmp_path / "t0.png"), *SMALL]) == 0
    shot4 = iio.imread(tmp_path / "t4.png")[..., :3].astype(int)
    shot0 = iio.imread(tmp_path / "t0.png")[..., :3].astype(int)
    h, w = shot4.shape[:2]
    even = (h + h % 2, w + w % 2)  # H.264 frames have even sides; the grid is padded with white

    assert main(["movie", "--session", str(session), "--from", "2", "--to", "7", "--out", str(tmp_path / "m.mp4")]) == 0
    frames = list(iio.imiter(tmp_path / "m.mp4", plugin="FFMPEG"))
    assert len(frames) == 6 and all(f.shape[:2] == even for f in frames)

    assert main(["movie", "--steps", "4", "--fps", "5", "--out", str(tmp_path / "m.gif"), *SMALL]) == 0
    assert "5 frames" in capsys.readouterr().out
    gif = iio.imread(tmp_path / "m.gif", index=None)[..., :3].astype(int)
    assert gif.shape[:3] == (5, *even)
    # The last frame is t = 4: it looks like the screenshot at t = 4 (up to the GIF's palette), not t = 0's.
    last = gif[-1, :h, :w]
    assert np.abs(last - shot4).mean() < 2 < np.abs(last - shot0).mean()


def test_movie_mistakes_are_one_line(tmp_path, capsys, qapp):
    session = _session(tmp_path)
    cases = [
        (["movie", "--session", str(session), "--out", str(tmp_path / "m.avi")], "must end in .mp4 or .gif"),
        (["movie", "--session", str(session), "--to", "99", "--out", str(tmp_path / "m.gif")], "holds t = 0..6"),
        (["movie", "--session", str(session), "--steps", "3", "--out", str(tmp_path / "m.gif")], "cannot go with"),
        (["movie", "--session", str(session), "--agent", "3", "--out", str(tmp_path / "m.gif")], "--agent"),
        (["movie", "--from", "2", "--out", str(tmp_path / "m.gif")], "go with --session"),
        (
            ["movie", "--session", str(session), "--from", "5", "--to", "2", "--out", str(tmp_path / "m.gif")],
            "--from 5 is after --to 2",
        ),
        (
            ["movie", "--session", str(session), "--from", "60", "--to", "80", "--out", str(tmp_path / "m.gif")],
            "--from 60: ",
        ),
        (["movie", "--session", str(session), "--from", "9", "--out", str(tmp_path / "m.gif")], "holds t = 0..6"),
    ]
    for argv, words in cases:
        assert_one_line_error(main(argv), capsys.readouterr().err, words)
    assert os.listdir(tmp_path) == ["good.h5"]


def test_a_session_copied_elsewhere_reads_the_same(tmp_path):
    path = _session(tmp_path)
    (tmp_path / "copy").mkdir()
    copy = shutil.copy(path, tmp_path / "copy" / "moved.h5")
    with SessionReader(path) as a, SessionReader(copy) as b:
        np.testing.assert_array_equal(a.read("hidden"), b.read("hidden"))
        assert a.config == b.config == Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4)


def test_frames_written_as_a_block_make_the_same_file_as_one_at_a_time(tmp_path):
    """append_many, with traces on some frames, episodes and an extra state, equals append frame by frame."""
    from hiddenscope.core.episodes import EpisodeStep
    from hiddenscope.core.history import Frame
    from hiddenscope.core.session import SessionWriter
    from hiddenscope.core.trace import TraceRecord

    rng = np.random.default_rng(3)
    shape = (2, 3, 5)
    trace_a = [
        TraceRecord(
            40,
            "forward",
            0,
            ("reshape", (-1, 5)),
            "x.reshape(-1, 5)",
            "hidden",
            (6, 5),
            (5, 1),
            True,
            "view",
            30,
            "cpu",
            "float32",
        )
    ]

    def frames():
        for t in range(1, 151):
            episode = EpisodeStep(
                rng.random(2) < 0.2,
                rng.integers(0, 4, (2, 3)),
                rng.random(2, dtype=np.float32),
                rng.random(2, dtype=np.float32),
                rng.random(2) < 0.2,
            )
            trace = trace_a if t % 40 == 0 else None
            frame = Frame(
                t,
                rng.standard_normal(shape, dtype=np.float32),
                rng.standard_normal((2, 3, 4), dtype=np.float32),
                rng.standard_normal((2, 3, 6), dtype=np.float32),
                trace,
                float(t),
                episode,
            )
            yield frame, {"states/c": rng.standard_normal(shape, dtype=np.float32)}

    made = list(frames())
    paths = {}
    for way in ("one", "block"):
        path = paths[way] = tmp_path / f"{way}.h5"
        writer = SessionWriter(path)
        writer.start(
            {"config": {"batch_size": 2, "n_agents": 3, "hidden_dim": 5}},
            shape,
            (2, 3, 4),
            (2, 3, 6),
            (2, 3),
            extra={"states/c": (shape, np.float32)},
        )
        writer.append(
            Frame(0, np.zeros(shape, np.float32), None, None, None, 0.0), {"states/c": np.zeros(shape, np.float32)}
        )
        if way == "one":
            for frame, extra in made:
                writer.append(frame, extra)
        else:
            for i in range(0, len(made), 37):  # blocks that cross the datasets' growth steps
                writer.append_many(made[i : i + 37])
        writer.close()
    with h5py.File(paths["one"], "r") as one, h5py.File(paths["block"], "r") as block:
        assert sorted(one) == sorted(block)
        for name in one:
            if isinstance(one[name], h5py.Dataset):
                np.testing.assert_array_equal(one[name][()], block[name][()], err_msg=name)
        np.testing.assert_array_equal(one["states/c"][()], block["states/c"][()])
    with SessionReader(paths["block"]) as reader:
        assert len(reader) == 151
        assert [t for t in range(151) if reader.trace(t)] == [40, 80, 120]
