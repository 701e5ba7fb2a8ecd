"""Rooms, roles and the waiting-room gate: every lobby decision, sans-I/O.

The server calls these methods synchronously with checked identities and the current time and
executes the returned effects in order. `may_forward` is the one gate check the media side
asks before it forwards anything: only admitted participants of the same room see each other.
Expected refusals (wrong role, not waiting, bad resume secret) raise `ProtocolError` with a
protocol code and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from signalling import codes
from signalling.effects import (
    AuditEvent,
    Disconnect,
    Dropped,
    Effect,
    Identity,
    MediaChanged,
    Replace,
    Send,
)
from signalling.errors import ProtocolError
from signalling.gate import Admission, GateAction, allowed
from signalling.messages import DeviceCheck, Role
from signalling.outbound import Admitted, Denied, Participants, Removed, Waiting, WaitingList
from signalling.resume import RESUME_WINDOW, new_resume_secret, same_digest, secret_digest
from signalling.room import Participant, Room

MAX_CLIENTS_PER_ROOM = 4  # the same link on a few devices; a consultation is 1:1
TOMBSTONE_SECONDS = 600.0  # an expired secret is recognised (and said to be expired) this long
MAX_TOMBSTONES = 10_000


@dataclass(frozen=True, slots=True)
class JoinResult:
    participant: str
    resume_secret: str
    admission: Admission
    resumed: bool
    notice: str | None  # "resume-expired" when an old secret came too late
    effects: tuple[Effect, ...] = field(default=())


class Lobby:
    def __init__(self, random_bytes: Callable[[int], bytes], *,
                 resume_window: float = RESUME_WINDOW,
                 max_clients_per_room: int = MAX_CLIENTS_PER_ROOM) -> None:
        self._random_bytes = random_bytes
        self.resume_window = resume_window
        self.max_clients_per_room = max_clients_per_room
        self.rooms: dict[int, Room] = {}
        self.participants: dict[str, Participant] = {}
        self._by_digest: dict[bytes, str] = {}
        self._tombstones: dict[bytes, tuple[str, float]] = {}  # digest -> (subject, forget at)
        self.admitting = True

    # -- queries -------------------------------------------------------------------------------

    def room_of(self, pid: str) -> Room | None:
        participant = self.participants.get(pid)
        if participant is None or participant.identity.room_id is None:
            return None
        return self.rooms.get(participant.identity.room_id)

    def may_forward(self, subscriber: str, publisher: str) -> bool:
        """THE gate: media flows only between admitted participants of one room."""
        sub = self.participants.get(subscriber)
        pub = self.participants.get(publisher)
        return (sub is not None and pub is not None and sub is not pub
                and sub.identity.room_id == pub.identity.room_id
                and sub.identity.room_id is not None and sub.admitted and pub.admitted)

    def visible_publishers(self, subscriber: str) -> list[str]:
        room = self.room_of(subscriber)
        if room is None:
            return []
        return [pid for pid in room.members if self.may_forward(subscriber, pid)]

    # -- joining -------------------------------------------------------------------------------

    def _new_pid(self) -> str:
        while True:
            pid = "p" + self._random_bytes(8).hex()
            if pid not in self.participants:
                return pid

    def join(self, identity: Identity, resume: str | None, now: float,
             wall_now: float) -> JoinResult:
        if identity.room_id is None or identity.role is Role.ECHO:
            raise ValueError("the lobby is for advisors and clients of a room")
        if not self.admitting:
            raise ProtocolError("the server is shutting down", codes.SHUTTING_DOWN)
        notice = None
        if resume is not None:
            digest = secret_digest(resume)
            pid = self._by_digest.get(digest)
            if pid is not None:
                return self._resume(self.participants[pid], identity, digest)
            tombstone = self._tombstones.get(digest)
            if tombstone is None or tombstone[0] != identity.subject:
                raise ProtocolError("resume secret not valid for this session",
                                    codes.RESUME_INVALID)
            notice = "resume-expired"  # the place is gone: join afresh and wait again
        room = self.rooms.get(identity.room_id)
        if identity.role is Role.ADVISOR and room is not None:
            current = room.advisor
            if current is not None and current.identity.subject == identity.subject:
                return self._take_over(current)  # the advisor's second tab or a reload
            if current is not None:
                raise ProtocolError("another advisor is in this room", codes.NOT_YOUR_ROOM)
        if identity.role is Role.CLIENT and room is not None:
            live = [p for p in room.clients() if p.admission in
                    (Admission.WAITING, Admission.ADMITTED)]
            if len(live) >= self.max_clients_per_room:
                raise ProtocolError("too many people on this link", codes.ROOM_FULL)
        return self._enter(identity, notice, wall_now)

    def _enter(self, identity: Identity, notice: str | None, wall_now: float) -> JoinResult:
        assert identity.room_id is not None
        room = self.rooms.setdefault(identity.room_id, Room(identity.room_id))
        secret, digest = new_resume_secret(self._random_bytes)
        participant = Participant(self._new_pid(), identity, digest, wall_now)
        self.participants[participant.pid] = participant
        self._by_digest[digest] = participant.pid
        room.members[participant.pid] = participant
        if identity.role is Role.ADVISOR:
            participant.apply(GateAction.ENTER_ADMITTED)
            effects = self._participants_changed(room, skip=participant.pid)
        else:
            participant.apply(GateAction.ENTER_WAITING)
            effects = self._waiting_list_changed(room)
        return JoinResult(participant.pid, secret, participant.admission, False, notice,
                          tuple(effects))

    def _rotate(self, participant: Participant) -> str:
        self._by_digest.pop(participant.resume_digest, None)
        secret, digest = new_resume_secret(self._random_bytes)
        participant.resume_digest = digest
        self._by_digest[digest] = participant.pid
        return secret

    def _resume(self, participant: Participant, identity: Identity, digest: bytes) -> JoinResult:
        if not (same_digest(participant.resume_digest, digest)
                and participant.identity.subject == identity.subject
                and participant.identity.room_id == identity.room_id
                and participant.role is identity.role):
            raise ProtocolError("resume secret not valid for this session", codes.RESUME_INVALID)
        return self._take_over(participant)

    def _take_over(self, participant: Participant) -> JoinResult:
        effects: list[Effect] = []
        if participant.online:
            effects.append(Replace(participant.pid))
        participant.online = True
        participant.detached_until = None
        secret = self._rotate(participant)
        room = self.room_of(participant.pid)
        assert room is not None
        effects += self._presence_changed(room, participant)
        return JoinResult(participant.pid, secret, participant.admission, True, None,
                          tuple(effects))

    def greeting(self, pid: str, notice: str | None = None) -> list[Effect]:
        """What a participant needs right after `joined` (a join's own effects go to others)."""
        participant = self.participants[pid]
        room = self.room_of(pid)
        assert room is not None
        if participant.role is Role.ADVISOR:
            return [Send(pid, WaitingList(room.waiting_list())),
                    Send(pid, Participants(room.participant_views())), MediaChanged(room.room_id)]
        if participant.admitted:
            return [Send(pid, Admitted(room.participant_views())), MediaChanged(room.room_id)]
        return [Send(pid, Waiting(notice))]

    # -- the advisor's decisions -------------------------------------------------------------

    def _advisor_and_target(self, actor: str, target: str) -> tuple[Room, Participant]:
        advisor = self.participants.get(actor)
        if advisor is None or advisor.role is not Role.ADVISOR:
            raise ProtocolError("only the advisor decides", codes.FORBIDDEN)
        room = self.room_of(actor)
        assert room is not None
        participant = room.members.get(target)
        if participant is None or participant.role is not Role.CLIENT:
            raise ProtocolError("no such participant in this room", codes.UNKNOWN_PARTICIPANT)
        return room, participant

    def admit(self, actor: str, target: str, now: float) -> list[Effect]:
        room, client = self._advisor_and_target(actor, target)
        if not self.admitting:
            raise ProtocolError("the server is shutting down", codes.SHUTTING_DOWN)
        if not allowed(client.admission, GateAction.ADMIT):
            raise ProtocolError("this participant is not waiting", codes.NOT_WAITING)
        client.apply(GateAction.ADMIT)
        effects: list[Effect] = [Send(client.pid, Admitted(room.participant_views()))]
        effects += self._participants_changed(room, skip=client.pid)
        effects += self._waiting_list_changed(room)
        effects += [MediaChanged(room.room_id),
                    AuditEvent("admitted", room.room_id, self._advisor_id(room))]
        return effects

    def deny(self, actor: str, target: str, note: str | None, now: float) -> list[Effect]:
        room, client = self._advisor_and_target(actor, target)
        if not allowed(client.admission, GateAction.DENY):
            raise ProtocolError("this participant is not waiting", codes.NOT_WAITING)
        client.apply(GateAction.DENY)
        effects: list[Effect] = [Send(client.pid, Denied(note)), Disconnect(client.pid, "denied")]
        effects += self._drop(room, client)
        effects.append(AuditEvent("denied", room.room_id, self._advisor_id(room)))
        return effects

    def remove(self, actor: str, target: str, note: str | None, now: float) -> list[Effect]:
        room, client = self._advisor_and_target(actor, target)
        if not allowed(client.admission, GateAction.REMOVE):
            raise ProtocolError("this participant cannot be removed", codes.NOT_WAITING)
        client.apply(GateAction.REMOVE)
        effects: list[Effect] = [Send(client.pid, Removed(note)),
                                 Disconnect(client.pid, "removed")]
        effects += self._drop(room, client)
        effects.append(AuditEvent("removed", room.room_id, self._advisor_id(room)))
        return effects

    # -- leaving, connection loss, expiry -----------------------------------------------------

    def leave(self, pid: str, now: float, reason: str = "left") -> list[Effect]:
        participant = self.participants.get(pid)
        room = self.room_of(pid)
        if participant is None or room is None:
            return []
        effects: list[Effect] = [Disconnect(pid, reason)] if participant.online else []
        if participant.role is Role.ADVISOR:
            for client in room.clients():  # the advisor left: everyone admitted waits again
                if client.admitted:
                    client.apply(GateAction.RETURN_TO_WAITING)
                    if client.online:
                        effects.append(Send(client.pid, Waiting("advisor-left")))
        participant.apply(GateAction.LEAVE)
        return effects + self._drop(room, participant)

    def detach(self, pid: str, now: float) -> list[Effect]:
        """The connection dropped: keep the place for `resume_window` seconds."""
        participant = self.participants.get(pid)
        room = self.room_of(pid)
        if participant is None or room is None or not participant.online:
            return []
        participant.online = False
        participant.detached_until = now + self.resume_window
        return self._presence_changed(room, participant)

    def end_consent(self, room_id: int, consent_id: int, now: float) -> list[Effect]:
        room = self.rooms.get(room_id)
        if room is None:
            return []
        effects: list[Effect] = []
        for client in room.clients():
            if client.identity.consent_id == consent_id:
                effects += self.leave(client.pid, now, "consent-withdrawn")
        return effects

    def get_timer(self) -> float | None:
        deadlines = [p.detached_until for p in self.participants.values()
                     if p.detached_until is not None]
        return min(deadlines) if deadlines else None

    def handle_timer(self, now: float) -> list[Effect]:
        effects: list[Effect] = []
        for participant in list(self.participants.values()):
            deadline = participant.detached_until
            if deadline is not None and now >= deadline and participant.pid in self.participants:
                self._tombstones[participant.resume_digest] = (
                    participant.identity.subject, now + TOMBSTONE_SECONDS)
                effects += self.leave(participant.pid, now)
        for digest in [d for d, (_, until) in self._tombstones.items() if until <= now]:
            del self._tombstones[digest]
        while len(self._tombstones) > MAX_TOMBSTONES:
            del self._tombstones[next(iter(self._tombstones))]
        return effects

    def device_check(self, pid: str, check: DeviceCheck) -> list[Effect]:
        participant = self.participants[pid]
        participant.device_check = check
        room = self.room_of(pid)
        assert room is not None
        return self._waiting_list_changed(room) if participant.admission is Admission.WAITING \
            else []

    def stop_admitting(self) -> None:
        self.admitting = False

    # -- helpers -------------------------------------------------------------------------------

    def _drop(self, room: Room, participant: Participant) -> list[Effect]:
        del room.members[participant.pid]
        del self.participants[participant.pid]
        self._by_digest.pop(participant.resume_digest, None)
        if not room.members:
            del self.rooms[room.room_id]
        effects: list[Effect] = [Dropped(participant.pid)]
        effects += self._participants_changed(room)
        effects += self._waiting_list_changed(room)
        effects.append(MediaChanged(room.room_id))
        return effects

    def _advisor_id(self, room: Room) -> int | None:
        advisor = room.advisor
        return advisor.identity.advisor_id if advisor is not None else None

    def _participants_changed(self, room: Room, skip: str | None = None) -> list[Effect]:
        views = room.participant_views()
        return [Send(p.pid, Participants(views)) for p in room.admitted()
                if p.online and p.pid != skip]

    def _waiting_list_changed(self, room: Room) -> list[Effect]:
        advisor = room.advisor
        if advisor is None or not advisor.online:
            return []
        return [Send(advisor.pid, WaitingList(room.waiting_list()))]

    def _presence_changed(self, room: Room, participant: Participant) -> list[Effect]:
        if participant.admitted:
            return self._participants_changed(room, skip=participant.pid)
        return self._waiting_list_changed(room)
