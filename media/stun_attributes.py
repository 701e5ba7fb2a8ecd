"""STUN attribute types and value codecs (RFC 8489 §14, ICE attributes from RFC 8445 §16.1).

Encoders take trusted values and return attribute *values* (no type/length header); pair them
with their type in the list given to `media.stun.encode_stun`. Decoders take values the STUN
parser has already length-checked (see `VALUE_LENGTHS` and `validate_value`).
"""

from __future__ import annotations

import functools
import ipaddress
import struct

from media.errors import BadPacket

MAGIC_COOKIE = 0x2112A442  # RFC 8489 §5
_COOKIE_BYTES = MAGIC_COOKIE.to_bytes(4, "big")

# Comprehension-required attributes, RFC 8489 §18.3.1 (0x0000-0x7FFF).
MAPPED_ADDRESS = 0x0001  # §14.1
USERNAME = 0x0006  # §14.3
MESSAGE_INTEGRITY = 0x0008  # §14.5
ERROR_CODE = 0x0009  # §14.8
UNKNOWN_ATTRIBUTES = 0x000A  # §14.13
REALM = 0x0014  # §14.9
NONCE = 0x0015  # §14.10
MESSAGE_INTEGRITY_SHA256 = 0x001C  # §14.6
PASSWORD_ALGORITHM = 0x001D  # §14.12
USERHASH = 0x001E  # §14.4
XOR_MAPPED_ADDRESS = 0x0020  # §14.2
PRIORITY = 0x0024  # RFC 8445 §16.1
USE_CANDIDATE = 0x0025  # RFC 8445 §16.1
# Comprehension-optional attributes, RFC 8489 §18.3.2 (0x8000-0xFFFF).
PASSWORD_ALGORITHMS = 0x8002  # §14.11
ALTERNATE_DOMAIN = 0x8003  # §14.16
SOFTWARE = 0x8022  # §14.14
ALTERNATE_SERVER = 0x8023  # §14.15
FINGERPRINT = 0x8028  # §14.7
ICE_CONTROLLED = 0x8029  # RFC 8445 §16.1
ICE_CONTROLLING = 0x802A  # RFC 8445 §16.1

COMPREHENSION_OPTIONAL_FIRST = 0x8000  # RFC 8489 §14

# The comprehension-required attributes this code knows; any other one in a request is
# answered with 420 (RFC 8489 §6.3.1).
KNOWN_REQUIRED = frozenset({
    MAPPED_ADDRESS, USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, UNKNOWN_ATTRIBUTES, REALM, NONCE,
    MESSAGE_INTEGRITY_SHA256, PASSWORD_ALGORITHM, USERHASH, XOR_MAPPED_ADDRESS, PRIORITY,
    USE_CANDIDATE,
})

FINGERPRINT_XOR = 0x5354554E  # RFC 8489 §14.7
HMAC_SHA1_LENGTH = 20  # RFC 8489 §14.5
MAX_USERNAME_BYTES = 513  # RFC 8489 §14.3 ("fewer than 509 bytes"; RFC 5389 allowed 513)
MAX_REASON_BYTES = 763  # RFC 8489 §14.8

# Reason phrases of RFC 8489 §14.8 and RFC 8445 §16.1 (487).
ERROR_REASONS = {
    300: "Try Alternate",
    400: "Bad Request",
    401: "Unauthenticated",
    403: "Forbidden",
    420: "Unknown Attribute",
    438: "Stale Nonce",
    487: "Role Conflict",
    500: "Server Error",
}

# Exact value lengths the parser enforces, so typed accessors cannot meet short values.
VALUE_LENGTHS = {
    MESSAGE_INTEGRITY: HMAC_SHA1_LENGTH,
    FINGERPRINT: 4,
    PRIORITY: 4,
    USE_CANDIDATE: 0,
    ICE_CONTROLLED: 8,
    ICE_CONTROLLING: 8,
}

_U32 = struct.Struct("!I")
_U64 = struct.Struct("!Q")
_ADDRESS_HEADER = struct.Struct("!xBH")  # reserved, family, port (RFC 8489 §14.1)
_ERROR_HEADER = struct.Struct("!xxBB")  # reserved, class, number (RFC 8489 §14.8)
_FAMILY_IPV4 = 0x01
_FAMILY_IPV6 = 0x02
_PORT_XOR = MAGIC_COOKIE >> 16


# Variable-length types whose values `validate_value` checks.
VALIDATED_TYPES = frozenset({XOR_MAPPED_ADDRESS, ERROR_CODE, USERNAME})


def validate_value(attribute_type: int, value: bytes) -> None:
    """Raise BadPacket when a variable-length value the accessors decode is malformed
    (fixed lengths in `VALUE_LENGTHS` are checked by the parser itself)."""
    if attribute_type == XOR_MAPPED_ADDRESS:
        if len(value) < 4 or (value[1], len(value)) not in ((_FAMILY_IPV4, 8), (_FAMILY_IPV6, 20)):
            raise BadPacket("STUN address attribute with bad family or length")
    elif attribute_type == ERROR_CODE:
        if len(value) < 4 or not 3 <= (value[2] & 0x07) <= 6 or value[3] > 99:
            raise BadPacket("STUN ERROR-CODE out of range")
    elif attribute_type == USERNAME:
        if len(value) > MAX_USERNAME_BYTES:
            raise BadPacket("STUN USERNAME too long")


# --- encoders (trusted input) -------------------------------------------------------------


def encode_username(username: str) -> bytes:
    """USERNAME value: UTF-8 (RFC 8489 §14.3); for ICE "<receiver ufrag>:<sender ufrag>"."""
    value = username.encode()
    if len(value) > MAX_USERNAME_BYTES:
        raise ValueError("USERNAME too long")
    return value


def encode_priority(priority: int) -> bytes:
    """PRIORITY value: 32-bit candidate priority (RFC 8445 §16.1)."""
    return _U32.pack(priority)


def encode_use_candidate() -> bytes:
    """USE-CANDIDATE value: empty (RFC 8445 §16.1)."""
    return b""


def encode_tie_breaker(tie_breaker: int) -> bytes:
    """ICE-CONTROLLING / ICE-CONTROLLED value: the 64-bit tie-breaker (RFC 8445 §16.1)."""
    return _U64.pack(tie_breaker)


def encode_error_code(code: int, reason: str | None = None) -> bytes:
    """ERROR-CODE value: class/number and a UTF-8 reason phrase (RFC 8489 §14.8)."""
    if not 300 <= code <= 699:
        raise ValueError(f"STUN error code {code} outside 300..699")
    phrase = (ERROR_REASONS.get(code, "") if reason is None else reason).encode()
    if len(phrase) > MAX_REASON_BYTES:
        raise ValueError("reason phrase too long")
    return _ERROR_HEADER.pack(code // 100, code % 100) + phrase


def encode_unknown_attributes(attribute_types: tuple[int, ...]) -> bytes:
    """UNKNOWN-ATTRIBUTES value: a list of 16-bit types (RFC 8489 §14.13)."""
    return b"".join(t.to_bytes(2, "big") for t in attribute_types)


def encode_xor_mapped_address(host: str, port: int, transaction_id: bytes) -> bytes:
    """XOR-MAPPED-ADDRESS value for IPv4 or IPv6 (RFC 8489 §14.2).

    An IPv4-mapped IPv6 source (from a dual-stack socket) is reported as the IPv4 address
    the peer really used.
    """
    family, packed = _pack_host(host)
    xport = (port & 0xFFFF) ^ _PORT_XOR
    mask = _COOKIE_BYTES if family == _FAMILY_IPV4 else _COOKIE_BYTES + transaction_id
    return _ADDRESS_HEADER.pack(family, xport) + _xor(packed, mask)


@functools.lru_cache(maxsize=4096)
def _pack_host(host: str) -> tuple[int, bytes]:
    """(family, packed address); cached because every check from a peer repeats its host."""
    address = ipaddress.ip_address(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return _FAMILY_IPV4, address.packed
    return _FAMILY_IPV6, address.packed


# --- decoders (values already validated by the parser) -----------------------------------


def decode_u32(value: bytes) -> int:
    return int.from_bytes(value, "big")


def decode_error_code(value: bytes) -> tuple[int, str]:
    """(code, reason) from an ERROR-CODE value; undecodable reason bytes are replaced."""
    code = (value[2] & 0x07) * 100 + value[3]
    return code, value[4:].decode("utf-8", "replace")


def decode_unknown_attributes(value: bytes) -> tuple[int, ...]:
    return tuple(int.from_bytes(value[i:i + 2], "big") for i in range(0, len(value) - 1, 2))


def decode_xor_mapped_address(value: bytes, transaction_id: bytes) -> tuple[str, int]:
    """(host, port) from an XOR-MAPPED-ADDRESS value (RFC 8489 §14.2)."""
    family, xport = _ADDRESS_HEADER.unpack_from(value)
    port = xport ^ _PORT_XOR
    if family == _FAMILY_IPV4:
        a, b, c, d = _xor(value[4:8], _COOKIE_BYTES)
        return f"{a}.{b}.{c}.{d}", port
    raw = _xor(value[4:20], _COOKIE_BYTES + transaction_id)
    return str(ipaddress.IPv6Address(raw)), port


def _xor(data: bytes, mask: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(mask, "big")).to_bytes(len(data), "big")
