"""Byte counters for one direction of the impairment relay: what entered the link per second.

`ImpairmentRelay.counters` counts datagrams only; "bytes sent vs capacity" needs bytes per
second, and the drops since counting started by cause. `MeteredDirection` is a
`DirectionState` that counts while it decides exactly as before; `meter_downlink` puts one in
place of a relay's downlink state before the relay runs (sizes are UDP payloads, the unit the
relay's rate limit uses).
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
    _queue_base: int = 0  # the direction's drop counters when counting started
    _loss_base: int = 0

    @property
    def queue_drops(self) -> int:
        """Dropped since `start` because the bottleneck's queue was full."""
        return self.queue_dropped - self._queue_base

    @property
    def loss_drops(self) -> int:
        """Dropped since `start` by the loss model."""
        return self.loss_dropped - self._loss_base

    def start(self, origin: float) -> None:
        self.origin = origin
        self.offered.clear()
        self.passed.clear()
        self._queue_base, self._loss_base = self.queue_dropped, self.loss_dropped

    def admit(self, size: int, now: float, rng: random.Random) -> float | None:
        departure = super().admit(size, now, rng)
        origin = self.origin
        if origin is None or now < origin:
            return departure
        second = int(now - origin)
        if second >= MAX_SECONDS:
            return departure
        while len(self.offered) <= second:
            self.offered.append(0)
            self.passed.append(0)
        self.offered[second] += size
        if departure is not None:
            self.passed[second] += size
        return departure


def meter_downlink(relay: ImpairmentRelay, profile: LinkProfile) -> MeteredDirection:
    """Replace the relay's downlink state with a counting one (before `relay.run`)."""
    meter = MeteredDirection(profile)
    relay.downlink_state = meter
    return meter
