"""What the SFU keeps per incoming RTP stream (one SSRC of one publisher's track layer)."""

from __future__ import annotations

from collections import deque
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
PACKET_OVERHEAD = 12 + 8 + 16 + 28  # RTP header, extensions, SRTP tag, IPv4 + UDP
METER_INTERVAL = 0.5  # s between bitrate samples
# Samples averaged into `bitrate_bps`: 4 s, longer than the gap between the keyframes a
# resume or layer switch asks for, so one keyframe does not read as a rate the layer needs
# (the allocator would pause the track again, and the resume's keyframe would repeat it).
METER_SAMPLES = 8


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
        "bitrate_bps",
        "last_fraction_lost",
        "_meter_octets",
        "_meter_at",
        "_meter_samples",
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
        self.last_fraction_lost = 0  # RFC 3550 §6.4.1 fraction (/256) of our last report
        self.bitrate_bps = 0.0  # mean of recent samples, payload plus per-packet overhead
        self._meter_octets = 0
        self._meter_at: float | None = None
        self._meter_samples: deque[float] = deque(maxlen=METER_SAMPLES)

    def measure(self, now: float) -> None:
        """Update `bitrate_bps` (called about once a second from the timer)."""
        total = self.octets + PACKET_OVERHEAD * self.packets
        if self._meter_at is None:
            self._meter_at, self._meter_octets = now, total
            return
        elapsed = now - self._meter_at
        if elapsed < METER_INTERVAL:
            return
        sample = (total - self._meter_octets) * 8 / elapsed
        self._meter_at, self._meter_octets = now, total
        samples = self._meter_samples
        samples.append(sample)
        self.bitrate_bps = sum(samples) / len(samples)

    def active(self, now: float, window: float = 1.0) -> bool:
        return self.last_packet_at >= 0 and now - self.last_packet_at < window
