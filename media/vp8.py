"""The VP8 RTP payload descriptor (RFC 7741 §4.2) and the key-frame test (RFC 7741 §4.3).

The router checks every video packet for a key frame (layer switches wait for one), so
`is_vp8_keyframe` reads the bytes directly and allocates nothing; the full descriptor value is
built only where its fields are needed.

Decisions: reserved bits are ignored (R in the first octet, RSV in the X octet). A descriptor
without the X octet is valid (RFC 7741; mediasoup is stricter). The payload after the descriptor
may be empty (seen in nature, pion accepts it); a key-frame test then says False.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.errors import BadPacket

_X = 0x80  # RFC 7741 §4.2: extended control bits present
_N = 0x20  # non-reference frame
_S = 0x10  # start of VP8 partition
_PID = 0x07  # partition index
_I = 0x80  # PictureID present
_L = 0x40  # TL0PICIDX present
_T = 0x20  # TID present
_K = 0x10  # KEYIDX present
_M = 0x80  # PictureID is 15 bits
_P = 0x01  # RFC 7741 §4.3: payload header P bit, 0 = key frame


@dataclass(frozen=True, slots=True)
class Vp8Descriptor:
    """RFC 7741 §4.2 fields; optional ones are None when absent. `size` is the descriptor length."""

    non_reference: bool
    start_of_partition: bool
    partition_id: int
    picture_id: int | None
    picture_id_15bit: bool  # M bit: keep the width when rewriting
    tl0picidx: int | None
    tid: int | None
    layer_sync: bool  # Y bit (meaningful only with tid)
    keyidx: int | None
    size: int


def _descriptor_size(payload: bytes) -> int:
    """Length of the descriptor at the start of `payload`; BadPacket if it is truncated."""
    length = len(payload)
    if length == 0:
        raise BadPacket("vp8: empty payload")
    if not payload[0] & _X:
        return 1
    if length < 2:
        raise BadPacket("vp8: extended control bits are truncated")
    ext = payload[1]
    size = 2
    if ext & _I:
        if length <= size:
            raise BadPacket("vp8: PictureID is truncated")
        size += 2 if payload[size] & _M else 1
    if ext & _L:
        size += 1
    if ext & (_T | _K):
        size += 1
    if size > length:
        raise BadPacket("vp8: payload descriptor is truncated")
    return size


def parse_vp8_descriptor_untrusted(payload: bytes) -> Vp8Descriptor:
    """Parse the payload descriptor at the start of an RTP payload; raises only BadPacket."""
    size = _descriptor_size(payload)
    first = payload[0]
    picture_id = tl0picidx = tid = keyidx = None
    long_picture_id = layer_sync = False
    if size > 1:
        ext = payload[1]
        pos = 2
        if ext & _I:
            long_picture_id = payload[pos] & _M != 0
            if long_picture_id:
                picture_id = (payload[pos] & 0x7F) << 8 | payload[pos + 1]
                pos += 2
            else:
                picture_id = payload[pos]
                pos += 1
        if ext & _L:
            tl0picidx = payload[pos]
            pos += 1
        if ext & (_T | _K):
            octet = payload[pos]
            if ext & _T:
                tid = octet >> 6
                layer_sync = octet & 0x20 != 0
            if ext & _K:
                keyidx = octet & 0x1F
    return Vp8Descriptor(
        first & _N != 0, first & _S != 0, first & _PID, picture_id, long_picture_id,
        tl0picidx, tid, layer_sync, keyidx, size,
    )


def is_vp8_keyframe(payload: bytes) -> bool:
    """True for the first packet of a key frame: S=1, PID=0 and the payload header's P bit 0.

    Never raises: a malformed descriptor or an empty VP8 payload is simply not a key frame.
    """
    if not payload or payload[0] & (_S | _PID) != _S:
        return False
    try:
        size = _descriptor_size(payload)
    except BadPacket:
        return False
    return size < len(payload) and not payload[size] & _P
