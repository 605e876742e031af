"""Looking inside the GRU: gate activations and per-agent summaries over the recorded history.

Gates are worked out from the cell's own weights (PyTorch's GRUCell equations)
for the inputs the cell really received: the model is re-run on recorded steps
with a hook on its GRU cell, so layers before the cell (a PyMARL agent's
``fc1`` and ReLU) are applied exactly as when the step first ran.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

if TYPE_CHECKING:
    from .stepper import Stepper

SATURATION = 0.95


def find_gru_cell(model: nn.Module) -> nn.GRUCell | None:
    """The first ``nn.GRUCell`` inside ``model`` (None if it has none)."""
    return next((m for m in model.modules() if isinstance(m, nn.GRUCell)), None)


def gru_gates(cell: nn.GRUCell, x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
    """Reset gate ``r``, update gate ``z``, candidate ``n`` and the new state, from the cell's weights.

    r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
    """
    gi = x @ cell.weight_ih.T
    gh = h @ cell.weight_hh.T
    if cell.bias:
        gi = gi + cell.bias_ih
        gh = gh + cell.bias_hh
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return {"r": r, "z": z, "n": n, "h": (1 - z) * n + z * h}


def _window(stepper: Stepper, span: int) -> np.ndarray:
    """Held timesteps that have inputs (t ≥ 1 within history), ending at the one shown."""
    hist = stepper.history
    stop = min(hist.last, max(stepper.t, hist.first + span)) + 1
    start = max(hist.first + 1, stop - span)
    return np.arange(start, stop)


def gate_history(stepper: Stepper, agent: int, row: int, span: int = 128) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Gates of one agent and batch row over recorded steps: ``ts`` and ``{"r"|"z"|"n"|"h": (T, units)}``.

    Every recorded step ``t`` is re-run from ``h_{t−1}`` and its inputs, all at
    once with time as the batch axis; the cell's inputs are caught by a hook and
    the gates computed from its weights.
    """
    cell = find_gru_cell(stepper.model)
    ts = _window(stepper, span)
    if cell is None or len(ts) == 0:
        return ts, {}
    hist = stepper.history
    inputs = np.stack([hist.frame(int(t)).inputs[row] for t in ts])  # (T, n_agents, input)
    hidden = np.stack([hist.frame(int(t) - 1).hidden[row] for t in ts])  # (T, n_agents, units)
    caught: dict[str, torch.Tensor] = {}

    def catch(_module: nn.Module, args: tuple) -> None:
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
    return ts, {name: value.float().cpu().numpy() for name, value in gates.items()}


def summary_history(stepper: Stepper, span: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-agent hidden-state norm (mean over batch rows) and fraction of saturated units (|h| > 0.95).

    Returns ``ts``, ``norm (T, n_agents)`` and ``saturated (T, n_agents)`` over held timesteps.
    """
    hist = stepper.history
    stop = min(hist.last, max(stepper.t, hist.first + span - 1)) + 1
    ts = np.arange(max(hist.first, stop - span), stop)
    hidden = hist.hidden[ts % hist.capacity]  # (T, batch, n_agents, units)
    norm = np.sqrt(np.square(hidden, dtype=np.float32).sum(axis=-1)).mean(axis=1)
    saturated = (np.abs(hidden) > SATURATION).mean(axis=(1, 3))
    return ts, norm, saturated
