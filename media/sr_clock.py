"""NTP wall-clock time for RTCP, and the RTP/NTP pair a Sender Report carries.

RFC 3550 §4: NTP timestamps are 64-bit fixed point, seconds since 0h UTC on 1 January 1900, with
32 fraction bits; reports often carry only the middle 32 bits (16.16 fixed point).

An outbound stream's SR must pair an NTP time with the RTP timestamp that "corresponds to the same
time" (RFC 3550 §6.4.1). The SFU has no capture clock of its own, so it extrapolates from the last
forwarded packet: its output timestamp plus the monotonic time elapsed since it was sent, times the
clock rate. The rewriter advances timestamps by the same wall-time rule across layer switches, so
the mapping the subscriber derives from SRs stays consistent when the source changes underneath.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from media.seqnum import TS_MASK

NTP_UNIX_OFFSET = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01 (RFC 868)
NTP_FRACTION = 1 << 32  # RFC 3550 §4: 32-bit fraction of a second
NTP_MASK = (1 << 64) - 1
SHORT_UNITS = 1 << 16  # 1/65536 s: unit of LSR/DLSR and of the middle 32 bits (RFC 3550 §6.4.1)
COUNTER_MASK = 0xFFFFFFFF  # SR packet and octet counts are 32 bits and wrap (RFC 3550 §6.4.1)


def ntp_from_unix(seconds: float) -> int:
    """64-bit NTP timestamp for a Unix time in seconds (wraps in 2036 as NTP era 0 does)."""
    whole = math.floor(seconds)
    fraction = min(int((seconds - whole) * NTP_FRACTION), NTP_FRACTION - 1)
    return (((whole + NTP_UNIX_OFFSET) << 32) | fraction) & NTP_MASK


def unix_from_ntp(ntp: int) -> float:
    """Unix time in seconds for a 64-bit NTP timestamp of era 0."""
    return (ntp >> 32) - NTP_UNIX_OFFSET + (ntp & 0xFFFFFFFF) / NTP_FRACTION


def ntp_middle32(ntp: int) -> int:
    """The middle 32 bits of a 64-bit NTP timestamp: the LSR field of a report block."""
    return (ntp >> 16) & 0xFFFFFFFF


def rtt_from_report(lsr: int, dlsr: int, now_ntp_middle32: int) -> float | None:
    """Round-trip time in seconds from a report block we received (RFC 3550 §6.4.1).

    RTT = A − LSR − DLSR in 1/65536 s, modulo 2**32. None when the peer has no SR of ours yet
    (LSR 0). Small negative results from rounding and clock granularity become 0.0.
    """
    if lsr == 0:
        return None
    units = (now_ntp_middle32 - lsr - dlsr) & 0xFFFFFFFF
    if units >= 1 << 31:
        return 0.0
    return units / SHORT_UNITS


@dataclass(frozen=True, slots=True)
class SenderReportValues:
    """The sender-info fields of an SR (RFC 3550 §6.4.1)."""

    ntp_timestamp: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int


class SenderReportClock:
    """Counts what one outbound stream sent and produces its SR sender info."""

    __slots__ = ("clock_rate", "packet_count", "octet_count", "_ref_ts", "_ref_time")

    def __init__(self, clock_rate: int) -> None:
        if clock_rate <= 0:
            raise ValueError(f"clock_rate must be positive: {clock_rate}")
        self.clock_rate = clock_rate
        self.packet_count = 0
        self.octet_count = 0
        self._ref_ts: int | None = None  # timestamp of the newest frame sent
        self._ref_time = 0.0  # monotonic time its first packet was sent

    def on_packet_sent(self, out_timestamp: int, payload_octets: int, now: float) -> None:
        """Count a sent RTP packet; `payload_octets` excludes header and padding (§6.4.1)."""
        self.packet_count += 1  # wrapped to 32 bits when reported
        self.octet_count += payload_octets
        ref = self._ref_ts
        # Only a newer frame moves the reference: its first packet's send time is the best guess
        # of when that frame's timestamp "was now"; later packets of it and late packets are not.
        if ref is None or 0 < ((out_timestamp - ref) & TS_MASK) < 1 << 31:
            self._ref_ts = out_timestamp
            self._ref_time = now

    def sender_report(self, now: float, wall_now: float) -> SenderReportValues | None:
        """SR sender info at monotonic `now` / Unix `wall_now`; None before the first packet."""
        if self._ref_ts is None:
            return None
        advance = round((now - self._ref_time) * self.clock_rate)
        return SenderReportValues(
            ntp_timestamp=ntp_from_unix(wall_now),
            rtp_timestamp=(self._ref_ts + advance) & TS_MASK,
            packet_count=self.packet_count & COUNTER_MASK,
            octet_count=self.octet_count & COUNTER_MASK,
        )
