"""Token buckets under an injected clock: per-connection message/byte rates, per-address echo.

A bucket holds up to `capacity` tokens and refills at `rate` per second; `take(n, now)` succeeds
while enough tokens are left. The keyed variant forgets idle keys so an attacker cycling
addresses cannot grow it without bound.
"""

from __future__ import annotations

from dataclasses import dataclass


class TokenBucket:
    __slots__ = ("capacity", "rate", "_tokens", "_updated")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        if capacity <= 0 or rate < 0:
            raise ValueError("capacity must be > 0 and rate >= 0")
        self.capacity = capacity
        self.rate = rate
        self._tokens = capacity
        self._updated = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = max(self._updated, now)

    def take(self, amount: float, now: float) -> bool:
        self._refill(now)
        if self._tokens >= amount:
            self._tokens -= amount
            return True
        return False

    def level(self, now: float) -> float:
        self._refill(now)
        return self._tokens

    def full(self, now: float) -> bool:
        return self.level(now) >= self.capacity


@dataclass(frozen=True, slots=True)
class BucketSpec:
    capacity: float
    rate: float

    def new(self, now: float) -> TokenBucket:
        return TokenBucket(self.capacity, self.rate, now)


class KeyedBuckets:
    """One bucket per key (e.g. client address), at most `max_keys` of them."""

    def __init__(self, spec: BucketSpec, max_keys: int = 10_000) -> None:
        self._spec = spec
        self._max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str, amount: float, now: float) -> bool:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._forget_full(now)
                if len(self._buckets) >= self._max_keys:
                    return False  # under attack from very many addresses: refuse, stay bounded
            bucket = self._buckets[key] = self._spec.new(now)
        return bucket.take(amount, now)

    def _forget_full(self, now: float) -> None:
        for key in [k for k, b in self._buckets.items() if b.full(now)]:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class StrikeCounter:
    """Misbehaviour score that decays over time; past `limit` the peer is cut off."""

    __slots__ = ("limit", "decay_per_second", "_score", "_updated")

    def __init__(self, limit: float, decay_per_second: float, now: float) -> None:
        self.limit = limit
        self.decay_per_second = decay_per_second
        self._score = 0.0
        self._updated = now

    def add(self, weight: float, now: float) -> bool:
        """Record misbehaviour; True when the peer is now over the limit."""
        elapsed = max(0.0, now - self._updated)
        self._score = max(0.0, self._score - elapsed * self.decay_per_second) + weight
        self._updated = max(self._updated, now)
        return self._score > self.limit

    @property
    def score(self) -> float:
        return self._score
