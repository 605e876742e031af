"""A branch: the session on screen run again with interventions, to compare with it step by step.

:func:`branch_comparison` builds a second :class:`~hiddenscope.core.stepper.Stepper`
the way the first was built (its configuration, model factory, so the same
weights, input factory and history budget) with the first's edits plus the new
ones, and wraps it as a :class:`~hiddenscope.core.compare.StepperComparison`:
stepped in lockstep with the original, it is B beside A.  Up to the first new
edit the two runs are the same numbers.  With live environments the branch
builds its own copies from the same seed, so once the edited agents act
differently, their observations, actions and returns diverge too.
"""

from __future__ import annotations

from collections.abc import Sequence

from .compare import StepperComparison
from .edits import Edit, check_edits
from .errors import ConfigError
from .stepper import BaseStepper, Stepper


def branch_label(edits: Sequence[Edit]) -> str:
    """How the branch is named on screen: ``branch: 3:1:zero 5:0:set=0.5``."""
    return "branch: " + " ".join(edit.canonical() for edit in edits)


def branch_comparison(original: BaseStepper, edits: Sequence[Edit]) -> StepperComparison:
    """B: ``original`` built again with ``edits`` added to its own; not stepped yet.

    A ConfigError names the first edit that does not fit the session (an agent, row
    or unit out of range) before anything is built.
    """
    if not edits:
        raise ConfigError("a branch needs at least one edit")
    if not original.capabilities.edits_memory or not isinstance(original, Stepper):
        raise ConfigError("the session on screen is a recording: a branch needs a live model to step")
    c = original.config
    check_edits(edits, c.batch_size, c.n_agents, original.units)
    branch = Stepper(
        c,
        model_factory=original.model_factory,
        input_factory=original.input_factory,
        history_budget=original.history_budget,
        history_on_device=original.history_on_device,
        tracing=False,
        edits=[*original.edits, *edits],
    )
    comparison = StepperComparison(branch, branch_label(edits))
    comparison.check_fits((c.batch_size, c.n_agents, original.units))
    return comparison
