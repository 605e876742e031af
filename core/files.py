"""Writing files so that nothing already there is lost.

Every file hiddenscope writes goes to a temporary file beside the target and is
renamed into place only once it is complete: a failure (a full disk, a crash)
leaves the old file as it was and no half-written one.  A file that is replaced
keeps its permissions, a new one gets what the umask allows (as ``open`` would
give it), and a symbolic link stays a link: the file it points to is replaced.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import FileProblem


def check_output_path(
    path: str | os.PathLike[str],
    force: bool = False,
    what: str = "output file",
    suffixes: Sequence[str] = (),
    force_hint: str = "pass --force",
) -> Path:
    """Refuse, before any work is done, a path that cannot or must not be written.

    Refused always: an empty name, a name ending in a slash, a folder, anything that
    is not a regular file (a device, a FIFO, a socket; a link is judged by what it
    points to), a folder that is missing or not writable, and, when ``suffixes`` are
    given, a name that does not end in one of them.  Refused without ``force``: an
    existing file, and a symbolic link to nothing (writing would create its target).
    """
    text = os.fspath(path)
    if not text.strip():
        raise FileProblem(f"the {what} path is empty")
    target = Path(text).expanduser()
    if target.is_dir():
        raise FileProblem(f"{target} is a folder; give a file name for the {what}")
    if text.endswith("/") or text.endswith(os.sep):
        raise FileProblem(f"{text} ends in a slash, so it names a folder; give a file name for the {what}")
    refuse_special(target, what)
    folder = target.parent
    if not folder.exists():
        raise FileProblem(f"cannot write {target}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise FileProblem(f"cannot write {target}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileProblem(f"cannot write {target}: the folder {folder} is not writable")
    if suffixes and target.suffix.lower() not in suffixes:
        raise FileProblem(f"{target.name}: the {what} must end in {_either(suffixes)}, the formats written here")
    if not force:
        if target.is_symlink() and not target.exists():
            raise FileProblem(
                f"{target} is a symbolic link to {os.readlink(target)}, which does not exist;"
                f" {force_hint} to write the file it names"
            )
        if target.exists():
            raise FileProblem(f"{target} already exists; {force_hint} to replace it")
    return target


def refuse_special(path: str | os.PathLike[str], what: str = "output file") -> None:
    """Raise :class:`FileProblem` when ``path`` (or what it links to) exists and is neither a regular file nor a folder.

    Renaming a file over a device node or a FIFO would replace it (``/dev/null`` would
    become a regular file); writing into one would send the data elsewhere.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kinds = (
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
    )
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    raise FileProblem(f"{path} is {kind}; hiddenscope writes only regular files and leaves it alone (the {what})")


def _either(suffixes: Sequence[str]) -> str:
    names = list(dict.fromkeys(suffixes))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"


def check_readable_file(path: str | Path, what: str, error: type[FileProblem] = FileProblem) -> Path:
    """``path`` as a :class:`Path` if it is a non-empty file; else ``error`` saying which of those it is not."""
    path = Path(path)
    if not path.exists():
        raise error(f"{what} {path} does not exist")
    if path.is_dir():
        raise error(f"{what} {path} is a folder, not a file")
    if path.stat().st_size == 0:
        raise error(f"{what} {path} is empty (0 bytes)")
    return path


def atomic_write(target: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> Path:
    """Call ``write(file)`` on a temporary file, then rename it to ``target`` (see :func:`atomic_path`).

    When ``target`` is a symbolic link, the file it points to is the one replaced
    (the temporary file goes beside that file, so the rename stays atomic).  On any
    error the temporary file is removed, ``target`` is untouched and a
    :class:`FileProblem` says what went wrong.  Returns ``target`` as given.
    """
    with atomic_path(target) as tmp, open(tmp, "wb") as handle:
        write(handle)
    return Path(target)


@contextmanager
def atomic_path(target: str | os.PathLike[str], suffix: str = "") -> Iterator[Path]:
    """A temporary file beside ``target`` for a writer that wants a path; renamed to ``target`` when the block ends.

    ``suffix`` ends the temporary name (``.mp4``: a writer that picks the format by
    name).  The file gets ``target``'s permissions (or what the umask allows for a new
    one) and is synced before the rename.  On any error in the block the temporary file
    is removed and ``target`` is untouched; an :class:`OSError` becomes a
    :class:`FileProblem`, anything else is raised as it was.
    """
    target = Path(target)
    final = Path(os.path.realpath(target))
    refuse_special(final)
    try:
        mode = stat.S_IMODE(os.stat(final).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()  # what a plain open() would have created
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=f".part{suffix}", dir=final.parent)
        os.close(fd)
    except OSError as exc:
        raise FileProblem(
            f"cannot write {target}: the folder {final.parent} does not accept new files ({exc.strerror or exc})"
        ) from None
    try:
        os.chmod(tmp_name, mode)  # mkstemp makes it 0600
        yield Path(tmp_name)
        fd = os.open(tmp_name, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        refuse_special(final)  # one may have been made there while the file was written
        os.replace(tmp_name, final)
    except BaseException as exc:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise FileProblem(f"could not write {target}: {exc.strerror or exc}; nothing was changed") from None
        raise


def _umask() -> int:
    """The process's umask, read without changing it where Linux allows (another thread may create files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
