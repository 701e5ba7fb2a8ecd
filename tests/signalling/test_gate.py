"""The gate's transition table: every (state, action) pair is either listed or refused."""

from __future__ import annotations

import itertools

import pytest

from signalling.gate import FINAL, Admission, GateAction, GateError, allowed, next_admission

EXPECTED = {
    (Admission.PRESENT, GateAction.ENTER_WAITING): Admission.WAITING,
    (Admission.PRESENT, GateAction.ENTER_ADMITTED): Admission.ADMITTED,
    (Admission.WAITING, GateAction.ADMIT): Admission.ADMITTED,
    (Admission.WAITING, GateAction.DENY): Admission.DENIED,
    (Admission.WAITING, GateAction.REMOVE): Admission.REMOVED,
    (Admission.WAITING, GateAction.LEAVE): Admission.LEFT,
    (Admission.ADMITTED, GateAction.REMOVE): Admission.REMOVED,
    (Admission.ADMITTED, GateAction.RETURN_TO_WAITING): Admission.WAITING,
    (Admission.ADMITTED, GateAction.LEAVE): Admission.LEFT,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(Admission, GateAction)))
def test_every_pair(state: Admission, action: GateAction) -> None:
    if (state, action) in EXPECTED:
        assert allowed(state, action)
        assert next_admission(state, action) is EXPECTED[(state, action)]
    else:
        assert not allowed(state, action)
        with pytest.raises(GateError):
            next_admission(state, action)


def test_final_states_have_no_way_out() -> None:
    for state, action in itertools.product(FINAL, GateAction):
        assert not allowed(state, action)


def test_only_admitted_is_reached_by_admit_or_entering_as_advisor() -> None:
    reach_admitted = {pair for pair, target in EXPECTED.items() if target is Admission.ADMITTED}
    assert reach_admitted == {(Admission.WAITING, GateAction.ADMIT),
                              (Admission.PRESENT, GateAction.ENTER_ADMITTED)}
