"""The seed's recurrent agent, kept exactly as the note's code runs it.

``RNN`` wraps :class:`torch.nn.GRUCell`; ``CondAgent`` owns one ``RNN`` with
``hidden_dim // 4 * 3`` units (96 for the default 128) and the per-agent hidden
state.  Nothing here knows about tracing: the tracer watches these calls from
outside, so a model written by somebody else is traced the same way.
"""

from __future__ import annotations

import torch as th
from torch import nn


class RNN(nn.Module):
    """A GRU cell that accepts inputs and hidden states of any leading shape."""

    def __init__(self, input_dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.input_dim = input_dim
        self.hidden_dim = hidden_dim
        self.f = nn.GRUCell(input_dim, hidden_dim)

    def init_hidden(self) -> th.Tensor:
        # Same device and dtype as the weights: no device is ever named here.
        return self.f.weight_hh.new(1, self.hidden_dim).zero_()

    def forward(self, inputs: th.Tensor, hidden_state: th.Tensor) -> tuple[th.Tensor, th.Tensor]:
        x_shape = inputs.shape
        x = inputs.reshape(-1, x_shape[-1])
        h_in = hidden_state.reshape(-1, self.hidden_dim)
        h_out = self.f(x, h_in)
        return h_out.view(x_shape[:-1] + th.Size([-1])), h_out.detach()


class CondAgent(nn.Module):
    """The agent from the seed note: ``cond_rnn = RNN(cond_input, _hidden_dim // 4 * 3)``.

    It follows the protocol every model in hiddenscope follows:
    ``init_hidden(batch_size)`` returns the initial hidden state and
    ``forward(inputs, hidden_state)`` returns ``(output, new_hidden_state)``.
    """

    def __init__(self, cond_input: int, n_agents: int, hidden_dim: int = 128) -> None:
        super().__init__()
        self.n_agents = n_agents
        self._hidden_dim = hidden_dim
        self.cond_rnn = RNN(cond_input, self._hidden_dim // 4 * 3)
        self.hidden_state: th.Tensor | None = None

    @property
    def units(self) -> int:
        return self.cond_rnn.hidden_dim

    def init_hidden(self, batch_size: int) -> th.Tensor:
        self.hidden_state = self.cond_rnn.init_hidden().unsqueeze(0).expand(batch_size, self.n_agents, -1)
        return self.hidden_state

    def forward(self, cond_inputs: th.Tensor, hidden_state: th.Tensor) -> tuple[th.Tensor, th.Tensor]:
        cond_x, self.hidden_state = self.cond_rnn(cond_inputs, hidden_state)
        return cond_x, self.hidden_state
