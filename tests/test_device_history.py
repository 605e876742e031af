"""The history ring kept on the model's device (issue 27), exercised on the CPU.

On a GPU the ring's states, inputs and outputs live in device tensors and only what is read
crosses to the host.  The code is the same on every device, so these tests run it on the CPU
(``history_on_device=True``) and check every read against the host ring of the same run.
``tests/test_cuda.py`` checks the GPU itself where there is one.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hiddenscope.core import Config, Stepper
from hiddenscope.core.analysis import held_hidden
from hiddenscope.core.history import DeviceSteps
from hiddenscope.core.retrace import retrace

SMALL = Config(batch_size=4, n_agents=3, hidden_dim=16, input_dim=5, device="cpu")


class QAgent(nn.Module):
    """A shared agent with Q-values apart from its state, so the ring holds outputs too."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.n_agents = config.n_agents
        self.fc = nn.Linear(config.input_dim, 12)
        self.rnn = nn.GRUCell(12, 12)
        self.q = nn.Linear(12, 4)

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return self.fc.weight.new_zeros(batch_size, self.n_agents, 12)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h_out = self.rnn(torch.relu(self.fc(x.reshape(-1, x.shape[-1]))), h.reshape(-1, 12))
        return self.q(h_out).view(*x.shape[:-1], -1), h_out.view(*x.shape[:-1], -1)


def pair(**kwargs) -> tuple[Stepper, Stepper]:
    on_device = Stepper(SMALL, history_on_device=True, **kwargs)
    on_host = Stepper(SMALL, history_on_device=False, **kwargs)
    return on_device, on_host


def test_a_step_writes_the_ring_on_the_device_and_every_read_matches_the_host_ring():
    dev, host = pair(model_factory=QAgent)
    for s in (dev, host):
        for _ in range(12):
            s.advance()
    assert isinstance(dev.history.hidden, DeviceSteps) and isinstance(dev.history.outputs, DeviceSteps)
    assert dev.history.hidden.values.device == dev.device
    assert isinstance(host.history.hidden, np.ndarray)
    for t in range(13):
        a, b = dev.snapshot(t), host.snapshot(t)
        np.testing.assert_array_equal(a.hidden, b.hidden)
        for x, y in ((a.inputs, b.inputs), (a.output, b.output)):
            assert (x is None) == (y is None)
            if x is not None:
                np.testing.assert_array_equal(x, y)
        assert not a.hidden.flags.writeable  # a reader cannot write into what it was given
    # The ring's values are the model's own state after each step, recomputed here from the inputs.
    model, h = dev.model, dev.model.init_hidden(SMALL.batch_size)
    with torch.no_grad():
        for t in range(1, 13):
            _, h = model(torch.tensor(dev.snapshot(t).inputs), h)
            np.testing.assert_allclose(dev.snapshot(t).hidden, h.numpy(), atol=1e-6)


def test_windows_units_and_pairs_read_through_the_device_ring_as_through_the_host_ring():
    dev, host = pair()
    dev.run(30), host.run(30)
    np.testing.assert_array_equal(held_hidden(dev, 5, 25)[1], held_hidden(host, 5, 25)[1])
    np.testing.assert_array_equal(dev.unit_history(2, 1, 20)[1], host.unit_history(2, 1, 20)[1])
    pa, pb = dev.history.pair(17), host.history.pair(17)
    assert pa is not None and pb is not None
    for x, y in zip(pa, pb, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(dev.difference(9), host.difference(9))
    ts = np.array([3, 11, 29])
    rows = dev.history.hidden[ts % dev.history.capacity, 1, 2, :]
    np.testing.assert_array_equal(rows, host.history.hidden[ts % host.history.capacity, 1, 2, :])


def test_the_device_ring_drops_the_oldest_steps_at_the_budget_asked():
    probe = Stepper(SMALL, history_on_device=True)
    per_step = probe.history.bytes_per_step
    s = Stepper(SMALL, history_on_device=True, history_budget=7 * per_step)
    assert s.history.capacity == 7
    s.run(20)
    held = s.history.bounds()
    assert (held.first, held.last) == (14, 20)
    reference = Stepper(SMALL, history_on_device=False)
    reference.run(20)
    np.testing.assert_array_equal(s.snapshot(14).hidden, reference.snapshot(14).hidden)


def test_an_untraced_step_re_run_from_the_device_ring_gets_its_trace():
    s = Stepper(SMALL, history_on_device=True, tracing=False)
    s.run(6)
    assert not s.history.traced(4)
    again = retrace(s, 4)
    assert again.matches and again.max_abs_diff == 0.0  # the re-run from the device ring gives h_4 exactly
    traced = Stepper(SMALL, history_on_device=False)
    traced.run(6)
    live = traced.snapshot(4).trace or []
    assert live and [(r.op, r.shape) for r in again.records] == [(r.op, r.shape) for r in live]


class RunningClock:
    """Stands in for a GPU step's clock still running (StepClock.pending): read once, when asked."""

    def __init__(self, ms: float) -> None:
        self.ms, self.reads = ms, 0

    def elapsed(self) -> float:
        self.reads += 1
        return self.ms


def test_step_clocks_left_running_are_read_when_a_frame_is_and_never_pile_up():
    from hiddenscope.core.history import PENDING_CLOCKS, History

    hist = History((2, 3, 4), (2, 3, 1), budget_bytes=10**7)
    clocks = []
    for t in range(200):
        slot = hist.slot(t)
        clocks.append(RunningClock(float(t) + 0.5))
        hist.finish(t, None, clocks[-1], has_inputs=t > 0)
        assert len(hist._pending_ms) <= PENDING_CLOCKS
    assert hist.frame(199).step_ms == 199.5 and hist.frame(3).step_ms == 3.5
    assert all(c.reads <= 1 for c in clocks)  # each clock read at most once, its time kept
    assert hist.frame(199).step_ms == 199.5 and clocks[199].reads == 1
    assert slot == 199 % hist.capacity
    hist.clear()
    assert not hist._pending_ms


def test_inputs_built_on_the_device_in_blocks_are_the_host_inputs_and_traces_show_a_step_s_own_tensor():
    from hiddenscope.core.inputs import PatternInputs

    source = PatternInputs(4, 3, 5, seed=2)
    for t in (0, 1, 63, 64, 65, 200, 3):  # across blocks and back
        x = source.tensor(t, torch.device("cpu"), torch.float64)
        assert x.dtype == torch.float64 and x.is_contiguous() and x.untyped_storage().nbytes() == x.numel() * 8
        np.testing.assert_array_equal(x.numpy(), source.inputs(t).astype(np.float64))
    dev, host = pair()
    dev.run(5), host.run(5)
    for t in range(1, 6):
        np.testing.assert_array_equal(dev.snapshot(t).inputs, host.snapshot(t).inputs)
        a, b = dev.snapshot(t).trace or [], host.snapshot(t).trace or []
        assert a and [(r.code, r.shape, r.storage_numel, r.kind) for r in a] == [
            (r.code, r.shape, r.storage_numel, r.kind) for r in b
        ]
