"""RTP packets (RFC 3550 §5.1) with RFC 8285 header extensions: an untrusted parser and an encoder.

Parsing is on the per-packet path, so it reads with precompiled `struct.Struct`s, keeps the payload
as offsets into the original datagram (`raw[payload_offset:payload_end]`, no copy) and builds one
small dict for the extension elements.

Decisions where peers disagree (see the conformance README):

- Only version 2 is RTP; anything else is `BadPacket`.
- Padding (P bit): the last octet counts the padding including itself, so a count of 0, or a count
  larger than everything after the header (payload + padding), is `BadPacket`. A packet that is
  all padding (empty payload) is valid: browsers send those as bandwidth probes.
- One-byte form (0xBEDE, RFC 8285 §4.2): a zero byte is padding and skipped. ID 15 ends parsing
  (its length is ignored); so does a non-zero byte with ID 0 (not valid padding; pion does the
  same). A block that ends early is fine, an element running past the block is `BadPacket`.
- Two-byte form (0x100X, RFC 8285 §4.3): a zero ID byte is one byte of padding; values may be
  empty. Other profiles are skipped over: `extension_profile` is set, `extensions` stays empty.
- A repeated ID: the last element wins.

The 16-bit sequence and 32-bit timestamp arithmetic lives in `media.seqnum` and is re-exported
here, so packet code has one import.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

from media.errors import BadPacket
from media.seqnum import (
    SequenceUnwrapper,
    TimestampUnwrapper,
    seq_diff,
    seq_newer,
    ts_diff,
    ts_newer,
)

__all__ = [
    "ONE_BYTE_PROFILE",
    "RtpPacket",
    "SequenceUnwrapper",
    "TimestampUnwrapper",
    "TWO_BYTE_PROFILE",
    "encode_extension_block",
    "encode_rtp",
    "parse_extension_block_untrusted",
    "parse_rtp_untrusted",
    "seq_diff",
    "seq_newer",
    "ts_diff",
    "ts_newer",
]

RTP_VERSION = 2  # RFC 3550 §5.1
FIXED_HEADER_SIZE = 12  # RFC 3550 §5.1
ONE_BYTE_PROFILE = 0xBEDE  # RFC 8285 §4.2
TWO_BYTE_PROFILE = 0x1000  # RFC 8285 §4.3: 0x100 + 4 "appbits"
ONE_BYTE_MAX_ID = 14  # RFC 8285 §4.2: 15 is reserved
ONE_BYTE_MAX_LENGTH = 16  # RFC 8285 §4.2: the 4-bit length field is length - 1
TWO_BYTE_MAX_ID = 255  # RFC 8285 §4.3
TWO_BYTE_MAX_LENGTH = 255  # RFC 8285 §4.3
MAX_PADDING = 255  # RFC 3550 §5.1: the count is one octet

_FIXED = struct.Struct("!BBHII")  # V/P/X/CC, M/PT, sequence number, timestamp, SSRC
_EXT_HEADER = struct.Struct("!HH")  # profile, length in 32-bit words
_CSRCS = tuple(struct.Struct(f"!{n}I") for n in range(16))  # CC is 4 bits


@dataclass(slots=True)
class RtpPacket:
    """One parsed RTP packet; the payload is `raw[payload_offset:payload_end]`."""

    payload_type: int
    marker: bool
    sequence_number: int
    timestamp: int
    ssrc: int
    csrcs: tuple[int, ...]
    extension_profile: int | None  # the 16-bit "defined by profile" field, None without X bit
    extensions: dict[int, bytes]  # RFC 8285 elements by local ID (empty for other profiles)
    payload_offset: int
    payload_end: int
    padding_size: int
    raw: bytes = field(repr=False)

    @property
    def payload(self) -> bytes:
        """A copy of the payload; slice `raw` yourself where a copy is not wanted."""
        return self.raw[self.payload_offset : self.payload_end]


def _parse_one_byte(data: bytes, pos: int, end: int) -> dict[int, bytes]:
    extensions: dict[int, bytes] = {}
    while pos < end:
        header = data[pos]
        if header == 0:  # padding
            pos += 1
            continue
        ident = header >> 4
        if ident == 15 or ident == 0:  # RFC 8285 §4.2: 15 stops; ID 0 with a length is not padding
            break
        value_end = pos + 2 + (header & 0x0F)
        if value_end > end:
            raise BadPacket("rtp: one-byte extension element runs past the block")
        extensions[ident] = data[pos + 1 : value_end]
        pos = value_end
    return extensions


def _parse_two_byte(data: bytes, pos: int, end: int) -> dict[int, bytes]:
    extensions: dict[int, bytes] = {}
    while pos < end:
        ident = data[pos]
        if ident == 0:  # padding
            pos += 1
            continue
        if pos + 2 > end:
            raise BadPacket("rtp: two-byte extension element header is truncated")
        value_end = pos + 2 + data[pos + 1]
        if value_end > end:
            raise BadPacket("rtp: two-byte extension element runs past the block")
        extensions[ident] = data[pos + 2 : value_end]
        pos = value_end
    return extensions


def parse_extension_block_untrusted(profile: int, block: bytes) -> dict[int, bytes]:
    """The elements of an extension block body (after profile and length); {} for other profiles."""
    if profile == ONE_BYTE_PROFILE:
        return _parse_one_byte(block, 0, len(block))
    if profile & 0xFFF0 == TWO_BYTE_PROFILE:
        return _parse_two_byte(block, 0, len(block))
    return {}


def parse_rtp_untrusted(data: bytes) -> RtpPacket:
    """Parse one RTP datagram; any malformed input raises `BadPacket` only."""
    size = len(data)
    if size < FIXED_HEADER_SIZE:
        raise BadPacket("rtp: shorter than the fixed header")
    first, second, sequence_number, timestamp, ssrc = _FIXED.unpack_from(data)
    if first >> 6 != RTP_VERSION:
        raise BadPacket("rtp: version is not 2")
    csrc_count = first & 0x0F
    offset = FIXED_HEADER_SIZE + 4 * csrc_count
    if offset > size:
        raise BadPacket("rtp: CSRC list is truncated")
    csrcs: tuple[int, ...] = ()
    if csrc_count:
        csrcs = _CSRCS[csrc_count].unpack_from(data, FIXED_HEADER_SIZE)
    profile: int | None = None
    extensions: dict[int, bytes] = {}
    if first & 0x10:
        if offset + 4 > size:
            raise BadPacket("rtp: extension header is truncated")
        profile, words = _EXT_HEADER.unpack_from(data, offset)
        start = offset + 4
        offset = start + 4 * words
        if offset > size:
            raise BadPacket("rtp: extension block runs past the packet")
        if profile == ONE_BYTE_PROFILE:
            extensions = _parse_one_byte(data, start, offset)
        elif profile & 0xFFF0 == TWO_BYTE_PROFILE:
            extensions = _parse_two_byte(data, start, offset)
    end = size
    padding = 0
    if first & 0x20:
        padding = data[-1]
        if padding == 0 or padding > size - offset:
            raise BadPacket("rtp: invalid padding count")
        end -= padding
    return RtpPacket(
        second & 0x7F, second >> 7 == 1, sequence_number, timestamp, ssrc, csrcs, profile,
        extensions, offset, end, padding, data,
    )


def encode_extension_block(extensions: Mapping[int, bytes]) -> bytearray:
    """The header extension (profile, length, elements, zero padding) for `extensions`.

    One-byte form when every ID is 1..14 and every value 1..16 bytes, else two-byte (RFC 8285
    §4.3); `ValueError` when an element fits neither.
    """
    block = bytearray(4)
    one_byte = True
    for ident, value in extensions.items():
        if not (0 < ident <= ONE_BYTE_MAX_ID and 0 < len(value) <= ONE_BYTE_MAX_LENGTH):
            one_byte = False
            break
    if one_byte:
        profile = ONE_BYTE_PROFILE
        for ident, value in extensions.items():
            block.append((ident << 4) | (len(value) - 1))
            block += value
    else:
        profile = TWO_BYTE_PROFILE
        for ident, value in extensions.items():
            if not (0 < ident <= TWO_BYTE_MAX_ID and len(value) <= TWO_BYTE_MAX_LENGTH):
                raise ValueError(f"rtp: extension {ident} with {len(value)} bytes does not fit")
            block.append(ident)
            block.append(len(value))
            block += value
    block += bytes(-len(block) % 4)
    _EXT_HEADER.pack_into(block, 0, profile, len(block) // 4 - 1)
    return block


def encode_rtp(
    payload_type: int,
    marker: bool,
    sequence_number: int,
    timestamp: int,
    ssrc: int,
    payload: bytes | memoryview,
    *,
    extensions: Mapping[int, bytes] = {},  # noqa: B006 - read only
    csrcs: tuple[int, ...] = (),
    padding_size: int = 0,
) -> bytes:
    """An RTP datagram; one-byte extension form when every element allows it, else two-byte.

    `padding_size` counts all padding octets including the final count octet (0 = no P bit).
    Out-of-range arguments raise `ValueError` (encoding is trusted code calling us).
    """
    if not 0 <= payload_type <= 127 or len(csrcs) > 15 or not 0 <= padding_size <= MAX_PADDING:
        raise ValueError("rtp: payload type, CSRC count or padding out of range")
    first = RTP_VERSION << 6 | len(csrcs)
    if padding_size:
        first |= 0x20
    ext: bytes | bytearray = b""
    if extensions:
        first |= 0x10
        ext = encode_extension_block(extensions)
    try:
        header = _FIXED.pack(
            first, payload_type | (0x80 if marker else 0), sequence_number, timestamp, ssrc
        )
        csrc_bytes = _CSRCS[len(csrcs)].pack(*csrcs) if csrcs else b""
    except struct.error as exc:
        raise ValueError(f"rtp: header field out of range: {exc}") from None
    pad = bytes(padding_size - 1) + bytes((padding_size,)) if padding_size else b""
    return b"".join((header, csrc_bytes, ext, payload, pad))
