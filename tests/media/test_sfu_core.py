"""The SFU core end to end under a hand-driven clock: connect, forward, rewrite, repair, refuse."""

from __future__ import annotations

import struct

from media.negotiated import Fingerprint
from media.rtcp import (
    GenericNack,
    PictureLossIndication,
    SenderReport,
    TransportCcFeedback,
    encode_rtcp_compound,
    parse_rtcp_compound_untrusted,
)
from media.rtp import parse_rtp_untrusted
from media.sfu import PublicationAdded, SessionStateChanged
from media.transport import TransportKind, TransportState
from tests.media.sfu_world import (
    VP8_DELTA,
    VP8_KEYFRAME,
    World,
    audio_packet,
    publisher_media,
    subscriber_media,
    video_packet,
)


def connected_world(*, rtx: bool = True) -> tuple[World, object, object]:
    world = World.create()
    alice = world.add_peer("alice", TransportKind.PUBLISH, publisher_media())
    bob = world.add_peer("bob", TransportKind.SUBSCRIBE, subscriber_media(world.sfu, rtx=rtx))
    world.run(0.5)
    assert alice.transport.connected and bob.transport.connected
    publications = {p.mid: p.publication_id for p in world.sfu.publications.values()}
    world.sfu.subscribe(bob.session_id, "0", publications["0"], world.now)
    world.sfu.subscribe(bob.session_id, "1", publications["1"], world.now)
    return world, alice, bob


def send(world: World, peer: object, packets: list[bytes]) -> None:
    for packet in packets:
        peer.transport.send_rtp(packet)  # type: ignore[attr-defined]
    world.step()


def received_video(bob: object) -> list:
    packets = [parse_rtp_untrusted(p) for p in bob.transport.received_rtp]  # type: ignore[attr-defined]
    return [p for p in packets if p.payload_type in (96, 97)]


def test_sessions_connect_and_report_state_and_publications() -> None:
    world, alice, bob = connected_world()
    events = []
    while (event := world.sfu.next_event()) is not None:
        events.append(event)
    states = [e for e in events if isinstance(e, SessionStateChanged)]
    assert {(e.session_id, e.state) for e in states} >= {
        (alice.session_id, TransportState.CONNECTED),
        (bob.session_id, TransportState.CONNECTED),
    }
    assert sum(isinstance(e, PublicationAdded) for e in events) == 2


def test_forwarded_stream_has_own_ssrc_sequence_and_timestamp_base() -> None:
    world, alice, bob = connected_world()
    send(world, alice, [video_packet(65534, 1000, VP8_KEYFRAME)])
    send(world, alice, [video_packet(65535, 4000, VP8_DELTA), audio_packet(7, 960)])
    send(world, alice, [video_packet(0, 7000, VP8_DELTA)])  # 16-bit wrap on the way in
    video = received_video(bob)
    assert len(video) == 3
    out_ssrc = world.sfu.sessions[bob.session_id].subscriptions["1"].ssrc
    assert {p.ssrc for p in video} == {out_ssrc} and out_ssrc != 2222
    sequences = [p.sequence_number for p in video]
    assert [(s - sequences[0]) & 0xFFFF for s in sequences] == [0, 1, 2]
    stamps = [p.timestamp for p in video]
    assert [(t - stamps[0]) & 0xFFFFFFFF for t in stamps] == [0, 3000, 6000]
    assert video[0].payload == VP8_KEYFRAME
    audio = [
        p for p in map(parse_rtp_untrusted, bob.transport.received_rtp) if p.payload_type == 111
    ]
    assert len(audio) == 1 and audio[0].ssrc != 1111


def test_gap_in_input_stays_a_gap_and_publisher_gets_a_nack() -> None:
    world, alice, bob = connected_world()
    send(world, alice, [video_packet(100, 0, VP8_KEYFRAME)])
    send(world, alice, [video_packet(102, 3000, VP8_DELTA)])  # 101 never arrives
    world.run(0.1)
    video = received_video(bob)
    assert [(p.sequence_number - video[0].sequence_number) & 0xFFFF for p in video] == [0, 2]
    nacks = [
        packet
        for raw in alice.transport.received_rtcp
        for packet in parse_rtcp_compound_untrusted(raw)
        if isinstance(packet, GenericNack)
    ]
    assert nacks and 101 in nacks[0].lost and nacks[0].media_ssrc == 2222


def test_subscriber_nack_is_answered_with_rtx_from_the_buffer() -> None:
    world, alice, bob = connected_world()
    send(world, alice, [video_packet(10, 0, VP8_KEYFRAME), video_packet(11, 0, VP8_DELTA)])
    video = received_video(bob)
    subscription = world.sfu.sessions[bob.session_id].subscriptions["1"]
    lost = video[1].sequence_number
    bob.transport.received_rtp.clear()
    bob.transport.send_rtcp(encode_rtcp_compound([GenericNack(0x1234, subscription.ssrc, (lost,))]))
    world.step()
    repairs = received_video(bob)
    assert len(repairs) == 1
    repair = repairs[0]
    assert repair.payload_type == 97 and repair.ssrc == subscription.rtx_ssrc
    assert struct.unpack("!H", repair.payload[:2])[0] == lost  # RFC 4588 original seq
    assert repair.payload[2:] == VP8_DELTA
    assert subscription.retransmissions == 1


def test_subscriber_nack_without_rtx_resends_the_same_srtp_packet() -> None:
    world, alice, bob = connected_world(rtx=False)
    send(world, alice, [video_packet(10, 0, VP8_KEYFRAME), video_packet(11, 0, VP8_DELTA)])
    subscription = world.sfu.sessions[bob.session_id].subscriptions["1"]
    first_delivery = received_video(bob)
    lost = first_delivery[1].sequence_number
    # Bob "lost" it: his SRTP context never saw that index, so the identical packet is accepted.
    bob.transport.received_rtp.clear()
    bob.transport.send_rtcp(encode_rtcp_compound([GenericNack(1, subscription.ssrc, (lost,))]))
    world.step()
    assert subscription.retransmissions == 1
    # Bob's context already saw it in this test, so libsrtp rejects the replay: that is the
    # replay protection working, and the count shows the SFU did resend it.
    assert bob.transport.bad_packets == 1


def test_pli_from_subscriber_reaches_publisher_throttled() -> None:
    world, alice, bob = connected_world()
    send(world, alice, [video_packet(1, 0, VP8_KEYFRAME)])
    alice.transport.received_rtcp.clear()
    subscription = world.sfu.sessions[bob.session_id].subscriptions["1"]
    for _ in range(5):
        bob.transport.send_rtcp(encode_rtcp_compound([PictureLossIndication(9, subscription.ssrc)]))
        world.step(0.01)
    world.run(0.6)  # the burst is coalesced into one request once the interval has passed
    plis = [
        packet
        for raw in alice.transport.received_rtcp
        for packet in parse_rtcp_compound_untrusted(raw)
        if isinstance(packet, PictureLossIndication)
    ]
    assert 1 <= len(plis) <= 2 and all(p.media_ssrc == 2222 for p in plis)


def test_reports_and_transport_cc_feedback_flow() -> None:
    world, alice, bob = connected_world()
    for i in range(30):
        send(
            world, alice, [video_packet(i, i * 3000, VP8_KEYFRAME if i == 0 else VP8_DELTA, twcc=i)]
        )
    world.run(1.2)
    to_alice = [
        p for raw in alice.transport.received_rtcp for p in parse_rtcp_compound_untrusted(raw)
    ]
    feedback = [p for p in to_alice if isinstance(p, TransportCcFeedback)]
    assert feedback, to_alice
    reported = {seq for fb in feedback for seq, delta in fb.packets if delta is not None}
    assert set(range(30)) <= reported
    # libwebrtc drops transport-cc feedback whose media SSRC is not one of its own senders
    assert all(fb.media_ssrc in (1111, 2222) for fb in feedback)
    to_bob = [p for raw in bob.transport.received_rtcp for p in parse_rtcp_compound_untrusted(raw)]
    reports = [p for p in to_bob if isinstance(p, SenderReport)]
    subscription = world.sfu.sessions[bob.session_id].subscriptions["1"]
    assert any(r.ssrc == subscription.ssrc and r.packet_count == 30 for r in reports)


def test_fingerprint_mismatch_fails_the_session_and_decrypts_nothing() -> None:
    world = World.create()
    wrong = Fingerprint("sha-256", bytes(32))
    mallory = world.add_peer(
        "mallory", TransportKind.PUBLISH, publisher_media(), fingerprint_override=wrong
    )
    world.run(1.0)
    session = world.sfu.sessions[mallory.session_id]
    assert session.transport.state is TransportState.FAILED
    assert session.transport.srtp is None
    assert not mallory.transport.connected


def test_garbage_and_unknown_peers_do_not_disturb_a_live_session() -> None:
    world, alice, bob = connected_world()
    for junk in (
        b"",
        b"\x00",
        b"\x01\x01\x00\x00",
        b"\x16\xfe\xfd" + bytes(20),
        b"\x80" * 40,
        b"\x90\xc8" + bytes(30),
        bytes(range(256)),
    ):
        world.sfu.receive_datagram(junk, alice.address, world.now)
        world.sfu.receive_datagram(junk, ("127.0.0.1", 9), world.now)
    send(world, alice, [video_packet(5, 0, VP8_KEYFRAME)])
    assert len(received_video(bob)) == 1
    assert world.sfu.sessions[alice.session_id].transport.state is TransportState.CONNECTED


def test_consent_expiry_closes_a_silent_peer() -> None:
    world, alice, bob = connected_world()
    world.drop = lambda src, dst, data: src == alice.address  # alice's network vanished
    world.run(31.0, step=0.05)
    assert world.sfu.sessions[alice.session_id].transport.state is TransportState.CLOSED
    assert world.sfu.sessions[bob.session_id].transport.state is TransportState.CONNECTED


def test_checks_that_overtake_the_answer_still_lead_to_a_connection() -> None:
    world = World.create()
    bob = world.add_peer(
        "bob", TransportKind.SUBSCRIBE, subscriber_media(world.sfu), answer_after=0.3
    )
    assert world.sfu.sessions[bob.session_id].transport.address is not None  # nominated early
    world.run(2.5)  # the client's DTLS retransmission finds the now-armed server
    assert bob.transport.connected
    assert world.sfu.sessions[bob.session_id].transport.state is TransportState.CONNECTED


def simulcast_world() -> tuple[World, object, object]:
    from media.negotiated import Direction, HeaderExtensionIds, MediaDescription, MediaKind
    from tests.media.sfu_world import VP8

    ext = HeaderExtensionIds(mid=1, rid=4, repaired_rid=5, transport_cc=3)
    media = (
        MediaDescription(
            "1", MediaKind.VIDEO, Direction.RECVONLY, (VP8,), ext, rids=("q", "h", "f")
        ),
    )
    world = World.create()
    alice = world.add_peer("alice", TransportKind.PUBLISH, media)
    bob = world.add_peer("bob", TransportKind.SUBSCRIBE, subscriber_media(world.sfu))
    world.run(0.5)
    return world, alice, bob


def layer_packet(rid: str, ssrc: int, sequence: int, timestamp: int, payload: bytes) -> bytes:
    from media.rtp import encode_rtp

    return encode_rtp(
        96, True, sequence, timestamp, ssrc, payload, extensions={1: b"1", 4: rid.encode()}
    )


def test_simulcast_layers_are_learned_by_rid_and_switched_on_a_keyframe() -> None:
    world, alice, bob = simulcast_world()
    ssrcs = {"q": 100, "h": 200, "f": 300}
    for rid, ssrc in ssrcs.items():  # all three layers start sending
        alice.transport.send_rtp(layer_packet(rid, ssrc, 10, 0, VP8_KEYFRAME))
    world.step()
    publication = next(iter(world.sfu.publications.values()))
    assert [s.ssrc if s else None for s in publication.layers] == [100, 200, 300]
    world.sfu.subscribe(bob.session_id, "1", publication.publication_id, world.now)
    subscription = world.sfu.sessions[bob.session_id].subscriptions["1"]
    assert subscription.target_layer == 0  # a cautious start: the lowest active layer
    for rid, ssrc in ssrcs.items():
        alice.transport.send_rtp(layer_packet(rid, ssrc, 11, 3000, VP8_KEYFRAME))
    world.step()
    assert subscription.layer == 0
    subscription.select_layer(2)  # e.g. the subscriber's downlink turned out to be good
    for sequence in (12, 13):
        for rid, ssrc in ssrcs.items():
            payload = VP8_DELTA if sequence == 12 or rid != "f" else VP8_KEYFRAME
            alice.transport.send_rtp(layer_packet(rid, ssrc, sequence, sequence * 3000, payload))
        world.run(0.04)
    assert subscription.layer == 2 and subscription.layer_switches == 1
    video = received_video(bob)
    sequences = [p.sequence_number for p in video]
    assert [(s - sequences[0]) & 0xFFFF for s in sequences] == list(range(len(video)))
    assert {p.ssrc for p in video} == {subscription.ssrc}
    assert video[-1].timestamp != video[-2].timestamp  # time moved on across the switch


def test_red_audio_is_forwarded_to_red_subscribers_and_unwrapped_for_others() -> None:
    from media.negotiated import Codec, Direction, MediaDescription, MediaKind
    from media.rtp import encode_rtp
    from tests.media.sfu_world import EXTENSIONS, OPUS

    red = Codec(63, "red", 48000, 2)
    world = World.create()
    publisher = (MediaDescription("0", MediaKind.AUDIO, Direction.RECVONLY, (red, OPUS),
                                  EXTENSIONS, remote_ssrcs=(1111,)),)
    alice = world.add_peer("alice", TransportKind.PUBLISH, publisher)
    with_red = world.add_peer("bob", TransportKind.SUBSCRIBE, (
        MediaDescription("0", MediaKind.AUDIO, Direction.SENDONLY, (red, OPUS), EXTENSIONS,
                         local_ssrc=world.sfu.allocate_ssrc()),))
    without = world.add_peer("carol", TransportKind.SUBSCRIBE, (
        MediaDescription("0", MediaKind.AUDIO, Direction.SENDONLY, (OPUS,), EXTENSIONS,
                         local_ssrc=world.sfu.allocate_ssrc()),))
    world.run(0.5)
    publication = next(iter(world.sfu.publications.values()))
    for peer in (with_red, without):
        world.sfu.subscribe(peer.session_id, "0", publication.publication_id, world.now)
    previous, primary = b"\x01" * 20, b"\x02" * 30
    red_payload = bytes([0x80 | 111, 0x03, 0xC0 | 0, 20, 111]) + previous + primary  # RFC 2198
    alice.transport.send_rtp(encode_rtp(63, False, 5, 1920, 1111, red_payload,
                                        extensions={1: b"0"}))
    world.step()
    got_red = [parse_rtp_untrusted(p) for p in with_red.transport.received_rtp]
    got_plain = [parse_rtp_untrusted(p) for p in without.transport.received_rtp]
    assert [(p.payload_type, p.payload) for p in got_red] == [(63, red_payload)]
    assert [(p.payload_type, p.payload) for p in got_plain] == [(111, primary)]


def test_round_trip_time_from_receiver_reports() -> None:
    from media.rtcp import ReceiverReport, ReportBlock
    from media.sr_clock import ntp_middle32

    world, alice, bob = connected_world()
    send(world, alice, [video_packet(1, 0, VP8_KEYFRAME)])
    bob.transport.received_rtcp.clear()
    srs: list[SenderReport] = []
    while not srs:  # wait for the next SR to reach bob
        world.step()
        srs = [p for raw in bob.transport.received_rtcp
               for p in parse_rtcp_compound_untrusted(raw) if isinstance(p, SenderReport)]
    world.run(0.05)  # bob holds it 50 ms but claims 40: the round trip looks like 10 ms
    last = srs[-1]
    block = ReportBlock(last.ssrc, 0, 0, 0, 0, ntp_middle32(last.ntp_timestamp), int(0.04 * 65536))
    bob.transport.send_rtcp(encode_rtcp_compound([ReceiverReport(77, (block,))]))
    world.step()
    session = world.sfu.sessions[bob.session_id]
    assert session.rtt is not None and 0.005 < session.rtt < 0.02, session.rtt


def test_ice_restart_moves_a_session_to_new_credentials() -> None:
    import dataclasses

    world, alice, bob = connected_world()
    session = world.sfu.sessions[bob.session_id]
    old = session.transport.local_ice
    new = world.sfu.new_ice_credentials()
    world.sfu.restart_ice(bob.session_id, new)
    negotiated = dataclasses.replace(session.transport.session, local_ice=new)
    world.sfu.apply_negotiation(bob.session_id, negotiated, world.now)
    assert session.transport.local_ice == new
    assert new.ufrag in world.sfu._by_ufrag and old.ufrag not in world.sfu._by_ufrag
    assert session.transport.state is TransportState.CONNECTED

