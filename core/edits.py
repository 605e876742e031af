"""Interventions on the hidden state: replace h_T for chosen agents, batch rows and units, and go on from it.

An edit is written ``T:AGENTS:OP`` (``--edit`` on the command line), optionally
followed by ``:rows=ROWS`` and ``:units=UNITS``:

* ``T`` is the timestep whose state is edited: h_T is replaced, so the history's
  h_T shows the edited state and step T+1 starts from it.  ``T = 0`` edits the
  initial state (``init_hidden``).  The output of step T (Q-values, a policy, and
  the actions taken from them) was computed before the edit and is not changed.
* ``AGENTS``, ``ROWS`` and ``UNITS`` are index sets: ``all``, ``3``, ``0-2`` or a
  comma list of those (``0,2,5-7``).  Rows and units default to ``all``.
* ``OP`` is one of

  ============== ===============================================================
  ``zero``        the selected values become 0
  ``set=V``       they become ``V``
  ``clamp=LO,HI`` they are clipped into ``[LO, HI]``
  ``noise=S``     Gaussian noise of standard deviation ``S`` is added (NumPy); seeded from
                  the session's seed, ``T`` and the edit's place in the list, so the
                  same command gives the same numbers (``noise=S,SEED`` fixes the seed)
  ``copy=A``      the selected agents take agent ``A``'s values (same rows, units)
  ``swap=A,B``    agents ``A`` and ``B`` exchange their values; ``AGENTS`` must be
                  ``all`` or name exactly ``A`` and ``B``
  ============== ===============================================================

Several edits at the same ``T`` are applied in the order given, each to the
result of the ones before.  Edits act on the model's real hidden-state tensor
whatever its layout (``(batch*n_agents, units)`` or ``(batch, n_agents, units)``):
the stepper hands in the new state, :func:`apply_edits` returns an edited copy
of the same shape, device and dtype, and the original is never written to (at
t = 0 it is a stride-0 ``expand`` of a few numbers).

In a live environment, a row whose episode ends at step T+1 still goes back to
``init_hidden`` there, as it would without the edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .config import MAX_SIZE
from .errors import ConfigError

ROLE_EDIT = "edit"  # the role of an edit's ops in a step's shape trace

OPS = {"zero": 0, "set": 1, "clamp": 2, "noise": (1, 2), "copy": 1, "swap": 2}
_INDEX_ITEM = re.compile(r"^(\d+)(?:-(\d+))?$")


@dataclass(frozen=True)
class Edit:
    """One intervention: at timestep ``t``, ``op`` (with ``args``) on ``agents`` × ``rows`` × ``units``.

    ``agents``, ``rows`` and ``units`` are sorted index tuples, ``None`` for all.
    ``text`` is how the edit was written, for messages and the export.
    """

    t: int
    agents: tuple[int, ...] | None
    op: str
    args: tuple[float, ...] = ()
    rows: tuple[int, ...] | None = None
    units: tuple[int, ...] | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if not self.text:
            object.__setattr__(self, "text", self.canonical())

    # -- text ---------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Edit:
        """Read ``T:AGENTS:OP[:rows=ROWS][:units=UNITS]``; a malformed edit is a ConfigError naming it."""
        given = text.strip()
        where = f"--edit {given!r}"
        parts = given.split(":")
        if len(parts) < 3:
            raise ConfigError(f"{where}: an edit is T:AGENTS:OP (e.g. 3:1:zero, 0:all:noise=0.1)")
        t_text, agents_text, op_text, *extra = parts
        try:
            t = int(t_text)
        except ValueError:
            raise ConfigError(f"{where}: T must be a whole timestep (0 is the initial state), got {t_text!r}") from None
        if t < 0:
            raise ConfigError(f"{where}: T must be 0 or more, got {t}")
        agents = _index_set(agents_text, "AGENTS", where)
        name, _, arg_text = op_text.partition("=")
        name = name.strip().lower()
        if name not in OPS:
            raise ConfigError(f"{where}: unknown op {name!r}; use one of {', '.join(_op_forms())}")
        args = _op_args(name, arg_text, where)
        selectors: dict[str, tuple[int, ...] | None] = {"rows": None, "units": None}
        for item in extra:
            key, eq, value = item.partition("=")
            key = key.strip().lower()
            if key not in selectors or not eq:
                raise ConfigError(f"{where}: after the op only rows=… and units=… may follow, got {item!r}")
            selectors[key] = _index_set(value, key, where)
        edit = cls(t, agents, name, args, selectors["rows"], selectors["units"], given)
        edit._check_swap(where)
        return edit

    def canonical(self) -> str:
        """The edit written out again, in the syntax :meth:`parse` reads."""
        op = self.op if not self.args else f"{self.op}={','.join(_number(a) for a in self.args)}"
        text = f"{self.t}:{_index_text(self.agents)}:{op}"
        if self.rows is not None:
            text += f":rows={_index_text(self.rows)}"
        if self.units is not None:
            text += f":units={_index_text(self.units)}"
        return text

    def __str__(self) -> str:
        return self.text

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "t": self.t,
            "agents": None if self.agents is None else list(self.agents),
            "op": self.op,
            "args": list(self.args),
            "rows": None if self.rows is None else list(self.rows),
            "units": None if self.units is None else list(self.units),
        }

    # -- checking -----------------------------------------------------------
    def _check_swap(self, where: str) -> None:
        if self.op == "swap" and self.agents is not None and set(self.agents) != {int(a) for a in self.args}:
            raise ConfigError(f"{where}: swap=A,B exchanges agents A and B; AGENTS must be all or exactly A and B")

    def check(self, batch_size: int, n_agents: int, units: int | None = None, steps: int | None = None) -> None:
        """A ConfigError naming this edit if it does not fit the session (or a run of ``steps`` steps).

        ``units=None`` leaves the units unchecked (the stepper checks them once the model is built).
        """
        where = f"--edit {self.text!r}"
        if steps is not None and self.t > steps:
            raise ConfigError(f"{where}: t {self.t} is out of range: the run has t = 0..{steps} (--steps {steps})")
        for what, chosen, size in (
            ("agent", self.agents, n_agents),
            ("batch row", self.rows, batch_size),
            ("unit", self.units, units),
        ):
            if size is None:
                continue
            bad = [i for i in chosen or () if i >= size]
            if bad:
                raise ConfigError(f"{where}: {what} {bad[0]} is out of range (0..{size - 1})")
        if self.op in ("copy", "swap"):
            for a in self.args:
                if not 0 <= int(a) < n_agents:
                    raise ConfigError(f"{where}: agent {int(a)} is out of range (0..{n_agents - 1})")

    # -- applying -----------------------------------------------------------
    def mask(self, batch_size: int, n_agents: int, units: int, device: torch.device | str) -> torch.Tensor:
        """Which values of a ``(batch, n_agents, units)`` state this edit touches, as a bool tensor."""
        agents = tuple(int(a) for a in self.args) if self.op == "swap" else self.agents
        parts = [_chosen(idx, size) for idx, size in ((self.rows, batch_size), (agents, n_agents), (self.units, units))]
        found = parts[0][:, None, None] & parts[1][None, :, None] & parts[2][None, None, :]
        return torch.from_numpy(found).to(device)

    def apply(self, state: torch.Tensor, noise_seed: int = 0) -> torch.Tensor:
        """This edit applied to ``state`` ``(batch, n_agents, units)``: a new tensor, ``state`` untouched."""
        batch, n_agents, units = state.shape
        mask = self.mask(batch, n_agents, units, state.device)
        op, args = self.op, self.args
        if op == "zero":
            return state.masked_fill(mask, 0.0)
        if op == "set":
            return state.masked_fill(mask, args[0])
        if op == "clamp":
            return torch.where(mask, state.clamp(args[0], args[1]), state)
        if op == "noise":
            seed = int(args[1]) if len(args) > 1 else noise_seed
            # Drawn for the whole state on the host, in float64: the same numbers on any device or dtype.
            noise = torch.from_numpy(np.random.default_rng(seed).standard_normal(tuple(state.shape)) * args[0])
            return torch.where(mask, state + noise.to(device=state.device, dtype=state.dtype), state)
        if op == "copy":
            source = int(args[0])
            return torch.where(mask, state[:, source : source + 1, :].expand_as(state), state)
        if op == "swap":
            order = list(range(n_agents))
            a, b = int(args[0]), int(args[1])
            order[a], order[b] = b, a
            return torch.where(mask, state[:, order, :], state)
        raise ConfigError(f"--edit {self.text!r}: unknown op {op!r}")  # parse() lets none through


def parse_edits(texts: Sequence[str] | None) -> list[Edit]:
    """Every ``--edit`` given, parsed, in order."""
    return [Edit.parse(text) for text in texts or ()]


def check_edits(
    edits: Sequence[Edit], batch_size: int, n_agents: int, units: int | None = None, steps: int | None = None
) -> None:
    for edit in edits:
        edit.check(batch_size, n_agents, units, steps)


def noise_seed(seed: int, t: int, index: int) -> int:
    """The seed of the ``index``-th edit's noise at timestep ``t`` in a session seeded ``seed``."""
    return int(np.random.SeedSequence([seed, t, index]).generate_state(1)[0])


def apply_edits(
    edits: Sequence[Edit], t: int, hidden: torch.Tensor, batch_size: int, n_agents: int, seed: int = 0
) -> torch.Tensor:
    """``hidden`` with every edit for timestep ``t`` applied in order; ``hidden`` itself if there is none.

    ``hidden`` may be ``(batch * n_agents, units)`` or ``(batch, n_agents, units)`` (or a
    stride-0 expand); the result is a new contiguous tensor of the same shape.
    """
    due = [(i, e) for i, e in enumerate(edits) if e.t == t]
    if not due:
        return hidden
    state = hidden.reshape(batch_size, n_agents, -1)
    for index, edit in due:
        state = edit.apply(state, noise_seed(seed, t, index))
    return state.contiguous().reshape(hidden.shape)


def run_branches(
    steps: int,
    edits: Sequence[Edit],
    stepper_factory: Callable[[Sequence[Edit]], Any],
) -> tuple[np.ndarray, np.ndarray]:
    """The same session run ``steps`` steps twice, without and with ``edits``.

    ``stepper_factory(edits)`` builds a fresh :class:`~hiddenscope.core.stepper.Stepper`
    (e.g. ``lambda e: Stepper(config, model_factory, input_factory, edits=e)``): with
    the same configuration, the two runs are identical up to the first edit.  Returns
    both histories' hidden states, ``(original, edited)``, each ``(T+1, batch, n_agents, units)``
    for ``t = 0..steps`` (as far as the history budget holds them).
    """
    runs = []
    for chosen in ((), tuple(edits)):
        stepper = stepper_factory(chosen)
        stepper.run(steps)
        hist = stepper.history
        _, hidden = hist.read_window(hist.last, steps + 1, lambda ts, h=hist: h.hidden[ts % h.capacity].copy())
        runs.append(hidden)
    return runs[0], runs[1]


# -- helpers ---------------------------------------------------------------------------------------------------------


def _op_forms() -> list[str]:
    return ["zero", "set=V", "clamp=LO,HI", "noise=SIGMA", "copy=A", "swap=A,B"]


def _op_args(name: str, text: str, where: str) -> tuple[float, ...]:
    form = dict(zip(OPS, _op_forms(), strict=True))[name]
    wanted = OPS[name]
    counts = wanted if isinstance(wanted, tuple) else (wanted,)
    items = [s.strip() for s in text.split(",")] if text.strip() else []
    if len(items) not in counts:
        raise ConfigError(f"{where}: {name} is written {form}")
    try:
        values = tuple(float(s) for s in items)
    except ValueError:
        raise ConfigError(f"{where}: {name} is written {form}, with numbers; got {text!r}") from None
    if not all(np.isfinite(values)):
        raise ConfigError(f"{where}: {name} needs finite numbers, got {text!r}")
    if name in ("copy", "swap") or (name == "noise" and len(values) > 1):
        if any(v != int(v) or v < 0 for v in (values if name != "noise" else values[1:])):
            what = "a seed" if name == "noise" else "agent numbers"
            raise ConfigError(f"{where}: {name} needs {what} as whole numbers from 0, got {text!r}")
    if name == "clamp" and values[0] > values[1]:
        raise ConfigError(f"{where}: clamp=LO,HI needs LO ≤ HI, got {text!r}")
    if name == "noise" and values[0] < 0:
        raise ConfigError(f"{where}: noise=SIGMA needs SIGMA ≥ 0, got {text!r}")
    if name == "swap" and values[0] == values[1]:
        raise ConfigError(f"{where}: swap=A,B needs two different agents, got {text!r}")
    return values


def _index_set(text: str, what: str, where: str) -> tuple[int, ...] | None:
    """``all`` → None; ``3``, ``0-2``, ``0,2,5-7`` → the sorted indices."""
    text = text.strip().lower()
    if text == "all":
        return None
    found: set[int] = set()
    for item in text.split(","):
        match = _INDEX_ITEM.match(item.strip())
        if match is None:
            raise ConfigError(f"{where}: {what} must be all, N, A-B or a comma list of those, got {text!r}")
        lo = int(match.group(1))
        hi = int(match.group(2)) if match.group(2) is not None else lo
        if hi > MAX_SIZE:
            raise ConfigError(f"{where}: {what} {hi} is out of range")
        if hi < lo:
            raise ConfigError(f"{where}: {what} range {item.strip()!r} runs backwards")
        found.update(range(lo, hi + 1))
    return tuple(sorted(found))


def _index_text(indices: tuple[int, ...] | None) -> str:
    if indices is None:
        return "all"
    parts, start = [], 0
    for i in range(1, len(indices) + 1):
        if i == len(indices) or indices[i] != indices[i - 1] + 1:
            lo, hi = indices[start], indices[i - 1]
            parts.append(str(lo) if lo == hi else f"{lo}-{hi}")
            start = i
    return ",".join(parts)


def _chosen(indices: tuple[int, ...] | None, size: int) -> np.ndarray:
    chosen = np.zeros(size, bool)
    if indices is None:
        chosen[:] = True
    else:
        chosen[list(indices)] = True
    return chosen


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
