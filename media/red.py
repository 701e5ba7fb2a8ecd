"""RFC 2198 audio redundancy (RED): one encoder and the parsers, for the SFU and its clients.

A RED payload lists 4-byte headers for the earlier ("redundant") blocks (F=1, block payload
type, 14-bit timestamp offset, 10-bit length), then the primary's 1-byte header (F=0, payload
type), then the blocks' data in the same order, the primary last (RFC 2198 §3).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from media.errors import BadPacket

RED_HEADER_SIZE = 4  # RFC 2198 §3: F | block PT (8 bits), timestamp offset (14), length (10)
RED_MAX_OFFSET = (1 << 14) - 1  # RFC 2198 §3: 14-bit timestamp offset
RED_MAX_LENGTH = (1 << 10) - 1  # RFC 2198 §3: 10-bit block length
MAX_BLOCKS = 16  # more redundant blocks than any sender uses: a malformed or hostile payload
_BLOCK_HEADER = struct.Struct("!I")


def encode_red(block_pt: int, primary: bytes, earlier: Sequence[tuple[int, bytes]]) -> bytes:
    """A RED payload: `earlier` is (timestamp offset, data) per redundant block, oldest first,
    all of payload type `block_pt`, like the primary."""
    for offset, data in earlier:
        if not 0 < offset <= RED_MAX_OFFSET or len(data) > RED_MAX_LENGTH:
            raise ValueError("a RED block's offset or length does not fit RFC 2198's fields")
    headers = b"".join(
        _BLOCK_HEADER.pack(((0x80 | block_pt) << 24) | (offset << 10) | len(data))
        for offset, data in earlier
    )
    return b"".join((headers, bytes((block_pt,)), *(data for _, data in earlier), primary))


def red_primary_untrusted(payload: bytes, start: int, end: int) -> tuple[int, int] | None:
    """(payload type, start) of the primary block in payload[start:end], or None if malformed.
    Allocation-free: the SFU's per-packet path uses it to unwrap or rebuild RED."""
    position = start
    redundant = 0
    while position < end:
        header = payload[position]
        if not header & 0x80:
            data = position + 1 + redundant
            return (header & 0x7F, data) if data <= end else None
        if position + RED_HEADER_SIZE > end:
            return None
        redundant += ((payload[position + 2] & 0x03) << 8) | payload[position + 3]
        position += RED_HEADER_SIZE
    return None


@dataclass(frozen=True, slots=True)
class RedPayload:
    """Where the blocks of one RED payload are: `redundant` holds (timestamp offset, start, end)
    per earlier frame, oldest first; the primary block is data[primary_start:end]."""

    redundant: tuple[tuple[int, int, int], ...]
    primary_pt: int
    primary_start: int


def parse_red_untrusted(data: bytes, start: int, end: int) -> RedPayload:
    """The whole block layout of the RED payload in data[start:end] (what a receiver needs)."""
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
