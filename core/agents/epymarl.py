"""hiddenscope's mirror of EPyMARL's ``RNNAgent``, ``RNNNSAgent``, ``BasicMAC`` and ``NonSharedMAC``.

EPyMARL's ``RNNAgent`` sizes its layers with ``hidden_dim``; with ``use_rnn:
False`` (the default of its ``qmix``/``vdn`` configs) its ``rnn`` is an
``nn.Linear`` and the "hidden state" is a feed-forward activation that does not
depend on the previous step.  ``RNNNSAgent`` keeps one ``RNNAgent`` per agent
(``agents.0.…``, ``agents.1.…``) and gives each its own slice of the state.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import MirrorController

MIRROR_OF = "@self"  # each class names the EPyMARL class it mirrors (``mirror_of``)


class RNNAgent(nn.Module):
    mirror_of = "EPyMARL RNNAgent"

    def __init__(self, input_shape: int, hidden_dim: int, n_actions: int, use_rnn: bool = True) -> None:
        super().__init__()
        self.hidden_dim = hidden_dim
        self.use_rnn = use_rnn
        self.fc1 = nn.Linear(input_shape, hidden_dim)
        self.rnn: nn.Module = nn.GRUCell(hidden_dim, hidden_dim) if use_rnn else nn.Linear(hidden_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, n_actions)

    def init_hidden(self) -> torch.Tensor:
        return self.fc1.weight.new(1, self.hidden_dim).zero_()

    def forward(self, inputs: torch.Tensor, hidden_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.relu(self.fc1(inputs))
        h_in = hidden_state.reshape(-1, self.hidden_dim)
        if self.use_rnn:
            h = self.rnn(x, h_in)
        else:
            h = F.relu(self.rnn(x))
        q = self.fc2(h)
        return q, h


class BasicMAC(MirrorController):
    family = "epymarl"
    mirror_of = "EPyMARL BasicMAC"
    flat_inputs = True


class NonSharedMAC(MirrorController):
    """EPyMARL's controller for ``RNNNSAgent``: the agent's ``(n_agents, H)`` start, expanded over the batch."""

    family = "epymarl-ns"
    mirror_of = "EPyMARL NonSharedMAC"
    flat_inputs = True

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return self.agent.init_hidden().unsqueeze(0).expand(batch_size, -1, -1)  # type: ignore[no-any-return]
