"""The view state is plain Python: one event per change, none for a non-change, and the Look a Picture takes."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from hiddenscope.core import picture, view_state
from hiddenscope.core.picture import UnitOrder
from hiddenscope.core.view_state import Change, ViewState


def test_each_setter_emits_its_one_event_and_a_repeat_emits_none():
    state = ViewState()
    seen: list[tuple[Change, object]] = []
    state.changed.connect(lambda change, value: seen.append((change, value)))
    assert state.set_op_index(3) and not state.set_op_index(3)
    assert state.set_difference(True) and not state.set_difference(True)
    assert state.set_selection(9, 9, n_agents=4, batch=2)  # clamped to the run's sizes
    assert not state.set_selection(3, 1, n_agents=4, batch=2)
    order = UnitOrder("mean", np.array([2, 0, 1]), "t = 0…4")
    state.set_order(order)
    state.set_compare_mode("B-A")
    assert [change for change, _ in seen] == [
        Change.OP,
        Change.DIFFERENCE,
        Change.SELECTION,
        Change.UNIT_ORDER,
        Change.COMPARE_MODE,
    ]
    assert seen[2][1] == (3, 1)
    look = state.look
    assert (look.op_index, look.difference, look.compare_mode, look.order) == (3, True, "B-A", order)


def test_a_new_frame_resets_the_op_without_an_event_and_a_bad_mode_is_refused():
    state = ViewState()
    state.set_op_index(2)
    seen: list[object] = []
    state.changed.connect(lambda *args: seen.append(args))
    state.set_op_index(-1, announce=False)
    assert state.op_index == -1 and seen == []
    with pytest.raises(ValueError, match="compare mode"):
        state.set_compare_mode("C")


@pytest.mark.parametrize("module", [picture, view_state])
def test_the_documented_examples_run(module):
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0


def test_span_around_centres_on_t_and_stays_inside_what_is_held():
    from hiddenscope.core.analysis import span_around

    assert span_around(0, 100, 50, 10) == (45, 54)  # centred
    assert span_around(0, 100, 2, 10) == (0, 9)  # near the oldest: moved inside
    assert span_around(0, 100, 99, 10) == (91, 100)  # near the newest
    assert span_around(40, 45, 42, 10) == (40, 45)  # fewer held than asked: all of them
    state = ViewState()
    seen: list[tuple[Change, object]] = []
    state.changed.connect(lambda change, value: seen.append((change, value)))
    assert state.set_analysis_around(True) and not state.set_analysis_around(True)
    assert seen == [(Change.ANALYSIS_RANGE, True)]
