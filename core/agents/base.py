"""What every mirrored controller shares: building inputs and turning logits into a policy."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

MIRROR_OF = "@self"  # each controller class names the family controller it mirrors


class MirrorController(nn.Module):
    """A multi-agent controller (a PyMARL "MAC") around one agent network.

    Subclasses set :attr:`mirror_of` (the controller's name in its family) and
    :attr:`flat_inputs`: ``True`` where the family's
    ``_build_inputs`` hands the agent ``(batch * n_agents, input)`` rows (PyMARL,
    EPyMARL), ``False`` where it hands ``(batch, n_agents, input)`` (PyMARL2).
    """

    family = ""
    mirror_of = "PyMARL-family controller"
    flat_inputs = True

    agent: Any  # the family's agent network: its init_hidden() is its own method

    def __init__(self, agent: nn.Module, n_agents: int, n_actions: int, units: int, output_type: str = "q") -> None:
        super().__init__()
        self.agent = agent
        self.n_agents = n_agents
        self.n_actions = n_actions
        self.units = units
        self.output_type = output_type
        self.recurrent = True

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return self.agent.init_hidden().unsqueeze(0).expand(batch_size, self.n_agents, -1)

    def build_inputs(
        self, obs: torch.Tensor, last_actions_onehot: torch.Tensor | None = None, agent_id: bool = False
    ) -> torch.Tensor:
        bs = obs.shape[0]
        parts = [obs]
        if last_actions_onehot is not None:
            parts.append(last_actions_onehot)
        if agent_id:
            parts.append(torch.eye(self.n_agents, device=obs.device, dtype=obs.dtype).unsqueeze(0).expand(bs, -1, -1))
        if self.flat_inputs:
            return torch.cat([part.reshape(bs * self.n_agents, -1) for part in parts], dim=1)
        return torch.cat([part.reshape(bs, self.n_agents, -1) for part in parts], dim=-1)

    def agent_forward(
        self, agent_inputs: torch.Tensor, hidden_state: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.agent(agent_inputs, hidden_state)

    def forward(
        self, agent_inputs: torch.Tensor, hidden_state: torch.Tensor, avail: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.flat_inputs and agent_inputs.dim() == 3:
            # Handed (batch, n_agents, input) by a caller that did not build them (a re-run from history).
            agent_inputs = self.build_inputs(agent_inputs)
        rows = agent_inputs.shape[0] if self.flat_inputs else agent_inputs.shape[0] * agent_inputs.shape[1]
        bs = rows // self.n_agents
        agent_outs, hidden_state = self.agent_forward(agent_inputs, hidden_state)
        if self.output_type == "pi_logits":
            agent_outs = agent_outs.reshape(bs * self.n_agents, -1)
            if avail is not None:  # unavailable actions get (almost) no probability
                agent_outs[avail.reshape(bs * self.n_agents, -1) == 0] = -1e10
            agent_outs = torch.nn.functional.softmax(agent_outs, dim=-1)
        return agent_outs.view(bs, self.n_agents, -1), hidden_state
