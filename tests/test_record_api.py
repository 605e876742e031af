"""hiddenscope.record, watch and open_session on agents hiddenscope has never seen (issue 24).

The agents below are written here, under names no mirror knows: a 2-layer ``nn.LSTM``
policy and a ``GRUCell`` agent.  What the session holds must equal what their code made.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import hiddenscope
from hiddenscope.cli import main
from hiddenscope.core.replay import ReplayStepper

N_AGENTS, BATCH = 3, 4


class TwoLayerPolicy(nn.Module):
    """An LSTM policy: observation → encoder → 2-layer LSTM → action logits."""

    def __init__(self, obs: int = 6, units: int = 10, n_actions: int = 5) -> None:
        super().__init__()
        self.encoder = nn.Linear(obs, units)
        self.memory_core = nn.LSTM(units, units, num_layers=2)
        self.logits = nn.Linear(units, n_actions)

    def forward(self, obs: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        x = torch.tanh(self.encoder(obs)).unsqueeze(0)  # one time step
        out, state = self.memory_core(x, state)
        return self.logits(out[0]), state


class Scout(nn.Module):
    """A GRUCell agent under names of its own."""

    def __init__(self, obs: int = 7, units: int = 12) -> None:
        super().__init__()
        self.eyes = nn.Linear(obs, units)
        self.blocks = nn.ModuleDict({"recall": nn.GRUCell(units, units)})
        self.choose = nn.Linear(units, 4)

    def forward(self, obs: torch.Tensor, h: torch.Tensor):
        z = torch.relu(self.eyes(obs))
        h = self.blocks["recall"](z, h)
        return self.choose(h), h


def _starts(steps: int) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [np.ones(BATCH, bool) if k == 0 else rng.random(BATCH) < 0.2 for k in range(steps)]


def run_policy(steps: int = 9):
    """The LSTM policy's own loop: every state it made, per step."""
    torch.manual_seed(0)
    policy = TwoLayerPolicy()
    rows = BATCH * N_AGENTS
    state = (torch.zeros(2, rows, 10), torch.zeros(2, rows, 10))
    return policy, state, [torch.randn(rows, 6) for _ in range(steps)]


def test_record_lstm_policy_states_and_episode_starts(tmp_path):
    policy, state, obs = run_policy()
    starts = _starts(len(obs))
    made = []
    with hiddenscope.record(tmp_path / "lstm.h5", N_AGENTS, model="TwoLayerPolicy") as rec:
        for x, start in zip(obs, starts, strict=True):
            with torch.no_grad():
                logits, state = policy(x, state)
            h, c = state
            made.append((h.clone(), c.clone()))
            rec.step(
                h[-1],
                inputs=x,
                outputs=logits,
                actions=logits.argmax(-1),
                rewards=np.ones(BATCH),
                episode_start=start,
                states={"c": c[-1], "layer0.h": h[0], "layer0.c": c[0]},
            )
    reader = hiddenscope.open_session(tmp_path / "lstm.h5")
    assert len(reader) == len(obs) + 1 and reader.shape == (BATCH, N_AGENTS, 10)
    assert np.all(reader.hidden(0) == 0)
    for k, (h, c) in enumerate(made, start=1):
        np.testing.assert_allclose(reader.hidden(k), h[-1].reshape(BATCH, N_AGENTS, 10), atol=1e-6)
        np.testing.assert_allclose(reader.state("c", k), c[-1].reshape(BATCH, N_AGENTS, 10), atol=1e-6)
        np.testing.assert_allclose(reader.state("layer0.h", k), h[0].reshape(BATCH, N_AGENTS, 10), atol=1e-6)
    np.testing.assert_array_equal(reader.read("episode_start")[1:], np.stack(starts))
    assert reader.read("actions").shape == (len(obs) + 1, BATCH, N_AGENTS)
    assert reader.finished and reader.model == "TwoLayerPolicy"


def test_watch_lstm_policy_finds_the_layers(tmp_path):
    policy, state, obs = run_policy()
    starts = _starts(len(obs))
    made = []
    with hiddenscope.watch(policy, tmp_path / "lstm.h5", N_AGENTS) as w:
        assert w.cells == ["memory_core"]
        for x, start in zip(obs, starts, strict=True):
            logits, state = policy(x, state)
            made.append(tuple(s.detach().clone() for s in state))
            w.annotate(episode_start=start, actions=logits.argmax(-1))
    reader = hiddenscope.open_session(tmp_path / "lstm.h5")
    assert reader.state_names == ["c", "layer0.c", "layer0.h", "layer1.c", "layer1.h"]
    for k, (h, c) in enumerate(made, start=1):
        np.testing.assert_allclose(reader.hidden(k), h[1].reshape(BATCH, N_AGENTS, 10), atol=1e-6)
        np.testing.assert_allclose(reader.state("layer0.c", k), c[0].reshape(BATCH, N_AGENTS, 10), atol=1e-6)
        np.testing.assert_allclose(reader.state("c", k), c[1].reshape(BATCH, N_AGENTS, 10), atol=1e-6)
    np.testing.assert_array_equal(reader.read("episode_start")[1:], np.stack(starts))
    # inputs and outputs were taken from the call itself
    np.testing.assert_allclose(reader.read("inputs", 1, 1)[0], obs[0].reshape(BATCH, N_AGENTS, 6), atol=1e-6)
    assert "memory_core" not in policy.__dict__ and "forward" not in policy.__dict__  # nothing left behind
    assert not policy.memory_core._forward_hooks


def test_record_and_watch_gru_cell_agent(tmp_path):
    torch.manual_seed(1)
    agent = Scout()
    rows = BATCH * N_AGENTS
    h0 = torch.randn(rows, 12) * 0.1
    obs = [torch.randn(rows, 7) for _ in range(6)]
    starts = _starts(len(obs))
    made = []
    with hiddenscope.record(tmp_path / "rec.h5", N_AGENTS, init=h0) as rec:
        h = h0
        for x, start in zip(obs, starts, strict=True):
            with torch.no_grad():
                _q, h = agent(x, h)
            made.append(h.clone())
            rec.step(h.view(BATCH, N_AGENTS, 12), episode_start=start)
    h = h0
    with hiddenscope.watch(agent, tmp_path / "watch.h5", N_AGENTS, init=h0) as w:
        for x, start in zip(obs, starts, strict=True):
            _q, h = agent(x, h)
            w.annotate(episode_start=start)
    assert w.cells == ["blocks.recall"]
    for name in ("rec.h5", "watch.h5"):
        reader = hiddenscope.open_session(tmp_path / name)
        assert reader.shape == (BATCH, N_AGENTS, 12) and reader.state_names == []
        np.testing.assert_allclose(reader.hidden(0), h0.reshape(BATCH, N_AGENTS, 12), atol=1e-6)
        for k, made_h in enumerate(made, start=1):
            np.testing.assert_allclose(reader.hidden(k), made_h.reshape(BATCH, N_AGENTS, 12), atol=1e-6)
        np.testing.assert_array_equal(reader.read("episode_start")[1:], np.stack(starts))


def test_shapes_of_a_watched_trace_show_this_files_lines(tmp_path, capsys):
    torch.manual_seed(2)
    agent = Scout()
    h = torch.zeros(BATCH * N_AGENTS, 12)
    with hiddenscope.watch(agent, N_AGENTS, tmp_path / "traced.h5", trace=True):
        for _ in range(3):
            _q, h = agent(torch.randn(BATCH * N_AGENTS, 7), h)
    assert main(["shapes", "--session", str(tmp_path / "traced.h5"), "--at", "2"]) == 0
    out = capsys.readouterr().out
    assert "z = torch.relu(self.eyes(obs))" in out  # Scout.forward's own lines, from this file
    assert "return self.choose(h), h" in out
    assert "new hidden" in out


def test_every_view_reads_a_recording(tmp_path):
    policy, state, obs = run_policy(4)
    with hiddenscope.watch(policy, N_AGENTS, tmp_path / "r.h5"):
        for x in obs:
            _logits, state = policy(x, state)
    stepper = ReplayStepper(hiddenscope.open_session(tmp_path / "r.h5"))
    assert stepper.capabilities.is_recording and stepper.history.bounds().last == 4
    stepper.seek(3)
    assert stepper.frame.hidden.shape == (BATCH, N_AGENTS, 10)
    stepper.close()


def test_shapes_are_checked_where_step_is_called(tmp_path):
    with hiddenscope.record(tmp_path / "bad.h5", 3) as rec:
        with pytest.raises(hiddenscope.core.errors.UserError, match="n_agents = 3"):
            rec.step(np.zeros((4, 4, 8), np.float32))
        rec.step(np.zeros((2, 3, 8), np.float64))
        with pytest.raises(hiddenscope.core.errors.UserError, match="batch"):
            rec.step(np.zeros((1, 3, 8)))
    reader = hiddenscope.open_session(tmp_path / "bad.h5")
    assert reader._file["hidden"].dtype == np.float64  # kept as given


def test_dones_are_the_sessions_done(tmp_path):
    """dones per row, per row and agent (a row is done once all its agents are), one for all rows, or none."""
    from hiddenscope.core.episodes import terminal_rows
    from hiddenscope.core.session import SessionReader

    rng = np.random.default_rng(4)
    given = [
        rng.random(BATCH) < 0.5,
        rng.random((BATCH, N_AGENTS)) < 0.7,
        True,
        None,
        torch.tensor([[True], [False], [True], [False]]),  # PyMARL's terminated: (batch, 1)
    ]
    expected = [
        given[0],
        given[1].all(axis=1),
        np.ones(BATCH, bool),
        np.zeros(BATCH, bool),
        np.array([True, False, True, False]),
    ]
    path = tmp_path / "dones.h5"
    with hiddenscope.record(path, N_AGENTS) as rec:
        for dones in given:
            rec.step(np.zeros((BATCH, N_AGENTS, 4), np.float32), dones=dones)
        with pytest.raises(hiddenscope.core.errors.UserError, match="dones has shape"):
            rec.step(np.zeros((BATCH, N_AGENTS, 4), np.float32), dones=np.zeros(5, bool))
    reader = hiddenscope.open_session(path)
    np.testing.assert_array_equal(reader.read("done")[1:], np.stack(expected))
    assert not reader.read("done")[0].any()
    # no episode_start given: a row starts at step 1, and anew at the step after it was done
    np.testing.assert_array_equal(reader.read("episode_start")[1], np.ones(BATCH, bool))
    np.testing.assert_array_equal(reader.read("episode_start")[2:], np.stack(expected)[:-1])
    with SessionReader(path) as session:  # what the app's episode views read
        np.testing.assert_array_equal(session.frame(1).episode.done, expected[0])
        arrays = session.episode_arrays()
        np.testing.assert_array_equal(arrays["done"][1:], np.stack(expected))
        assert not terminal_rows(arrays["episode_start"][2], arrays["done"][1]).any()
    # episode_start given: a done row that starts nothing at the next step reads as a terminal step there
    with hiddenscope.record(tmp_path / "terminal.h5", N_AGENTS, force=True) as rec:
        rec.step(np.zeros((BATCH, N_AGENTS, 4), np.float32), dones=given[0], episode_start=True)
        rec.step(np.zeros((BATCH, N_AGENTS, 4), np.float32), episode_start=False)
    with SessionReader(tmp_path / "terminal.h5") as session:
        arrays = session.episode_arrays()
        np.testing.assert_array_equal(terminal_rows(arrays["episode_start"][2], arrays["done"][1]), given[0])


def test_watch_annotates_dones(tmp_path):
    torch.manual_seed(3)
    agent = Scout()
    h = torch.zeros(BATCH * N_AGENTS, 12)
    with hiddenscope.watch(agent, N_AGENTS, tmp_path / "w.h5") as w:
        for t in range(4):
            _q, h = agent(torch.randn(BATCH * N_AGENTS, 7), h)
            w.annotate(dones=np.arange(BATCH) == t)
    done = hiddenscope.open_session(tmp_path / "w.h5").read("done")[1:]
    np.testing.assert_array_equal(done, np.eye(BATCH, dtype=bool))


def test_a_full_queue_waits_and_says_so(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with hiddenscope.record(tmp_path / "q.h5", 2, queue_mb=0.001) as rec:
            for k in range(20):
                rec.step(np.full((8, 2, 64), k, np.float32))
    assert any("waits for room" in str(w.message) for w in caught)
    reader = hiddenscope.open_session(tmp_path / "q.h5")
    assert len(reader) == 21 and reader.hidden(20)[0, 0, 0] == 19  # nothing dropped


WRITER = """
import sys, time, numpy as np, hiddenscope
with hiddenscope.record(sys.argv[1], 2, model="second process") as rec:
    for k in range(1, 400):
        rec.step(np.full((3, 2, 16), k, np.float32))
        time.sleep(0.05)
"""


def test_a_second_process_is_followed_live(tmp_path):
    path = tmp_path / "live.h5"
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER), str(path)])
    try:
        deadline = time.monotonic() + 60
        reader = None
        while reader is None:
            assert time.monotonic() < deadline, "the writer's first steps never arrived"
            try:
                reader = hiddenscope.open_session(path)
            except (hiddenscope.core.errors.FileProblem, FileNotFoundError):
                time.sleep(0.1)
        lengths = [len(reader)]
        while len(lengths) < 4 or lengths[-1] == lengths[0]:
            assert time.monotonic() < deadline
            time.sleep(0.4)
            reader.refresh()
            lengths.append(len(reader))
        assert lengths == sorted(lengths) and lengths[-1] > lengths[0]
        t = len(reader) - 1
        assert reader.hidden(t)[0, 0, 0] == t  # step k holds k
        png = tmp_path / "mid.png"
        # As its own process: the command makes a headless Qt application, which a test process cannot undo.
        shot = subprocess.run(
            [
                sys.executable,
                "-m",
                "hiddenscope",
                "screenshot",
                "--session",
                str(path),
                "--at",
                str(t),
                "--out",
                str(png),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert shot.returncode == 0, shot.stderr
        assert png.stat().st_size > 0
        assert writer.poll() is None, "the screenshot was meant to be taken mid-run"
        reader.close()
    finally:
        writer.kill()
        writer.wait()
    assert len(hiddenscope.open_session(path)) >= t + 1  # a killed writer's file keeps what was flushed


def test_the_public_names_load_no_qt():
    code = (
        "import sys, hiddenscope; hiddenscope.record, hiddenscope.watch, hiddenscope.open_session;"
        " print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
    import hiddenscope.core.record as module  # the module, not the function hiddenscope.record

    assert Path(module.__file__).name == "record.py"


def test_follow_needs_a_session(capsys):
    assert main(["--follow"]) == 2
    assert "--follow goes with --session" in capsys.readouterr().err


def test_a_recorded_named_state_is_what_screenshot_state_and_the_replay_show(tmp_path, capsys):
    """The LSTM's cell c, chosen with --state (or show_state), is drawn in place of h, captioned c_t."""
    from hiddenscope.cli import main
    from hiddenscope.core.errors import UserError
    from hiddenscope.core.picture import build_picture
    from hiddenscope.core.replay import ReplayStepper
    from hiddenscope.core.session import SessionReader

    policy, state, obs = run_policy()
    path = tmp_path / "lstm.h5"
    cells = []
    with hiddenscope.record(path, N_AGENTS) as rec:
        for x in obs:
            with torch.no_grad():
                _logits, state = policy(x, state)
            h, c = state
            cells.append(c[-1].reshape(BATCH, N_AGENTS, 10).numpy().copy())
            rec.step(h[-1], states={"c": c[-1]})
    with SessionReader(path) as reader:
        replay = ReplayStepper(reader)
        assert replay.state_names == ["h", "c"]
        replay.show_state("c")
        replay.seek(3)
        picture = build_picture(replay)
        np.testing.assert_allclose(picture.values, cells[2], atol=1e-6)  # c_3: the third step's cell
        assert picture.caption == "c_3" and "c_3 at t = 3" in picture.title
        with pytest.raises(UserError, match="holds no state 'q'; it holds h, c"):
            replay.show_state("q")
    out = tmp_path / "c.png"
    assert main(["screenshot", "--session", str(path), "--at", "3", "--state", "c", "--out", str(out)]) == 0
    assert main(["screenshot", "--session", str(path), "--state", "q", "--out", str(tmp_path / "q.png")]) == 2
    assert "holds no state 'q'" in capsys.readouterr().err


def test_watch_takes_path_then_n_agents_and_the_earlier_order_reads_the_same(tmp_path):
    torch.manual_seed(5)
    agent = Scout()
    x, h0 = torch.randn(BATCH * N_AGENTS, 7), torch.zeros(BATCH * N_AGENTS, 12)
    for args in ((tmp_path / "new.h5", N_AGENTS), (N_AGENTS, tmp_path / "old.h5")):
        with hiddenscope.watch(agent, *args):
            agent(x, h0)
    new, old = hiddenscope.open_session(tmp_path / "new.h5"), hiddenscope.open_session(tmp_path / "old.h5")
    assert new.shape == old.shape == (BATCH, N_AGENTS, 12) and len(new) == len(old) == 2
    np.testing.assert_array_equal(new.hidden(1), old.hidden(1))
    with pytest.raises(hiddenscope.core.errors.UserError, match="n_agents must be a number"):
        hiddenscope.watch(agent, tmp_path / "a.h5", tmp_path / "b.h5")


def test_mistakes_a_researcher_makes_read_as_one_python_message(tmp_path):
    from hiddenscope.core.errors import UserError

    h = np.zeros((BATCH, N_AGENTS, 8), np.float32)
    with hiddenscope.record(tmp_path / "a.h5", N_AGENTS) as rec:
        for name, value in (("actions", np.zeros(5)), ("rewards", np.zeros(7)), ("episode_start", np.zeros(3, bool))):
            with pytest.raises(UserError, match=f"{name} has shape"):
                rec.step(h, **{name: value})
        rec.step(
            h,
            actions=np.zeros((BATCH, N_AGENTS)),
            rewards=np.zeros(BATCH),
            episode_start=np.ones(BATCH, bool),
            outputs=np.zeros((BATCH, N_AGENTS, 5)),
        )
        with pytest.raises(UserError, match=r"outputs has shape \(4, 3, 6\) at step 2, \(4, 3, 5\) before"):
            rec.step(h, outputs=np.zeros((BATCH, N_AGENTS, 6)))
        with pytest.raises(UserError, match="inputs was not given at step 1, so it cannot be added at step 2"):
            rec.step(h, inputs=np.zeros((BATCH, N_AGENTS, 2)))
    assert len(hiddenscope.open_session(tmp_path / "a.h5")) == 2  # the refused steps left nothing behind
    with pytest.raises(UserError, match=r"already exists; pass force=True to replace it"):
        hiddenscope.record(tmp_path / "a.h5", N_AGENTS)
    with pytest.raises(UserError, match="no submodule 'nope'; its recurrent cells: blocks.recall"):
        hiddenscope.watch(Scout(), tmp_path / "b.h5", N_AGENTS, cell="nope")
    if os.path.isdir("/proc"):
        with pytest.raises(UserError, match="the folder /proc does not accept new files"):
            with hiddenscope.record("/proc/x.h5", N_AGENTS) as rec:
                rec.step(h)


def test_shapes_at_an_untraced_step_of_a_traced_recording_names_the_traced_steps(tmp_path, capsys):
    from hiddenscope.cli import main

    torch.manual_seed(2)
    agent = Scout()
    h = torch.zeros(BATCH * N_AGENTS, 12)
    with hiddenscope.watch(agent, tmp_path / "t.h5", N_AGENTS, trace=True):
        for _ in range(12):
            _q, h = agent(torch.randn(BATCH * N_AGENTS, 7), h)
    assert main(["shapes", "--session", str(tmp_path / "t.h5"), "--at", "11"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.endswith("no trace for t = 11; the traced steps are t = 1, 2, 3, 4, 5, 6, 7, 8")


def test_many_small_steps_are_written_in_blocks_and_read_back_step_for_step(tmp_path, monkeypatch):
    """A fast loop of small steps: the writer takes queued steps together, and every value lands at its own t."""
    from hiddenscope.core.session import SessionWriter

    blocks: list[int] = []
    real = SessionWriter.append_many

    def counting(self, items):
        blocks.append(len(items))
        return real(self, items)

    monkeypatch.setattr(SessionWriter, "append_many", counting)
    steps, rng = 400, np.random.default_rng(7)
    starts = rng.random((steps, BATCH)) < 0.1
    dones = rng.random((steps, BATCH)) < 0.1
    actions = rng.integers(0, 5, (steps, BATCH, N_AGENTS))
    rewards = rng.standard_normal((steps, BATCH)).astype(np.float32)
    path = tmp_path / "small.h5"
    with hiddenscope.record(path, N_AGENTS, trace=50) as rec:
        for t in range(1, steps + 1):
            h = torch.full((BATCH, N_AGENTS, 4), float(t)) + torch.arange(4.0)  # planted: unit u of step t is t + u
            x = torch.full((BATCH * N_AGENTS, 3), -float(t))
            with rec.tracing(inputs=x, hidden=h):
                h = h * 1.0
            rec.step(
                h,
                inputs=x,
                outputs=h[..., :2] * 2,
                actions=actions[t - 1],
                rewards=rewards[t - 1],
                episode_start=starts[t - 1],
                dones=dones[t - 1],
                states={"c": -h},
            )
    assert sum(blocks) == steps and max(blocks) > 1  # blocks were written, and no step twice
    session = hiddenscope.open_session(path)
    t = np.arange(1, steps + 1, dtype=np.float32)[:, None, None, None]
    np.testing.assert_array_equal(
        session.read("hidden")[1:], np.broadcast_to(t + np.arange(4.0), (steps, BATCH, N_AGENTS, 4))
    )
    np.testing.assert_array_equal(session.read("states/c")[1:], -session.read("hidden")[1:])
    np.testing.assert_array_equal(session.read("inputs")[1:], np.broadcast_to(-t, (steps, BATCH, N_AGENTS, 3)))
    np.testing.assert_array_equal(session.read("outputs")[1:], 2 * session.read("hidden")[1:, ..., :2])
    np.testing.assert_array_equal(session.read("actions")[1:], actions)
    np.testing.assert_array_equal(session.read("rewards")[1:], rewards)
    np.testing.assert_array_equal(session.read("done")[1:], dones)
    np.testing.assert_array_equal(session.read("episode_start")[1:], starts)
    traced = [k for k in range(steps + 1) if session.trace(k)]
    assert traced == [k for k in range(1, steps + 1) if rec.traces_step(k)]


# -- what a new user's trial found (shapes in another order, dones alone, unclosed recordings, force) -------------
def _h(value: float = 0.0) -> np.ndarray:
    return np.full((BATCH, N_AGENTS, 4), value, np.float32)


def test_arrays_in_another_order_are_refused_and_every_accepted_shape_reads_back(tmp_path):
    """(n_agents, batch) arrays were taken by their element count and scrambled: refused, one line each."""
    from hiddenscope.core.errors import UserError

    b, n = BATCH, N_AGENTS
    planted = np.array([[10 * a + r for a in range(n)] for r in range(b)])  # row r, agent a: 10 a + r
    path = tmp_path / "order.h5"
    with hiddenscope.record(path, n) as rec:
        refused = {
            "actions": planted.T,
            "rewards": np.ones((n, b)),
            "dones": np.zeros((n, b), bool),
            "episode_start": np.ones((b, n), bool),
            "avail_actions": np.ones((b, n + 1, 5), bool),
        }
        for name, value in refused.items():
            with pytest.raises(UserError) as caught:
                rec.step(_h(), **{name: value})
            message = str(caught.value)
            assert message.startswith(f"{name} has shape {value.shape}") and "\n" not in message
            assert "(batch, n_agents" in message or "(batch,)" in message
        with pytest.raises(UserError, match="actions must be whole numbers"):
            rec.step(_h(), actions=np.full((b, n), 1.5))
        with pytest.raises(UserError, match="actions must be whole numbers"):
            rec.step(_h(), actions=torch.tensor(planted, dtype=torch.float32) + 0.25)
        accepted = [  # every shape each value may have, with the same planted values
            {"actions": planted, "rewards": np.arange(b), "dones": np.arange(b) == 1},
            {
                "actions": planted.reshape(b * n),
                "rewards": np.arange(b)[:, None],
                "dones": (np.arange(b) == 1)[:, None],
            },
            {"actions": planted[..., None], "rewards": np.tile(np.arange(b)[:, None] / n, (1, n))},
            {"actions": torch.tensor(planted.reshape(b * n, 1), dtype=torch.float64), "episode_start": np.ones((b, 1))},
            {"actions": 2, "rewards": 1.0, "dones": True, "episode_start": [True]},
        ]
        accepted[0]["avail_actions"] = np.ones((b, n, 5), bool)
        accepted[1]["avail_actions"] = np.zeros((b, n, 5), bool)
        for k, fields in enumerate(accepted, start=1):
            assert rec.step(_h(k), **fields) == k
    reader = hiddenscope.open_session(path)
    assert len(reader) == len(accepted) + 1  # the refused steps left nothing
    actions, rewards = reader.read("actions"), reader.read("rewards")
    for k in range(1, 5):
        np.testing.assert_array_equal(actions[k], planted)
    np.testing.assert_array_equal(actions[5], np.full((b, n), 2))
    for k in (1, 2, 3):
        np.testing.assert_allclose(rewards[k], np.arange(b), rtol=1e-6)
    np.testing.assert_array_equal(reader.read("done")[1:3], [np.arange(b) == 1] * 2)
    np.testing.assert_array_equal(reader.read("avail_actions")[1], np.ones((b, n, 5), bool))
    np.testing.assert_array_equal(reader.read("avail_actions")[2], np.zeros((b, n, 5), bool))
    np.testing.assert_array_equal(reader.read("episode_start")[4:6], np.ones((2, b), bool))
    masks = np.arange(b * n * 5).reshape(b * n, 5) % 3 == 0  # PyMARL's rows, agent fastest
    with hiddenscope.record(tmp_path / "masks.h5", n) as rec:
        rec.step(_h(), avail_actions=masks)
    np.testing.assert_array_equal(
        hiddenscope.open_session(tmp_path / "masks.h5").read("avail_actions")[1], masks.reshape(b, n, 5)
    )


def test_dones_alone_start_the_next_episode_and_its_returns(tmp_path):
    """Rewards and dones, no episode_start: the step after a done starts the row's next episode."""
    path = tmp_path / "dones.h5"
    with hiddenscope.record(path, 1) as rec:
        for t in range(1, 9):
            rec.step(torch.zeros(2, 1, 2), rewards=[1.0, 2.0], dones=[t % 4 == 0, t == 3])
    reader = hiddenscope.open_session(path)
    assert reader.read("done")[1:, 0].astype(int).tolist() == [0, 0, 0, 1, 0, 0, 0, 1]
    assert reader.read("episode_start")[1:, 0].astype(int).tolist() == [1, 0, 0, 0, 1, 0, 0, 0]
    assert reader.read("returns")[1:, 0].tolist() == [1, 2, 3, 4, 1, 2, 3, 4]
    assert reader.read("episode_start")[1:, 1].astype(int).tolist() == [1, 0, 0, 1, 0, 0, 0, 0]
    assert reader.read("returns")[1:, 1].tolist() == [2, 4, 6, 2, 4, 6, 8, 10]
    # episode_start given is taken as given, done or not
    with hiddenscope.record(tmp_path / "given.h5", 1) as rec:
        for t in range(1, 5):
            rec.step(torch.zeros(1, 1, 2), rewards=1.0, dones=t == 2, episode_start=t == 1)
    assert hiddenscope.open_session(tmp_path / "given.h5").read("returns")[1:, 0].tolist() == [1, 2, 3, 4]


UNCLOSED = """
import sys, numpy as np, hiddenscope
rec = hiddenscope.record(sys.argv[1], 2, force=True)
for k in range(1, 41):  # 4 MiB a step: the writer is still behind when the script ends
    rec.step(np.full((256, 2, 2048), k, np.float32))
if sys.argv[2] == "raise":
    raise RuntimeError("the loop crashed")
print("left without close", flush=True)
"""


def test_an_unclosed_recording_is_finished_at_exit(tmp_path):
    """No with, no close: at exit every queued step is written and the file finished, with a ResourceWarning."""
    path = tmp_path / "unclosed.h5"
    run = subprocess.run(
        [sys.executable, "-W", "always::ResourceWarning", "-c", textwrap.dedent(UNCLOSED), str(path), "end"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0 and "left without close" in run.stdout, run.stderr
    assert "ResourceWarning: hiddenscope.record: the recording to" in run.stderr
    assert "was not closed; its file is finished at exit with the 40 steps taken" in run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    reader = hiddenscope.open_session(path)
    assert len(reader) == 41 and reader.finished
    hidden = reader.read("hidden")
    assert [float(hidden[k, 7, 1, 100]) for k in range(41)] == list(range(41))
    old = path.read_bytes()
    # Over an existing session, a script ended by an uncaught exception leaves it as it was, the steps beside it.
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(UNCLOSED), str(path), "raise"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1 and "RuntimeError: the loop crashed" in run.stderr
    assert path.read_bytes() == old
    parts = list(tmp_path.glob(".unclosed.h5.*.part"))
    assert len(parts) == 1 and str(parts[0]) in run.stderr and "was left as it was" in run.stderr
    kept = hiddenscope.open_session(parts[0])
    assert len(kept) == 41 and kept.finished


def test_an_unclosed_recording_is_finished_when_garbage_collected(tmp_path):
    import gc
    import weakref

    path = tmp_path / "dropped.h5"
    rec = hiddenscope.record(path, N_AGENTS)
    for k in range(1, 6):
        rec.step(_h(k), rewards=np.ones(BATCH))
    alive = weakref.ref(rec)
    with pytest.warns(ResourceWarning, match="was not closed; its file is finished as it is garbage-collected"):
        del rec
        gc.collect()
    assert alive() is None  # the writer thread holds no reference to it
    reader = hiddenscope.open_session(path)
    assert len(reader) == 6 and reader.finished
    assert [float(reader.hidden(k)[0, 0, 0]) for k in range(6)] == [0, 1, 2, 3, 4, 5]
    # A closed one warns nothing when collected.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with hiddenscope.record(tmp_path / "closed.h5", N_AGENTS) as rec:
            rec.step(_h())
        del rec
        gc.collect()


def test_force_keeps_the_old_session_when_the_loop_raises(tmp_path):
    """The docstring's promise: the old session stays whole until the new one is finished."""
    path = tmp_path / "run.h5"
    with hiddenscope.record(path, N_AGENTS) as rec:
        for k in range(1, 4):
            rec.step(_h(100 + k))
    old = path.read_bytes()
    with pytest.warns(UserWarning, match="the loop raised, so .*run.h5 was left as it was") as caught:
        with pytest.raises(RuntimeError, match="env crashed"):
            with hiddenscope.record(path, N_AGENTS, force=True) as rec:
                rec.step(_h(1))
                rec.step(_h(2))
                raise RuntimeError("env crashed")
    assert path.read_bytes() == old
    parts = list(tmp_path.glob(".run.h5.*.part"))
    assert len(parts) == 1
    message = str(caught[0].message)
    assert f"{parts[0]} holds the 2 steps recorded" in message and "\n" not in message
    kept = hiddenscope.open_session(parts[0])
    assert len(kept) == 3 and kept.finished and float(kept.hidden(2)[0, 0, 0]) == 2
    assert rec.outcome.startswith(f"{path} was left as it was")
    # watch does the same
    cell = nn.GRUCell(3, 4)
    with pytest.warns(UserWarning, match="was left as it was"), pytest.raises(KeyError):
        with hiddenscope.watch(cell, path, N_AGENTS, force=True):
            cell(torch.randn(BATCH * N_AGENTS, 3))
            raise KeyError("crash")
    assert path.read_bytes() == old and len(list(tmp_path.glob(".run.h5.*.part"))) == 2
    # a loop that ends normally replaces it
    with hiddenscope.record(path, N_AGENTS, force=True) as rec:
        rec.step(_h(7))
    reader = hiddenscope.open_session(path)
    assert len(reader) == 2 and float(reader.hidden(1)[0, 0, 0]) == 7
    assert len(list(tmp_path.glob(".run.h5.*.part"))) == 2  # only the two kept from the crashed runs


def test_empty_steps_and_states_that_are_not_floats_are_refused(tmp_path):
    from hiddenscope.core.errors import UserError

    path = tmp_path / "x.h5"
    with hiddenscope.record(path, N_AGENTS) as rec:
        for empty in (torch.zeros(BATCH, N_AGENTS, 0), torch.zeros(0, N_AGENTS, 8), np.zeros((BATCH * N_AGENTS, 0))):
            with pytest.raises(UserError, match=r"hidden has shape .*: a step needs at least one row and one unit"):
                rec.step(empty)
        with pytest.raises(UserError, match=r"^hidden has shape \(0, 8\); with n_agents = 3 it must be"):
            rec.step(np.zeros((0, 8), np.float32))
        for dtype in (torch.int64, torch.bool, torch.complex64):
            name = str(dtype).replace("torch.", "")
            with pytest.raises(UserError, match=f"^hidden must be a float tensor or array, got {name}$"):
                rec.step(torch.zeros(BATCH, N_AGENTS, 8, dtype=dtype))
        with pytest.raises(UserError, match="^hidden must be a float tensor or array, got int64$"):
            rec.step(np.zeros((BATCH, N_AGENTS, 8), np.int64))
        with pytest.raises(UserError, match=r"states\['c'\] must be a float tensor or array, got int32"):
            rec.step(_h(), states={"c": np.zeros((BATCH, N_AGENTS, 4), np.int32)})
        with pytest.raises(UserError, match="a state may not be named 'hidden'"):
            rec.step(_h(), states={"hidden": _h()})
        with pytest.raises(UserError, match=r"inputs has shape \(4, 3, 0\): it holds no values"):
            rec.step(_h(), inputs=np.zeros((BATCH, N_AGENTS, 0), np.float32))
        rec.step(_h(1))
    assert len(hiddenscope.open_session(path)) == 2
    # bfloat16 is stored as float32, and the session says it was bfloat16
    planted = (torch.arange(BATCH * N_AGENTS * 4, dtype=torch.float32) / 8).reshape(BATCH, N_AGENTS, 4)
    with hiddenscope.record(tmp_path / "bf16.h5", N_AGENTS) as rec:
        rec.step(planted.bfloat16(), states={"c": -planted.bfloat16()})
    reader = hiddenscope.open_session(tmp_path / "bf16.h5")
    assert reader.config_record["dtype"] == "bfloat16" and reader.config_record["stored_dtype"] == "float32"
    np.testing.assert_array_equal(reader.hidden(1), planted.bfloat16().float().numpy())
    np.testing.assert_array_equal(reader.state("c", 1), -planted.bfloat16().float().numpy())


def test_only_session_names_are_written_and_the_options_are_checked(tmp_path):
    from hiddenscope.core.errors import UserError

    for name in ("x.npz", "x.txt", "xnosuffix"):
        with pytest.raises(UserError, match=rf"^{name}: the session file must end in \.h5 or \.hdf5"):
            hiddenscope.record(tmp_path / name, N_AGENTS)
        assert not (tmp_path / name).exists()
    with hiddenscope.record(tmp_path / "x.HDF5", N_AGENTS) as rec:
        rec.step(_h())
    assert len(hiddenscope.open_session(tmp_path / "x.HDF5")) == 2
    for trace in (0, -1, 2.5):
        with pytest.raises(
            UserError, match=rf"trace must be True, False or a whole number n of at least 1 \(.*\), got {trace}"
        ):
            hiddenscope.record(tmp_path / "t.h5", N_AGENTS, trace=trace)
    for queue_mb in (0, -1, float("nan")):
        with pytest.raises(UserError, match="queue_mb must be a number of MiB above 0"):
            hiddenscope.record(tmp_path / "q.h5", N_AGENTS, queue_mb=queue_mb)
    assert not list(tmp_path.glob("[tq].h5"))
    rec = hiddenscope.record(tmp_path / "q.h5", N_AGENTS, queue_mb=3)
    assert rec._sink.budget == 3 * 2**20
    rec.abort()
    # tracing on a recording made without trace: said once
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with hiddenscope.record(tmp_path / "nt.h5", N_AGENTS) as rec:
            for _ in range(3):
                with rec.tracing():
                    h = torch.zeros(BATCH, N_AGENTS, 4) + 1
                rec.step(h)
    said = [str(w.message) for w in caught]
    assert len(said) == 1 and "traces nothing" in said[0] and "pass trace=True" in said[0]
    assert caught[0].filename == __file__
    assert hiddenscope.open_session(tmp_path / "nt.h5").trace(1) is None


FOLLOWED = """
import sys, time, numpy as np, hiddenscope
with hiddenscope.record(sys.argv[1], 2) as rec:
    for k in range(1, 31):
        rec.step(np.full((3, 2, 4), k, np.float32))
        time.sleep(0.1)
"""


def test_the_follow_guide_runs_as_written(tmp_path, monkeypatch, capsys):
    """docs/python-api.md's snippet following a run, with its own imports, against a real second process."""
    import re

    guide = re.search(
        r"<!-- guide: follow -->\n```python\n(.*?)```",
        (Path(__file__).parent.parent / "docs/python-api.md").read_text(),
        re.S,
    )
    assert guide, "the follow guide is marked in docs/python-api.md"
    path = tmp_path / "run.h5"
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(FOLLOWED), str(path)])
    try:
        deadline = time.monotonic() + 120
        while True:
            assert time.monotonic() < deadline and writer.poll() is None, "the writer's first steps never arrived"
            try:
                hiddenscope.open_session(path).close()
                break
            except (hiddenscope.core.errors.FileProblem, FileNotFoundError, OSError):
                time.sleep(0.05)
        sleep = time.sleep

        def shorter(seconds: float) -> None:  # the guide sleeps a second between looks; a third here
            assert time.monotonic() < deadline, "the guide never saw the writer finish"
            sleep(seconds / 3)

        monkeypatch.setattr(time, "sleep", shorter)
        monkeypatch.chdir(tmp_path)
        exec(compile(guide.group(1), "follow-guide", "exec"), {})
    finally:
        writer.wait(timeout=120)
    lines = capsys.readouterr().out.split()
    lengths, means = [int(v) for v in lines[0::2]], [float(v) for v in lines[1::2]]
    assert lengths == sorted(lengths) and lengths[-1] == 31 and means[-1] == 30.0
    assert all(m == n - 1 for n, m in zip(lengths, means, strict=True))  # step k holds k


def test_a_recordings_title_names_only_what_the_users_loop_gave(tmp_path, capsys):
    """No 'seed 0' (no seed of hiddenscope's ran it) and no 'input 1' where no inputs were recorded."""
    from hiddenscope.core.session import SessionReader

    plain, fed = tmp_path / "plain.h5", tmp_path / "fed.h5"
    with hiddenscope.record(plain, N_AGENTS, model="my LSTM policy") as rec:
        rec.step(np.zeros((BATCH, N_AGENTS, 8), np.float32))
    with hiddenscope.record(fed, N_AGENTS) as rec:
        rec.step(np.zeros((BATCH, N_AGENTS, 8), np.float32), inputs=np.ones((BATCH, N_AGENTS, 5), np.float32))
    with SessionReader(plain) as reader:
        assert reader.config.label() == f"batch {BATCH} · {N_AGENTS} agents · my LSTM policy · 8 units"
    with SessionReader(fed) as reader:
        assert reader.config.label().endswith("· 8 units · input 5") and "seed" not in reader.config.label()
    out = tmp_path / "shot.png"
    assert main(["screenshot", "--session", str(plain), "--out", str(out)]) == 0
    from PySide6.QtGui import QImage

    title = QImage(str(out)).text("Title")
    assert "my LSTM policy · 8 units" in title and "seed" not in title and "input" not in title


def test_a_step_the_writer_cannot_write_keeps_every_step_before_it_and_names_it(tmp_path, monkeypatch):
    """Queued steps go to the file in blocks: one bad step must not take the good ones queued with it."""
    from hiddenscope.core import record as record_module
    from hiddenscope.core.errors import UserError

    real = record_module._Sink._frame

    def frame(self, t, *args):
        if t == 20:
            raise ValueError("a value the file cannot take")
        return real(self, t, *args)

    monkeypatch.setattr(record_module._Sink, "_frame", frame)
    path = tmp_path / "bad.h5"
    rec = hiddenscope.record(path, N_AGENTS)
    with pytest.raises(UserError, match=r"step 20 could not be written \(ValueError: a value the file cannot take\)"):
        for t in range(1, 41):
            rec.step(np.full((BATCH, N_AGENTS, 4), t, np.float32))
        rec.close()
    session = hiddenscope.open_session(path)
    assert len(session) == 20  # t = 0..19: every step before the bad one
    np.testing.assert_array_equal(session.read("hidden")[1:, 0, 0, 0], np.arange(1, 20))


def test_what_step_1_lays_out_is_checked_at_step_1_and_kept_after(tmp_path):
    from hiddenscope.core.errors import UserError

    h = np.zeros((BATCH, N_AGENTS, 8), np.float32)
    with pytest.raises(UserError, match=r"init has shape \(3, 3, 8\); hidden is \(batch 4, 3 agents, 8 units\)"):
        with hiddenscope.record(tmp_path / "init.h5", N_AGENTS, init=np.zeros((3, N_AGENTS, 8))) as rec:
            rec.step(h)
    assert not (tmp_path / "init.h5").exists()  # refused before any file was made
    with pytest.raises(UserError, match=r"inputs has shape \(5, 3, 2\), another batch than hidden's 4"):
        with hiddenscope.record(tmp_path / "in.h5", N_AGENTS) as rec:
            rec.step(h, inputs=np.zeros((5, N_AGENTS, 2)))
    assert not (tmp_path / "in.h5").exists()
    with hiddenscope.record(tmp_path / "late.h5", N_AGENTS) as rec:
        rec.step(h)
        with pytest.raises(UserError, match="actions was not given at step 1, so it cannot be added at step 2"):
            rec.step(h, actions=np.zeros((BATCH, N_AGENTS)))
    with hiddenscope.record(tmp_path / "out.h5", N_AGENTS) as rec:  # one value a row: not the agents' rows
        rec.step(h, outputs=np.arange(BATCH, dtype=np.float32)[:, None])
    np.testing.assert_array_equal(
        hiddenscope.open_session(tmp_path / "out.h5").read("outputs")[1], [[0], [1], [2], [3]]
    )
    with hiddenscope.record(tmp_path / "one.h5", N_AGENTS) as rec:  # inputs one wide are inputs all the same
        rec.step(h, inputs=np.ones((BATCH, N_AGENTS, 1)))
    from hiddenscope.core.session import SessionReader

    with SessionReader(tmp_path / "one.h5") as reader:
        assert reader.config.label().endswith("8 units · input 1")
