"""The RTCP common header (RFC 3550 §6.4.1) shared by every RTCP packet codec.

Body parsers in the `rtcp_*` modules all have the shape `(data, start, end, count) -> packet`:
the body is `data[start:end]` (after the 4-byte header, padding already removed) and `count` is the
5-bit RC/SC/FMT field. They work on offsets so a compound packet is never copied.
"""

from __future__ import annotations

import struct

from media.errors import BadPacket

RTCP_VERSION = 2  # RFC 3550 §6.4.1
HEADER_SIZE = 4
MAX_COUNT = 31  # RFC 3550 §6.4.1: RC/SC is 5 bits
MAX_BODY_SIZE = 4 * 0xFFFF  # the 16-bit length counts 32-bit words minus one

PT_SR = 200  # RFC 3550 §6.4.1
PT_RR = 201  # RFC 3550 §6.4.2
PT_SDES = 202  # RFC 3550 §6.5
PT_BYE = 203  # RFC 3550 §6.6
PT_APP = 204  # RFC 3550 §6.7
PT_RTPFB = 205  # RFC 4585 §6.1: transport-layer feedback
PT_PSFB = 206  # RFC 4585 §6.1: payload-specific feedback

HEADER = struct.Struct("!BBH")  # V/P/count, packet type, length in words - 1
U32 = struct.Struct("!I")
SSRC_PAIR = struct.Struct("!II")  # RFC 4585 §6.1: packet sender, media source


def wrap(packet_type: int, count: int, body: bytes | bytearray) -> bytes:
    """Prefix `body` with the common header; pads with RTCP padding (P bit) to 32 bits."""
    if not 0 <= count <= MAX_COUNT:
        raise ValueError(f"rtcp: count {count} does not fit in 5 bits")
    padding = -len(body) % 4
    if len(body) + padding > MAX_BODY_SIZE:
        raise ValueError("rtcp: packet too long for the 16-bit length field")
    first = RTCP_VERSION << 6 | count
    if padding:
        first |= 0x20
        tail = bytes(padding - 1) + bytes((padding,))
    else:
        tail = b""
    header = HEADER.pack(first, packet_type, (len(body) + padding) // 4)
    return b"".join((header, body, tail))


def need(end: int, pos: int, size: int, what: str) -> None:
    """BadPacket unless `size` bytes starting at `pos` lie before `end`."""
    if pos + size > end:
        raise BadPacket(f"rtcp: {what} is truncated")
