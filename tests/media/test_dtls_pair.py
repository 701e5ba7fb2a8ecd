"""Two DTLS endpoints wired back to back under a hand-driven clock (no sockets).

`Pair` is shared by the other tests/media/test_dtls_*.py files: it moves datagrams between a
server and a client endpoint, can drop them by (direction, batch), and advances time to the
earliest timer. A "batch" is what one endpoint had queued when the pair drained it, so batch 0
from the client is its ClientHello, batch 0 from the server its flight 2, batch 1 from the client
flight 5 and batch 1 from the server the final flight (CCS + Finished), unless timers interleave.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from media.certificate import DtlsCertificate
from media.dtls import (
    DtlsClosed,
    DtlsConnected,
    DtlsEndpoint,
    DtlsEvent,
    DtlsFailed,
    DtlsState,
)
from media.dtls_records import CONTENT_APPLICATION_DATA, parse_records_untrusted
from media.dtls_state import DtlsStateError
from media.negotiated import DtlsRole, Fingerprint
from media.srtp import SrtpContext, SrtpProfile

WALL = 1_750_000_000.0
SERVER_CERT = DtlsCertificate.generate(WALL)
CLIENT_CERT = DtlsCertificate.generate(WALL)

C2S = "client->server"
S2C = "server->client"
Drop = Callable[[str, int, bytes], bool]


class Pair:
    def __init__(
        self,
        *,
        mtu: int = 1200,
        client_profiles: tuple[SrtpProfile, ...] | None = None,
        server_profiles: tuple[SrtpProfile, ...] | None = None,
        server_expects: Fingerprint | None = None,
        client_expects: Fingerprint | None = None,
        handshake_timeout: float = 30.0,
        drop: Drop | None = None,
    ) -> None:
        server_options = {} if server_profiles is None else {"srtp_profiles": server_profiles}
        client_options = {} if client_profiles is None else {"srtp_profiles": client_profiles}
        self.server = DtlsEndpoint(
            DtlsRole.SERVER, SERVER_CERT, server_expects or CLIENT_CERT.fingerprint,
            mtu=mtu, handshake_timeout=handshake_timeout, **server_options,
        )
        self.client = DtlsEndpoint(
            DtlsRole.CLIENT, CLIENT_CERT, client_expects or SERVER_CERT.fingerprint,
            mtu=mtu, handshake_timeout=handshake_timeout, **client_options,
        )
        self.now = 0.0
        self.drop: Drop = drop or (lambda direction, batch, datagram: False)
        self.batches = {C2S: 0, S2C: 0}
        self.log: list[tuple[float, str, int, bytes, bool]] = []  # (now, dir, batch, data, lost)
        self.events: dict[str, list[DtlsEvent]] = {"server": [], "client": []}

    def start(self) -> None:
        self.server.start(self.now)
        self.client.start(self.now)
        self.exchange()

    def _deliver(self, source: DtlsEndpoint, target: DtlsEndpoint, direction: str) -> bool:
        datagrams = source.datagrams_to_send()
        if not datagrams:
            return False
        batch = self.batches[direction]
        self.batches[direction] += 1
        for datagram in datagrams:
            lost = self.drop(direction, batch, datagram)
            self.log.append((self.now, direction, batch, datagram, lost))
            if not lost:
                target.receive_datagram(datagram, self.now)
        return True

    def exchange(self, rounds: int = 20) -> None:
        for _ in range(rounds):
            moved = self._deliver(self.client, self.server, C2S)
            moved |= self._deliver(self.server, self.client, S2C)
            self._collect()
            if not moved:
                return
        raise AssertionError("endpoints kept talking for too many rounds")

    def _collect(self) -> None:
        for name, endpoint in (("server", self.server), ("client", self.client)):
            while (event := endpoint.next_event()) is not None:
                self.events[name].append(event)

    def advance(self, *, only: DtlsEndpoint | None = None) -> bool:
        """Jump to the earliest timer (of `only`, if given), fire due timers, exchange."""
        endpoints = [only] if only is not None else [self.client, self.server]
        timers = [t for t in (e.get_timer() for e in endpoints) if t is not None]
        if not timers:
            return False
        self.now = max(self.now, min(timers))
        for endpoint in endpoints:
            timer = endpoint.get_timer()
            if timer is not None and timer <= self.now:
                endpoint.handle_timer(self.now)
        self.exchange()
        return True

    def run(self, max_steps: int = 40) -> None:
        self.start()
        for _ in range(max_steps):
            if self.settled:
                return
            if not self.advance():
                return

    @property
    def settled(self) -> bool:
        busy = (DtlsState.NEW, DtlsState.CONNECTING)
        return self.server.state not in busy and self.client.state not in busy

    def connected_keys(self) -> tuple[DtlsConnected, DtlsConnected]:
        assert self.server.state is DtlsState.CONNECTED, self.events
        assert self.client.state is DtlsState.CONNECTED, self.events
        server = [e for e in self.events["server"] if isinstance(e, DtlsConnected)]
        client = [e for e in self.events["client"] if isinstance(e, DtlsConnected)]
        assert len(server) == 1 and len(client) == 1
        return server[0], client[0]


def connected_pair(**options: object) -> Pair:
    pair = Pair(**options)  # type: ignore[arg-type]
    pair.run()
    pair.connected_keys()
    return pair


# -- back-to-back handshake ------------------------------------------------------------------


@pytest.mark.parametrize("profile", list(SrtpProfile))
def test_handshake_exports_mirrored_keys_and_srtp_works_both_ways(profile: SrtpProfile) -> None:
    pair = Pair(client_profiles=(profile,))
    pair.run()
    server_event, client_event = pair.connected_keys()
    server_keys, client_keys = server_event.keys, client_event.keys
    assert server_keys.profile is client_keys.profile is profile
    assert len(server_keys.local_key) == profile.key_length
    assert len(server_keys.local_salt) == profile.salt_length
    assert server_keys.local_key == client_keys.remote_key
    assert server_keys.local_salt == client_keys.remote_salt
    assert server_keys.remote_key == client_keys.local_key
    assert server_keys.remote_salt == client_keys.local_salt
    assert server_keys.local_key != server_keys.remote_key
    assert pair.now == 0.0  # no loss, no timer needed

    server_srtp = SrtpContext.from_key_material(server_keys)
    client_srtp = SrtpContext.from_key_material(client_keys)
    rtp = bytes.fromhex("80600001000000640000abcd") + b"media" * 40
    rtcp = bytes.fromhex("81c90007000000010000abcd") + bytes(24)
    for sender, receiver in ((server_srtp, client_srtp), (client_srtp, server_srtp)):
        protected = sender.protect_rtp(rtp)
        assert protected != rtp and protected[:12] == rtp[:12]
        assert receiver.unprotect_rtp(protected) == rtp
        assert receiver.unprotect_rtcp(sender.protect_rtcp(rtcp)) == rtcp


def test_server_prefers_gcm_when_the_client_offers_both() -> None:
    pair = connected_pair()
    server_event, _ = pair.connected_keys()
    assert server_event.keys.profile is SrtpProfile.AEAD_AES_128_GCM


def test_client_preference_is_honoured_when_the_server_allows_one_profile() -> None:
    pair = connected_pair(server_profiles=(SrtpProfile.AES128_CM_SHA1_80,))
    assert pair.connected_keys()[0].keys.profile is SrtpProfile.AES128_CM_SHA1_80


def test_no_common_srtp_profile_fails_both_without_keys() -> None:
    pair = Pair(
        client_profiles=(SrtpProfile.AEAD_AES_128_GCM,),
        server_profiles=(SrtpProfile.AES128_CM_SHA1_80,),
    )
    pair.run()
    # The server lets the client complete, so both learn at once instead of at the deadline.
    assert pair.events["server"] == [DtlsFailed("no SRTP profile negotiated")]
    assert pair.events["client"] == [DtlsFailed("no SRTP profile negotiated")]
    assert pair.now == 0.0


def test_handshake_is_dtls_1_2_with_an_ecdsa_aead_suite() -> None:
    pair = connected_pair()
    connection = pair.server._conn  # white-box: the negotiated parameters are OpenSSL's
    assert connection.get_protocol_version_name() == "DTLSv1.2"
    assert connection.get_cipher_name() == "ECDHE-ECDSA-AES128-GCM-SHA256"


def test_a_sha384_fingerprint_is_accepted() -> None:
    expects = Fingerprint("sha-384", hashlib.sha384(CLIENT_CERT.der).digest())
    pair = connected_pair(server_expects=expects)
    assert pair.server.state is DtlsState.CONNECTED


def test_flights_are_packed_into_datagrams_within_the_mtu() -> None:
    pair = connected_pair(mtu=300)
    assert max(len(datagram) for _, _, _, datagram, _ in pair.log) <= 300
    # Flight 2 (certificate, key exchange, request) does not fit one 300-byte datagram...
    server_flight = [datagram for _, d, batch, datagram, _ in pair.log if d == S2C and batch == 0]
    assert len(server_flight) >= 3
    for datagram in server_flight:
        parse_records_untrusted(datagram)  # ...and every datagram holds whole records only


def test_records_are_packed_together_up_to_the_mtu() -> None:
    pair = connected_pair(mtu=1200)
    server_flight = [datagram for _, d, batch, datagram, _ in pair.log if d == S2C and batch == 0]
    assert len(server_flight) == 1  # ServerHello .. ServerHelloDone share one datagram
    assert len(parse_records_untrusted(server_flight[0])) == 5


# -- lifecycle -------------------------------------------------------------------------------


def test_state_machine_rejects_illegal_transitions() -> None:
    pair = Pair()
    assert pair.server.state is DtlsState.NEW and pair.server.get_timer() is None
    pair.start()
    with pytest.raises(DtlsStateError):
        pair.client.start(0.0)
    pair.connected_keys()  # a clean exchange needs no timer
    with pytest.raises(DtlsStateError):
        pair.server.start(1.0)


def test_close_sends_close_notify_and_the_peer_reports_closed() -> None:
    pair = connected_pair()
    pair.client.close()
    assert pair.client.state is DtlsState.CLOSED
    pair.exchange()
    assert pair.server.state is DtlsState.CLOSED
    assert pair.events["server"][-1] == DtlsClosed()
    assert pair.events["client"][-1] == DtlsClosed()
    pair.client.close()  # idempotent
    assert pair.client.next_event() is None


def test_close_before_start_and_during_handshake() -> None:
    fresh = Pair()
    fresh.server.close()
    assert fresh.server.state is DtlsState.CLOSED
    assert fresh.server.datagrams_to_send() == []
    pair = Pair()
    pair.server.start(0.0)
    pair.client.start(0.0)
    pair.client.close()
    assert pair.client.state is DtlsState.CLOSED
    assert pair.client.get_timer() is None


def test_datagrams_after_the_end_are_counted_and_ignored() -> None:
    pair = connected_pair()
    pair.server.close()
    before = pair.server.dropped_datagrams
    pair.server.receive_datagram(b"\x16\xfe\xfd" + bytes(10), 5.0)
    assert pair.server.dropped_datagrams == before + 1
    assert pair.server.state is DtlsState.CLOSED


def test_application_data_from_the_peer_is_discarded() -> None:
    pair = connected_pair()
    pair.client._conn.send(b"not used by WebRTC without data channels")  # white-box sender
    datagrams = pair.client._take_output()
    assert parse_records_untrusted(datagrams[0])[0].content_type == CONTENT_APPLICATION_DATA
    for datagram in datagrams:
        pair.server.receive_datagram(datagram, 1.0)
    assert pair.server.state is DtlsState.CONNECTED
    assert pair.server.datagrams_to_send() == []
    assert pair.server.next_event() is None


def test_timers_stop_once_connected() -> None:
    pair = connected_pair()
    assert pair.server.get_timer() is None and pair.client.get_timer() is None
    pair.server.handle_timer(1000.0)
    assert pair.server.state is DtlsState.CONNECTED


def test_constructor_rejects_unusable_settings() -> None:
    with pytest.raises(ValueError):
        DtlsEndpoint(DtlsRole.SERVER, SERVER_CERT, CLIENT_CERT.fingerprint, mtu=200)
    with pytest.raises(ValueError):
        DtlsEndpoint(DtlsRole.SERVER, SERVER_CERT, CLIENT_CERT.fingerprint, srtp_profiles=())
    with pytest.raises(ValueError):
        DtlsEndpoint(
            DtlsRole.SERVER, SERVER_CERT, CLIENT_CERT.fingerprint, handshake_timeout=0.0
        )
