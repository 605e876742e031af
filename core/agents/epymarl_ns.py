"""hiddenscope's mirror of EPyMARL's ``RNNNSAgent``: one ``RNNAgent`` per agent (``agents.0.…``, ``agents.1.…``)."""

from __future__ import annotations

import torch
from torch import nn

MIRROR_OF = "@self"  # the class names the EPyMARL class it mirrors (``mirror_of``)


class RNNNSAgent(nn.Module):
    """One :class:`RNNAgent` per agent; agent ``i`` reads input column ``i`` and hidden slice ``[:, i]``."""

    mirror_of = "EPyMARL RNNNSAgent"

    def __init__(self, input_shape: int, hidden_dim: int, n_actions: int, n_agents: int, use_rnn: bool = True) -> None:
        super().__init__()
        self.n_agents = n_agents
        self.input_shape = input_shape
        self.agents = nn.ModuleList([_RNNAgent(input_shape, hidden_dim, n_actions, use_rnn) for _ in range(n_agents)])

    def init_hidden(self) -> torch.Tensor:
        return torch.cat([a.init_hidden() for a in self.agents])  # type: ignore[operator]

    def forward(self, inputs: torch.Tensor, hidden_state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hiddens = []
        qs = []
        if inputs.size(0) == self.n_agents:  # a batch of one: one input row per agent
            for i in range(self.n_agents):
                q, h = self.agents[i](inputs[i].unsqueeze(0), hidden_state[:, i])
                hiddens.append(h)
                qs.append(q)
            return torch.cat(qs), torch.cat(hiddens).unsqueeze(0)
        for i in range(self.n_agents):
            inputs = inputs.view(-1, self.n_agents, self.input_shape)
            q, h = self.agents[i](inputs[:, i], hidden_state[:, i])
            hiddens.append(h.unsqueeze(1))
            qs.append(q.unsqueeze(1))
        return torch.cat(qs, dim=-1).view(-1, q.size(-1)), torch.cat(hiddens, dim=1)


def _RNNAgent(input_shape: int, hidden_dim: int, n_actions: int, use_rnn: bool) -> nn.Module:
    from .epymarl import RNNAgent

    return RNNAgent(input_shape, hidden_dim, n_actions, use_rnn)
