"""Reading a session another process writes: open_session, LiveSession.refresh, and a reader's own mistakes.

The writer is a real ``hiddenscope.record`` in a subprocess, told over stdin when to write
steps and when to finish, so each test knows what the file holds at every moment.  Step
``t`` holds the value ``t`` everywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import hiddenscope
from hiddenscope.core import FileProblem, live
from hiddenscope.core.live import LiveSession

WRITER = r"""
import sys
import numpy as np
import hiddenscope
rec = hiddenscope.record(sys.argv[1], 2, force=sys.argv[2] == "force")
t = 0
print("ready", flush=True)
for line in sys.stdin:
    word, *rest = line.split()
    if word == "steps":
        for _ in range(int(rest[0])):
            t += 1
            rec.step(np.full((4, 3), t, np.float32))
    elif word == "close":
        rec.close()
    print("done", flush=True)
    if word == "close":
        break
"""


class Writer:
    """``hiddenscope.record(path, 2)`` in another process: batch 2, 2 agents, 3 units."""

    def __init__(self, path: Any, force: bool = False) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), "force" if force else "new"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "done", f"the writer failed at {command!r}"

    def close(self) -> None:
        self.send("close")
        assert self.proc.wait(timeout=60) == 0


@pytest.fixture
def writers() -> Iterator[Callable[..., Writer]]:
    made: list[Writer] = []

    def make(path: Any, force: bool = False) -> Writer:
        made.append(Writer(path, force))
        return made[-1]

    yield make
    for w in made:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()


def wait_for(what: Callable[[], Any], timeout: float = 30.0) -> Any:
    """``what()`` once it gives something true (flushes land within about a second)."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value or time.monotonic() > deadline:
            assert value, "timed out"
            return value
        time.sleep(0.05)


def opened_with(path: Any, steps: int) -> LiveSession | None:
    """A new reader of ``path`` once it holds ``steps`` steps, else None (the reader is closed)."""
    try:
        reader = hiddenscope.open_session(path)
    except FileProblem:
        return None
    if len(reader) == steps:
        return reader
    reader.close()
    return None


def refreshed_to(reader: LiveSession, steps: int) -> bool:
    reader.refresh()
    return len(reader) == steps


def old_file(path: Any, value: float = -1.0) -> None:
    with hiddenscope.record(path, 2) as rec:
        rec.step(np.full((4, 3), value, np.float32))


def test_a_second_reader_in_the_same_process_sees_the_file_as_it_is_now(tmp_path, writers):
    path = tmp_path / "run.h5"
    w = writers(path)
    w.send("steps 2")
    first = wait_for(lambda: opened_with(path, 3))  # t = 0..2; HDF5 holds the file open once per process
    w.send("steps 3")
    # Every new reader reads the file afresh, though the first still holds it (with t = 0..2 in its cache).
    second = wait_for(lambda: opened_with(path, 6))
    assert (len(first), second.last, second.finished) == (3, 5, False)
    np.testing.assert_array_equal(second.hidden(5), np.full((2, 2, 3), 5.0))
    w.close()
    third = hiddenscope.open_session(path)
    assert (len(third), third.finished) == (6, True)  # the writer's closing attributes, read anew
    assert (first.refresh(), len(first), first.finished) == (3, 6, True)
    assert (second.refresh(), second.finished) == (0, True)
    np.testing.assert_array_equal(first.hidden(5), np.full((2, 2, 3), 5.0))


@pytest.mark.parametrize("how", ["hdf5 refresh", "handle reopened"])
def test_refresh_says_finished_once_the_writer_closed_with_no_step_new(tmp_path, writers, monkeypatch, how):
    if how == "handle reopened":  # where HDF5's H5Orefresh cannot be reached, the reader opens its own handle again
        monkeypatch.setattr(live, "_refresh_attributes", lambda f: False)
    path = tmp_path / "run.h5"
    w = writers(path)
    w.send("steps 3")
    reader = wait_for(lambda: opened_with(path, 4))
    w.send("steps 2")
    wait_for(lambda: refreshed_to(reader, 6))  # every step is in before the writer finishes
    assert not reader.finished
    time.sleep(0.05)  # the file's time stamp moves on when the writer closes it
    w.close()
    assert (reader.refresh(), len(reader), reader.finished) == (0, 6, True)
    assert reader.refresh() == 0 and reader.finished
    np.testing.assert_array_equal(reader.read("hidden")[:, 0, 0, 0], np.arange(6.0))


def test_a_forced_recording_is_read_once_it_is_renamed_over_the_file(tmp_path, writers):
    path = tmp_path / "run.h5"
    old_file(path)
    reader = hiddenscope.open_session(path)
    assert (len(reader), reader.finished, reader.reopened) == (2, True, 0)
    w = writers(path, force=True)
    w.send("steps 4")
    part = wait_for(lambda: list(tmp_path.glob(".run.h5.*.part")))[0]  # the new steps go beside the old file
    follower = wait_for(lambda: opened_with(part, 5))  # the part file can be followed as it grows
    assert reader.refresh() == 0 and len(reader) == 2  # the path still names the old, whole file
    np.testing.assert_array_equal(reader.hidden(1), np.full((2, 2, 3), -1.0))
    w.close()
    assert os.listdir(tmp_path) == ["run.h5"]
    # The path names another file now: the reader opens it, and all of its steps count as new.
    assert (reader.refresh(), len(reader), reader.finished, reader.reopened) == (5, 5, True, 1)
    np.testing.assert_array_equal(reader.hidden(4), np.full((2, 2, 3), 4.0))
    np.testing.assert_array_equal(reader.hidden(1), np.full((2, 2, 3), 1.0))
    assert reader.refresh() == 0 and reader.reopened == 1
    # The part file's reader keeps its file under its new name and sees it finish.
    assert (follower.refresh(), len(follower), follower.finished, follower.reopened) == (0, 5, True, 0)


def test_a_path_replaced_by_a_file_that_cannot_be_read_keeps_the_old_one(tmp_path):
    path = tmp_path / "run.h5"
    old_file(path)
    reader = hiddenscope.open_session(path)
    (tmp_path / "junk").write_bytes(b"not a session at all")
    os.replace(tmp_path / "junk", path)
    with pytest.raises(FileProblem) as caught:
        reader.refresh()
    message = str(caught.value)
    assert "\n" not in message and "replaced by another file" in message and "not an HDF5 file" in message
    np.testing.assert_array_equal(reader.hidden(1), np.full((2, 2, 3), -1.0))  # still the file it had
    old_file(tmp_path / "next.h5", value=7.0)
    os.replace(tmp_path / "next.h5", path)
    assert (reader.refresh(), reader.reopened) == (2, 1)  # the next refresh tries again
    np.testing.assert_array_equal(reader.hidden(1), np.full((2, 2, 3), 7.0))


# -- a reader's own mistakes are not a damaged file ----------------------------------------------------------------


def test_mistakes_made_with_a_reader_say_what_was_wrong_not_that_the_file_is_damaged(tmp_path):
    path = tmp_path / "run.h5"
    old_file(path)
    reader = hiddenscope.open_session(path)
    with pytest.raises(TypeError, match=r"^t must be a whole number, got 2\.0 \(float\)$"):
        reader.hidden(2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="t must be a whole number"):
        reader.read("hidden", 0, "1")  # type: ignore[arg-type]
    assert reader.hidden(np.int64(1)).shape == (2, 2, 3)  # numpy's integers are whole numbers
    with pytest.raises(KeyError) as caught:
        reader.read("nope")
    assert str(caught.value) == f"no dataset 'nope' in {path}; it has: {', '.join(reader.datasets)}"
    assert "hidden" in reader.datasets and "t" in reader.datasets
    with pytest.raises(KeyError) as caught:
        reader.state("c", 1)
    assert str(caught.value) == f"{path} has no state 'c' (it has: hidden)"
    with pytest.raises(IndexError, match=r"timestep 5 is not in the session \(it holds 0..1\)"):
        reader.hidden(5)
    reader.close()
    assert len(reader) == 2  # what is known without the file
    for call in (
        lambda: reader.hidden(1),
        lambda: reader.read("t"),
        lambda: reader.refresh(),
        lambda: reader.trace(1),
        lambda: reader.state_names,
    ):
        with pytest.raises(ValueError, match=f"^the reader of {path} is closed$"):
            call()
