"""Tracing a step after the fact: re-run it from history and record what its tensors really did.

Fast-forward computes the steps it will not draw without tracing.  When a person
wants to see one of them, :func:`retrace` re-runs it: from ``h_{t-1}`` as held
(laid out in memory exactly as the live state was, :func:`~hiddenscope.core.step_runtime.lay_out`)
and the inputs held for step ``t``, through a private copy of the model (the one the
gates view uses, so the live model, which Play may be stepping meanwhile, is never
touched), under the same :class:`~hiddenscope.core.trace.Recorder` a live step uses,
with the same edits.  Nothing is written down in advance: the trace is what that
run's tensors did, and the re-run's ``h_t`` is compared with the one recorded, so a
model that does not repeat itself is caught rather than trusted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch

from .errors import UserError
from .gru_history import _probe
from .step_runtime import cell_blocks, lay_out, torch_threads
from .trace import ROLE_HIDDEN, ROLE_INPUT, Recorder, TraceRecord

if TYPE_CHECKING:
    from .stepper import BaseStepper

# A re-run's h_t may differ from the recorded one by rounding only: the held state is float32.
MATCH_TOLERANCE = 1e-4


class RetraceError(UserError):
    """The step cannot be re-run from what the history holds."""


class Retrace(NamedTuple):
    t: int
    records: list[TraceRecord]
    max_abs_diff: float  # largest |h_t(re-run) − h_t(recorded)|

    @property
    def matches(self) -> bool:
        return self.max_abs_diff <= MATCH_TOLERANCE


def can_retrace(stepper: BaseStepper) -> bool:
    """Whether held steps can be re-run at all.

    Steps in live environments cannot: their action masks and the raw observations
    behind the built inputs are not held, so fast-forward traces every one of them.
    Nor can a recorded session's: there is no model to run.
    """
    return stepper.capabilities.retraces


def retrace(stepper: BaseStepper, t: int) -> Retrace:
    """Re-run step ``t`` (``h_{t-1}`` → ``h_t``) from history with tracing on; safe while Play steps.

    Raises :class:`RetraceError` when the step cannot be re-run (not held, ``h_{t-1}``
    gone from the ring, t = 0, live environments).
    """
    from .stepper import Stepper

    if not can_retrace(stepper) or not isinstance(stepper, Stepper):
        raise RetraceError(
            "steps in live environments cannot be re-run from history (their action masks are not held);"
            " fast-forward traces each of them as it runs"
        )
    if t < 1:
        raise RetraceError("t = 0 is init_hidden, not a step: Init hidden traces it")
    held = stepper.history.rerun_inputs(t)
    if held is None:
        raise RetraceError(f"step {t} cannot be re-run: h_{t - 1} or step {t} is no longer held in history")
    before, layout, inputs, after = held
    device, dtype = stepper.device, stepper.dtype
    state = torch.from_numpy(before).to(device=device, dtype=dtype)
    hidden_in = lay_out(state, layout) if layout is not None else state
    x = torch.from_numpy(inputs).to(device=device, dtype=dtype)
    model = _probe(stepper.model)
    build = getattr(model, "build_inputs", None)
    n_actions = getattr(model, "n_actions", 0) if build is not None else 0
    # As the live step: a mirrored controller reads masks that allow every action (there are none to hold).
    allowed = torch.ones(*before.shape[:2], n_actions, device=device, dtype=torch.int32) if n_actions else None
    recorder = Recorder(t, "forward", {id(x): ROLE_INPUT, id(hidden_in): ROLE_HIDDEN})
    # On as many torch threads as the step had: the same sums in the same order.
    # Its GRU cells in the same row blocks, outside the recorder so that it sees each cell whole.
    with torch_threads(stepper.threads), cell_blocks(stepper.block_rows, stepper.threads), torch.no_grad(), recorder:
        agent_inputs = x
        if build is not None:  # as the live step: the controller builds its agents' inputs first
            with recorder.forcing(ROLE_INPUT):
                agent_inputs = build(x, None, False)
        extra = (allowed,) if allowed is not None else ()
        output, hidden = model(agent_inputs, hidden_in, *extra)
    records = recorder.finish(output, hidden)
    hidden, edited = stepper._edited(t, hidden, records, "forward")
    got = hidden.detach().to("cpu", torch.float32).reshape(after.shape).numpy()
    diff = float(np.nanmax(np.abs(got - after))) if got.size else 0.0
    if np.isnan(got).any() != np.isnan(after).any():
        diff = float("inf")
    return Retrace(t, edited or records, diff)
