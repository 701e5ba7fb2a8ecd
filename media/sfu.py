"""The SFU core: every peer session on the one UDP port, and the publications between them.

Sans-I/O with the shared contract: the server feeds `receive_datagram(data, addr, now)` and
`handle_timer(now)`, sends `datagrams_to_send()`, sleeps until `get_timer()`, and reads
`next_event()`. Signalling drives it with plain synchronous calls (open a session, apply a
negotiation, subscribe); in a cooperative event loop such a call is atomic.

Peers are told apart by the authenticated STUN USERNAME first (its local ufrag names the
session) and by source address once ICE has nominated one.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from media.adaptation import (
    AdaptationEvent,
    LayerChanged,
    SubscriptionResumed,
    adapt_session,
)
from media.allocator import TrackPriority
from media.certificate import DtlsCertificate
from media.demux import PacketClass, classify
from media.errors import BadPacket
from media.ice_lite import lookup_ufrag
from media.inbound import InboundStream
from media.negotiated import IceCredentials, MediaKind, NegotiatedSession
from media.pacer import PACE_INTERVAL, Pacer
from media.peer_session import PeerSession
from media.publication import Publication
from media.rtcp import FullIntraRequest, PictureLossIndication, encode_rtcp_compound
from media.stun import StunClass, parse_stun_untrusted
from media.subscription import Subscription
from media.transport import (
    Address,
    PeerTransport,
    TransportAddressChanged,
    TransportKind,
    TransportState,
    TransportStateChanged,
)

TICK = 0.02  # s: cadence of NACK, transport-cc feedback and keyframe-request work
ICE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"  # RFC 8839 §5.4


@dataclass(frozen=True, slots=True)
class PublicationAdded:
    session_id: int
    publication_id: int
    mid: str
    kind: MediaKind
    track_id: str | None


@dataclass(frozen=True, slots=True)
class PublicationRemoved:
    session_id: int
    publication_id: int


@dataclass(frozen=True, slots=True)
class SessionStateChanged:
    session_id: int
    state: TransportState
    reason: str


SfuEvent = PublicationAdded | PublicationRemoved | SessionStateChanged | AdaptationEvent


class UnknownSession(KeyError):
    """Signalling referred to a session or publication the SFU does not have."""


@dataclass
class SfuCounters:
    datagrams_in: int = 0
    bad_stun: int = 0
    unknown_peer: int = 0
    unknown_class: int = 0
    srtp_failures: int = 0


class Sfu:
    """All sessions on one UDP port."""

    def __init__(
        self,
        certificate: DtlsCertificate,
        *,
        rng: random.Random | None = None,
        consent_timeout: float = 30.0,
        adaptation: bool = True,
    ) -> None:
        self.certificate = certificate
        self.adaptation = adaptation  # off: always the highest layer (for comparison runs)
        self._rng = rng or random.SystemRandom()
        self._consent_timeout = consent_timeout
        self.sessions: dict[int, PeerSession] = {}
        self.publications: dict[int, Publication] = {}
        self._by_ufrag: dict[str, PeerSession] = {}
        self._by_address: dict[Address, PeerSession] = {}
        self._used_ssrcs: set[int] = set()
        self._next_id = 1
        self._events: deque[SfuEvent] = deque()
        self._next_tick: float | None = None
        self._outbox: list[tuple[bytes, Address]] = []  # shared by every transport
        self._connected_sessions: list[PeerSession] = []  # just connected: want keyframes
        self._paced: set[Pacer] = set()  # pacers holding video back
        self._last_pace = 0.0
        self.counters = SfuCounters()

    # -- ids and credentials ---------------------------------------------------------------

    def _new_id(self) -> int:
        value = self._next_id
        self._next_id += 1
        return value

    def new_ice_credentials(self) -> IceCredentials:
        """Random ufrag (≥ 24 bits) and pwd (≥ 128 bits) per RFC 8445 §5.3."""
        while True:
            ufrag = "".join(self._rng.choice(ICE_CHARS) for _ in range(8))
            if ufrag not in self._by_ufrag:
                break
        pwd = "".join(self._rng.choice(ICE_CHARS) for _ in range(24))
        return IceCredentials(ufrag, pwd)

    def allocate_ssrc(self) -> int:
        while True:
            ssrc = self._rng.randrange(1, 0xFFFFFFFF)
            if ssrc not in self._used_ssrcs:
                self._used_ssrcs.add(ssrc)
                return ssrc

    # -- commands from signalling ----------------------------------------------------------

    def open_session(self, kind: TransportKind, local_ice: IceCredentials, now: float) -> int:
        """Create a session whose local credentials already went out in an SDP."""
        session_id = self._new_id()
        transport = PeerTransport(
            session_id,
            kind,
            local_ice,
            self.certificate,
            self._on_transport_event,
            self._outbox,
            consent_timeout=self._consent_timeout,
        )
        cname = "".join(self._rng.choice(ICE_CHARS[:62]) for _ in range(16)).encode()
        session = PeerSession(transport, self.allocate_ssrc(), cname)
        if kind is TransportKind.SUBSCRIBE and self.adaptation:
            transport.pacer = Pacer(session.estimator.estimate_bps, self._paced, now)
        self.sessions[session_id] = session
        self._by_ufrag[local_ice.ufrag] = session
        if self._next_tick is None:
            self._next_tick = now + TICK
        return session_id

    def apply_negotiation(self, session_id: int, negotiated: NegotiatedSession, now: float) -> None:
        session = self._session(session_id)
        for ufrag in [u for u, s in self._by_ufrag.items() if s is session]:
            if ufrag != negotiated.local_ice.ufrag:  # an ICE restart completed
                del self._by_ufrag[ufrag]
        added, removed = session.apply_session(
            negotiated,
            lambda description: Publication(self._new_id(), session_id, description),
            now,
        )
        for publication in added:
            self.publications[publication.publication_id] = publication
            self._events.append(
                PublicationAdded(
                    session_id,
                    publication.publication_id,
                    publication.mid,
                    publication.kind,
                    publication.track_id,
                )
            )
        for publication in removed:
            self._end_publication(publication)

    def restart_ice(self, session_id: int, local_ice: IceCredentials) -> None:
        """New local ICE credentials for a session (a phone switched networks). Checks with the
        old ufrag are still routed until the next negotiation brings the new ones into use."""
        session = self._session(session_id)
        if local_ice.ufrag in self._by_ufrag:
            raise ValueError("ufrag already in use")
        session.transport.restart_ice(local_ice)
        self._by_ufrag[local_ice.ufrag] = session

    def subscribe(self, session_id: int, mid: str, publication_id: int, now: float) -> Subscription:
        """Forward a publication on the subscriber session's negotiated m-line `mid`."""
        session = self._session(session_id)
        publication = self.publications.get(publication_id)
        negotiated = session.transport.session
        if publication is None or negotiated is None:
            raise UnknownSession(f"no publication {publication_id} or no negotiation yet")
        description = negotiated.by_mid(mid)
        if description is None or not description.direction.sfu_sends:
            raise UnknownSession(f"m-line {mid} is not negotiated for sending")
        self.unsubscribe(session_id, mid)
        subscription = Subscription(
            self._new_id(),
            session.transport,
            description,
            publication,
            initial_sequence=self._rng.randrange(0, 0x10000),
            initial_timestamp=self._rng.randrange(0, 0x100000000),
        )
        session.subscriptions[mid] = subscription
        session.subscriptions_by_ssrc[subscription.ssrc] = subscription
        if subscription.rtx_ssrc is not None:
            session.subscriptions_by_ssrc[subscription.rtx_ssrc] = subscription
        publication.subscriptions.append(subscription)
        # A cautious start (3G first): the lowest layer being sent; the allocator moves up as soon
        # as the subscriber's downlink estimate allows. Without adaptation: the best layer.
        subscription.select_layer(
            self._best_layer(publication, now) if not self.adaptation
            else self._lowest_layer(publication, now)
        )
        self._request_keyframe_for(subscription, now)
        return subscription

    def unsubscribe(self, session_id: int, mid: str) -> None:
        session = self._session(session_id)
        subscription = session.subscriptions.pop(mid, None)
        if subscription is None:
            return
        subscription.detach()
        session.subscriptions_by_ssrc.pop(subscription.ssrc, None)
        if subscription.rtx_ssrc is not None:
            session.subscriptions_by_ssrc.pop(subscription.rtx_ssrc, None)
        if subscription in subscription.publication.subscriptions:
            subscription.publication.subscriptions.remove(subscription)

    def close_session(self, session_id: int) -> None:
        session = self.sessions.pop(session_id, None)
        if session is None:
            return
        if session.transport.pacer is not None:
            session.transport.pacer.clear()
        for publication in session.close():
            self._end_publication(publication)
        for ufrag in [u for u, s in self._by_ufrag.items() if s is session]:
            del self._by_ufrag[ufrag]
        if session.transport.address is not None:
            self._by_address.pop(session.transport.address, None)
        for subscription in session.subscriptions.values():
            subscription.detach()

    def _end_publication(self, publication: Publication) -> None:
        self.publications.pop(publication.publication_id, None)
        for subscription in list(publication.subscriptions):
            subscription.detach()
            subscription.paused = True
        self._events.append(
            PublicationRemoved(publication.transport_id, publication.publication_id)
        )

    def _session(self, session_id: int) -> PeerSession:
        session = self.sessions.get(session_id)
        if session is None:
            raise UnknownSession(f"no session {session_id}")
        return session

    # -- datagrams in --------------------------------------------------------------------------

    def receive_datagram(self, data: bytes, addr: Address, now: float) -> None:
        self.counters.datagrams_in += 1
        if not data:
            return
        first = data[0]
        if 128 <= first <= 191:  # RFC 7983 §7: RTP or RTCP — the hot path first
            session = self._by_address.get(addr)
            if session is None:
                self.counters.unknown_peer += 1
                return
            if len(data) > 1 and 192 <= data[1] <= 223:  # RFC 5761 §4: RTCP packet types
                plain = session.transport.unprotect_rtcp(data)
                if plain is not None:
                    session.on_rtcp(plain, now, self._request_keyframe_for)
            else:
                plain = session.transport.unprotect_rtp(data)
                if plain is not None:
                    session.on_rtp(plain, now)
            return
        packet_class = classify(first)
        if packet_class is PacketClass.STUN:
            self._receive_stun(data, addr, now)
        elif packet_class is PacketClass.DTLS:
            session = self._by_address.get(addr)
            if session is None:
                self.counters.unknown_peer += 1
                return
            session.transport.receive_dtls(data, addr, now)
        else:
            self.counters.unknown_class += 1

    def _receive_stun(self, data: bytes, addr: Address, now: float) -> None:
        try:
            message = parse_stun_untrusted(data)
        except BadPacket:
            self.counters.bad_stun += 1
            return
        if message.message_class is not StunClass.REQUEST or message.username is None:
            self.counters.bad_stun += 1
            return
        ufrag = lookup_ufrag(message.username)
        session = self._by_ufrag.get(ufrag) if ufrag is not None else None
        if session is None:
            self.counters.unknown_peer += 1
            return
        session.transport.receive_stun(message, data, addr, now)

    def _on_transport_event(self, event: object) -> None:
        if isinstance(event, TransportAddressChanged):
            session = self.sessions.get(event.transport_id)
            if session is None:
                return
            if event.old is not None and self._by_address.get(event.old) is session:
                del self._by_address[event.old]
            self._by_address[event.new] = session
        elif isinstance(event, TransportStateChanged):
            self._events.append(SessionStateChanged(event.transport_id, event.state, event.reason))
            session = self.sessions.get(event.transport_id)
            if event.state is TransportState.CONNECTED and session is not None:
                self._connected_sessions.append(session)

    # -- keyframes and layers --------------------------------------------------------------------

    def _best_layer(self, publication: Publication, now: float) -> int:
        active = publication.active_layers(now)
        if active:
            return active[-1]
        return len(publication.layers) - 1

    def _lowest_layer(self, publication: Publication, now: float) -> int:
        active = publication.active_layers(now)
        return active[0] if active else 0

    def _request_keyframe_for(self, subscription: Subscription, now: float) -> None:
        publication = subscription.publication
        if publication.kind is not MediaKind.VIDEO:
            return
        layer = (
            subscription.target_layer
            if subscription.target_layer is not None
            else subscription.layer
        )
        if layer is None:
            return
        stream = publication.layers[layer]
        if stream is not None:
            subscription.keyframe_requests += 1
            self._send_keyframe_request(stream, now)

    def _send_keyframe_request(self, stream: InboundStream, now: float) -> None:
        if not stream.keyframes.request(now):
            return
        self._emit_keyframe_request(stream)

    def _emit_keyframe_request(self, stream: InboundStream) -> None:
        session = self.sessions.get(stream.publication.transport_id)
        if session is None:
            return
        codec = next(iter(stream.publication.codecs_by_pt.values()), None)
        feedback = codec.rtcp_feedback if codec is not None else frozenset()
        packet: PictureLossIndication | FullIntraRequest
        if "nack pli" in feedback or "ccm fir" not in feedback:
            packet = PictureLossIndication(session.rtcp_ssrc, stream.ssrc)
        else:
            packet = FullIntraRequest(
                session.rtcp_ssrc, 0, ((stream.ssrc, stream.keyframes.next_fir_sequence()),)
            )
        session.transport.send_rtcp(encode_rtcp_compound([packet]))

    # -- timers and output -----------------------------------------------------------------------

    def get_timer(self) -> float | None:
        if self._paced:
            pace_at = self._last_pace + PACE_INTERVAL
            return pace_at if self._next_tick is None else min(pace_at, self._next_tick)
        return self._next_tick

    def handle_timer(self, now: float, wall_now: float) -> None:
        """Run the periodic work that is due: paced video, handshakes, consent, reports."""
        if self._paced and now >= self._last_pace + PACE_INTERVAL:
            self._last_pace = now
            for pacer in list(self._paced):
                pacer.release(now)
        if self._next_tick is None or now < self._next_tick:
            return
        self._next_tick = now + TICK if self.sessions else None
        while self._connected_sessions:  # a keyframe asked for before DTLS was up is lost
            for subscription in self._connected_sessions.pop().subscriptions.values():
                if subscription.packets_sent == 0:
                    self._request_keyframe_for(subscription, now)
        for session in list(self.sessions.values()):
            transport = session.transport
            if transport.finished:
                continue
            transport.handle_timer(now)
            session.due_reports(now, wall_now)
            for stream in session.inbound.values():
                if stream.keyframes.handle_timer(now):
                    self._emit_keyframe_request(stream)
                if stream.nack is not None and stream.nack.keyframe_needed:
                    stream.nack.keyframe_requested()
                    self._send_keyframe_request(stream, now)
                stream.measure(now)
            if session.kind is TransportKind.SUBSCRIBE:
                self._adapt(session, now)
            for subscription in session.subscriptions.values():
                if subscription.target_layer is not None:
                    self._request_keyframe_for(subscription, now)

    def _adapt(self, session: PeerSession, now: float) -> None:
        for event in adapt_session(session, now, self.adaptation):
            self._events.append(event)
            if isinstance(event, SubscriptionResumed | LayerChanged):
                subscription = session.subscriptions.get(event.mid)
                if subscription is not None:
                    self._request_keyframe_for(subscription, now)
        session.send_probe(now, TICK)

    def set_publication_priority(self, publication_id: int, priority: TrackPriority) -> None:
        """Signalling marks the advisor's screen share (it outranks the camera on a thin link)."""
        publication = self.publications.get(publication_id)
        if publication is None:
            raise UnknownSession(f"no publication {publication_id}")
        publication.priority = priority

    def datagrams_to_send(self) -> list[tuple[bytes, Address]]:
        """What every transport queued since the last call (one list shared by all of them)."""
        if not self._outbox:
            return []
        out = self._outbox[:]
        self._outbox.clear()
        return out

    def next_event(self) -> SfuEvent | None:
        return self._events.popleft() if self._events else None
