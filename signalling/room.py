"""One room (one appointment) and its participants, with the views each role may see.

The views are where "reveal nothing to a waiting client" is decided: `participant_views` only
lists admitted participants and is only sent to admitted ones; `waiting_list` only goes to the
advisor.
"""

from __future__ import annotations

from dataclasses import dataclass

from signalling.effects import Identity
from signalling.gate import Admission, GateAction, next_admission
from signalling.messages import DeviceCheck, Role
from signalling.outbound import ParticipantInfo, WaitingEntry


@dataclass(eq=False)
class Participant:
    pid: str
    identity: Identity
    resume_digest: bytes
    waiting_since: float  # wall clock (Unix s), for the advisor's list
    admission: Admission = Admission.PRESENT
    online: bool = True
    detached_until: float | None = None  # monotonic deadline while disconnected
    device_check: DeviceCheck | None = None

    @property
    def role(self) -> Role:
        return self.identity.role

    @property
    def admitted(self) -> bool:
        return self.admission is Admission.ADMITTED

    def apply(self, action: GateAction) -> None:
        self.admission = next_admission(self.admission, action)

    def info(self) -> ParticipantInfo:
        return ParticipantInfo(self.pid, self.role, self.identity.display_name, self.online)


class Room:
    def __init__(self, room_id: int) -> None:
        self.room_id = room_id
        self.members: dict[str, Participant] = {}  # in joining order

    @property
    def advisor(self) -> Participant | None:
        return next((p for p in self.members.values() if p.role is Role.ADVISOR), None)

    def clients(self) -> list[Participant]:
        return [p for p in self.members.values() if p.role is Role.CLIENT]

    def admitted(self) -> list[Participant]:
        return [p for p in self.members.values() if p.admitted]

    def participant_views(self) -> tuple[ParticipantInfo, ...]:
        return tuple(p.info() for p in self.admitted())

    def waiting_list(self) -> tuple[WaitingEntry, ...]:
        return tuple(
            WaitingEntry(p.pid, p.identity.display_name, p.waiting_since, p.online,
                         p.device_check)
            for p in self.clients() if p.admission is Admission.WAITING
        )
