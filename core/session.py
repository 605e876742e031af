"""Sessions: every step of a run, recorded to an HDF5 file, and read back without the model.

A :class:`SessionRecorder` streams a :class:`~hiddenscope.core.stepper.Stepper`'s steps
to disk as they happen (call :meth:`SessionRecorder.record_new` after each step, from
any thread): the history in memory stays within its budget, the file holds every step.
A :class:`SessionReader` opens such a file and reads frames, windows, traces and
episode data lazily, so a session of many GB opens at once.

Layout of a session file (index ``k`` is the k-th recorded step; ``t[k]`` is its
timestep, and a recording made from the start has ``t[0] = 0``, the initial state):

- ``t`` ``(T+1,)`` int64; ``hidden`` ``(T+1, batch, n_agents, units)`` float32;
  ``inputs`` ``(T+1, batch, n_agents, input)`` float32 (zeros where ``has_input`` is false);
  ``has_input`` ``(T+1,)`` bool; ``step_ms`` ``(T+1,)`` float64;
- ``outputs`` ``(T+1, *output shape)`` float32, only for models whose output is not their
  hidden state (zeros where ``has_input`` is false);
- ``trace_table`` ``(n_distinct,)`` UTF-8 JSON strings, each one trace (a list of records as
  ``TraceRecord.to_json`` gives them, without ``step``), and ``trace_index`` ``(T+1,)`` int32,
  the row of ``trace_table`` each step ran (-1: not traced).  A step's trace is stored once
  however many steps ran it;
- with an environment: ``episode_start`` ``(T+1, batch)`` bool, ``actions`` ``(T+1, batch,
  n_agents)`` int64 (-1 where nothing was done), ``rewards``, ``returns`` ``(T+1, batch)``
  float32 and ``done`` ``(T+1, batch)`` bool, as :mod:`hiddenscope.core.episodes` describes;
- attributes: ``format`` (``"hiddenscope-session"``), ``format_version``,
  ``hiddenscope_version``, ``config`` (JSON, as ``export`` writes it), ``model`` (its
  label), ``model_repr`` (the module's ``repr``), ``checkpoint`` and ``checkpoint_sha256``
  (empty without one), ``edits`` (JSON list of the interventions on h_T, see
  :mod:`hiddenscope.core.edits`; ``[]`` for none), ``created`` (UTC, ISO 8601),
  ``complete`` and ``steps``.

Datasets are chunked one step per chunk (a large step's rows cut into chunks of at most
``CHUNK_BYTES``) and not compressed.  ``benchmarks/session_write.py``
(200 steps of real seed-model states and inputs, written step by step into a file opened as the
recorder opens it, best of 3, on a 2-core machine shared with other work) measured, per step:

============  =========  ==========  =========  =========  =========  =============
size          none       fletcher32  lzf        gzip 1     gzip 4     np.savez (all)
============  =========  ==========  =========  =========  =========  =============
32×5×96       0.17 ms    0.15 ms     0.52 ms    1.54 ms    2.66 ms    0.16 ms
  file size   100 %      100 %       97.3 %     89.9 %     89.6 %     100 %
256×16×96     0.64 ms    1.64 ms     8.4 ms     58.9 ms    80.3 ms    2.5 ms
  file size   100 %      100 %       100 %      92.7 %     92.5 %     100 %
============  =========  ==========  =========  =========  =========  =============

(an earlier run with HDF5's default chunk cache: 0.15 / 0.51 / 1.47 / 1.62 ms at 32×5×96 and
1.3 / 8.9 / 42.5 / 52.6 ms at 256×16×96 for none / lzf / gzip 1 / gzip 4).  GRU states use every
bit of their mantissas, so compression saves 0–10 % of the disk for 3–90× the write time: at
256×16×96 gzip costs more than a model step.  Recording stays uncompressed.  ``hidden``,
``inputs`` and ``outputs`` carry a Fletcher-32 checksum per chunk (about 1 ms a step at
256×16×96), so a damaged file is reported as damaged instead of read as numbers.

Writing keeps what was recorded: a new file is written in HDF5's single-writer/multiple-reader
mode under its own name and flushed at least once a second, ``t`` growing only once the other
datasets of its steps are flushed, so a killed recording opens with ``len(t)`` whole steps (the
other per-step datasets may hold more rows, which ``t`` does not count) and ``complete`` false.
A file that is replaced (``force``) stays whole until the new one is renamed over it on
:meth:`SessionRecorder.close`.
"""

from __future__ import annotations

import ctypes
import datetime
import hashlib
import json
import operator
import os
import stat
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import fields
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .config import Config
from .episodes import EpisodeStep
from .errors import FileProblem, UserError, first_line
from .export import config_record
from .file_kind import SESSION_SUFFIXES
from .files import check_output_path, check_readable_file, refuse_special
from .history import Frame
from .stepper import Stepper
from .trace import TraceRecord

FORMAT = "hiddenscope-session"
FORMAT_VERSION = 1
SUFFIXES = SESSION_SUFFIXES
_GROW = 64  # datasets grow by this many steps at a time and are trimmed on close
_FLUSH_SECONDS = 1.0  # the longest a written step waits before it is flushed and counted in t
_RESERVE_BYTES = 1 << 20  # disk held back while recording, for the last flush on a full disk
_EPISODE_KEYS = (
    ("episode_start", "start", bool),
    ("actions", "actions", np.int64),
    ("rewards", "rewards", np.float32),
    ("returns", "returns", np.float32),
    ("done", "done", bool),
)
_CHECKED = ("hidden", "inputs", "outputs")
# A step's array is split along its first axis (the batch) into chunks of at most this many bytes.  HDF5's
# filter pipeline copies a checksummed chunk into two fresh buffers on every write; a 1024×64×96 step in one
# 24 MiB chunk paid for their pages every step: 27–81 ms of the writer's CPU a step against 15 ms in 1 MiB
# chunks, which also read a row's state across steps 20× faster (``benchmarks/session_chunks.py``).
CHUNK_BYTES = 2**20
_REQUIRED = ("t", "hidden", "inputs", "has_input", "step_ms", "trace_table", "trace_index")


def _step_chunks(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    """The chunk shape of a per-step dataset whose step is ``shape``: one step, its rows cut to ``CHUNK_BYTES``."""
    if not shape:
        return (1024,)
    row = max(1, itemsize * int(np.prod(shape[1:], dtype=np.int64)))
    pieces = max(1, -(-shape[0] * row // CHUNK_BYTES))  # as few as fit, rows shared out evenly
    return (1, max(1, -(-shape[0] // pieces)), *shape[1:])


def is_session_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a session file (``.h5`` or ``.hdf5``)."""
    return Path(path).suffix.lower() in SUFFIXES


def hiddenscope_version() -> str:
    try:
        from importlib.metadata import version

        return version("hiddenscope")
    except Exception:
        from hiddenscope import __version__

        return str(__version__)


def checkpoint_of(stepper: Stepper) -> Path | None:
    """The checkpoint file the stepper's model was loaded from, if it was (the factory is its ``build``)."""
    from .checkpoint import LoadedAgent

    owner = getattr(stepper.model_factory, "__self__", None)
    return Path(owner.path) if isinstance(owner, LoadedAgent) else None


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _trace_text(trace: list[TraceRecord]) -> str:
    """A trace as JSON without its step number, so that every step running the same ops gives the same text."""
    return json.dumps([{k: v for k, v in r.to_json().items() if k != "step"} for r in trace], separators=(",", ":"))


class _Shown:
    """An op's argument text read back from a file: ``TraceRecord.op`` writes it as it was."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


_TRACE_FIELDS = {
    "op": str,
    "phase": str,
    "index": int,
    "code": str,
    "role": str,
    "contiguous": bool,
    "kind": str,
    "storage_numel": int,
    "device": str,
    "dtype": str,
}


def _trace_records(text: str, t: int) -> list[TraceRecord]:
    """A trace as ``TraceRecord`` objects; :class:`ValueError` for anything that is not what the recorder wrote."""
    records = []
    parsed = json.loads(text)
    if not isinstance(parsed, list):
        raise ValueError("a trace is a list of records")
    for r in parsed:
        if not isinstance(r, dict) or any(not isinstance(r.get(k), kind) for k, kind in _TRACE_FIELDS.items()):
            raise ValueError("a trace record lacks a field or has one of another type")
        for key in ("shape", "stride"):
            if not isinstance(r.get(key), list) or not all(type(v) is int for v in r[key]):
                raise ValueError(f"a trace record's {key} is not a list of whole numbers")
        op = r["op"]
        name, _, rest = op.partition("(")
        args = rest[:-1] if rest.endswith(")") else rest
        call = (name, (_Shown(args),) if args else ())
        records.append(
            TraceRecord(
                t,
                r["phase"],
                r["index"],
                call,
                r["code"],
                r["role"],
                tuple(r["shape"]),
                tuple(r["stride"]),
                r["contiguous"],
                r["kind"],
                r["storage_numel"],
                r["device"],
                r["dtype"],
            )
        )
    return records


class RecordingStopped(KeyboardInterrupt):
    """Ctrl+C (or SIGTERM, re-raised as Ctrl+C) ended a recording; the message says what the file keeps."""


class SessionWriter:
    """Writes a session to the HDF5 file ``path`` step by step, from explicit shapes and a configuration record.

    A new file is written under ``path`` itself from the first step on, and flushed at
    least once a second in HDF5's single-writer/multiple-reader mode: a reader may follow
    it while it grows, and a process killed mid-recording leaves a file that opens with
    every step flushed before it died (``t`` is advanced only after the steps' other data
    is on disk, so ``len(t)`` counts complete steps).  When ``path`` names an existing file
    (``force``), the steps go to a temporary file beside it (:attr:`file_path`) that
    replaces it on :meth:`close`: the old file stays whole until the new one is.  A full
    disk ends the recording with a :class:`FileProblem` naming the steps kept;
    :meth:`abort` removes what was written.  ``path`` must not exist unless ``force``.

    Call :meth:`start` once with the layout (shapes, dtype, attributes), then
    :meth:`append` a :class:`Frame` per timestep from ``first_t`` on.  Every method may
    be called from any thread; none touches Qt.  :class:`SessionRecorder` binds one to a
    stepper; :func:`hiddenscope.record` feeds one from a user's own loop.
    """

    def __init__(self, path: str | os.PathLike[str], force: bool = False, first_t: int = 0) -> None:
        self.target = check_output_path(path, force, "session file")
        self.force = force
        self._lock = threading.Lock()
        self._next_t = first_t
        self._first_t = self._next_t
        self.steps = 0  # steps written whole so far
        self._counted = 0  # steps the file counts: len(t) as last flushed
        self._pending: list[int] = []  # timesteps of the steps written since, not yet in t
        self._allocated = 0
        self._failure = ""  # why a flush from the idle flusher failed, or ""
        self._closed = False
        self._swmr = False
        self._last_flush = -_FLUSH_SECONDS  # the first steps are counted as soon as they can be
        self.outcome = ""  # once closed: what the file holds, in words
        self._keep_part = False  # finish the part file without renaming it over the file it was to replace
        self._reserve: int | None = None
        self._ds: dict[str, h5py.Dataset] = {}  # per step, all but t and trace_table; held open while recording
        final = Path(os.path.realpath(self.target))
        self._final = final
        self.replacing = os.path.lexists(final)  # only with force (check_output_path)
        try:
            if self.replacing:
                fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
                os.close(fd)
                os.chmod(tmp, stat.S_IMODE(os.stat(final).st_mode))
                self.file_path = Path(tmp)
            else:
                self.file_path = final
        except OSError as exc:
            raise FileProblem(f"cannot write {self.target}: {exc.strerror or exc}") from None
        try:
            # No chunk cache: each step's chunks go to the file as they are written (each is written once),
            # so a full disk is reported by the write that hit it, and a killed process loses no written chunk.
            # "x" takes the name atomically: a file that appeared after the check above is never replaced.
            mode = "w" if self.replacing else "x"
            self._file = h5py.File(self.file_path, mode, libver="latest", rdcc_nbytes=0)
        except (OSError, ValueError) as exc:
            if not self.replacing and os.path.lexists(final):
                raise FileProblem(f"{self.target} appeared before the recording started and was left alone") from None
            self._remove_part()
            if final.parent.is_dir():  # it exists and says writable, yet takes no file (/proc, a read-only mount)
                raise FileProblem(
                    f"cannot write {self.target}: the folder {final.parent} does not accept new files"
                ) from None
            raise FileProblem(f"cannot write {self.target}: {first_line(exc)}") from None
        self._reserve = _reserve_space(final.parent)
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_when_idle, name="session flush", daemon=True)
        self._flusher.start()

    # -- setting up ---------------------------------------------------------
    def start(
        self,
        attrs: dict[str, Any],
        hidden_shape: tuple[int, ...],
        input_shape: tuple[int, ...],
        output_shape: tuple[int, ...] | None = None,
        episode_shape: tuple[int, int] | None = None,
        dtype: Any = np.float32,
        extra: dict[str, tuple[tuple[int, ...], Any]] | None = None,
        outputs_later: bool = False,
    ) -> None:
        """Lay the file out: its attributes and a dataset per per-step array.

        ``attrs`` holds ``config`` (a dict, written as JSON, as ``config_record`` gives it)
        and may hold ``model``, ``model_repr``, ``checkpoint``, ``checkpoint_sha256`` and
        ``edits`` (a list).  ``dtype`` is the hidden state's (and ``extra`` states' default)
        float type, kept as given.  ``extra`` names further per-step datasets and their
        ``(shape, dtype)`` (``"states/c"``: an LSTM's cell state).  ``outputs_later``: the
        outputs' shape shows at the first step with inputs, and readers may follow from
        then (the file takes no new dataset once they may).  On failure nothing is left.
        """
        try:
            self._lay_out(attrs, hidden_shape, input_shape, output_shape, episode_shape, dtype, extra, outputs_later)
        except BaseException as exc:
            self._discard()
            if isinstance(exc, (OSError, RuntimeError)):
                raise FileProblem(f"could not write {self.target}: {first_line(exc)}; nothing was written") from None
            raise

    def _lay_out(
        self,
        attrs: dict[str, Any],
        hidden_shape: tuple[int, ...],
        input_shape: tuple[int, ...],
        output_shape: tuple[int, ...] | None,
        episode_shape: tuple[int, int] | None,
        dtype: Any,
        extra: dict[str, tuple[tuple[int, ...], Any]] | None,
        outputs_later: bool,
    ) -> None:
        f = self._file
        f.attrs.update(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "hiddenscope_version": hiddenscope_version(),
                "config": json.dumps(attrs["config"]),
                "model": attrs.get("model", ""),
                "model_repr": attrs.get("model_repr", ""),
                "checkpoint": attrs.get("checkpoint", ""),
                "checkpoint_sha256": attrs.get("checkpoint_sha256", ""),
                "edits": json.dumps(attrs.get("edits", [])),
                "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "complete": False,
                "steps": 0,
            }
        )
        for key, value in attrs.items():
            if key not in f.attrs:
                f.attrs[key] = value
        self._allocated = _GROW
        # t is grown only when steps are counted (at a flush); the other per-step datasets ahead of the steps.
        self._t = f.create_dataset("t", (0,), np.int64, maxshape=(None,), chunks=(1024,), fillvalue=-1)
        self._new("hidden", hidden_shape, dtype)
        self._new("inputs", input_shape, np.float32)
        self._new("has_input", (), bool)
        self._new("step_ms", (), np.float64)
        self._new("trace_index", (), np.int32, fill=-1)
        table = self._table = f.create_dataset("trace_table", (0,), h5py.string_dtype(), maxshape=(None,), chunks=(16,))
        table.attrs["about"] = "each row one distinct trace: a JSON list of records (TraceRecord.to_json without step)"
        self._traces: dict[str, int] = {}
        self.episodic = episode_shape is not None
        if episode_shape is not None:
            for key, _attr, kind in _EPISODE_KEYS:
                per_row: tuple[int, ...] = episode_shape if key == "actions" else episode_shape[:1]
                self._new(key, per_row, kind, fill=-1 if key == "actions" else 0)
        for name, (shape, kind) in (extra or {}).items():
            self._new(name, shape, kind, fill=-1 if np.dtype(kind).kind == "i" else 0)
        if output_shape is not None:
            self._new("outputs", output_shape, np.float32)
        if output_shape is not None or not outputs_later:
            self._start_swmr()
        # Otherwise whether the model has outputs apart from its state shows at its first step with inputs:
        # the file takes no new dataset once readers may follow it, so that mode starts there.

    def _new(self, name: str, shape: tuple[int, ...], dtype: Any, fill: float = 0) -> h5py.Dataset:
        # The large per-step arrays carry a Fletcher-32 checksum per chunk: damage reads as damage, not numbers.
        ds = self._ds[name] = self._file.create_dataset(
            name,
            (self._allocated, *shape),
            dtype,
            maxshape=(None, *shape),
            chunks=_step_chunks(shape, np.dtype(dtype).itemsize),
            fillvalue=fill,
            fletcher32=name in _CHECKED or name.startswith("states/"),
        )
        return ds

    def _start_swmr(self) -> None:
        self._file.swmr_mode = True
        self._swmr = True

    def append(self, frame: Frame, extra: dict[str, np.ndarray] | None = None) -> None:
        """Write one frame (and the ``extra`` datasets' values for it); it must be the next timestep."""
        with self._lock:
            self._check_open()
            if frame.t != self._next_t:
                raise ValueError(f"the recording expects t = {self._next_t}, got t = {frame.t}")
            self._write(frame, extra)

    def _write(self, frame: Frame, extra: dict[str, np.ndarray] | None = None) -> None:
        k = self.steps
        try:
            if k == self._allocated:
                self._allocated += _GROW
                for ds in self._ds.values():
                    ds.resize(self._allocated, axis=0)
            d = self._ds
            d["hidden"][k] = frame.hidden
            if frame.inputs is not None:
                d["inputs"][k] = frame.inputs
            if frame.output is not None:
                if "outputs" not in d:
                    self._new("outputs", frame.output.shape, np.float32)
                d["outputs"][k] = frame.output
            if frame.trace is not None:
                d["trace_index"][k] = self._trace_row(frame.trace)
            if frame.episode is not None:
                for key, attr, _dtype in _EPISODE_KEYS:
                    d[key][k] = getattr(frame.episode, attr)
            for name, values in (extra or {}).items():
                d[name][k] = values
            d["step_ms"][k] = frame.step_ms
            d["has_input"][k] = frame.inputs is not None
            if not self._swmr and frame.inputs is not None:
                self._start_swmr()
        except (OSError, RuntimeError) as exc:
            self._salvage(f"could not write step {frame.t} to {self.target}: {first_line(exc)}")
        self.steps = k + 1
        self._pending.append(frame.t)
        self._next_t = frame.t + 1
        if self._swmr and time.monotonic() - self._last_flush >= _FLUSH_SECONDS:
            self._flush_or_salvage()

    def append_many(self, items: Sequence[tuple[Frame, dict[str, np.ndarray] | None]]) -> None:
        """Write several frames, each with its ``extra`` values, in order: what :meth:`append` does for each.

        Frames that carry the same fields are written with one HDF5 write per dataset, which
        for small steps costs a fraction of a write per step per dataset.
        """
        with self._lock:
            self._check_open()
            for i, (frame, _extra) in enumerate(items):
                if frame.t != self._next_t + i:
                    raise ValueError(f"the recording expects t = {self._next_t + i}, got t = {frame.t}")
            if len(items) > 1 and self._alike(items):
                self._write_block(items)
            else:
                for frame, extra in items:
                    self._write(frame, extra)

    def _alike(self, items: Sequence[tuple[Frame, dict[str, np.ndarray] | None]]) -> bool:
        """Whether ``items`` can go as one block: the same fields in each, into datasets the file already has."""
        first, extra = items[0]
        names = sorted(extra or {})

        def present(frame: Frame) -> tuple[bool, bool, bool]:
            return frame.inputs is None, frame.output is None, frame.episode is None

        return (
            self._swmr
            and (first.output is None or "outputs" in self._ds)
            and all(present(f) == present(first) and sorted(e or {}) == names for f, e in items)
        )

    def _write_block(self, items: Sequence[tuple[Frame, dict[str, np.ndarray] | None]]) -> None:
        frames = [frame for frame, _extra in items]
        k, m = self.steps, len(frames)
        first = frames[0]
        try:
            if k + m > self._allocated:
                self._allocated = -(-(k + m) // _GROW) * _GROW
                for ds in self._ds.values():
                    ds.resize(self._allocated, axis=0)
            d, rows = self._ds, slice(k, k + m)
            d["hidden"][rows] = np.stack([f.hidden for f in frames])
            if first.inputs is not None:
                d["inputs"][rows] = np.stack([f.inputs for f in frames if f.inputs is not None])
            if first.output is not None:
                d["outputs"][rows] = np.stack([f.output for f in frames if f.output is not None])
            if any(f.trace is not None for f in frames):
                d["trace_index"][rows] = [-1 if f.trace is None else self._trace_row(f.trace) for f in frames]
            if first.episode is not None:
                for key, attr, _dtype in _EPISODE_KEYS:
                    d[key][rows] = np.stack([getattr(f.episode, attr) for f in frames])
            for name in items[0][1] or {}:
                d[name][rows] = np.stack([(extra or {})[name] for _frame, extra in items])
            d["step_ms"][rows] = [f.step_ms for f in frames]
            d["has_input"][rows] = first.inputs is not None
        except (OSError, RuntimeError) as exc:
            self._salvage(f"could not write steps {first.t}..{frames[-1].t} to {self.target}: {first_line(exc)}")
        self.steps = k + m
        self._pending.extend(f.t for f in frames)
        self._next_t = frames[-1].t + 1
        if time.monotonic() - self._last_flush >= _FLUSH_SECONDS:
            self._flush_or_salvage()

    def _trace_row(self, trace: list[TraceRecord]) -> int:
        """The trace table's row holding ``trace``, added when it is new."""
        text = _trace_text(trace)
        row = self._traces.get(text)
        if row is None:
            row = len(self._traces)
            self._table.resize(row + 1, axis=0)
            self._table[row] = text
            self._traces[text] = row
        return row

    def _count_steps(self) -> None:
        """Flush the steps written, then count them in ``t``: a reader, or a killed run's file, sees whole steps."""
        if not self._pending:
            return
        f, n = self._file, self.steps
        f.flush()  # the steps' chunks and their index first
        try:
            self._t.resize(n, axis=0)
            self._t[self._counted : n] = self._pending
            f.flush()
        except BaseException:
            with suppress(Exception):
                self._t.resize(self._counted, axis=0)  # never count a step whose t was not written
            raise
        self._counted = n
        self._pending.clear()
        self._last_flush = time.monotonic()

    def _flush_or_salvage(self) -> None:
        try:
            self._count_steps()
        except (OSError, RuntimeError) as exc:
            self._salvage(f"could not write step {self._pending[-1]} to {self.target}: {first_line(exc)}")

    def _flush_when_idle(self) -> None:
        """Count the steps written while nothing else is written (a paused Play), at least once a second."""
        while not self._stop.wait(_FLUSH_SECONDS / 4):
            with self._lock:
                if self._closed or self._failure:
                    return
                if self._swmr and self._pending and time.monotonic() - self._last_flush >= _FLUSH_SECONDS:
                    try:
                        self._count_steps()
                    except (OSError, RuntimeError) as exc:
                        self._failure = f"could not write step {self._pending[-1]} to {self.target}: {first_line(exc)}"

    def _check_open(self) -> None:
        if self._closed:
            raise FileProblem(f"the recording to {self.target} is closed")
        if self._failure:
            self._salvage(self._failure)

    def _held(self) -> str:
        return f"steps t = {self._first_t}..{self._next_t - 1}" if self.steps else "no steps"

    # -- ending -------------------------------------------------------------
    def close(self) -> Path:
        """Finish the file (and, when it replaces one, rename it into place); returns the path it was given."""
        self._stop_flusher()
        with self._lock:
            if self._closed:
                return self.target
            if self._failure:
                self._salvage(self._failure)
            try:
                self._finish()
            except (OSError, RuntimeError) as exc:
                self._salvage(f"could not finish {self.target}: {first_line(exc)}")
            return self.target

    def keep_part(self) -> Path:
        """Finish the file as :meth:`close` does but, when it was to replace one, leave that one as it was: the
        steps stay in :attr:`file_path` beside it (a run that failed part way).  Returns the file holding them."""
        self._keep_part = True
        self.close()
        return self.file_path

    def _stop_flusher(self) -> None:
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()
            if self._flusher is not threading.current_thread():
                self._flusher.join()

    def _finish(self) -> None:
        f, n = self._file, self.steps
        self._count_steps()
        for ds in self._ds.values():
            ds.resize(n, axis=0)
        f.attrs.modify("steps", n)
        f.attrs.modify("complete", True)
        f.flush()
        self._ds.clear()
        f.close()
        self._release_reserve()
        with open(self.file_path, "rb+") as handle:
            os.fsync(handle.fileno())
        self._closed = True
        self._let_go()
        if self.replacing and self._keep_part:
            held = f"the {n} steps t = {self._first_t}..{self._next_t - 1}"
            self.outcome = f"{self.target} was left as it was; {self.file_path} keeps {held}"
            return
        if self.replacing:
            try:
                refuse_special(self._final, "session file")  # one may have been made there while recording
            except FileProblem as exc:
                self.outcome = f"{self.file_path} keeps the {n} steps t = {self._first_t}..{self._next_t - 1}"
                raise FileProblem(f"{exc}; {self.outcome}") from None
            os.replace(self.file_path, self._final)
        self.outcome = f"{self.target} keeps the {n} steps t = {self._first_t}..{self._next_t - 1}"

    def _salvage(self, why: str) -> None:
        """A write failed (a full disk): keep the steps the file counts, and say which; raises :class:`FileProblem`."""
        self._closed = True
        self._stop.set()
        self._release_reserve()  # room for the last flush on a full disk
        with _quiet_unraisable():
            with suppress(Exception):
                self._count_steps()  # the disk may still take the last steps' t; the file stays unfinished
            self._ds.clear()
            with suppress(Exception):
                self._file.close()
        self._let_go()
        held = _steps_in(self.file_path)  # what the file really holds, read back as a reader would
        if held is None and self._counted:
            self.outcome = f"{self.file_path} holds what was flushed (t = {self._first_t}..) but cannot be read back"
            raise FileProblem(f"{why}; {self.outcome}") from None
        if held is None:
            self._remove_part()
            self.outcome = f"nothing was recorded; {self.target} was left as it was" if self.replacing else ""
            raise FileProblem(f"{why}; nothing was changed") from None
        kept = f"the steps t = {held[0]}..{held[1]}"
        if self.replacing:
            self.outcome = f"{self.target} was left as it was; {self.file_path} holds {kept}"
        else:
            self.outcome = f"{self.target} holds {kept}"
        raise FileProblem(f"{why}; {self.outcome}") from None

    def abort(self) -> None:
        """Stop recording and remove what was written; nothing is left under the target."""
        self._stop_flusher()
        with self._lock:
            if not self._closed:
                self._discard()

    def _discard(self) -> None:
        self._closed = True
        with _quiet_unraisable():
            try:
                getattr(self, "_ds", {}).clear()
                self._file.close()
            except Exception:
                pass
        self._remove_part()
        self._release_reserve()
        self._let_go()
        self.outcome = "nothing was recorded"

    def _release_reserve(self) -> None:
        if self._reserve is not None:
            with suppress(OSError):
                os.close(self._reserve)
            self._reserve = None

    def _remove_part(self) -> None:
        """Remove the file this recording made (the target itself when it did not exist before)."""
        with suppress(OSError):
            os.unlink(self.file_path)

    def _let_go(self) -> None:
        """Called once the file is closed, whatever the outcome (the recorder stops listening to its stepper)."""

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            self.close()
        elif self.steps:  # whatever stopped the run, the steps recorded so far are kept
            with suppress(FileProblem):
                self.close()
        else:
            self.abort()


class SessionRecorder(SessionWriter):
    """Streams a stepper's steps to an HDF5 session at ``path`` (a :class:`SessionWriter` bound to it).

    The recording starts with the oldest step the history holds (the initial state, for a
    fresh stepper), or ``from_t``; call :meth:`record_new` after each step.  Every method
    may be called from any thread (Play's worker records as it steps); none touches Qt.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        stepper: Stepper,
        force: bool = False,
        from_t: int | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(path, force, stepper.history.first if from_t is None else from_t)
        self.stepper = stepper
        self._stale = ""  # why the stepper can no longer be recorded (it started over), or ""
        c, hist = stepper.config, stepper.history
        ckpt = Path(checkpoint) if checkpoint is not None else checkpoint_of(stepper)
        attrs = {
            "config": config_record(stepper),
            "model": c.model or f"seed CondAgent (hidden {c.hidden_dim} → {c.units} units)",
            "model_repr": repr(stepper.model),
            "checkpoint": str(ckpt) if ckpt is not None else "",
            "checkpoint_sha256": sha256_of(ckpt) if ckpt is not None and ckpt.is_file() else "",
            "edits": [edit.to_json() for edit in getattr(stepper, "edits", [])],
        }
        # The actions each agent was allowed when it chose (live environments with masks): avail_actions.
        self._masks = hist.avail_actions.shape[1:] if hist.avail_actions is not None else None
        self.start(
            attrs,
            hist.hidden.shape[1:],
            hist.inputs.shape[1:],
            stepper.output_shape,
            hist.episode_shape,
            extra={"avail_actions": (self._masks, bool)} if self._masks is not None else None,
            outputs_later=True,
        )
        stepper.changed.connect(self._on_change)

    def _on_change(self, what: str) -> None:
        if what in ("init", "rebuild"):
            self._stale = "the session started over (Init hidden, Reset or a new configuration)"

    def _let_go(self) -> None:
        self.stepper.changed.disconnect(self._on_change)

    def record_new(self, stepper: Stepper | None = None) -> int:
        """Write every step the stepper has computed since the last one written; return how many.

        Call it after each step.  Raises :class:`FileProblem` when a step to write has
        already left the history (call it more often than the history holds steps), when
        the stepper started over, or when the disk refuses the data.
        """
        stepper = stepper or self.stepper
        written = 0
        with self._lock:
            self._check_open()
            if self._stale:
                raise FileProblem(f"recording {self.target} stopped: {self._stale}; it holds {self._held()}")
            while self._next_t <= stepper.latest:
                try:
                    frame = stepper.snapshot(self._next_t)
                except IndexError:
                    raise FileProblem(
                        f"step {self._next_t} left the history before it was recorded to {self.target}"
                    ) from None
                self._write(frame, self._mask_of(frame))
                written += 1
        return written

    def _mask_of(self, frame: Frame) -> dict[str, np.ndarray] | None:
        """``avail_actions`` for ``frame``: what its agents were allowed (all of it at t = 0, which chose nothing)."""
        if self._masks is None:
            return None
        episode = frame.episode
        allowed = episode.avail if episode is not None and episode.avail is not None else None
        return {"avail_actions": np.ones(self._masks, bool) if allowed is None else allowed}

    def __enter__(self) -> SessionRecorder:
        return self


def _reserve_space(folder: Path) -> int | None:
    """An unnamed file holding ``_RESERVE_BYTES`` of ``folder``'s disk, or None where that cannot be made.

    On a full disk the recorder closes it: HDF5 then has room to write where the steps
    written so far lie (its last flush), so they are kept.  Having no name, it goes
    with the process however that ends.
    """
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return None
    try:
        fd = os.open(folder, flag | os.O_WRONLY, 0o600)
    except OSError:
        return None
    try:
        os.posix_fallocate(fd, 0, _RESERVE_BYTES)
    except OSError:
        os.close(fd)
        return None
    return fd


@contextmanager
def _quiet_unraisable() -> Iterator[None]:
    """Drop the errors h5py can only report as "ignored" while a file that failed to write is let go.

    Closing an HDF5 file whose disk is full fails again in h5py's destructors; the
    failure is already reported (one line, through :class:`FileProblem`).
    """
    import sys

    saved = sys.unraisablehook
    sys.unraisablehook = lambda _info: None
    try:
        yield
        import gc

        gc.collect()
    finally:
        sys.unraisablehook = saved


def record_session(
    stepper: Stepper,
    steps: int,
    out: str | os.PathLike[str],
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    started: Callable[[SessionRecorder], None] | None = None,
    stop: threading.Event | None = None,
) -> Path:
    """Record the stepper's held steps, then ``steps`` more, to the session ``out``.

    ``started`` is called with the recorder before the first step; setting ``stop``
    ends the recording after the step under way, the file finished (the recorder's
    ``outcome`` says what it holds).  Ctrl+C (a :class:`KeyboardInterrupt`) finishes
    the file too, and is raised again as :class:`RecordingStopped` saying what it holds.
    """
    recorder = SessionRecorder(out, stepper, force=force)
    try:
        with recorder:
            if started is not None:
                started(recorder)
            recorder.record_new()
            for k in range(steps):
                if stop is not None and stop.is_set():
                    break
                stepper.step()
                recorder.record_new()
                if progress is not None:
                    progress(k + 1, steps)
    except KeyboardInterrupt as stop:
        raise RecordingStopped(recorder.outcome or "nothing was recorded") from stop
    return Path(out)


# -- reading ----------------------------------------------------------------------------------------------------


class SessionReader:
    """A session file opened for reading; every array is read from disk when asked for.

    Raises :class:`FileProblem`, with one line saying which, for a file that is missing,
    not HDF5, truncated, corrupt, not a hiddenscope session, written by a newer version
    or whose datasets disagree.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = check_readable_file(Path(path), "session")
        refused: OSError | None = None  # why a plain open failed, when the file is read as one still written
        try:
            self._file = h5py.File(self.path, "r")
        except OSError as exc:
            refused = exc
            self._file = _open_written(self.path, exc)
        except Exception as exc:
            raise FileProblem(f"{self.path} cannot be read as HDF5 ({type(exc).__name__}: {exc})") from None
        try:
            with self._reading():
                _catch_up(self._file)
                self._check()
        except BaseException as exc:
            self._file.close()
            if refused is not None and isinstance(exc, FileProblem):
                raise FileProblem(_open_problem(self.path, refused)) from None
            raise

    @contextmanager
    def _reading(self) -> Iterator[None]:
        self._check_open()
        try:
            yield
        except (FileProblem, NoSuchData):
            raise
        except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
            first = (str(exc).splitlines() or [""])[0][:200]
            if "filter returned failure" in first:
                first = "its data fails the checksum it was written with (changed or corrupted since)"
            else:
                first = f"{type(exc).__name__}: {first}"
            raise FileProblem(f"{self.path} is damaged: {first}") from None

    def _check(self) -> None:
        """Everything the readers rely on, checked against what the file says and its real size."""
        f, p = self._file, self.path
        fmt = _attr(f, "format")
        if isinstance(fmt, bytes):
            fmt = fmt.decode()
        if fmt != FORMAT:
            held = ", ".join(sorted(f.keys())[:8]) or "nothing"
            raise FileProblem(f"{p} is an HDF5 file but not a hiddenscope session (it holds: {held})")
        version = int(_attr(f, "format_version", 0))
        if version > FORMAT_VERSION:
            raise FileProblem(
                f"{p} was written by a newer hiddenscope ({_text(_attr(f, 'hiddenscope_version'))}, session format"
                f" {version}); this one reads format {FORMAT_VERSION}: update hiddenscope"
            )
        missing = [k for k in _REQUIRED if k not in f]
        if missing:
            raise FileProblem(f"{p} is not a complete hiddenscope session: it has no {', '.join(missing)}")
        # An unfinished recording (still being written, or its writer killed) holds the steps t counts.
        self.finished = bool(_attr(f, "complete", False))
        self.config_record = _json_attr(f, p, "config", dict, "an object")
        self.edits = _json_attr(f, p, "edits", list, "a list", default="[]")
        known = {fl.name for fl in fields(Config)}
        try:
            self.config = Config(**{k: v for k, v in self.config_record.items() if k in known})
        except (TypeError, ValueError, UserError) as exc:
            raise FileProblem(f"{p}: its configuration cannot be used ({first_line(exc)})") from None
        self.episodic = "episode_start" in f
        lacking = [key for key, _attr, _dtype in _EPISODE_KEYS if self.episodic and key not in f]
        if lacking:
            raise FileProblem(f"{p} has episodes but no {', '.join(lacking)}: it is damaged")
        per_step = [k for k in _LAYOUT if k in f]
        for key in (*per_step, "trace_table"):
            _check_layout(f, p, key)
        hidden = f["hidden"]
        n = f["t"].shape[0]
        self.shape: tuple[int, int, int] = tuple(int(s) for s in hidden.shape[1:])  # type: ignore[assignment]
        want = (self.config.batch_size, self.config.n_agents, self.config_record.get("units", self.shape[2]))
        if self.shape != want:
            raise FileProblem(f"{p}: hidden holds {self.shape} per step but its configuration says {want}")
        for key in per_step:
            rows = f[key].shape[0]
            if rows != n if self.finished else rows < n:
                raise FileProblem(f"{p}: {key} holds {rows} steps, t {n}: the datasets disagree")
        if f["inputs"].shape[1:3] != hidden.shape[1:3]:
            raise FileProblem(f"{p}: inputs has shape {f['inputs'].shape}, which does not fit hidden {hidden.shape}")
        for key in per_step:
            expect = _EPISODE_SHAPES.get(key)
            if expect is not None and f[key].shape[1:] != expect(self.shape):
                raise FileProblem(f"{p}: {key} has shape {f[key].shape}, which does not fit hidden {hidden.shape}")
        if n == 0:
            raise FileProblem(f"{p} holds no complete step (a recording stopped before its first flush)")
        if self.finished and int(_attr(f, "steps", n)) != n:
            raise FileProblem(f"{p} holds {n} steps but says it holds {int(_attr(f, 'steps', -1))}")
        # Nothing is read that the file's real size cannot hold: a damaged or made-up header
        # declaring a huge dataset is refused before memory is set aside for it.
        size = os.path.getsize(p)
        for key in per_step:
            ds = f[key]
            declared = n * int(np.prod(ds.shape[1:], dtype=np.float64)) * ds.dtype.itemsize
            if declared > 2 * size + (1 << 20):
                raise FileProblem(
                    f"{p}: {key} declares {declared / 2**20:,.0f} MiB for its {n} steps, more than a file of"
                    f" {size / 2**20:,.1f} MiB can hold: it is damaged"
                )
        if f["trace_table"].shape[0] > size:
            raise FileProblem(f"{p}: trace_table declares {f['trace_table'].shape[0]:,} rows: it is damaged")
        self.ts = np.asarray(f["t"][:n], np.int64)
        if np.any(np.diff(self.ts) != 1):
            raise FileProblem(f"{p}: its timesteps are not consecutive")
        self.first, self.last = int(self.ts[0]), int(self.ts[-1])
        if self.first < 0 or self.last >= 2**53:
            raise FileProblem(f"{p}: its timesteps run from {self.first} to {self.last}, outside 0..2**53")
        index = np.asarray(f["trace_index"][:n], np.int64)
        distinct = f["trace_table"].shape[0]
        if index.size and (index.min() < -1 or index.max() >= distinct):
            raise FileProblem(
                f"{p}: trace_index points at rows {index.min()}..{index.max()} of a trace_table of {distinct}: damaged"
            )
        self.model = _text(_attr(f, "model", ""))
        self.model_repr = _text(_attr(f, "model_repr", ""))
        self.checkpoint = _text(_attr(f, "checkpoint", ""))
        self.checkpoint_sha256 = _text(_attr(f, "checkpoint_sha256", ""))
        self.version = _text(_attr(f, "hiddenscope_version", ""))
        self._trace_cache: dict[int, str] = {}

    # -- what the file holds ----------------------------------------------
    def __len__(self) -> int:
        return len(self.ts)

    def holds(self, t: int) -> bool:
        return self.first <= t <= self.last

    def _index(self, t: int) -> int:
        """The row of timestep ``t``; :class:`TypeError` unless a whole number, :class:`IndexError` if not held."""
        try:
            t = operator.index(t)
        except TypeError:
            raise TypeError(f"t must be a whole number, got {t!r} ({type(t).__name__})") from None
        if not self.holds(t):
            raise IndexError(f"timestep {t} is not in the session (it holds {self.first}..{self.last})")
        return t - self.first

    def _check_open(self) -> None:
        """A :class:`ValueError` once :meth:`close` was called (as a closed Python file gives)."""
        if not self._file:
            raise ValueError(f"the reader of {self.path} is closed")

    @property
    def has_outputs(self) -> bool:
        self._check_open()
        return "outputs" in self._file

    @property
    def keys(self) -> list[str]:
        self._check_open()
        return sorted(self._file.keys())

    @property
    def datasets(self) -> list[str]:
        """The names :meth:`read` takes: every dataset in the file (``states/c`` for a named state)."""
        self._check_open()
        names: list[str] = []
        with self._reading():
            self._file.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        return sorted(names)

    @property
    def distinct_traces(self) -> int:
        with self._reading():
            return int(self._file["trace_table"].shape[0])

    def read(self, name: str, start: int | None = None, stop: int | None = None) -> np.ndarray:
        """Dataset ``name`` for timesteps ``start..stop`` (inclusive; default: all), from disk.

        A :class:`KeyError` naming the datasets there are when the file holds none called ``name``.
        """
        i = self._index(self.first if start is None else start)
        j = self._index(self.last if stop is None else stop)
        with self._reading():
            if not isinstance(name, str) or not isinstance(self._file.get(name), h5py.Dataset):
                raise NoSuchData(f"no dataset {name!r} in {self.path}; it has: {', '.join(self.datasets)}")
            return np.asarray(self._file[name][i : j + 1])

    def hidden(self, t: int) -> np.ndarray:
        """``h_t`` as ``(batch, n_agents, units)``."""
        k = self._index(t)
        with self._reading():
            return np.asarray(self._file["hidden"][k])

    def trace(self, t: int) -> list[TraceRecord] | None:
        """The trace of the step into ``t`` (of ``init_hidden`` at t = 0), or None when it was not traced."""
        k = self._index(t)
        with self._reading():
            row = int(self._file["trace_index"][k])
            if row < 0:
                return None
            text = self._trace_cache.get(row)
            if text is None:
                table = self._file["trace_table"]
                if not _string_inside(table, row, self.path):
                    raise FileProblem(f"{self.path} is damaged: the trace recorded for t = {t} lies past its end")
                text = self._trace_cache[row] = _text(table[row])
        try:
            return _trace_records(text, t)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError):
            raise FileProblem(f"{self.path}: the trace recorded for t = {t} is damaged") from None

    def frame(self, t: int) -> Frame:
        """Timestep ``t`` as the stepper's :class:`Frame` (arrays read from disk)."""
        k = self._index(t)
        f = self._file
        with self._reading():
            has_input = bool(f["has_input"][k])
            episode = None
            if self.episodic and has_input:
                episode = EpisodeStep(*(np.asarray(f[key][k]) for key, _attr, _d in _EPISODE_KEYS))
            return Frame(
                t=t,
                hidden=np.asarray(f["hidden"][k]),
                inputs=np.asarray(f["inputs"][k]) if has_input else None,
                output=np.asarray(f["outputs"][k]) if has_input and "outputs" in f else None,
                trace=self.trace(t),
                step_ms=float(f["step_ms"][k]),
                episode=episode,
            )

    def episode_arrays(self) -> dict[str, np.ndarray]:
        """``episode_start``, ``actions``, ``rewards``, ``returns``, ``done`` of every step; {} without environment."""
        return {key: self.read(key) for key, _attr, _d in _EPISODE_KEYS} if self.episodic else {}

    def attributes(self) -> dict[str, Any]:
        self._check_open()
        values = {k: _attr(self._file, k) for k in self._file.attrs}
        return {
            k: _text(v) if isinstance(v, (bytes, str)) else v.item() if hasattr(v, "item") else v
            for k, v in values.items()
        }

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SessionReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NoSuchData(KeyError):
    """A name the session holds no dataset or state for; the message names those it has."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _catch_up(f: h5py.File) -> None:
    """Have ``f`` show the file as it is now, also when another handle in this process opened it earlier.

    HDF5 opens a file once per process: a second ``h5py.File`` of a file already open shares
    the first one's cache, which for a recording still written (read in
    single-writer/multiple-reader mode) holds the lengths and attributes of when it was
    read.  Refreshing the root group (the attributes: ``complete``, ``steps``) and every
    dataset reads them again.  A file no writer had open does not change; it is left alone.
    """
    if not f.swmr_mode:
        return
    _refresh_attributes(f)
    f.visititems(lambda _name, obj: obj.refresh() if isinstance(obj, h5py.Dataset) else None)


def _refresh_attributes(f: h5py.File) -> bool:
    """Re-read the root group's header (its attributes) from disk; whether HDF5 could be asked.

    h5py refreshes datasets only; ``H5Orefresh`` is called through the library h5py loaded,
    under h5py's lock.
    """
    refresh = _hdf5_function("H5Orefresh", [ctypes.c_int64])
    if refresh is None:
        return False
    from h5py._objects import phil

    with phil:
        root = h5py.h5o.open(f.id, b"/")
        try:
            return bool(refresh(root.id) >= 0)
        finally:
            root._close()


def _hdf5_function(name: str, argtypes: list[Any]) -> Any:
    """HDF5's C function ``name`` (returning an ``int``) from the library h5py runs on; None if it cannot be found."""
    global _HDF5_LIBRARY
    if _HDF5_LIBRARY is None:
        _HDF5_LIBRARY = _loaded_hdf5() or False
    if not _HDF5_LIBRARY:
        return None
    try:
        function = getattr(_HDF5_LIBRARY, name)
    except AttributeError:
        return None
    function.argtypes = argtypes
    function.restype = ctypes.c_int
    return function


# What each per-step dataset must be: the kinds of numpy dtype it may have and its rank (None: 2 or more).
_LAYOUT: dict[str, tuple[str, int | None]] = {
    "t": ("iu", 1),
    "hidden": ("f", 4),
    "inputs": ("f", 4),
    "outputs": ("f", None),
    "has_input": ("bui", 1),
    "step_ms": ("f", 1),
    "trace_index": ("iu", 1),
    "episode_start": ("bui", 2),
    "actions": ("iu", 3),
    "rewards": ("f", 2),
    "returns": ("f", 2),
    "done": ("bui", 2),
}
_EPISODE_SHAPES: dict[str, Callable[[tuple[int, int, int]], tuple[int, ...]]] = {
    "episode_start": lambda s: s[:1],
    "actions": lambda s: s[:2],
    "rewards": lambda s: s[:1],
    "returns": lambda s: s[:1],
    "done": lambda s: s[:1],
}


def _check_layout(f: h5py.File, path: Path, key: str) -> None:
    """Raise :class:`FileProblem` unless ``key`` is a dataset of the dtype and rank a session gives it."""
    ds = f[key]
    if not isinstance(ds, h5py.Dataset):
        raise FileProblem(f"{path}: {key} is a {type(ds).__name__.lower()}, not a dataset: it is damaged")
    if key == "trace_table":
        if ds.ndim != 1 or h5py.check_string_dtype(ds.dtype) is None:
            raise FileProblem(f"{path}: trace_table is {ds.dtype} of shape {ds.shape}, not a list of texts: damaged")
        return
    kinds, rank = _LAYOUT[key]
    if ds.dtype.kind not in kinds or ds.dtype.itemsize > 8 or ds.dtype.shape:
        raise FileProblem(f"{path}: {key} holds {ds.dtype}, not the numbers a session stores there: it is damaged")
    if ds.ndim != rank if rank is not None else ds.ndim < 2:
        raise FileProblem(f"{path}: {key} has shape {ds.shape}, the wrong number of dimensions: it is damaged")


def _attr(f: h5py.File, name: str, default: Any = None) -> Any:
    """Attribute ``name`` of ``f``, or ``default``; a :class:`FileProblem` unless it is one value, as a session's are.

    A damaged header can give an attribute a huge shape: it is refused before h5py sets
    memory aside for it.
    """
    if name not in f.attrs:
        return default
    shape = h5py.h5a.open(f.id, name.encode()).shape
    if shape is not None and int(np.prod(shape, dtype=np.float64)) > 1:
        raise FileProblem(f"{f.filename}: its {name} attribute has shape {shape}, not one value: it is damaged")
    return f.attrs[name]


def _json_attr(f: h5py.File, path: Path, name: str, kind: type, what: str, default: str | None = None) -> Any:
    """The JSON attribute ``name``, which must be ``what`` (of type ``kind``)."""
    if name not in f.attrs and default is None:
        raise FileProblem(f"{path} is not a complete hiddenscope session: it has no {name} attribute")
    try:
        value = json.loads(_text(_attr(f, name, default)))
    except (ValueError, RecursionError):
        raise FileProblem(f"{path}: its {name} attribute is not JSON: it is damaged") from None
    if not isinstance(value, kind):
        raise FileProblem(f"{path}: its {name} attribute is JSON {type(value).__name__}, not {what}: it is damaged")
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else str(value)


def _string_inside(table: h5py.Dataset, row: int, path: Path) -> bool:
    """Whether row ``row`` of a chunked variable-length string dataset is stored inside the file.

    Such a string lives in a global heap collection that the row points to.  In a file cut
    short (a recording whose last flush met a full disk, read as one still written) the
    collection may lie past the end, and HDF5, reading it, never returns.  Each stored row is
    16 bytes: its length, the collection's address and the string's index there; the
    collection starts with ``GCOL``, a version byte, three reserved bytes and its size.
    Rows whose chunk cannot be read this way are left to HDF5 (True).
    """
    chunk = table.chunks[0] if table.chunks else 0
    if not chunk:
        return True
    try:
        _mask, raw = table.id.read_direct_chunk((row - row % chunk,))
        _length, address, _index = struct.unpack_from("<IQI", raw, 16 * (row % chunk))
        size = os.path.getsize(path)
        if address + 16 > size:
            return False
        with open(path, "rb") as f:
            f.seek(address)
            head = f.read(16)
        if head[:4] != b"GCOL":
            return True  # HDF5 reports a bad heap itself
        (collection,) = struct.unpack_from("<Q", head, 8)
        return address + collection <= size
    except (OSError, ValueError, struct.error, KeyError, TypeError):
        return True


def _open_written(path: Path, refused: OSError) -> h5py.File:
    """A file HDF5 would not open plainly, opened as a file still being written; else a :class:`FileProblem`.

    A recording still open (or whose writer was killed) is marked as open for writing,
    and one whose last flush met a full disk may say it is longer than it is: HDF5's
    single-writer/multiple-reader mode reads both, up to the steps ``t`` counts.
    """
    text = str(refused)
    if "already open for write" in text or "truncated file" in text:
        fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
        if _few_read_attempts(fapl) or "truncated file" not in text:
            try:
                fid = h5py.h5f.open(os.fsencode(path), h5py.h5f.ACC_RDONLY | h5py.h5f.ACC_SWMR_READ, fapl=fapl)
                return h5py.File(fid)
            except Exception:
                pass
    raise FileProblem(_open_problem(path, refused)) from None


def _few_read_attempts(fapl: Any) -> bool:
    """Have HDF5 read each piece of metadata at most a few times through ``fapl``; whether it could be asked.

    A reader in SWMR mode rereads metadata whose checksum fails, waiting longer each
    time (for a writer still at work): on a damaged file that is minutes; a few tries
    cover a read that met the writer mid-flush.  h5py does
    not offer the setting, so HDF5 is asked directly, through the library h5py loaded.
    """
    setter = _hdf5_function("H5Pset_metadata_read_attempts", [ctypes.c_int64, ctypes.c_uint])
    if setter is None:
        return False
    try:
        return bool(setter(fapl.id, 4) >= 0)
    except (OSError, ctypes.ArgumentError):
        return False


def _loaded_hdf5() -> ctypes.CDLL | None:
    """The HDF5 library h5py runs on (the file mapped into this process), opened with ctypes; None if not found.

    Where the process's map cannot be read (not Linux), h5py's own module is opened: the
    system's loader finds HDF5's functions among what it links to (macOS does; Windows not).
    """
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            names = {line.split()[-1] for line in maps if "/libhdf5" in line and "libhdf5_hl" not in line}
    except OSError:
        names = set()
    for name in sorted(names):
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    try:
        import h5py.defs

        linked = ctypes.CDLL(h5py.defs.__file__)
        return linked if hasattr(linked, "H5open") else None
    except (OSError, AttributeError, ImportError):
        return None


_HDF5_LIBRARY: Any = None


def _steps_in(path: Path) -> tuple[int, int] | None:
    """The first and last timestep the session at ``path`` holds, as a reader sees it; None if it cannot be read."""
    try:
        with _quiet_unraisable(), SessionReader(path) as reader:
            return reader.first, reader.last
    except FileProblem:
        return None


def _open_problem(path: Path, exc: OSError) -> str:
    message = str(exc)
    if "file signature not found" in message:
        return (
            f"{path} is not an HDF5 file (a session is an .h5 file written by hiddenscope.record,"
            " hiddenscope.watch or hiddenscope export --out NAME.h5)"
        )
    if "truncated file" in message:
        return f"{path} is truncated: it is shorter than its HDF5 header says (a copy or download cut short?)"
    first = message.splitlines()[0] if message else type(exc).__name__
    return f"{path} is damaged and cannot be opened as HDF5 ({first})"


# -- comparing ------------------------------------------------------------------------------------------------


def compare_sessions(
    a: SessionReader,
    b: SessionReader,
    tolerance: float = 0.0,
    block: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Step-by-step, agent-by-agent differences ``|h_B − h_A|`` over the timesteps both sessions hold.

    Returns ``t``, ``max_abs`` and ``mean_abs`` (each ``(T, n_agents)``), the first
    timestep where ``max_abs`` exceeds ``tolerance`` (overall and per agent; None where
    none does) and the first where the recorded inputs differ.  Raises
    :class:`FileProblem` when the hidden states' shapes differ or no timestep is shared.

    Equal values are no difference, also NaN against NaN and inf against the same inf.
    inf against a number is a difference of ``inf``; NaN against anything else makes the
    agent's ``max_abs`` and ``mean_abs`` at that step NaN (no number says how far apart
    they are), and such a step counts as divergent whatever the tolerance.
    """
    if a.shape != b.shape:
        raise FileProblem(
            f"cannot compare: {a.path} holds (batch, n_agents, units) = {a.shape} per step, {b.path} holds {b.shape}"
        )
    start, stop = max(a.first, b.first), min(a.last, b.last)
    if start > stop:
        raise FileProblem(f"cannot compare: {a.path} holds t = {a.first}..{a.last}, {b.path} t = {b.first}..{b.last}")
    same_inputs = a._file["inputs"].shape[1:] == b._file["inputs"].shape[1:]
    n_agents = a.shape[1]
    total = stop - start + 1
    max_abs = np.empty((total, n_agents))
    mean_abs = np.empty((total, n_agents))
    input_diff = None
    for lo in range(start, stop + 1, block):
        hi = min(stop, lo + block - 1)
        ha, hb = a.read("hidden", lo, hi).astype(np.float64), b.read("hidden", lo, hi)
        with np.errstate(invalid="ignore"):  # inf - inf
            diff = np.abs(hb - ha)
        # The same value in both is no difference: NaN against NaN, inf against the same inf (inf - inf is NaN).
        diff[(ha == hb) | (np.isnan(ha) & np.isnan(hb))] = 0.0
        max_abs[lo - start : hi - start + 1] = diff.max(axis=(1, 3))  # NaN where one holds NaN, inf where one inf
        mean_abs[lo - start : hi - start + 1] = diff.mean(axis=(1, 3))
        if same_inputs and input_diff is None:
            xa, xb = a.read("inputs", lo, hi), b.read("inputs", lo, hi)
            differs = ~((xa == xb) | (np.isnan(xa) & np.isnan(xb))).reshape(hi - lo + 1, -1).all(axis=1)
            if differs.any():
                input_diff = lo + int(np.argmax(differs))
        if progress is not None:
            progress(hi - start + 1, total)
    ts = np.arange(start, stop + 1)
    over = (max_abs > tolerance) | np.isnan(max_abs)
    first_each = [int(ts[np.argmax(over[:, i])]) if over[:, i].any() else None for i in range(n_agents)]
    anywhere = over.any(axis=1)
    return {
        "a": str(a.path),
        "b": str(b.path),
        "shape": list(a.shape),
        "tolerance": tolerance,
        "t": ts,
        "max_abs": max_abs,
        "mean_abs": mean_abs,
        "first_divergent_t": int(ts[np.argmax(anywhere)]) if anywhere.any() else None,
        "first_divergent_t_per_agent": first_each,
        "first_input_difference_t": input_diff if same_inputs else "input sizes differ",
        "a_holds": [a.first, a.last],
        "b_holds": [b.first, b.last],
    }
