"""The per-subscriber sequence/timestamp rewriter, driven by hand and by a reference model."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.rewriter import LATE_WINDOW, RING_SIZE, OutboundRewriter, OutputOrigin
from media.seqnum import seq_diff
from tests.conftest import fuzz_budget

OUT_SSRC = 0xA1B2C3D4
SRC_A = 0x1111
SRC_B = 0x2222
RATE = 90_000


def make(initial_sequence: int = 1000, initial_timestamp: int = 50_000) -> OutboundRewriter:
    r = OutboundRewriter(OUT_SSRC, initial_sequence, initial_timestamp, RATE)
    r.switch_source(SRC_A)
    return r


def test_first_packet_takes_initial_values_and_offsets_persist() -> None:
    r = make()
    assert r.highest_sequence is None
    assert r.rewrite(SRC_A, 7, 123_000, 0.0) == (1000, 50_000)
    assert r.rewrite(SRC_A, 8, 123_000, 0.001) == (1001, 50_000)  # same frame, same timestamp
    assert r.rewrite(SRC_A, 9, 126_000, 0.033) == (1002, 53_000)
    assert r.highest_sequence == 1002
    assert r.last_timestamp == 53_000
    assert r.source_ssrc == SRC_A


def test_nothing_is_forwarded_before_a_source_is_chosen() -> None:
    r = OutboundRewriter(OUT_SSRC, 0, 0, RATE)
    assert r.source_ssrc is None
    assert r.rewrite(SRC_A, 1, 1, 0.0) is None
    assert r.dropped_other_source == 1
    assert r.last_timestamp == 0


def test_wraparound_of_input_and_output() -> None:
    r = make(initial_sequence=65533, initial_timestamp=0xFFFFFF00)
    outs = [r.rewrite(SRC_A, s & 0xFFFF, (0xFFFFFFF0 + 0x40 * i) & 0xFFFFFFFF, i * 0.01)
            for i, s in enumerate(range(65530, 65540))]
    assert [o[0] for o in outs if o] == [65533, 65534, 65535, 0, 1, 2, 3, 4, 5, 6]
    # Timestamps keep their spacing (0x40) through both 32-bit wraps.
    assert [o[1] for o in outs if o] == [(0xFFFFFF00 + 0x40 * i) & 0xFFFFFFFF for i in range(10)]


def test_gaps_stay_gaps() -> None:
    r = make(initial_sequence=10)
    assert r.rewrite(SRC_A, 100, 0, 0.0) == (10, 50_000)
    assert r.rewrite(SRC_A, 103, 0, 0.0) == (13, 50_000)  # 101, 102 lost upstream
    assert r.rewrite(SRC_A, 104, 0, 0.0) == (14, 50_000)


def test_reordered_packet_lands_in_its_place() -> None:
    r = make(initial_sequence=65534)
    assert r.rewrite(SRC_A, 500, 9000, 0.0) == (65534, 50_000)
    assert r.rewrite(SRC_A, 502, 12000, 0.0) == (0, 53_000)
    assert r.rewrite(SRC_A, 501, 9000, 0.0) == (65535, 50_000)  # late, before the output wrap
    assert r.highest_sequence == 0
    assert r.last_timestamp == 53_000  # a late packet does not move the reference


def test_duplicates_are_dropped_in_order_and_late() -> None:
    r = make()
    assert r.rewrite(SRC_A, 1, 0, 0.0) == (1000, 50_000)
    assert r.rewrite(SRC_A, 1, 0, 0.0) is None  # the sync packet again
    assert r.rewrite(SRC_A, 2, 0, 0.0) == (1001, 50_000)
    assert r.rewrite(SRC_A, 3, 0, 0.0) == (1002, 50_000)
    assert r.rewrite(SRC_A, 2, 0, 0.0) is None  # late duplicate
    assert r.rewrite(SRC_A, 3, 0, 0.0) is None  # duplicate of the newest
    assert r.dropped_duplicate == 3


def test_packet_older_than_the_first_one_is_dropped() -> None:
    r = make()
    assert r.rewrite(SRC_A, 10, 0, 0.0) == (1000, 50_000)
    assert r.rewrite(SRC_A, 9, 0, 0.0) is None
    assert r.dropped_too_old == 1


def test_packet_later_than_the_window_is_dropped() -> None:
    r = make()
    r.rewrite(SRC_A, 0, 0, 0.0)
    r.rewrite(SRC_A, LATE_WINDOW + 5, 0, 0.0)
    assert r.rewrite(SRC_A, 3, 0, 0.0) is None
    assert r.dropped_too_old == 1
    assert r.rewrite(SRC_A, 6, 0, 0.0) == (1006, 50_000)  # just inside the window


def test_simulcast_switch_mid_stream() -> None:
    r = make(initial_sequence=65530, initial_timestamp=1_000)
    # Layer A: 10 packets, one frame every 10 ms (900 ticks at 90 kHz).
    for i in range(10):
        assert r.rewrite(SRC_A, 300 + i, 40_000 + 900 * i, i * 0.010) == (
            (65530 + i) & 0xFFFF, 1_000 + 900 * i)
    last_out_seq, last_out_ts = 3, 1_000 + 900 * 9  # at t = 0.090
    # The caller saw a keyframe start on layer B at t = 0.125 and switches.
    r.switch_source(SRC_B)
    assert r.source_ssrc == SRC_B
    assert r.rewrite(SRC_A, 310, 49_000, 0.120) is None  # old layer: dropped from the switch on
    first_b = r.rewrite(SRC_B, 7_000, 2_000_000, 0.125)
    # Sequence continues with +1, timestamp advanced by the 35 ms of wall time: 3150 ticks.
    assert first_b == (last_out_seq + 1, last_out_ts + 3_150)
    assert r.rewrite(SRC_B, 7_001, 2_000_000, 0.126) == (5, last_out_ts + 3_150)
    assert r.rewrite(SRC_B, 7_002, 2_003_000, 0.160) == (6, last_out_ts + 3_150 + 3_000)
    assert r.rewrite(SRC_B, 6_999, 1_997_000, 0.161) is None  # older than the switch point
    assert r.rewrite(SRC_A, 311, 50_000, 0.170) is None
    assert r.dropped_other_source == 2
    # NACKs for outputs on both sides of the switch find their source packets.
    assert r.seq_for_output(3) == OutputOrigin(SRC_A, 309, last_out_ts)
    assert r.seq_for_output(4) == OutputOrigin(SRC_B, 7_000, last_out_ts + 3_150)
    assert r.seq_for_output(65531) == OutputOrigin(SRC_A, 301, 1_900)


def test_switch_with_no_elapsed_time_still_advances_timestamp() -> None:
    r = make()
    r.rewrite(SRC_A, 1, 10, 5.0)
    r.switch_source(SRC_B)
    assert r.rewrite(SRC_B, 900, 77, 5.0) == (1001, 50_001)


def test_switch_back_and_resync_same_source() -> None:
    r = make(initial_sequence=0, initial_timestamp=0)
    r.rewrite(SRC_A, 10, 0, 0.0)
    r.switch_source(SRC_B)
    r.rewrite(SRC_B, 20, 0, 1.0)  # → (1, 90000)
    r.switch_source(SRC_A)
    assert r.rewrite(SRC_A, 50, 0, 2.0) == (2, 180_000)
    # The publisher restarts its numbering on the same SSRC: resync to the same source.
    r.switch_source(SRC_A)
    assert r.rewrite(SRC_A, 40_000, 5, 2.5) == (3, 225_000)
    assert r.rewrite(SRC_A, 40_001, 5, 2.6) == (4, 225_000)


def test_skip_compresses_padding_away() -> None:
    r = make(initial_sequence=65534)
    assert r.rewrite(SRC_A, 10, 0, 0.0) == (65534, 50_000)
    assert r.skip(SRC_A, 11) is True
    assert r.skip(SRC_A, 12) is True
    assert r.rewrite(SRC_A, 13, 0, 0.0) == (65535, 50_000)
    assert r.skip(SRC_A, 14) is True
    assert r.rewrite(SRC_A, 15, 0, 0.0) == (0, 50_000)
    assert r.skipped == 3
    assert r.rewrite(SRC_A, 12, 0, 0.0) is None  # a copy of a skipped packet
    assert r.rewrite(SRC_A, 11, 0, 0.0) is None
    assert r.skip(SRC_A, 11) is True  # skipping a copy again changes nothing
    assert r.rewrite(SRC_A, 16, 0, 0.0) == (1, 50_000)
    assert r.seq_for_output(0) == OutputOrigin(SRC_A, 15, 50_000)


def test_skip_after_a_gap_keeps_the_gap_for_the_lost_packet() -> None:
    r = make(initial_sequence=100)
    assert r.rewrite(SRC_A, 10, 0, 0.0) == (100, 50_000)
    assert r.skip(SRC_A, 12)  # 11 not here yet
    assert r.rewrite(SRC_A, 13, 0, 0.0) == (102, 50_000)
    assert r.rewrite(SRC_A, 11, 0, 0.0) == (101, 50_000)  # arrives late: the hole kept for it


def test_late_skip_of_a_reserved_slot_reports_a_visible_gap() -> None:
    r = make(initial_sequence=100)
    r.rewrite(SRC_A, 10, 0, 0.0)
    r.rewrite(SRC_A, 12, 0, 0.0)  # → 102, so 11 has output 101 reserved
    assert r.skip(SRC_A, 11) is False  # dropping it now leaves a gap at 101
    assert r.rewrite(SRC_A, 11, 0, 0.0) == (101, 50_000)  # the caller may forward it after all
    assert r.skip(SRC_A, 11) is True  # a duplicate: the receiver already has it
    assert r.skip(SRC_A, 5) is True  # from before the sync point: never visible
    assert r.skip(SRC_B, 1) is True  # another source: nothing to compress


def test_late_packets_before_many_skips_use_the_offset_of_their_time() -> None:
    r = make(initial_sequence=0)
    r.rewrite(SRC_A, 0, 0, 0.0)
    expected = {0: 0}
    out = 0
    for seq in range(1, 200):
        if seq % 3 == 0:
            assert r.skip(SRC_A, seq)
        elif seq % 7 == 0:
            out += 1  # lost for now: its output number is reserved
            expected[seq] = out
        else:
            out += 1
            expected[seq] = out
            assert r.rewrite(SRC_A, seq, 0, 0.0) == (out, 50_000)
    for seq in range(1, 200):
        if seq % 7 == 0 and seq % 3:
            assert r.rewrite(SRC_A, seq, 0, 0.0) == (expected[seq], 50_000)


def test_old_skip_ranges_are_pruned() -> None:
    r = make(initial_sequence=0)
    r.rewrite(SRC_A, 0, 0, 0.0)
    for seq in range(1, 6 * LATE_WINDOW, 2):
        r.skip(SRC_A, seq)
        r.rewrite(SRC_A, seq + 1, 0, 0.0)
    assert len(r._skips) <= LATE_WINDOW // 2 + 2
    assert r.highest_sequence == 3 * LATE_WINDOW  # every other input compressed away


def test_very_late_packet_behind_forgotten_skips_is_dropped() -> None:
    """Once the skip ranges before a packet are pruned, its offset is unknown: never guess."""
    r = make(initial_sequence=10_000)
    r.rewrite(SRC_A, 0, 0, 0.0)  # inputs 1 and 2 are delayed: outputs 10001, 10002 reserved
    for first, last in ((3, 600), (602, 1200), (1202, 1800)):  # long padding bursts
        for seq in range(first, last + 1):
            assert r.skip(SRC_A, seq)
        assert r.rewrite(SRC_A, last + 1, 0, 0.0) is not None
    assert r.skip(SRC_A, 1802)  # a new range: the first one is now pruned
    assert r.highest_sequence == 10_005
    assert r.rewrite(SRC_A, 2, 0, 0.0) is None  # 1800 inputs late, though only 3 outputs
    assert r.dropped_too_old == 1
    assert r.seq_for_output(10_001) is None and r.seq_for_output(10_002) is None


def test_reverse_lookup_after_wrap_and_out_of_window() -> None:
    r = make(initial_sequence=65000)
    for i in range(3000):  # input wraps at i = 1536, output at i = 536
        r.rewrite(SRC_A, (64_000 + i) & 0xFFFF, i * 10, i * 0.001)
    newest = (65000 + 2999) & 0xFFFF
    assert newest == 2463
    assert r.seq_for_output(newest) == OutputOrigin(SRC_A, 1463, 50_000 + 29_990)
    assert r.seq_for_output(2000) == OutputOrigin(SRC_A, 1000, 50_000 + 25_360)
    oldest_kept = (newest - RING_SIZE + 1) & 0xFFFF
    assert oldest_kept == 1440
    assert r.seq_for_output(oldest_kept) == OutputOrigin(SRC_A, 440, 50_000 + 19_760)
    assert r.seq_for_output(oldest_kept - 1) is None  # fell out of the ring
    assert r.seq_for_output(0) is None
    assert r.seq_for_output((newest + 1) & 0xFFFF) is None  # not sent yet


def test_reverse_lookup_skips_holes() -> None:
    r = make(initial_sequence=10)
    r.rewrite(SRC_A, 0, 0, 0.0)
    r.rewrite(SRC_A, 2, 0, 0.0)
    assert r.seq_for_output(11) is None  # lost upstream: nothing to resend
    assert r.seq_for_output(12) == OutputOrigin(SRC_A, 2, 50_000)


@pytest.mark.parametrize(
    "args",
    [(-1, 0, 0, RATE), (1 << 32, 0, 0, RATE), (1, 65536, 0, RATE), (1, 0, 1 << 32, RATE),
     (1, 0, 0, 0)],
)
def test_constructor_rejects_out_of_range_values(args: tuple[int, int, int, int]) -> None:
    with pytest.raises(ValueError):
        OutboundRewriter(*args)


# --- property tests against a reference model -------------------------------------------------


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[int, list[tuple[int, bool]]]:
    """(initial output seq, [(extended input seq, deliberately skipped)] in arrival order).

    Each packet has a step from its predecessor (a step > 1 is upstream loss), a skip mark and a
    delay in arrival slots (reordering); some packets also arrive a second time later.
    """
    start = draw(st.integers(0, 65535))
    packets = draw(
        st.lists(
            st.tuples(st.integers(1, 3), st.booleans(), st.integers(0, 6), st.integers(0, 12)),
            min_size=1,
            max_size=200,
        )
    )
    slots: list[tuple[int, int, int, bool]] = []  # (arrival slot, order, ext, skipped)
    ext = start
    for i, (step, skipped, delay, duplicate_after) in enumerate(packets):
        ext += step
        slots.append((i + delay, len(slots), ext, skipped))
        if duplicate_after > 9:
            slots.append((i + delay + duplicate_after, len(slots), ext, skipped))
    slots.sort()
    return draw(st.integers(0, 65535)), [(ext, skipped) for _, _, ext, skipped in slots]


@settings(max_examples=fuzz_budget(300), deadline=None)
@given(arrivals())
def test_rewriter_matches_reference_model(case: tuple[int, list[tuple[int, bool]]]) -> None:
    """out(x) = first_out + (x − first_in) − #compressed skips below x; each output once."""
    initial, arrival = case
    r = OutboundRewriter(OUT_SSRC, initial, 0, RATE)
    r.switch_source(SRC_A)
    first: int | None = None
    highest = 0
    compressed: set[int] = set()
    forwarded: set[int] = set()
    out_exts: list[int] = []
    for ext, skipped in arrival:
        seq = ext & 0xFFFF
        if skipped:
            invisible = r.skip(SRC_A, seq)
            if ext in compressed:
                assert invisible  # a copy of a packet already compressed away
            if first is not None and ext > highest:
                assert invisible
                compressed.add(ext)
                highest = ext
            continue
        result = r.rewrite(SRC_A, seq, (ext * 3000) & 0xFFFFFFFF, 0.0)
        if first is None:
            first = highest = ext
        if ext < first or ext in compressed or ext in forwarded:
            assert result is None
            continue
        highest = max(highest, ext)
        assert result is not None
        out_ext = initial + ext - first - sum(1 for s in compressed if s < ext)
        assert result == (out_ext & 0xFFFF, ((ext - first) * 3000) & 0xFFFFFFFF)
        forwarded.add(ext)
        out_exts.append(out_ext)
        origin = r.seq_for_output(out_ext & 0xFFFF)
        assert origin is not None and origin.source_sequence == seq
    assert len(out_exts) == len(set(out_exts))


@settings(max_examples=fuzz_budget(300), deadline=None)
@given(
    st.integers(0, 65535),
    st.integers(0, 65535),
    st.lists(st.tuples(st.integers(1, 5), st.booleans()), min_size=1, max_size=300),
)
def test_in_order_input_gives_strictly_increasing_output(
    initial: int, start: int, steps: list[tuple[int, bool]]
) -> None:
    r = OutboundRewriter(OUT_SSRC, initial, 0, RATE)
    r.switch_source(SRC_A)
    seq = start
    previous: int | None = None
    advanced = compressed = 0  # since the previous forwarded packet
    for step, skipped in steps:
        seq = (seq + step) & 0xFFFF
        advanced += step
        if skipped and previous is not None:
            assert r.skip(SRC_A, seq)
            compressed += 1
            continue
        result = r.rewrite(SRC_A, seq, 0, 0.0)
        assert result is not None
        if previous is not None:
            assert seq_diff(result[0], previous) == advanced - compressed >= 1
        previous = result[0]
        advanced = compressed = 0


def test_random_switches_keep_output_continuous() -> None:
    """Many switches between three layers with loss: outputs stay unique and strictly increase."""
    rnd = random.Random(7)
    r = OutboundRewriter(OUT_SSRC, 65000, 0, RATE)
    sources = {0x10: 100, 0x20: 30_000, 0x30: 65_500}
    current = 0x10
    r.switch_source(current)
    previous_out: int | None = None
    seen: set[int] = set()
    now = 0.0
    for _ in range(5000):
        now += 0.005
        for src in sources:
            sources[src] = (sources[src] + 1) & 0xFFFF
            if rnd.random() < 0.05:
                continue  # lost
            if src != current and rnd.random() < 0.01:
                current = src
                r.switch_source(src)
            result = r.rewrite(src, sources[src], int(now * RATE), now)
            if src != current:
                assert result is None
                continue
            assert result is not None
            if previous_out is not None:
                assert seq_diff(result[0], previous_out) >= 1
            previous_out = result[0]
            assert result[0] not in seen
            seen.add(result[0])
