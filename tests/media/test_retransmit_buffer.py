"""Retransmission buffer: bounds by count and age, wraparound, late stores."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.retransmit_buffer import MAX_CAPACITY, RetransmitBuffer
from tests.conftest import fuzz_budget


def pkt(seq: int) -> bytes:
    return b"\x80\x60" + seq.to_bytes(2, "big") + b"payload"


def test_store_and_get() -> None:
    buf = RetransmitBuffer(capacity=8, max_age=1.0)
    buf.store(100, pkt(100), 0.0)
    assert buf.get(100, 0.5) == pkt(100)
    assert buf.get(101, 0.5) is None
    assert (buf.hits, buf.misses, buf.expired) == (1, 1, 0)


def test_count_bound_evicts_oldest() -> None:
    buf = RetransmitBuffer(capacity=8)
    for seq in range(20):
        buf.store(seq, pkt(seq), 0.0)
    assert [s for s in range(20) if buf.get(s, 0.0) is not None] == list(range(12, 20))


def test_capacity_rounds_up_to_power_of_two() -> None:
    buf = RetransmitBuffer(capacity=500)
    assert buf.capacity == 512
    assert RetransmitBuffer(capacity=1).capacity == 1


def test_age_bound() -> None:
    buf = RetransmitBuffer(capacity=16, max_age=1.0)
    buf.store(5, pkt(5), 10.0)
    assert buf.get(5, 11.0) == pkt(5)  # exactly max_age old is still fine
    assert buf.get(5, 11.001) is None
    assert buf.expired == 1
    assert buf.get(5, 11.002) is None  # its memory was released: now a plain miss
    assert (buf.expired, buf.misses) == (1, 1)


def test_wraparound() -> None:
    buf = RetransmitBuffer(capacity=16)
    seqs = [(65530 + i) & 0xFFFF for i in range(12)]
    for s in seqs:
        buf.store(s, pkt(s), 0.0)
    assert all(buf.get(s, 0.0) == pkt(s) for s in seqs)


def test_late_store_does_not_evict_newer_packet() -> None:
    buf = RetransmitBuffer(capacity=4)
    buf.store(9, pkt(9), 0.0)  # slot 1
    buf.store(5, pkt(5), 0.0)  # slot 1 too, but older: ignored
    assert buf.get(9, 0.0) == pkt(9)
    assert buf.get(5, 0.0) is None
    buf.store(13, pkt(13), 0.0)  # newer: replaces
    assert buf.get(13, 0.0) == pkt(13)
    assert buf.get(9, 0.0) is None


def test_late_store_fills_free_slot() -> None:
    buf = RetransmitBuffer(capacity=8)
    buf.store(10, pkt(10), 0.0)
    buf.store(9, pkt(9), 0.0)  # reordered arrival, its slot is empty
    assert buf.get(9, 0.0) == pkt(9)


def test_zero_capacity_stores_nothing() -> None:
    buf = RetransmitBuffer(capacity=0)
    buf.store(1, pkt(1), 0.0)
    assert buf.get(1, 0.0) is None
    assert buf.misses == 1


def test_clear() -> None:
    buf = RetransmitBuffer(capacity=4)
    buf.store(1, pkt(1), 0.0)
    buf.clear()
    assert buf.get(1, 0.0) is None


@pytest.mark.parametrize("capacity", [-1, MAX_CAPACITY + 1])
def test_rejects_bad_capacity(capacity: int) -> None:
    with pytest.raises(ValueError):
        RetransmitBuffer(capacity=capacity)


@settings(max_examples=fuzz_budget(300), deadline=None)
@given(
    st.integers(0, 65535),
    st.lists(st.integers(1, 3), min_size=1, max_size=300),
    st.sampled_from([1, 4, 16, 64]),
)
def test_buffer_holds_exactly_the_newest_window(
    start: int, steps: list[int], capacity: int
) -> None:
    """In-order stores with gaps: every packet within `capacity` seqs of the newest is found;
    an older one only while no newer packet took its slot."""
    buf = RetransmitBuffer(capacity=capacity)
    stored = []
    seq = start
    for step in steps:
        seq += step
        buf.store(seq & 0xFFFF, pkt(seq & 0xFFFF), 0.0)
        stored.append(seq)
    newest = stored[-1]
    for s in stored:
        got = buf.get(s & 0xFFFF, 0.0)
        overwritten = any(t > s and (t - s) % capacity == 0 for t in stored)
        assert got == (None if overwritten else pkt(s & 0xFFFF))
        if newest - s < capacity:
            assert got is not None
