"""RTCP feedback messages: PLI, FIR, generic NACK and REMB (RFC 4585, RFC 5104, REMB draft).

Body parsers follow `media.rtcp_header`'s shape and raise only BadPacket. Decisions:
- PLI: FCI bytes after the two SSRCs are ignored (RFC 4585 §6.3.1 defines none).
- FIR and NACK need whole FCI entries; a NACK needs at least one (RFC 4585 §6.2.1).
- NACK `lost` lists every requested sequence number in wire order; the encoder packs each entry
  with the following numbers up to 16 ahead of it (PID + BLP), so sorted input round-trips.
- REMB: the bitrate is mantissa << exponent as an exact Python int. Exponent 63 with the largest
  mantissa (≈2.4e24 b/s) does not fit in 64 bits; we keep it exact rather than reject it (it
  just means "no limit"). The encoder rounds down to what 18 bits of mantissa can say and clamps
  above the largest encodable value. A PSFB FMT 15 message that is not "REMB" is returned as None
  so the compound parser keeps it as an unknown packet (other application-layer feedback).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from media.errors import BadPacket
from media.rtcp_header import PT_PSFB, PT_RTPFB, SSRC_PAIR, need, wrap

FMT_NACK = 1  # RFC 4585 §6.2.1
FMT_TWCC = 15  # draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1
FMT_PLI = 1  # RFC 4585 §6.3.1
FMT_FIR = 4  # RFC 5104 §4.3.1
FMT_AFB = 15  # RFC 4585 §6.4: application layer feedback (REMB lives here)

REMB_IDENTIFIER = b"REMB"  # draft-alvestrand-rmcat-remb-03 §2.2
REMB_MANTISSA_BITS = 18
REMB_MAX_EXPONENT = 63  # 6-bit exponent
NACK_MASK_BITS = 16  # RFC 4585 §6.2.1: BLP

_FIR_ENTRY = struct.Struct("!IB3x")  # RFC 5104 §4.3.1.1: SSRC, seq nr, reserved
_NACK_ENTRY = struct.Struct("!HH")  # PID, BLP
_REMB_HEAD = struct.Struct("!4sBBH")  # "REMB", num SSRC, exp|mantissa high, mantissa low


@dataclass(frozen=True, slots=True)
class PictureLossIndication:
    """RFC 4585 §6.3.1."""

    sender_ssrc: int
    media_ssrc: int

    def encode(self) -> bytes:
        return wrap(PT_PSFB, FMT_PLI, SSRC_PAIR.pack(self.sender_ssrc, self.media_ssrc))


def parse_pli_untrusted(data: bytes, start: int, end: int, fmt: int) -> PictureLossIndication:
    need(end, start, 8, "PLI")
    return PictureLossIndication(*SSRC_PAIR.unpack_from(data, start))


@dataclass(frozen=True, slots=True)
class FullIntraRequest:
    """RFC 5104 §4.3.1: `entries` are (SSRC, command sequence number)."""

    sender_ssrc: int
    media_ssrc: int
    entries: tuple[tuple[int, int], ...]

    def encode(self) -> bytes:
        fci = [_FIR_ENTRY.pack(ssrc, seq & 0xFF) for ssrc, seq in self.entries]
        return wrap(PT_PSFB, FMT_FIR, b"".join((SSRC_PAIR.pack(self.sender_ssrc, self.media_ssrc),
                                                *fci)))


def parse_fir_untrusted(data: bytes, start: int, end: int, fmt: int) -> FullIntraRequest:
    need(end, start, 8, "FIR")
    sender, media = SSRC_PAIR.unpack_from(data, start)
    if (end - start - 8) % _FIR_ENTRY.size:
        raise BadPacket("rtcp: FIR has a partial FCI entry")
    entries = tuple(
        (entry[0], entry[1]) for entry in _FIR_ENTRY.iter_unpack(data[start + 8 : end])
    )
    return FullIntraRequest(sender, media, entries)


@dataclass(frozen=True, slots=True)
class GenericNack:
    """RFC 4585 §6.2.1, with the PID/BLP items expanded into sequence numbers."""

    sender_ssrc: int
    media_ssrc: int
    lost: tuple[int, ...]

    def encode(self) -> bytes:
        lost = self.lost
        if not lost:
            raise ValueError("rtcp: a NACK needs at least one sequence number")
        fci: list[bytes] = []
        i, count = 0, len(lost)
        while i < count:
            pid = lost[i] & 0xFFFF
            mask = 0
            i += 1
            while i < count:
                ahead = (lost[i] - pid) & 0xFFFF
                if not 1 <= ahead <= NACK_MASK_BITS:
                    break
                mask |= 1 << (ahead - 1)
                i += 1
            fci.append(_NACK_ENTRY.pack(pid, mask))
        return wrap(PT_RTPFB, FMT_NACK, b"".join((SSRC_PAIR.pack(self.sender_ssrc,
                                                                 self.media_ssrc), *fci)))


def parse_nack_untrusted(data: bytes, start: int, end: int, fmt: int) -> GenericNack:
    need(end, start, 12, "NACK")
    sender, media = SSRC_PAIR.unpack_from(data, start)
    if (end - start - 8) % _NACK_ENTRY.size:
        raise BadPacket("rtcp: NACK has a partial FCI entry")
    lost: list[int] = []
    for pid, mask in _NACK_ENTRY.iter_unpack(data[start + 8 : end]):
        lost.append(pid)
        bit = 0
        while mask:
            if mask & 1:
                lost.append((pid + bit + 1) & 0xFFFF)
            mask >>= 1
            bit += 1
    return GenericNack(sender, media, tuple(lost))


@dataclass(frozen=True, slots=True)
class ReceiverEstimatedMaxBitrate:
    """draft-alvestrand-rmcat-remb-03 §2.2; `bitrate` in bits per second."""

    sender_ssrc: int
    bitrate: int
    ssrcs: tuple[int, ...]

    def encode(self) -> bytes:
        if self.bitrate < 0 or len(self.ssrcs) > 255:
            raise ValueError("rtcp: REMB bitrate negative or more than 255 SSRCs")
        exponent = max(self.bitrate.bit_length() - REMB_MANTISSA_BITS, 0)
        mantissa = self.bitrate >> exponent
        if exponent > REMB_MAX_EXPONENT:
            exponent, mantissa = REMB_MAX_EXPONENT, (1 << REMB_MANTISSA_BITS) - 1
        head = _REMB_HEAD.pack(
            REMB_IDENTIFIER, len(self.ssrcs), exponent << 2 | mantissa >> 16, mantissa & 0xFFFF
        )
        ssrcs = struct.pack(f"!{len(self.ssrcs)}I", *self.ssrcs)
        # the media source SSRC of a REMB is always 0 (draft §2.2)
        return wrap(PT_PSFB, FMT_AFB, b"".join((SSRC_PAIR.pack(self.sender_ssrc, 0), head, ssrcs)))


def parse_afb_untrusted(
    data: bytes, start: int, end: int, fmt: int
) -> ReceiverEstimatedMaxBitrate | None:
    """A REMB, or None for application-layer feedback of another kind."""
    need(end, start, 8, "application layer feedback")
    if data[start + 8 : start + 12] != REMB_IDENTIFIER:
        return None
    need(end, start + 8, _REMB_HEAD.size, "REMB")
    sender = SSRC_PAIR.unpack_from(data, start)[0]
    _, count, high, low = _REMB_HEAD.unpack_from(data, start + 8)
    pos = start + 8 + _REMB_HEAD.size
    need(end, pos, 4 * count, "REMB SSRC list")
    ssrcs = struct.unpack_from(f"!{count}I", data, pos)
    bitrate = ((high & 0x03) << 16 | low) << (high >> 2)
    return ReceiverEstimatedMaxBitrate(sender, bitrate, ssrcs)
