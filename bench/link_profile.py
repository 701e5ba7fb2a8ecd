"""Link impairment profiles: what a path between a phone and the SFU does to datagrams."""

from __future__ import annotations

from dataclasses import dataclass


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
