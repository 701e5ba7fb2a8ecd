"""Who a connection is (after the server checked it) and what the lobby asks the server to do."""

from __future__ import annotations

from dataclasses import dataclass

from signalling.messages import Role
from signalling.outbound import ServerMessage


@dataclass(frozen=True, slots=True)
class Identity:
    """A checked join: the room (appointment) and the subject resume secrets are bound to.

    `subject` is "advisor:<id>" or "client:<appointment>:<consent record>", so a resume secret
    only ever works for the same advisor, or the same visit of the same access link.
    """

    role: Role
    room_id: int | None
    subject: str
    display_name: str
    advisor_id: int | None = None
    consent_id: int | None = None


@dataclass(frozen=True, slots=True)
class Send:
    participant: str
    message: ServerMessage


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Send `bye` with this reason and close the participant's connection."""

    participant: str
    reason: str


@dataclass(frozen=True, slots=True)
class Replace:
    """A new connection took over this participant; close the old one (bye "replaced")."""

    participant: str


@dataclass(frozen=True, slots=True)
class Dropped:
    """The participant left the lobby for good: close its transports and forget it."""

    participant: str


@dataclass(frozen=True, slots=True)
class MediaChanged:
    """Who may see whom in this room changed: reconcile forwarding now."""

    room_id: int


@dataclass(frozen=True, slots=True)
class AuditEvent:
    action: str  # "admitted" / "denied" / "removed"
    room_id: int
    advisor_id: int | None


Effect = Send | Disconnect | Replace | Dropped | MediaChanged | AuditEvent
