"""hiddenscope's mirror of PyMARL's ``RNNAgent`` and ``BasicMAC``.

The agent: ``fc1`` → ReLU → ``GRUCell`` → ``fc2`` (Q-values), on
``(batch * n_agents, input)`` rows; the controller expands one zero row of
``rnn_hidden_dim`` to ``(batch, n_agents, H)`` and gets ``(batch * n_agents, H)`` back.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import MirrorController

MIRROR_OF = "@self"  # each class names the PyMARL class it mirrors (``mirror_of``)


class RNNAgent(nn.Module):
    mirror_of = "PyMARL RNNAgent"

    def __init__(self, input_shape: int, rnn_hidden_dim: int, n_actions: int) -> None:
        super().__init__()
        self.rnn_hidden_dim = rnn_hidden_dim
        self.fc1 = nn.Linear(input_shape, rnn_hidden_dim)
        self.rnn = nn.GRUCell(rnn_hidden_dim, rnn_hidden_dim)
        self.fc2 = nn.Linear(rnn_hidden_dim, n_actions)

    def init_hidden(self) -> torch.Tensor:
        return self.fc1.weight.new(1, self.rnn_hidden_dim).zero_()

    def forward(self, inputs: torch.Tensor, hidden_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.relu(self.fc1(inputs))
        h_in = hidden_state.reshape(-1, self.rnn_hidden_dim)
        h = self.rnn(x, h_in)
        q = self.fc2(h)
        return q, h


class BasicMAC(MirrorController):
    family = "pymarl"
    mirror_of = "PyMARL BasicMAC"
    flat_inputs = True
