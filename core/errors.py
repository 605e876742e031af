"""Errors whose message is meant for the person using hiddenscope.

Every mistake a user can make (a wrong number, a missing file, CUDA where there
is none) is raised as a :class:`UserError`; the command line prints its message
on one line and exits with status 2, the app shows it in a message box.
"""

from __future__ import annotations

import os


class UserError(Exception):
    """A mistake in what the user asked for, with a message that says how to fix it."""


class ConfigError(UserError):
    """A configuration value that cannot be used."""


class DeviceError(UserError):
    """A device that does not exist on this machine."""


class FileProblem(UserError):
    """A file that cannot be read, or a path that cannot be written."""


class CheckpointError(FileProblem):
    """A checkpoint that is unsafe, corrupted, or does not fit the model."""


def first_line(exc: BaseException) -> str:
    """What went wrong, in a line: the system's words for an errno (HDF5's own text is long), else the first line."""
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def install_command(extra: str) -> str:
    """The command that installs hiddenscope's optional ``extra`` into the Python running now.

    In a source checkout (the project's ``.venv``, installed editable) that is pip of
    this interpreter on the checkout itself; an installed hiddenscope names the package.
    """
    import shlex
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    python = shlex.quote(sys.executable or "python")
    if (root / "pyproject.toml").is_file() and (root / "core" / "errors.py").is_file():
        return f'{python} -m pip install -e "{root}[{extra}]"'
    return f'{python} -m pip install "hiddenscope[{extra}]"'


class EndOfRecording(UserError):
    """Step or Play asked for a timestep after the last one a session holds."""
