"""A browser-like client transport built from the project's own sans-I/O cores, client role.

ICE controlling (nominating), DTLS client, SRTP — what the load generator and the core tests use
to talk to the SFU the way a browser would. No sockets and no clock: bytes and `now` in,
datagrams and plaintext RTP/RTCP out, like every core.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass

from media.certificate import DtlsCertificate
from media.demux import PacketClass, classify
from media.dtls import DtlsConnected, DtlsEndpoint, DtlsFailed
from media.errors import BadPacket
from media.ice_client import IceClientConnected, IceClientFailed, IceControllingClient
from media.negotiated import DtlsRole, Fingerprint, IceCredentials
from media.rtcp import encode_rtcp_compound
from media.rtp_header import find_one_byte_extension, parse_rtp_layout_untrusted
from media.srtp import SrtpContext
from media.stun import (
    BINDING,
    StunClass,
    StunMessage,
    encode_stun,
    parse_stun_untrusted,
    verify_message_integrity,
)
from media.stun_attributes import XOR_MAPPED_ADDRESS, encode_xor_mapped_address
from media.twcc_recorder import TwccRecorder

Address = tuple[str, int]
MAX_QUICK_REPEATS = 2  # early ClientHello retransmissions while the server is not yet ready


@dataclass(frozen=True, slots=True)
class ClientConnected:
    pass


@dataclass(frozen=True, slots=True)
class ClientFailed:
    reason: str


class ClientTransport:
    """One PeerConnection's transport, seen from the browser's side."""

    def __init__(
        self,
        local_ice: IceCredentials,
        remote_ice: IceCredentials,
        server: Address,
        certificate: DtlsCertificate,
        server_fingerprint: Fingerprint,
        *,
        twcc_extension_id: int | None = None,
        dtls_role: DtlsRole = DtlsRole.CLIENT,
    ) -> None:
        """`twcc_extension_id`: send transport-cc feedback for what arrives, as browsers do.

        `dtls_role`: CLIENT when the server answered or offered `a=setup:passive`/`actpass`
        (our SFU); SERVER when it answered our `actpass` offer with `a=setup:active` (Janus).
        """
        self.server = server
        self.local_ice = local_ice
        self.certificate = certificate
        self._local_key = local_ice.pwd.encode()
        self._ice = IceControllingClient(
            local_ice, remote_ice, server, tie_breaker=secrets.randbits(64)
        )
        self._dtls = DtlsEndpoint(dtls_role, certificate, server_fingerprint)
        self._dtls_role = dtls_role
        self._server_fingerprint = server_fingerprint
        self._dtls_started = False
        self._dtls_heard = False  # any DTLS datagram from the server yet
        self._first_flight: list[bytes] = []  # our ClientHello, while the server is silent
        self._quick_repeats = 0
        self._repeats: list[bytes] = []
        # As DTLS server, the peer's ClientHello may overtake our view of ICE success.
        self._early_dtls: list[bytes] = []
        self.srtp: SrtpContext | None = None
        self.received_rtp: deque[bytes] = deque()  # plaintext, for the application to drain
        self.received_rtcp: deque[bytes] = deque()
        self.failure: str | None = None
        self._outbox: list[bytes] = []
        self._stun_answers: list[bytes] = []
        self.events: deque[ClientConnected | ClientFailed] = deque()
        self.bad_packets = 0
        self._twcc_id = twcc_extension_id
        self._feedback = TwccRecorder()
        self._feedback.enabled = twcc_extension_id is not None
        self._feedback_ssrc = secrets.randbits(32) | 1

    @property
    def connected(self) -> bool:
        return self.srtp is not None

    def start(self, now: float) -> None:
        self._ice.start(now)

    def receive_datagram(self, data: bytes, now: float) -> None:
        if not data:
            return
        first = data[0]
        if 128 <= first <= 191:
            srtp = self.srtp
            if srtp is None:
                return
            try:
                if len(data) > 1 and 192 <= data[1] <= 223:
                    self.received_rtcp.append(srtp.unprotect_rtcp(data))
                else:
                    plain = srtp.unprotect_rtp(data)
                    self.received_rtp.append(plain)
                    if self._twcc_id is not None:
                        self._record_arrival(plain, now)
            except BadPacket:
                self.bad_packets += 1
            return
        packet_class = classify(first)
        if packet_class is PacketClass.STUN:
            try:
                message = parse_stun_untrusted(data)
            except BadPacket:
                self.bad_packets += 1
                return
            if message.message_class is StunClass.REQUEST:
                self._answer_check(message, data, now)
                return
            if message.message_class is StunClass.INDICATION:
                self._repeat_first_flight()  # the server's keepalive: it is ready now
                return
            self._ice.receive_stun(message, data, now)
            self._drain_ice(now)
        elif packet_class is PacketClass.DTLS:
            self._dtls_heard = True
            if not self._dtls_started:
                if len(self._early_dtls) < 8:
                    self._early_dtls.append(data)
                return
            self._dtls.receive_datagram(data, now)
            self._drain_dtls()

    def _answer_check(self, message: StunMessage, raw: bytes, now: float) -> None:
        """Answer the server's own binding requests, as a browser's full ICE agent does.

        A full-ICE server (or Janus's libnice even in lite mode) checks the path back to us and
        may wait for our answer before it starts DTLS. Signed with our password (RFC 8445 §7.3).
        Such a server also drops a ClientHello that came before its own check succeeded; then
        we retransmit it at once (on its check, and on its first keepalive indication) instead
        of after OpenSSL's fixed 1 s timer (browsers retransmit their first flight sooner).
        """
        if message.method != BINDING:
            return
        username = message.username
        if username is None or not username.startswith(self.local_ice.ufrag.encode() + b":"):
            return
        if not verify_message_integrity(raw, message, self._local_key):
            return
        host, port = self.server
        self._stun_answers.append(encode_stun(
            StunClass.SUCCESS, BINDING, message.transaction_id,
            ((XOR_MAPPED_ADDRESS, encode_xor_mapped_address(host, port, message.transaction_id)),),
            integrity_key=self._local_key, fingerprint=True,
        ))
        self._repeat_first_flight()

    def _repeat_first_flight(self) -> None:
        """Retransmit our ClientHello now (RFC 6347 §4.2.4) if the server has said nothing yet."""
        if (self._dtls_role is DtlsRole.CLIENT and not self._dtls_heard and self._first_flight
                and self.srtp is None and self._quick_repeats < MAX_QUICK_REPEATS):
            self._quick_repeats += 1
            self._repeats.extend(self._first_flight)

    def _record_arrival(self, plain: bytes, now: float) -> None:
        assert self._twcc_id is not None
        start, end, _, _ = parse_rtp_layout_untrusted(plain)
        value = find_one_byte_extension(plain, start, end, self._twcc_id)
        if value is not None and len(value) == 2:
            self._feedback.on_packet(int.from_bytes(value, "big"), now)

    def _drain_ice(self, now: float) -> None:
        while (event := self._ice.next_event()) is not None:
            if isinstance(event, IceClientConnected) and not self._dtls_started:
                self._dtls_started = True
                self._dtls.start(now)
                early, self._early_dtls = self._early_dtls, []
                for datagram in early:
                    self._dtls.receive_datagram(datagram, now)
                self._drain_dtls()
            elif isinstance(event, IceClientFailed):
                self._fail(f"ice: {event.reason}")

    def _drain_dtls(self) -> None:
        while (event := self._dtls.next_event()) is not None:
            if isinstance(event, DtlsConnected):
                self.srtp = SrtpContext.from_key_material(event.keys)
                self.events.append(ClientConnected())
            elif isinstance(event, DtlsFailed):
                self._fail(f"dtls: {event.reason}")

    def _fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
            self.events.append(ClientFailed(reason))

    def send_rtp(self, plain: bytes) -> None:
        if self.srtp is not None:
            self._outbox.append(self.srtp.protect_rtp(plain))

    def send_rtcp(self, plain: bytes) -> None:
        if self.srtp is not None:
            self._outbox.append(self.srtp.protect_rtcp(plain))

    def handle_timer(self, now: float) -> None:
        if self.srtp is not None and self._twcc_id is not None:
            feedback = self._feedback.due_feedback(self._feedback_ssrc, now)
            if feedback:
                self.send_rtcp(encode_rtcp_compound(feedback))
        self._ice.handle_timer(now)
        self._drain_ice(now)
        if self._dtls_started:
            self._dtls.handle_timer(now)
            self._drain_dtls()

    def get_timer(self) -> float | None:
        deadlines = [self._ice.get_timer()]
        if self._twcc_id is not None and self.srtp is not None:
            deadlines.append(self._feedback.next_feedback_at())
        if self._dtls_started and self.srtp is None:
            deadlines.append(self._dtls.get_timer())
        present = [d for d in deadlines if d is not None]
        return min(present) if present else None

    def datagrams_to_send(self, now: float) -> list[bytes]:
        out = self._ice.datagrams_to_send(now)
        if self._stun_answers:  # before any DTLS: the server must see its check succeed first
            out.extend(self._stun_answers)
            self._stun_answers.clear()
        if self._repeats:
            out.extend(self._repeats)
            self._repeats.clear()
        flight = self._dtls.datagrams_to_send()
        if flight and not self._dtls_heard and self._dtls_role is DtlsRole.CLIENT:
            self._first_flight = list(flight)
        out.extend(flight)
        if self._outbox:
            out.extend(self._outbox)
            self._outbox.clear()
        return out
