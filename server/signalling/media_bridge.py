"""Executes signalling against the SFU: publish/subscribe transports, offers, subscriptions.

Every method is synchronous (no await between reading and changing state). Forwarding is only
ever created in `_forward`, which asks the gate (`policy(subscriber, publisher)`) right before
`Sfu.subscribe`; the lobby's `may_forward` says no for anyone not admitted, so a waiting
client's publish transport may exist, but nothing flows to or from it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from media.allocator import TrackPriority
from media.negotiated import MediaKind, NegotiatedSession
from media.sfu import SessionStateChanged, UnknownSession
from media.transport import TransportKind, TransportState
from server.media_plane import MediaPlane
from signalling import codes
from signalling.echo import MediaCounters
from signalling.errors import ProtocolError
from signalling.messages import PublishOffer, Source, SubscribeAnswer, TransportName
from signalling.outbound import (
    PartnerTrackPause,
    PublishAnswer,
    ServerMessage,
    SubscribeOffer,
    TrackPause,
)
from signalling.outbound import TransportState as TransportNotice
from signalling.sdp import (
    LocalTransport,
    accept_subscribe_answer,
    answer_publish_offer,
    build_subscribe_offer,
    is_ice_restart,
)
from signalling.sdp import codes as sdp_codes
from signalling.subscribe_plan import Negotiation, Slot, SubscribePlan, WantedTrack

log = logging.getLogger("videotermin.signalling")

MAX_PUBLISHED_TRACKS = 6  # camera, microphone, screen, screen audio — and some slack
Policy = Callable[[str, str], bool]
Sender = Callable[[ServerMessage], None]


@dataclass
class PublishSide:
    session_id: int
    local: LocalTransport
    negotiated: NegotiatedSession
    sources: dict[str, Source] = field(default_factory=dict)


@dataclass
class SubscribeSide:
    session_id: int
    local: LocalTransport
    plan: SubscribePlan
    offer_sdp: str | None = None
    negotiated: NegotiatedSession | None = None
    forwarding: dict[str, int] = field(default_factory=dict)  # mid -> publication id
    deferred: dict[str, Slot] = field(default_factory=dict)  # until the transport connects


@dataclass
class Endpoint:
    """One participant's (or echo session's) media: at most one transport of each kind."""

    key: str
    send: Sender | None = None  # None while its connection is away
    publish: PublishSide | None = None
    subscribe: SubscribeSide | None = None
    next_version: int = 1


def _default_source(kind: MediaKind) -> Source:
    return Source.CAMERA if kind is MediaKind.VIDEO else Source.MICROPHONE


class MediaBridge:
    def __init__(self, plane: MediaPlane, policy: Policy) -> None:
        self.plane = plane
        self.sfu = plane.sfu
        self.policy = policy
        self.endpoints: dict[str, Endpoint] = {}
        self._owner: dict[int, tuple[str, TransportName]] = {}
        self.subscriptions_created = 0

    # -- endpoints ---------------------------------------------------------------------------

    def attach(self, key: str, send: Sender) -> Endpoint:
        endpoint = self.endpoints.setdefault(key, Endpoint(key))
        endpoint.send = send
        return endpoint

    def detach(self, key: str) -> None:
        endpoint = self.endpoints.get(key)
        if endpoint is not None:
            endpoint.send = None

    def drop(self, key: str) -> None:
        """Close the endpoint's transports and forget it."""
        endpoint = self.endpoints.pop(key, None)
        if endpoint is None:
            return
        self.close_transports(endpoint)

    def close_transports(self, endpoint: Endpoint) -> None:
        if endpoint.publish is not None:
            self._close_session(endpoint.publish.session_id)
            endpoint.publish = None
        if endpoint.subscribe is not None:
            self._close_session(endpoint.subscribe.session_id)
            endpoint.subscribe = None

    def _close_session(self, session_id: int) -> None:
        self._owner.pop(session_id, None)
        self.sfu.close_session(session_id)

    def _local(self) -> LocalTransport:
        return LocalTransport(ice=self.sfu.new_ice_credentials(),
                              fingerprint_sha256=self.sfu.certificate.fingerprint_sha256,
                              candidates=self.plane.candidates)

    # -- publish transport -------------------------------------------------------------------

    def publish_offer(self, key: str, offer: PublishOffer, now: float) -> PublishAnswer:
        endpoint = self.endpoints[key]
        side = endpoint.publish
        if side is not None and (offer.fresh or side.session_id not in self.sfu.sessions):
            self._close_session(side.session_id)
            endpoint.publish = side = None
        if side is None:
            local = self._local()
            answer, negotiated = answer_publish_offer(offer.sdp, local)
            _check_track_count(negotiated)
            session_id = self.sfu.open_session(TransportKind.PUBLISH, local.ice, now)
            self._owner[session_id] = (key, TransportName.PUBLISH)
            self.sfu.apply_negotiation(session_id, negotiated, now)
            endpoint.publish = PublishSide(session_id, local, negotiated, dict(offer.tracks))
            self._mark_screens(endpoint.publish)
            return PublishAnswer(answer)
        local = dataclasses.replace(side.local, session_version=side.local.session_version + 1)
        answer, negotiated = answer_publish_offer(offer.sdp, local, side.negotiated)
        _check_track_count(negotiated)
        restart = is_ice_restart(side.negotiated, negotiated)
        self.sfu.apply_negotiation(side.session_id, negotiated, now)
        side.local, side.negotiated = local, negotiated
        side.sources.update(offer.tracks)
        self._mark_screens(side)
        if restart:
            log.info("ICE restart on a publish transport")
        return PublishAnswer(answer, ice_restart=restart)

    def _mark_screens(self, side: PublishSide) -> None:
        """A shared screen outranks the camera when a subscriber's link is thin."""
        session = self.sfu.sessions.get(side.session_id)
        if session is None:
            return
        for mid, publication in session.publications.items():
            if publication.is_video and side.sources.get(mid) is Source.SCREEN:
                self.sfu.set_publication_priority(publication.publication_id,
                                                  TrackPriority.SCREEN)

    def published(self, key: str) -> list[WantedTrack]:
        endpoint = self.endpoints.get(key)
        side = endpoint.publish if endpoint is not None else None
        session = self.sfu.sessions.get(side.session_id) if side is not None else None
        if side is None or session is None:
            return []
        return [
            WantedTrack(p.publication_id, key, p.kind, side.sources.get(mid) or
                        _default_source(p.kind))
            for mid, p in session.publications.items()
        ]

    # -- subscribe transport -----------------------------------------------------------------

    def reconcile(self, key: str, publishers: list[str], now: float, *,
                  may_reset: bool = True) -> None:
        """Make `key`'s subscribe transport carry exactly the tracks of `publishers`."""
        endpoint = self.endpoints.get(key)
        if endpoint is None:
            return
        wanted = [track for publisher in publishers for track in self.published(publisher)]
        side = endpoint.subscribe
        if side is None:
            if not wanted:
                return
            side = self._new_subscribe_side(endpoint, now)
        for mid in side.plan.update(wanted, self.sfu.allocate_ssrc):
            self._stop(side, mid)
        if side.plan.full and may_reset:  # many tracks came and went: start a fresh transport
            self._close_session(side.session_id)
            endpoint.subscribe = None
            self.reconcile(key, publishers, now, may_reset=False)
            return
        self._maybe_offer(endpoint)

    def _new_subscribe_side(self, endpoint: Endpoint, now: float) -> SubscribeSide:
        local = self._local()
        session_id = self.sfu.open_session(TransportKind.SUBSCRIBE, local.ice, now)
        self._owner[session_id] = (endpoint.key, TransportName.SUBSCRIBE)
        endpoint.subscribe = SubscribeSide(session_id, local, SubscribePlan(endpoint.next_version))
        return endpoint.subscribe

    def _maybe_offer(self, endpoint: Endpoint) -> None:
        side = endpoint.subscribe
        if side is None or endpoint.send is None or not side.plan.wants_offer():
            return
        pending = side.plan.begin_offer()
        side.offer_sdp = build_subscribe_offer(side.local, pending.tracks(), pending.version)
        endpoint.next_version = pending.version + 1
        endpoint.send(SubscribeOffer(side.offer_sdp, pending.version, pending.fresh,
                                     pending.infos()))

    def outstanding_offer(self, key: str) -> int | None:
        """The version of the subscribe offer awaiting its answer, if any."""
        endpoint = self.endpoints.get(key)
        side = endpoint.subscribe if endpoint is not None else None
        if side is None or side.plan.state is not Negotiation.OFFERED or side.plan.offered is None:
            return None
        return side.plan.offered.version

    def resend_offer(self, key: str, version: int) -> None:
        """After a resume that kept the transports: repeat an offer that may have been lost."""
        endpoint = self.endpoints.get(key)
        side = endpoint.subscribe if endpoint is not None else None
        if endpoint is None or side is None or endpoint.send is None:
            return
        offered = side.plan.offered
        if self.outstanding_offer(key) == version and offered is not None and side.offer_sdp:
            endpoint.send(SubscribeOffer(side.offer_sdp, offered.version, offered.fresh,
                                         offered.infos()))

    def subscribe_answer(self, key: str, answer: SubscribeAnswer, now: float) -> None:
        endpoint = self.endpoints[key]
        side = endpoint.subscribe
        if side is None:
            raise ProtocolError("no subscribe offer is outstanding", codes.NO_OFFER)
        side.plan.check_answer(answer.version)
        assert side.offer_sdp is not None
        negotiated = accept_subscribe_answer(side.offer_sdp, answer.sdp, side.local)
        previous = side.negotiated
        if previous is not None and previous.remote_fingerprint != negotiated.remote_fingerprint:
            raise ProtocolError("DTLS certificate changed", sdp_codes.FINGERPRINT_CHANGED)
        self.sfu.apply_negotiation(side.session_id, negotiated, now)
        side.negotiated = negotiated
        for slot in side.plan.answer_applied():
            self._forward(key, side, slot, negotiated, now)
        self._maybe_offer(endpoint)

    def _forward(self, key: str, side: SubscribeSide, slot: Slot,
                 negotiated: NegotiatedSession, now: float) -> None:
        if side.forwarding.get(slot.mid) == slot.publication_id:
            return  # already flowing: a new Subscription would restart its sequence numbers
        description = negotiated.by_mid(slot.mid)
        if description is None or not description.direction.sfu_sends:
            return
        if not self.policy(key, slot.publisher):
            log.warning("gate refused forwarding %s -> %s", slot.publisher, key)
            return
        session = self.sfu.sessions.get(side.session_id)
        if session is None:
            return
        if session.transport.state is not TransportState.CONNECTED:
            # Subscribing now would spend the keyframe request on a transport that cannot
            # carry the keyframe yet; the publisher's throttle would then delay the next one
            # by half a second. Subscribe (and ask for the keyframe) when DTLS is up instead.
            side.deferred[slot.mid] = slot
            return
        side.deferred.pop(slot.mid, None)
        try:
            self.sfu.subscribe(side.session_id, slot.mid, slot.publication_id, now)
        except UnknownSession:
            return  # the publication ended meanwhile; the next reconcile turns it inactive
        side.forwarding[slot.mid] = slot.publication_id
        self.subscriptions_created += 1

    def flush_deferred(self, now: float) -> None:
        """Start deferred forwarding on subscribe transports that are connected by now."""
        for key, endpoint in list(self.endpoints.items()):
            side = endpoint.subscribe
            if side is None or not side.deferred or side.negotiated is None:
                continue
            session = self.sfu.sessions.get(side.session_id)
            if session is not None and session.transport.state is TransportState.CONNECTED:
                for slot in list(side.deferred.values()):
                    self._forward(key, side, slot, side.negotiated, now)

    def _stop(self, side: SubscribeSide, mid: str) -> None:
        side.forwarding.pop(mid, None)
        side.deferred.pop(mid, None)
        if side.session_id in self.sfu.sessions:
            self.sfu.unsubscribe(side.session_id, mid)

    def subscribe_reset(self, key: str, publishers: list[str], now: float) -> None:
        endpoint = self.endpoints[key]
        if endpoint.subscribe is not None:
            self._close_session(endpoint.subscribe.session_id)
            endpoint.subscribe = None
        self.reconcile(key, publishers, now)

    # -- SFU events and measurements ---------------------------------------------------------

    def on_session_state(self, event: SessionStateChanged,
                         now: float) -> tuple[str, TransportName] | None:
        """Tell the owner; a closed or failed transport is released. Returns (owner, which)."""
        owner = self._owner.get(event.session_id)
        if owner is None:
            return None
        key, which = owner
        endpoint = self.endpoints.get(key)
        if endpoint is None:
            return None
        if endpoint.send is not None and event.state is not TransportState.CONNECTING:
            endpoint.send(TransportNotice(which, event.state.value))
        side = endpoint.subscribe
        if (event.state is TransportState.CONNECTED and which is TransportName.SUBSCRIBE
                and side is not None and side.negotiated is not None):
            for slot in list(side.deferred.values()):
                self._forward(key, side, slot, side.negotiated, now)
        if event.state in (TransportState.CLOSED, TransportState.FAILED):
            self._close_session(event.session_id)
            if which is TransportName.PUBLISH:
                endpoint.publish = None
            else:
                endpoint.subscribe = None
        return owner

    def on_pause(self, session_id: int, mid: str, publication_id: int, paused: bool) -> None:
        """The SFU paused or resumed one subscribed m-line: tell both sides, the subscriber
        (its picture stopped) and the publisher (the other one does not see its video)."""
        owner = self._owner.get(session_id)
        if owner is None or owner[1] is not TransportName.SUBSCRIBE:
            return
        reason = "bandwidth" if paused else None
        endpoint = self.endpoints.get(owner[0])
        if endpoint is not None and endpoint.send is not None:
            endpoint.send(TrackPause(mid, paused, reason))
        publication = self.sfu.publications.get(publication_id)
        publisher = self._owner.get(publication.transport_id) if publication else None
        if publication is None or publisher is None or publisher[1] is not TransportName.PUBLISH:
            return
        source = self.endpoints.get(publisher[0])
        if source is not None and source.send is not None:
            source.send(PartnerTrackPause(publication.mid, paused, reason))

    def counters(self, key: str) -> MediaCounters:
        endpoint = self.endpoints.get(key)
        side = endpoint.publish if endpoint is not None else None
        session = self.sfu.sessions.get(side.session_id) if side is not None else None
        if session is None:
            return MediaCounters()
        packets = expected = lost = octets = 0
        for stream in session.inbound.values():
            packets += stream.packets
            expected += stream.stats.expected
            lost += max(0, stream.stats.cumulative_lost)
            octets += stream.octets
        subscribe = endpoint.subscribe if endpoint is not None else None
        returning = self.sfu.sessions.get(subscribe.session_id) if subscribe is not None else None
        rtt = returning.rtt if returning is not None else None
        return MediaCounters(packets, expected, lost, octets, None if rtt is None else rtt * 1000)


def _check_track_count(negotiated: NegotiatedSession) -> None:
    live = sum(1 for m in negotiated.media if m.direction.sfu_receives)
    if live > MAX_PUBLISHED_TRACKS:
        raise ProtocolError(f"at most {MAX_PUBLISHED_TRACKS} tracks", codes.TOO_MANY_TRACKS)
