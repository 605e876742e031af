"""What a dropped ``.pt`` file holds: a checkpoint or agent inputs (``.pt`` is both formats' suffix).

Decided by the content, loaded the safe way (``weights_only=True``, nothing in
the file runs): a mapping of parameter names to tensors is a checkpoint; one
tensor or array of 3 or 4 dimensions is inputs.  Any other suffix is decided by
the suffix alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from .errors import FileProblem

CHECKPOINT_SUFFIXES = (".th", ".pth", ".safetensors")
INPUT_SUFFIXES = (".npy", ".npz")
SESSION_SUFFIXES = (".h5", ".hdf5")
Kind = Literal["checkpoint", "inputs"]


def file_kind(path: str | Path) -> Kind:
    """``"checkpoint"`` or ``"inputs"`` for ``path``; :class:`FileProblem` when it is neither."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CHECKPOINT_SUFFIXES:
        return "checkpoint"
    if suffix in INPUT_SUFFIXES:
        return "inputs"
    if suffix != ".pt":
        raise FileProblem(
            f"{path.name}: hiddenscope opens checkpoints (.th .pt .pth .safetensors) and inputs (.npy .npz .pt)"
        )
    try:
        data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:
        return "checkpoint"
    if isinstance(data, Mapping):
        return "checkpoint"
    if isinstance(data, (torch.Tensor, np.ndarray)) and data.ndim in (3, 4):
        return "inputs"
    what = (
        f"a {data.ndim}-dimensional array"
        if isinstance(data, (torch.Tensor, np.ndarray))
        else f"a {type(data).__name__}"
    )
    raise FileProblem(
        f"{path.name} holds {what}: neither a checkpoint (a dict of parameter names → tensors)"
        " nor inputs (an array of shape (T, batch, n_agents, input) or (T, n_agents, input))"
    )
