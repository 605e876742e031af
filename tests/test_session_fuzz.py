"""Damaged and made-up session files: every command that reads one answers in one line, or works.

A real session is recorded once; hypothesis then damages copies of it, byte by byte
(truncations, flipped bytes, overwritten runs) or dataset by dataset (wrong dtypes,
ranks and shapes, groups for datasets, huge declared sizes, timesteps and trace
indices out of range, traces and configurations of the wrong form).  Each copy goes
through ``compare``, ``shapes``, ``screenshot`` and ``movie`` as the command line runs
them: the exit status is 0 or 2, a 2 comes with one line and no traceback, nothing is
written on failure, and the memory Python allocates stays far below what a made-up
header asks for.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiddenscope.cli import main
from hiddenscope.core import Config, Stepper
from hiddenscope.core.session import SessionReader, record_session

MOST_BYTES = 64 * 2**20  # far above what a 2 × 3 × 6 session needs, far below what the made-up headers declare
FUZZ = settings(
    max_examples=int(os.environ.get("HIDDENSCOPE_FUZZ_EXAMPLES", "30")),  # more for a longer hunt
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def good_session(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.h5"
    record_session(Stepper(Config(batch_size=2, n_agents=3, hidden_dim=8, input_dim=4)), 6, path)
    with SessionReader(path) as reader:
        assert reader.distinct_traces >= 1 and len(reader) == 7
    return path


def _commands(bad: Path, good: Path, out: Path) -> list[list[str]]:
    commands = [
        ["compare", str(good), str(bad)],
        ["shapes", "--session", str(bad), "--at", "3"],
        ["screenshot", "--session", str(bad), "--out", str(out / "shot.png")],
    ]
    try:
        import PIL  # noqa: F401  (GIF movies need Pillow)

        commands.append(["movie", "--session", str(bad), "--out", str(out / "m.gif")])
    except ImportError:
        pass
    return commands


def assert_every_command_answers(bad: Path, good: Path, capsys) -> None:
    out = bad.parent / "out"
    out.mkdir(exist_ok=True)
    for argv in _commands(bad, good, out):
        before = sorted(os.listdir(out))
        tracemalloc.start()
        try:
            code = main(argv)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        captured = capsys.readouterr()
        assert code in (0, 2), (argv, code, captured.err)
        assert "Traceback" not in captured.err, captured.err
        assert peak < MOST_BYTES, (argv, peak)
        if code == 2:
            lines = captured.err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("hiddenscope: error:"), captured.err
            assert sorted(os.listdir(out)) == before  # nothing written when it fails
        for name in os.listdir(out):
            os.unlink(out / name)


# -- byte by byte ----------------------------------------------------------------------------------------------


@st.composite
def damaged_bytes(draw, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "overwrite"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    buffer = bytearray(data)
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            buffer[i] ^= 1 << draw(st.integers(0, 7))
    else:
        start = draw(st.integers(0, len(data) - 1))
        noise = draw(st.binary(min_size=1, max_size=256))
        buffer[start : start + len(noise)] = noise[: len(data) - start]
    return bytes(buffer)


@FUZZ
@given(st.data())
def test_damaged_bytes_are_one_line_or_a_session(good_session, tmp_path_factory, capsys, data):
    original = good_session.read_bytes()
    bad = tmp_path_factory.mktemp("bytes") / "bad.h5"
    bad.write_bytes(data.draw(damaged_bytes(original)))
    assert_every_command_answers(bad, good_session, capsys)


# -- dataset by dataset --------------------------------------------------------------------------------------------


def _replace(f: h5py.File, name: str, value) -> None:
    del f[name]
    if isinstance(value, str) and value == "group":
        f.create_group(name)
    else:
        f.create_dataset(name, data=value)


def _huge(f: h5py.File, name: str) -> None:
    """Declare ``name`` as enormous without storing it: a few bytes of header for many GB."""
    shape = f[name].shape
    del f[name]
    big = (shape[0], *(s * 100_000 for s in shape[1:])) if len(shape) > 1 else (10**12,)
    f.create_dataset(name, big, dtype=np.float32 if name != "t" else np.int64, chunks=True, maxshape=big)


MUTATIONS = {
    "hidden complex": lambda f: _replace(f, "hidden", f["hidden"][:].astype(np.complex64)),
    "hidden strings": lambda f: _replace(f, "hidden", np.full(f["hidden"].shape, "x", dtype="S1")),
    "hidden a group": lambda f: _replace(f, "hidden", "group"),
    "hidden 3-d": lambda f: _replace(f, "hidden", f["hidden"][:, 0]),
    "hidden huge": lambda f: _huge(f, "hidden"),
    "inputs huge": lambda f: _huge(f, "inputs"),
    "t huge": lambda f: _huge(f, "t"),
    "inputs wrong shape": lambda f: _replace(f, "inputs", np.zeros((7, 5, 3, 4), np.float32)),
    "t from 2**62": lambda f: _replace(f, "t", np.arange(7, dtype=np.int64) + 2**62),
    "t from 2**40": lambda f: _replace(f, "t", np.arange(7, dtype=np.int64) + 2**40),
    "t negative": lambda f: _replace(f, "t", np.arange(7, dtype=np.int64) - 3),
    "t floats": lambda f: _replace(f, "t", np.arange(7, dtype=np.float64)),
    "t repeated": lambda f: _replace(f, "t", np.zeros(7, np.int64)),
    "t 2-d": lambda f: _replace(f, "t", np.zeros((7, 2), np.int64)),
    "t empty": lambda f: _replace(f, "t", np.zeros(0, np.int64)),
    "trace index out of range": lambda f: _replace(f, "trace_index", np.full(7, 99, np.int32)),
    "trace index below -1": lambda f: _replace(f, "trace_index", np.full(7, -5, np.int32)),
    "trace table numbers": lambda f: _replace(f, "trace_table", np.zeros(3)),
    "trace record wrong schema": lambda f: _write_traces(f, json.dumps([{"op": 3, "shape": "x"}])),
    "trace not a list": lambda f: _write_traces(f, json.dumps({"op": "add"})),
    "trace not json": lambda f: _write_traces(f, "{not json"),
    "trace shape of strings": lambda f: _write_traces(f, _one_record(shape=["a", "b"])),
    "config a list": lambda f: f.attrs.__setitem__("config", json.dumps([1, 2, 3])),
    "config not json": lambda f: f.attrs.__setitem__("config", "{"),
    "config bad batch": lambda f: f.attrs.__setitem__("config", _config(f, batch_size="two")),
    "config unknown units": lambda f: f.attrs.__setitem__("config", _config(f, units=[96])),
    "config gone": lambda f: f.attrs.__delitem__("config"),
    "edits a number": lambda f: f.attrs.__setitem__("edits", "7"),
    "format version text": lambda f: f.attrs.__setitem__("format_version", "one"),
    "steps attribute wrong": lambda f: f.attrs.__setitem__("steps", 99),
    "has_input strings": lambda f: _replace(f, "has_input", np.full(7, "y", dtype="S1")),
    "step_ms complex": lambda f: _replace(f, "step_ms", np.zeros(7, np.complex128)),
    "outputs a group": lambda f: f.create_group("outputs"),
    "outputs scalar rows": lambda f: f.create_dataset("outputs", data=np.zeros(7, np.float32)),
    "episode start alone": lambda f: f.create_dataset("episode_start", data=np.zeros((7, 2), bool)),
    "episode actions wrong shape": lambda f: _episodes(f, actions=np.zeros((7, 9), np.int64)),
    "episode rewards text": lambda f: _episodes(f, rewards=np.full((7, 2), "r", dtype="S1")),
    "unfinished, rows short": lambda f: (
        f.attrs.__setitem__("complete", False),
        _replace(f, "inputs", f["inputs"][:3]),
    ),
    "hidden rows short": lambda f: _replace(f, "hidden", f["hidden"][:4]),
}


def _config(f: h5py.File, **changes) -> str:
    return json.dumps({**json.loads(f.attrs["config"]), **changes})


def _one_record(**changes) -> str:
    record = {
        "phase": "forward",
        "index": 0,
        "op": "add(1)",
        "code": "x + 1",
        "role": "hidden",
        "shape": [2, 3],
        "stride": [3, 1],
        "contiguous": True,
        "kind": "new",
        "storage_numel": 6,
        "device": "cpu",
        "dtype": "torch.float32",
    }
    return json.dumps([{**record, **changes}])


def _write_traces(f: h5py.File, text: str) -> None:
    table = f["trace_table"]
    for row in range(table.shape[0]):
        table[row] = text


def _episodes(f: h5py.File, **replace) -> None:
    arrays = {
        "episode_start": np.zeros((7, 2), bool),
        "actions": np.zeros((7, 2, 3), np.int64),
        "rewards": np.zeros((7, 2), np.float32),
        "returns": np.zeros((7, 2), np.float32),
        "done": np.zeros((7, 2), bool),
    }
    for name, value in {**arrays, **replace}.items():
        f.create_dataset(name, data=value)


def test_every_mutation_is_refused_or_read_and_one_trace_record_reads(good_session, tmp_path, capsys):
    """Each crafted file once, by name: which are refused is part of the answer."""
    refused = []
    for name, mutate in MUTATIONS.items():
        bad = tmp_path / name.replace(" ", "_").replace("*", "") / "bad.h5"
        bad.parent.mkdir()
        bad.write_bytes(good_session.read_bytes())
        with h5py.File(bad, "r+") as f:
            mutate(f)
        assert_every_command_answers(bad, good_session, capsys)
        try:
            SessionReader(bad).close()
        except Exception as exc:
            assert type(exc).__name__ == "FileProblem", (name, exc)
            refused.append(name)
    # Traces are checked when read (shapes says so in a line), and a session may start late (replay refuses
    # one ending past the timesteps it sets memory aside for); everything else is refused on opening.
    opened = {
        "trace record wrong schema",
        "trace not a list",
        "trace not json",
        "trace shape of strings",
        "t from 2**40",
    }
    assert set(MUTATIONS) - set(refused) == opened, sorted(set(MUTATIONS) - set(refused))


@FUZZ
@given(names=st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3, unique=True))
def test_mutations_together_are_one_line_or_a_session(good_session, tmp_path_factory, capsys, names):
    bad = tmp_path_factory.mktemp("mutated") / "bad.h5"
    bad.write_bytes(good_session.read_bytes())
    with h5py.File(bad, "r+") as f:
        for name in names:
            try:
                MUTATIONS[name](f)
            except (KeyError, ValueError, TypeError, OSError, AttributeError, MemoryError):
                pass  # an earlier mutation took away what this one changes
    assert_every_command_answers(bad, good_session, capsys)


def test_a_file_cut_inside_a_trace_s_heap_is_refused_instead_of_read_forever(good_session, tmp_path):
    """HDF5 never returns from reading a string whose heap a cut file lost; the reader checks first."""
    with h5py.File(good_session, "r") as f:
        table = f["trace_table"]
        _mask, raw = table.id.read_direct_chunk((0,))
        last = table.shape[0] - 1
        _length, address, _index = struct.unpack_from("<IQI", raw, 16 * last)
    assert 0 < address < good_session.stat().st_size
    cut = tmp_path / "cut.h5"
    cut.write_bytes(good_session.read_bytes()[: address + 64])  # inside the heap holding the last trace
    traced = [t for t in range(7) if SessionReader(good_session).trace(t) is not None]
    # In a subprocess with a time limit, so that a regression fails here instead of hanging the suite.
    for t in traced:
        done = subprocess.run(
            [sys.executable, "-m", "hiddenscope", "shapes", "--session", str(cut), "--at", str(t)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode in (0, 2), done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 1
