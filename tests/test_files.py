"""Atomic writes respect what is already there: a file's permissions, the umask, and symbolic links."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

from hiddenscope.cli import main
from hiddenscope.core.files import atomic_write

pytestmark = pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX permissions and symbolic links")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def write(target: Path, data: bytes = b"new") -> Path:
    return atomic_write(target, lambda handle: handle.write(data))


@pytest.fixture
def umask():
    """Set the process umask for one test and put it back."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


@pytest.mark.parametrize("before", [0o600, 0o640, 0o664, 0o755], ids=oct)
def test_replacing_a_file_keeps_its_permissions(tmp_path, before):
    target = tmp_path / "trace.npz"
    target.write_bytes(b"old")
    target.chmod(before)
    write(target)
    assert target.read_bytes() == b"new"
    assert oct(mode(target)) == oct(before)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)], ids=["022", "077", "002"])
def test_a_new_file_gets_what_the_umask_allows(tmp_path, umask, mask, expected):
    umask(mask)
    target = write(tmp_path / "new.png")
    assert oct(mode(target)) == oct(expected)


def test_writing_to_a_symbolic_link_writes_its_target(tmp_path):
    real = tmp_path / "store" / "grid.png"
    real.parent.mkdir()
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "latest.png"
    link.symlink_to(Path("store") / "grid.png")  # relative, as links usually are
    write(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("store", "grid.png")
    assert real.read_bytes() == b"new" and oct(mode(real)) == oct(0o600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.png", "store"]
    assert [p.name for p in real.parent.iterdir()] == ["grid.png"]  # no temporary file left behind


def test_a_chain_of_links_and_a_dangling_link(tmp_path):
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    (tmp_path / "one").symlink_to(real)
    (tmp_path / "two").symlink_to(tmp_path / "one")
    write(tmp_path / "two")
    assert (tmp_path / "two").is_symlink() and (tmp_path / "one").is_symlink()
    assert real.read_bytes() == b"new"
    # A link to a file not there yet: the file is created where the link points.
    (tmp_path / "later").symlink_to(tmp_path / "made-later.bin")
    write(tmp_path / "later", b"made")
    assert (tmp_path / "later").is_symlink() and (tmp_path / "made-later.bin").read_bytes() == b"made"


def test_export_over_a_private_file_keeps_it_private(tmp_path, capsys):
    out = tmp_path / "trace.npz"
    out.write_bytes(b"an older export")
    out.chmod(0o600)
    assert main(["export", "--steps", "2", "--batch-size", "2", "--n-agents", "2", "--out", str(out), "--force"]) == 0
    assert oct(mode(out)) == oct(0o600)
    with np.load(out) as data:
        assert data["hidden"].shape[0] == 3
