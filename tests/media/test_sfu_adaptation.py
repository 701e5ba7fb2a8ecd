"""Bandwidth adaptation end to end in the core: a simulcast publisher, a subscriber behind a
bottleneck whose capacity changes; the SFU's estimate drives layer, pause and resume."""

from __future__ import annotations

from media.adaptation import SubscriptionPaused, SubscriptionResumed
from media.negotiated import Direction, HeaderExtensionIds, MediaDescription, MediaKind
from media.rtp import encode_rtp
from media.transport import TransportKind
from tests.media.link_model import BottleneckLink
from tests.media.sfu_world import (
    OPUS,
    VP8,
    VP8_DELTA,
    VP8_KEYFRAME,
    World,
    subscriber_media,
)

EXT = HeaderExtensionIds(mid=1, rid=4, repaired_rid=5, transport_cc=3)
LAYERS = {"q": (100, 120_000), "h": (200, 400_000), "f": (300, 1_200_000)}  # ssrc, bit/s
FPS = 15


class SimulcastSender:
    """Paces three VP8 layers and Opus, with a keyframe every 2 s and on request."""

    def __init__(self, world: World, peer: object) -> None:
        self.world, self.peer = world, peer
        self.sequence = {rid: 0 for rid in LAYERS}
        self.audio_sequence = 0
        self.next_frame = 0.0
        self.next_audio = 0.0
        self.frames = 0

    def tick(self) -> None:
        now = self.world.now
        transport = self.peer.transport  # type: ignore[attr-defined]
        while self.next_audio <= now:
            self.audio_sequence += 1
            transport.send_rtp(
                encode_rtp(
                    111,
                    False,
                    self.audio_sequence & 0xFFFF,
                    self.audio_sequence * 960,
                    1111,
                    bytes(80),
                    extensions={1: b"0"},
                )
            )
            self.next_audio += 0.02
        if self.next_frame > now:
            return
        self.next_frame += 1 / FPS
        key = self.frames % (2 * FPS) == 0
        self.frames += 1
        for rid, (ssrc, bitrate) in LAYERS.items():
            frame = bitrate // 8 // FPS
            chunks = max(1, frame // 1000)
            for index in range(chunks):
                self.sequence[rid] += 1
                head = VP8_KEYFRAME if key and index == 0 else VP8_DELTA
                payload = (head + bytes(1000))[: max(frame // chunks, len(head))]
                transport.send_rtp(
                    encode_rtp(
                        96,
                        index == chunks - 1,
                        self.sequence[rid] & 0xFFFF,
                        self.frames * 6000,
                        ssrc,
                        payload,
                        extensions={1: b"1", 4: rid.encode()},
                    )
                )


def run(world: World, sender: SimulcastSender, seconds: float) -> None:
    for _ in range(int(seconds / 0.005)):
        sender.tick()
        world.step(0.005)


def test_layers_follow_capacity_pause_and_resume() -> None:
    world = World.create()
    media = (
        MediaDescription(
            "0", MediaKind.AUDIO, Direction.RECVONLY, (OPUS,), EXT, remote_ssrcs=(1111,)
        ),
        MediaDescription(
            "1", MediaKind.VIDEO, Direction.RECVONLY, (VP8,), EXT, rids=("q", "h", "f")
        ),
    )
    advisor = world.add_peer("advisor", TransportKind.PUBLISH, media)
    citizen = world.add_peer(
        "citizen", TransportKind.SUBSCRIBE, subscriber_media(world.sfu), twcc_feedback=True
    )
    world.run(0.5)
    link = BottleneckLink(700_000, delay=0.08)
    world.downlinks[citizen.address] = link
    sender = SimulcastSender(world, advisor)
    run(world, sender, 1.0)
    for publication in world.sfu.publications.values():
        world.sfu.subscribe(
            citizen.session_id, publication.mid, publication.publication_id, world.now
        )
    session = world.sfu.sessions[citizen.session_id]
    video = session.subscriptions["1"]
    audio = session.subscriptions["0"]

    run(world, sender, 25.0)  # 700 kbit/s: the middle layer (400k) fits, the top (1.2M) not
    assert video.layer == 1, (video.layer, session.estimator.estimate_bps)

    link.capacity_bps = 300_000  # a weak cell: only the lowest layer (~150k) fits
    run(world, sender, 8.0)
    assert video.layer == 0, (video.layer, session.estimator.estimate_bps)

    link.capacity_bps = 90_000  # too little for any video: pause it, keep the audio
    audio_before = audio.packets_sent
    run(world, sender, 8.0)
    assert video.paused
    assert audio.packets_sent - audio_before >= 0.9 * 8 / 0.02

    link.capacity_bps = 3_000_000  # capacity returns: video comes back by itself
    run(world, sender, 30.0)
    assert not video.paused and video.layer == 2, (video.layer, session.estimator.estimate_bps)
    events = []
    while (event := world.sfu.next_event()) is not None:
        events.append(event)
    assert any(isinstance(e, SubscriptionPaused) for e in events)
    assert any(isinstance(e, SubscriptionResumed) for e in events)
    assert session.estimator.probes > 0


def test_a_probe_before_the_transport_is_up_does_not_hang() -> None:
    world = World.create()
    citizen = world.add_peer("citizen", TransportKind.SUBSCRIBE, subscriber_media(world.sfu))
    session = world.sfu.sessions[citizen.session_id]
    session.probe_until, session.probe_bps = world.now + 1.0, 1_000_000
    video = MediaDescription("1", MediaKind.VIDEO, Direction.RECVONLY, (VP8,), EXT, rids=("q",))
    world.add_peer("advisor", TransportKind.PUBLISH, (video,))
    publication = next(iter(world.sfu.publications.values()))
    session.transport.srtp = None  # as before DTLS completes
    world.sfu.subscribe(citizen.session_id, "1", publication.publication_id, world.now)
    session.send_probe(world.now, 0.02)  # returns instead of looping forever
    assert session.subscriptions["1"].padding_sent == 0
