"""A branch: the session built again with edits, stepped beside it as B (core/branch.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hiddenscope.core import Config, ConfigError, Stepper
from hiddenscope.core.branch import branch_comparison, branch_label
from hiddenscope.core.edits import Edit, run_branches
from hiddenscope.core.export import history_arrays

SMALL = Config(batch_size=3, n_agents=4, hidden_dim=16, input_dim=5, device="cpu")


def test_a_branch_is_the_session_run_again_with_the_edits():
    a = Stepper(SMALL)
    a.run(6)
    edits = [Edit.parse("2:1-2:noise=0.3"), Edit.parse("4:all:clamp=-0.1,0.1:units=0-3")]
    b = branch_comparison(a, edits)
    assert b.label == "branch: 2:1-2:noise=0.3 4:all:clamp=-0.1,0.1:units=0-3" == branch_label(edits)
    assert b.stepper is not a and b.stepper.model is not a.model  # its own model and input source
    b.advance_to(6)
    # The same numbers run_branches gives for this configuration with and without the edits.
    plain, edited = run_branches(6, edits, lambda e: Stepper(SMALL, edits=e))
    np.testing.assert_array_equal(history_arrays(a)["hidden"], plain)
    np.testing.assert_array_equal(np.stack([b.hidden_at(t) for t in range(7)]), edited)
    assert a.t == 6 and a.edits == []  # A is as it was


def test_a_branch_keeps_the_sessions_own_edits():
    a = Stepper(SMALL, edits=[Edit.parse("1:0:zero")])
    a.run(3)
    b = branch_comparison(a, [Edit.parse("2:3:set=0.5")])
    b.advance_to(3)
    np.testing.assert_array_equal(b.hidden_at(1), a.snapshot(1).hidden)  # A's edit is in B too
    assert (b.hidden_at(2)[:, 3] == 0.5).all() and not (a.snapshot(2).hidden[:, 3] == 0.5).all()


@pytest.mark.parametrize(
    "edits, words",
    [
        ([], "at least one edit"),
        (["3:4:zero"], "--edit '3:4:zero': agent 4 is out of range (0..3)"),
        (["3:0:zero:units=12"], "unit 12 is out of range (0..11)"),
        (["3:0:copy=7"], "agent 7 is out of range"),
    ],
)
def test_an_edit_that_does_not_fit_is_refused_before_anything_is_built(edits, words):
    a = Stepper(SMALL)
    with pytest.raises(ConfigError, match=re.escape(words)):
        branch_comparison(a, [Edit.parse(e) for e in edits])
