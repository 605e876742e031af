"""hiddenscope's mirror of PyMARL2's ``NRNNAgent`` and ``NMAC``.

``NMAC`` builds ``(batch, n_agents, input)`` inputs; the agent flattens them,
runs ``fc1`` → in-place ReLU → ``GRUCell``, optionally a ``LayerNorm`` before
``fc2``, and returns both Q-values and the new state as ``(batch, n_agents, -1)``
views.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import MirrorController

MIRROR_OF = "PyMARL2 NRNNAgent"


class NRNNAgent(nn.Module):
    def __init__(self, input_shape: int, rnn_hidden_dim: int, n_actions: int, use_layer_norm: bool = False) -> None:
        super().__init__()
        self.rnn_hidden_dim = rnn_hidden_dim
        self.use_layer_norm = use_layer_norm
        self.fc1 = nn.Linear(input_shape, rnn_hidden_dim)
        self.rnn = nn.GRUCell(rnn_hidden_dim, rnn_hidden_dim)
        self.fc2 = nn.Linear(rnn_hidden_dim, n_actions)
        if use_layer_norm:
            self.layer_norm = nn.LayerNorm(rnn_hidden_dim)

    def init_hidden(self) -> torch.Tensor:
        return self.fc1.weight.new(1, self.rnn_hidden_dim).zero_()

    def forward(self, inputs: torch.Tensor, hidden_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, a, e = inputs.size()
        inputs = inputs.view(-1, e)
        x = F.relu(self.fc1(inputs), inplace=True)
        h_in = hidden_state.reshape(-1, self.rnn_hidden_dim)
        hh = self.rnn(x, h_in)
        if self.use_layer_norm:
            q = self.fc2(self.layer_norm(hh))
        else:
            q = self.fc2(hh)
        return q.view(b, a, -1), hh.view(b, a, -1)


class NMAC(MirrorController):
    family = "pymarl2"
    mirror_of = "PyMARL2 NMAC"
    flat_inputs = False

    def forward(
        self, agent_inputs: torch.Tensor, hidden_state: torch.Tensor, avail: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # NMAC hands the agent's (batch, n_agents, -1) views straight back.
        return self.agent(agent_inputs, hidden_state)
