"""Reading a session that another process may still be writing: :func:`open_session`.

A :class:`LiveSession` is a :class:`~hiddenscope.core.session.SessionReader` that can
:meth:`~LiveSession.refresh`: a recording still open for writing is read in HDF5's
single-writer/multiple-reader mode, and refreshing picks up the steps its writer has
flushed since (at least once a second, see :mod:`hiddenscope.core.session`).  A
finished file reads the same way; refreshing it finds nothing new.
"""

from __future__ import annotations

import os

import h5py
import numpy as np

from .errors import FileProblem, first_line
from .session import NoSuchData, SessionReader, _attr, _open_written, _refresh_attributes

__all__ = ["LiveSession", "open_session"]


class NotReadableYet(FileProblem):
    """The path names another file than the one read (deleted and recorded again, or replaced), not readable yet:
    a writer that has only just created it.  The reader keeps its file; a later ``refresh()`` tries again."""


class LiveSession(SessionReader):
    """A session read while it may still grow; ``len()`` is the number of steps recorded so far.

    Index ``k`` is timestep ``k`` for a session written by :func:`hiddenscope.record` or
    :func:`hiddenscope.watch` (index 0: the initial state).  :meth:`refresh` picks up the
    steps written since, notices when the writer finished (:attr:`finished`) and when the
    path came to name another file (:attr:`reopened`).

    Examples
    --------
    >>> reader = hiddenscope.open_session("run.h5")  # doctest: +SKIP
    >>> len(reader), reader.hidden(len(reader) - 1).shape  # doctest: +SKIP
    (101, (32, 5, 96))
    >>> reader.refresh()  # doctest: +SKIP
    12
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self.reopened = 0  # how many times refresh() found the path naming another file and opened that
        self._identity = self._held_file()
        self._seen = self._stat()

    def _held_file(self) -> tuple[int, int] | None:
        """Device and inode of the file this reader holds open."""
        try:
            st = os.fstat(self._file.id.get_vfd_handle())
        except (OSError, ValueError, TypeError, RuntimeError):
            try:
                st = os.stat(self.path)
            except OSError:
                return None
        return st.st_dev, st.st_ino

    def _stat(self) -> tuple[int, int, int, int] | None:
        """Device, inode, size and change time of what the path names now; None while it names nothing."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns

    def refresh(self) -> int:
        """Pick up what another process wrote since; returns how many steps are new.

        Steps the writer flushed since are added (``len()`` grows), and :attr:`finished`
        becomes True once the writer closed the file.  When the path names another file
        than the one opened (a recording made with ``force=True`` is renamed over the old
        file when it finishes; a file deleted and recorded anew), the reader opens that one
        instead and returns its whole length: every step counts as new, ``first`` and
        ``last`` are the new file's, an index may hold other data than before, and
        :attr:`reopened` grows by one.  A :class:`FileProblem` says so when that new file
        cannot be read yet; the reader then keeps the file it had, and the next refresh tries again.
        """
        self._check_open()
        now = self._stat()
        if now is not None and self._identity is not None and now[:2] != self._identity:
            return self._reopen()
        if self.finished:
            return 0  # a finished file no longer changes
        changed, self._seen = now != self._seen, now
        f = self._file
        with self._reading():
            # The attributes first: a writer that said it finished had counted its last step in t by then.
            if _refresh_attributes(f):
                finished = bool(_attr(f, "complete", False))
            elif changed and now is not None and f.swmr_mode:  # HDF5 cannot be asked: reopen our own handle
                f = self._file = self._reattach()
                finished = bool(_attr(f, "complete", False))
            else:
                finished = False
            if f.swmr_mode:
                f.visititems(lambda _name, obj: obj.refresh() if isinstance(obj, h5py.Dataset) else None)
            n = int(f["t"].shape[0])
            old = len(self.ts)
            new = np.asarray(f["t"][old:n], np.int64) if n > old else np.zeros(0, np.int64)
        if new.size:
            ts = np.concatenate([self.ts, new])
            if np.any(np.diff(ts) != 1):
                raise FileProblem(f"{self.path}: its timesteps are not consecutive")
            self.ts, self.last = ts, int(ts[-1])
        self.finished = finished
        return int(new.size)

    def _reattach(self) -> h5py.File:
        """This reader's file, closed and opened again: HDF5 reads its header anew (unless another handle holds it)."""
        self._file.close()
        try:
            return h5py.File(self.path, "r")
        except OSError as exc:
            return _open_written(self.path, exc)

    def _reopen(self) -> int:
        """Read the file the path names now in place of the one opened; returns its length."""
        try:
            fresh = LiveSession(self.path)
        except FileProblem as exc:
            raise NotReadableYet(
                f"{self.path} was replaced by another file, which cannot be read yet ({first_line(exc)});"
                " the reader keeps the file it had"
            ) from None
        reopened = self.reopened + 1
        self._file.close()
        vars(self).clear()
        vars(self).update(vars(fresh))
        self.reopened = reopened
        return len(self)

    @property
    def state_names(self) -> list[str]:
        """The further named states recorded beside ``hidden`` (``states={...}``, an LSTM's ``c``, layers)."""
        self._check_open()
        group = self._file.get("states")
        return sorted(group.keys()) if isinstance(group, h5py.Group) else []

    def state(self, name: str, t: int) -> np.ndarray:
        """The named state ``name`` at timestep ``t`` as ``(batch, n_agents, units)``; ``"hidden"`` is ``hidden``.

        A :class:`KeyError` naming the states there are when the session holds no ``name``.
        """
        if name == "hidden":
            return self.hidden(t)
        if name not in self.state_names:
            raise NoSuchData(f"{self.path} has no state {name!r} (it has: {', '.join(['hidden', *self.state_names])})")
        k = self._index(t)
        with self._reading():
            return np.asarray(self._file["states"][name][k])

    @property
    def meta(self) -> str:
        """What the recording was given as ``**meta`` (JSON text; ``""`` when nothing)."""
        self._check_open()
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
