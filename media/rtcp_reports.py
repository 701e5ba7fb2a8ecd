"""RTCP sender/receiver reports, source description and BYE (RFC 3550 §6.4-§6.6).

Body parsers follow `media.rtcp_header`'s shape and raise only BadPacket. Decisions:
- Bytes after the report blocks of an SR/RR are profile-specific extensions (RFC 3550 §6.4.1);
  they are skipped, not kept.
- Cumulative loss is a signed 24-bit field; the encoder clamps it to that range as RFC 3550 §A.3
  prescribes instead of failing.
- SDES: every chunk needs its null terminator (RFC 3550 §6.5); the chunks must fill the body.
- BYE: `reason` is None when absent, bytes (maybe empty) when a length octet is present.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from media.errors import BadPacket
from media.rtcp_header import PT_BYE, PT_RR, PT_SDES, PT_SR, U32, need, wrap

REPORT_BLOCK_SIZE = 24  # RFC 3550 §6.4.1
SENDER_INFO_SIZE = 20  # RFC 3550 §6.4.1: NTP (8), RTP timestamp, packet count, octet count
MAX_ITEM_LENGTH = 255  # RFC 3550 §6.5: one length octet
LOST_MIN, LOST_MAX = -(1 << 23), (1 << 23) - 1  # RFC 3550 §6.4.1: signed 24-bit

_BLOCK = struct.Struct("!IIIIII")  # ssrc, fraction|lost, highest seq, jitter, LSR, DLSR
_SENDER = struct.Struct("!IQIII")  # reporter SSRC + sender info


@dataclass(frozen=True, slots=True)
class ReportBlock:
    """One reception report (RFC 3550 §6.4.1); `cumulative_lost` is signed."""

    ssrc: int
    fraction_lost: int
    cumulative_lost: int
    highest_sequence: int
    jitter: int
    last_sr: int
    delay_since_last_sr: int

    def encode(self) -> bytes:
        lost = min(max(self.cumulative_lost, LOST_MIN), LOST_MAX) & 0xFFFFFF
        return _BLOCK.pack(
            self.ssrc, (self.fraction_lost << 24) | lost, self.highest_sequence, self.jitter,
            self.last_sr, self.delay_since_last_sr,
        )


def _parse_blocks(data: bytes, pos: int, end: int, count: int) -> tuple[ReportBlock, ...]:
    need(end, pos, REPORT_BLOCK_SIZE * count, "report block list")
    blocks = []
    for _ in range(count):
        ssrc, loss, highest, jitter, lsr, dlsr = _BLOCK.unpack_from(data, pos)
        lost = loss & 0xFFFFFF
        if lost & 0x800000:
            lost -= 1 << 24
        blocks.append(ReportBlock(ssrc, loss >> 24, lost, highest, jitter, lsr, dlsr))
        pos += REPORT_BLOCK_SIZE
    return tuple(blocks)


@dataclass(frozen=True, slots=True)
class SenderReport:
    """RFC 3550 §6.4.1; `ntp_timestamp` is the full 64-bit NTP time."""

    ssrc: int
    ntp_timestamp: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int
    reports: tuple[ReportBlock, ...] = ()

    def encode(self) -> bytes:
        head = _SENDER.pack(
            self.ssrc, self.ntp_timestamp, self.rtp_timestamp, self.packet_count, self.octet_count
        )
        body = b"".join((head, *(block.encode() for block in self.reports)))
        return wrap(PT_SR, len(self.reports), body)


def parse_sender_report_untrusted(data: bytes, start: int, end: int, count: int) -> SenderReport:
    need(end, start, 4 + SENDER_INFO_SIZE, "sender report")
    ssrc, ntp, rtp_ts, packets, octets = _SENDER.unpack_from(data, start)
    blocks = _parse_blocks(data, start + 4 + SENDER_INFO_SIZE, end, count)
    return SenderReport(ssrc, ntp, rtp_ts, packets, octets, blocks)


@dataclass(frozen=True, slots=True)
class ReceiverReport:
    """RFC 3550 §6.4.2."""

    ssrc: int
    reports: tuple[ReportBlock, ...] = ()

    def encode(self) -> bytes:
        body = b"".join((U32.pack(self.ssrc), *(block.encode() for block in self.reports)))
        return wrap(PT_RR, len(self.reports), body)


def parse_receiver_report_untrusted(
    data: bytes, start: int, end: int, count: int
) -> ReceiverReport:
    need(end, start, 4, "receiver report")
    blocks = _parse_blocks(data, start + 4, end, count)
    return ReceiverReport(U32.unpack_from(data, start)[0], blocks)


SdesChunk = tuple[int, tuple[tuple[int, bytes], ...]]  # (SSRC/CSRC, ((item type, value), ...))

SDES_CNAME = 1  # RFC 3550 §6.5.1


@dataclass(frozen=True, slots=True)
class SourceDescription:
    """RFC 3550 §6.5: chunks of (SSRC, ((item type, value), ...)); PRIV values stay raw."""

    chunks: tuple[SdesChunk, ...] = ()

    def encode(self) -> bytes:
        parts: list[bytes] = []
        for ssrc, items in self.chunks:
            chunk = bytearray(U32.pack(ssrc))
            for item_type, value in items:
                if not 1 <= item_type <= 255 or len(value) > MAX_ITEM_LENGTH:
                    raise ValueError("rtcp: SDES item type or length out of range")
                chunk.append(item_type)
                chunk.append(len(value))
                chunk += value
            chunk += bytes(4 - len(chunk) % 4)  # the null terminator plus padding to 32 bits
            parts.append(bytes(chunk))
        return wrap(PT_SDES, len(self.chunks), b"".join(parts))


def parse_source_description_untrusted(
    data: bytes, start: int, end: int, count: int
) -> SourceDescription:
    pos = start
    chunks: list[SdesChunk] = []
    for _ in range(count):
        need(end, pos, 4, "SDES chunk")
        ssrc = U32.unpack_from(data, pos)[0]
        chunk_start = pos
        pos += 4
        items: list[tuple[int, bytes]] = []
        while True:
            need(end, pos, 1, "SDES item list")
            item_type = data[pos]
            if item_type == 0:  # end of the item list, then pad to the next 32-bit boundary
                pos += 4 - (pos - chunk_start) % 4
                if pos > end:
                    raise BadPacket("rtcp: SDES chunk padding is truncated")
                break
            need(end, pos, 2, "SDES item")
            value_end = pos + 2 + data[pos + 1]
            if value_end > end:
                raise BadPacket("rtcp: SDES item is truncated")
            items.append((item_type, data[pos + 2 : value_end]))
            pos = value_end
        chunks.append((ssrc, tuple(items)))
    if pos != end:
        raise BadPacket("rtcp: SDES chunks do not fill the packet")
    return SourceDescription(tuple(chunks))


@dataclass(frozen=True, slots=True)
class Bye:
    """RFC 3550 §6.6."""

    ssrcs: tuple[int, ...]
    reason: bytes | None = None

    def encode(self) -> bytes:
        parts = [U32.pack(ssrc) for ssrc in self.ssrcs]
        if self.reason is not None:
            if len(self.reason) > MAX_ITEM_LENGTH:
                raise ValueError("rtcp: BYE reason longer than 255 octets")
            parts.append(bytes((len(self.reason),)) + self.reason)
            parts.append(bytes(-(1 + len(self.reason)) % 4))  # RFC 3550 §6.6: null padding
        return wrap(PT_BYE, len(self.ssrcs), b"".join(parts))


def parse_bye_untrusted(data: bytes, start: int, end: int, count: int) -> Bye:
    need(end, start, 4 * count, "BYE source list")
    ssrcs = struct.unpack_from(f"!{count}I", data, start)
    pos = start + 4 * count
    reason = None
    if pos < end:
        reason_end = pos + 1 + data[pos]
        if reason_end > end:
            raise BadPacket("rtcp: BYE reason is truncated")
        reason = data[pos + 1 : reason_end]
    return Bye(ssrcs, reason)
