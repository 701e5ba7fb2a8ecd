"""The signalling hub: moves messages between WebSockets, the lobby and the SFU.

Every state change happens in one synchronous stretch (no await between reading and changing
room state); the only awaits are the identity look-ups of a join, before anything changes. The
hub executes the lobby's effects, forwards media commands to the `MediaBridge`, drives the echo
sessions and the lobby's resume timers, and reacts to SFU transport events and withdrawn consents.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import trio

from media.adaptation import SubscriptionPaused, SubscriptionResumed
from media.sfu import SessionStateChanged, SfuEvent
from media.transport import TransportState
from server.events import ConsentWithdrawn
from server.media_plane import MediaPlane
from server.signalling.echo_sessions import EchoSessions
from server.signalling.identity import ECHO_SUBJECT, IdentityResolver
from server.signalling.link import Link
from server.signalling.media_bridge import MediaBridge
from signalling import codes
from signalling.connection import CloseConnection, ConnectionLimits, Deliver, Output, Reply
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
from signalling.lobby import Lobby
from signalling.messages import (
    Admit,
    ClientMessage,
    Deny,
    DeviceCheck,
    Join,
    Leave,
    ProbeReply,
    PublishOffer,
    Remove,
    Role,
    SubscribeAnswer,
    SubscribeReset,
    TransportName,
)
from signalling.outbound import Error, IceServer, Joined
from signalling.turn import ice_servers_for

log = logging.getLogger("videotermin.signalling")

SWEEP_INTERVAL = 1.0  # s: idle connections, and subscriptions waiting for a missed event


@dataclass(frozen=True, slots=True)
class TurnSettings:
    urls: tuple[str, ...] = ()
    shared_secret: str = ""
    lifetime_seconds: int = 3600


class Hub:
    def __init__(self, plane: MediaPlane, identities: IdentityResolver, turn: TurnSettings, *,
                 audit: Callable[[AuditEvent], None] = lambda event: None,
                 random_bytes: Callable[[int], bytes] = secrets.token_bytes,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.identities = identities
        self.turn = turn
        self.lobby = Lobby(random_bytes)
        self.bridge = MediaBridge(plane, self._may_forward)
        self._audit = audit
        self._wall_clock = wall_clock
        self._links: dict[int, Link] = {}
        self._by_participant: dict[str, Link] = {}
        self._echo = EchoSessions(self.bridge, random_bytes)
        self._next_link = 1
        self.wakeup = trio.Event()
        self.shutting_down = False
        self.connection_limits = ConnectionLimits()
        self._next_sweep = trio.current_time() + SWEEP_INTERVAL

    # -- the gate, as the media side asks it ---------------------------------------------------

    def _may_forward(self, subscriber: str, publisher: str) -> bool:
        if subscriber in self._echo:
            return publisher == subscriber  # an echo session sees itself, and only itself
        return self.lobby.may_forward(subscriber, publisher)

    # -- links ---------------------------------------------------------------------------------

    def open_link(self, address: str, cookies: dict[str, str]) -> Link:
        link = Link(self._next_link, address, cookies, trio.current_time(),
                    self.connection_limits)
        self._next_link += 1
        self._links[link.link_id] = link
        if self.shutting_down:
            link.say_goodbye("server-shutdown", codes.CLOSE_GOING_AWAY)
        return link

    async def on_frame(self, link: Link, frame: str | bytes) -> None:
        outputs = link.session.receive_frame(frame, trio.current_time())
        for output in outputs:
            if isinstance(output, Deliver):
                if isinstance(output.message.body, Join):
                    await self._join(link, output.message)
                else:
                    self._handle(link, output.message, trio.current_time())
            else:
                self._output(link, output)

    def _output(self, link: Link, output: Output) -> None:
        if isinstance(output, Reply):
            link.send(output.message, output.reply_to)
        elif isinstance(output, CloseConnection):
            link.close(output.code, output.reason)

    def _refuse(self, link: Link, error: ProtocolError, message: ClientMessage) -> None:
        for output in link.session.refuse(error.code, str(error), message.request_id,
                                          trio.current_time()):
            self._output(link, output)

    def link_lost(self, link: Link) -> None:
        """The WebSocket is gone (closed by either side)."""
        now = trio.current_time()
        link.closing = True
        link.session.close()
        self._links.pop(link.link_id, None)
        pid = link.participant
        if pid is not None and self._by_participant.get(pid) is link:
            del self._by_participant[pid]
            self.bridge.detach(pid)
            self._execute(self.lobby.detach(pid, now), now)
            self.wakeup.set()
        if link.echo_key is not None:
            self._echo.end(link.echo_key)

    # -- joining -------------------------------------------------------------------------------

    async def _join(self, link: Link, message: ClientMessage) -> None:
        join = message.body
        assert isinstance(join, Join)
        try:
            if self.shutting_down:
                raise ProtocolError("the server is shutting down", codes.SHUTTING_DOWN)
            identity = await self.identities.resolve(join, link.cookies, self._wall_clock())
        except ProtocolError as error:
            link.session.join_failed()
            self._refuse(link, error, message)
            return
        except Exception:  # e.g. storage trouble: this join fails, the connection stays
            log.exception("identity look-up failed")
            link.session.join_failed()
            link.send(Error(codes.INTERNAL_ERROR, "the server failed"), message.request_id)
            return
        # From here on: synchronous, so the lobby is read and changed in one step.
        now, wall_now = trio.current_time(), self._wall_clock()
        if link.closing:
            return
        try:
            if identity.role is Role.ECHO:
                self._join_echo(link, identity, message, now, wall_now)
            else:
                self._join_room(link, identity, message, now, wall_now)
        except ProtocolError as error:
            link.session.join_failed()
            self._refuse(link, error, message)

    def _ice_servers(self, subject: str, wall_now: float) -> tuple[IceServer, ...]:
        return ice_servers_for(self.turn.urls, self.turn.shared_secret, subject, wall_now,
                               self.turn.lifetime_seconds)

    def _join_room(self, link: Link, identity: Identity, message: ClientMessage, now: float,
                   wall_now: float) -> None:
        join = message.body
        assert isinstance(join, Join)
        result = self.lobby.join(identity, join.resume, now, wall_now)
        pid = result.participant
        old = self._by_participant.get(pid)
        if old is not None and old is not link:
            old.participant = None  # its loss must not detach the participant
            old.say_goodbye("replaced")
        self._by_participant[pid] = link
        link.participant = pid
        link.session.join_succeeded(identity.role)
        if result.resumed and not join.keep_transports:
            endpoint = self.bridge.endpoints.get(pid)
            if endpoint is not None:
                self.bridge.close_transports(endpoint)  # a reload: new PeerConnections follow
        self.bridge.attach(pid, link.send)
        lost_offer = self.bridge.outstanding_offer(pid) if join.keep_transports else None
        link.send(Joined(
            participant=pid, role=identity.role, state=result.admission.value,
            ice_servers=self._ice_servers(pid, wall_now), resume_secret=result.resume_secret,
            resume_seconds=int(self.lobby.resume_window), resumed=result.resumed,
            appointment_id=identity.room_id if identity.role is Role.ADVISOR else None,
        ), message.request_id)
        self._execute([e for e in result.effects if not isinstance(e, Replace)], now)
        self._execute(self.lobby.greeting(pid, result.notice), now)
        if result.resumed and lost_offer is not None:
            self.bridge.resend_offer(pid, lost_offer)
        log.info("%s joined room %s (%s)", identity.role.value, identity.room_id,
                 "resumed" if result.resumed else result.admission.value)

    def _join_echo(self, link: Link, identity: Identity, message: ClientMessage, now: float,
                   wall_now: float) -> None:
        key = self._echo.start(link, identity.subject == ECHO_SUBJECT, now)
        link.session.join_succeeded(Role.ECHO)
        link.send(Joined(key, Role.ECHO, "echo", self._ice_servers(key, wall_now), None, 0,
                         False), message.request_id)
        self.wakeup.set()

    # -- messages after the join -----------------------------------------------------------------

    def _handle(self, link: Link, message: ClientMessage, now: float) -> None:
        try:
            self._dispatch(link, message, now)
        except ProtocolError as error:
            self._refuse(link, error, message)
        except Exception:  # a bug must cost one request, not the connection or the room
            log.exception("signalling request failed")
            link.send(Error(codes.INTERNAL_ERROR, "the server failed"), message.request_id)

    def _dispatch(self, link: Link, message: ClientMessage, now: float) -> None:
        body, pid, key = message.body, link.participant, link.key
        if key is None:
            return  # replaced by a newer connection of the same participant
        if isinstance(body, PublishOffer):
            link.send(self.bridge.publish_offer(key, body, now), message.request_id)
            self._reconcile_around(key, now)
        elif isinstance(body, SubscribeAnswer):
            self._require_admitted(link)
            self.bridge.subscribe_answer(key, body, now)
        elif isinstance(body, SubscribeReset):
            self._require_admitted(link)
            self.bridge.subscribe_reset(key, self._publishers_for(key), now)
        elif isinstance(body, ProbeReply):
            self._echo.probe_reply(key, body.nonce, now)
        elif isinstance(body, Leave):
            if link.echo_key is not None:
                link.say_goodbye("left")
                self._echo.end(link.echo_key)
            elif pid is not None:
                self._execute(self.lobby.leave(pid, now), now)
        elif pid is not None:
            self._execute(self._lobby_decision(pid, body, now), now)

    def _lobby_decision(self, pid: str, body: object, now: float) -> list[Effect]:
        if isinstance(body, DeviceCheck):
            return self.lobby.device_check(pid, body)
        if isinstance(body, Admit):
            if self.shutting_down:
                raise ProtocolError("the server is shutting down", codes.SHUTTING_DOWN)
            return self.lobby.admit(pid, body.participant, now)
        if isinstance(body, Deny):
            return self.lobby.deny(pid, body.participant, body.message, now)
        if isinstance(body, Remove):
            return self.lobby.remove(pid, body.participant, body.message, now)
        return []

    def _require_admitted(self, link: Link) -> None:
        if link.echo_key is not None:
            return
        participant = self.lobby.participants.get(link.participant or "")
        if participant is None or not participant.admitted:
            raise ProtocolError("you are waiting to be admitted", codes.NOT_ADMITTED)

    # -- media reconciliation ----------------------------------------------------------------

    def _publishers_for(self, key: str) -> list[str]:
        if key in self._echo:
            return [key]
        return self.lobby.visible_publishers(key)

    def _reconcile_around(self, key: str, now: float) -> None:
        """`key`'s publications changed: everyone who may see them, and `key` itself."""
        if key in self._echo:
            self.bridge.reconcile(key, [key], now)
            return
        room = self.lobby.room_of(key)
        if room is not None:
            self._reconcile_room(room.room_id, now)

    def _reconcile_room(self, room_id: int, now: float) -> None:
        room = self.lobby.rooms.get(room_id)
        if room is None:
            return
        for pid in list(room.members):
            self.bridge.reconcile(pid, self.lobby.visible_publishers(pid), now)

    # -- executing lobby effects ---------------------------------------------------------------

    def _execute(self, effects: Sequence[Effect], now: float) -> None:
        rooms: list[int] = []
        for effect in effects:
            if isinstance(effect, Send):
                link = self._by_participant.get(effect.participant)
                if link is not None:
                    link.send(effect.message)
            elif isinstance(effect, Disconnect):
                link = self._by_participant.pop(effect.participant, None)
                if link is not None:
                    link.participant = None
                    link.say_goodbye(effect.reason)
            elif isinstance(effect, Dropped):
                self._by_participant.pop(effect.participant, None)
                self.bridge.drop(effect.participant)
            elif isinstance(effect, MediaChanged):
                if effect.room_id not in rooms:
                    rooms.append(effect.room_id)
            elif isinstance(effect, AuditEvent):
                self._audit(effect)
        for room_id in rooms:  # once per room, after every membership change is done
            self._reconcile_room(room_id, now)

    # -- timers, SFU events, consent, shutdown -------------------------------------------------

    def get_timer(self) -> float:
        deadlines = [self.lobby.get_timer(), self._next_sweep, self._echo.get_timer()]
        present = [d for d in deadlines if d is not None]
        return min(present) if present else math.inf

    def handle_timer(self, now: float) -> None:
        self._execute(self.lobby.handle_timer(now), now)
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_INTERVAL
            self._sweep(now)
        self._echo.handle_timer(now)

    def _sweep(self, now: float) -> None:
        for link in list(self._links.values()):
            if link.session.idle(now):
                link.say_goodbye("idle-timeout", codes.CLOSE_GOING_AWAY)
        self.bridge.flush_deferred(now)  # in case an SFU "connected" event was dropped

    def on_sfu_event(self, event: SfuEvent, now: float) -> None:
        if isinstance(event, SubscriptionPaused | SubscriptionResumed):
            self.bridge.on_pause(event.session_id, event.mid, event.publication_id,
                                 isinstance(event, SubscriptionPaused))
            return
        if not isinstance(event, SessionStateChanged):
            return  # publications are read from the SFU synchronously when they change
        owner = self.bridge.on_session_state(event, now)
        if owner is None:
            return
        key, which = owner
        if event.state in (TransportState.CLOSED, TransportState.FAILED):
            if which is TransportName.PUBLISH:
                self._reconcile_around(key, now)
            else:
                self.bridge.reconcile(key, self._publishers_for(key), now)

    def on_consent_withdrawn(self, event: ConsentWithdrawn, now: float) -> None:
        self._execute(self.lobby.end_consent(event.appointment_id, event.consent_id, now), now)

    def begin_shutdown(self) -> None:
        """Stop admitting and tell everyone; the endpoints close their sockets."""
        self.shutting_down = True
        self.lobby.stop_admitting()
        for link in list(self._links.values()):
            link.say_goodbye("server-shutdown", codes.CLOSE_GOING_AWAY)

    @property
    def link_count(self) -> int:
        return len(self._links)
