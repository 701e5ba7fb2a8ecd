"""The appointment lifecycle as a transition table.

An appointment is SCHEDULED until cancelled; rescheduling and re-sending the link keep it
SCHEDULED. A CANCELLED appointment accepts nothing further, and no change is possible once
the appointment is over (the rule that it "is over" depends on the clock, so the service checks
it before consulting this table).
"""

from __future__ import annotations

import enum

from server.storage.records import AppointmentState, MailKind


class Action(enum.Enum):
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    RESEND = "resend"


class IllegalTransition(Exception):
    def __init__(self, state: AppointmentState, action: Action) -> None:
        super().__init__(f"cannot {action.value} an appointment that is {state.value}")
        self.state = state
        self.action = action


TRANSITIONS: dict[tuple[AppointmentState, Action], AppointmentState] = {
    (AppointmentState.SCHEDULED, Action.RESCHEDULE): AppointmentState.SCHEDULED,
    (AppointmentState.SCHEDULED, Action.CANCEL): AppointmentState.CANCELLED,
    (AppointmentState.SCHEDULED, Action.RESEND): AppointmentState.SCHEDULED,
}

# What the client is told about each action (and whether the old link stops working).
MAIL_FOR: dict[Action, MailKind] = {
    Action.RESCHEDULE: MailKind.RESCHEDULED,
    Action.CANCEL: MailKind.CANCELLED,
    Action.RESEND: MailKind.INVITATION,
}


def next_state(state: AppointmentState, action: Action) -> AppointmentState:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(state, action) from None
