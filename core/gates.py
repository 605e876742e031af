"""The arithmetic for looking inside a GRU: its gates, and per-agent summaries of a hidden-state history.

Everything here is a pure function of tensors or arrays; :mod:`hiddenscope.core.gru_history`
uses it to work on a :class:`~hiddenscope.core.stepper.Stepper`'s recorded steps.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

SATURATION = 0.95  # |h| above this counts as a saturated unit (tanh-like range ±1)


def find_gru_cell(model: nn.Module) -> nn.GRUCell | None:
    """The first ``nn.GRUCell`` among ``model``'s modules (``model`` itself included), or None."""
    for module in model.modules():
        if isinstance(module, nn.GRUCell):
            return module
    return None


def gru_gates(cell: nn.GRUCell, x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
    """Work out one GRU step by hand from ``cell``'s weights, keeping the gates on the way.

    ``x`` is ``(rows, input_size)`` and ``h`` is ``(rows, hidden_size)``.  With PyTorch's
    layout (``weight_ih`` and ``weight_hh`` stack the r, z, n blocks in that order):

    * reset gate  ``r = σ(W_ir x + b_ir + W_hr h + b_hr)``
    * update gate ``z = σ(W_iz x + b_iz + W_hz h + b_hz)``
    * candidate   ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``
    * new state   ``h' = (1 − z) ⊙ n + z ⊙ h``

    Returns ``{"r", "z", "n", "h_new"}``, each ``(rows, hidden_size)``; ``"h"`` is the
    same tensor as ``"h_new"``, under the name the views used first.
    """
    from_input = torch.matmul(x, cell.weight_ih.t())
    from_hidden = torch.matmul(h, cell.weight_hh.t())
    if cell.bias:
        from_input = from_input + cell.bias_ih
        from_hidden = from_hidden + cell.bias_hh
    in_r, in_z, in_n = from_input.chunk(3, dim=-1)
    hid_r, hid_z, hid_n = from_hidden.chunk(3, dim=-1)
    r = torch.sigmoid(in_r + hid_r)
    z = torch.sigmoid(in_z + hid_z)
    n = torch.tanh(in_n + r * hid_n)
    h_new = (1 - z) * n + z * h
    return {"r": r, "z": z, "n": n, "h_new": h_new, "h": h_new}


def summary_stats(hidden: np.ndarray, threshold: float = SATURATION) -> dict[str, np.ndarray]:
    """Per-timestep, per-agent summaries of a ``(T, batch, n_agents, units)`` hidden-state history.

    ``norm``: the L2 norm of each agent's hidden vector, averaged over batch rows, ``(T, n_agents)``.
    ``saturated``: the fraction of that agent's units (over all batch rows) with ``|h| > threshold``,
    ``(T, n_agents)``.  A NaN unit makes its norm NaN and does not count as saturated.
    """
    hidden = np.asarray(hidden)
    if hidden.ndim != 4:
        raise ValueError(f"summary_stats wants (T, batch, n_agents, units), got shape {hidden.shape}")
    # einsum squares and sums without a squared copy; counting along the units first, then over
    # the batch, is quicker than one count over both (1024 × 64 × 96: 0.9 and 3.7 ms, from 2.7 and 4.6)
    norm = np.sqrt(np.einsum("tbau,tbau->tba", hidden, hidden, dtype=np.float32, casting="same_kind")).mean(axis=1)
    over = (np.abs(hidden) > threshold).sum(axis=3, dtype=np.int64).sum(axis=1)
    saturated = over / (hidden.shape[1] * hidden.shape[3])
    return {"norm": norm, "saturated": saturated}
