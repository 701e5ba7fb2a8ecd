"""RFC 3550 receive statistics on sequences whose expected values are worked out by hand."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.receive_stats import ReceiveStats, ReportBlockValues
from tests.conftest import fuzz_budget

SSRC = 0xCAFEBABE


def test_no_report_before_first_packet() -> None:
    assert ReceiveStats(SSRC, 90_000).report_block(0.0) is None


def test_loss_fraction_and_cumulative_over_two_intervals() -> None:
    st_ = ReceiveStats(SSRC, 90_000)
    for seq in range(10):
        if seq not in (3, 7):
            st_.on_packet(seq, 0, 0.0)
    block = st_.report_block(1.0)
    # expected 10, received 8: lost 2; fraction = (2 << 8) // 10 = 51
    assert block == ReportBlockValues(SSRC, 51, 2, 9, 0, 0, 0)
    for seq in range(10, 20):
        st_.on_packet(seq, 0, 1.0)
    st_.on_packet(15, 0, 1.0)  # a duplicate
    block = st_.report_block(2.0)
    # interval: expected 10, received 11 → lost −1 → fraction 0; cumulative 20 − 19 = 1
    assert block is not None
    assert (block.fraction_lost, block.cumulative_lost, block.highest_sequence) == (0, 1, 19)


def test_fraction_lost_when_everything_in_interval_lost_is_clamped() -> None:
    st_ = ReceiveStats(SSRC, 90_000)
    st_.on_packet(0, 0, 0.0)
    st_.report_block(0.0)
    st_.on_packet(5, 0, 0.0)  # interval: expected 5, received 1 → (4 << 8) // 5 = 204
    block = st_.report_block(1.0)
    assert block is not None and block.fraction_lost == 204
    assert st_.report_block(2.0) == ReportBlockValues(SSRC, 0, 4, 5, 0, 0, 0)  # empty interval


def test_wraparound_counts_cycles() -> None:
    st_ = ReceiveStats(SSRC, 90_000)
    for seq in list(range(65530, 65536)) + list(range(0, 6)):
        st_.on_packet(seq, 0, 0.0)
    assert st_.cycles == 1
    assert st_.extended_highest_sequence == 65536 + 5
    assert st_.expected == 12
    assert st_.cumulative_lost == 0
    block = st_.report_block(0.0)
    assert block is not None and block.highest_sequence == 0x0001_0005


def test_reordering_across_wrap() -> None:
    st_ = ReceiveStats(SSRC, 90_000)
    for seq in (65534, 1, 65535, 0):
        st_.on_packet(seq, 0, 0.0)
    assert st_.extended_highest_sequence == 65537
    assert (st_.expected, st_.received, st_.cumulative_lost) == (4, 4, 0)


def test_duplicates_make_cumulative_lost_negative() -> None:
    st_ = ReceiveStats(SSRC, 90_000)
    for seq in (1, 2, 2, 2, 3):
        st_.on_packet(seq, 0, 0.0)
    assert st_.cumulative_lost == -2


def test_cumulative_lost_clamps_to_24_bits() -> None:
    st_ = ReceiveStats(SSRC, 90_000)
    seq = 0
    st_.on_packet(seq, 0, 0.0)
    for _ in range(3000):  # each step (< MAX_DROPOUT) loses 2899: 8 697 000 lost > 0x7FFFFF
        seq = (seq + 2900) & 0xFFFF
        assert st_.on_packet(seq, 0, 0.0)
    assert st_.expected - st_.received == 3000 * 2899
    assert st_.cumulative_lost == 0x7FFFFF


def test_large_jump_held_back_until_confirmed() -> None:
    """RFC 3550 §A.1: one packet far away is ignored; two in a row mean a restart."""
    st_ = ReceiveStats(SSRC, 90_000)
    for seq in range(100, 105):
        assert st_.on_packet(seq, 0, 0.0)
    assert not st_.on_packet(40_000, 0, 0.0)
    assert st_.on_packet(105, 0, 0.0)  # the stream goes on as before
    assert (st_.expected, st_.received) == (6, 6)
    assert not st_.on_packet(40_000, 0, 0.0)
    assert st_.on_packet(40_001, 0, 0.0)  # sequential: the source restarted here
    assert (st_.extended_highest_sequence, st_.expected, st_.received) == (40_001, 1, 1)


def test_jitter_integer_form_by_hand() -> None:
    """8 kHz, 20 ms packets (160 ticks); the third arrives 5 ms late.

    arrival ticks 0, 160, 360, 480 → transit 0, 0, 40, 0 → |D| = 0, 40, 40
    J16: 0 → 0 + 0 − 0 = 0 → 0 + 40 − 0 = 40 → 40 + 40 − ((40 + 8) >> 4) = 77 → jitter 77 >> 4 = 4
    """
    st_ = ReceiveStats(SSRC, 8_000)
    for seq, (now, ts) in enumerate([(0.0, 0), (0.020, 160), (0.045, 320), (0.060, 480)]):
        st_.on_packet(seq, ts, now)
    assert st_.jitter == 4


def test_jitter_zero_on_perfect_timing_across_timestamp_wrap() -> None:
    st_ = ReceiveStats(SSRC, 90_000)
    ts0 = 0xFFFFFFFF - 3000 * 3
    for i in range(10):
        st_.on_packet(i, (ts0 + 3000 * i) & 0xFFFFFFFF, 100.0 + i / 30)
    assert st_.jitter == 0


def test_jitter_converges_to_mean_deviation() -> None:
    """Alternating ±10 ms arrival error: |D| alternates 0.02 s = 1800 ticks at 90 kHz → J ≈ 1800."""
    st_ = ReceiveStats(SSRC, 90_000)
    for i in range(400):
        skew = 0.010 if i % 2 else -0.010
        st_.on_packet(i, 3000 * i, 10.0 + i / 30 + skew)
    assert st_.jitter == pytest.approx(1800, abs=20)


def test_reordered_packet_does_not_update_jitter() -> None:
    st_ = ReceiveStats(SSRC, 8_000)
    st_.on_packet(0, 0, 0.0)
    st_.on_packet(2, 320, 0.040)
    st_.on_packet(1, 160, 0.5)  # very late, but reordered: ignored for jitter
    assert st_.jitter == 0


def test_last_sr_and_delay_since() -> None:
    st_ = ReceiveStats(SSRC, 90_000)
    st_.on_packet(1, 0, 0.0)
    st_.on_sender_report((0x12345678 << 32) | 0x9ABCDEF0, now=10.0)
    block = st_.report_block(10.5)
    assert block is not None
    assert block.last_sr == 0x56789ABC
    assert block.delay_since_last_sr == 32768  # 0.5 s in 1/65536 s


@settings(max_examples=fuzz_budget(300), deadline=None)
@given(st.integers(0, 65535), st.lists(st.integers(1, 50), min_size=1, max_size=200))
def test_in_order_loss_accounting_matches_gaps(start: int, steps: list[int]) -> None:
    st_ = ReceiveStats(SSRC, 90_000)
    seq = start
    st_.on_packet(seq, 0, 0.0)
    for step in steps:
        seq += step
        assert st_.on_packet(seq & 0xFFFF, 0, 0.0)
    assert st_.extended_highest_sequence == seq
    assert st_.expected == seq - start + 1
    assert st_.cumulative_lost == sum(step - 1 for step in steps)
    block = st_.report_block(0.0)
    assert block is not None
    lost = sum(step - 1 for step in steps)
    assert block.fraction_lost == min(255, (lost << 8) // (seq - start + 1))
