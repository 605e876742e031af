"""Recording a user's recurrent module as it runs, with forward hooks: :func:`watch`.

:func:`watch` finds the recurrent cells inside a module (``nn.GRUCell``, ``nn.GRU``,
``nn.LSTMCell``, ``nn.LSTM``, ``nn.RNN``, ``nn.RNNCell``, at any depth and under any
attribute names) and, on every call of the module, records the state that left them
to a session (through :class:`~hiddenscope.core.record.Recording`).  Nothing in the
user's code changes: the hooks only look, and are removed when the ``with`` block ends.

- The first cell found (or the one named by ``cell``) gives ``hidden``: its new
  ``h`` (the last layer's, for a multi-layer RNN).  An LSTM's cell state is the named
  state ``c``; a multi-layer RNN gives ``layer0.h``, ``layer1.h``, … (and ``.c``); any
  further cell gives ``<its name>.h``.
- The module's first tensor argument is the step's inputs and its first tensor result
  the outputs, where their shapes fit ``(batch, n_agents, …)``.
- An object that is not a module but holds one as ``agent`` (a PyMARL-family controller:
  ``BasicMAC``, ``NonSharedMAC``'s shared layout, PyMARL2's ``NMAC``) is watched through
  its ``forward``; its ``init_hidden`` marks every row's episode as starting at the next call.
- ``trace=True`` records the shape trace of the call, with the user's own file lines.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from .errors import UserError
from .record import Recording, agent_rows
from .trace import ROLE_HIDDEN, ROLE_INPUT, Recorder

__all__ = ["Watch", "watch"]

CELLS = (nn.GRUCell, nn.GRU, nn.LSTMCell, nn.LSTM, nn.RNN, nn.RNNCell)
_ANNOTATIONS = ("actions", "rewards", "episode_start", "avail_actions")


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _cell_states(cell: nn.Module, output: Any) -> list[tuple[str, torch.Tensor]]:
    """The named states a cell's output holds, the main ``h`` first."""
    if isinstance(cell, (nn.GRUCell, nn.RNNCell)):
        return [("h", output)]
    if isinstance(cell, nn.LSTMCell):
        return [("h", output[0]), ("c", output[1])]
    if isinstance(cell, (nn.GRU, nn.RNN, nn.LSTM)):
        finals = output[1]
        parts = [("h", finals[0]), ("c", finals[1])] if isinstance(cell, nn.LSTM) else [("h", finals)]
        directions = 2 if cell.bidirectional else 1
        top = (cell.num_layers - 1) * directions
        named = [(kind, states[top]) for kind, states in parts]
        if cell.num_layers > 1 or directions > 1:
            for i in range(cell.num_layers * directions):
                layer = f"layer{i // directions}" + (".reverse" if i % directions else "")
                named.extend((f"{layer}.{kind}", states[i]) for kind, states in parts)
        return named
    raise TypeError(f"not a recurrent cell: {type(cell).__name__}")


class Watch:
    """A module watched while a ``with`` block runs; made by :func:`watch`.

    Each call of the module makes one step; it is written when the next call begins (or
    the block ends), so :meth:`annotate` can add what only comes after the call: the
    actions taken, the rewards, which rows' episodes started.

    Attributes
    ----------
    recording : Recording
        Where the steps go.
    cells : list of str
        The names of the recurrent cells found (``""``: the module itself), ``hidden``'s first.
    """

    def __init__(
        self,
        target: Any,
        n_agents: int,
        where: str | os.PathLike[str] | Recording,
        *,
        cell: str | nn.Module | None = None,
        force: bool = False,
        trace: bool | int | None = None,
        **meta: Any,
    ) -> None:
        root = target if isinstance(target, nn.Module) else getattr(target, "agent", None)
        if not isinstance(root, nn.Module):
            raise UserError(
                f"watch needs a torch module, or a controller holding one as .agent; got {type(target).__name__}"
            )
        self.target, self.root, self.n_agents = target, root, n_agents
        found: list[tuple[str, nn.Module]] = [(n, m) for n, m in root.named_modules() if isinstance(m, CELLS)]
        if cell is not None:
            chosen = root.get_submodule(cell) if isinstance(cell, str) else cell
            named = [(name, m) for name, m in root.named_modules() if m is chosen]
            if not named:
                raise UserError(f"cell {cell!r} is not a submodule of {type(root).__name__}")
            found = named + [(n, m) for n, m in found if m is not chosen]
        if not found:
            raise UserError(
                f"{type(root).__name__} holds no GRUCell, GRU, LSTMCell, LSTM, RNN or RNNCell: name the cell with cell="
            )
        self.cells = [name for name, _ in found]
        self._cells = found
        self._own = not isinstance(where, Recording)
        if isinstance(where, Recording):
            self.recording = where
        else:
            meta.setdefault("model", type(target).__name__)
            meta.setdefault("model_repr", repr(root))
            self.recording = Recording(where, n_agents, force=force, **meta)
        every = (
            self.recording.trace_every if trace is None else 0 if trace is False else 100 if trace is True else trace
        )
        self.recording.trace_every = int(every)
        self._handles: list[Any] = []
        self._patched: dict[str, Any] = {}
        self._seen: dict[str, list[tuple[str, torch.Tensor]]] = {}
        self._raw: dict[str, tuple[nn.Module, Any]] = {}  # while tracing: each cell's output, read after the call
        self._inputs: torch.Tensor | None = None
        self._tracer: Recorder | None = None
        self._pending: dict[str, Any] | None = None
        self._starting = False
        self._active = False

    # -- installing and removing ----------------------------------------------------------------
    def __enter__(self) -> Watch:
        for name, module in self._cells:
            self._handles.append(module.register_forward_hook(self._cell_hook(name)))
        self._handles.append(self.root.register_forward_pre_hook(self._input_hook))
        self._patch("forward", self._wrap_forward)
        if callable(getattr(self.target, "init_hidden", None)):
            self._patch("init_hidden", self._wrap_init)
        self._active = True
        return self

    def _patch(self, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        """Shadow the target's method ``name`` with an instance attribute; put back on exit."""
        own = self.target.__dict__
        self._patched[name] = own.get(name, _ABSENT)
        own[name] = wrap(getattr(self.target, name))

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self.close(kept=kind is None or self.recording.steps > 0 or self._pending is not None)

    def close(self, kept: bool = True) -> None:
        """Remove the hooks, write the last step and (when it made it) finish the recording."""
        if self._active:
            self._active = False
            for handle in self._handles:
                handle.remove()
            self._handles.clear()
            for name, before in self._patched.items():
                if before is _ABSENT:
                    self.target.__dict__.pop(name, None)
                else:
                    self.target.__dict__[name] = before
            self._patched.clear()
        try:
            self._flush()
        finally:
            if self._own:
                if kept and self.recording.steps:
                    self.recording.close()
                else:
                    self.recording.abort()

    # -- what the hooks see ---------------------------------------------------------------------
    def _cell_hook(self, name: str) -> Callable[..., None]:
        def seen(module: nn.Module, _args: Any, output: Any) -> None:
            # While tracing, any op here (indexing, copying) would be traced as the user's own: the output
            # is kept as it is and read once the call returns.
            if self._tracer is not None:
                self._raw[name] = (module, output)
            else:
                self._seen[name] = [(k, v.detach().clone()) for k, v in _cell_states(module, output)]

        return seen

    def _input_hook(self, _module: nn.Module, args: Any) -> None:
        inputs = _first_tensor(args[:1])
        hidden = _first_tensor(args[1:2])
        if self._tracer is not None:
            if inputs is not None:
                self._tracer.roles[id(inputs)] = ROLE_INPUT
            if hidden is not None:
                self._tracer.roles[id(hidden)] = ROLE_HIDDEN
        if inputs is not None:
            self._inputs = inputs if self._tracer is not None else inputs.detach().clone()

    def _wrap_forward(self, forward: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            self._flush()
            rec = self.recording
            self._seen, self._raw = {}, {}
            if self.target is not self.root:  # a controller: its agent's inputs are taken inside the call
                self._inputs = None
            if rec.traces_step(rec.steps + 1):
                self._tracer = Recorder(rec.steps + 1, "forward", {})
                if self.target is self.root:  # its pre-hook ran before this call: label its arguments here
                    self._input_hook(self.root, args)
            began = time.perf_counter()
            try:
                if self._tracer is not None:
                    with self._tracer:
                        result = forward(*args, **kwargs)
                else:
                    result = forward(*args, **kwargs)
            except BaseException:
                self._tracer = None
                raise
            self._take(result, (time.perf_counter() - began) * 1000.0)
            return result

        return watched

    def _wrap_init(self, init_hidden: Callable[..., Any]) -> Callable[..., Any]:
        def starting(*args: Any, **kwargs: Any) -> Any:
            result = init_hidden(*args, **kwargs)
            self._flush()
            self._starting = True  # every row's episode starts with the next call
            if self.recording.steps == 0 and self.recording._init is None:
                state = getattr(self.target, "hidden_states", None)
                with contextlib.suppress(UserError, AttributeError):
                    if isinstance(state, torch.Tensor):
                        agent_rows(tuple(state.shape), self.n_agents, "init")
                        self.recording.set_init(state)
            return result

        return starting

    def _take(self, result: Any, ms: float) -> None:
        """The call returned: gather its step (copies of what it left), to be written at the next call."""
        tracer, self._tracer = self._tracer, None
        raw, self._raw = self._raw, {}
        for name, (module, out) in raw.items():
            self._seen[name] = [(k, v) for k, v in _cell_states(module, out)]
        if not self.cells or self.cells[0] not in self._seen:
            self._inputs = None
            return  # the call did not reach the recurrent cell: nothing to record
        main = self._seen[self.cells[0]]
        hidden = main[0][1]
        output = _first_tensor(result)
        trace = None
        if tracer is not None:
            left = _first_tensor(raw[self.cells[0]][1])  # what the cell returned, as the trace saw it
            trace = tracer.finish(output if output is not None else hidden, left if left is not None else hidden)
        states: dict[str, torch.Tensor] = {}
        for name, parts in self._seen.items():
            for key, value in parts[1:] if name == self.cells[0] else parts:
                states[key if name == self.cells[0] else f"{name or 'cell'}.{key}"] = value
        fields: dict[str, Any] = {"inputs": self._inputs, "outputs": output}
        self._inputs = None
        n = self.n_agents
        for key in ("inputs", "outputs"):  # kept only where their rows are the agents'
            value = fields[key]
            if value is not None:
                try:
                    batch = agent_rows(tuple(value.shape), n, key)[0]
                except UserError:
                    batch = -1
                if batch != agent_rows(tuple(hidden.shape), n, "hidden")[0]:
                    fields[key] = None
        with torch.no_grad():
            fields = {k: v.detach().clone() if isinstance(v, torch.Tensor) else v for k, v in fields.items()}
            if tracer is not None:  # kept as they were while tracing: copied now, outside the trace
                hidden = hidden.detach().clone()
                states = {k: v.detach().clone() for k, v in states.items()}
        if self._starting:
            fields["episode_start"] = np.ones((), bool)
            self._starting = False
        self._pending = {"hidden": hidden, "fields": fields, "states": states, "trace": trace, "ms": ms}

    def annotate(self, **values: Any) -> None:
        """Add to the step of the last call what came after it: ``actions``, ``rewards``, ``episode_start``,
        ``avail_actions`` (shaped as :meth:`Recording.step` takes them).

        Examples
        --------
        >>> with hiddenscope.watch(policy, 4, "run.h5") as w:  # doctest: +SKIP
        ...     q, h = policy(obs, h)
        ...     w.annotate(actions=q.argmax(-1), rewards=r, episode_start=first)
        """
        unknown = set(values) - set(_ANNOTATIONS)
        if unknown:
            raise TypeError(f"annotate takes {', '.join(_ANNOTATIONS)}; not {', '.join(sorted(unknown))}")
        if self._pending is None:
            raise UserError("annotate goes after a call of the watched module: no step is waiting for it")
        for key, value in values.items():
            if value is not None:
                copy = value.detach().clone() if isinstance(value, torch.Tensor) else np.array(value, copy=True)
                self._pending["fields"][key] = copy

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self.recording._take(
                pending["hidden"], pending["fields"], pending["states"], pending["trace"], pending["ms"], copy=False
            )


_ABSENT = object()


def watch(
    module: Any,
    n_agents: int,
    path_or_recording: str | os.PathLike[str] | Recording,
    *,
    cell: str | nn.Module | None = None,
    force: bool = False,
    trace: bool | int | None = None,
    **meta: Any,
) -> Watch:
    """Record, on every call of ``module``, the state leaving its recurrent cell.

    Parameters
    ----------
    module
        A torch module holding a ``GRUCell``, ``GRU``, ``LSTMCell``, ``LSTM``, ``RNN`` or
        ``RNNCell`` at any depth, or a controller holding one as ``agent`` (PyMARL's ``mac``).
    n_agents
        Agents per environment: the cell's ``batch * n_agents`` rows are split agent fastest.
    path_or_recording
        A session file to write (``.h5``), or a :class:`Recording` to add the steps to.
    cell
        The cell to read ``hidden`` from (a submodule's dotted name, or the module), when
        it is not the first one found.
    force
        Replace an existing file.
    trace
        Record the shape trace of each call with your own code's lines: ``True`` for the
        first steps and every 100th, an int ``n`` for the first steps and every n-th.
    **meta
        Stored with the session, as :func:`hiddenscope.record` does.

    Returns
    -------
    Watch
        A context manager; the hooks are in place inside the ``with`` block.

    Examples
    --------
    >>> import torch, hiddenscope
    >>> cell = torch.nn.GRUCell(4, 8)
    >>> with hiddenscope.watch(cell, 2, "/tmp/hs_watch.h5", force=True):
    ...     h = torch.zeros(6, 8)
    ...     for t in range(3):
    ...         h = cell(torch.randn(6, 4), h)
    >>> hiddenscope.open_session("/tmp/hs_watch.h5").shape
    (3, 2, 8)
    """
    if isinstance(n_agents, (str, os.PathLike, Recording)) and isinstance(path_or_recording, int):
        n_agents, path_or_recording = path_or_recording, n_agents  # watch(module, path, n_agents) reads the same
    return Watch(module, n_agents, path_or_recording, cell=cell, force=force, trace=trace, **meta)
