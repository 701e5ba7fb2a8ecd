"""Transport-cc feedback: status chunk writer, codec details and the feedback builder."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from media.rtcp import TransportCcFeedback, parse_rtcp_compound_untrusted
from media.rtcp_twcc import StatusChunkWriter
from media.rtcp_twcc_builder import build_transport_cc_feedback
from media.rtp import SequenceUnwrapper
from tests.conftest import fuzz_budget


def _chunks(symbols: list[int]) -> list[int]:
    writer = StatusChunkWriter()
    for symbol in symbols:
        writer.add(symbol)
    count = writer.chunk_count()
    chunks = writer.finish()
    assert len(chunks) == count
    return chunks


def _feedback_for(symbols: list[int]) -> TransportCcFeedback:
    packets = tuple(
        (index, None if symbol == 0 else (250 if symbol == 1 else -250))
        for index, symbol in enumerate(symbols)
    )
    return TransportCcFeedback(1, 2, 0, 0, 0, packets)


def test_chunk_choice() -> None:
    assert _chunks([1] * 5) == [0x2005]  # run length, like Chrome sends
    assert _chunks([0] * 8191 + [0] * 3) == [0x1FFF, 0x0003]  # runs are 13 bits
    assert _chunks([1, 0] * 7) == [0x8000 | 0b10101010101010]  # one-bit vector of 14
    assert _chunks([1, 0, 1]) == [0x8000 | 0b10100000000000]  # short final vector, zero padded
    assert _chunks([2, 1, 0, 2, 1, 0, 2]) == [0xC000 | 0b10010010010010]  # two-bit vector of 7
    # eight small then a large: a two-bit vector of 7, then the rest continues
    assert _chunks([1, 0] * 4 + [2]) == [0xC000 | 0b01000100010001, 0xC000 | 0b00100000000000]
    assert _chunks([1] * 20 + [0] * 20) == [0x2014, 0x0014]


def test_chunk_writer_bulk_add_matches_single_adds() -> None:
    single, bulk = StatusChunkWriter(), StatusChunkWriter()
    symbols = [1, 0, 0, 2] + [0] * 9000 + [1] * 3
    for symbol in symbols:
        single.add(symbol)
    for symbol, repeat in ((1, 1), (0, 2), (2, 1), (0, 9000), (1, 3)):
        bulk.add(symbol, repeat)
    assert single.finish() == bulk.finish()


def test_snapshot_restore() -> None:
    writer = StatusChunkWriter()
    writer.add(1, 30)
    state = writer.snapshot()
    writer.add(0, 100)
    writer.add(2)
    writer.restore(state)
    assert writer.finish() == [0x201E]


@settings(max_examples=fuzz_budget(150, long=30_000), deadline=None)
@given(st.lists(st.sampled_from([0, 0, 1, 1, 2]) | st.just(0), max_size=200))
def test_any_symbols_round_trip(symbols: list[int]) -> None:
    feedback = _feedback_for(symbols)
    assert parse_rtcp_compound_untrusted(feedback.encode()) == [feedback]


def test_delta_units_and_reference_time_sign() -> None:
    feedback = TransportCcFeedback(1, 2, 10, -4368470, 7, ((10, 63_750), (11, 8_191_750),
                                                         (12, -8_192_000), (13, 0)))
    data = feedback.encode()
    assert data[16:20] == struct.pack("!I", (-4368470 & 0xFFFFFF) << 8 | 7)
    assert data[22:] .startswith(bytes([0xFF, 0x7F, 0xFF, 0x80, 0x00, 0x00]))
    assert parse_rtcp_compound_untrusted(data) == [feedback]


def _arrival_times(feedback: TransportCcFeedback) -> dict[int, int]:
    """Absolute arrival µs per 16-bit seq, rebuilt the way a sender reads the feedback."""
    now = feedback.reference_time * 64_000
    times = {}
    for sequence, delta in feedback.packets:
        if delta is not None:
            now += delta
            times[sequence] = now
    return times


def test_builder_simple() -> None:
    arrivals = [(100, 1_000_123), (101, 1_001_000), (103, 1_010_999), (104, 1_005_000)]
    (feedback,) = build_transport_cc_feedback(5, 6, 42, arrivals)
    assert (feedback.sender_ssrc, feedback.media_ssrc) == (5, 6)
    assert (feedback.base_sequence, feedback.feedback_count) == (100, 42)
    assert feedback.reference_time == 1_000_123 // 64_000
    assert [seq for seq, _ in feedback.packets] == [100, 101, 102, 103, 104]
    assert feedback.packets[2][1] is None
    assert _arrival_times(feedback) == {seq: t // 250 * 250 for seq, t in arrivals}
    assert parse_rtcp_compound_untrusted(feedback.encode()) == [feedback]


def test_builder_splits_when_a_delta_does_not_fit() -> None:
    arrivals = [(1, 0), (2, 1_000), (3, 9_000_000), (4, 9_000_250)]
    first, second = build_transport_cc_feedback(5, 6, 255, arrivals)
    assert [seq for seq, _ in first.packets] == [1, 2]
    assert [seq for seq, _ in second.packets] == [3, 4]
    assert (first.feedback_count, second.feedback_count) == (255, 0)
    assert _arrival_times(second) == {3: 9_000_000, 4: 9_000_250}


def test_builder_size_limit_wrap_and_duplicates() -> None:
    arrivals = []
    for index in range(3000):
        if index % 3 == 1:
            continue  # every third packet lost
        arrivals.append((65000 + index, 5_000_000 + index * 700))
    arrivals.insert(10, arrivals[9])  # a duplicate
    feedbacks = build_transport_cc_feedback(5, 6, 0, arrivals)
    assert len(feedbacks) > 1
    covered: list[int] = []
    times: dict[int, int] = {}
    for count, feedback in enumerate(feedbacks):
        data = feedback.encode()
        assert len(data) <= 1200
        assert feedback.feedback_count == count
        assert parse_rtcp_compound_untrusted(data) == [feedback]
        covered += [seq for seq, _ in feedback.packets]
        times.update(_arrival_times(feedback))
    first, last = arrivals[0][0], arrivals[-1][0]
    # every sequence number is reported exactly once, across the wrap and across the splits
    assert covered == [seq & 0xFFFF for seq in range(first, last + 1)]
    assert {seq & 0xFFFF for seq, _ in arrivals} == set(times)
    assert all(times[seq & 0xFFFF] == t // 250 * 250 for seq, t in arrivals)


def test_builder_reports_losses_since_start_sequence() -> None:
    arrivals = [(8, 64_000), (9, 64_500), (10, 10_000_000)]
    first, second = build_transport_cc_feedback(5, 6, 0, arrivals, start_sequence=5)
    assert first.base_sequence == 5
    assert first.packets == ((5, None), (6, None), (7, None), (8, 0), (9, 500))
    assert second.packets == ((10, 10_000_000 - 156 * 64_000),)
    assert parse_rtcp_compound_untrusted(first.encode() + second.encode()) == [first, second]
    # arrivals already reported are dropped
    assert build_transport_cc_feedback(5, 6, 0, arrivals, start_sequence=11) == []


def test_builder_reordered_arrivals_use_large_deltas() -> None:
    (feedback,) = build_transport_cc_feedback(5, 6, 0, [(1, 64_000 * 3 + 5_000), (2, 64_000 * 3)])
    assert feedback.packets == ((1, 5_000), (2, -5_000))
    data = feedback.encode()
    assert parse_rtcp_compound_untrusted(data) == [feedback]


def test_builder_empty() -> None:
    assert build_transport_cc_feedback(5, 6, 0, []) == []


BIG_GAPS = st.sampled_from([8191, 8192])  # around the 13-bit run length limit


@settings(max_examples=fuzz_budget(60, long=3_000), deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 3) | st.integers(1, 30) | st.integers(1, 300) | BIG_GAPS,
                       st.integers(-30_000, 80_000) | st.sampled_from([9_000_000, -9_000_000])),
             min_size=1, max_size=40),
    st.integers(40, 300),
)
def test_builder_any_arrivals(steps: list[tuple[int, int]], max_size: int) -> None:
    """Random gaps and jitter: every feedback fits `max_size`, round-trips, and together they
    report every sequence number once, received ones with the arrival time floored to 250 µs."""
    arrivals, sequence, now = [], 65_000, 10_000_000
    for gap, jitter in steps:
        sequence += gap
        now += jitter
        arrivals.append((sequence, now))
    feedbacks = build_transport_cc_feedback(1, 2, 0, arrivals, max_size=max_size)
    first, last = arrivals[0][0], arrivals[-1][0]
    offset = first - (first & 0xFFFF)
    unwrapper = SequenceUnwrapper()
    times: dict[int, int] = {}
    covered: list[int] = []
    for feedback in feedbacks:
        data = feedback.encode()
        assert len(data) <= max_size
        assert parse_rtcp_compound_untrusted(data) == [feedback]
        for sequence, arrival in _arrival_times(feedback).items():
            times[offset + unwrapper.unwrap(sequence)] = arrival
        covered += [s for s, _ in feedback.packets]
    assert times == {s: t // 250 * 250 for s, t in arrivals}
    assert covered == [s & 0xFFFF for s in range(first, last + 1)]


def test_chunk_growth_bound() -> None:
    """The builder's shortcut: one gap run plus one symbol adds at most 4 + gap // 8191 chunks."""
    prefixes = [[], [1] * 5, [1, 0] * 5, [2, 1, 2], [0] * 8190, [1] * 13, [2] * 9]
    for prefix in prefixes:
        for gap in (0, 1, 6, 7, 13, 14, 8190, 8191, 8192, 30_000):
            for symbol in (1, 2):
                writer = StatusChunkWriter()
                for s in prefix:
                    writer.add(s)
                before = writer.chunk_count()
                writer.add(0, gap)
                writer.add(symbol)
                assert writer.chunk_count() - before <= 4 + gap // 8191
