"""What the SFU keeps per incoming RTP stream (one SSRC of one publisher's track layer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from media.keyframe_throttle import KeyframeThrottle
from media.nack_generator import NackGenerator
from media.receive_stats import ReceiveStats
from media.retransmit_buffer import RetransmitBuffer

if TYPE_CHECKING:
    from media.publication import Publication
    from media.subscription import Subscription

VIDEO_BUFFER_PACKETS = 512  # ~2 s of 300 kbit/s video in 1200-byte packets
BUFFER_MAX_AGE = 1.0  # seconds: a repair older than this arrives too late to be played


class InboundStream:
    """Receive statistics, loss repair and keyframe requests for one incoming SSRC.

    `subscribers` holds the subscriptions currently forwarding *this* layer; the router iterates
    it per packet, so it is a plain list kept in sync by `Subscription`.
    """

    __slots__ = (
        "ssrc",
        "publication",
        "layer",
        "clock_rate",
        "is_video",
        "stats",
        "nack",
        "buffer",
        "keyframes",
        "subscribers",
        "last_packet_at",
        "packets",
        "octets",
        "rtx_ssrc",
        "sr_ntp",
        "sr_rtp_timestamp",
        "sr_received_at",
    )

    def __init__(
        self, ssrc: int, publication: Publication, layer: int, clock_rate: int, is_video: bool
    ) -> None:
        self.ssrc = ssrc
        self.publication = publication
        self.layer = layer
        self.clock_rate = clock_rate
        self.is_video = is_video
        self.stats = ReceiveStats(ssrc, clock_rate)
        self.nack: NackGenerator | None = NackGenerator() if is_video else None
        self.buffer: RetransmitBuffer | None = (
            RetransmitBuffer(VIDEO_BUFFER_PACKETS, BUFFER_MAX_AGE) if is_video else None
        )
        self.keyframes = KeyframeThrottle()
        self.subscribers: list[Subscription] = []
        self.last_packet_at = -1.0
        self.packets = 0
        self.octets = 0
        self.rtx_ssrc: int | None = None
        self.sr_ntp = 0
        self.sr_rtp_timestamp = 0
        self.sr_received_at = -1.0

    def active(self, now: float, window: float = 1.0) -> bool:
        return self.last_packet_at >= 0 and now - self.last_packet_at < window
