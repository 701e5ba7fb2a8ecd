"""Rejected and survived: hostile datagrams, also authenticated ones (protected with a live
peer's own SRTP keys, so they reach the parsers behind decryption), never break the SFU or the
other sessions."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from media.errors import BadPacket
from media.transport import TransportKind, TransportState
from tests.conftest import fuzz_budget
from tests.media.fuzz_inputs import regression_inputs
from tests.media.sfu_world import (
    VP8_DELTA,
    VP8_KEYFRAME,
    World,
    publisher_media,
    subscriber_media,
    video_packet,
)


def live_world() -> tuple[World, object, object]:
    world = World.create()
    alice = world.add_peer("alice", TransportKind.PUBLISH, publisher_media())
    bob = world.add_peer("bob", TransportKind.SUBSCRIBE, subscriber_media(world.sfu))
    world.run(0.5)
    pubs = {p.mid: p.publication_id for p in world.sfu.publications.values()}
    world.sfu.subscribe(bob.session_id, "1", pubs["1"], world.now)
    alice.transport.send_rtp(video_packet(1, 0, VP8_KEYFRAME))
    world.step()
    return world, alice, bob


WORLD, ALICE, BOB = live_world()
NEXT_SEQUENCE = [2]


def inject(raw: bytes, *, authenticated: bool) -> None:
    """Feed one datagram into the SFU as alice's (or as a stranger's)."""
    sfu = WORLD.sfu
    if not authenticated:
        sfu.receive_datagram(raw, ALICE.address, WORLD.now)
        sfu.receive_datagram(raw, ("127.0.0.1", 9), WORLD.now)
        return
    srtp = ALICE.transport.srtp
    assert srtp is not None
    try:
        if len(raw) > 1 and 192 <= raw[1] <= 223:
            protected = srtp.protect_rtcp(raw)
        else:
            protected = srtp.protect_rtp(raw)
    except BadPacket:
        return  # libsrtp refused to protect it: not a packet a real peer could send
    sfu.receive_datagram(protected, ALICE.address, WORLD.now)


def assert_still_forwarding() -> None:
    BOB.transport.received_rtp.clear()
    srtp = ALICE.transport.srtp
    assert srtp is not None
    # Fuzzed packets moved alice's SRTP index and the SFU's view of her sequence around;
    # a real encoder simply carries on from its own next number: find one both accept.
    for step in range(16):
        sequence = (NEXT_SEQUENCE[0] + step * 4096) & 0xFFFF
        try:
            protected = srtp.protect_rtp(video_packet(sequence, sequence * 3000, VP8_DELTA))
        except BadPacket:
            continue
        WORLD.sfu.receive_datagram(protected, ALICE.address, WORLD.now)
        WORLD.step()
        if BOB.transport.received_rtp:
            break
    assert BOB.transport.received_rtp, "the live session stopped forwarding"
    for session in WORLD.sfu.sessions.values():
        assert session.transport.state is TransportState.CONNECTED


def test_shared_fuzz_regressions_are_survived(conformance_dir: object) -> None:
    inputs = regression_inputs()
    assert inputs
    for raw in inputs:
        inject(raw, authenticated=False)
        rtp_like = bytes([0x80 | (raw[0] & 0x3F) if raw else 0x80]) + raw[1:]
        inject(rtp_like, authenticated=True)
        WORLD.step(0.001)
    assert_still_forwarding()


def _header() -> st.SearchStrategy[bytes]:
    """A plausible RTP/RTCP start (V=2, alice's SSRC sometimes) so libsrtp accepts to protect."""
    return st.tuples(
        st.integers(0x80, 0xBF),
        st.integers(0, 255),
        st.integers(0, 0xFFFF),
        st.integers(0, 0xFFFFFFFF),
        st.sampled_from([2222, 1111, 2223, 0xDEADBEEF]),
    ).map(lambda t: struct.pack("!BBHII", *t))


@settings(
    max_examples=fuzz_budget(short=1500),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(header=_header(), body=st.binary(max_size=300))
def test_random_authenticated_packets_are_survived(header: bytes, body: bytes) -> None:
    inject(header + body, authenticated=True)


@settings(
    max_examples=fuzz_budget(short=1500),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_valid_packets_are_survived(data: st.DataObject) -> None:
    valid = bytearray(video_packet(500, 90000, VP8_DELTA, twcc=7))
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(valid) - 1))
        valid[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(12, len(valid)))
    inject(bytes(valid[:cut]), authenticated=True)
    inject(bytes(valid[:cut]), authenticated=False)


@settings(max_examples=fuzz_budget(short=1000), deadline=None)
@given(raw=st.binary(max_size=400))
def test_random_datagrams_are_survived(raw: bytes) -> None:
    inject(raw, authenticated=False)


@pytest.fixture(autouse=True, scope="module")
def _liveness_after_all() -> object:
    yield None
    assert_still_forwarding()
