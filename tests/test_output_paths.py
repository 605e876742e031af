"""What an output path may be: only a regular file, named for what is written in it.

Each case runs the real command on a real path made here (a FIFO, a character device,
a dangling symbolic link, a name ending in a slash) and checks what is on disk after.
"""

from __future__ import annotations

import os
import stat
import sys

import pytest

from hiddenscope.cli import main
from hiddenscope.core import Config, FileProblem, Stepper
from hiddenscope.core.files import atomic_write
from hiddenscope.core.session import SessionRecorder

SMALL = ["--batch-size", "2", "--n-agents", "3", "--hidden-dim", "8", "--input-dim", "4"]
COMMANDS = [
    ("export", "out.npz"),
    ("export", "out.h5"),
    ("screenshot", "out.png"),
]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and device nodes")


def one_line_error(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], err
    return lines[0]


@pytest.mark.parametrize("command, name", COMMANDS)
def test_force_never_replaces_a_fifo(tmp_path, capsys, command, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    assert main([command, "--steps", "1", *SMALL, "--out", str(fifo), "--force"]) == 2
    one_line_error(capsys, "is a FIFO", "only regular files")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path) == [name]


@pytest.mark.parametrize("command, name", COMMANDS)
def test_force_never_replaces_a_device_node_even_through_a_link(tmp_path, capsys, command, name):
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    link = tmp_path / name
    link.symlink_to(node)
    for out in (node, link):
        assert main([command, "--steps", "1", *SMALL, "--out", str(out), "--force"]) == 2
        one_line_error(capsys, "is a character device")
    assert stat.S_ISCHR(os.lstat(node).st_mode) and link.is_symlink()
    assert sorted(os.listdir(tmp_path)) == sorted(["null", name])


def test_a_fifo_that_appears_while_writing_is_left_alone(tmp_path):
    out = tmp_path / "late.png"

    def write(handle) -> None:
        handle.write(b"picture")
        os.mkfifo(out)  # someone makes a FIFO under the name before the rename

    with pytest.raises(FileProblem, match="FIFO"):
        atomic_write(out, write)
    assert stat.S_ISFIFO(os.lstat(out).st_mode) and os.listdir(tmp_path) == ["late.png"]


@pytest.mark.parametrize("command, name", COMMANDS)
def test_a_dangling_link_needs_force_and_then_the_file_it_names_is_written(tmp_path, capsys, command, name):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / name
    link.symlink_to(elsewhere / name)
    assert main([command, "--steps", "1", *SMALL, "--out", str(link)]) == 2
    one_line_error(capsys, "symbolic link", "does not exist", "--force")
    assert os.listdir(elsewhere) == [] and link.is_symlink()
    assert main([command, "--steps", "1", *SMALL, "--out", str(link), "--force"]) == 0
    assert link.is_symlink() and os.listdir(elsewhere) == [name] and (elsewhere / name).stat().st_size > 0


@pytest.mark.parametrize("command, name", COMMANDS)
def test_a_name_ending_in_a_slash_is_refused(tmp_path, capsys, command, name):
    assert main([command, "--steps", "1", *SMALL, "--out", f"{tmp_path / name}/"]) == 2
    one_line_error(capsys, "ends in a slash", "give a file name")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "command, name, formats",
    [
        ("export", "x.csv", ".npz, .h5 or .hdf5"),
        ("export", "results", ".npz, .h5 or .hdf5"),
        ("screenshot", "g.jpg", ".png"),
        ("screenshot", "g.PNG.svg", ".png"),
    ],
)
def test_a_name_whose_suffix_is_not_what_is_written_is_refused(tmp_path, capsys, command, name, formats):
    assert main([command, "--steps", "1", *SMALL, "--out", str(tmp_path / name)]) == 2
    one_line_error(capsys, name, f"must end in {formats}")
    assert os.listdir(tmp_path) == []


def test_upper_case_suffixes_are_the_same_formats(tmp_path, capsys):
    assert main(["export", "--steps", "1", *SMALL, "--out", str(tmp_path / "RUN.NPZ")]) == 0
    assert main(["screenshot", "--steps", "1", *SMALL, "--out", str(tmp_path / "SHOT.PNG")]) == 0
    assert sorted(os.listdir(tmp_path)) == ["RUN.NPZ", "SHOT.PNG"]


def test_a_session_is_never_renamed_over_a_fifo_made_while_recording(tmp_path):
    out = tmp_path / "run.h5"
    out.write_bytes(b"old")
    stepper = Stepper(Config(batch_size=2, n_agents=2, hidden_dim=8, input_dim=3))
    recorder = SessionRecorder(out, stepper, force=True)
    recorder.record_new()
    out.unlink()
    os.mkfifo(out)
    with pytest.raises(FileProblem, match="FIFO"):
        recorder.close()
    assert stat.S_ISFIFO(os.lstat(out).st_mode)
