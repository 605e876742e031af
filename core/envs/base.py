"""What hiddenscope needs from a batch of multi-agent environments.

One :class:`EnvBatch` holds ``batch_size`` copies of one environment (or one
vectorised simulator whose ``num_envs`` is the batch), each with the same
``n_agents`` agents.  Every method works on the whole batch with NumPy arrays:

- :meth:`reset` starts every row over (row ``r`` seeded ``seed + r``) and returns the
  first observations ``(batch, n_agents, obs_dim)`` float32.
- :meth:`step` takes discrete actions ``(batch, n_agents)`` int64 and returns
  ``(obs, rewards, done)``: rewards ``(batch,)`` float64 summed over agents; ``done``
  ``(batch,)`` bool is true for a row whose episode ended with this step, and for
  such a row ``obs`` is already the first observation of its next episode (the
  row is reset inside, seeded from ``seed``, the row and its episode count, so a
  run is reproducible).
- :meth:`available_actions` is ``(batch, n_agents, n_actions)`` bool for the
  observations last returned, or ``None`` when every action is always allowed.

Which seed starts which episode is :func:`episode_seed`: row ``r``'s first
episode after ``reset(seed)`` uses ``seed + r``; its ``k``-th next one uses
``episode_seed(seed, r, k)``.  A vectorised simulator that cannot seed one row
alone (VMAS) is seeded once with ``seed`` and says so in its module.

Optional, beyond the protocol (check with ``getattr``; older adapters lack them):

- ``has_action_masks: bool``: whether :meth:`available_actions` ever returns masks
  (so a caller knows before the first step).
- ``device``: where a simulator runs (a ``torch.device`` for VMAS; ``"cpu"`` for the
  NumPy environments).
- ``episodes`` ``(batch,)`` int64: episodes each row has ended since :meth:`reset`
  (so also the number of the episode it is in now, for :func:`episode_seed`).
- ``last_truncated`` ``(batch,)`` bool: for the rows ``done`` in the last step,
  whether the episode was cut by its time limit rather than ended by the task.
- ``defer_reset: bool`` (settable) and ``pending`` ``(batch,)`` bool: with ``defer_reset`` a row whose
  episode ends is not reset inside :meth:`step`; its ``obs`` (and mask) is the terminal one, and the
  next :meth:`step` starts that row over instead of stepping it (its action is not taken, its reward
  is 0, it is not done), as the PyMARL family's runners give a terminal observation one more forward
  pass and no action.  An adapter without it resets at once (VMAS).
- ``reset_tensors(seed)`` / ``step_tensors(actions)``: the same as ``reset``/``step``
  with torch tensors on ``device`` in and out, for a simulator that lives there
  (VMAS), so a GPU model's actions never leave the GPU.

Nothing here knows about models, hidden states or episodes' bookkeeping: that
is :mod:`hiddenscope.core.episodes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class EnvBatch(Protocol):
    name: str  # e.g. "simple_spread", "lbf", "rware", "vmas:balance"
    batch_size: int
    n_agents: int
    obs_dim: int
    n_actions: int
    episode_limit: int  # steps after which an episode is cut (0: the environment decides alone)

    def reset(self, seed: int) -> np.ndarray: ...

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

    def available_actions(self) -> np.ndarray | None: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class EnvSpec:
    """Sizes of an environment, known before a batch is built."""

    n_agents: int
    obs_dim: int
    n_actions: int
    episode_limit: int
    has_action_masks: bool


def episode_seed(seed: int, row: int, episode: int) -> int:
    """The seed of row ``row``'s episode number ``episode`` (0: the one :meth:`EnvBatch.reset` starts).

    Episode 0 is ``seed + row``, as the protocol says; later ones mix the three
    numbers through NumPy's ``SeedSequence``, so no two (row, episode) pairs of
    one run share a seed the way ``seed + row + 1000 * episode`` would.
    """
    if episode == 0:
        return seed + row
    return int(np.random.SeedSequence([seed, row, episode]).generate_state(1, np.uint32)[0])
