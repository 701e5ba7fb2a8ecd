"""STUN codec: RFC 5769 test vectors, round trips, integrity/fingerprint checks, malformations."""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest

from media.errors import BadPacket
from media.stun import (
    BINDING,
    MAX_ATTRIBUTES,
    StunClass,
    encode_stun,
    parse_stun_untrusted,
    verify_fingerprint,
    verify_message_integrity,
)
from media.stun_attributes import (
    ERROR_CODE,
    FINGERPRINT,
    ICE_CONTROLLED,
    ICE_CONTROLLING,
    MESSAGE_INTEGRITY,
    NONCE,
    PRIORITY,
    REALM,
    SOFTWARE,
    UNKNOWN_ATTRIBUTES,
    USE_CANDIDATE,
    USERNAME,
    XOR_MAPPED_ADDRESS,
    encode_error_code,
    encode_priority,
    encode_tie_breaker,
    encode_unknown_attributes,
    encode_use_candidate,
    encode_username,
    encode_xor_mapped_address,
)

# RFC 5769 §2: all vectors share this transaction id and short-term password.
RFC5769_TID = bytes.fromhex("b7e7a701bc34d686fa87dfae")
RFC5769_PASSWORD = b"VOkJxbRl1RmTxUk/WvJxBt"

# RFC 5769 §2.1 Sample Request (USERNAME padding is three spaces).
SAMPLE_REQUEST = bytes.fromhex(
    "00010058" "2112a442" "b7e7a701bc34d686fa87dfae"
    "80220010" "5354554e207465737420636c69656e74"  # SOFTWARE "STUN test client"
    "00240004" "6e0001ff"  # PRIORITY
    "80290008" "932ff9b151263b36"  # ICE-CONTROLLED
    "00060009" "6576746a3a683676" "59202020"  # USERNAME "evtj:h6vY" + 3 spaces
    "00080014" "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"  # MESSAGE-INTEGRITY
    "80280004" "e57a3bcf"  # FINGERPRINT
)

# RFC 5769 §2.2 Sample IPv4 Response (SOFTWARE padding is one space).
SAMPLE_IPV4_RESPONSE = bytes.fromhex(
    "0101003c" "2112a442" "b7e7a701bc34d686fa87dfae"
    "8022000b" "7465737420766563746f7220"  # SOFTWARE "test vector" + 1 space
    "00200008" "0001a147e112a643"  # XOR-MAPPED-ADDRESS 192.0.2.1:32853
    "00080014" "2b91f599fd9e90c38c7489f92af9ba53f06be7d7"
    "80280004" "c07d4c96"
)

# RFC 5769 §2.3 Sample IPv6 Response.
SAMPLE_IPV6_RESPONSE = bytes.fromhex(
    "01010048" "2112a442" "b7e7a701bc34d686fa87dfae"
    "8022000b" "7465737420766563746f7220"
    "00200014" "0002a1470113a9faa5d3f179bc25f4b5bed2b9d9"  # 2001:db8:1234:5678:11:2233:4455:6677
    "00080014" "a382954e4be67bf11784c97c8292c275bfe3ed41"
    "80280004" "c8fb0b4c"
)

# RFC 5769 §2.4 Sample Request with Long-Term Authentication.
SAMPLE_LONG_TERM_REQUEST = bytes.fromhex(
    "00010060" "2112a442" "78ad3433c6ad72c029da412e"
    "00060012" "e3839ee38388e383aae38383e382afe382b90000"  # USERNAME (18 bytes) + 2 zeros
    "0015001c" "662f2f3439396b39353464364f4c33346f4c39465354767936347341"  # NONCE
    "0014000b" "6578616d706c652e6f726700"  # REALM "example.org"
    "00080014" "f67024656dd64a3e02b8e0712e85c9a28ca89666"
)


def test_rfc5769_sample_request() -> None:
    message = parse_stun_untrusted(SAMPLE_REQUEST)
    assert message.message_class is StunClass.REQUEST
    assert message.method == BINDING
    assert message.transaction_id == RFC5769_TID
    assert message.get(SOFTWARE) == b"STUN test client"
    assert message.priority == 0x6E0001FF
    assert message.ice_controlled == 0x932FF9B151263B36
    assert message.ice_controlling is None
    assert message.username == b"evtj:h6vY"  # the space padding is not part of the value
    assert not message.use_candidate
    assert [kind for kind, _ in message.attributes] == [
        SOFTWARE, PRIORITY, ICE_CONTROLLED, USERNAME, MESSAGE_INTEGRITY, FINGERPRINT
    ]
    assert message.message_integrity_offset == 76
    assert message.fingerprint_offset == 100
    assert verify_message_integrity(SAMPLE_REQUEST, message, RFC5769_PASSWORD)
    assert not verify_message_integrity(SAMPLE_REQUEST, message, b"wrong")
    assert verify_fingerprint(SAMPLE_REQUEST, message)


@pytest.mark.parametrize(
    ("raw", "address"),
    [
        (SAMPLE_IPV4_RESPONSE, ("192.0.2.1", 32853)),
        (SAMPLE_IPV6_RESPONSE, ("2001:db8:1234:5678:11:2233:4455:6677", 32853)),
    ],
)
def test_rfc5769_sample_responses(raw: bytes, address: tuple[str, int]) -> None:
    message = parse_stun_untrusted(raw)
    assert message.message_class is StunClass.SUCCESS
    assert message.method == BINDING
    assert message.get(SOFTWARE) == b"test vector"
    assert message.xor_mapped_address == address
    assert verify_message_integrity(raw, message, RFC5769_PASSWORD)
    assert verify_fingerprint(raw, message)
    assert encode_xor_mapped_address(*address, RFC5769_TID) == message.get(XOR_MAPPED_ADDRESS)


def test_rfc5769_long_term_request() -> None:
    message = parse_stun_untrusted(SAMPLE_LONG_TERM_REQUEST)
    username = "\u30de\u30c8\u30ea\u30c3\u30af\u30b9"
    assert message.username == username.encode()
    assert message.get(NONCE) == b"f//499k954d6OL34oL9FSTvy64sA"
    assert message.get(REALM) == b"example.org"
    assert message.fingerprint_offset is None
    assert not verify_fingerprint(SAMPLE_LONG_TERM_REQUEST, message)
    # Long-term key: MD5(username ":" realm ":" SASLprep(password)) (RFC 8489 §9.2.2).
    key = hashlib.md5(f"{username}:example.org:TheMatrIX".encode()).digest()
    assert verify_message_integrity(SAMPLE_LONG_TERM_REQUEST, message, key)


def test_tampering_breaks_integrity_and_fingerprint() -> None:
    raw = bytearray(SAMPLE_REQUEST)
    raw[68] ^= 0x01  # inside the USERNAME value
    tampered = bytes(raw)
    message = parse_stun_untrusted(tampered)
    assert not verify_message_integrity(tampered, message, RFC5769_PASSWORD)
    assert not verify_fingerprint(tampered, message)


def test_round_trip_ice_request() -> None:
    tid = bytes(range(12))
    attributes = [
        (USERNAME, encode_username("srv:cli")),
        (PRIORITY, encode_priority(1862270975)),
        (ICE_CONTROLLING, encode_tie_breaker(0xFEDCBA9876543210)),
        (USE_CANDIDATE, encode_use_candidate()),
    ]
    raw = encode_stun(
        StunClass.REQUEST, BINDING, tid, attributes, integrity_key=b"pwd", fingerprint=True
    )
    assert len(raw) % 4 == 0
    message = parse_stun_untrusted(raw)
    assert message.message_class is StunClass.REQUEST
    assert message.transaction_id == tid
    assert message.attributes[:4] == tuple(attributes)
    assert message.username == b"srv:cli"
    assert message.priority == 1862270975
    assert message.ice_controlling == 0xFEDCBA9876543210
    assert message.use_candidate
    assert verify_message_integrity(raw, message, b"pwd")
    assert not verify_message_integrity(raw, message, b"pwe")
    assert verify_fingerprint(raw, message)


@pytest.mark.parametrize("message_class", list(StunClass))
@pytest.mark.parametrize("method", [0x001, 0x003, 0x00B, 0x0FFF, 0x0A5A])
def test_message_type_round_trip(message_class: StunClass, method: int) -> None:
    raw = encode_stun(message_class, method, bytes(12), [])
    message = parse_stun_untrusted(raw)
    assert (message.message_class, message.method) == (message_class, method)


def test_message_type_wire_values() -> None:
    """RFC 8489 §5/§6: Binding request 0x0001, success 0x0101, error 0x0111, indication 0x0011."""
    expected = {
        StunClass.REQUEST: 0x0001, StunClass.INDICATION: 0x0011,
        StunClass.SUCCESS: 0x0101, StunClass.ERROR: 0x0111,
    }
    for message_class, wire in expected.items():
        raw = encode_stun(message_class, BINDING, bytes(12), [])
        assert struct.unpack_from("!H", raw)[0] == wire


@pytest.mark.parametrize(
    ("host", "port"),
    [("127.0.0.1", 5000), ("0.0.0.0", 0), ("255.255.255.255", 65535),
     ("::1", 443), ("2001:db8::ff00:42:8329", 50000), ("fe80::1", 1)],
)
def test_xor_mapped_address_round_trip(host: str, port: int) -> None:
    tid = bytes.fromhex("0123456789abcdef01234567")
    raw = encode_stun(
        StunClass.SUCCESS, BINDING, tid,
        [(XOR_MAPPED_ADDRESS, encode_xor_mapped_address(host, port, tid))],
    )
    assert parse_stun_untrusted(raw).xor_mapped_address == (host, port)


def test_xor_mapped_address_ipv4_mapped_source_is_reported_as_ipv4() -> None:
    tid = bytes(12)
    value = encode_xor_mapped_address("::ffff:192.0.2.1", 32853, tid)
    assert value == encode_xor_mapped_address("192.0.2.1", 32853, tid)


def test_ipv6_xor_uses_transaction_id() -> None:
    a = encode_xor_mapped_address("2001:db8::1", 1, bytes(12))
    b = encode_xor_mapped_address("2001:db8::1", 1, b"\x01" * 12)
    assert a[:8] == b[:8] and a[8:] != b[8:]


@pytest.mark.parametrize(("code", "reason"), [
    (400, "Bad Request"), (401, "Unauthenticated"), (420, "Unknown Attribute"),
    (487, "Role Conflict"), (500, "Server Error"),
])
def test_error_code_round_trip(code: int, reason: str) -> None:
    raw = encode_stun(StunClass.ERROR, BINDING, bytes(12), [(ERROR_CODE, encode_error_code(code))])
    assert parse_stun_untrusted(raw).error_code == (code, reason)


def test_error_code_custom_reason_and_bad_utf8() -> None:
    raw = encode_stun(
        StunClass.ERROR, BINDING, bytes(12), [(ERROR_CODE, encode_error_code(438, "über"))]
    )
    assert parse_stun_untrusted(raw).error_code == (438, "über")
    raw = encode_stun(StunClass.ERROR, BINDING, bytes(12), [(ERROR_CODE, b"\0\0\x04\x01\xff")])
    assert parse_stun_untrusted(raw).error_code == (401, "\ufffd")
    with pytest.raises(ValueError):
        encode_error_code(200)


def test_unknown_attributes_round_trip() -> None:
    value = encode_unknown_attributes((0x7777, 0x0042, 0x0003))
    raw = encode_stun(StunClass.ERROR, BINDING, bytes(12), [(UNKNOWN_ATTRIBUTES, value)])
    assert parse_stun_untrusted(raw).unknown_attributes == (0x7777, 0x0042, 0x0003)


def test_attributes_after_integrity_are_ignored() -> None:
    """RFC 8489 §14.5: only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count after MI."""
    tid = bytes(12)
    signed = encode_stun(
        StunClass.REQUEST, BINDING, tid, [(USERNAME, b"a:b")], integrity_key=b"k"
    )
    # Append a SOFTWARE attribute after MI, then a FINGERPRINT over everything.
    extra = struct.pack("!HH", SOFTWARE, 4) + b"evil"
    body = bytearray(signed + extra)
    struct.pack_into("!H", body, 2, len(body) + 8 - 20)
    crc = zlib.crc32(bytes(body)) ^ 0x5354554E
    raw = bytes(body) + struct.pack("!HHI", FINGERPRINT, 4, crc)
    message = parse_stun_untrusted(raw)
    assert message.get(SOFTWARE) is None
    assert [kind for kind, _ in message.attributes] == [USERNAME, MESSAGE_INTEGRITY, FINGERPRINT]
    assert verify_message_integrity(raw, message, b"k")
    assert verify_fingerprint(raw, message)


def test_first_of_duplicate_attributes_wins() -> None:
    raw = encode_stun(
        StunClass.REQUEST, BINDING, bytes(12),
        [(PRIORITY, encode_priority(1)), (PRIORITY, encode_priority(2))],
    )
    assert parse_stun_untrusted(raw).priority == 1


def test_message_without_integrity_does_not_verify() -> None:
    raw = encode_stun(StunClass.REQUEST, BINDING, bytes(12), [(USERNAME, b"a:b")])
    message = parse_stun_untrusted(raw)
    assert message.message_integrity_offset is None
    assert not verify_message_integrity(raw, message, b"")


def _header(length: int, cookie: int = 0x2112A442, message_type: int = 0x0001) -> bytes:
    return struct.pack("!HHI", message_type, length, cookie) + bytes(12)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        bytes(19),
        _header(0, message_type=0x8001),  # top bits set
        _header(0, message_type=0x4001),
        _header(0, cookie=0x2112A443),  # wrong magic cookie
        _header(4),  # length says 4, nothing follows
        _header(0) + bytes(4),  # length says 0, 4 bytes follow
        _header(2) + bytes(2),  # length not a multiple of 4
        _header(4) + struct.pack("!HH", SOFTWARE, 1),  # value runs past the end
        _header(8) + struct.pack("!HH", SOFTWARE, 8) + bytes(4),
        _header(8) + struct.pack("!HH", PRIORITY, 3) + bytes(4),  # wrong fixed length
        _header(8) + struct.pack("!HH", USE_CANDIDATE, 4) + bytes(4),
        _header(12) + struct.pack("!HH", ICE_CONTROLLING, 4) + bytes(8),
        _header(24) + struct.pack("!HH", MESSAGE_INTEGRITY, 16) + bytes(20),
        _header(12) + struct.pack("!HH", XOR_MAPPED_ADDRESS, 8) + b"\x00\x02" + bytes(6),
        _header(8) + struct.pack("!HH", ERROR_CODE, 4) + b"\x00\x00\x07\x00",  # class 7
        _header(8) + struct.pack("!HH", ERROR_CODE, 4) + b"\x00\x00\x04\x64",  # number 100
        _header(16) + struct.pack("!HHI", FINGERPRINT, 4, 0) + struct.pack("!HHI", PRIORITY, 4, 0),
    ],
)
def test_malformed_messages_raise_bad_packet(raw: bytes) -> None:
    with pytest.raises(BadPacket):
        parse_stun_untrusted(raw)


def test_attribute_count_is_bounded() -> None:
    ok = _header(4 * MAX_ATTRIBUTES) + struct.pack("!HH", SOFTWARE, 0) * MAX_ATTRIBUTES
    assert len(parse_stun_untrusted(ok).attributes) == MAX_ATTRIBUTES
    too_many = _header(4 * MAX_ATTRIBUTES + 4) + struct.pack("!HH", SOFTWARE, 0) * (
        MAX_ATTRIBUTES + 1
    )
    with pytest.raises(BadPacket):
        parse_stun_untrusted(too_many)


def test_encoder_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        encode_stun(StunClass.REQUEST, BINDING, bytes(11), [])
    with pytest.raises(ValueError):
        encode_stun(StunClass.REQUEST, 0x1000, bytes(12), [])
    with pytest.raises(ValueError):
        encode_username("x" * 600)
