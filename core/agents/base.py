"""What every mirrored controller shares: building inputs and turning logits into a policy."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

MIRROR_OF = "@self"  # each class names the family class it mirrors (``mirror_of``)


class EpisodeBuffer:
    """hiddenscope's stand-in for a runner's ``EpisodeBatch``: what the controller reads its inputs from.

    ``batch["obs"]``, ``batch["actions_onehot"]`` and ``batch["avail_actions"]`` are
    ``(batch, length, n_agents, …)`` tensors, ``length`` the episode limit + 1 as a
    runner allocates them; a step's column is sliced out with ``[:, t]``, so the
    controller's reshapes meet the same strides and storage the real ones do (a copy
    at batch > 1, a view of the whole buffer at batch 1).  The stepper writes each
    step's observations, masks and last actions into the column before the
    controller reads it, outside the trace, as a runner's ``batch.update`` does.
    """

    def __init__(
        self,
        batch_size: int,
        length: int,
        n_agents: int,
        obs_dim: int,
        n_actions: int,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        self.batch_size = batch_size
        self.length = max(2, length)
        self.device = device
        shape = (batch_size, self.length, n_agents)
        self.data = {
            "obs": torch.zeros(*shape, obs_dim, device=device, dtype=dtype),
            "actions_onehot": torch.zeros(*shape, max(1, n_actions), device=device, dtype=dtype),
            "avail_actions": torch.ones(*shape, max(1, n_actions), device=device, dtype=torch.int32),
        }
        self.t = -1  # the column the last step used

    def __getitem__(self, key: str) -> torch.Tensor:
        return self.data[key]

    def next_column(self, all_start: bool) -> int:
        """The column for the next step: 0 when every row starts an episode, as a runner's ``t = 0``.

        Rows of a hiddenscope batch end their episodes at different steps; then the
        column goes on (after the last it comes back to 1, never to 0, which means
        "every row starts").
        """
        self.t = 0 if all_start else (self.t + 1 if self.t + 1 < self.length else 1)
        return self.t


class MirrorController(nn.Module):
    """A multi-agent controller (a PyMARL "MAC") around one agent network.

    Subclasses set :attr:`mirror_of` (the controller's name in its family) and
    :attr:`flat_inputs`: ``True`` where the family's ``_build_inputs`` hands the agent
    ``(batch * n_agents, input)`` rows (PyMARL, EPyMARL), ``False`` where it hands
    ``(batch, n_agents, input)`` (PyMARL2).  Each method stands for the real method of
    the same name; :attr:`mirror_methods` names the real method where the name differs.
    """

    family = ""
    mirror_of = "PyMARL-family controller"
    mirror_methods = {
        "_outputs": "forward",
        "agent_forward": "forward",
        "build_inputs": "_build_inputs",
        "_join": "_build_inputs",
    }
    flat_inputs = True
    mask_value = -1e10  # what the mask writes into unavailable actions' logits before the softmax

    agent: Any  # the family's agent network: its init_hidden() is its own method

    def __init__(
        self,
        agent: nn.Module,
        n_agents: int,
        n_actions: int,
        units: int,
        output_type: str = "q",
        mask_before_softmax: bool = True,
    ) -> None:
        super().__init__()
        self.agent = agent
        self.n_agents = n_agents
        self.n_actions = n_actions
        self.units = units
        self.output_type = output_type
        self.mask_before_softmax = mask_before_softmax
        self.recurrent = True

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return self.agent.init_hidden().unsqueeze(0).expand(batch_size, self.n_agents, -1)

    def _build_inputs(self, batch: EpisodeBuffer, t: int, last_action: bool, agent_id: bool) -> torch.Tensor:
        """The inputs of step column ``t`` from the episode buffer, as the family's ``_build_inputs`` makes them."""
        bs = batch.batch_size
        parts = [batch["obs"][:, t]]
        if last_action:
            if t == 0:
                parts.append(torch.zeros_like(batch["actions_onehot"][:, t]))
            else:
                parts.append(batch["actions_onehot"][:, t - 1])
        if agent_id:
            parts.append(torch.eye(self.n_agents, device=batch.device).unsqueeze(0).expand(bs, -1, -1))
        return self._join(parts, bs)

    def _join(self, parts: list[torch.Tensor], bs: int) -> torch.Tensor:
        if self.flat_inputs:
            return torch.cat([part.reshape(bs * self.n_agents, -1) for part in parts], dim=1)
        return torch.cat([part.reshape(bs, self.n_agents, -1) for part in parts], dim=-1)

    def build_inputs(
        self, obs: torch.Tensor, last_actions_onehot: torch.Tensor | None = None, agent_id: bool = False
    ) -> torch.Tensor:
        """Inputs from an observation array with no episode buffer (inputs from a file or a pattern)."""
        bs = obs.shape[0]
        parts = [obs]
        if last_actions_onehot is not None:
            parts.append(last_actions_onehot)
        if agent_id:
            parts.append(torch.eye(self.n_agents, device=obs.device, dtype=obs.dtype).unsqueeze(0).expand(bs, -1, -1))
        return self._join(parts, bs)

    def agent_forward(
        self, agent_inputs: torch.Tensor, hidden_state: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.agent(agent_inputs, hidden_state)

    def forward(
        self,
        agent_inputs: torch.Tensor,
        hidden_state: torch.Tensor,
        avail: torch.Tensor | None = None,
        batch: EpisodeBuffer | None = None,
        t: int = 0,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One step.  With ``batch`` the action masks are column ``t`` of the episode buffer, as the real
        ``forward(ep_batch, t)`` reads them; else ``avail`` ``(batch, n_agents, n_actions)``, or none."""
        if self.flat_inputs and agent_inputs.dim() == 3:
            # Handed (batch, n_agents, input) by a caller that did not build them (a re-run from history).
            agent_inputs = self.build_inputs(agent_inputs)
        rows = agent_inputs.shape[0] if self.flat_inputs else agent_inputs.shape[0] * agent_inputs.shape[1]
        bs = rows // self.n_agents
        avail_actions = batch["avail_actions"][:, t] if batch is not None else avail
        agent_outs, hidden_state = self.agent_forward(agent_inputs, hidden_state)
        return self._outputs(agent_outs, avail_actions, bs), hidden_state

    def _outputs(self, agent_outs: torch.Tensor, avail_actions: torch.Tensor | None, bs: int) -> torch.Tensor:
        """PyMARL's and EPyMARL's ``BasicMAC``: mask and softmax a policy's logits in place; then ``view``."""
        if self.output_type == "pi_logits":
            if self.mask_before_softmax and avail_actions is not None:
                reshaped_avail_actions = avail_actions.reshape(bs * self.n_agents, -1)
                agent_outs[reshaped_avail_actions == 0] = self.mask_value
            agent_outs = torch.nn.functional.softmax(agent_outs, dim=-1)
        return agent_outs.view(bs, self.n_agents, -1)
