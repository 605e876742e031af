"""Recording what the hidden state really goes through, from the live tensors.

A :class:`torch.overrides.TorchFunctionMode` sees every tensor operation a model
runs.  For each one that produces a tensor, the recorder notes the operation,
the line of the caller's source that ran it, and the result's shape, stride,
contiguity, device, dtype and whether it shares storage with its input.
Nothing is written down in advance: a different configuration, or a different
model following the same protocol, produces its own true trace.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple

import torch
from torch.nn import Parameter
from torch.overrides import TorchFunctionMode

_TORCH_DIR = os.path.dirname(torch.__file__)
# hiddenscope's own wrappers around a user's call (watch's hooks): never the user's line either.
_OWN_FILES = frozenset({__file__, os.path.join(os.path.dirname(__file__), "watch.py")})


def _library_dirs() -> tuple[str, ...]:
    """torch's folder and, where installed, tensordict's and torchrl's (found without importing them).

    A line in their code is never the user's: a TensorDict module's trace names the user's own call.
    """
    import importlib.util

    dirs = [_TORCH_DIR]
    for name in ("tensordict", "torchrl"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            dirs.append(os.path.dirname(spec.origin))
    return tuple(dirs)


_LIBRARY_DIRS = _library_dirs()

# Calls that read metadata and produce no tensor worth showing.
_SKIP = frozenset({"__get__", "dim", "size", "numel", "stride", "is_contiguous", "element_size", "untyped_storage"})

ROLE_INPUT = "input"
ROLE_HIDDEN = "hidden"
ROLE_OUTPUT = "output"
ROLE_NEW_HIDDEN = "new hidden"
ROLE_RESET = "reset"  # putting a batch row's hidden state back to the initial state at an episode's start
ROLE_OTHER = "other"


class TraceRecord(NamedTuple):
    """One transition of a tensor, as it happened.

    ``kind`` is ``"view"`` when the result shares storage with an input,
    ``"in-place"`` when the op changed its input and returned it, and ``"new"``
    when fresh memory was written.  ``storage_numel`` is how many numbers
    really stand behind the tensor: 96 for a ``(32, 5, 96)`` expand.
    """

    step: int
    phase: str
    index: int  # type: ignore[assignment]  # a field named like tuple.index
    call: tuple[str, tuple[Any, ...]]
    code: str
    role: str
    shape: tuple[int, ...]
    stride: tuple[int, ...]
    contiguous: bool
    kind: str
    storage_numel: int
    device: str
    dtype: str

    @property
    def op(self) -> str:
        """The call as a person would write it: ``expand(32, 5, -1)``."""
        name, shown = self.call
        return f"{name}({', '.join(_fmt_arg(a) for a in shown)})"

    @property
    def is_view(self) -> bool:
        return self.kind == "view"

    @property
    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "phase": self.phase,
            "index": self.index,
            "op": self.op,
            "code": self.code,
            "role": self.role,
            "shape": list(self.shape),
            "stride": list(self.stride),
            "contiguous": self.contiguous,
            "is_view": self.is_view,
            "kind": self.kind,
            "storage_numel": self.storage_numel,
            "device": self.device,
            "dtype": self.dtype,
        }


class _Weights(NamedTuple):
    count: int  # type: ignore[assignment]  # a field named like tuple.count


class _TensorArg(NamedTuple):
    shape: tuple[int, ...]


_op_names: dict[Any, tuple[str, bool]] = {}


def _op_name(func: Any) -> tuple[str, bool]:
    """The op's name and whether it is a tensor method (so its first argument is ``self``)."""
    found = _op_names.get(func)
    if found is None:
        name = getattr(func, "__name__", None) or str(func)
        qual = getattr(func, "__qualname__", "") or ""
        found = _op_names[func] = (name, qual.startswith(("TensorBase.", "Tensor.")))
    return found


def _fmt_arg(value: Any) -> str:
    if isinstance(value, _TensorArg):
        return "×".join(str(s) for s in value.shape) or "scalar"
    if isinstance(value, _Weights):
        return f"+{value.count} weights"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and value[0].endswith("="):
        return value[0] + _fmt_arg(value[1])
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_fmt_arg(v) for v in value) + ")"
    if isinstance(value, slice):
        parts = ["" if v is None else str(v) for v in (value.start, value.stop, value.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if value.step is not None else "")
    if value is Ellipsis:
        return "..."
    if isinstance(value, (torch.dtype, torch.device)):
        return str(value).replace("torch.", "")
    return repr(value)


def _shown_args(is_method: bool, args: tuple, kwargs: dict) -> tuple[Any, ...]:
    """The arguments worth showing, cheap to keep: tensors become their shapes, weights a count."""
    rest = args[1:] if is_method else args
    shown = tuple(_shown(a) for a in rest if a is not None and type(a) is not Parameter)
    # A module's weights, positional or by keyword (layer_norm's weight= and bias=), are counted, not listed;
    # torch's own arguments (softmax's _stacklevel) and those left at None are not the caller's: left out.
    weights = sum(type(a) is Parameter for a in (*rest, *kwargs.values()))
    if weights:
        shown += (_Weights(weights),)
    shown += tuple(
        (k + "=", _shown(v))
        for k, v in kwargs.items()
        if not k.startswith("_") and v is not None and type(v) is not Parameter
    )
    return shown


def _shown(value: Any) -> Any:
    """A tensor as its shape, lists and tuples of them too: op text never carries a tensor's values."""
    if isinstance(value, torch.Tensor):
        return _TensorArg(tuple(value.shape))
    if isinstance(value, (list, tuple)) and not (len(value) == 2 and isinstance(value[0], str)):
        return tuple(_shown(v) for v in value)
    return value


def _tensors_in(args: tuple, kwargs: dict | None) -> list[torch.Tensor]:
    """The tensors an op read: its arguments, and those inside list or tuple arguments (``cat([a, b])``)."""
    found = []
    for value in (*args, *(kwargs or {}).values()):
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(v for v in value if isinstance(v, torch.Tensor))
    return found


_names: dict[Any, str] = {}


def _name_of(thing: torch.dtype | torch.device) -> str:
    """``float32`` for a dtype, ``cuda:0`` for a device, cached: this runs on every op."""
    name = _names.get(thing)
    if name is None:
        name = _names[thing] = str(thing).replace("torch.", "")
    return name


_device_names: dict[int, str] = {}


def _device_name(index: int) -> str:
    """``cpu`` for -1, else ``cuda:N``; from ``Tensor.get_device()``, which is cheaper than ``.device``."""
    name = _device_names.get(index)
    if name is None:
        name = _device_names[index] = "cpu" if index < 0 else f"cuda:{index}"
    return name


_line_cache: dict[tuple[Any, int, Any], str] = {}
_internal_code: dict[Any, bool] = {}


def _caller_line() -> str:
    """The source line outside torch (tensordict, torchrl) and this module that led to the current op."""
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        internal = _internal_code.get(code)
        if internal is None:
            filename = code.co_filename
            internal = _internal_code[code] = filename.startswith(_LIBRARY_DIRS) or filename in _OWN_FILES
        if not internal:
            mirror = frame.f_globals.get("MIRROR_OF")
            owner = None
            if mirror == "@self":  # a mirror module: the instance's class says which real class it stands for
                owner = type(frame.f_locals.get("self"))
                mirror = getattr(owner, "mirror_of", None)
                if isinstance(mirror, str):  # and the method: the real one of the same name, or the one it names
                    names = getattr(owner, "mirror_methods", {})
                    method = code.co_name
                    if method.startswith("<") and frame.f_back is not None:  # a comprehension: its function's
                        method = frame.f_back.f_code.co_name
                    mirror = f"{mirror}.{names.get(method, method)}"
            key = (code, frame.f_lineno, owner)
            line = _line_cache.get(key)
            if line is None:
                filename = code.co_filename
                line = (
                    linecache.getline(filename, frame.f_lineno).strip()
                    or f"{os.path.basename(filename)}:{frame.f_lineno}"
                )
                if isinstance(mirror, str):
                    # hiddenscope's copy of a family's controller: say whose code this line stands for.
                    line = f"[{mirror} · hiddenscope's mirror] {line}"
                _line_cache[key] = line
            return line
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


def _writes_in_place(name: str) -> bool:
    """Whether an op that returned its own input wrote to it (``zero_``, ``add_``) rather than doing nothing."""
    return name.endswith("_") and not name.endswith("__")


class Recorder(TorchFunctionMode):
    """Records every tensor op run while it is active (``with recorder:``).

    ``roles`` maps ``id(tensor)`` to the role of the tensors handed in (inputs,
    hidden state); every result takes a role from its arguments.  Ops run inside
    :meth:`forcing` get that role instead (the reset at an episode's start).
    """

    def __init__(self, step: int, phase: str, roles: dict[int, str]) -> None:
        super().__init__()
        self.step = step
        self.phase = phase
        self.roles = roles
        self.records: list[TraceRecord] = []
        self.parents: list[tuple[int, ...]] = []  # for each record, the records whose results it read
        self._producer: dict[int, int] = {}
        self._forced: str | None = None
        # Keeps each result alive until the trace is finished, so that
        # ``id()`` stays a faithful key and the last ops can be relabelled.
        self.results: list[torch.Tensor] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if type(result) is torch.Tensor:
            name, is_method = _op_name(func)
            if name not in _SKIP:
                self._record(name, is_method, args, kwargs, result)
        elif type(result) is tuple and result and all(type(r) is torch.Tensor for r in result):
            # An op with several results (an LSTM cell's (h, c), nn.LSTM's (output, h_n, c_n)): a row each.
            name, is_method = _op_name(func)
            if name not in _SKIP:
                for k, part in enumerate(result):
                    self._record(f"{name}[{k}]", is_method, args, kwargs, part)
        return result

    def _record(self, name: str, is_method: bool, args: Any, kwargs: Any, result: torch.Tensor) -> None:
        roles = self.roles
        role = None
        kind = "new"
        storage = result.untyped_storage()
        res_ptr = storage.data_ptr()
        parents = []
        for arg in _tensors_in(args, kwargs):
            arg_id = id(arg)
            arg_role = roles.get(arg_id)
            if arg_role is not None and (role is None or arg_role == ROLE_HIDDEN):
                role = arg_role
            producer = self._producer.get(arg_id)
            if producer is not None:
                parents.append(producer)
            if arg is result:
                # A no-op such as .contiguous() or .to() on a tensor that already
                # fits hands back the same tensor without writing to it.
                kind = "in-place" if _writes_in_place(name) or (kwargs or {}).get("inplace") is True else "view"
            elif kind == "new" and res_ptr and arg.untyped_storage().data_ptr() == res_ptr:
                kind = "view"
        if self._forced is not None:
            role = self._forced
        elif role is None:
            role = ROLE_HIDDEN if self.phase == "init" else ROLE_OTHER
        result_id = id(result)
        roles[result_id] = role
        self._producer[result_id] = len(self.records)
        self.results.append(result)
        self.parents.append(tuple(parents))
        self.records.append(
            TraceRecord(
                self.step,
                self.phase,
                len(self.records),
                (name, _shown_args(is_method, args, kwargs or {})),
                _caller_line(),
                role,
                tuple(result.shape),
                result.stride(),
                result.is_contiguous(),
                kind,
                storage.nbytes() // result.element_size(),
                _device_name(result.get_device()),
                _name_of(result.dtype),
            )
        )

    @contextlib.contextmanager
    def forcing(self, role: str) -> Iterator[None]:
        """Give every op run inside this block ``role``."""
        self._forced = role
        try:
            yield
        finally:
            self._forced = None

    def _last_record_of(self, tensor: torch.Tensor) -> int | None:
        results = self.results
        for i in range(len(results) - 1, -1, -1):
            if results[i] is tensor:
                return i
        return None

    def relabel(self, tensor: torch.Tensor, role: str) -> None:
        """Name the role of the last record whose result is ``tensor`` (what the model returned)."""
        i = self._last_record_of(tensor)
        if i is not None:
            self.records[i] = self.records[i]._replace(role=role)

    def _ancestors(self, index: int | None) -> set[int]:
        seen: set[int] = set()
        todo = [index] if index is not None else []
        while todo:
            i = todo.pop()
            if i not in seen:
                seen.add(i)
                todo.extend(self.parents[i])
        return seen

    def finish(self, output: torch.Tensor, new_hidden: torch.Tensor) -> list[TraceRecord]:
        """Label what the model returned, and call ``output`` every op that led only to the output.

        Which ops lead where is read from the data flow itself: an op whose result
        reaches the Q-values but not the new hidden state (a PyMARL agent's ``fc2``,
        each agent's head in a non-shared agent) is output work, wherever it ran.
        """
        self.relabel(output, ROLE_OUTPUT)
        self.relabel(new_hidden, ROLE_NEW_HIDDEN)
        records = self.records
        to_hidden = self._ancestors(self._last_record_of(new_hidden))
        for i in self._ancestors(self._last_record_of(output)) - to_hidden:
            if records[i].role in (ROLE_HIDDEN, ROLE_OTHER, ROLE_INPUT):
                records[i] = records[i]._replace(role=ROLE_OUTPUT)
        return records


def trace_init(model: Any, batch_size: int, step: int = 0) -> tuple[torch.Tensor, list[TraceRecord]]:
    """Run ``model.init_hidden(batch_size)`` and record every op it ran."""
    recorder = Recorder(step, "init", {})
    with torch.no_grad(), recorder:
        hidden = model.init_hidden(batch_size)
    return hidden, recorder.records


def trace_forward(
    model: Any, inputs: torch.Tensor, hidden: torch.Tensor, step: int
) -> tuple[torch.Tensor, torch.Tensor, list[TraceRecord]]:
    """Run ``model(inputs, hidden)`` and record every op, labelling what it returned."""
    recorder = Recorder(step, "forward", {id(inputs): ROLE_INPUT, id(hidden): ROLE_HIDDEN})
    with torch.no_grad(), recorder:
        output, new_hidden = model(inputs, hidden)
    return output, new_hidden, recorder.finish(output, new_hidden)
