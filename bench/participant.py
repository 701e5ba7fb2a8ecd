"""One simulated person in a consultation: publishes audio + video, receives the partner's.

Like the web client it has two PeerConnections (publish and subscribe), built by a target's
signalling adapter. Join time is from opening the signalling connection to the first media
packet received (kernel timestamp), both on the wall clock.
"""

from __future__ import annotations

import random

from bench.endpoint import Endpoint
from bench.frame_check import DecodeSampler
from bench.media_source import MediaLoop
from bench.streams import AUDIO, VIDEO, PublishFormat, Receiver, Sender, Totals

Address = tuple[str, int]


class Participant:
    """`sender` replaces the default single-layer sender (e.g. a simulcast one); `receive_loop`
    is what the partner publishes when it is not `loop`; `via` is a relay (the link emulator)
    that both transports talk to instead of the server's candidate; `accept_red` answers RFC
    2198 audio redundancy like Chromium."""

    def __init__(self, number: int, room: int, loop: MediaLoop, totals: Totals,
                 sampler: DecodeSampler | None, rng: random.Random, *,
                 sender: Sender | None = None, receive_loop: MediaLoop | None = None,
                 via: Address | None = None, accept_red: bool = False) -> None:
        self.number = number
        self.room = room
        self.role = "advisor" if number % 2 == 0 else "client"
        self.rng = rng
        self.sender = sender or Sender(loop, (rng.randrange(1, 2**32), rng.randrange(1, 2**32)),
                                       rng.randrange(1, 2**32), totals)
        self.receiver = Receiver(receive_loop or loop, totals, sampler)
        self.via = via
        self.accept_red = accept_red
        self.offer_red = False  # publish RFC 2198 audio redundancy (what Chromium sends)
        self.red_pt: int | None = None  # subscribe payload types beyond Opus and VP8
        self.rtx_pt: int | None = None
        self.publish: Endpoint | None = None
        self.subscribe: Endpoint | None = None
        self.opened_at: float | None = None  # wall time the signalling connection opened
        self.stopped = False
        self.next_report = 0.0
        self.error: str | None = None
        self.track_pauses: list[tuple[float, str, bool]] = []  # (wall time, mid, paused)

    @property
    def cname(self) -> str:
        return f"bench{self.number}"

    def set_partner(self, partner: Participant) -> None:
        self.receiver.source = partner.sender

    def attach_publish(self, endpoint: Endpoint, fmt: PublishFormat) -> None:
        self.publish = endpoint
        endpoint.on_rtcp = self.sender.on_rtcp
        self.sender.attach(endpoint, fmt)

    def attach_subscribe(self, endpoint: Endpoint, audio_pt: int, video_pt: int,
                         red_pt: int | None = None, rtx_pt: int | None = None) -> None:
        self.subscribe = endpoint
        self.set_payload_types(audio_pt, video_pt, red_pt, rtx_pt)
        endpoint.on_rtp = self.receiver.on_rtp
        endpoint.on_rtcp = self.receiver.on_rtcp

    def set_payload_types(self, audio_pt: int, video_pt: int, red_pt: int | None = None,
                          rtx_pt: int | None = None) -> None:
        """What the subscribe answer accepted; RED counts as audio (its primary block ends the
        payload, so the receiver still finds the loop packet by its tail)."""
        self.receiver.payload_types = {audio_pt: AUDIO, video_pt: VIDEO}
        self.red_pt = red_pt if self.accept_red else None
        self.rtx_pt = rtx_pt
        if self.red_pt is not None:
            self.receiver.payload_types[self.red_pt] = AUDIO

    @property
    def join_seconds(self) -> float | None:
        first = self.receiver.first_media_at
        if first is None or self.opened_at is None:
            return None
        return first - self.opened_at

    def send_reports(self, wall: float) -> None:
        if self.publish is not None and self.publish.transport.connected:
            self.publish.send_rtcp_now(self.sender.report(wall))
        if self.subscribe is not None and self.subscribe.transport.connected:
            self.subscribe.send_rtcp_now(self.receiver.report())
