"""Reception statistics of one inbound RTP stream, as a Receiver Report block needs them.

Follows RFC 3550: sequence tracking with restart detection (§A.1; no probation, because packets
reach us only after SRTP authentication), loss accounting (§6.4.1, §A.3), interarrival jitter in
timestamp units (§6.4.1, §A.8, in the integer form of §A.8 with the estimate scaled by 16), and
the LSR/DLSR bookkeeping for the publisher's Sender Reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.seqnum import SEQ_MASK, SEQ_MOD, TS_HALF, TS_MASK, TS_MOD
from media.sr_clock import SHORT_UNITS, ntp_middle32

MAX_DROPOUT = 3000  # RFC 3550 §A.1: a jump further ahead than this is suspicious
MAX_MISORDER = 100  # RFC 3550 §A.1: a packet further behind than this is suspicious
CUMULATIVE_LOST_MAX = 0x7FFFFF  # RFC 3550 §6.4.1: signed 24-bit field
CUMULATIVE_LOST_MIN = -0x800000


@dataclass(frozen=True, slots=True)
class ReportBlockValues:
    """The fields of one RR/SR report block (RFC 3550 §6.4.1), all plain ints."""

    ssrc: int
    fraction_lost: int  # 0..255, fixed point /256
    cumulative_lost: int  # signed, clamped to 24 bits
    highest_sequence: int  # extended: cycles << 16 | max seq, 32 bits
    jitter: int  # timestamp units
    last_sr: int  # middle 32 bits of the last SR's NTP time, 0 if none
    delay_since_last_sr: int  # 1/65536 s, 0 if no SR yet


class ReceiveStats:
    """Per inbound stream: feed every packet to `on_packet`, every SR to `on_sender_report`."""

    __slots__ = ("ssrc", "clock_rate", "received", "_started", "_base_seq", "_max_seq",
                 "_cycles", "_bad_seq", "_expected_prior", "_received_prior", "_transit",
                 "_jitter16", "_last_sr", "_last_sr_time")

    def __init__(self, ssrc: int, clock_rate: int) -> None:
        if clock_rate <= 0:
            raise ValueError(f"clock_rate must be positive: {clock_rate}")
        self.ssrc = ssrc
        self.clock_rate = clock_rate
        self.received = 0
        self._started = False
        self._base_seq = 0
        self._max_seq = 0
        self._cycles = 0  # RFC 3550 §A.1: count of wraps, shifted (a multiple of 2**16)
        self._bad_seq = SEQ_MOD + 1  # "no suspicious packet seen"
        self._expected_prior = 0
        self._received_prior = 0
        self._transit = 0  # arrival minus RTP timestamp of the last in-order packet, in ticks
        self._jitter16 = 0  # jitter estimate × 16 (RFC 3550 §A.8 integer form)
        self._last_sr = 0
        self._last_sr_time = 0.0

    @property
    def extended_highest_sequence(self) -> int:
        return self._cycles + self._max_seq

    @property
    def cycles(self) -> int:
        """How often the sequence number wrapped (the RR's upper 16 bits)."""
        return self._cycles >> 16

    @property
    def expected(self) -> int:
        """Packets expected so far (RFC 3550 §A.3)."""
        return self._cycles + self._max_seq - self._base_seq + 1 if self._started else 0

    @property
    def cumulative_lost(self) -> int:
        """Expected − received, clamped to the signed 24-bit field; negative with duplicates."""
        lost = self.expected - self.received
        return max(CUMULATIVE_LOST_MIN, min(CUMULATIVE_LOST_MAX, lost))

    @property
    def jitter(self) -> int:
        """Interarrival jitter in timestamp units."""
        return self._jitter16 >> 4

    def on_packet(self, seq: int, timestamp: int, now: float) -> bool:
        """Account for a packet; False when it was held back as a suspicious jump (§A.1)."""
        if self._started:
            max_seq = self._max_seq
            udelta = (seq - max_seq) & SEQ_MASK
            if 0 < udelta < MAX_DROPOUT:  # the usual case, inlined: in order, maybe after a gap
                if seq < max_seq:
                    self._cycles += SEQ_MOD  # wrapped
                self._max_seq = seq
                # RFC 3550 §A.8, inlined: J += (|D| − J) / 16 with D the change in transit time
                transit = int(now * self.clock_rate + 0.5) - timestamp
                d = (transit - self._transit) & TS_MASK  # timestamps wrap: the 32-bit circle
                self._transit = transit
                if d >= TS_HALF:
                    d = TS_MOD - d
                jitter16 = self._jitter16
                self._jitter16 = jitter16 + d - ((jitter16 + 8) >> 4)
                self.received += 1
                return True
            return self._on_unusual_packet(seq, timestamp, now, udelta)
        self._init_seq(seq, timestamp, now)
        self._started = True
        self.received += 1
        return True

    def on_sender_report(self, ntp_timestamp: int, now: float) -> None:
        """Remember the SR's time for the LSR/DLSR fields of our next report."""
        self._last_sr = ntp_middle32(ntp_timestamp)
        self._last_sr_time = now

    def report_block(self, now: float) -> ReportBlockValues | None:
        """The values for a report block at `now`; starts a new fraction-lost interval.

        None before any packet arrived: RFC 3550 §6.4 reports only sources heard from.
        """
        if not self._started:
            return None
        expected = self.expected
        expected_interval = expected - self._expected_prior
        received_interval = self.received - self._received_prior
        self._expected_prior = expected
        self._received_prior = self.received
        lost_interval = expected_interval - received_interval
        if expected_interval == 0 or lost_interval <= 0:
            fraction = 0
        else:
            fraction = (lost_interval << 8) // expected_interval  # RFC 3550 §A.3
        if self._last_sr:
            dlsr = min(int((now - self._last_sr_time) * SHORT_UNITS), 0xFFFFFFFF)
        else:
            dlsr = 0
        return ReportBlockValues(
            ssrc=self.ssrc,
            fraction_lost=min(fraction, 255),
            cumulative_lost=self.cumulative_lost,
            highest_sequence=self.extended_highest_sequence & 0xFFFFFFFF,
            jitter=self.jitter,
            last_sr=self._last_sr,
            delay_since_last_sr=max(dlsr, 0),
        )

    def _on_unusual_packet(self, seq: int, timestamp: int, now: float, udelta: int) -> bool:
        """RFC 3550 §A.1 beyond the in-order case: duplicates, misorder and large jumps."""
        if MAX_DROPOUT <= udelta <= SEQ_MOD - MAX_MISORDER:
            if seq != self._bad_seq:
                self._bad_seq = (seq + 1) & SEQ_MASK
                return False
            self._init_seq(seq, timestamp, now)  # two sequential packets: the source restarted
        # else: a duplicate or reordered packet, counted but not used for jitter (its transit
        # time says more about the reordering than about the network's jitter)
        self.received += 1
        return True

    def _init_seq(self, seq: int, timestamp: int, now: float) -> None:
        """RFC 3550 §A.1 init_seq(): (re)start counting at `seq`."""
        self._base_seq = seq
        self._max_seq = seq
        self._bad_seq = SEQ_MOD + 1
        self._cycles = 0
        self.received = 0
        self._received_prior = 0
        self._expected_prior = 0
        self._transit = int(now * self.clock_rate + 0.5) - timestamp
