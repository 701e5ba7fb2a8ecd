"""A bottleneck link under a hand-driven clock: rate, queue, propagation delay, random loss."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class BottleneckLink:
    capacity_bps: float
    delay: float = 0.05  # one-way propagation, s
    queue_limit: float = 0.4  # s of queue before tail drop
    loss: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(9))
    _free_at: float = 0.0
    queue_delays: list[float] = field(default_factory=list)

    def send(self, now: float, size: int) -> float | None:
        """Arrival time at the receiver, or None when the link dropped the packet."""
        start = max(now, self._free_at)
        if start - now > self.queue_limit:
            return None
        self._free_at = start + size * 8 / self.capacity_bps
        self.queue_delays.append(start - now)
        if self.loss and self.rng.random() < self.loss:
            return None
        return self._free_at + self.delay
