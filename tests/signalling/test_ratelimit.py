"""Token buckets and strike counters under a hand-driven clock."""

from __future__ import annotations

import pytest

from signalling.ratelimit import BucketSpec, KeyedBuckets, StrikeCounter, TokenBucket


def test_bucket_burst_then_refill() -> None:
    bucket = TokenBucket(3, 1.0, 0.0)
    assert [bucket.take(1, 0.0) for _ in range(4)] == [True, True, True, False]
    assert not bucket.take(1, 0.5)
    assert bucket.take(1, 1.0)
    assert bucket.level(100.0) == 3  # capped
    assert not bucket.take(4, 100.0)


def test_bucket_rejects_bad_specs_and_clock_going_back() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1, 0.0)
    bucket = TokenBucket(1, 1.0, 10.0)
    assert bucket.take(1, 10.0)
    assert not bucket.take(1, 5.0)  # an earlier `now` refills nothing


def test_keyed_buckets_are_bounded() -> None:
    buckets = KeyedBuckets(BucketSpec(1, 0.1), max_keys=3)
    assert all(buckets.take(f"10.0.0.{i}", 1, 0.0) for i in range(3))
    assert not buckets.take("10.0.0.9", 1, 0.0)  # full of busy keys: refuse, stay bounded
    assert not buckets.take("10.0.0.1", 1, 0.0)
    assert buckets.take("10.0.0.9", 1, 100.0)  # idle keys were forgotten
    assert len(buckets) <= 3


def test_strikes_decay() -> None:
    strikes = StrikeCounter(limit=3, decay_per_second=1.0, now=0.0)
    assert not strikes.add(2, 0.0)
    assert not strikes.add(1, 0.0)
    assert strikes.add(1, 0.0)
    assert not strikes.add(1, 10.0)  # decayed to zero first
    assert strikes.score == 1
