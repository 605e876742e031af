"""Reading a session that another process may still be writing: :func:`open_session`.

A :class:`LiveSession` is a :class:`~hiddenscope.core.session.SessionReader` that can
:meth:`~LiveSession.refresh`: a recording still open for writing is read in HDF5's
single-writer/multiple-reader mode, and refreshing picks up the steps its writer has
flushed since (at least once a second, see :mod:`hiddenscope.core.session`).  A
finished file reads the same way; refreshing it finds nothing new.
"""

from __future__ import annotations

import contextlib
import os

import h5py
import numpy as np

from .errors import FileProblem
from .session import SessionReader

__all__ = ["LiveSession", "open_session"]


class LiveSession(SessionReader):
    """A session read while it may still grow; ``len()`` is the number of steps recorded so far.

    Index ``k`` is timestep ``k`` for a session written by :func:`hiddenscope.record` or
    :func:`hiddenscope.watch` (index 0: the initial state).

    Examples
    --------
    >>> reader = hiddenscope.open_session("run.h5")  # doctest: +SKIP
    >>> len(reader), reader.hidden(len(reader) - 1).shape  # doctest: +SKIP
    (101, (32, 5, 96))
    >>> reader.refresh()  # doctest: +SKIP
    12
    """

    def refresh(self) -> int:
        """Pick up the steps written since by another process; returns how many are new."""
        f = self._file
        with self._reading():
            if f.mode == "r" and getattr(f, "swmr_mode", False):
                f.visititems(lambda _name, obj: obj.refresh() if isinstance(obj, h5py.Dataset) else None)
            n = int(f["t"].shape[0])
            old = len(self.ts)
            if n <= old:
                return 0
            new = np.asarray(f["t"][old:n], np.int64)
        ts = np.concatenate([self.ts, new])
        if np.any(np.diff(ts) != 1):
            raise FileProblem(f"{self.path}: its timesteps are not consecutive")
        self.ts, self.last = ts, int(ts[-1])
        with contextlib.suppress(Exception):
            self.finished = bool(f.attrs.get("complete", False))
        return n - old

    @property
    def state_names(self) -> list[str]:
        """The further named states recorded beside ``hidden`` (``states={...}``, an LSTM's ``c``, layers)."""
        group = self._file.get("states")
        return sorted(group.keys()) if isinstance(group, h5py.Group) else []

    def state(self, name: str, t: int) -> np.ndarray:
        """The named state ``name`` at timestep ``t`` as ``(batch, n_agents, units)``; ``"hidden"`` is ``hidden``."""
        if name == "hidden":
            return self.hidden(t)
        if name not in self.state_names:
            raise KeyError(f"{self.path} has no state {name!r} (it has: hidden, {', '.join(self.state_names)})")
        with self._reading():
            return np.asarray(self._file["states"][name][self._index(t)])

    @property
    def meta(self) -> str:
        """What the recording was given as ``**meta`` (JSON text; ``""`` when nothing)."""
        value = self._file.attrs.get("meta", "")
        return value.decode() if isinstance(value, bytes) else str(value)


def open_session(path: str | os.PathLike[str]) -> LiveSession:
    """Open a session for reading, also one that another process is still writing.

    Parameters
    ----------
    path
        A session file (``.h5``), finished or still being recorded.

    Returns
    -------
    LiveSession
        ``len(reader)`` steps so far, ``reader.hidden(t)`` a ``(batch, n_agents, units)``
        array, ``reader.refresh()`` to pick up new steps.

    Raises
    ------
    FileProblem
        The file is missing, not a session, damaged, or holds no flushed step yet.

    Examples
    --------
    >>> import numpy as np, hiddenscope
    >>> with hiddenscope.record("/tmp/hs_open.h5", n_agents=2, force=True) as rec:
    ...     _ = rec.step(np.ones((2, 4), np.float32))
    >>> reader = hiddenscope.open_session("/tmp/hs_open.h5")
    >>> len(reader), reader.hidden(1).shape
    (2, (1, 2, 4))
    """
    return LiveSession(path)
