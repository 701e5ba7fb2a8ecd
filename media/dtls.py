"""DTLS 1.2 endpoint for DTLS-SRTP (RFC 6347, RFC 5764; roles from RFC 8842), sans-I/O.

OpenSSL, through pyOpenSSL memory BIOs, runs the handshake and the cryptography. Around it this
class adds what a WebRTC transport needs: the peer is authenticated by the SDP fingerprint rather
than a CA chain; SRTP keys are exported and split by role; OpenSSL's byte-stream output is cut
into records and packed into datagrams no larger than the MTU; every received byte is untrusted
(malformed datagrams are dropped before OpenSSL sees them, OpenSSL drops bad records itself); and
time comes only from the caller's `now`.

Retransmission (RFC 6347 §4.2.4). OpenSSL keeps its own retransmission timer on the real clock,
which pyOpenSSL does not let us drive. The endpoint therefore runs the RFC schedule itself on the
injected clock (1 s, doubling, at most 60 s) and, when it expires, first asks OpenSSL to
retransmit (in production both clocks agree and OpenSSL does). If OpenSSL's clock says "not yet"
the endpoint resends the previous flight's records itself. So that such a resend passes the
peer's replay window like a real retransmission, every epoch-0 record we send carries a number
from the endpoint's own series (plaintext records have no MAC; see `with_sequence_number`);
records of later epochs are never touched. A peer that repeats its flight makes us resend ours
too: OpenSSL answers most such repeats itself, the endpoint recognises the others from the
handshake message_seq. Records keep being fed after the handshake, so a lost final flight is
answered when the peer repeats its Finished.
"""

from __future__ import annotations

import math
from collections import deque

from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL

from media.certificate import (
    SUPPORTED_FINGERPRINT_ALGORITHMS,
    DtlsCertificate,
    fingerprint_matches,
)
from media.dtls_openssl import PeerCertificateCheck, describe_error, new_connection
from media.dtls_records import (
    CONTENT_HANDSHAKE,
    DtlsRecord,
    max_handshake_seq_untrusted,
    pack_datagrams,
    parse_records_untrusted,
    record_epoch,
    split_records,
    with_sequence_number,
)
from media.dtls_state import (
    DTLS_TRANSITIONS,
    DtlsClosed,
    DtlsConnected,
    DtlsEvent,
    DtlsFailed,
    DtlsState,
    DtlsStateError,
)
from media.errors import BadPacket
from media.negotiated import DtlsRole, Fingerprint
from media.srtp import DEFAULT_SRTP_PROFILES, SrtpKeyMaterial, SrtpProfile

__all__ = [
    "DtlsClosed",
    "DtlsConnected",
    "DtlsEndpoint",
    "DtlsEvent",
    "DtlsFailed",
    "DtlsState",
    "DtlsStateError",
]

EXPORTER_LABEL = b"EXTRACTOR-dtls_srtp"  # RFC 5764 §4.2
INITIAL_RETRANSMIT_TIMEOUT = 1.0  # RFC 6347 §4.2.4.1
MAX_RETRANSMIT_TIMEOUT = 60.0  # RFC 6347 §4.2.4.1
DEFAULT_HANDSHAKE_TIMEOUT = 30.0
# Resends triggered by the peer's retransmissions are spaced at least this far apart, so a flight
# repeated over several datagrams (or together with our own timer) is answered once.
MIN_RESEND_INTERVAL = 0.25
# After the handshake, repeats of the peer's flight make us resend our final flight; anyone who
# can spoof the peer's address could trigger that, so it is bounded.
MAX_FINAL_FLIGHT_RESENDS = 10
MIN_MTU = 256  # below this OpenSSL cannot fit a handshake fragment (DTLS1 minimum MTU)
MAX_MTU = 65_507  # largest UDP/IPv4 payload
_READ_SIZE = 2**14 + 2048  # RFC 5246 §6.2.3: the largest record fragment

class DtlsEndpoint:
    """One DTLS-SRTP association over one ICE transport."""

    def __init__(
        self,
        role: DtlsRole,
        certificate: DtlsCertificate,
        remote_fingerprint: Fingerprint,
        *,
        mtu: int = 1200,
        srtp_profiles: tuple[SrtpProfile, ...] = DEFAULT_SRTP_PROFILES,
        handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
    ) -> None:
        if not MIN_MTU <= mtu <= MAX_MTU:
            raise ValueError(f"mtu must be within {MIN_MTU}..{MAX_MTU}")
        if not srtp_profiles:
            raise ValueError("at least one SRTP profile is needed")
        if not handshake_timeout > 0:
            raise ValueError("handshake_timeout must be positive")
        self.role = role
        self.mtu = mtu
        self.remote_fingerprint = remote_fingerprint
        self.dropped_datagrams = 0  # malformed, or arrived before start() / after the end
        self._handshake_timeout = handshake_timeout
        self._check = PeerCertificateCheck(remote_fingerprint)
        self._conn = new_connection(role, certificate, srtp_profiles, mtu, self._check)
        self._state = DtlsState.NEW
        self._events: deque[DtlsEvent] = deque()
        self._outbox: list[bytes] = []
        self._last_flight: list[bytes] = []  # records, as OpenSSL wrote them
        self._epoch0_sequence = 0  # record numbers we put on epoch-0 records (see _send)
        self._final_flight_resends = 0  # set when we sent the handshake's last flight (server)
        self._deadline = math.inf
        self._retransmit_at = math.inf
        self._retransmit_timeout = INITIAL_RETRANSMIT_TIMEOUT
        self._resend_not_before = -math.inf
        self._peer_seq_seen = -1  # highest epoch-0 handshake message_seq received
        self._peer_seq_answered = -1  # ... when our current flight was produced

    # -- public surface ----------------------------------------------------------------------

    @property
    def state(self) -> DtlsState:
        return self._state

    def start(self, now: float) -> None:
        """Client: send the ClientHello. Server: wait for one. Both: start the deadline."""
        self._set_state(DtlsState.CONNECTING)
        self._deadline = now + self._handshake_timeout
        algorithm = self.remote_fingerprint.algorithm.lower()
        if algorithm not in SUPPORTED_FINGERPRINT_ALGORITHMS:
            self._fail(f"unsupported fingerprint algorithm {algorithm!r}")
            return
        if self.role is DtlsRole.CLIENT:
            self._drive_handshake(now, retransmission=False)

    def receive_datagram(self, data: bytes, now: float) -> None:
        """Feed one datagram the demultiplexer classified as DTLS (RFC 7983: first byte 20..63)."""
        if self._state not in (DtlsState.CONNECTING, DtlsState.CONNECTED):
            self.dropped_datagrams += 1
            return
        try:
            records = parse_records_untrusted(data)
        except BadPacket:
            self.dropped_datagrams += 1
            return
        if self._state is DtlsState.CONNECTING:
            retransmission = self._is_peer_retransmission(records)
            if not self._feed(data):
                return
            sent = self._drive_handshake(now, retransmission=retransmission)
            if retransmission and not sent and self._state is DtlsState.CONNECTING:
                self._resend_last_flight(now)
        else:
            if not self._feed(data):
                return
            sent = self._read_records(len(records))
            if (
                not sent
                and self._final_flight_resends > 0
                and self._state is DtlsState.CONNECTED
                and any(record.content_type == CONTENT_HANDSHAKE for record in records)
            ):
                # The peer repeats its last flight: our final flight was lost.
                if self._resend_last_flight(now):
                    self._final_flight_resends -= 1

    def handle_timer(self, now: float) -> None:
        if self._state is not DtlsState.CONNECTING:
            return
        if now >= self._deadline:
            self._fail("timeout")
            return
        if now < self._retransmit_at:
            return
        self._retransmit_timeout = min(self._retransmit_timeout * 2, MAX_RETRANSMIT_TIMEOUT)
        self._retransmit_at = now + self._retransmit_timeout
        try:
            self._conn.DTLSv1_handle_timeout()
        except SSL.Error as error:
            self._send(self._take_output())
            self._fail(f"handshake failed: {describe_error(error)}")
            return
        flight = self._take_output()
        if flight:
            self._last_flight = flight
            self._send(flight)
            self._resend_not_before = now + MIN_RESEND_INTERVAL
        else:
            self._resend_last_flight(now)

    def datagrams_to_send(self) -> list[bytes]:
        datagrams, self._outbox = self._outbox, []
        return datagrams

    def get_timer(self) -> float | None:
        if self._state is not DtlsState.CONNECTING:
            return None
        return min(self._deadline, self._retransmit_at)

    def next_event(self) -> DtlsEvent | None:
        return self._events.popleft() if self._events else None

    def close(self) -> None:
        """Send close_notify when connected; idempotent once FAILED or CLOSED."""
        if self._state in (DtlsState.FAILED, DtlsState.CLOSED):
            return
        if self._state is DtlsState.CONNECTED:
            self._send_close_notify()
        self._enter_closed()

    # -- handshake ---------------------------------------------------------------------------

    def _feed(self, data: bytes) -> bool:
        try:
            self._conn.bio_write(data)
        except SSL.Error:
            self.dropped_datagrams += 1
            return False
        return True

    def _drive_handshake(self, now: float, *, retransmission: bool) -> bool:
        """Let OpenSSL progress; queue what it wrote. Returns whether it wrote anything."""
        try:
            self._conn.do_handshake()
        except SSL.WantReadError:
            completed = False
        except SSL.ZeroReturnError:
            self._send(self._take_output())
            self._enter_closed()
            return True
        except SSL.Error as error:
            self._send(self._take_output())  # the alert that tells the peer why
            reason = (
                "fingerprint mismatch"
                if self._check.mismatch
                else f"handshake failed: {describe_error(error)}"
            )
            self._fail(reason)
            return True
        else:
            completed = True
        flight = self._take_output()
        if completed:
            if not self._peer_certificate_matches():
                self._fail("fingerprint mismatch")  # our Finished is not sent, no keys leave
                return False
            keys = self._export_keys()
            if keys is None:
                # Authenticated, but unusable for media: let the peer complete and see that too.
                self._send(flight)
                self._send_close_notify()
                self._fail("no SRTP profile negotiated")
                return True
            self._final_flight_resends = MAX_FINAL_FLIGHT_RESENDS if flight else 0
            self._record_flight(flight, now, retransmission)
            self._retransmit_at = math.inf
            self._set_state(DtlsState.CONNECTED)
            self._events.append(DtlsConnected(keys))
            self._read_records(1)  # records that came with the peer's last flight
            return bool(flight)
        self._record_flight(flight, now, retransmission)
        return bool(flight)

    def _record_flight(self, flight: list[bytes], now: float, retransmission: bool) -> None:
        if not flight:
            return
        self._send(flight)
        self._last_flight = flight
        self._resend_not_before = now + MIN_RESEND_INTERVAL
        if not retransmission:  # a new flight: the peer's flight so far is answered
            self._peer_seq_answered = self._peer_seq_seen
            self._retransmit_timeout = INITIAL_RETRANSMIT_TIMEOUT
            self._retransmit_at = now + INITIAL_RETRANSMIT_TIMEOUT

    def _peer_certificate_matches(self) -> bool:
        """Second check of the fingerprint, on the certificate the handshake ended with."""
        peer = self._conn.get_peer_certificate(as_cryptography=True)
        return peer is not None and fingerprint_matches(
            peer.public_bytes(Encoding.DER), self.remote_fingerprint
        )

    def _export_keys(self) -> SrtpKeyMaterial | None:
        """SRTP master keys and salts for the selected profile; None if none was negotiated."""
        profile = SrtpProfile.from_openssl_name(self._conn.get_selected_srtp_profile())
        if profile is None:
            return None
        key, salt = profile.key_length, profile.salt_length
        material = self._conn.export_keying_material(EXPORTER_LABEL, 2 * (key + salt), None)
        # RFC 5764 §4.2: client_key | server_key | client_salt | server_salt.
        client_key, server_key = material[:key], material[key : 2 * key]
        client_salt, server_salt = material[2 * key : 2 * key + salt], material[2 * key + salt :]
        if self.role is DtlsRole.SERVER:
            return SrtpKeyMaterial(profile, server_key, server_salt, client_key, client_salt)
        return SrtpKeyMaterial(profile, client_key, client_salt, server_key, server_salt)

    def _is_peer_retransmission(self, records: list[DtlsRecord]) -> bool:
        """True when the datagram holds only handshake messages we already answered."""
        repeated = new = False
        for record in records:
            if record.content_type != CONTENT_HANDSHAKE or record.epoch != 0:
                continue
            seq = max_handshake_seq_untrusted(record.fragment)
            if seq is None:
                continue
            if seq > self._peer_seq_answered:
                self._peer_seq_seen = max(self._peer_seq_seen, seq)
                new = True
            else:
                repeated = True
        return repeated and not new

    def _resend_last_flight(self, now: float) -> bool:
        if not self._last_flight or now < self._resend_not_before:
            return False
        self._send(self._last_flight)
        self._resend_not_before = now + MIN_RESEND_INTERVAL
        return True

    # -- after the handshake -----------------------------------------------------------------

    def _read_records(self, record_count: int) -> bool:
        """Let OpenSSL consume buffered records; returns whether it wrote anything back.

        WebRTC without data channels sends no application data: any that arrives is discarded.
        """
        for _ in range(record_count + 1):
            try:
                self._conn.recv(_READ_SIZE)
            except SSL.WantReadError:
                break
            except SSL.ZeroReturnError:
                self._send_close_notify()
                self._enter_closed()
                return True
            except SSL.Error as error:
                self._send(self._take_output())
                self._fail(f"connection failed: {describe_error(error)}")
                return True
        output = self._take_output()
        self._send(output)
        return bool(output)

    def _send_close_notify(self) -> None:
        try:
            self._conn.shutdown()
        except SSL.Error:
            pass  # nothing more to say to this peer
        self._send(self._take_output())

    # -- plumbing ----------------------------------------------------------------------------

    def _take_output(self) -> list[bytes]:
        """The records OpenSSL wrote since the last call."""
        chunks: list[bytes] = []
        while True:
            try:
                chunks.append(self._conn.bio_read(_READ_SIZE))
            except SSL.WantReadError:
                break
        return split_records(b"".join(chunks)) if chunks else []

    def _send(self, records: list[bytes]) -> None:
        """Queue records as datagrams; epoch-0 records get the next number of our own series."""
        if not records:
            return
        numbered = []
        for record in records:
            if record_epoch(record) == 0:
                record = with_sequence_number(record, self._epoch0_sequence)
                self._epoch0_sequence += 1
            numbered.append(record)
        self._outbox.extend(pack_datagrams(numbered, self.mtu))

    def _set_state(self, state: DtlsState) -> None:
        if state not in DTLS_TRANSITIONS[self._state]:
            raise DtlsStateError(f"{self._state.value} -> {state.value}")
        self._state = state

    def _fail(self, reason: str) -> None:
        self._set_state(DtlsState.FAILED)
        self._retransmit_at = math.inf
        self._last_flight = []
        self._events.append(DtlsFailed(reason))

    def _enter_closed(self) -> None:
        self._set_state(DtlsState.CLOSED)
        self._retransmit_at = math.inf
        self._last_flight = []
        self._events.append(DtlsClosed())
