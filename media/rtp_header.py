"""Hot-path RTP header access for forwarding (RFC 3550 §5.1, RFC 8285 §4.2).

The router touches every packet; a full `parse_rtp_untrusted` would build an object per packet.
These helpers read only what forwarding needs, straight from the bytes. They are untrusted
parsers too: any byte string gives a value or `BadPacket`.
"""

from __future__ import annotations

import struct

from media.errors import BadPacket
from media.rtp import ONE_BYTE_PROFILE

FIXED_HEADER = struct.Struct("!BBHII")  # V/P/X/CC, M/PT, sequence, timestamp, SSRC
_U16 = struct.Struct("!H")


def parse_rtp_layout_untrusted(data: bytes) -> tuple[int, int, int, int]:
    """Return (extension_start, extension_end, payload_start, payload_end) of an RTP packet.

    extension_start == extension_end when the packet has no one-byte extension block. Padding
    (RFC 3550 §5.1 P bit) is excluded from the payload; a padding count of 0 or past the payload
    is rejected.
    """
    length = len(data)
    if length < 12:
        raise BadPacket("rtp: shorter than the fixed header")
    first = data[0]
    if first >> 6 != 2:
        raise BadPacket("rtp: version is not 2")
    offset = 12 + 4 * (first & 0x0F)
    ext_start = ext_end = offset
    if first & 0x10:
        if offset + 4 > length:
            raise BadPacket("rtp: truncated extension header")
        profile = _U16.unpack_from(data, offset)[0]
        words = _U16.unpack_from(data, offset + 2)[0]
        body = offset + 4
        offset = body + 4 * words
        if profile == ONE_BYTE_PROFILE:
            ext_start, ext_end = body, offset
        else:
            ext_start = ext_end = offset
    end = length
    if first & 0x20:
        if end <= offset:
            raise BadPacket("rtp: padding bit without room for a padding count")
        padding = data[end - 1]
        if padding == 0 or padding > end - offset:
            raise BadPacket("rtp: invalid padding count")
        end -= padding
    if offset > end:
        raise BadPacket("rtp: header longer than the packet")
    return ext_start, ext_end, offset, end


def find_one_byte_extension(data: bytes, start: int, end: int, wanted: int) -> bytes | None:
    """The value of one-byte extension `wanted` in data[start:end], or None (RFC 8285 §4.2).

    ID 0 is padding; ID 15 ends parsing. The block bounds come from `parse_rtp_layout_untrusted`,
    so a truncated element simply ends the walk.
    """
    position = start
    while position < end:
        header = data[position]
        if header == 0:
            position += 1
            continue
        element_id = header >> 4
        if element_id == 15:
            return None
        size = (header & 0x0F) + 1
        value_start = position + 1
        position = value_start + size
        if position > end:
            return None
        if element_id == wanted:
            return data[value_start:position]
    return None
