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
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .config import Config
from .episodes import EpisodeStep
from .errors import UserError
from .files import check_output_path
from .history import Frame
from .session import SessionWriter
from .trace import ROLE_HIDDEN, ROLE_INPUT, Recorder, TraceRecord

__all__ = ["Recording", "record"]

_FLOATS = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
TRACE_FIRST = 8  # with tracing on, the first steps are all traced; then every n-th
TRACE_EVERY = 100
_BLOCK_STEP_BYTES = 256 * 2**10  # steps this small are written in blocks of up to _BLOCK_STEPS
_BLOCK_STEPS = 64
_FIXED = ("inputs", "outputs", "avail_actions")  # arrays whose shape the first step fixes for the file


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _shape_of(value: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in value.shape) if hasattr(value, "shape") else np.shape(value)


def _dtype_name(value: Any) -> str:
    """``float32`` for a torch or numpy float dtype."""
    return str(value.dtype).replace("torch.", "")


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


class Recording:
    """A session being written from the caller's own loop; made by :func:`record`.

    Use it as a context manager, or call :meth:`close` (keeps what was written) or
    :meth:`abort`.  Index 0 of the session is the initial state (``init``, zeros if not
    given); the k-th :meth:`step` is index (and timestep) ``k``.

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
        self.path = Path(path)
        self.n_agents = n_agents
        self.meta = meta
        self.trace_every = 0 if trace is False else TRACE_EVERY if trace is True else int(trace)
        check_output_path(path, force, "session file", force_hint="pass force=True")  # said as Python says it
        self._writer = SessionWriter(path, force=force)
        self._init = _Copy(init) if init is not None else None
        self._layout: dict[str, Any] | None = None  # shapes fixed by the first step
        self.steps = 0
        self.waited_s = 0.0
        self._warned = False
        self._budget = int(queue_mb * 2**20)
        self._queued = 0
        self._room = threading.Condition()
        self._queue: queue.Queue[tuple | None] = queue.Queue()
        self._error: BaseException | None = None
        self._closed = False
        self._last_time = time.perf_counter()
        self._tracer: Recorder | None = None
        self._written: dict[str, Any] = {}
        self._worker = threading.Thread(target=self._write_loop, name="hiddenscope record", daemon=True)
        self._worker.start()

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
            ``(batch * n_agents, units)`` (agent fastest) or ``(n_agents, units)``; a torch
            tensor (any device, float dtype kept as given; bfloat16 is stored as float32)
            or a numpy array.
        inputs, outputs
            What went into the step and what it gave, shaped like ``hidden``; outputs of
            another shape are stored as given.
        actions
            ``(batch, n_agents)`` (or ``(batch * n_agents,)``, or with a trailing 1) whole numbers.
        rewards
            ``(batch,)`` (summed over agents when ``(batch, n_agents)``).
        episode_start
            ``(batch,)`` bools, or one bool for every row: the rows whose episode starts
            with this step's observation.  Rows start at step 1 unless given.
        avail_actions
            ``(batch, n_agents, n_actions)`` bools, stored as ``avail_actions``.
        dones
            ``(batch,)`` bools, or one bool for every row: the rows whose episode ended with
            this step's actions (the session's ``done``; the episode views mark these steps
            as terminal).  ``(batch, n_agents)`` counts a row as done once all its agents are.
            Rows are not done unless given.
        states
            Further named states, each shaped like ``hidden``: ``{"c": c}`` (an LSTM's
            cell state), ``{"layer0.h": h0}``; the same names every step.
        trace
            The step's trace (:meth:`tracing` fills it in; ``watch`` passes its own).

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
        if self._closed:
            raise UserError(f"the recording to {self.path} is closed")
        n = self.n_agents
        batch, _, units = agent_rows(_shape_of(hidden), n, "hidden")
        shapes = {k: _shape_of(v) for k, v in given.items() if k in _FIXED and v is not None}
        shapes.update({f"states[{k!r}]": _shape_of(v) for k, v in states.items()})
        # The first step fixes the layout, once it passes every check: a refused first step fixes nothing.
        lay = self._layout or {"batch": batch, "units": units, "states": sorted(states or {}), "shapes": shapes}
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
            if agent_rows(_shape_of(value), n, f"states[{name!r}]")[0] != batch:
                raise UserError(f"states[{name!r}] has shape {_shape_of(value)}, another batch than hidden's {batch}")
        for name, shape in shapes.items():
            before = lay["shapes"].get(name)
            if before is None and name in given:
                raise UserError(f"{name} was not given at step 1, so it cannot be added at step {self.steps + 1}")
            if before is not None and shape != before:
                raise UserError(f"{name} has shape {shape} at step {self.steps + 1}, {before} before")
        sizes = {  # what each per-row or per-agent value may hold: one for all, a row's, an agent's
            "dones": ((1, batch, batch * n), f"one bool, (batch,) = ({batch},) or (batch, n_agents) = ({batch}, {n})"),
            "episode_start": ((1, batch), f"one bool or (batch,) = ({batch},)"),
            "rewards": (
                (1, batch, batch * n),
                f"one number, (batch,) = ({batch},) or (batch, n_agents) = ({batch}, {n})",
            ),
            "actions": ((1, batch * n), f"one action or (batch, n_agents) = ({batch}, {n})"),
        }
        for name, (allowed, said) in sizes.items():
            value = given.get(name)
            if value is not None and int(np.prod(_shape_of(value))) not in allowed:
                raise UserError(f"{name} has shape {_shape_of(value)}; it must be {said}")
        self._layout = lay
        if self._tracer is not None and trace is None:
            trace = self._finish_trace(hidden, given.get("outputs"))
        now = time.perf_counter()
        copies = {k: _Copy(v, copy) for k, v in {"hidden": hidden, **given}.items() if v is not None}
        state_copies = {k: _Copy(v, copy) for k, v in states.items()}
        size = sum(c.nbytes for c in (*copies.values(), *state_copies.values()))
        self._wait_for_room(size)
        self.steps += 1
        ms = (now - self._last_time) * 1000.0 if step_ms is None else step_ms
        self._queue.put((self.steps, copies, state_copies, trace, ms, size))
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
        (the tensors the step reads) label where each op's data came from.

        Examples
        --------
        >>> with rec.tracing(inputs=x, hidden=h):  # doctest: +SKIP
        ...     q, h = agent(x, h)
        >>> rec.step(h, inputs=x, outputs=q)  # doctest: +SKIP
        """
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
        with self._room:
            if self._queued and self._queued + size > self._budget:
                began = time.perf_counter()
                while self._queued and self._queued + size > self._budget and self._error is None:
                    self._room.wait(0.5)
                self.waited_s += time.perf_counter() - began
                if not self._warned:
                    self._warned = True
                    warnings.warn(
                        f"hiddenscope.record: the writer to {self.path} fell behind; step() waits for room in its"
                        f" queue ({self._budget / 2**20:.0f} MiB, queue_mb=) and nothing is dropped",
                        stacklevel=3,
                    )
            self._queued += size

    # -- writing (the writer's thread) ----------------------------------------------------------
    def _write_loop(self) -> None:
        returns: np.ndarray | None = None
        while True:
            item = self._queue.get()
            if item is None:
                return
            items = [item]
            # Small steps queued behind this one go to the file together: one write per dataset for all of them
            # (a step of a few KiB costs the writer more in HDF5 calls than in bytes, and holds the GIL the loop wants).
            while item[-1] <= _BLOCK_STEP_BYTES and len(items) < _BLOCK_STEPS:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # seen again once these are written
                    break
                items.append(nxt)
                if nxt[-1] > _BLOCK_STEP_BYTES:
                    break
            try:
                if self._error is None:
                    block = []
                    for t, copies, state_copies, trace, step_ms, _size in items:
                        frame, extra, returns = self._frame(t, copies, state_copies, trace, step_ms, returns)
                        block.append((frame, extra))
                    self._writer.append_many(block)
            except BaseException as exc:  # reported to the caller at its next step or close
                self._error = exc
            finally:
                with self._room:
                    self._queued -= sum(it[-1] for it in items)
                    self._room.notify_all()

    def _frame(
        self,
        t: int,
        copies: dict[str, _Copy],
        state_copies: dict[str, _Copy],
        trace: list[TraceRecord] | None,
        step_ms: float,
        returns: np.ndarray | None,
    ) -> tuple[Frame, dict[str, np.ndarray], np.ndarray | None]:
        """Step ``t`` as the session's frame and extra datasets (laying the file out at t = 1); the returns so far."""
        n = self.n_agents
        values = {k: c.numpy() for k, c in copies.items()}
        hidden = values["hidden"]
        batch, _, units = agent_rows(hidden.shape, n, "hidden")

        def per_agent(name: str, array: np.ndarray) -> np.ndarray:
            return array.reshape(agent_rows(array.shape, n, name))

        states = {f"states/{k}": per_agent(f"states[{k!r}]", c.numpy()) for k, c in state_copies.items()}
        inputs = per_agent("inputs", values["inputs"]) if "inputs" in values else None
        outputs = values.get("outputs")
        if outputs is not None:
            with contextlib.suppress(UserError):
                outputs = per_agent("outputs", outputs)
        episodic = any(k in values for k in ("actions", "rewards", "episode_start", "dones"))
        if t == 1:
            self._lay_out(hidden, inputs, outputs, states, values.get("avail_actions"), episodic)
        lay = self._written
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
            start = np.broadcast_to(np.asarray(values.get("episode_start", t == 1), bool), (batch,)).copy()
            actions = np.asarray(values.get("actions", -1)).astype(np.int64)
            if actions.ndim and actions.shape[-1] == 1 and actions.ndim > 1:
                actions = actions[..., 0]
            actions = np.broadcast_to(actions.reshape(-1) if actions.ndim else actions, (batch * n,)).reshape(batch, n)
            rewards = np.asarray(values.get("rewards", 0.0), np.float32)
            if rewards.ndim == 2:
                rewards = rewards.sum(axis=1)
            rewards = np.broadcast_to(rewards.reshape(-1) if rewards.ndim else rewards, (batch,)).copy()
            before = returns if returns is not None else np.zeros(batch, np.float32)
            returns = np.where(start, rewards, before + rewards).astype(np.float32)
            episode = EpisodeStep(start, actions, rewards, returns, _row_dones(values.get("dones"), batch, n))
        frame = Frame(t, hidden, inputs.astype(np.float32, copy=False), outputs, trace, step_ms, episode)
        return frame, extra, returns

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
        name = _dtype_name(hidden)
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
            )
        )
        config.update(units=units, device_used=self._device, stored_dtype=np.dtype(dtype).name)
        config["states"] = sorted(k.removeprefix("states/") for k in states)
        config["inputs_recorded"] = inputs is not None
        extra: dict[str, tuple[tuple[int, ...], Any]] = {k: ((batch, n, v.shape[-1]), dtype) for k, v in states.items()}
        if avail_shape is not None:
            extra["avail_actions"] = (avail_shape, bool)
        attrs = {
            "config": config,
            "model": config["model"],
            "model_repr": str(self.meta.get("model_repr", "")),
            "meta": json.dumps(self.meta, default=str),
        }
        self._writer.start(
            attrs,
            (batch, n, units),
            tuple(input_shape),
            tuple(outputs.shape) if outputs is not None else None,
            (batch, n) if episodic else None,
            dtype=dtype,
            extra=extra,
        )
        self._written = {"dtype": dtype, "inputs": input_shape, "avail": avail_shape, "episodic": episodic}
        init = self._init.numpy() if self._init is not None else np.zeros((batch, n, units), dtype)
        init = init.reshape(agent_rows(init.shape, n, "init")).astype(dtype, copy=False)
        if init.shape != (batch, n, units):
            raise UserError(f"init has shape {init.shape}, hidden {(batch, n, units)}")
        zero_states = {k: np.zeros_like(v, dtype) for k, v in states.items()}
        self._writer.append(Frame(0, init, None, None, None, 0.0), zero_states)

    @property
    def _device(self) -> str:
        return str(self.meta.get("device", "")) or "cpu"

    # -- ending ------------------------------------------------------------------------------------
    def _raise_failure(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._closed = True
            self._queue.put(None)
            with contextlib.suppress(Exception):
                self._writer.close()
            raise error

    def _drain(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
        self._worker.join()

    def close(self) -> Path:
        """Write what is queued and finish the file; returns its path."""
        self._drain()
        if self._error is not None:
            error, self._error = self._error, None
            with contextlib.suppress(Exception):
                self._writer.close()
            raise error
        if self._writer.steps == 0:  # no step: nothing to lay out, so nothing is left behind
            self._writer.abort()
            raise UserError(f"no step was recorded to {self.path}: nothing was written")
        self._writer.close()
        return self.path

    def abort(self) -> None:
        """Stop and remove what was written."""
        self._drain()
        self._writer.abort()

    @property
    def outcome(self) -> str:
        """Once closed: what the file holds, in words."""
        return self._writer.outcome

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            self.close()
        elif self.steps:  # whatever stopped the loop, the steps recorded so far are kept
            with contextlib.suppress(Exception):
                self.close()
        else:
            self.abort()


def record(
    path: str | os.PathLike[str],
    n_agents: int,
    *,
    init: Any = None,
    force: bool = False,
    trace: bool | int = False,
    **meta: Any,
) -> Recording:
    """Record hidden states from your own loop to the session ``path`` (``.h5``).

    Parameters
    ----------
    path
        The session file; it must not exist unless ``force``.
    n_agents
        Agents per environment: how ``(batch * n_agents, units)`` rows are split.
    init
        The initial hidden state, index 0 of the session (zeros when not given).
    force
        Replace an existing file (the old one stays whole until the new one is finished).
    trace
        Record shape traces through :meth:`Recording.tracing`: ``True`` for the first
        steps and every 100th, an int ``n`` for the first steps and every n-th.
    **meta
        Stored with the session (JSON): ``model="my LSTM policy"`` names the model in the
        app, ``device="cuda:0"`` the device it ran on, anything else is kept as ``meta``.

    Returns
    -------
    Recording
        A context manager; call :meth:`Recording.step` once per step.

    Examples
    --------
    >>> import numpy as np, hiddenscope
    >>> with hiddenscope.record("/tmp/hs_doc.h5", n_agents=2, force=True) as rec:
    ...     for t in range(3):
    ...         _ = rec.step(np.full((4, 2, 8), t, np.float32))
    >>> len(hiddenscope.open_session("/tmp/hs_doc.h5"))
    4
    """
    return Recording(path, n_agents, init=init, force=force, trace=trace, **meta)
