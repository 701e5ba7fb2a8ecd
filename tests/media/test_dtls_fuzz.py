"""Hostile bytes into DTLS endpoints: no exception escapes, the lifecycle stays consistent.

An endpoint still handshaking may fail on a forged plaintext handshake message (epoch 0 is not
authenticated; that is DTLS 1.2, and upstream only ICE-validated addresses reach us), but it must
fail cleanly. A connected endpoint must ignore anything it cannot authenticate.
"""

from __future__ import annotations

import struct
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from media.dtls import DtlsClosed, DtlsEndpoint, DtlsFailed, DtlsState
from media.negotiated import DtlsRole
from tests.conftest import fuzz_budget, fuzz_regression_entries
from tests.media.test_dtls_pair import C2S, CLIENT_CERT, S2C, SERVER_CERT, Pair, connected_pair

# Unauthenticated epoch-0 alerts can end a handshake (fatal alert, close_notify): cleanly.
CONNECTING_OK = (DtlsState.CONNECTING, DtlsState.FAILED, DtlsState.CLOSED)
# RFC 7983 §7: a first byte in 20..63 is what the demultiplexer hands to DTLS.
DTLS_FIRST_BYTES = range(20, 64)

# A handshake in progress, recorded once: flights to replay into fresh endpoints.
_RECORDED = connected_pair(mtu=400)
CLIENT_HELLO = [data for _, d, b, data, _ in _RECORDED.log if d == C2S and b == 0]
SERVER_FLIGHT = [data for _, d, b, data, _ in _RECORDED.log if d == S2C and b == 0]
CONNECTED = connected_pair()


def fresh_server(*, after_hello: bool) -> DtlsEndpoint:
    server = DtlsEndpoint(DtlsRole.SERVER, SERVER_CERT, CLIENT_CERT.fingerprint)
    server.start(0.0)
    if after_hello:
        for datagram in CLIENT_HELLO:
            server.receive_datagram(datagram, 0.0)
        assert server.datagrams_to_send()
    return server


def fresh_client() -> DtlsEndpoint:
    client = DtlsEndpoint(DtlsRole.CLIENT, CLIENT_CERT, SERVER_CERT.fingerprint)
    client.start(0.0)
    assert client.datagrams_to_send()
    return client


def feed(endpoint: DtlsEndpoint, data: bytes, now: float = 0.5) -> None:
    before = endpoint.state
    endpoint.receive_datagram(data, now)
    endpoint.handle_timer(now)
    endpoint.datagrams_to_send()
    events = []
    while (event := endpoint.next_event()) is not None:
        events.append(event)
    if before is DtlsState.CONNECTING:
        assert endpoint.state in CONNECTING_OK
        if endpoint.state is DtlsState.FAILED:
            assert len(events) == 1 and isinstance(events[0], DtlsFailed)
        if endpoint.state is DtlsState.CLOSED:
            assert events == [DtlsClosed()]
    if endpoint.state is DtlsState.CONNECTING:
        assert endpoint.get_timer() is not None


def assert_connected_survives(data: bytes) -> None:
    for endpoint in (CONNECTED.server, CONNECTED.client):
        endpoint.receive_datagram(data, 1.0)
        endpoint.datagrams_to_send()
        assert endpoint.state is DtlsState.CONNECTED, data.hex()
        assert endpoint.next_event() is None


def regression_inputs(conformance_dir: Path) -> list[bytes]:
    inputs = [data for entry, data in fuzz_regression_entries(conformance_dir) if entry.get("file")]
    assert inputs
    return inputs


# -- fixed inputs ----------------------------------------------------------------------------

GARBAGE = [
    b"",
    b"\x16",
    b"\x16\xfe\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00",  # 12-byte header
    b"\x16\xfe\xfd" + bytes(8) + b"\x00\x10" + b"short",  # body shorter than its length
    b"\x16\xfe\xfd" + bytes(8) + b"\x00\x00",  # empty handshake record
    b"\x15\xfe\xfd" + bytes(8) + b"\x00\x02\x02\x28",  # plaintext fatal alert
    b"\x15\xfe\xfd" + bytes(8) + b"\x00\x02\x01\x00",  # plaintext close_notify
    b"\x14\xfe\xfd" + bytes(8) + b"\x00\x01\x01",  # stray ChangeCipherSpec
    b"\x17\xfe\xfd\x00\x01" + bytes(6) + b"\x00\x20" + bytes(32),  # epoch-1 junk
    b"\x16\x03\x03" + bytes(8) + b"\x00\x00",  # TLS, not DTLS
    b"\x18\xfe\xfd" + bytes(8) + b"\x00\x00",  # heartbeat
    b"\x3f" * 100,
    b"\x16\xfe\xfd" + bytes(8) + b"\xff\xff" + bytes(200),
]


def test_garbage_into_connecting_and_connected_endpoints() -> None:
    for data in GARBAGE:
        feed(fresh_server(after_hello=False), data)
        feed(fresh_server(after_hello=True), data)
        feed(fresh_client(), data)
        assert_connected_survives(data)


def test_truncated_flights_are_dropped_whole() -> None:
    server = fresh_server(after_hello=False)
    hello = CLIENT_HELLO[0]
    for cut in range(1, len(hello)):
        server.receive_datagram(hello[:cut], 0.0)
    assert server.dropped_datagrams == len(hello) - 1
    assert server.datagrams_to_send() == []
    server.receive_datagram(hello, 0.0)  # the intact one still works afterwards
    assert server.datagrams_to_send()


def test_a_garbled_flight_does_not_stop_a_later_clean_handshake() -> None:
    pair = Pair()
    pair.server.start(0.0)
    pair.server.receive_datagram(b"\x16\xfe\xfd" + bytes(8) + b"\x00\x10" + b"x", 0.0)
    pair.client.start(0.0)
    pair.exchange()
    pair.connected_keys()


def test_fuzz_regression_corpus(conformance_dir: Path) -> None:
    for data in regression_inputs(conformance_dir):
        feed(fresh_server(after_hello=True), data)
        feed(fresh_client(), data)
        assert_connected_survives(data)


# -- generated inputs ------------------------------------------------------------------------

dtls_looking = st.builds(
    lambda first, rest: bytes([first]) + rest,
    st.sampled_from(DTLS_FIRST_BYTES),
    st.binary(max_size=400),
)


def _record(content_type: int, version: int, epoch: int, sequence: int, body: bytes) -> bytes:
    return struct.pack("!BHH", content_type, version, epoch) + sequence.to_bytes(6, "big") + (
        len(body).to_bytes(2, "big") + body
    )


def _handshake(msg_type: int, length: int, seq: int, offset: int, body: bytes) -> bytes:
    return (
        bytes([msg_type]) + length.to_bytes(3, "big") + seq.to_bytes(2, "big")
        + offset.to_bytes(3, "big") + len(body).to_bytes(3, "big") + body
    )


handshake_bodies = st.builds(
    _handshake,
    st.sampled_from([0, 1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20, 255]),
    st.integers(0, 2**24 - 1) | st.integers(0, 300),
    st.integers(0, 6) | st.integers(0, 2**16 - 1),
    st.integers(0, 300) | st.integers(0, 2**24 - 1),
    st.binary(max_size=200),
)
well_framed = st.lists(
    st.builds(
        _record,
        st.integers(20, 23),
        st.sampled_from([0xFEFF, 0xFEFD]),
        st.integers(0, 2),
        st.integers(0, 2**48 - 1),
        handshake_bodies | st.binary(max_size=200),
    ),
    min_size=1,
    max_size=4,
).map(b"".join)


# Each example builds fresh endpoints (a ServerHello costs an ECDHE key and a signature): the
# --long run of these takes about half an hour (conftest lifts the timeout in long mode).
@settings(max_examples=fuzz_budget(short=300), deadline=None)
@given(data=dtls_looking)
def test_fuzz_random_bytes(data: bytes) -> None:
    feed(fresh_server(after_hello=True), data)
    feed(fresh_client(), data)
    assert_connected_survives(data)


@settings(max_examples=fuzz_budget(short=200), deadline=None)
@given(data=well_framed)
def test_fuzz_well_framed_records(data: bytes) -> None:
    feed(fresh_server(after_hello=False), data)
    feed(fresh_server(after_hello=True), data)
    feed(fresh_client(), data)
    assert_connected_survives(data)


@settings(max_examples=fuzz_budget(short=200), deadline=None)
@given(
    which=st.integers(0, 10),
    flips=st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 255)), min_size=1, max_size=4),
)
def test_fuzz_mutated_real_flights(which: int, flips: list[tuple[int, int]]) -> None:
    flights = CLIENT_HELLO + SERVER_FLIGHT
    original = flights[which % len(flights)]
    mutated = bytearray(original)
    for position, mask in flips:
        mutated[position % len(mutated)] ^= mask
    data = bytes(mutated)
    if original in CLIENT_HELLO:
        feed(fresh_server(after_hello=False), data)
    else:
        feed(fresh_client(), data)
    assert_connected_survives(data)
