"""Re-running a step from history with tracing on gives the trace the step had when it ran traced."""

from __future__ import annotations

import pytest
import torch
from test_families import agent_layers
from torch import nn

from hiddenscope.core import Config, Stepper
from hiddenscope.core.checkpoint import checkpoint_factory
from hiddenscope.core.edits import parse_edits
from hiddenscope.core.retrace import RetraceError, retrace
from hiddenscope.core.trace import ROLE_HIDDEN

SMALL = Config(batch_size=4, n_agents=3, hidden_dim=16, input_dim=5, device="cpu")


def twin_runs(steps: int, config: Config = SMALL, **options) -> tuple[Stepper, Stepper]:
    """The same run twice: every step traced, and no step traced."""
    traced = Stepper(config, **options)
    untraced = Stepper(config, **options)
    for _ in range(steps):
        traced.step()
        untraced.step(trace=False)
    return traced, untraced


def test_history_records_which_steps_were_traced():
    s = Stepper(SMALL)
    s.step(), s.step(trace=False), s.step(trace=True)
    assert [s.history.traced(t) for t in range(4)] == [True, True, False, True]
    assert s.snapshot(2).trace is None and s.snapshot(3).trace
    assert not s.history.traced(9)  # not held


@pytest.mark.parametrize("t", [1, 2, 6])  # 1: h_0 is init_hidden's expand (stride 0 over 12 numbers)
def test_a_re_run_step_has_the_trace_it_had_when_traced_live(t):
    traced, untraced = twin_runs(6)
    again = retrace(untraced, t)
    assert again.records == traced.snapshot(t).trace  # op, code line, shape, stride, kind, storage, roles…
    assert again.max_abs_diff == 0.0 and again.matches
    assert untraced.history.set_trace(t, again.records)
    frame = untraced.snapshot(t)
    assert frame.retraced and frame.trace == again.records
    assert not untraced.history.set_trace(t, again.records)  # traced now: kept as it is


def test_the_re_run_sees_h_t_minus_1_laid_out_as_the_live_state_was():
    traced, untraced = twin_runs(2)
    first = retrace(untraced, 1).records
    # The model's first reshape of h_0 is a view over init_hidden's 12 numbers, as live.
    reads = [r for r in first if r.role == ROLE_HIDDEN and r.op.startswith("reshape")]
    assert reads and reads[0].stride[0] == 0 and reads[0].storage_numel == 12
    assert first == traced.snapshot(1).trace


class ViewState(nn.Module):
    """Returns its new state as a strided view into a wider tensor: (batch·agents, 2·units)[:, :units]."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.rows, self.units = config.rows, 6
        self.cell = nn.GRUCell(config.input_dim, self.units)

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return torch.zeros(self.rows, 2 * self.units)[:, : self.units]

    def forward(self, inputs: torch.Tensor, hidden: torch.Tensor):
        h = self.cell(inputs.reshape(self.rows, -1), hidden.contiguous())
        wide = torch.cat([h, -h], dim=1)
        return wide, wide[:, : self.units]


def test_a_state_that_is_a_view_into_more_memory_is_rebuilt_as_such():
    traced, untraced = twin_runs(3, model_factory=ViewState)
    for t in (1, 2, 3):
        assert retrace(untraced, t).records == traced.snapshot(t).trace


def test_edits_at_the_step_are_in_the_re_run_trace():
    traced, untraced = twin_runs(4, edits=parse_edits(["3:1:zero", "3:all:clamp=-0.1,0.1"]))
    again = retrace(untraced, 3)
    assert any(r.role == "edit" for r in again.records)
    assert again.records == traced.snapshot(3).trace and again.matches


def layers(inputs: int, units: int, actions: int, recurrent: bool = True, layer_norm: bool = False) -> dict:
    """A PyMARL-family agent's weights, as its ``agent.th`` holds them."""
    found = agent_layers(inputs, units, actions, recurrent, layer_norm)
    return {k: v.detach() for k, v in found.state_dict().items()}


FAMILIES = {  # checkpoint keys, and options: each family's mirrored controller builds its inputs its own way
    "pymarl": (lambda: layers(5, 8, 4), {}),
    "pymarl2 with LayerNorm": (lambda: layers(5, 8, 4, layer_norm=True), {}),
    "epymarl one network per agent": (
        lambda: {f"agents.{i}.{k}": v for i in range(3) for k, v in layers(5, 8, 4).items()},
        {},
    ),
    "epymarl use_rnn False": (lambda: layers(5, 8, 4, recurrent=False), {}),
}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mirrored_controllers_build_their_inputs_again(tmp_path, family, dtype):
    torch.manual_seed(1)
    weights, options = FAMILIES[family]
    path = tmp_path / "agent.th"
    torch.save(weights(), path)
    factory, config = checkpoint_factory(path, Config(batch_size=2, n_agents=3, device="cpu", dtype=dtype), **options)
    traced, untraced = twin_runs(3, config, model_factory=factory)
    for t in (1, 3):
        again = retrace(untraced, t)
        assert any("hiddenscope's mirror" in r.code for r in again.records)
        assert again.records == traced.snapshot(t).trace and again.matches


def test_a_model_that_does_not_repeat_itself_is_caught():
    class Noisy(nn.Module):
        def __init__(self, config: Config) -> None:
            super().__init__()
            self.shape = (config.batch_size, config.n_agents, 4)

        def init_hidden(self, batch_size: int) -> torch.Tensor:
            return torch.zeros(self.shape)

        def forward(self, inputs, hidden):
            h = hidden + torch.rand(self.shape)
            return h, h

    _, untraced = twin_runs(2, model_factory=Noisy)
    again = retrace(untraced, 2)
    assert not again.matches and again.max_abs_diff > 0


def test_steps_that_cannot_be_re_run_say_why():
    s = Stepper(SMALL, history_budget=1)  # the ring holds 2 steps: 4 and 5
    for _ in range(5):
        s.step(trace=False)
    assert retrace(s, 5).matches
    with pytest.raises(RetraceError, match="h_3 or step 4 is no longer held"):
        retrace(s, 4)
    with pytest.raises(RetraceError, match="t = 0 is init_hidden"):
        retrace(s, 0)
