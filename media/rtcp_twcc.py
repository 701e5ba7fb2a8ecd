"""Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01).

Representation: `packets` lists every transport sequence number the feedback covers, in order, as
(sequence number, receive delta in µs) with None for "not received". The first received packet's
delta is relative to the reference time (`reference_time` × 64 ms); every later one is relative to
the previous received packet. On the wire deltas are in units of 250 µs (§3.1.5): one unsigned
octet (0..63.75 ms, "small") or a signed 16-bit value (−8192..8191.75 ms, "large"); we report µs
(pion does too; mediasoup reports truncated ms).

Decisions where peers disagree:
- RTCP padding is honoured: receive deltas are never read from the bytes the padding count claims
  (pion does: its "valid" examples 2 and 5 are BadPacket here), and a P bit with a padding count
  of 0 is invalid as everywhere in RTCP (pion's example 3, its own encoder's output).
- `reference_time` is the signed 24-bit field.
- Status symbol 3 (reserved, §3.1.1) in a chunk is BadPacket, so are deltas missing from the
  packet. Symbols a chunk carries beyond the status count are ignored (§3.1.4 vector padding),
  and so are up to 3 trailing bytes after the deltas (zero alignment without the P bit).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from media.errors import BadPacket
from media.rtcp_feedback import FMT_TWCC
from media.rtcp_header import PT_RTPFB, need, wrap

DELTA_UNIT_US = 250  # §3.1.5: receive deltas are multiples of 250 µs
REFERENCE_UNIT_US = 64_000  # §3.1: reference time is in multiples of 64 ms
SMALL_MAX = 0xFF  # §3.1.5: one unsigned octet
LARGE_MIN, LARGE_MAX = -0x8000, 0x7FFF  # §3.1.5: signed 16 bits
REFERENCE_MIN, REFERENCE_MAX = -(1 << 23), (1 << 23) - 1  # signed 24-bit field
MAX_STATUS_COUNT = 0xFFFF  # §3.1: 16-bit packet status count
HEAD_SIZE = 20  # common header + SSRCs + base seq/count + reference time/fb count

NOT_RECEIVED, SMALL_DELTA, LARGE_DELTA, RESERVED = 0, 1, 2, 3  # §3.1.1 status symbols
RUN_MAX = 0x1FFF  # §3.1.3: 13-bit run length
ONE_BIT_CAPACITY = 14  # §3.1.4: 14 one-bit symbols per status vector chunk
TWO_BIT_CAPACITY = 7  # §3.1.4: 7 two-bit symbols per status vector chunk

_HEAD = struct.Struct("!IIHHI")  # sender SSRC, media SSRC, base seq, count, ref time | fb count
_I16 = struct.Struct("!h")
_RUNS = re.compile(rb"([\x00-\x02])\1*")  # runs of one status symbol, found in C

TwccPacket = tuple[int, int | None]  # (transport sequence number, delta in µs or None)


@dataclass(frozen=True, slots=True)
class TransportCcFeedback:
    """One transport-cc feedback packet (RTPFB FMT 15); see the module docstring for units."""

    sender_ssrc: int
    media_ssrc: int
    base_sequence: int
    reference_time: int  # signed, units of 64 ms
    feedback_count: int
    packets: tuple[TwccPacket, ...]

    def encode(self) -> bytes:
        if not REFERENCE_MIN <= self.reference_time <= REFERENCE_MAX:
            raise ValueError("rtcp: transport-cc reference time outside signed 24 bits")
        if len(self.packets) > MAX_STATUS_COUNT:
            raise ValueError("rtcp: transport-cc feedback covers more than 65535 packets")
        symbols = bytearray()
        deltas = bytearray()
        base = self.base_sequence
        for index, (sequence, delta_us) in enumerate(self.packets):
            if sequence != (base + index) & 0xFFFF:
                raise ValueError("rtcp: transport-cc packets must be consecutive from the base")
            if delta_us is None:
                symbols.append(NOT_RECEIVED)
                continue
            ticks, rest = divmod(delta_us, DELTA_UNIT_US)
            if rest:
                raise ValueError("rtcp: transport-cc deltas are multiples of 250 µs")
            if 0 <= ticks <= SMALL_MAX:
                symbols.append(SMALL_DELTA)
                deltas.append(ticks)
            elif LARGE_MIN <= ticks <= LARGE_MAX:
                symbols.append(LARGE_DELTA)
                deltas += _I16.pack(ticks)
            else:
                raise ValueError("rtcp: transport-cc delta does not fit in 16 bits")
        head = _HEAD.pack(
            self.sender_ssrc, self.media_ssrc, base, len(self.packets),
            (self.reference_time & 0xFFFFFF) << 8 | (self.feedback_count & 0xFF),
        )
        writer = StatusChunkWriter()
        for run in _RUNS.finditer(symbols):
            writer.add(symbols[run.start()], run.end() - run.start())
        chunks = writer.finish()
        return wrap(PT_RTPFB, FMT_TWCC, b"".join((head, struct.pack(f"!{len(chunks)}H", *chunks),
                                                  deltas)))


def _chunk_symbols(chunk: int, symbols: bytearray, wanted: int) -> None:
    """Append the status symbols of one packet status chunk (§3.1.3, §3.1.4), up to `wanted`."""
    if chunk < 0x8000:  # run length chunk
        symbols += bytes((chunk >> 13,)) * min(chunk & RUN_MAX, wanted)
    elif chunk < 0xC000:  # status vector, 14 one-bit symbols
        symbols += bytes((chunk >> shift) & 1 for shift in range(13, -1, -1))
    else:  # status vector, 7 two-bit symbols
        symbols += bytes((chunk >> shift) & 3 for shift in range(12, -1, -2))


def parse_transport_cc_untrusted(
    data: bytes, start: int, end: int, fmt: int
) -> TransportCcFeedback:
    need(end, start, _HEAD.size, "transport-cc feedback")
    sender, media, base, count, reference = _HEAD.unpack_from(data, start)
    pos = start + _HEAD.size
    symbols = bytearray()
    while len(symbols) < count:
        need(end, pos, 2, "transport-cc packet status chunk")
        _chunk_symbols(data[pos] << 8 | data[pos + 1], symbols, count - len(symbols))
        pos += 2
    del symbols[count:]
    if RESERVED in symbols:
        raise BadPacket("rtcp: transport-cc reserved status symbol")
    need(end, pos, symbols.count(SMALL_DELTA) + 2 * symbols.count(LARGE_DELTA), "receive deltas")
    packets: list[TwccPacket] = []
    append = packets.append
    for index, symbol in enumerate(symbols):
        sequence = (base + index) & 0xFFFF
        if symbol == SMALL_DELTA:
            append((sequence, data[pos] * DELTA_UNIT_US))
            pos += 1
        elif symbol == LARGE_DELTA:
            append((sequence, _I16.unpack_from(data, pos)[0] * DELTA_UNIT_US))
            pos += 2
        else:
            append((sequence, None))
    if end - pos > 3:
        raise BadPacket("rtcp: transport-cc has bytes after the receive deltas")
    reference_time = reference >> 8
    if reference_time > REFERENCE_MAX:
        reference_time -= 1 << 24
    feedback_count = reference & 0xFF
    return TransportCcFeedback(sender, media, base, reference_time, feedback_count, tuple(packets))


class StatusChunkWriter:
    """Streams status symbols into packet status chunks (§3.1.2-§3.1.4).

    Pending symbols accumulate until the next one fits no chunk kind: a run while all are equal
    (up to 8191), a one-bit vector while none is a large delta (14), a two-bit vector (7). Then the
    pending symbols are emitted as the one chunk that holds them — or, for a two-bit vector, its
    first 7, keeping the rest pending. The chunk count so far is exact, which lets the feedback
    builder stop before a packet outgrows its size budget.
    """

    __slots__ = ("chunks", "_size", "_first", "_uniform", "_large", "_symbols")

    def __init__(self) -> None:
        self.chunks: list[int] = []
        self._size = 0
        self._first = 0
        self._uniform = True
        self._large = False
        self._symbols: list[int] = []  # the first ONE_BIT_CAPACITY pending symbols

    def _clear(self) -> None:
        self._size = 0
        self._uniform = True
        self._large = False
        self._symbols = []

    def _fits(self, symbol: int) -> bool:
        size = self._size
        return (
            size < TWO_BIT_CAPACITY
            or (size < ONE_BIT_CAPACITY and not self._large and symbol != LARGE_DELTA)
            or (self._uniform and symbol == self._first and size < RUN_MAX)
        )

    def _push(self, symbol: int, repeat: int = 1) -> None:
        if self._size == 0:
            self._first = symbol
        elif symbol != self._first:
            self._uniform = False
        if symbol == LARGE_DELTA:
            self._large = True
        symbols = self._symbols
        if len(symbols) < ONE_BIT_CAPACITY:
            if repeat == 1:
                symbols.append(symbol)
            else:
                symbols.extend((symbol,) * min(ONE_BIT_CAPACITY - len(symbols), repeat))
        self._size += repeat

    def _emit(self, final: bool) -> None:
        """Turn pending symbols into chunks; `final` allows a short, zero-padded vector."""
        symbols = self._symbols
        if self._uniform:
            self.chunks.append(self._first << 13 | self._size)
        elif not self._large and (self._size == ONE_BIT_CAPACITY or final):
            bits = 0
            for symbol in symbols:
                bits = bits << 1 | symbol
            self.chunks.append(0x8000 | bits << (ONE_BIT_CAPACITY - len(symbols)))
        else:
            head, rest = symbols[:TWO_BIT_CAPACITY], symbols[TWO_BIT_CAPACITY : self._size]
            bits = 0
            for symbol in head:
                bits = bits << 2 | symbol
            self.chunks.append(0xC000 | bits << 2 * (TWO_BIT_CAPACITY - len(head)))
            self._clear()
            for symbol in rest:
                self._push(symbol)
            return
        self._clear()

    def add(self, symbol: int, repeat: int = 1) -> None:
        """Append `repeat` copies of one status symbol."""
        if repeat == 1:  # the common case, without the loop
            if self._size and not self._fits(symbol):
                self._emit(final=False)
            self._push(symbol)
            return
        while repeat > 0:
            if self._size and not self._fits(symbol):
                self._emit(final=False)
            if self._size == 0 or (self._uniform and symbol == self._first):
                take = min(repeat, RUN_MAX - self._size)
            else:
                take = 1
            self._push(symbol, take)
            repeat -= take

    def chunk_count(self) -> int:
        """How many chunks `finish()` would return now."""
        size = self._size
        if size == 0:
            pending = 0
        elif self._uniform or size <= TWO_BIT_CAPACITY or not self._large:
            pending = 1
        else:
            pending = 2
        return len(self.chunks) + pending

    def snapshot(self) -> tuple[int, int, int, bool, bool, tuple[int, ...]]:
        return (len(self.chunks), self._size, self._first, self._uniform, self._large,
                tuple(self._symbols))

    def restore(self, state: tuple[int, int, int, bool, bool, tuple[int, ...]]) -> None:
        emitted, self._size, self._first, self._uniform, self._large, symbols = state
        del self.chunks[emitted:]
        self._symbols = list(symbols)

    def finish(self) -> list[int]:
        """All chunks, the pending symbols included; the writer is then empty."""
        while self._size:
            self._emit(final=True)
        chunks, self.chunks = self.chunks, []
        return chunks
