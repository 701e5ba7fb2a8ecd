"""Link impairment profiles: what a path between a phone and the SFU does to datagrams."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class LinkProfile:
    """One direction of a link.

    `loss` is the independent drop probability; `burst_loss` and `burst_length` add Gilbert-style
    bursts (the chance to enter a burst per packet, and the mean packets lost per burst);
    `rate_kbps` is a token-bucket bottleneck with a queue of `queue_ms` (excess is tail-dropped,
    as in a phone's radio buffer).
    """

    loss: float = 0.0
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_kbps: float | None = None
    queue_ms: float = 300.0
    burst_loss: float = 0.0
    burst_length: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.loss <= 1.0 or not 0.0 <= self.burst_loss <= 1.0:
            raise ValueError("loss probabilities must be within 0..1")
        if self.delay_ms < 0 or self.jitter_ms < 0 or self.queue_ms <= 0:
            raise ValueError("delays must be non-negative and the queue positive")
        if self.rate_kbps is not None and self.rate_kbps <= 0:
            raise ValueError("rate_kbps must be positive")


CLEAN = LinkProfile()


@dataclass(frozen=True, slots=True)
class MobileProfile:
    """Both directions of a phone's link, named like the conditions people meet."""

    name: str
    downlink: LinkProfile
    uplink: LinkProfile
    description: str


# Figures in the range measured on UMTS/HSPA links (typical "3G" in rural areas and on trains):
# a few hundred kbit/s, 100-400 ms round trip, loss in bursts when the radio hands over.
PROFILES: dict[str, MobileProfile] = {
    profile.name: profile
    for profile in (
        MobileProfile(
            "3g-good",
            LinkProfile(rate_kbps=1500, delay_ms=60, jitter_ms=10, loss=0.002, queue_ms=400),
            LinkProfile(rate_kbps=700, delay_ms=60, jitter_ms=10, loss=0.002, queue_ms=400),
            "HSPA with good signal: 1.5 Mbit/s down, 0.7 up, 120 ms round trip",
        ),
        MobileProfile(
            "3g-poor",
            LinkProfile(rate_kbps=400, delay_ms=150, jitter_ms=40, loss=0.01,
                        burst_loss=0.004, burst_length=4, queue_ms=500),
            LinkProfile(rate_kbps=250, delay_ms=150, jitter_ms=40, loss=0.01,
                        burst_loss=0.004, burst_length=4, queue_ms=500),
            "UMTS at the cell edge: 400 kbit/s down, 250 up, 300 ms round trip, bursty loss",
        ),
        MobileProfile(
            "edge",
            LinkProfile(rate_kbps=150, delay_ms=200, jitter_ms=50, loss=0.01, queue_ms=800),
            LinkProfile(rate_kbps=80, delay_ms=200, jitter_ms=50, loss=0.01, queue_ms=800),
            "EDGE fallback: 150 kbit/s down, 80 up, 400 ms round trip: audio only territory",
        ),
    )
}

# Downlink capacity (kbit/s) over time for "3g-poor": the phone moves, capacity changes every few
# seconds, once drops below what video needs, and comes back.
CAPACITY_TRACE_3G_POOR: tuple[tuple[float, float], ...] = (
    (0, 400), (8, 250), (14, 120), (22, 80), (30, 300), (38, 600), (46, 400),
)


def with_rate(profile: LinkProfile, rate_kbps: float) -> LinkProfile:
    """The same link with another capacity (for capacity traces)."""
    return replace(profile, rate_kbps=rate_kbps)
