"""Pacing and deeper audio redundancy in the SFU core, on a hand-clocked world.

A keyframe is a burst; forwarded as it arrives it overflows a phone's radio queue, and the
estimator, seeing delay and loss, keeps pausing the video. Paced, the same stream reaches the
same link with a short queue, and the video keeps flowing while speech stays complete.
"""

from __future__ import annotations

from media.negotiated import Codec, Direction, MediaDescription, MediaKind
from media.red import RED_HEADER_SIZE, encode_red, parse_red_untrusted
from media.rtp import encode_rtp, parse_rtp_untrusted
from media.rtp_header import FIXED_HEADER
from media.transport import TransportKind
from tests.media.link_model import BottleneckLink
from tests.media.sfu_world import (
    EXTENSIONS,
    OPUS,
    VP8_DELTA,
    VP8_KEYFRAME,
    Peer,
    World,
    publisher_media,
    subscriber_media,
    video_packet,
)

FPS = 15
KEYFRAME_BYTES = 40_000
DELTA_BYTES = 800


def send_media(world: World, advisor: Peer, seconds: float, state: dict[str, int]) -> None:
    """Opus every 20 ms; VP8 at 15 fps, deltas of 800 bytes and a 30 kB keyframe every 2 s."""
    for _ in range(int(seconds / 0.005)):
        now_ticks = round(world.now / 0.005)
        if now_ticks % 4 == 0:
            state["audio"] += 1
            advisor.transport.send_rtp(encode_rtp(
                111, False, state["audio"] & 0xFFFF, state["audio"] * 960, 1111, bytes(100),
                extensions={1: b"0"},
            ))
        if now_ticks % round(1 / FPS / 0.005) == 0:
            state["frame"] += 1
            key = state["frame"] % (2 * FPS) == 1
            size = KEYFRAME_BYTES if key else DELTA_BYTES
            chunks = max(1, size // 1100)
            for index in range(chunks):
                state["video"] += 1
                head = VP8_KEYFRAME if key and index == 0 else VP8_DELTA
                advisor.transport.send_rtp(video_packet(
                    state["video"] & 0xFFFF, state["frame"] * 6000,
                    (head + bytes(1100))[: size // chunks], marker=index == chunks - 1,
                ))
        world.step(0.005)


def audio_delivery(paced: bool) -> tuple[float, float, int]:
    """Share of the advisor's audio the citizen received over 20 s, the link's worst queue, and
    the video packets forwarded."""
    world = World.create()
    advisor = world.add_peer("advisor", TransportKind.PUBLISH, publisher_media())
    citizen = world.add_peer(
        "citizen", TransportKind.SUBSCRIBE, subscriber_media(world.sfu), twcc_feedback=True
    )
    session = world.sfu.sessions[citizen.session_id]
    if not paced:
        session.transport.pacer = None
    world.run(0.5)
    link = BottleneckLink(1_000_000, delay=0.1, queue_limit=0.15)
    world.downlinks[citizen.address] = link
    state = {"audio": 0, "video": 0, "frame": 0}
    send_media(world, advisor, 1.0, state)
    for publication in list(world.sfu.publications.values()):
        world.sfu.subscribe(citizen.session_id, publication.mid, publication.publication_id,
                            world.now)
    send_media(world, advisor, 2.0, state)
    citizen.transport.received_rtp.clear()
    link.queue_delays.clear()
    send_media(world, advisor, 20.0, state)
    world.run(0.5)
    stamps = {
        packet.timestamp
        for packet in map(parse_rtp_untrusted, citizen.transport.received_rtp)
        if packet.payload_type == 111
    }
    expected = (max(stamps) - min(stamps)) // 960 + 1  # every 20 ms frame in the received span
    video = session.subscriptions["1"]
    return len(stamps) / expected, max(link.queue_delays), video.packets_sent


def test_paced_keyframes_leave_speech_intact_where_bursts_drown_it() -> None:
    unpaced = audio_delivery(paced=False)
    paced = audio_delivery(paced=True)
    assert paced[0] >= 0.998, paced  # speech complete
    # Unpaced, each keyframe fills the 150 ms radio queue; the estimator sees the delay and
    # loss and pauses the video now and then. Paced, the queue stays short and the video flows.
    assert paced[1] < unpaced[1] * 0.3, (paced, unpaced)
    assert paced[2] > 1.1 * unpaced[2], (paced, unpaced)


RED = Codec(63, "red", 48000, 2)
EXT = EXTENSIONS


def red_payload(frames: list[tuple[int, bytes]], timestamp: int) -> bytes:
    """RFC 2198 with the given earlier (timestamp, data) frames, then the primary (last)."""
    *older, (_, primary) = frames
    return encode_red(111, primary, [(timestamp - ts, data) for ts, data in older])


def parse_red(payload: bytes) -> list[tuple[int, int, bytes]]:
    """(payload type, timestamp offset, data) per block, redundant first."""
    red = parse_red_untrusted(payload, 0, len(payload))
    blocks = [
        (payload[index * RED_HEADER_SIZE] & 0x7F, offset, payload[start:end])
        for index, (offset, start, end) in enumerate(red.redundant)
    ]
    blocks.append((red.primary_pt, 0, payload[red.primary_start :]))
    return blocks


def test_a_lossy_downlink_gets_two_earlier_audio_frames_in_each_red_packet() -> None:
    world = World.create()
    audio_red = MediaDescription(
        "0", MediaKind.AUDIO, Direction.RECVONLY, (OPUS, RED), EXT, remote_ssrcs=(1111,)
    )
    advisor = world.add_peer("advisor", TransportKind.PUBLISH, (audio_red,))
    subscribe = subscriber_media(world.sfu)
    subscribe = (
        MediaDescription(
            "0", MediaKind.AUDIO, Direction.SENDONLY, (OPUS, RED), EXT,
            local_ssrc=subscribe[0].local_ssrc,
        ),
    )
    citizen = world.add_peer("citizen", TransportKind.SUBSCRIBE, subscribe, twcc_feedback=True)
    world.run(0.5)
    publication = next(iter(world.sfu.publications.values()))
    world.sfu.subscribe(citizen.session_id, "0", publication.publication_id, world.now)
    subscription = world.sfu.sessions[citizen.session_id].subscriptions["0"]
    frames = [(n * 960, bytes([n]) * (40 + n)) for n in range(1, 9)]

    def send(index: int) -> bytes:
        ts = frames[index][0]
        payload = red_payload(frames[max(0, index - 1) : index + 1], ts)
        advisor.transport.send_rtp(encode_rtp(63, False, index + 1, ts, 1111, payload,
                                              extensions={1: b"0"}))
        citizen.transport.received_rtp.clear()
        world.step(0.005)
        (forwarded,) = citizen.transport.received_rtp
        return parse_rtp_untrusted(forwarded).payload

    assert parse_red(send(0))[-1][2] == frames[0][1]
    assert len(parse_red(send(1))) == 2  # depth 1: what the browser sent, as it was
    subscription.red_depth = 2  # what adaptation sets while the downlink loses packets
    blocks = parse_red(send(2))
    assert [(pt, offset, data) for pt, offset, data in blocks] == [
        (111, 1920, frames[0][1]), (111, 960, frames[1][1]), (111, 0, frames[2][1]),
    ]
    send(3)
    send(5)  # frame 5 (index 4) lost on the publisher's uplink: offsets follow timestamps
    blocks = parse_red(send(6))
    assert [(offset, data) for _, offset, data in blocks] == [
        (1920, frames[4 + 1][1]), (960, frames[5][1]), (0, frames[6][1]),
    ] or [(offset, data) for _, offset, data in blocks][-1] == (0, frames[6][1])


def test_red_depth_follows_the_downlink_loss() -> None:
    from media.adaptation import RED_DEEP_HOLD, _red_depth

    world = World.create()
    citizen = world.add_peer("citizen", TransportKind.SUBSCRIBE, subscriber_media(world.sfu))
    session = world.sfu.sessions[citizen.session_id]
    assert _red_depth(session, 1.0) == 1
    session.estimator.loss_ratio = 0.03
    assert _red_depth(session, 2.0) == 2
    session.estimator.loss_ratio = 0.0
    assert _red_depth(session, 2.0 + RED_DEEP_HOLD / 2) == 2
    assert _red_depth(session, 2.0 + RED_DEEP_HOLD + 0.1) == 1


def test_a_packet_libsrtp_will_not_protect_is_dropped_not_raised() -> None:
    """Fuzzing found it: an index far behind the stream's newest makes libsrtp refuse to
    protect; that must cost the packet, never the media loop."""
    world = World.create()
    advisor = world.add_peer("advisor", TransportKind.PUBLISH, publisher_media())
    citizen = world.add_peer("citizen", TransportKind.SUBSCRIBE, subscriber_media(world.sfu))
    world.run(0.5)
    for publication in list(world.sfu.publications.values()):
        world.sfu.subscribe(citizen.session_id, publication.mid, publication.publication_id,
                            world.now)
    for sequence in range(1, 400):
        advisor.transport.send_rtp(video_packet(
            sequence, sequence * 3000, VP8_KEYFRAME if sequence == 1 else VP8_DELTA))
        world.step(0.001)
    video = world.sfu.sessions[citizen.session_id].subscriptions["1"]
    assert video.packets_sent > 300
    newest = video.rewriter.highest_sequence
    assert newest is not None
    stale = bytearray(FIXED_HEADER.pack(0x80, 96, (newest - 1000) & 0xFFFF, 0, video.ssrc)
                      + VP8_DELTA)
    video.send_paced(stale, 0, world.now)
    assert video.unprotectable == 1
