"""Byte counters for one direction of the impairment relay: what entered the link per second.

`ImpairmentRelay.counters` counts datagrams only; "bytes sent vs capacity" needs bytes per
second and whether a drop was the bottleneck's queue or the radio's loss. `MeteredDirection`
is a `DirectionState` that counts while it decides exactly as before; `meter_downlink` puts
one in place of a relay's downlink state before the relay runs (sizes are UDP payloads, the
unit the relay's rate limit uses).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bench.impairment import DirectionState, ImpairmentRelay
from bench.link_profile import LinkProfile

MAX_SECONDS = 3600  # counters stop growing after an hour: a bound, not a limit of any run


@dataclass
class MeteredDirection(DirectionState):
    origin: float | None = None  # counting starts here (trio clock); None: not yet
    offered: list[int] = field(default_factory=list)  # bytes that entered, per second
    passed: list[int] = field(default_factory=list)  # bytes that left toward the peer
    queue_drops: int = 0  # dropped because the bottleneck's queue was full
    loss_drops: int = 0  # dropped by the loss model

    def start(self, origin: float) -> None:
        self.origin = origin
        self.offered.clear()
        self.passed.clear()
        self.queue_drops = self.loss_drops = 0

    def admit(self, size: int, now: float, rng: random.Random) -> float | None:
        origin = self.origin
        if origin is None or now < origin:
            return super().admit(size, now, rng)
        profile = self.profile
        queue_full = (profile.rate_kbps is not None
                      and max(now, self.busy_until) - now > profile.queue_ms / 1000.0)
        departure = super().admit(size, now, rng)
        second = int(now - origin)
        if second >= MAX_SECONDS:
            return departure
        while len(self.offered) <= second:
            self.offered.append(0)
            self.passed.append(0)
        self.offered[second] += size
        if departure is None:
            if queue_full:
                self.queue_drops += 1
            else:
                self.loss_drops += 1
        else:
            self.passed[second] += size
        return departure


def meter_downlink(relay: ImpairmentRelay, profile: LinkProfile) -> MeteredDirection:
    """Replace the relay's downlink state with a counting one (before `relay.run`)."""
    meter = MeteredDirection(profile)
    relay.downlink_state = meter
    return meter
