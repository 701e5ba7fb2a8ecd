"""One browser PeerConnection as the SFU sees it: an ICE-lite agent, a DTLS endpoint and SRTP.

The transport owns the security handshake and nothing about streams: it turns datagrams from
its peer into plaintext RTP/RTCP for the router, and protects what the router sends. Its
lifecycle is an explicit state machine (`TransportState`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from media.certificate import DtlsCertificate
from media.dtls import DtlsClosed, DtlsConnected, DtlsEndpoint, DtlsFailed
from media.errors import BadPacket
from media.ice_lite import IceAddressChanged, IceConnected, IceConsentExpired, IceLiteAgent
from media.negotiated import DtlsRole, IceCredentials, NegotiatedSession
from media.pacer import Pacer
from media.send_history import SendHistory
from media.srtp import SrtpContext
from media.stun import StunMessage

Address = tuple[str, int]


class TransportKind(enum.Enum):
    PUBLISH = "publish"  # the browser sends media to the SFU
    SUBSCRIBE = "subscribe"  # the SFU sends media to the browser


class TransportState(enum.Enum):
    NEW = "new"  # local credentials exist, the peer has not been heard
    CONNECTING = "connecting"  # ICE nominated an address; DTLS handshaking
    CONNECTED = "connected"  # SRTP keys agreed: media may flow
    FAILED = "failed"  # DTLS failed (e.g. fingerprint mismatch) — final
    CLOSED = "closed"  # consent expired, peer closed, or closed locally — final


_ALLOWED: dict[TransportState, frozenset[TransportState]] = {
    TransportState.NEW: frozenset(
        {TransportState.CONNECTING, TransportState.FAILED, TransportState.CLOSED}
    ),
    TransportState.CONNECTING: frozenset(
        {TransportState.CONNECTED, TransportState.FAILED, TransportState.CLOSED}
    ),
    TransportState.CONNECTED: frozenset({TransportState.CLOSED}),
    TransportState.FAILED: frozenset(),
    TransportState.CLOSED: frozenset(),
}


class TransportStateError(RuntimeError):
    """An illegal lifecycle transition was attempted: a bug in the caller, never peer input."""


@dataclass(frozen=True, slots=True)
class TransportStateChanged:
    transport_id: int
    state: TransportState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TransportAddressChanged:
    transport_id: int
    old: Address | None
    new: Address


class PeerTransport:
    """ICE-lite + DTLS-SRTP for one browser PeerConnection on the shared UDP port."""

    def __init__(
        self,
        transport_id: int,
        kind: TransportKind,
        local_ice: IceCredentials,
        certificate: DtlsCertificate,
        emit: Callable[[object], None],
        outbox: list[tuple[bytes, Address]],
        *,
        consent_timeout: float = 30.0,
    ) -> None:
        self.transport_id = transport_id
        self.kind = kind
        self.local_ice = local_ice
        self.state = TransportState.NEW
        self.session: NegotiatedSession | None = None
        self.address: Address | None = None
        self.srtp: SrtpContext | None = None
        self._certificate = certificate
        self._emit = emit
        self._ice = IceLiteAgent(local_ice, None, consent_timeout=consent_timeout)
        self._dtls: DtlsEndpoint | None = None
        self.outbox = outbox  # shared with the SFU: datagrams to send, with their destination
        self._twcc_sequence = 0
        self.send_history = SendHistory()  # what we sent, for the downlink estimator
        self.pacer: Pacer | None = None  # subscribe transports with adaptation: paced video
        self.srtp_errors = 0

    # -- negotiation -------------------------------------------------------------------------

    def apply_session(self, session: NegotiatedSession, now: float) -> None:
        """Apply an offer/answer; the first one arms DTLS with the peer's fingerprint."""
        if session.local_ice != self.local_ice:
            raise TransportStateError("the negotiation is for other local ICE credentials")
        previous = self.session
        self.session = session
        self._ice.restart(self.local_ice, session.remote_ice)
        if self._dtls is None:
            self._dtls = DtlsEndpoint(
                DtlsRole.SERVER, self._certificate, session.remote_fingerprint
            )
            if self.address is not None and self.state is TransportState.NEW:
                # The browser's checks beat its answer here (it answered our offer): ICE already
                # nominated an address, so the handshake can start now (RFC 8445 §7.3).
                self._start_dtls(now)
        elif previous is not None and previous.remote_fingerprint != session.remote_fingerprint:
            # A browser never changes its certificate within one PeerConnection.
            self._fail("remote fingerprint changed during renegotiation")

    def restart_ice(self, local_ice: IceCredentials) -> None:
        """ICE restart (RFC 8445 §9): new local credentials go out in the next SDP; the peer's
        new ones arrive with `apply_session`. Media keeps flowing meanwhile."""
        if self.finished:
            raise TransportStateError("a closed transport cannot restart ICE")
        self.local_ice = local_ice

    # -- lifecycle ---------------------------------------------------------------------------

    def _set_state(self, state: TransportState, reason: str = "") -> None:
        if state not in _ALLOWED[self.state]:
            raise TransportStateError(f"{self.state.value} -> {state.value}")
        self.state = state
        self._emit(TransportStateChanged(self.transport_id, state, reason))

    def _fail(self, reason: str) -> None:
        if self.state in (TransportState.FAILED, TransportState.CLOSED):
            return
        self.srtp = None
        self._set_state(TransportState.FAILED, reason)

    def close(self, reason: str = "closed") -> None:
        if self.state in (TransportState.FAILED, TransportState.CLOSED):
            return
        if self._dtls is not None and self.state is TransportState.CONNECTED:
            self._dtls.close()
            self._flush_dtls()
        self.srtp = None
        self._set_state(TransportState.CLOSED, reason)

    @property
    def finished(self) -> bool:
        return self.state in (TransportState.FAILED, TransportState.CLOSED)

    # -- input -------------------------------------------------------------------------------

    def receive_stun(self, message: StunMessage, raw: bytes, addr: Address, now: float) -> None:
        if self.finished:
            return
        response = self._ice.receive_stun(message, raw, addr, now)
        if response is not None:
            self.outbox.append((response, addr))
        self._drain_ice_events(now)

    def receive_dtls(self, data: bytes, addr: Address, now: float) -> None:
        if self._dtls is None or self.finished or addr != self.address:
            return
        self._dtls.receive_datagram(data, now)
        self._drain_dtls_events()
        self._flush_dtls()

    def unprotect_rtp(self, data: bytes) -> bytes | None:
        srtp = self.srtp
        if srtp is None:
            return None
        try:
            return srtp.unprotect_rtp(data)
        except BadPacket:
            self.srtp_errors += 1
            return None

    def unprotect_rtcp(self, data: bytes) -> bytes | None:
        srtp = self.srtp
        if srtp is None:
            return None
        try:
            return srtp.unprotect_rtcp(data)
        except BadPacket:
            self.srtp_errors += 1
            return None

    def send_rtcp(self, plaintext: bytes) -> None:
        srtp, address = self.srtp, self.address
        if srtp is not None and address is not None:
            self.outbox.append((srtp.protect_rtcp(plaintext), address))

    def next_twcc_sequence(self, now: float) -> int:
        """Transport-wide sequence number for the next packet we send (draft-holmer-rmcat §2)."""
        value = self._twcc_sequence
        self._twcc_sequence = (value + 1) & 0xFFFF
        return value

    # -- timers ------------------------------------------------------------------------------

    def get_timer(self) -> float | None:
        if self.finished:
            return None
        deadlines = [self._ice.get_timer()]
        if self._dtls is not None and self.state is TransportState.CONNECTING:
            deadlines.append(self._dtls.get_timer())
        present = [d for d in deadlines if d is not None]
        return min(present) if present else None

    def handle_timer(self, now: float) -> None:
        if self.finished:
            return
        self._ice.handle_timer(now)
        self._drain_ice_events(now)
        if self._dtls is not None and self.state is TransportState.CONNECTING:
            self._dtls.handle_timer(now)
            self._drain_dtls_events()
            self._flush_dtls()

    # -- internals ---------------------------------------------------------------------------

    def _drain_ice_events(self, now: float) -> None:
        while (event := self._ice.next_event()) is not None:
            if isinstance(event, IceConnected | IceAddressChanged):
                new = event.address if isinstance(event, IceConnected) else event.new
                old, self.address = self.address, new
                self._emit(TransportAddressChanged(self.transport_id, old, new))
                if self.state is TransportState.NEW and self._dtls is not None:
                    self._start_dtls(now)
            elif isinstance(event, IceConsentExpired):
                self.close("ice consent expired")

    def _start_dtls(self, now: float) -> None:
        assert self._dtls is not None
        self._set_state(TransportState.CONNECTING)
        self._dtls.start(now)
        self._flush_dtls()

    def _drain_dtls_events(self) -> None:
        assert self._dtls is not None
        while (event := self._dtls.next_event()) is not None:
            if isinstance(event, DtlsConnected):
                self.srtp = SrtpContext.from_key_material(event.keys)
                if self.state is TransportState.CONNECTING:
                    self._set_state(TransportState.CONNECTED)
            elif isinstance(event, DtlsFailed):
                self._fail(f"dtls: {event.reason}")
            elif isinstance(event, DtlsClosed):
                self.close("dtls closed by peer")

    def _flush_dtls(self) -> None:
        if self._dtls is None or self.address is None:
            return
        for datagram in self._dtls.datagrams_to_send():
            self.outbox.append((datagram, self.address))
