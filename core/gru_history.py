"""Looking inside the GRU: gate activations and per-agent summaries over the recorded history.

Gates are worked out from the cell's own weights (:func:`~hiddenscope.core.gates.gru_gates`)
for the inputs the cell really received: recorded steps are re-run, with a hook on
the GRU cell, through a private copy of the model, so layers before the cell (a
PyMARL agent's ``fc1`` and ReLU) are applied exactly as when the step first ran,
and the live model (which Play may be stepping in its worker meanwhile, and which
may keep state of its own, like ``CondAgent.hidden_state``) is never touched.

Both read the history through :meth:`~hiddenscope.core.history.History.read_window`,
so they are safe to call while another thread steps the stepper.
"""

from __future__ import annotations

import copy
import threading
import weakref
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from .gates import SATURATION, find_gru_cell, gru_gates, summary_stats

if TYPE_CHECKING:
    from .stepper import BaseStepper

# Re-exported: callers that import them from here keep working.
__all__ = [
    "SATURATION",
    "find_gru_cell",
    "SummaryCache",
    "gate_history",
    "gru_gates",
    "summary_history",
    "summary_stats",
]

# One private copy per live model: the weights never change after a model is built.
_probes: weakref.WeakKeyDictionary[nn.Module, nn.Module] = weakref.WeakKeyDictionary()
_probes_lock = threading.Lock()


def _probe(model: nn.Module) -> nn.Module:
    with _probes_lock:
        probe = _probes.get(model)
        if probe is None:
            probe = copy.deepcopy(model)
            for module in probe.modules():  # hooks someone put on the live model are theirs, not the copy's
                module._forward_hooks.clear()
                module._forward_pre_hooks.clear()
            _probes[model] = probe
        return probe


def gate_history(
    stepper: BaseStepper, agent: int, row: int, span: int = 128, t: int | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Gates of one agent and batch row over recorded steps: ``ts`` and ``{"r"|"z"|"n"|"h": (T, units)}``.

    The window ends at ``t`` (default: the timestep shown).  Every recorded step in it
    is re-run from ``h_{t−1}`` and its inputs, all at once with time as the batch axis,
    on a copy of the model; the cell's inputs are caught by a hook and the gates
    computed from its weights.
    """
    model = stepper.model
    if model is None or stepper.initial_state is None or find_gru_cell(model) is None:
        return stepper.held_window(span, with_inputs=True, t=t), {}
    hist, initial = stepper.history, stepper.initial_state

    def read(ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slots = ts % hist.capacity
        hidden = hist.hidden[(ts - 1) % hist.capacity, row]  # a copy (fancy indexing)
        if hist.episode_shape is not None:
            # A row whose episode starts at t ran from init_hidden's state, not from h_{t-1}.
            starts = hist.episode_start[slots, row] & (ts > 1)
            hidden[starts] = initial[row]
        return hist.inputs[slots, row], hidden

    ts, (inputs, hidden) = hist.read_window(stepper.t if t is None else t, span, read, skip=1)
    if len(ts) == 0:
        return ts, {}
    probe = _probe(model)
    n_agents = stepper.config.n_agents
    cells = [m for m in probe.modules() if isinstance(m, nn.GRUCell)]
    # One network per agent (EPyMARL's RNNNSAgent): agent i's own cell sees only agent i's rows.
    per_agent = len(cells) == n_agents > 1
    cell = cells[agent] if per_agent else cells[0]
    caught: dict[str, torch.Tensor] = {}

    def catch(_module: nn.Module, args: tuple) -> None:
        caught["x"], caught["h"] = args[0], args[1]

    handle = cell.register_forward_pre_hook(catch)
    try:
        with torch.no_grad():
            device, dtype = stepper.device, stepper.dtype
            probe(
                torch.from_numpy(inputs).to(device=device, dtype=dtype),
                torch.from_numpy(hidden).to(device=device, dtype=dtype),
            )
            if per_agent:
                x, h = caught["x"].reshape(len(ts), -1), caught["h"].reshape(len(ts), -1)
            else:
                x = caught["x"].reshape(len(ts), n_agents, -1)[:, agent]
                h = caught["h"].reshape(len(ts), n_agents, -1)[:, agent]
            gates = gru_gates(cell, x, h)
    finally:
        handle.remove()
    return ts, {name: gates[name].float().cpu().numpy() for name in ("r", "z", "n", "h")}


class SummaryCache:
    """Each held timestep's summary, worked out once: a view that draws the summary every frame keeps one.

    A step's hidden state does not change while it is held, so its norm and saturation
    are kept under ``(t, write id)`` (:meth:`History.write_ids`); a step written again gets
    a new id and is reduced afresh.  At 1024 × 64 × 96 one step takes about 8 ms to
    reduce, and a 256-step window would otherwise be reduced whole at every draw.
    """

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def keep_only(self, keys: set[tuple[int, int]]) -> None:
        for key in [k for k in self.rows if k not in keys]:
            del self.rows[key]


def summary_history(
    stepper: BaseStepper, span: int = 256, t: int | None = None, cache: SummaryCache | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-agent hidden-state norm (mean over batch rows) and fraction of saturated units (|h| > 0.95).

    Returns ``ts``, ``norm (T, n_agents)`` and ``saturated (T, n_agents)`` over held timesteps
    ending at ``t`` (default: the timestep shown).  With a ``cache``, steps reduced by an
    earlier call are not reduced again.
    """
    hist = stepper.history
    cache = cache if cache is not None else SummaryCache()  # without one: for this call only
    rows = cache.rows

    def read(ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Reduced slot by slot straight from the ring, without copying the whole window
        # (up to the history budget); read_window does it again if the writer overwrote
        # one of these slots meanwhile.  A step reduced while its slot was being overwritten is
        # kept under its t and the id read before (the old write's or the new one's), a pair that
        # no held step has, so it is never read back.
        norm = np.zeros((len(ts), hist.hidden.shape[2]), np.float32)
        saturated = np.zeros_like(norm, np.float64)
        keys = list(zip(ts.tolist(), hist.write_ids(ts).tolist(), strict=True))
        for i, key in enumerate(keys):
            if key not in rows:
                slot = key[0] % hist.capacity
                stats = summary_stats(hist.hidden[slot : slot + 1])
                rows[key] = (stats["norm"][0], stats["saturated"][0])
            norm[i], saturated[i] = rows[key]
        cache.keep_only(set(keys))
        return norm, saturated

    ts, (norm, saturated) = hist.read_window(stepper.t if t is None else t, span, read)
    return ts, norm, saturated
