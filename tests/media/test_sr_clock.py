"""NTP conversions, RTT from report blocks and the SR sender info of an outbound stream."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.rewriter import OutboundRewriter
from media.sr_clock import (
    NTP_UNIX_OFFSET,
    SenderReportClock,
    SenderReportValues,
    ntp_from_unix,
    ntp_middle32,
    rtt_from_report,
    unix_from_ntp,
)
from tests.conftest import fuzz_budget


def test_ntp_from_unix_known_values() -> None:
    assert ntp_from_unix(0.0) == NTP_UNIX_OFFSET << 32
    assert ntp_from_unix(1.5) == ((NTP_UNIX_OFFSET + 1) << 32) | 0x8000_0000
    # 2024-01-01T00:00:00Z = 1704067200 Unix = 3913056000 NTP seconds
    assert ntp_from_unix(1_704_067_200.25) >> 32 == 3_913_056_000
    assert ntp_from_unix(1_704_067_200.25) & 0xFFFFFFFF == 0x4000_0000


def test_ntp_middle32() -> None:
    assert ntp_middle32(0x1234_5678_9ABC_DEF0) == 0x5678_9ABC


@settings(max_examples=fuzz_budget(300), deadline=None)
@given(st.floats(0, 2_000_000_000, allow_nan=False))
def test_ntp_round_trip(seconds: float) -> None:
    assert unix_from_ntp(ntp_from_unix(seconds)) == pytest.approx(seconds, abs=1e-6)


def test_rtt_from_report() -> None:
    lsr = 0x5678_9ABC
    dlsr = 32768  # the peer held our SR for 0.5 s
    arrival = lsr + dlsr + 16384  # 0.25 s of flight in total
    assert rtt_from_report(lsr, dlsr, arrival) == pytest.approx(0.25)
    # Across the wrap of the middle 32 bits.
    assert rtt_from_report(0xFFFF_FF00, 0x80, 0x0000_0080) == pytest.approx(0x100 / 65536)
    assert rtt_from_report(0, 0, 12345) is None  # no SR of ours reached the peer yet
    assert rtt_from_report(1000, 10, 1005) == 0.0  # rounding made it slightly negative


def test_sender_report_extrapolates_timestamp() -> None:
    clock = SenderReportClock(90_000)
    assert clock.sender_report(0.0, 1_700_000_000.0) is None
    clock.on_packet_sent(1_000, 1000, 5.0)
    clock.on_packet_sent(1_000, 800, 5.001)  # same frame: the reference stays at 5.0
    clock.on_packet_sent(4_000, 1200, 5.033)
    clock.on_packet_sent(1_000, 500, 5.040)  # a late retransmission does not move it back
    sr = clock.sender_report(5.533, 1_700_000_000.5)
    assert sr == SenderReportValues(
        ntp_timestamp=ntp_from_unix(1_700_000_000.5),
        rtp_timestamp=4_000 + 45_000,  # 0.5 s after the newest frame's first packet
        packet_count=4,
        octet_count=3500,
    )


def test_sender_report_timestamp_and_counts_wrap() -> None:
    clock = SenderReportClock(48_000)
    clock.octet_count = 0xFFFF_FFF0
    clock.on_packet_sent(0xFFFF_FF00, 0x20, 1.0)
    sr = clock.sender_report(1.01, 0.0)
    assert sr is not None
    assert sr.rtp_timestamp == (0xFFFF_FF00 + 480) & 0xFFFF_FFFF
    assert sr.octet_count == 0x10


def test_sr_mapping_is_consistent_across_a_layer_switch() -> None:
    """RTP time in SRs before and after a switch advances like wall time, as receivers expect."""
    rate = 90_000
    rewriter = OutboundRewriter(0xABC, 100, 7_000, rate)
    clock = SenderReportClock(rate)
    rewriter.switch_source(1)
    for i in range(30):  # layer 1: 30 fps, packets arrive on time
        now = i / 30
        out = rewriter.rewrite(1, 500 + i, 10_000 + 3000 * i, now)
        assert out is not None
        clock.on_packet_sent(out[1], 1000, now)
    sr1 = clock.sender_report(1.0, 1_000_000.0)
    rewriter.switch_source(2)
    for i in range(30):  # layer 2 with an unrelated timestamp base, from t = 1.05
        now = 1.05 + i / 30
        out = rewriter.rewrite(2, 9_000 + i, 4_000_000_000 + 3000 * i, now)
        assert out is not None
        clock.on_packet_sent(out[1], 1000, now)
    sr2 = clock.sender_report(2.0, 1_000_001.0)
    assert sr1 is not None and sr2 is not None
    rtp_elapsed = (sr2.rtp_timestamp - sr1.rtp_timestamp) & 0xFFFF_FFFF
    assert rtp_elapsed == pytest.approx(rate * 1.0, abs=2)  # 1 s of wall time, 1 s of RTP time


def test_rejects_bad_clock_rate() -> None:
    with pytest.raises(ValueError):
        SenderReportClock(0)
