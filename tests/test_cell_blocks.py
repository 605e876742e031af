"""Large steps run their GRU cells in row blocks on several threads: the same numbers, the same trace."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from hiddenscope.core import Config, Stepper
from hiddenscope.core import step_runtime as device_module
from hiddenscope.core.inputs import PatternInputs
from hiddenscope.core.retrace import retrace
from hiddenscope.core.step_runtime import CELL_BLOCK_ROWS, MIN_BLOCKED_ROWS, CellBlocks, cell_block_rows, torch_threads


def planted_cell(rows: int, inputs: int = 7, units: int = 12, seed: int = 0):
    torch.manual_seed(seed)
    cell = nn.GRUCell(inputs, units)
    return cell, torch.randn(rows, inputs), torch.randn(rows, units)


def whole_on_one_thread(cell: nn.GRUCell, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    with torch_threads(1), torch.no_grad():
        return cell(x, h)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("rows, block", [(1000, 64), (1001, 64), (1000, 333), (130, 64), (64, 32)])  # short tails
def test_blocks_give_the_whole_cell_on_one_thread_to_the_bit(rows, block, threads):
    cell, x, h = planted_cell(rows)
    mode = CellBlocks(block, threads)
    with torch.no_grad(), torch_threads(2), mode:  # the step's own count of threads, as Play runs it
        blocked = cell(x, h)
    assert mode.calls == 1  # the cell really ran in blocks
    # Every row, the last short block included, in its place, in the same bits.
    whole = whole_on_one_thread(cell, x, h)
    assert blocked.shape == whole.shape and blocked.dtype == whole.dtype
    assert torch.equal(blocked, whole)


def test_a_state_broadcast_over_rows_is_read_as_the_whole_call_reads_it():
    cell, x, _ = planted_cell(300)
    h = torch.randn(1, 12).expand(300, 12)  # stride 0 down the rows, as init_hidden's expand
    mode = CellBlocks(50, 2)
    with torch.no_grad(), mode:
        blocked = cell(x, h)
    assert mode.calls == 1 and torch.equal(blocked, whole_on_one_thread(cell, x, h))


@pytest.mark.parametrize("inputs, state_rows", [(6, 300), (7, 600), (7, 299)])
def test_a_cell_that_does_not_fit_its_inputs_fails_as_the_whole_call_does(inputs, state_rows):
    cell, _, _ = planted_cell(300)
    x, h = torch.randn(300, inputs), torch.randn(state_rows, 12)  # the cell wants 7 inputs and 300 states
    with torch.no_grad(), pytest.raises(RuntimeError) as whole:
        cell(x, h)
    mode = CellBlocks(50, 2)
    with torch.no_grad(), mode, pytest.raises(RuntimeError) as blocked:
        cell(x, h)
    assert str(blocked.value) == str(whole.value) and mode.calls == 0


def test_with_autograd_recording_the_cell_runs_whole():
    cell, x, h = planted_cell(300)
    mode = CellBlocks(50, 2)
    with mode:
        out = cell(x, h)
    assert mode.calls == 0 and out.grad_fn is not None  # a graph back to the weights
    out.sum().backward()
    assert cell.weight_hh.grad is not None


def test_which_steps_are_blocked():
    cpu = torch.device("cpu")
    assert cell_block_rows(cpu, 1024 * 64) == cell_block_rows(cpu, MIN_BLOCKED_ROWS) == CELL_BLOCK_ROWS
    assert cell_block_rows(cpu, MIN_BLOCKED_ROWS - 1) is None  # smaller steps run as they are
    assert cell_block_rows(torch.device("cuda"), 1024 * 64) is None  # a GPU runs the whole cell at once


# The fewest rows that are blocked, of a small model (12 units): 32,768 = 512 × 64 agents.
BIG = Config(batch_size=MIN_BLOCKED_ROWS // 64, n_agents=64, hidden_dim=16, input_dim=5, device="cpu")
ROWS = BIG.batch_size * BIG.n_agents


@pytest.fixture
def pool_calls(monkeypatch):
    """How many blocked cells asked for helper threads."""
    calls = []
    real = device_module._block_pool

    def counted(size):
        calls.append(size)
        return real(size)

    monkeypatch.setattr(device_module, "_block_pool", counted)
    return calls


def twins(steps: int, tracing: bool = True) -> tuple[Stepper, Stepper]:
    """The same run in blocks on two threads, and whole on one (the bits blocks promise)."""
    blocked, whole = Stepper(BIG, tracing=tracing), Stepper(BIG, tracing=tracing)
    blocked.threads, whole.block_rows, whole.threads = 2, None, 1
    for _ in range(steps):
        blocked.step(), whole.step()
    return blocked, whole


def test_a_large_step_is_blocked_and_gives_the_same_run_and_the_same_trace(pool_calls):
    blocked, whole = twins(steps=4)
    assert blocked.block_rows == CELL_BLOCK_ROWS and pool_calls == [1] * 4  # each step's cell, with a helper
    for t in range(1, 5):
        a, b = blocked.snapshot(t), whole.snapshot(t)
        assert (a.hidden == b.hidden).all()
        # The trace shows the cell over all the rows, as the model called it, not the blocks.
        assert a.trace == b.trace
    cells = [r for r in blocked.snapshot(4).trace if r.op.startswith("gru_cell")]
    assert [r.shape for r in cells] == [(ROWS, 12)]


def test_a_blocked_step_re_run_from_history_matches_what_was_recorded(pool_calls):
    blocked, whole = twins(steps=3, tracing=False)
    again = retrace(blocked, 3)
    assert pool_calls == [1] * 4  # three steps and the re-run, each in blocks
    assert again.max_abs_diff == 0.0
    assert again.records == retrace(whole, 3).records


def test_only_the_model_runs_under_the_blocks_not_its_inputs(pool_calls):
    """An environment's own torch ops (hundreds a step in VMAS) must not each pass through a Python mode."""
    modes_seen: list[int] = []

    class WatchedInputs(PatternInputs):
        def inputs(self, t: int):
            modes_seen.append(torch._C._len_torch_function_stack())
            return super().inputs(t)

    def watched(c: Config) -> WatchedInputs:
        return WatchedInputs(c.batch_size, c.n_agents, c.input_dim, seed=c.seed)

    stepper = Stepper(BIG, input_factory=watched, tracing=False, history_on_device=False)  # inputs() each step
    stepper.threads = 2
    stepper.step(), stepper.step()
    assert pool_calls == [1, 1]  # the model's cells ran in blocks
    assert modes_seen and set(modes_seen) == {0}  # while the inputs were made, no mode was active
