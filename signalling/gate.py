"""The waiting-room gate: one participant's admission as an explicit state machine.

    (join) ──▶ WAITING ──admit──▶ ADMITTED ──advisor left──▶ WAITING
                  │  │               │
               deny  leave/expire  remove / leave / expire
                  ▼  ▼               ▼
               DENIED LEFT        REMOVED / LEFT            (final states)

An advisor enters ADMITTED directly (`PRESENT` → ADMITTED): the gate is for clients. Media may
flow only between ADMITTED participants of the same room (`Lobby.may_forward`).
"""

from __future__ import annotations

import enum


class Admission(enum.Enum):
    PRESENT = "present"  # created, not yet placed (an advisor goes straight to ADMITTED)
    WAITING = "waiting"
    ADMITTED = "admitted"
    DENIED = "denied"
    REMOVED = "removed"
    LEFT = "left"


class GateAction(enum.Enum):
    ENTER_WAITING = "enter-waiting"
    ENTER_ADMITTED = "enter-admitted"  # advisors only
    ADMIT = "admit"
    DENY = "deny"
    REMOVE = "remove"
    RETURN_TO_WAITING = "return-to-waiting"  # the advisor left
    LEAVE = "leave"  # explicit leave, resume window expired, consent withdrawn


_TABLE: dict[tuple[Admission, GateAction], Admission] = {
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

FINAL = frozenset({Admission.DENIED, Admission.REMOVED, Admission.LEFT})


class GateError(RuntimeError):
    """An illegal gate transition; the lobby turns the expected ones into protocol errors."""


def next_admission(current: Admission, action: GateAction) -> Admission:
    try:
        return _TABLE[(current, action)]
    except KeyError:
        raise GateError(f"{action.value} is not allowed when {current.value}") from None


def allowed(current: Admission, action: GateAction) -> bool:
    return (current, action) in _TABLE
