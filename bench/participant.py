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


class Participant:
    def __init__(self, number: int, room: int, loop: MediaLoop, totals: Totals,
                 sampler: DecodeSampler | None, rng: random.Random) -> None:
        self.number = number
        self.room = room
        self.role = "advisor" if number % 2 == 0 else "client"
        self.rng = rng
        self.sender = Sender(loop, (rng.randrange(1, 2**32), rng.randrange(1, 2**32)),
                             rng.randrange(1, 2**32), totals)
        self.receiver = Receiver(loop, totals, sampler)
        self.publish: Endpoint | None = None
        self.subscribe: Endpoint | None = None
        self.opened_at: float | None = None  # wall time the signalling connection opened
        self.stopped = False
        self.next_report = 0.0
        self.error: str | None = None

    @property
    def cname(self) -> str:
        return f"bench{self.number}"

    def set_partner(self, partner: Participant) -> None:
        self.receiver.source = partner.sender

    def attach_publish(self, endpoint: Endpoint, fmt: PublishFormat) -> None:
        self.publish = endpoint
        endpoint.on_rtcp = self.sender.on_rtcp
        self.sender.attach(endpoint, fmt)

    def attach_subscribe(self, endpoint: Endpoint, audio_pt: int, video_pt: int) -> None:
        self.subscribe = endpoint
        self.receiver.payload_types = {audio_pt: AUDIO, video_pt: VIDEO}
        endpoint.on_rtp = self.receiver.on_rtp

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
