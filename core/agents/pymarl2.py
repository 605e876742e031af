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

from .base import EpisodeBuffer, MirrorController

MIRROR_OF = "@self"  # each class names the PyMARL2 class it mirrors (``mirror_of``)


class NRNNAgent(nn.Module):
    mirror_of = "PyMARL2 NRNNAgent"

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


class RNNAgent(nn.Module):
    """PyMARL2's default ``rnn`` agent: ``(batch, n_agents, input)`` in, flattened inside ``fc1``'s call,
    an in-place ReLU, and ``(batch, n_agents, -1)`` views of the Q-values and the state out."""

    mirror_of = "PyMARL2 RNNAgent"

    def __init__(self, input_shape: int, rnn_hidden_dim: int, n_actions: int) -> None:
        super().__init__()
        self.rnn_hidden_dim = rnn_hidden_dim
        self.fc1 = nn.Linear(input_shape, rnn_hidden_dim)
        self.rnn = nn.GRUCell(rnn_hidden_dim, rnn_hidden_dim)
        self.fc2 = nn.Linear(rnn_hidden_dim, n_actions)

    def init_hidden(self) -> torch.Tensor:
        return self.fc1.weight.new(1, self.rnn_hidden_dim).zero_()

    def forward(self, inputs: torch.Tensor, hidden_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, a, e = inputs.size()
        x = F.relu(self.fc1(inputs.view(-1, e)), inplace=True)
        hidden_state = hidden_state.reshape(-1, self.rnn_hidden_dim)
        h = self.rnn(x, hidden_state)
        q = self.fc2(h)
        return q.view(b, a, -1), h.view(b, a, -1)


class BasicMAC(MirrorController):
    """PyMARL2's ``basic_mac``: ``(batch, n_agents, input)`` inputs; a policy's logits are reshaped to rows,
    masked with -1e5 and softmaxed before the ``view``."""

    family = "pymarl2"
    mirror_of = "PyMARL2 BasicMAC"
    flat_inputs = False
    mask_value = -1e5

    def _outputs(self, agent_outs: torch.Tensor, avail_actions: torch.Tensor | None, bs: int) -> torch.Tensor:
        if self.output_type == "pi_logits":
            if self.mask_before_softmax and avail_actions is not None:
                agent_outs = agent_outs.reshape(bs * self.n_agents, -1)
                reshaped_avail_actions = avail_actions.reshape(bs * self.n_agents, -1)
                agent_outs[reshaped_avail_actions == 0] = self.mask_value
            agent_outs = torch.nn.functional.softmax(agent_outs, dim=-1)
        return agent_outs.view(bs, self.n_agents, -1)


class NMAC(BasicMAC):
    """PyMARL2's ``n_mac``: the agent's ``(batch, n_agents, -1)`` outputs handed straight back."""

    mirror_of = "PyMARL2 NMAC"

    def forward(
        self,
        agent_inputs: torch.Tensor,
        hidden_state: torch.Tensor,
        avail: torch.Tensor | None = None,
        batch: EpisodeBuffer | None = None,
        t: int = 0,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if batch is not None:
            batch["avail_actions"][:, t]  # read and left unused, as n_mac's forward does
        return self.agent(agent_inputs, hidden_state)
