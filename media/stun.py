"""STUN messages (RFC 8489): the untrusted parser, MESSAGE-INTEGRITY/FINGERPRINT checks, encoder.

`parse_stun_untrusted` takes any datagram and returns a `StunMessage` or raises `BadPacket`.
Authentication is separate (`verify_message_integrity`), because the key depends on who the
USERNAME says sent the message; the parser records where MESSAGE-INTEGRITY and FINGERPRINT sit
so the checks run over the raw bytes without re-parsing.
"""

from __future__ import annotations

import enum
import hmac
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from media.errors import BadPacket
from media.stun_attributes import (
    ERROR_CODE,
    FINGERPRINT,
    FINGERPRINT_XOR,
    HMAC_SHA1_LENGTH,
    ICE_CONTROLLED,
    ICE_CONTROLLING,
    MAGIC_COOKIE,
    MESSAGE_INTEGRITY,
    MESSAGE_INTEGRITY_SHA256,
    PRIORITY,
    UNKNOWN_ATTRIBUTES,
    USE_CANDIDATE,
    USERNAME,
    VALIDATED_TYPES,
    VALUE_LENGTHS,
    XOR_MAPPED_ADDRESS,
    decode_error_code,
    decode_u32,
    decode_unknown_attributes,
    decode_xor_mapped_address,
    validate_value,
)

BINDING = 0x0001  # RFC 8489 §18.2
HEADER_LENGTH = 20  # RFC 8489 §5
TRANSACTION_ID_LENGTH = 12  # RFC 8489 §5
# A Binding request from a browser carries about 7 attributes; 64 bounds work per datagram.
MAX_ATTRIBUTES = 64

_HEADER = struct.Struct("!HHI")  # type, length, magic cookie (RFC 8489 §5)
_ATTRIBUTE_HEADER = struct.Struct("!HH")  # type, length (RFC 8489 §14)
_LENGTH = struct.Struct("!H")
_U32 = struct.Struct("!I")
_MI_ATTRIBUTE_LENGTH = 4 + HMAC_SHA1_LENGTH
_FINGERPRINT_ATTRIBUTE_LENGTH = 8
_fixed_length = VALUE_LENGTHS.get
# Only these may follow MESSAGE-INTEGRITY; others there are ignored (RFC 8489 §14.5).
_AFTER_INTEGRITY = frozenset({MESSAGE_INTEGRITY_SHA256, FINGERPRINT})


class StunClass(enum.IntEnum):
    """The two class bits C1 C0 of the message type (RFC 8489 §5)."""

    REQUEST = 0b00
    INDICATION = 0b01
    SUCCESS = 0b10
    ERROR = 0b11


_CLASSES = (StunClass.REQUEST, StunClass.INDICATION, StunClass.SUCCESS, StunClass.ERROR)


@dataclass(frozen=True, slots=True)
class StunMessage:
    """One parsed STUN message. `attributes` is in wire order, each value without padding.

    Attributes after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are
    left out (RFC 8489 §14.5). The offsets are those of the attribute headers in the datagram.
    """

    message_class: StunClass
    method: int
    transaction_id: bytes
    attributes: tuple[tuple[int, bytes], ...]
    message_integrity_offset: int | None = None
    fingerprint_offset: int | None = None

    def get(self, attribute_type: int) -> bytes | None:
        """Value of the first attribute of a type; later duplicates are ignored (RFC 8489 §14)."""
        for kind, value in self.attributes:
            if kind == attribute_type:
                return value
        return None

    def has(self, attribute_type: int) -> bool:
        return any(kind == attribute_type for kind, _ in self.attributes)

    @property
    def username(self) -> bytes | None:
        """Raw USERNAME bytes (RFC 8489 §14.3); raw so that odd encodings never raise."""
        return self.get(USERNAME)

    @property
    def priority(self) -> int | None:
        value = self.get(PRIORITY)
        return None if value is None else decode_u32(value)

    @property
    def use_candidate(self) -> bool:
        return self.has(USE_CANDIDATE)

    @property
    def ice_controlling(self) -> int | None:
        """Tie-breaker of ICE-CONTROLLING (RFC 8445 §16.1), when present."""
        value = self.get(ICE_CONTROLLING)
        return None if value is None else int.from_bytes(value, "big")

    @property
    def ice_controlled(self) -> int | None:
        """Tie-breaker of ICE-CONTROLLED (RFC 8445 §16.1), when present."""
        value = self.get(ICE_CONTROLLED)
        return None if value is None else int.from_bytes(value, "big")

    @property
    def error_code(self) -> tuple[int, str] | None:
        value = self.get(ERROR_CODE)
        return None if value is None else decode_error_code(value)

    @property
    def unknown_attributes(self) -> tuple[int, ...]:
        value = self.get(UNKNOWN_ATTRIBUTES)
        return () if value is None else decode_unknown_attributes(value)

    @property
    def xor_mapped_address(self) -> tuple[str, int] | None:
        value = self.get(XOR_MAPPED_ADDRESS)
        return None if value is None else decode_xor_mapped_address(value, self.transaction_id)


def parse_stun_untrusted(data: bytes) -> StunMessage:
    """Parse one STUN datagram (RFC 8489 §5, §14); any malformation raises BadPacket."""
    size = len(data)
    if size < HEADER_LENGTH:
        raise BadPacket("STUN message shorter than its header")
    message_type, length, cookie = _HEADER.unpack_from(data)
    if message_type & 0xC000:
        raise BadPacket("STUN message type with top bits set")
    if cookie != MAGIC_COOKIE:
        raise BadPacket("STUN magic cookie missing")
    if length & 3 or length + HEADER_LENGTH != size:
        raise BadPacket("STUN length does not match the datagram")

    attributes: list[tuple[int, bytes]] = []
    integrity_offset: int | None = None
    fingerprint_offset: int | None = None
    count = 0
    offset = HEADER_LENGTH
    # `offset` stays a multiple of 4 and `size` is one, so a 4-byte header always fits.
    while offset < size:
        if fingerprint_offset is not None:
            raise BadPacket("STUN attribute after FINGERPRINT")
        count += 1
        if count > MAX_ATTRIBUTES:
            raise BadPacket("too many STUN attributes")
        kind, value_length = _ATTRIBUTE_HEADER.unpack_from(data, offset)
        start = offset + 4
        end = start + value_length
        if end > size:
            raise BadPacket("STUN attribute runs past the message")
        value = data[start:end]
        expected = _fixed_length(kind)
        if expected is not None:
            if expected != value_length:
                raise BadPacket(f"STUN attribute 0x{kind:04x} has length {value_length}")
        elif kind in VALIDATED_TYPES:
            validate_value(kind, value)
        if integrity_offset is None or kind in _AFTER_INTEGRITY:
            attributes.append((kind, value))
            if kind == MESSAGE_INTEGRITY and integrity_offset is None:
                integrity_offset = offset
            elif kind == FINGERPRINT:
                fingerprint_offset = offset
        offset = start + ((value_length + 3) & ~3)  # padding content ignored (RFC 5769)

    return StunMessage(
        message_class=_CLASSES[((message_type >> 7) & 0b10) | ((message_type >> 4) & 0b01)],
        method=(message_type & 0x000F) | ((message_type >> 1) & 0x0070)
        | ((message_type >> 2) & 0x0F80),
        transaction_id=data[8:HEADER_LENGTH],
        attributes=tuple(attributes),
        message_integrity_offset=integrity_offset,
        fingerprint_offset=fingerprint_offset,
    )


def verify_message_integrity(raw: bytes, message: StunMessage, key: bytes) -> bool:
    """Check MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) of `raw` with `key`.

    The HMAC covers the message up to the attribute, with the header length counting up to
    the end of MESSAGE-INTEGRITY (so a FINGERPRINT added afterwards does not change it).
    """
    offset = message.message_integrity_offset
    if offset is None:
        return False
    expected = raw[offset + 4:offset + _MI_ATTRIBUTE_LENGTH]
    return hmac.compare_digest(_integrity(raw, offset, key), expected)


def verify_fingerprint(raw: bytes, message: StunMessage) -> bool:
    """Check FINGERPRINT: CRC-32 of everything before it XOR 0x5354554e (RFC 8489 §14.7)."""
    offset = message.fingerprint_offset
    if offset is None:
        return False
    (value,) = _U32.unpack_from(raw, offset + 4)
    return bool(value == _fingerprint(raw, offset))


def encode_stun(
    message_class: StunClass,
    method: int,
    transaction_id: bytes,
    attributes: Iterable[tuple[int, bytes]],
    *,
    integrity_key: bytes | None = None,
    fingerprint: bool = False,
) -> bytes:
    """Build a STUN message; MESSAGE-INTEGRITY and FINGERPRINT are appended last (RFC 8489 §5).

    Attribute values are padded with zeros to a multiple of 4 (RFC 8489 §14).
    """
    if len(transaction_id) != TRANSACTION_ID_LENGTH:
        raise ValueError("STUN transaction id must be 12 bytes")
    if not 0 <= method <= 0xFFF:
        raise ValueError("STUN method is 12 bits")
    message_type = (
        (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
        | ((message_class & 0b10) << 7) | ((message_class & 0b01) << 4)
    )
    out = bytearray(_HEADER.pack(message_type, 0, MAGIC_COOKIE))
    out += transaction_id
    for kind, value in attributes:
        out += _ATTRIBUTE_HEADER.pack(kind, len(value))
        out += value
        out += bytes(-len(value) & 3)
    if integrity_key is not None:
        offset = len(out)
        _LENGTH.pack_into(out, 2, offset + _MI_ATTRIBUTE_LENGTH - HEADER_LENGTH)
        out += _ATTRIBUTE_HEADER.pack(MESSAGE_INTEGRITY, HMAC_SHA1_LENGTH)
        out += _integrity(out, offset, integrity_key)
    if fingerprint:
        offset = len(out)
        _LENGTH.pack_into(out, 2, offset + _FINGERPRINT_ATTRIBUTE_LENGTH - HEADER_LENGTH)
        out += _ATTRIBUTE_HEADER.pack(FINGERPRINT, 4)
        out += _U32.pack(_fingerprint(out, offset))
    _LENGTH.pack_into(out, 2, len(out) - HEADER_LENGTH)
    return bytes(out)


def _integrity(raw: bytes | bytearray, offset: int, key: bytes) -> bytes:
    """HMAC-SHA1 over the header (length adjusted) and the attributes before `offset`."""
    length = _LENGTH.pack(offset + _MI_ATTRIBUTE_LENGTH - HEADER_LENGTH)
    return hmac.digest(key, bytes(raw[:2]) + length + raw[4:offset], "sha1")


def _fingerprint(raw: bytes | bytearray, offset: int) -> int:
    return zlib.crc32(memoryview(raw)[:offset]) ^ FINGERPRINT_XOR
