"""Looking inside the GRU: gate activations and per-agent summaries over the recorded history.

Gates are worked out from the cell's own weights (:func:`~hiddenscope.core.gates.gru_gates`)
for the inputs the cell really received: the model is re-run on recorded steps
with a hook on its GRU cell, so layers before the cell (a PyMARL agent's
``fc1`` and ReLU) are applied exactly as when the step first ran.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import threading

import numpy as np
import torch
from torch import nn

from .gates import SATURATION, find_gru_cell, gru_gates, summary_stats

if TYPE_CHECKING:
    from .stepper import Stepper

# Re-exported: callers that import them from here keep working.
__all__ = ["SATURATION", "find_gru_cell", "gate_history", "gru_gates", "summary_history", "summary_stats"]


def gate_history(stepper: Stepper, agent: int, row: int, span: int = 128) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Gates of one agent and batch row over recorded steps: ``ts`` and ``{"r"|"z"|"n"|"h": (T, units)}``.

    Every recorded step ``t`` is re-run from ``h_{t−1}`` and its inputs, all at
    once with time as the batch axis; the cell's inputs are caught by a hook and
    the gates computed from its weights.
    """
    cell = find_gru_cell(stepper.model)
    ts = stepper.held_window(span, with_inputs=True)
    if cell is None or len(ts) == 0:
        return ts, {}
    hist = stepper.history
    inputs = np.stack([hist.frame(int(t)).inputs[row] for t in ts])  # (T, n_agents, input)
    hidden = np.stack([hist.frame(int(t) - 1).hidden[row] for t in ts])  # (T, n_agents, units)
    caught: dict[str, torch.Tensor] = {}
    me = threading.get_ident()

    def catch(_module: nn.Module, args: tuple) -> None:
        # Play may be stepping the same model in its worker thread meanwhile: take only our own call.
        if threading.get_ident() == me:
            caught["x"], caught["h"] = args[0], args[1]

    handle = cell.register_forward_pre_hook(catch)
    try:
        with torch.no_grad():
            as_tensor = dict(device=stepper.device, dtype=stepper.dtype)
            stepper.model(torch.from_numpy(inputs).to(**as_tensor), torch.from_numpy(hidden).to(**as_tensor))
            n_agents = stepper.config.n_agents
            x = caught["x"].reshape(len(ts), n_agents, -1)[:, agent]
            h = caught["h"].reshape(len(ts), n_agents, -1)[:, agent]
            gates = gru_gates(cell, x, h)
    finally:
        handle.remove()
    return ts, {name: gates[name].float().cpu().numpy() for name in ("r", "z", "n", "h")}


def summary_history(stepper: Stepper, span: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-agent hidden-state norm (mean over batch rows) and fraction of saturated units (|h| > 0.95).

    Returns ``ts``, ``norm (T, n_agents)`` and ``saturated (T, n_agents)`` over held timesteps.
    """
    hist = stepper.history
    ts = stepper.held_window(span)
    stats = summary_stats(hist.hidden[ts % hist.capacity])  # hidden is (T, batch, n_agents, units)
    return ts, stats["norm"], stats["saturated"]
