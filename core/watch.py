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
- One copy of a cell per agent (EPyMARL's ``NonSharedMAC``: an ``nn.ModuleList`` of
  ``n_agents`` agent modules, each with its own cell called on ``(batch, units)``) is one
  cell, named ``agents.*.rnn``: the copies' states side by side, agent ``i`` from copy ``i``.
- An object that is not a module but holds one as ``agent`` (a PyMARL-family controller:
  ``BasicMAC``, ``NonSharedMAC``, PyMARL2's ``NMAC``) is watched through its ``forward``;
  its ``init_hidden`` marks every row's episode as starting at the next call.
- A TensorDict module (``tensordict.nn.TensorDictModuleBase``: a ``TensorDictSequential``,
  TorchRL's ``GRUModule``/``LSTMModule``, a BenchMARL policy) is read through the tensordict
  each call returns: the recurrent states the call wrote (TorchRL's RNN modules' state keys,
  keys named ``_hidden…`` such as BenchMARL's ``("agents", "_hidden_gru_0")``, or the keys
  given as ``state_keys``; their ``("next", …)`` entries when the call wrote those),
  ``(…, n_agents, layers, units)``, and the ``is_init`` entry beside the state (or at the
  root) as each row's episode start.  tensordict is only imported for such a module.
- ``trace=True`` records the shape trace of the call, with the user's own file lines.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from .errors import UserError
from .record import Recording, _count, agent_rows, trace_interval
from .trace import ROLE_HIDDEN, ROLE_INPUT, Recorder

__all__ = ["Watch", "watch"]

CELLS = (nn.GRUCell, nn.GRU, nn.LSTMCell, nn.LSTM, nn.RNN, nn.RNNCell)
_ANNOTATIONS = ("actions", "rewards", "episode_start", "avail_actions", "dones")
# TorchRL's recurrent TensorDict modules: the kinds of state their out_keys after the first hold.
_TD_RNNS = {"GRUModule": ("h",), "LSTMModule": ("h", "c")}

Key = tuple[str, ...]


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


def _sequence_length(cell: nn.Module, args: Any) -> int:
    """How many steps an ``nn.GRU``/``nn.LSTM``/``nn.RNN`` call ran: its input sequence's length (1 for a cell)."""
    if not isinstance(cell, nn.RNNBase) or not isinstance(args, tuple) or not args:
        return 1
    x = args[0]
    if isinstance(x, PackedSequence):
        return len(x.batch_sizes)
    if isinstance(x, torch.Tensor) and x.dim() in (2, 3):
        return int(x.shape[1] if x.dim() == 3 and cell.batch_first else x.shape[0])
    return 1


_SKIPPED = (os.path.dirname(torch.__file__), os.path.dirname(os.path.abspath(__file__)))


def _user_level() -> int:
    """The ``stacklevel`` of the first frame outside torch and hiddenscope, for a warning raised in a hook."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_SKIPPED):
        frame, level = frame.f_back, level + 1
    return level


def _agent_copy(root: nn.Module, name: str, n_agents: int) -> tuple[str, int] | None:
    """``("agents.*.rnn", 2)`` for the cell ``agents.2.rnn`` held inside the third of ``n_agents`` modules
    of an ``nn.ModuleList``; None for any other cell (a ModuleList of bare cells is a stack of layers)."""
    parts = name.split(".")
    for i, part in enumerate(parts[:-1]):
        if part.isdigit() and n_agents > 1:
            parent = root.get_submodule(".".join(parts[:i]))
            if isinstance(parent, nn.ModuleList) and len(parent) == n_agents:
                return ".".join([*parts[:i], "*", *parts[i + 1 :]]), int(part)
    return None


def _cell_groups(root: nn.Module, names: list[str], n_agents: int) -> list[tuple[str, list[str]]]:
    """The cells as recorded, each a label and its members: one member, or ``n_agents`` copies of a cell
    held one per agent (EPyMARL's ``NonSharedMAC``), in agent order, whose states are put side by side."""
    copies: dict[str, dict[int, str]] = {}
    order: list[tuple[str, bool]] = []
    for name in names:
        copy = _agent_copy(root, name, n_agents)
        if copy is None:
            order.append((name, False))
            continue
        if copy[0] not in copies:
            copies[copy[0]] = {}
            order.append((copy[0], True))
        copies[copy[0]][copy[1]] = name
    groups: list[tuple[str, list[str]]] = []
    for label, grouped in order:
        if not grouped:
            groups.append((label, [label]))
        elif sorted(copies[label]) == list(range(n_agents)):
            groups.append((label, [copies[label][i] for i in range(n_agents)]))
        else:  # not one copy for every agent: each is a cell of its own
            groups.extend((m, [m]) for _i, m in sorted(copies[label].items()))
    return groups


def is_tensordict_module(obj: Any) -> bool:
    """Whether ``obj`` is a ``tensordict.nn`` module (told from its classes; tensordict is not imported)."""
    return any(c.__module__.split(".")[0] == "tensordict" for c in type(obj).__mro__)


def _key(key: Any) -> Key:
    return (key,) if isinstance(key, str) else tuple(key)


def _bare(key: Key) -> Key:
    """A key without its leading ``"next"``: the state the key holds, whichever step it is for."""
    return key[1:] if len(key) > 1 and key[0] == "next" else key


def _label(key: Key) -> str:
    return ".".join(key)


def _td_get(td: Any, key: Key) -> Any:
    return td.get(key[0] if len(key) == 1 else key, None)


def _td_rows(td: Any, key: Key, value: torch.Tensor, n_agents: int) -> torch.Tensor | None:
    """``value`` (an entry of ``td``) as ``(rows, n_agents, layers, width)``, or None when it has no agent axis.

    The agents are the last batch dimension of the tensordict holding the entry (``("agents", …)`` in a
    multi-agent TorchRL tensordict) or else its first feature dimension; one or two feature dimensions
    follow them (``(units,)``, or ``(layers, units)`` as TorchRL's and BenchMARL's RNNs keep them).
    """
    holder = _td_get(td, key[:-1]) if len(key) > 1 else td
    dims = int(getattr(holder, "batch_dims", 0))
    shape = tuple(value.shape)
    lead, feat = shape[:dims], shape[dims:]
    if lead and lead[-1] == n_agents and len(feat) in (1, 2):
        layered = feat if len(feat) == 2 else (1, *feat)
    elif len(feat) in (2, 3) and feat[0] == n_agents:
        layered = feat[1:] if len(feat) == 3 else (1, feat[1])
    elif n_agents == 1 and len(feat) in (1, 2):  # one agent: every row of the tensordict is one
        layered = feat if len(feat) == 2 else (1, *feat)
    else:
        return None
    if value.numel() == 0:
        return None
    return value.reshape(-1, n_agents, *layered)


def _layer_states(parts: list[tuple[str, torch.Tensor]]) -> list[tuple[str, torch.Tensor]]:
    """Named states from ``(rows, n_agents, layers, units)`` ones: the top layer's, then each layer's."""
    named = [(kind, v[:, :, -1]) for kind, v in parts]
    layers = parts[0][1].shape[2]
    if layers > 1:
        for i in range(layers):
            named.extend((f"layer{i}.{kind}", v[:, :, i]) for kind, v in parts)
    return named


class Watch:
    """A module watched while a ``with`` block runs; made by :func:`watch`.

    Each call of the module makes one step; it is written when the next call begins (or
    the block ends), so :meth:`annotate` can add what only comes after the call: the
    actions taken, the rewards, which rows' episodes started or ended.

    Attributes
    ----------
    recording : Recording
        Where the steps go.
    cells : list of str
        The names of the recurrent cells found (``""``: the module itself; ``agents.*.rnn``:
        one copy per agent), ``hidden``'s first.  For a TensorDict module: the state keys
        read (dotted), once a call has written them.
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
        state_keys: Sequence[str | tuple[str, ...]] | None = None,
        **meta: Any,
    ) -> None:
        root = target if isinstance(target, nn.Module) else getattr(target, "agent", None)
        if not isinstance(root, nn.Module):
            raise UserError(
                f"watch needs a torch module, or a controller holding one as .agent; got {type(target).__name__}"
            )
        if isinstance(where, Recording) and where.n_agents != n_agents:
            raise UserError(
                f"watch was given n_agents = {n_agents}, but the recording to {where.path} was made with"
                f" n_agents = {where.n_agents}: give the same number to both"
            )
        every = trace_interval(trace, where.trace_every if isinstance(where, Recording) else 0)
        self.target, self.root, self.n_agents = target, root, n_agents
        self._tensordict = is_tensordict_module(root)
        self._cells: list[tuple[str, nn.Module]] = []
        self._groups: list[tuple[str, list[str]]] = []
        self._td_groups: list[tuple[str, list[tuple[str, Key]]]] = []
        self._named = state_keys is not None
        if state_keys is not None and not self._tensordict:
            raise UserError("state_keys name entries of a tensordict: watch takes them for a TensorDict module only")
        if self._tensordict:
            self._td_groups = self._tensordict_groups(state_keys)
            self.cells = [label for label, _ in self._td_groups]
        else:
            self._find_cells(cell)
        self._own = not isinstance(where, Recording)
        if isinstance(where, Recording):
            self.recording = where
        else:
            meta.setdefault("model", type(target).__name__)
            meta.setdefault("model_repr", repr(root))
            self.recording = Recording(where, n_agents, force=force, **meta)
        self.recording.trace_every = every
        self._handles: list[Any] = []
        self._patched: dict[str, Any] = {}
        self._seen: dict[str, list[tuple[str, torch.Tensor]]] = {}
        self._raw: dict[str, tuple[nn.Module, Any]] = {}  # while tracing: each cell's output, read after the call
        self._inputs: torch.Tensor | None = None
        self._tracer: Recorder | None = None
        self._pending: dict[str, Any] | None = None
        self._starting = False
        self._active = False
        self._calls = 0
        self._unfit = ""  # why a TensorDict module's state found by its name was left out
        self._warned_sequence = False

    def _find_cells(self, cell: str | nn.Module | None) -> None:
        root = self.root
        found: list[tuple[str, nn.Module]] = [(n, m) for n, m in root.named_modules() if isinstance(m, CELLS)]
        if not found:
            raise UserError(
                f"{type(root).__name__} holds no GRUCell, GRU, LSTMCell, LSTM, RNN or RNNCell: name the cell with cell="
            )
        groups = _cell_groups(root, [n for n, _ in found], self.n_agents)
        if cell is not None:
            try:
                chosen = root.get_submodule(cell) if isinstance(cell, str) else cell
            except AttributeError:
                names = ", ".join(n for n, _ in found if n)
                if not names:  # the module is the only cell: there is nothing to choose
                    raise UserError(
                        f"{type(root).__name__} has no submodule {cell!r}: it is itself the recurrent cell, so leave"
                        " cell out"
                    ) from None
                raise UserError(
                    f"{type(root).__name__} has no submodule {cell!r}; its recurrent cells: {names}"
                ) from None
            named = [name for name, m in found if m is chosen]
            if not named:
                raise UserError(f"cell {cell!r} is not a recurrent cell inside {type(root).__name__}")
            first = [g for g in groups if named[0] in g[1]]
            groups = first + [g for g in groups if g not in first]
        self._cells, self._groups = found, groups
        self.cells = [label for label, _ in groups]

    def _tensordict_groups(
        self, state_keys: Sequence[str | tuple[str, ...]] | None
    ) -> list[tuple[str, list[tuple[str, Key]]]]:
        """The states to read from a TensorDict module's calls, each a label and its (kind, key) entries."""
        if state_keys is not None:
            keys = [_bare(_key(k)) for k in state_keys]
            if not keys:
                raise UserError("state_keys is empty: name at least one recurrent state's key")
            return [(_label(k), [("h", k)]) for k in keys]
        groups = []
        for module in self.root.modules():
            kinds = next((_TD_RNNS[c.__name__] for c in type(module).__mro__ if c.__name__ in _TD_RNNS), None)
            out = list(getattr(module, "out_keys", None) or [])
            if kinds is not None and len(out) > len(kinds):
                keys = [_bare(_key(k)) for k in out[1 : 1 + len(kinds)]]
                groups.append((_label(keys[0]), list(zip(kinds, keys, strict=True))))
        return groups

    # -- installing and removing ----------------------------------------------------------------
    def __enter__(self) -> Watch:
        for name, module in self._cells:
            if not self._is_self(module):  # the module itself is read in its wrapped forward (see watched)
                self._handles.append(module.register_forward_hook(self._cell_hook(name)))
        if not self._tensordict:
            self._handles.append(self.root.register_forward_pre_hook(self._input_hook))
        self._patch("forward", self._wrap_forward)
        if callable(getattr(self.target, "init_hidden", None)):
            self._patch("init_hidden", self._wrap_init)
        self._active = True
        return self

    def _is_self(self, module: nn.Module) -> bool:
        """Whether ``module`` is the watched module itself, whose forward hooks would run after its step is taken."""
        return module is self.target

    def _patch(self, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        """Shadow the target's method ``name`` with an instance attribute; put back on exit."""
        own = self.target.__dict__
        self._patched[name] = own.get(name, _ABSENT)
        own[name] = wrap(getattr(self.target, name))

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self._close(True, failed=kind is not None)

    def close(self, kept: bool = True) -> None:
        """Remove the hooks, write the last step and (when it made it) finish the recording."""
        self._close(kept)

    def _close(self, kept: bool, failed: bool = False) -> None:
        """``kept``: the steps are kept (else removed); ``failed``: the block raised, so a file the recording was to
        replace is left as it was (as :func:`hiddenscope.record`'s ``with`` block does)."""
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
        except BaseException:
            failed = True  # the last step was refused: kept as a block that raised keeps them
            raise
        finally:
            if self._own:
                self._end_recording(kept, failed)
        if kept and not failed and self._tensordict and self._calls and not self.recording.steps:
            looked = ", ".join(self.cells) or "TorchRL RNN modules' states, keys named _hidden…"
            why = f" ({self._unfit})" if self._unfit else ""
            calls = f"{self._calls} call{'s' if self._calls > 1 else ''}"
            warnings.warn(
                f"hiddenscope.watch: {calls} of {type(self.root).__name__} wrote no recurrent state ({looked})"
                f" shaped per agent{why}; nothing was recorded. Name the state's key with state_keys=",
                stacklevel=3,  # the caller's with block or close()
            )

    def _end_recording(self, kept: bool, failed: bool) -> None:
        rec = self.recording
        if not kept or (not rec.steps and (failed or (self._tensordict and self._calls))):
            rec.abort()  # a TensorDict module called but writing no state is told below, with why
        elif failed:
            rec._end(True, stacklevel=6)
        elif not rec.steps:
            rec.abort()
            name = type(self.root).__name__
            why = (
                f"{name} was not called inside the with block"
                if not self._calls
                else f"{_count(self._calls, 'call')} of {name} never reached its recurrent cell"
            )
            raise UserError(f"no step was recorded to {rec.path}: nothing was written ({why})")
        else:
            rec.close()

    # -- what the hooks see ---------------------------------------------------------------------
    def _cell_hook(self, name: str) -> Callable[..., None]:
        def seen(module: nn.Module, args: Any, output: Any) -> None:
            length = _sequence_length(module, args)
            if length > 1 and not self._warned_sequence:
                self._warned_sequence = True
                label = f"{type(module).__name__} {name!r}" if name else type(module).__name__
                warnings.warn(
                    f"hiddenscope.watch: {label} ran a sequence of {length} steps in one call, recorded as one step"
                    " (its last state); to record every step, call it once per step, or give each step of its"
                    " output sequence to hiddenscope.record's rec.step",
                    stacklevel=_user_level(),
                )
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
            self._calls += 1
            if self.target is not self.root:  # a controller: its agent's inputs are taken inside the call
                self._inputs = None
            given = self._tensordict_of(args, kwargs)
            before: dict[Key, Any] = {}
            if given is not None:  # what the tensordict held before: the call's states are what it wrote
                before = {_key(k): v for k, v in given.items(True, True)}
            if rec.traces_step(rec.steps + 1):
                self._tracer = Recorder(rec.steps + 1, "forward", {})
                if given is not None:
                    self._label_tensordict(given)
                elif self.target is self.root:  # its pre-hook ran before this call: label its arguments here
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
            ms = (time.perf_counter() - began) * 1000.0
            if self._tensordict:
                written = result if is_tensordict(result) else given
                if written is not None:
                    self._take_tensordict(before, written, ms)
                else:
                    self._tracer = None
            else:
                for name, module in self._cells:
                    if self._is_self(module):  # a bare cell watched: its state is its own result
                        self._cell_hook(name)(module, args, result)
                self._take(result, ms)
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
        seen: dict[str, list[tuple[str, torch.Tensor]]] = {}
        for label, members in self._groups:
            if all(m in self._seen for m in members):
                parts = [self._seen[m] for m in members]
                if len(parts) == 1:
                    seen[label] = parts[0]
                else:  # one copy per agent: agent i's state is copy i's
                    with torch.no_grad():
                        seen[label] = [
                            (k, torch.stack([p[j][1] for p in parts], 1)) for j, (k, _) in enumerate(parts[0])
                        ]
        if not self._groups or self._groups[0][0] not in seen:
            self._inputs = None
            return  # the call did not reach the recurrent cell: nothing to record
        main_label, main_members = self._groups[0]
        hidden = seen[main_label][0][1]
        output = _first_tensor(result)
        trace = None
        if tracer is not None:
            left = _first_tensor(raw[main_members[0]][1])  # what the cell returned, as the trace saw it
            held = getattr(self.target, "hidden_states", None)
            if len(main_members) > 1 and isinstance(held, torch.Tensor):
                left = held  # the controller's own new state, the copies' states joined
            trace = tracer.finish(output if output is not None else hidden, left if left is not None else hidden)
        states = self._named_states(seen, main_label)
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

    @staticmethod
    def _named_states(seen: dict[str, list[tuple[str, torch.Tensor]]], main: str) -> dict[str, torch.Tensor]:
        """Every state but ``hidden``, by name: the main cell's as they are (``c``, ``layer0.h``), others' prefixed."""
        states: dict[str, torch.Tensor] = {}
        for name, parts in seen.items():
            for key, value in parts[1:] if name == main else parts:
                states[key if name == main else f"{name or 'cell'}.{key}"] = value
        return states

    # -- TensorDict modules ---------------------------------------------------------------------
    @staticmethod
    def _tensordict_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The tensordict a call was given, or None."""
        given = args[0] if args else kwargs.get("tensordict")
        return given if is_tensordict(given) else None

    def _label_tensordict(self, td: Any) -> None:
        """For the trace: the call's input entry and its recurrent states' entries."""
        assert self._tracer is not None
        states = {k for _, parts in self._td_groups for _, k in parts}
        for key in self._input_keys():
            value = _td_get(td, key)
            if isinstance(value, torch.Tensor):
                self._tracer.roles[id(value)] = ROLE_INPUT
                break
        for key, value in td.items(True, True):
            key = _key(key)
            if isinstance(value, torch.Tensor) and (key in states or key[-1].startswith("_hidden")):
                self._tracer.roles[id(value)] = ROLE_HIDDEN

    def _input_keys(self) -> list[Key]:
        states = {k for _, parts in self._td_groups for _, k in parts}
        keys = [_key(k) for k in getattr(self.root, "in_keys", None) or []]
        return [k for k in keys if k not in states and k[-1] != "is_init" and not k[-1].startswith("_hidden")]

    def _take_tensordict(self, before: dict[Key, Any], td: Any, ms: float) -> None:
        """A TensorDict module's call returned ``td``: gather the states it wrote, to be written at the next call."""
        tracer, self._tracer = self._tracer, None
        n = self.n_agents
        written: dict[Key, tuple[Key, torch.Tensor]] = {}  # state key (without "next") -> (entry, value)
        for entry, value in td.items(True, True):
            entry = _key(entry)
            if isinstance(value, torch.Tensor) and before.get(entry) is not value:
                bare = _bare(entry)
                if bare not in written or entry[0] == "next":
                    written[bare] = (entry, value)
        groups = list(self._td_groups)
        if not self._named:  # BenchMARL's and other states named _hidden…, beside the RNN modules'
            known = {k for _, parts in groups for _, k in parts}
            groups += [
                (_label(k), [("h", k)]) for k in sorted(written) if k[-1].startswith("_hidden") and k not in known
            ]
        seen: dict[str, list[tuple[str, torch.Tensor]]] = {}
        for label, parts in groups:
            if not all(k in written for _, k in parts):
                continue
            rows = [(kind, _td_rows(td, written[k][0], written[k][1], n)) for kind, k in parts]
            shaped = [(kind, v) for kind, v in rows if v is not None]
            if len(shaped) < len(rows):
                entry, value = written[parts[0][1]]
                unfit = (
                    f"{_label(entry)} has shape {tuple(value.shape)}: with n_agents = {n} a recurrent state must be"
                    f" (batch, {n}, units) or (batch, {n}, layers, units)"
                )
                if self._named:
                    raise UserError(unfit)
                self._unfit = unfit  # a state found by its name, not one per agent (a shared critic's): left out
                continue
            with torch.no_grad():
                seen[label] = [(k, v.detach().clone()) for k, v in _layer_states(shaped)]
        if not seen:
            return  # the call wrote no recurrent state (a training pass, say): nothing to record
        main = next(label for label, _ in groups if label in seen)
        self.cells = [label for label, _ in groups if label in seen]
        hidden = seen[main][0][1]
        rows_count = hidden.shape[0]
        trace = None
        output, output_raw = self._agent_entry(td, self._output_keys(written), rows_count)
        inputs, _ = self._agent_entry(td, self._input_keys(), rows_count)
        main_key = dict(groups)[main][0][1]
        if tracer is not None:
            left = written[main_key][1]  # the state as the call wrote it, as the trace saw it
            trace = tracer.finish(output_raw if output_raw is not None else left, left)
        fields: dict[str, Any] = {"inputs": inputs, "outputs": output}
        start = self._is_init(td, main_key, rows_count)
        if start is not None:
            fields["episode_start"] = start
        states = self._named_states(seen, main)
        self._pending = {"hidden": hidden, "fields": fields, "states": states, "trace": trace, "ms": ms}

    def _output_keys(self, written: dict[Key, tuple[Key, torch.Tensor]]) -> list[Key]:
        """The module's outputs the call wrote, last first (a policy's logits or action before its features)."""
        entries = {entry for entry, _ in written.values()}
        keys = [_key(k) for k in reversed(list(getattr(self.root, "out_keys", None) or []))]
        return [k for k in keys if k in entries and k[0] != "next" and not k[-1].startswith("_hidden")]

    def _agent_entry(self, td: Any, keys: list[Key], rows: int) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """The first float entry of ``keys`` with one ``(width,)`` vector per agent and row: a copy shaped
        ``(rows, n_agents, width)``, and the entry itself."""
        for key in keys:
            value = _td_get(td, key)
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                shaped = _td_rows(td, key, value, self.n_agents)
                if shaped is not None and shaped.shape[0] == rows and shaped.shape[2] == 1:
                    with torch.no_grad():
                        return shaped[:, :, 0].detach().clone(), value
        return None, None

    @staticmethod
    def _is_init(td: Any, state: Key, rows: int) -> np.ndarray | None:
        """Each row's episode start: the ``is_init`` entry beside the state, or the nearest one above it."""
        for depth in range(len(state) - 1, -1, -1):
            value = _td_get(td, (*state[:depth], "is_init"))
            if isinstance(value, torch.Tensor):
                if value.numel() == 0 or value.numel() % rows:
                    return None
                return value.detach().reshape(rows, -1).bool().any(1).cpu().numpy()
        return None

    def annotate(self, **values: Any) -> None:
        """Add to the step of the last call what came after it: ``actions``, ``rewards``, ``episode_start``,
        ``avail_actions``, ``dones`` (shaped as :meth:`Recording.step` takes them).

        Examples
        --------
        >>> with hiddenscope.watch(policy, "run.h5", 4) as w:  # doctest: +SKIP
        ...     q, h = policy(obs, h)
        ...     w.annotate(actions=q.argmax(-1), rewards=r, episode_start=first, dones=ended)
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


def is_tensordict(value: Any) -> bool:
    """Whether ``value`` is a tensordict (imports tensordict only when ``value`` comes from it)."""
    if not any(c.__module__.split(".")[0] == "tensordict" for c in type(value).__mro__):
        return False
    from tensordict import TensorDictBase

    return isinstance(value, TensorDictBase)


_ABSENT = object()


def watch(
    module: Any,
    path_or_recording: str | os.PathLike[str] | Recording | int,
    n_agents: int | str | os.PathLike[str] | Recording,
    *,
    cell: str | nn.Module | None = None,
    force: bool = False,
    trace: bool | int | None = None,
    state_keys: Sequence[str | tuple[str, ...]] | None = None,
    **meta: Any,
) -> Watch:
    """Record, on every call of ``module``, the state leaving its recurrent cell.

    Parameters
    ----------
    module
        A torch module holding a ``GRUCell``, ``GRU``, ``LSTMCell``, ``LSTM``, ``RNN`` or
        ``RNNCell`` at any depth, a controller holding one as ``agent`` (PyMARL's ``mac``),
        or a TensorDict module (TorchRL, BenchMARL), read through the tensordict it returns.
    path_or_recording
        A session file to write (``.h5`` or ``.hdf5``), or a :class:`Recording` to add the
        steps to (made with the same ``n_agents``).
    n_agents
        Agents per environment: the cell's ``batch * n_agents`` rows are split agent fastest.
        (``watch(module, n_agents, path)``, the order of earlier releases, reads the same.)
    cell
        The cell to read ``hidden`` from (a submodule's dotted name, or the module), when
        it is not the first one found.
    force
        Replace an existing file.
    trace
        Record the shape trace of each call with your own code's lines: ``True`` for the
        first steps and every 100th, an int ``n`` (at least 1) for the first steps and every n-th.
    state_keys
        A TensorDict module's recurrent states, the first giving ``hidden``: keys such as
        ``("agents", "_hidden_gru_0")``, read from their ``("next", …)`` entry when the call
        wrote one.  Without them: the states of TorchRL's ``GRUModule``/``LSTMModule`` inside
        the module and any entry named ``_hidden…`` the call wrote.
    **meta
        Stored with the session, as :func:`hiddenscope.record` does.

    Returns
    -------
    Watch
        A context manager; the hooks are in place inside the ``with`` block.  Each call of
        the module is one step: an ``nn.GRU``/``nn.LSTM`` given a whole sequence records its
        last state only, and warns once.  A block that recorded no step raises
        :class:`~hiddenscope.core.errors.UserError`, as :func:`hiddenscope.record` does (a
        TensorDict module called without writing a recurrent state warns instead, saying why).

    Examples
    --------
    >>> import torch, hiddenscope
    >>> cell = torch.nn.GRUCell(4, 8)
    >>> with hiddenscope.watch(cell, "/tmp/hs_watch.h5", 2, force=True):
    ...     h = torch.zeros(6, 8)
    ...     for t in range(3):
    ...         h = cell(torch.randn(6, 4), h)
    >>> hiddenscope.open_session("/tmp/hs_watch.h5").shape
    (3, 2, 8)
    """
    if isinstance(path_or_recording, int) and not isinstance(n_agents, int):
        path_or_recording, n_agents = n_agents, path_or_recording  # the earlier order, watch(module, n_agents, path)
    if not isinstance(n_agents, int) or isinstance(path_or_recording, int):
        raise UserError(f"watch(module, path, n_agents): n_agents must be a number of agents, not {n_agents!r}")
    return Watch(
        module, n_agents, path_or_recording, cell=cell, force=force, trace=trace, state_keys=state_keys, **meta
    )
