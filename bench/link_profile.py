"""Link impairment profiles: what a path between a phone and the SFU does to datagrams.

Where the numbers come from is in docs/bandwidth.md ("Link profiles").
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class LinkProfile:
    """One direction of a link.

    Loss follows the Gilbert-Elliott model: a two-state Markov chain per packet. In the good
    state a packet is lost with probability `loss`; `burst_enter` is the per-packet chance to
    move to the bad state, `burst_exit` the chance to leave it (so a bad period lasts
    1/`burst_exit` packets on average), and in the bad state a packet is lost with probability
    `burst_drop`. `rate_kbps` is a bottleneck with a drop-tail queue of `queue_ms` (a phone's
    radio buffer); `delay_ms` one-way propagation, `jitter_ms` a bounded random walk on top.
    """

    loss: float = 0.0
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_kbps: float | None = None
    queue_ms: float = 300.0
    burst_enter: float = 0.0
    burst_exit: float = 1.0
    burst_drop: float = 1.0

    def __post_init__(self) -> None:
        for name in ("loss", "burst_enter", "burst_exit", "burst_drop"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be a probability within 0..1")
        if self.burst_enter and not self.burst_exit:
            raise ValueError("burst_exit must be positive when bursts can start")
        if self.delay_ms < 0 or self.jitter_ms < 0 or self.queue_ms <= 0:
            raise ValueError("delays must be non-negative and the queue positive")
        if self.rate_kbps is not None and self.rate_kbps <= 0:
            raise ValueError("rate_kbps must be positive")

    @property
    def mean_loss(self) -> float:
        """Long-run loss of the Gilbert-Elliott chain (stationary share of the bad state)."""
        if not self.burst_enter:
            return self.loss
        bad = self.burst_enter / (self.burst_enter + self.burst_exit)
        return (1 - bad) * self.loss + bad * self.burst_drop


CLEAN = LinkProfile()


def gilbert_elliott(mean_loss: float, good_loss: float, bad_drop: float,
                    bad_length: float) -> dict[str, float]:
    """Chain parameters for a wanted long-run loss, given the loss in each state and the mean
    length of a bad period in packets."""
    exit_ = 1.0 / bad_length
    bad_share = (mean_loss - good_loss) / (bad_drop - good_loss)
    return {
        "loss": good_loss,
        "burst_exit": exit_,
        "burst_drop": bad_drop,
        "burst_enter": bad_share * exit_ / (1.0 - bad_share),
    }


@dataclass(frozen=True, slots=True)
class MobileProfile:
    """Both directions of a phone's link, named like the conditions people meet."""

    name: str
    downlink: LinkProfile
    uplink: LinkProfile
    description: str


# 3 % loss in bursts: bad periods of 5 packets on average (a radio fade or cell reselection)
# in which every second packet is lost, plus 0.5 % scattered loss.
_POOR_LOSS = gilbert_elliott(0.03, good_loss=0.005, bad_drop=0.5, bad_length=5)

PROFILES: dict[str, MobileProfile] = {
    profile.name: profile
    for profile in (
        MobileProfile(
            "3g-typical",
            LinkProfile(rate_kbps=780, delay_ms=100, jitter_ms=20, loss=0.01, queue_ms=400),
            LinkProfile(rate_kbps=330, delay_ms=100, jitter_ms=20, loss=0.01, queue_ms=400),
            "UMTS/HSPA in ordinary coverage: 780 kbit/s down, 330 up, 100 ms one way, 1 % loss",
        ),
        MobileProfile(
            "3g-poor",
            LinkProfile(rate_kbps=400, delay_ms=200, jitter_ms=40, queue_ms=500, **_POOR_LOSS),
            LinkProfile(rate_kbps=150, delay_ms=200, jitter_ms=40, queue_ms=500, **_POOR_LOSS),
            "UMTS at the cell edge: 400 kbit/s down, 150 up, 200 ms one way, 3 % bursty loss",
        ),
        MobileProfile(
            "edge",
            LinkProfile(rate_kbps=150, delay_ms=200, jitter_ms=50, loss=0.01, queue_ms=800),
            LinkProfile(rate_kbps=80, delay_ms=200, jitter_ms=50, loss=0.01, queue_ms=800),
            "EDGE fallback: 150 kbit/s down, 80 up, 200 ms one way: audio-only territory",
        ),
        MobileProfile(
            "rfc8867-step",
            LinkProfile(rate_kbps=1000, delay_ms=50, queue_ms=300),
            LinkProfile(rate_kbps=1000, delay_ms=50, queue_ms=300),
            "RFC 8867 §5.1 bottleneck: 50 ms one way, 300 ms queue; capacity from its trace",
        ),
    )
}

CapacityTrace = tuple[tuple[float, float], ...]  # (seconds from start, downlink kbit/s)

CAPACITY_TRACES: dict[str, CapacityTrace] = {
    # The phone moves: capacity changes every ten seconds, once falls below what video needs
    # (audio alone still fits), and comes back above the profile's figure.
    "3g-poor": ((0, 400), (10, 250), (20, 150), (30, 400), (40, 600), (50, 400)),
    # RFC 8867 §5.1 "Variable Available Capacity with a Single Flow": 1.0 Mbit/s, 2.5 at 40 s,
    # 0.6 at 60 s, 1.0 at 80 s, 100 s in all.
    "rfc8867-step": ((0, 1000), (40, 2500), (60, 600), (80, 1000)),
}
TRACE_LENGTH: dict[str, float] = {"3g-poor": 60.0, "rfc8867-step": 100.0}


def scaled_trace(trace: CapacityTrace, factor: float) -> CapacityTrace:
    """The same steps at `factor` times the pace (short runs in CI; 1.0 is the reference)."""
    return tuple((at * factor, kbps) for at, kbps in trace)


def with_rate(profile: LinkProfile, rate_kbps: float) -> LinkProfile:
    """The same link with another capacity (for capacity traces)."""
    return replace(profile, rate_kbps=rate_kbps)
