"""16/32-bit serial arithmetic and unwrapping."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from media.seqnum import (
    SequenceUnwrapper,
    TimestampUnwrapper,
    seq_diff,
    seq_newer,
    ts_diff,
    ts_newer,
)
from tests.conftest import fuzz_budget


def test_seq_diff_basic_and_wrap() -> None:
    assert seq_diff(5, 3) == 2
    assert seq_diff(3, 5) == -2
    assert seq_diff(0, 65535) == 1
    assert seq_diff(65535, 0) == -1
    assert seq_diff(2, 65530) == 8
    assert seq_diff(32767, 0) == 32767
    assert seq_diff(32768, 0) == -32768  # the exact half counts as older


def test_seq_newer() -> None:
    assert seq_newer(1, 0)
    assert not seq_newer(0, 1)
    assert seq_newer(0, 65535)
    assert not seq_newer(7, 7)
    assert not seq_newer(32768, 0) and not seq_newer(0, 32768)  # undefined: neither is newer


def test_ts_diff_and_newer() -> None:
    assert ts_diff(10, 0xFFFFFFF0) == 26
    assert ts_diff(0xFFFFFFF0, 10) == -26
    assert ts_newer(100, 0xFFFFFF00)
    assert not ts_newer(0xFFFFFF00, 100)


def test_unwrapper_forward_across_wrap() -> None:
    u = SequenceUnwrapper()
    values = [u.unwrap(s) for s in (65533, 65534, 65535, 0, 1, 2)]
    assert values == [65533, 65534, 65535, 65536, 65537, 65538]
    assert u.highest == 65538


def test_unwrapper_reordering_around_wrap() -> None:
    u = SequenceUnwrapper()
    assert u.unwrap(65534) == 65534
    assert u.unwrap(1) == 65537  # 65535 and 0 still missing
    assert u.unwrap(65535) == 65535  # late, before the wrap
    assert u.unwrap(0) == 65536
    assert u.unwrap(2) == 65538
    assert u.highest == 65538


def test_unwrapper_packet_before_first_is_negative() -> None:
    u = SequenceUnwrapper()
    assert u.unwrap(0) == 0
    assert u.unwrap(65535) == -1
    assert u.highest == 0


def test_timestamp_unwrapper_wraps_at_32_bits() -> None:
    u = TimestampUnwrapper()
    assert u.unwrap(0xFFFFFF00) == 0xFFFFFF00
    assert u.unwrap(0x100) == (1 << 32) + 0x100
    assert u.unwrap(0xFFFFFFF0) == 0xFFFFFFF0  # late, before the wrap


@settings(max_examples=fuzz_budget(500), deadline=None)
@given(st.integers(0, 65535), st.integers(0, 65535))
def test_seq_diff_is_antisymmetric_and_consistent(a: int, b: int) -> None:
    d = seq_diff(a, b)
    assert -32768 <= d <= 32767
    assert (b + d) & 0xFFFF == a
    assert seq_newer(a, b) == (d > 0)
    if d != -32768:
        assert seq_diff(b, a) == -d


@settings(max_examples=fuzz_budget(300), deadline=None)
@given(
    st.integers(0, 65535),
    st.lists(st.integers(1, 40), min_size=1, max_size=300),
    st.randoms(use_true_random=False),
)
def test_unwrapper_recovers_true_values_under_bounded_reordering(
    start: int, steps: list[int], rnd: random.Random
) -> None:
    """Any true sequence (gaps up to 40, local shuffles) unwraps back to itself."""
    true_values = []
    value = start
    for step in steps:
        true_values.append(value)
        value += step
    # Reorder within windows of 8 packets: displacement stays far below half the circle.
    arrival: list[int] = []
    for i in range(0, len(true_values), 8):
        window = true_values[i : i + 8]
        rnd.shuffle(window)
        arrival.extend(window)
    u = SequenceUnwrapper()
    first = arrival[0]
    got = [u.unwrap(v & 0xFFFF) for v in arrival]
    base = first - (first & 0xFFFF)
    assert [g + base for g in got] == arrival
    assert u.highest is not None and u.highest + base == max(arrival)
    # The reference is monotonic: highest never goes down in arrival order.
    running = float("-inf")
    u2 = SequenceUnwrapper()
    for v in arrival:
        u2.unwrap(v & 0xFFFF)
        assert u2.highest is not None and u2.highest >= running
        running = u2.highest
