"""Recording hidden states from a researcher's own training or evaluation loop.

:func:`record` opens a :class:`Recording`: a context manager whose :meth:`Recording.step`
takes the hidden state a step produced (a torch tensor or a numpy array, on any device)
and writes it, with whatever else is given, to an ordinary hiddenscope session, the
format :class:`~hiddenscope.core.session.SessionRecorder` writes.  Every view, replay,
comparison, screenshot and movie reads it.

The caller's thread only takes a copy (on the tensor's own device, so a CUDA tensor is
copied on the GPU) and queues it; a writer thread copies it to the host and writes it.
The queue is bounded in bytes (``queue_mb``): when the writer falls behind, ``step``
waits for room and the recording counts the wait (:attr:`Recording.waited_s`; one warning
the first time).  Nothing is ever dropped: index ``k`` of the session is always the k-th
``step``.

A recording that is never closed is finished all the same, with a :class:`ResourceWarning`:
when it is garbage-collected, or at the latest when the interpreter exits.  The writer's
side (:class:`_Sink`: the queue, the thread, the file) holds no reference to its
:class:`Recording`, so an unclosed one can be collected.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import math
import numbers
import os
import queue
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .config import Config
from .episodes import EpisodeStep
from .errors import UserError, first_line
from .files import check_output_path
from .history import Frame
from .session import SUFFIXES, SessionWriter
from .trace import ROLE_HIDDEN, ROLE_INPUT, Recorder, TraceRecord

__all__ = ["Recording", "record"]

_FLOATS = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
TRACE_FIRST = 8  # with tracing on, the first steps are all traced; then every n-th
TRACE_EVERY = 100
_BLOCK_STEP_BYTES = 256 * 2**10  # steps this small are written in blocks of up to _BLOCK_STEPS
_BLOCK_STEPS = 64
_BLOCK_WAIT_S = 0.02
_EPISODIC = ("actions", "rewards", "episode_start", "dones")  # what makes a session episodic, from step 1
_FIXED = ("inputs", "outputs", "avail_actions")  # arrays whose shape the first step fixes for the file


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _shape_of(value: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in value.shape) if hasattr(value, "shape") else np.shape(value)


def _dtype_name(value: Any) -> str:
    """``float32`` for a torch or numpy float dtype."""
    return str(value.dtype).replace("torch.", "")


def _float_name(value: Any, what: str) -> str:
    """The name of ``value``'s float dtype (``bfloat16`` for such a tensor); a :class:`UserError` for any other."""
    if _is_tensor(value):
        name, floating = _dtype_name(value), bool(value.is_floating_point())
    else:
        dtype = value.dtype if isinstance(getattr(value, "dtype", None), np.dtype) else np.asarray(value).dtype
        name, floating = dtype.name, dtype.kind == "f"
    if not floating:
        raise UserError(f"{what} must be a float tensor or array, got {name}")
    return name


def _not_whole(value: Any) -> str:
    """A value of ``value`` (actions) that is not a whole number, as text; ``""`` when every one is."""
    if _is_tensor(value):
        if not (value.is_floating_point() or value.is_complex()):
            return ""
        if value.is_complex():
            return f"{_dtype_name(value)} values"
        import torch

        with torch.no_grad():
            values = value.detach()
            bad = (values != torch.round(values)) | ~torch.isfinite(values)
            return repr(values[bad].reshape(-1)[0].item()) if bool(bad.any()) else ""
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        return ""
    if array.dtype.kind != "f":
        return f"{array.dtype.name} values"
    bad = (array != np.round(array)) | ~np.isfinite(array)
    return repr(array[bad].reshape(-1)[0].item()) if bad.any() else ""


def trace_interval(trace: Any, default: int = 0) -> int:
    """How often a recording traces for ``trace`` (``True``, ``False``, ``n``; ``None``: ``default``)."""
    if trace is None:
        return default
    if trace is True or trace is False:
        return TRACE_EVERY if trace else 0
    if isinstance(trace, numbers.Integral) and int(trace) >= 1:
        return int(trace)
    raise UserError(
        f"trace must be True, False or a whole number n of at least 1 (the first steps and every n-th), got {trace!r}"
    )


class _Copy:
    """A value taken on the caller's thread: a device-side clone of a tensor, or a numpy copy."""

    __slots__ = ("event", "value")

    def __init__(self, value: Any, copy: bool = True) -> None:
        self.event = None
        if _is_tensor(value):
            import torch

            with torch.no_grad():
                self.value = value.detach().clone() if copy else value.detach()
            if self.value.is_cuda:  # the writer waits for the clone before reading it
                self.event = torch.cuda.Event()
                self.event.record()
        else:
            self.value = np.array(value, copy=True) if copy else np.asarray(value)

    @property
    def nbytes(self) -> int:
        v = self.value
        return int(v.numel() * v.element_size()) if _is_tensor(v) else int(v.nbytes)

    def numpy(self) -> np.ndarray:
        v = self.value
        if not _is_tensor(v):
            return np.asarray(v)
        if self.event is not None:
            self.event.synchronize()
        import torch

        if v.dtype == torch.bfloat16:  # numpy has no bfloat16: kept exactly as float32
            v = v.float()
        return np.asarray(v.cpu().numpy())


def agent_rows(shape: tuple[int, ...], n_agents: int, what: str) -> tuple[int, int, int]:
    """``(batch, n_agents, width)`` for a per-agent array of ``shape``.

    Accepts ``(batch, n_agents, width)``, ``(batch * n_agents, width)`` (PyMARL's row
    order: agent fastest) and ``(n_agents, width)`` (one environment).
    """
    if len(shape) == 3 and shape[1] == n_agents:
        return shape[0], n_agents, shape[2]
    if len(shape) == 2 and shape[0] % n_agents == 0 and shape[0] > 0:
        return shape[0] // n_agents, n_agents, shape[1]
    raise UserError(
        f"{what} has shape {tuple(shape)}; with n_agents = {n_agents} it must be (batch, {n_agents}, units),"
        f" (batch * {n_agents}, units) or ({n_agents}, units)"
    )


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _rows(value: Any, batch: int, dtype: Any) -> np.ndarray:
    """A per-row value (one for all rows, ``(batch,)`` or ``(batch, 1)``) as ``(batch,)``."""
    array = np.asarray(value).astype(dtype)
    return np.full(batch, array.reshape(-1)[0], dtype) if array.size == 1 else array.reshape(batch).copy()


def _row_dones(dones: np.ndarray | None, batch: int, n_agents: int) -> np.ndarray:
    """``dones`` as one bool per row: a row with one flag per agent is done once all its agents are."""
    if dones is None:
        return np.zeros(batch, bool)
    flags = np.asarray(dones).astype(bool)
    if flags.size == 1:
        return np.full(batch, bool(flags.reshape(())))
    if flags.size == batch:
        return flags.reshape(batch).copy()
    return np.asarray(flags.reshape(batch, n_agents).all(axis=1))


@functools.lru_cache(maxsize=8)
def _accepted(batch: int, n: int) -> dict[str, tuple[list[tuple[int, ...]], str]]:
    """The shapes each per-row or per-agent value may have besides one value for all, and how to say them."""
    b, bn = batch, batch * n
    return {
        "actions": (
            [(b, n), (bn,), (b, n, 1), (bn, 1)],
            f"one action, (batch, n_agents) = ({b}, {n}) or (batch * n_agents,) = ({bn},), or either with a trailing 1",
        ),
        "dones": ([(b,), (b, 1), (b, n)], f"one bool, (batch,) = ({b},), ({b}, 1) or (batch, n_agents) = ({b}, {n})"),
        "rewards": (
            [(b,), (b, 1), (b, n)],
            f"one number, (batch,) = ({b},), ({b}, 1) or (batch, n_agents) = ({b}, {n})",
        ),
        "episode_start": ([(b,), (b, 1)], f"one bool, (batch,) = ({b},) or ({b}, 1)"),
    }


# The writers' sides of the recordings not yet finished: finished at interpreter exit if no one closes them.
_LIVE: set[_Sink] = set()


class _Sink:
    """A :class:`Recording`'s writing side: its queue, its writer thread and its file.

    It holds no reference to the :class:`Recording`, so an unclosed one can be garbage-collected:
    its finalizer then ends the queue and the writer thread finishes the file (:meth:`abandon`).
    Every attribute but the queue, the room and ``error`` belongs to the writer thread once a
    step is queued.
    """

    def __init__(self, path: Path, n_agents: int, meta: dict[str, Any], writer: SessionWriter, budget: int) -> None:
        self.path, self.n_agents, self.meta, self.writer = path, n_agents, meta, writer
        self.init: _Copy | None = None  # set with the first step
        self.dtype_name = "float32"  # the hidden state's dtype as given (bfloat16 stays bfloat16), with step 1
        self.budget = budget
        self.queued = 0
        self.room = threading.Condition()
        self.queue: queue.Queue[tuple | None] = queue.Queue()
        self.error: BaseException | None = None
        self.ended = False  # no more steps: the queue's end is in it
        self.abandoned = False  # its Recording was not closed: the writer thread finishes the file itself
        self.keep_old = False  # ... and leaves a file it was to replace as it was
        self.taken = 0  # steps queued
        self.written: dict[str, Any] = {}
        self.returns: np.ndarray | None = None  # each row's return so far
        self.done: np.ndarray | None = None  # each row's done at the step before
        self.thread = threading.Thread(target=self.write_loop, name="hiddenscope record", daemon=True)
        self.thread.start()
        _LIVE.add(self)

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            self.queue.put(None)

    def abandon(self, when: str, keep_old: bool = False, wait: bool = False) -> None:
        """The recording was not closed (``when``: as it is garbage-collected, at exit): the writer thread writes
        what is queued and finishes the file.  ``wait``: until it has, where waiting cannot deadlock (the garbage
        collector may run on any thread, inside an HDF5 call or on the writer's own threads)."""
        if self.ended:
            return
        self.abandoned, self.keep_old = True, keep_old
        warnings.warn(
            f"hiddenscope.record: the recording to {self.path} was not closed; its file is finished {when} with"
            f" the {_count(self.taken, 'step')} taken (use it as a context manager, or call close())",
            ResourceWarning,
            stacklevel=2,
        )
        self.end()
        if wait and self._may_wait():
            self.thread.join()

    def _may_wait(self) -> bool:
        """Whether this thread may wait for the writer thread: it is neither one of the writer's own threads nor
        holding h5py's lock, which the writer needs."""
        here = threading.current_thread()
        if here is self.thread or here is getattr(self.writer, "_flusher", None):
            return False
        try:
            from h5py._objects import phil

            return not phil._is_owned()
        except (ImportError, AttributeError):
            return False

    # -- the writer thread ----------------------------------------------------------------------
    def write_loop(self) -> None:
        try:
            self._write_all()
        finally:
            if self.abandoned:
                self._finish_abandoned()
            _LIVE.discard(self)

    def _write_all(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            items = [item]
            # Small steps queued behind this one go to the file together: one write per dataset for all of them
            # (a step of a few KiB costs the writer more in HDF5 calls than in bytes, and holds the GIL the loop wants).
            # A loop faster than the writer's own per-write cost is waited for, up to _BLOCK_WAIT_S, to make a
            # block: the file is counted only about once a second anyway.
            until = time.monotonic() + _BLOCK_WAIT_S
            while item[-1] <= _BLOCK_STEP_BYTES and len(items) < _BLOCK_STEPS:
                with self.room:  # a caller waiting for room in a small queue is not kept waiting for a block
                    wait = self.queued + item[-1] <= self.budget
                try:
                    nxt = (
                        self.queue.get(timeout=max(0.0, until - time.monotonic())) if wait else self.queue.get_nowait()
                    )
                except queue.Empty:
                    break
                if nxt is None:
                    self.queue.put(None)  # seen again once these are written
                    break
                items.append(nxt)
                if nxt[-1] > _BLOCK_STEP_BYTES:
                    break
            try:
                if self.error is None:
                    self._write_block(items)
            except BaseException as exc:  # reported to the caller at its next step or close
                self.error = exc
            finally:
                with self.room:
                    self.queued -= sum(it[-1] for it in items)
                    self.room.notify_all()

    def _write_block(self, items: list[tuple]) -> None:
        """Write queued steps together; a step that cannot be made a frame ends the recording after the ones before."""
        block = []
        for t, copies, state_copies, trace, step_ms, _size in items:
            try:
                block.append(self._frame(t, copies, state_copies, trace, step_ms))
            except Exception as exc:
                if block:
                    self.writer.append_many(block)
                if isinstance(exc, UserError):
                    raise
                raise UserError(
                    f"step {t} could not be written ({type(exc).__name__}: {first_line(exc)});"
                    f" {_count(t - 1, 'step')} before it are kept"
                ) from exc
        self.writer.append_many(block)

    def raise_error(self) -> None:
        """Raise what stopped the writer, if anything: the file is finished with what it holds and, where it was to
        replace one, left in its part file beside it (a failed recording replaces no file)."""
        if self.error is not None:
            error, self.error = self.error, None
            with contextlib.suppress(Exception):
                self.writer.keep_part()
            raise error

    def finish(self, keep_old: bool, because: str, stacklevel: int) -> Path | None:
        """Finish the file once the writer thread has ended; returns the file holding the steps, or None when there
        were none (nothing is left).  ``keep_old`` (``because`` says why): a file it was to replace is left as it
        was, the steps kept in the part file beside it, and a warning names both."""
        self.raise_error()
        writer = self.writer
        if writer.steps == 0:  # no step: nothing to lay out, so nothing is left behind
            writer.abort()
            return None
        if keep_old and writer.replacing:
            part = writer.keep_part()
            warnings.warn(
                f"hiddenscope.record: {because}, so {self.path} was left as it was;"
                f" {part} holds the {_count(writer.steps - 1, 'step')} recorded",
                stacklevel=stacklevel + 1,
            )
            return part
        writer.close()
        return self.path

    def _finish_abandoned(self) -> None:
        """Finish the file of a recording no one closed; what went wrong is said on stderr (no one else is left)."""
        try:
            self.finish(self.keep_old, "the program ended with an error", stacklevel=2)
        except Exception as exc:
            with contextlib.suppress(Exception):
                sys.stderr.write(f"hiddenscope.record: {self.path} was not closed, and finishing it failed: {exc}\n")

    def _frame(
        self,
        t: int,
        copies: dict[str, _Copy],
        state_copies: dict[str, _Copy],
        trace: list[TraceRecord] | None,
        step_ms: float,
    ) -> tuple[Frame, dict[str, np.ndarray]]:
        """Step ``t`` as the session's frame and extra datasets (laying the file out at t = 1)."""
        n = self.n_agents
        values = {k: c.numpy() for k, c in copies.items()}
        hidden = values["hidden"]
        batch, _, units = agent_rows(hidden.shape, n, "hidden")

        def per_agent(name: str, array: np.ndarray) -> np.ndarray:
            return array.reshape(agent_rows(array.shape, n, name))

        states = {f"states/{k}": per_agent(f"states[{k!r}]", c.numpy()) for k, c in state_copies.items()}
        inputs = per_agent("inputs", values["inputs"]) if "inputs" in values else None
        outputs = values.get("outputs")
        if outputs is not None:  # kept per agent where its rows are the agents' (hidden's batch); else as given
            with contextlib.suppress(UserError):
                rows = agent_rows(outputs.shape, n, "outputs")
                if rows[0] == batch:
                    outputs = outputs.reshape(rows)
        episodic = any(k in values for k in ("actions", "rewards", "episode_start", "dones"))
        if t == 1:
            self._lay_out(hidden, inputs, outputs, states, values.get("avail_actions"), episodic)
        lay = self.written
        hidden = per_agent("hidden", hidden).astype(lay["dtype"], copy=False)
        extra = {k: v.astype(lay["dtype"], copy=False) for k, v in states.items()}
        if lay["avail"] is not None:
            avail = values.get("avail_actions")
            extra["avail_actions"] = (
                np.ones(lay["avail"], bool) if avail is None else np.asarray(avail, bool).reshape(lay["avail"])
            )
        if inputs is None:
            inputs = np.zeros(lay["inputs"], np.float32)
        episode = None
        if lay["episodic"]:
            if "episode_start" in values:
                start = _rows(values["episode_start"], batch, bool)
            else:  # a row starts at step 1, and again after a step that ended its episode
                start = np.full(batch, t == 1) if self.done is None else self.done.copy()
            actions = np.asarray(values.get("actions", -1)).astype(np.int64)
            if actions.size == 1:
                actions = np.full((batch, n), actions.reshape(-1)[0], np.int64)
            actions = actions.reshape(batch, n)  # (batch, n), (batch * n,), either with a trailing 1
            rewards = np.asarray(values.get("rewards", 0.0), np.float32)
            if rewards.ndim == 2 and rewards.size > 1:
                rewards = rewards.sum(axis=1)  # (batch, n_agents): the row's, summed over its agents
            rewards = _rows(rewards, batch, np.float32)
            before = self.returns if self.returns is not None else np.zeros(batch, np.float32)
            self.returns = np.where(start, rewards, before + rewards).astype(np.float32)
            self.done = _row_dones(values.get("dones"), batch, n)
            episode = EpisodeStep(start, actions, rewards, self.returns, self.done)
        frame = Frame(t, hidden, inputs.astype(np.float32, copy=False), outputs, trace, step_ms, episode)
        return frame, extra

    def _lay_out(
        self,
        hidden: np.ndarray,
        inputs: np.ndarray | None,
        outputs: np.ndarray | None,
        states: dict[str, np.ndarray],
        avail: np.ndarray | None,
        episodic: bool,
    ) -> None:
        """Fix the file's layout from the first step, and write the initial state as index 0."""
        n = self.n_agents
        batch, _, units = agent_rows(hidden.shape, n, "hidden")
        name = self.dtype_name
        dtype = _FLOATS.get(name, np.float32)
        input_shape = inputs.shape if inputs is not None else (batch, n, 1)
        avail_shape = (batch, n, int(avail.shape[-1])) if avail is not None else None
        config = asdict(
            Config(
                batch_size=batch,
                n_agents=n,
                hidden_dim=units,
                input_dim=int(input_shape[-1]),
                device=self._device,
                dtype=name,
                model=str(self.meta.get("model", "")) or "your model (hiddenscope.record)",
                family="recorded",
                n_actions=int(outputs.shape[-1]) if outputs is not None and outputs.ndim == 3 else 0,
                inputs_recorded=inputs is not None,
            )
        )
        config.update(units=units, device_used=self._device, stored_dtype=np.dtype(dtype).name)
        config["states"] = sorted(k.removeprefix("states/") for k in states)
        extra: dict[str, tuple[tuple[int, ...], Any]] = {k: ((batch, n, v.shape[-1]), dtype) for k, v in states.items()}
        if avail_shape is not None:
            extra["avail_actions"] = (avail_shape, bool)
        attrs = {
            "config": config,
            "model": config["model"],
            "model_repr": str(self.meta.get("model_repr", "")),
            "meta": json.dumps(self.meta, default=str),
        }
        self.writer.start(
            attrs,
            (batch, n, units),
            tuple(input_shape),
            tuple(outputs.shape) if outputs is not None else None,
            (batch, n) if episodic else None,
            dtype=dtype,
            extra=extra,
        )
        self.written = {"dtype": dtype, "inputs": input_shape, "avail": avail_shape, "episodic": episodic}
        init = self.init.numpy() if self.init is not None else np.zeros((batch, n, units), dtype)
        init = init.reshape(agent_rows(init.shape, n, "init")).astype(dtype, copy=False)
        if init.shape != (batch, n, units):
            raise UserError(f"init has shape {init.shape}, hidden {(batch, n, units)}")
        zero_states = {k: np.zeros_like(v, dtype) for k, v in states.items()}
        self.writer.append(Frame(0, init, None, None, None, 0.0), zero_states)

    @property
    def _device(self) -> str:
        return str(self.meta.get("device", "")) or "cpu"


def _finish_unclosed_at_exit() -> None:
    """At interpreter exit, finish every recording no one closed (its writer thread is a daemon, which would be
    stopped wherever it was), and wait for those being finished.  An uncaught exception that ended the program
    leaves a file the recording was to replace as it was, as a ``with`` block that raises does."""
    # At an interactive prompt (python -i, IPython, Jupyter) last_value is any earlier error, not how it ended.
    interactive = hasattr(sys, "ps1") or bool(sys.flags.interactive) or "IPython" in sys.modules
    failed = getattr(sys, "last_value", None) is not None and not interactive
    for sink in list(_LIVE):
        sink.abandon("at exit", keep_old=failed)
        sink.thread.join()


atexit.register(_finish_unclosed_at_exit)  # after h5py's own (imported above), so it runs before them


class Recording:
    """A session being written from the caller's own loop; made by :func:`record`.

    Use it as a context manager, or call :meth:`close` (keeps what was written) or
    :meth:`abort`.  Index 0 of the session is the initial state (``init``, zeros if not
    given); the k-th :meth:`step` is index (and timestep) ``k``.  One never closed is
    finished when it is garbage-collected or at interpreter exit, with a ``ResourceWarning``.

    Attributes
    ----------
    path : Path
        The session file.
    steps : int
        How many :meth:`step` calls were taken so far (queued or written).
    waited_s : float
        How long :meth:`step` waited in all for the writer to make room in its queue.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        n_agents: int,
        *,
        init: Any = None,
        force: bool = False,
        trace: bool | int = False,
        queue_mb: float = 512,
        **meta: Any,
    ) -> None:
        if isinstance(n_agents, bool) or not isinstance(n_agents, int) or n_agents < 1:
            raise UserError(f"n_agents must be a whole number of at least 1, got {n_agents!r}")
        real = (int, float, np.integer, np.floating)
        if isinstance(queue_mb, bool) or not isinstance(queue_mb, real) or not 0 < float(queue_mb) < math.inf:
            raise UserError(f"queue_mb must be a number of MiB above 0, got {queue_mb!r}")
        self.trace_every = trace_interval(trace)
        self.path = Path(path)
        self.n_agents = n_agents
        self.meta = meta
        # said as Python says it; only .h5 and .hdf5, the names every reader takes for a session
        check_output_path(path, force, "session file", suffixes=SUFFIXES, force_hint="pass force=True")
        self._init = _Copy(init) if init is not None else None
        self._layout: dict[str, Any] | None = None  # shapes fixed by the first step
        self.steps = 0
        self.waited_s = 0.0
        self._warned = False
        self._warned_trace = False
        self._last_time = time.perf_counter()
        self._tracer: Recorder | None = None
        self._sink = _Sink(self.path, n_agents, meta, SessionWriter(path, force=force), int(queue_mb * 2**20))
        self._finalizer = weakref.finalize(self, self._sink.abandon, "as it is garbage-collected", wait=True)
        self._finalizer.atexit = False  # at exit _finish_unclosed_at_exit does it, and waits for it

    @property
    def _writer(self) -> SessionWriter:
        return self._sink.writer

    # -- taking steps (caller's thread) --------------------------------------------------------
    def step(
        self,
        hidden: Any,
        *,
        inputs: Any = None,
        outputs: Any = None,
        actions: Any = None,
        rewards: Any = None,
        episode_start: Any = None,
        avail_actions: Any = None,
        states: Mapping[str, Any] | None = None,
        trace: list[TraceRecord] | None = None,
        dones: Any = None,
    ) -> int:
        """Record one step; returns its timestep (1 for the first call).

        Parameters
        ----------
        hidden
            The hidden state after the step: ``(batch, n_agents, units)``,
            ``(batch * n_agents, units)`` (agent fastest) or ``(n_agents, units)``; a float torch
            tensor (any device, dtype kept as given and named in the session's ``config.dtype``;
            bfloat16 is stored as float32) or a float numpy array.
        inputs, outputs
            What went into the step and what it gave, shaped like ``hidden``; outputs of
            another shape are stored as given.
        actions
            Whole numbers: one for all, ``(batch, n_agents)`` or ``(batch * n_agents,)``, either
            with a trailing 1.
        rewards
            One number, ``(batch,)`` or ``(batch, 1)``; ``(batch, n_agents)`` is summed over agents.
        episode_start
            One bool for every row, ``(batch,)`` or ``(batch, 1)``: the rows whose episode
            starts with this step's observation.  When not given, a row starts at step 1
            and at the step after one whose ``dones`` ended its episode (its return restarts).
        avail_actions
            ``(batch, n_agents, n_actions)`` or ``(batch * n_agents, n_actions)`` bools, stored
            as ``avail_actions``.
        dones
            One bool for every row, ``(batch,)`` or ``(batch, 1)``: the rows whose episode ended
            with this step's actions (the session's ``done``; the episode views mark these steps
            as terminal).  ``(batch, n_agents)`` counts a row as done once all its agents are.
            Rows are not done unless given.
        states
            Further named states (any name but ``hidden``, without ``/``), each a float array
            with the rows of ``hidden``: ``{"c": c}`` (an LSTM's cell state),
            ``{"layer0.h": h0}``; the same names every step.
        trace
            The step's trace (:meth:`tracing` fills it in; ``watch`` passes its own).

        Arrays in another order, such as ``(n_agents, batch)``, are refused with a
        :class:`~hiddenscope.core.errors.UserError` naming the shapes taken.

        Examples
        --------
        >>> with hiddenscope.record("run.h5", n_agents=3) as rec:  # doctest: +SKIP
        ...     for t in range(100):
        ...         q, h = agent(obs, h)
        ...         rec.step(h, inputs=obs, outputs=q)
        """
        fields = {
            "inputs": inputs,
            "outputs": outputs,
            "actions": actions,
            "rewards": rewards,
            "episode_start": episode_start,
            "avail_actions": avail_actions,
            "dones": dones,
        }
        return self._take(hidden, fields, states or {}, trace, None, copy=True)

    def _take(
        self,
        hidden: Any,
        given: Mapping[str, Any],
        states: Mapping[str, Any],
        trace: list[TraceRecord] | None,
        step_ms: float | None,
        copy: bool,
    ) -> int:
        """Check the shapes here, queue the values (copies, unless ``copy`` is False: the caller's own)."""
        self._raise_failure()
        if self._sink.ended:
            raise UserError(f"the recording to {self.path} is closed")
        n = self.n_agents
        shape = _shape_of(hidden)
        batch, _, units = agent_rows(shape, n, "hidden")
        if batch == 0 or units == 0:
            raise UserError(f"hidden has shape {shape}: a step needs at least one row and one unit")
        dtype = _float_name(hidden, "hidden")
        shapes = {k: _shape_of(v) for k, v in given.items() if k in _FIXED and v is not None}
        shapes.update({f"states[{k!r}]": _shape_of(v) for k, v in states.items()})
        episodic = sorted(k for k in _EPISODIC if given.get(k) is not None)
        # The first step fixes the layout, once it passes every check: a refused first step fixes nothing.
        lay = self._layout or {
            "batch": batch,
            "units": units,
            "states": sorted(states or {}),
            "shapes": shapes,
            "episodic": bool(episodic),
        }
        if episodic and not lay["episodic"]:
            raise UserError(
                f"{episodic[0]} was not given at step 1, so it cannot be added at step {self.steps + 1}"
                " (the episode fields are laid out by the first step)"
            )
        if self._layout is None and self._init is not None:
            init_shape = _shape_of(self._init.value)
            if agent_rows(init_shape, n, "init") != (batch, n, units):
                raise UserError(f"init has shape {init_shape}; hidden is (batch {batch}, {n} agents, {units} units)")
        if given.get("inputs") is not None:
            in_shape = _shape_of(given["inputs"])
            if agent_rows(in_shape, n, "inputs")[0] != batch:
                raise UserError(f"inputs has shape {in_shape}, another batch than hidden's {batch}")
        if (batch, units) != (lay["batch"], lay["units"]):
            raise UserError(
                f"hidden is (batch {batch}, units {units}) at step {self.steps + 1},"
                f" (batch {lay['batch']}, units {lay['units']}) before"
            )
        if sorted(states or {}) != lay["states"]:
            raise UserError(f"states names {sorted(states or {})} at step {self.steps + 1}, {lay['states']} before")
        for name, value in (states or {}).items():
            if "/" in name or not name:
                raise UserError(f"a state's name must be non-empty and have no '/': {name!r}")
            if name == "hidden":
                raise UserError("a state may not be named 'hidden': that name reads hidden itself; name it otherwise")
            if agent_rows(_shape_of(value), n, f"states[{name!r}]")[0] != batch:
                raise UserError(f"states[{name!r}] has shape {_shape_of(value)}, another batch than hidden's {batch}")
            _float_name(value, f"states[{name!r}]")
        for name, shape in shapes.items():
            before = lay["shapes"].get(name)
            if before is None and name in given:
                raise UserError(f"{name} was not given at step 1, so it cannot be added at step {self.steps + 1}")
            if before is not None and shape != before:
                raise UserError(f"{name} has shape {shape} at step {self.steps + 1}, {before} before")
            if 0 in shape:
                raise UserError(f"{name} has shape {shape}: it holds no values")
        for name, (accepted, said) in _accepted(batch, n).items():
            value = given.get(name)
            if value is None:
                continue
            shape = _shape_of(value)
            if int(np.prod(shape)) != 1 and shape not in accepted:
                raise UserError(f"{name} has shape {shape}; with batch {batch} and n_agents {n} it must be {said}")
        for name in ("rewards", "dones", "episode_start"):
            value = given.get(name)
            if value is not None and not _is_tensor(value):
                kind = np.asarray(value).dtype
                if kind.kind not in "biuf":
                    raise UserError(f"{name} must be numbers or bools, got {kind} values")
        if given.get("actions") is not None:
            odd = _not_whole(given["actions"])
            if odd:
                raise UserError(f"actions must be whole numbers (each agent's action index), got {odd}")
        avail = given.get("avail_actions")
        if avail is not None:
            shape = _shape_of(avail)
            if shape[:-1] not in ((batch, n), (batch * n,)) or len(shape) not in (2, 3):
                raise UserError(
                    f"avail_actions has shape {shape}; it must be (batch, n_agents, n_actions) = ({batch}, {n}, A)"
                    f" or (batch * n_agents, n_actions) = ({batch * n}, A)"
                )
        self._layout = lay
        if self._tracer is not None and trace is None:
            trace = self._finish_trace(hidden, given.get("outputs"))
        now = time.perf_counter()
        copies = {k: _Copy(v, copy) for k, v in {"hidden": hidden, **given}.items() if v is not None}
        state_copies = {k: _Copy(v, copy) for k, v in states.items()}
        size = sum(c.nbytes for c in (*copies.values(), *state_copies.values()))
        self._wait_for_room(size)
        sink = self._sink
        if self.steps == 0:  # what the writer lays the file out with, read there once step 1 is queued
            sink.init, sink.dtype_name = self._init, dtype
        self.steps += 1
        sink.taken = self.steps
        ms = (now - self._last_time) * 1000.0 if step_ms is None else step_ms
        sink.queue.put((self.steps, copies, state_copies, trace, ms, size))
        self._last_time = now
        return self.steps

    def set_init(self, init: Any) -> None:
        """The initial state, index 0 of the session; only before the first :meth:`step`."""
        if self.steps:
            raise UserError("the initial state is written with the first step: set it before that")
        self._init = _Copy(init)

    def traces_step(self, t: int) -> bool:
        """Whether step ``t`` is one the recording traces (the first few, then every n-th)."""
        return self.trace_every > 0 and (t <= TRACE_FIRST or t % self.trace_every == 0)

    @contextlib.contextmanager
    def tracing(self, inputs: Any = None, hidden: Any = None) -> Iterator[None]:
        """Record the shape trace of the code run inside, for the next :meth:`step`, when it is one to trace.

        The trace's code column shows the caller's own lines.  ``inputs`` and ``hidden``
        (the tensors the step reads) label where each op's data came from.  A recording
        made without ``trace`` traces nothing (and says so once).

        Examples
        --------
        >>> with rec.tracing(inputs=x, hidden=h):  # doctest: +SKIP
        ...     q, h = agent(x, h)
        >>> rec.step(h, inputs=x, outputs=q)  # doctest: +SKIP
        """
        if self.trace_every == 0 and not self._warned_trace:
            self._warned_trace = True
            warnings.warn(
                f"hiddenscope.record: the recording to {self.path} traces nothing: it was made without trace"
                " (pass trace=True to hiddenscope.record)",
                stacklevel=3,
            )
        if not self.traces_step(self.steps + 1):
            yield
            return
        import torch

        roles = {}
        if inputs is not None:
            roles[id(inputs)] = ROLE_INPUT
        if hidden is not None:
            roles[id(hidden)] = ROLE_HIDDEN
        tracer = Recorder(self.steps + 1, "forward", roles)
        with torch.no_grad(), tracer:
            yield
        self._tracer = tracer

    def _finish_trace(self, hidden: Any, outputs: Any) -> list[TraceRecord]:
        tracer, self._tracer = self._tracer, None
        assert tracer is not None
        if _is_tensor(hidden):
            return tracer.finish(outputs if _is_tensor(outputs) else hidden, hidden)
        return tracer.records

    def _wait_for_room(self, size: int) -> None:
        sink = self._sink
        with sink.room:
            if sink.queued and sink.queued + size > sink.budget:
                began = time.perf_counter()
                while sink.queued and sink.queued + size > sink.budget and sink.error is None:
                    sink.room.wait(0.5)
                self.waited_s += time.perf_counter() - began
                if not self._warned:
                    self._warned = True
                    warnings.warn(
                        f"hiddenscope.record: the writer to {self.path} fell behind; step() waits for room in its"
                        f" queue ({sink.budget / 2**20:.0f} MiB, queue_mb=) and nothing is dropped",
                        stacklevel=4,
                    )
            sink.queued += size

    # -- ending ------------------------------------------------------------------------------------
    def _raise_failure(self) -> None:
        if self._sink.error is not None:
            self._drain()
            self._sink.raise_error()

    def _drain(self) -> None:
        """End the queue and wait for the writer to write what is in it."""
        self._finalizer.detach()  # closed here: nothing is left for the garbage collector or the exit to do
        self._sink.end()
        self._sink.thread.join()

    def close(self) -> Path:
        """Write what is queued and finish the file; returns its path."""
        return self._finish()

    def _finish(self, keep_old: bool = False, stacklevel: int = 4) -> Path:
        """Write what is queued and finish the file.  ``keep_old`` (the loop raised): a file it was to replace is
        left as it was, the new steps kept in the part file beside it, and a warning names both."""
        self._drain()
        kept = self._sink.finish(keep_old, "the loop raised", stacklevel)
        if kept is None:
            raise UserError(f"no step was recorded to {self.path}: nothing was written")
        return kept

    def abort(self) -> None:
        """Stop and remove what was written."""
        self._drain()
        self._sink.writer.abort()

    def _end(self, failed: bool, stacklevel: int = 4) -> None:
        """How a ``with`` block ends: closed; or, when it raised, the steps so far kept (a file it was to replace is
        left as it was, the steps kept beside it) and nothing at all when there were none."""
        if not failed:
            self.close()
        elif self.steps:  # whatever stopped the loop, the steps recorded so far are kept
            with contextlib.suppress(Exception):
                self._finish(keep_old=True, stacklevel=stacklevel)
        else:
            self.abort()

    @property
    def outcome(self) -> str:
        """Once closed: what the file holds, in words."""
        return self._sink.writer.outcome

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self._end(kind is not None)


def record(
    path: str | os.PathLike[str],
    n_agents: int,
    *,
    init: Any = None,
    force: bool = False,
    trace: bool | int = False,
    queue_mb: float = 512,
    **meta: Any,
) -> Recording:
    """Record hidden states from your own loop to the session ``path`` (``.h5`` or ``.hdf5``).

    Parameters
    ----------
    path
        The session file, ending in ``.h5`` or ``.hdf5``; it must not exist unless ``force``.
    n_agents
        Agents per environment: how ``(batch * n_agents, units)`` rows are split.
    init
        The initial hidden state, index 0 of the session (zeros when not given).
    force
        Replace an existing file (the old one stays whole until the new one is finished;
        when the ``with`` block raises, the old one is kept and the new steps stay in a
        part file beside it, which a warning names).
    trace
        Record shape traces through :meth:`Recording.tracing`: ``True`` for the first
        steps and every 100th, an int ``n`` (at least 1) for the first steps and every n-th.
    queue_mb
        How many MiB of steps may wait for the writer thread; when they are full,
        :meth:`Recording.step` waits for room (nothing is dropped).
    **meta
        Stored with the session (JSON): ``model="my LSTM policy"`` names the model in the
        app, ``device="cuda:0"`` the device it ran on, anything else is kept as ``meta``.

    Returns
    -------
    Recording
        A context manager; call :meth:`Recording.step` once per step.  One never closed
        is finished when garbage-collected or at exit, with a ``ResourceWarning``.

    Examples
    --------
    >>> import numpy as np, hiddenscope
    >>> with hiddenscope.record("/tmp/hs_doc.h5", n_agents=2, force=True) as rec:
    ...     for t in range(3):
    ...         _ = rec.step(np.full((4, 2, 8), t, np.float32))
    >>> len(hiddenscope.open_session("/tmp/hs_doc.h5"))
    4
    """
    return Recording(path, n_agents, init=init, force=force, trace=trace, queue_mb=queue_mb, **meta)
