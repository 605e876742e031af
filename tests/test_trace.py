"""The shape trace records what PyTorch really did to the hidden state, for any size and any model."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from hiddenscope.core import Config, Stepper
from hiddenscope.core.model import CondAgent
from hiddenscope.core.trace import trace_forward, trace_init
from hiddenscope.core.trace_notes import note_for


def shares_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def assert_record_is(record, tensor: torch.Tensor, kind: str) -> None:
    """The record describes ``tensor`` exactly as PyTorch reports it."""
    assert record.shape == tuple(tensor.shape)
    assert tuple(record.stride) == tensor.stride()
    assert record.contiguous == tensor.is_contiguous()
    assert record.storage_numel == tensor.untyped_storage().nbytes() // tensor.element_size()
    assert record.dtype == str(tensor.dtype).removeprefix("torch.")
    assert record.device == str(tensor.device)
    assert record.kind == kind
    assert record.is_view == (kind == "view")


# -- the story of the default configuration --------------------------------------------------


@pytest.fixture(scope="module")
def default_session():
    """A default session stepped twice, with the trace of each stage kept."""
    stepper = Stepper(Config(device="cpu"))
    init = list(stepper.init_trace)
    stepper.step()
    step1 = list(stepper.trace)
    stepper.step()
    step2 = list(stepper.trace)
    return stepper, init, step1, step2


def test_default_init_trace(default_session):
    _, init, _, _ = default_session
    assert [r.call[0] for r in init] == ["new", "zero_", "unsqueeze", "expand"]
    assert [r.op for r in init] == ["new(1, 96)", "zero_()", "unsqueeze(0)", "expand(32, 5, -1)"]
    assert all(r.phase == "init" and r.step == 0 and r.role == "hidden" for r in init)
    new, zero, unsq, expand = init
    assert (new.shape, new.kind, new.contiguous) == ((1, 96), "new", True)
    assert (zero.shape, zero.kind) == ((1, 96), "in-place")
    assert (unsq.shape, unsq.stride, unsq.kind) == ((1, 1, 96), (96, 96, 1), "view")
    assert (expand.shape, expand.stride, expand.kind) == ((32, 5, 96), (0, 0, 1), "view")
    assert not expand.contiguous
    # 15,360 values shown, 96 numbers behind them.
    assert expand.numel == 32 * 5 * 96
    assert expand.storage_numel == 96


def test_default_first_step_trace(default_session):
    _, _, step1, _ = default_session
    assert [r.call[0] for r in step1] == ["reshape", "reshape", "gru_cell", "view", "detach"]
    assert all(r.step == 1 and r.phase == "forward" for r in step1)
    x, h_in, gru, out, det = step1
    assert (x.role, x.shape, x.kind) == ("input", (160, 16), "view")
    assert (h_in.role, h_in.shape, h_in.stride, h_in.kind) == ("hidden", (160, 96), (0, 1), "view")
    assert not h_in.contiguous and h_in.storage_numel == 96
    assert (gru.shape, gru.stride, gru.kind, gru.contiguous) == ((160, 96), (96, 1), "new", True)
    assert (out.role, out.shape, out.kind) == ("output", (32, 5, 96), "view")
    assert (det.role, det.shape, det.kind) == ("new hidden", (160, 96), "view")


def test_default_second_step_reshapes_a_contiguous_state(default_session):
    _, _, _, step2 = default_session
    h_in = step2[1]
    assert h_in.step == 2
    assert h_in.role == "hidden"
    assert (h_in.shape, h_in.stride, h_in.contiguous, h_in.kind) == ((160, 96), (96, 1), True, "view")
    assert h_in.storage_numel == 160 * 96


def test_code_names_the_real_source_line(default_session):
    _, init, step1, _ = default_session
    assert "weight_hh.new(1, self.hidden_dim).zero_()" in init[0].code
    assert ".unsqueeze(0).expand(batch_size, self.n_agents, -1)" in init[3].code
    assert "reshape(-1, self.hidden_dim)" in step1[1].code
    assert "reshape(-1, x_shape[-1])" in step1[0].code
    assert "self.f(x, h_in)" in step1[2].code
    assert "h_out.detach()" in step1[4].code


def test_json_form(default_session):
    _, init, step1, _ = default_session
    for record in init + step1:
        doc = json.loads(json.dumps(record.to_json()))
        assert {"step", "op", "code", "shape", "stride", "contiguous", "is_view", "device", "dtype"} <= doc.keys()
        assert doc["step"] == record.step
        assert doc["op"] == record.op
        assert doc["code"] == record.code
        assert doc["shape"] == list(record.shape)
        assert doc["stride"] == list(record.stride)
        assert doc["contiguous"] is record.contiguous
        assert doc["is_view"] is (record.kind == "view")
        assert doc["device"] == "cpu"
        assert doc["dtype"] == "float32"
    assert init[3].to_json()["stride"] == [0, 0, 1]


def test_notes_flag_the_stride_zero_state_and_the_flattened_new_hidden(default_session):
    _, init, step1, step2 = default_session
    notes = [note_for(r, 32, 5) for r in init + step1 + step2]
    flagged = [(r.phase, r.step, r.call[0]) for r, n in zip(init + step1 + step2, notes, strict=True) if n]
    assert flagged == [
        ("init", 0, "expand"),
        ("forward", 1, "reshape"),  # the (160, 96) view of the same 96 numbers
        ("forward", 1, "detach"),
        ("forward", 2, "detach"),
    ]
    assert "(0, 0, 1)" in note_for(init[3], 32, 5)
    assert "96" in note_for(init[3], 32, 5)
    flattened = note_for(step1[4], 32, 5)
    assert "(32, 5, 96)" in flattened and "(160, 96)" in flattened


def test_notes_say_nothing_about_a_single_agent_flattened_hidden():
    stepper = Stepper(Config(batch_size=3, n_agents=1, hidden_dim=8, input_dim=2, device="cpu"))
    stepper.step()
    det = stepper.trace[-1]
    assert det.role == "new hidden" and det.shape == (3, 6)
    assert note_for(det, 3, 1) == ""
    # The expanded init state is still one row behind three, and says so.
    assert note_for(stepper.history.frame(0).trace[-1], 3, 1) != ""


def test_notes_say_nothing_when_nothing_is_expanded():
    stepper = Stepper(Config(batch_size=1, n_agents=1, hidden_dim=8, input_dim=2, device="cpu"))
    stepper.step()
    for record in stepper.history.frame(0).trace + stepper.trace:
        assert note_for(record, 1, 1) == ""


# -- property: every record is what PyTorch really did ------------------------------------------


def expected_init(model: CondAgent, batch: int):
    """Run the seed's init_hidden ops by hand and say what each produced."""
    w = model.cond_rnn.f.weight_hh
    h_new = w.new(1, model.units)
    h_zero = h_new.zero_()
    assert h_zero is h_new
    h_unsq = h_zero.unsqueeze(0)
    h_exp = h_unsq.expand(batch, model.n_agents, -1)
    return [
        (h_new, "new" if not shares_memory(h_new, w) else "view"),
        (h_zero, "in-place"),
        (h_unsq, "view" if shares_memory(h_unsq, h_zero) else "new"),
        (h_exp, "view" if shares_memory(h_exp, h_unsq) else "new"),
    ]


def expected_forward(model: CondAgent, inputs: torch.Tensor, hidden: torch.Tensor):
    """Run the seed's forward ops by hand and say what each produced."""
    x = inputs.reshape(-1, inputs.shape[-1])
    h_in = hidden.reshape(-1, model.units)
    h_out = model.cond_rnn.f(x, h_in)
    out = h_out.view(inputs.shape[:-1] + torch.Size([-1]))
    det = h_out.detach()

    def kind(result, source):
        return "view" if shares_memory(result, source) else "new"

    gru_kind = "new" if not (shares_memory(h_out, x) or shares_memory(h_out, h_in)) else "view"
    return [
        (x, kind(x, inputs)),
        (h_in, kind(h_in, hidden)),
        (h_out, gru_kind),
        (out, kind(out, h_out)),
        (det, kind(det, h_out)),
    ]


sizes = st.tuples(
    st.integers(1, 6),  # batch
    st.integers(1, 5),  # n_agents
    st.integers(4, 40),  # hidden_dim
    st.integers(1, 8),  # input_dim
    st.sampled_from([torch.float32, torch.float64]),
)


@settings(max_examples=40, deadline=None)
@given(sizes)
def test_trace_matches_what_pytorch_did(case):
    batch, n_agents, hidden_dim, input_dim, dtype = case
    torch.manual_seed(0)
    model = CondAgent(input_dim, n_agents, hidden_dim).to(dtype).eval()
    units = hidden_dim // 4 * 3

    with torch.no_grad():
        hidden, init_records = trace_init(model, batch)
        expected = expected_init(model, batch)
    assert len(init_records) == len(expected)
    for record, (tensor, kind) in zip(init_records, expected, strict=True):
        assert record.role == "hidden"
        assert_record_is(record, tensor, kind)
    assert hidden.shape == (batch, n_agents, units)

    for step in (1, 2):
        inputs = torch.randn(batch, n_agents, input_dim, dtype=dtype)
        with torch.no_grad():
            expected = expected_forward(model, inputs, hidden)
            _, new_hidden, records = trace_forward(model, inputs, hidden, step=step)
        assert [r.role for r in records] == ["input", "hidden", "hidden", "output", "new hidden"]
        assert all(r.step == step for r in records)
        assert len(records) == len(expected)
        for record, (tensor, kind) in zip(records, expected, strict=True):
            assert_record_is(record, tensor, kind)
        assert records[-1].shape == (batch * n_agents, units)
        hidden = new_hidden


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(4, 24), st.integers(1, 6))
def test_stepper_trace_matches_a_hand_run(batch, n_agents, hidden_dim, input_dim):
    """The trace a Stepper keeps in its history is the one for its own config."""
    config = Config(batch_size=batch, n_agents=n_agents, hidden_dim=hidden_dim, input_dim=input_dim, device="cpu")
    stepper = Stepper(config)
    with torch.no_grad():
        expected = expected_init(stepper.model, batch)
    for record, (tensor, kind) in zip(stepper.init_trace, expected, strict=True):
        assert_record_is(record, tensor, kind)
    h0 = stepper.hidden_state
    stepper.step()
    inputs = torch.from_numpy(stepper.frame.inputs.copy())
    with torch.no_grad():
        expected = expected_forward(stepper.model, inputs, h0)
    for record, (tensor, kind) in zip(stepper.trace, expected, strict=True):
        assert_record_is(record, tensor, kind)


# -- another model following the protocol gets its own true trace ------------------------------


class ProjectedGRU(nn.Module):
    """Not the seed: a Linear in front of a GRUCell, and a .contiguous() on the hidden state."""

    def __init__(self, input_dim: int, n_agents: int, units: int, width: int = 5) -> None:
        super().__init__()
        self.n_agents = n_agents
        self.units = units
        self.width = width
        self.proj = nn.Linear(input_dim, width)
        self.cell = nn.GRUCell(width, units)
        self.head = nn.Linear(units, 2)

    def init_hidden(self, batch_size: int) -> torch.Tensor:
        return self.cell.weight_hh.new_zeros(1, 1, self.units).expand(batch_size, self.n_agents, self.units)

    def forward(self, inputs: torch.Tensor, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = torch.tanh(self.proj(inputs)).reshape(-1, self.width)
        packed = hidden.contiguous()
        again = packed.contiguous()
        h = self.cell(z, again.view(-1, self.units))
        out = self.head(h).view(*inputs.shape[:-1], 2)
        return out, h


def test_a_custom_model_gets_its_own_trace():
    torch.manual_seed(0)
    model = ProjectedGRU(3, 2, 4).eval()
    hidden, init_records = trace_init(model, 6)
    assert [r.call[0] for r in init_records] == ["new_zeros", "expand"]
    assert init_records[1].stride == (0, 0, 1)
    assert init_records[1].storage_numel == 4

    inputs = torch.randn(6, 2, 3)
    out, new_hidden, records = trace_forward(model, inputs, hidden, step=1)
    names = [r.call[0] for r in records]
    assert names == ["linear", "tanh", "reshape", "contiguous", "contiguous", "view", "gru_cell", "linear", "view"]
    by_code = {r.code: r for r in records}

    # .contiguous() of the stride-0 state really copies: 48 numbers now stand behind 48 values.
    packed = by_code["packed = hidden.contiguous()"]
    assert (packed.kind, packed.shape, packed.stride, packed.contiguous) == ("new", (6, 2, 4), (8, 4, 1), True)
    assert packed.storage_numel == 48
    assert packed.role == "hidden"
    # .contiguous() of what is already contiguous hands back the same tensor and writes nothing.
    again = by_code["again = packed.contiguous()"]
    assert again.kind == "view"
    assert again.kind != "in-place"

    first_linear = records[0]
    assert (first_linear.role, first_linear.shape, first_linear.kind) == ("input", (6, 2, 5), "new")
    gru = records[6]
    assert (gru.role, gru.shape, gru.kind) == ("new hidden", (12, 4), "new")
    assert records[-1].role == "output" and records[-1].shape == (6, 2, 2)
    assert out.shape == (6, 2, 2) and new_hidden.shape == (12, 4)


def test_in_place_ops_are_still_called_in_place():
    class Shifted(nn.Module):
        def init_hidden(self, batch_size: int) -> torch.Tensor:
            h = torch.zeros(batch_size, 1, 3)
            h.add_(1.0)
            h += 1.0
            return h

    _, records = trace_init(Shifted(), 2)
    assert [r.kind for r in records] == ["new", "in-place", "in-place"]


def test_a_custom_model_runs_in_the_stepper_and_keeps_its_separate_output():
    config = Config(batch_size=3, n_agents=2, hidden_dim=8, input_dim=4, device="cpu")
    stepper = Stepper(config, model_factory=lambda c: ProjectedGRU(c.input_dim, c.n_agents, c.units))
    assert [r.call[0] for r in stepper.init_trace] == ["new_zeros", "expand"]
    stepper.run(2)
    assert "contiguous" in [r.call[0] for r in stepper.trace]
    assert stepper.frame.hidden.shape == (3, 2, 6)
    assert stepper.frame.output.shape == (3, 2, 2)
    # Outputs were kept from the first step on, not only after the history noticed them.
    assert stepper.history.frame(1).output is not None


def test_op_text_counts_weights_given_by_keyword_and_leaves_out_torchs_own_arguments():
    """PyMARL2's LayerNorm and EPyMARL's softmax read as a person would write them."""
    from hiddenscope.core.trace import Recorder

    norm, x = torch.nn.LayerNorm(16), torch.randn(4, 16)
    recorder = Recorder(1, "forward", {})
    with torch.no_grad(), recorder:
        y = norm(x)
        torch.nn.functional.softmax(y, dim=-1)
    assert [r.op for r in recorder.records] == [
        "layer_norm(4×16, (16), +2 weights, eps=1e-05)",
        "softmax(4×16, dim=-1)",
    ]


def test_the_seed_notes_table_is_named_only_for_the_seeds_own_model():
    from hiddenscope.core.trace import ROLE_NEW_HIDDEN, TraceRecord
    from hiddenscope.core.trace_notes import note_for

    record = TraceRecord(
        1,
        "forward",
        3,
        ("gru_cell", ()),
        "h = self.rnn(x, h)",
        ROLE_NEW_HIDDEN,
        (24, 64),
        (64, 1),
        True,
        "new",
        24 * 64,
        "cpu",
        "float32",
    )
    assert note_for(record, 8, 3).startswith("the note's table says (8, 3, 64)")
    other = note_for(record, 8, 3, seed=False)
    assert other == "kept as (24, 64) between steps, not (8, 3, 64): batch and agents stay flattened"
