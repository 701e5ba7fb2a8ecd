"""RFC 2198 audio redundancy as a receiver sees it: which earlier frames a RED payload carries.

Untrusted input: `parse_red_untrusted` gives a value or raises `BadPacket`, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.errors import BadPacket

RED_HEADER_SIZE = 4  # RFC 2198 §3: F | block PT (8 bits), timestamp offset (14), length (10)
MAX_BLOCKS = 16  # more redundant blocks than any sender uses: a malformed or hostile payload


@dataclass(frozen=True, slots=True)
class RedPayload:
    """Where the blocks of one RED payload are: `redundant` holds (timestamp offset, start, end)
    per earlier frame, oldest first; the primary block is data[primary_start:end]."""

    redundant: tuple[tuple[int, int, int], ...]
    primary_pt: int
    primary_start: int


def parse_red_untrusted(data: bytes, start: int, end: int) -> RedPayload:
    """The block layout of the RED payload in data[start:end] (RFC 2198 §3)."""
    if not 0 <= start <= end <= len(data):
        raise BadPacket("red: payload bounds outside the packet")
    headers: list[tuple[int, int]] = []
    position = start
    while True:
        if position >= end:
            raise BadPacket("red: no primary block header")
        first = data[position]
        if not first & 0x80:  # F=0: the primary's one-byte header ends the list
            break
        if position + RED_HEADER_SIZE > end or len(headers) >= MAX_BLOCKS:
            raise BadPacket("red: truncated or too many block headers")
        offset = (data[position + 1] << 6) | (data[position + 2] >> 2)
        length = ((data[position + 2] & 0x03) << 8) | data[position + 3]
        headers.append((offset, length))
        position += RED_HEADER_SIZE
    block = position + 1
    redundant = []
    for offset, length in headers:
        if block + length > end:
            raise BadPacket("red: block lengths run past the payload")
        redundant.append((offset, block, block + length))
        block += length
    return RedPayload(tuple(redundant), data[position] & 0x7F, block)
