"""STUN parser under hostile input: regression corpora and hypothesis fuzzing.

Every input must give a StunMessage or BadPacket; a parsed message's accessors and checks must
not raise, and re-encoding its attributes must parse back to the same attributes.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.demux import classify
from media.errors import BadPacket
from media.stun import (
    BINDING,
    StunClass,
    StunMessage,
    encode_stun,
    parse_stun_untrusted,
    verify_fingerprint,
    verify_message_integrity,
)
from media.stun_attributes import (
    ERROR_CODE,
    ICE_CONTROLLING,
    PRIORITY,
    SOFTWARE,
    USE_CANDIDATE,
    USERNAME,
    XOR_MAPPED_ADDRESS,
    encode_error_code,
    encode_priority,
    encode_tie_breaker,
    encode_xor_mapped_address,
)
from tests.conftest import fuzz_budget, fuzz_regression_entries
from tests.media.test_stun import SAMPLE_IPV6_RESPONSE, SAMPLE_LONG_TERM_REQUEST, SAMPLE_REQUEST

# libwebrtc stun-corpus seeds that are not RFC 8489 messages: no magic cookie (RFC 3489 style),
# and an attribute length running past the message.
REJECTED_SEEDS = {"9.stun", "validator-crash-1.stun"}


def exercise(data: bytes) -> StunMessage | None:
    """Parse; on success touch every accessor and check, and round-trip the attributes."""
    try:
        message = parse_stun_untrusted(data)
    except BadPacket:
        return None
    for accessor in (
        "username", "priority", "use_candidate", "ice_controlling", "ice_controlled",
        "error_code", "unknown_attributes", "xor_mapped_address",
    ):
        getattr(message, accessor)
    verify_message_integrity(data, message, b"key")
    verify_fingerprint(data, message)
    again = parse_stun_untrusted(
        encode_stun(message.message_class, message.method, message.transaction_id,
                    message.attributes)
    )
    assert again.attributes == message.attributes
    assert (again.message_class, again.method) == (message.message_class, message.method)
    return message


def _regression_inputs(conformance_dir: Path) -> list[tuple[str, bytes]]:
    return [
        (str(entry["file"]), data)
        for entry, data in fuzz_regression_entries(conformance_dir)
        if entry.get("file")
    ]


def test_fuzz_regressions_and_seed_corpus(conformance_dir: Path) -> None:
    """All regression inputs (STUN, RTP, RTCP, mediasoup's all-target crashes) are safe."""
    inputs = _regression_inputs(conformance_dir)
    stun_seeds = [(name, data) for name, data in inputs if "stun-corpus" in name]
    assert len(stun_seeds) == 19
    for _, data in inputs:
        exercise(data)
        if data:
            classify(data[0])
    accepted = {name.rsplit("/", 1)[1] for name, data in stun_seeds if exercise(data)}
    assert accepted == {name.rsplit("/", 1)[1] for name, _ in stun_seeds} - REJECTED_SEEDS


def test_seed_corpus_rfc5769_copies_verify(conformance_dir: Path) -> None:
    """Seeds 5, 6 and 7 are the RFC 5769 §2.1-2.3 vectors: both checks must pass."""
    root = conformance_dir / "fuzz_regressions" / "webrtc_seeds" / "stun-corpus"
    for name in ("5.stun", "6.stun", "7.stun"):
        raw = (root / name).read_bytes()
        message = parse_stun_untrusted(raw)
        assert verify_message_integrity(raw, message, b"VOkJxbRl1RmTxUk/WvJxBt"), name
        assert verify_fingerprint(raw, message), name


def _valid_messages() -> list[bytes]:
    tid = bytes(range(12))
    return [
        SAMPLE_REQUEST,
        SAMPLE_IPV6_RESPONSE,
        SAMPLE_LONG_TERM_REQUEST,
        encode_stun(
            StunClass.REQUEST, BINDING, tid,
            [(USERNAME, b"abcd:efgh"), (PRIORITY, encode_priority(7)),
             (ICE_CONTROLLING, encode_tie_breaker(1)), (USE_CANDIDATE, b"")],
            integrity_key=b"pwd", fingerprint=True,
        ),
        encode_stun(
            StunClass.ERROR, BINDING, tid,
            [(ERROR_CODE, encode_error_code(487)), (SOFTWARE, b"x")],
            integrity_key=b"pwd", fingerprint=True,
        ),
        encode_stun(
            StunClass.SUCCESS, BINDING, tid,
            [(XOR_MAPPED_ADDRESS, encode_xor_mapped_address("::1", 9, tid))],
        ),
    ]


def _mutate(data: bytes, operation: int, position: int, blob: bytes) -> bytes:
    size = len(data)
    at = position % size
    if operation == 0:  # flip one byte
        return data[:at] + bytes([data[at] ^ (blob[0] if blob else 0xFF)]) + data[at + 1:]
    if operation == 1:  # truncate
        return data[:at]
    if operation == 2:  # extend with garbage (header length left alone)
        return data + blob
    if operation == 3:  # extend and fix the header length, so attributes get parsed
        grown = data + blob + bytes(-len(blob) & 3)
        return grown[:2] + struct.pack("!H", max(0, len(grown) - 20) & 0xFFFF) + grown[4:]
    if operation == 4:  # overwrite a 16-bit field (header or attribute length) at a 4-byte slot
        slot = (at // 4) * 4 + 2
        if slot + 2 > size:
            return data
        value = int.from_bytes(blob[:2].ljust(2, b"\0"), "big")
        return data[:slot] + struct.pack("!H", value) + data[slot + 2:]
    return data[:at] + blob + data[at:]  # insert


@settings(max_examples=fuzz_budget(), deadline=None)
@given(st.binary(max_size=256))
def test_fuzz_random_bytes(data: bytes) -> None:
    exercise(data)


@settings(max_examples=fuzz_budget(500), deadline=None)
@given(
    st.sampled_from(_valid_messages()),
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 10_000), st.binary(max_size=24)),
        min_size=1, max_size=4,
    ),
)
def test_fuzz_mutated_valid_messages(
    data: bytes, mutations: list[tuple[int, int, bytes]]
) -> None:
    for operation, position, blob in mutations:
        if data:
            data = _mutate(data, operation, position, blob)
    exercise(data)


@settings(max_examples=fuzz_budget(500), deadline=None)
@given(
    st.integers(0, 0x3FFF),
    st.binary(min_size=12, max_size=12),
    st.lists(
        st.tuples(
            st.sampled_from([USERNAME, PRIORITY, USE_CANDIDATE, ICE_CONTROLLING, ERROR_CODE,
                             XOR_MAPPED_ADDRESS, 0x0008, 0x8028, 0x8029, 0x000A, 0x7FFF]),
            st.binary(max_size=40),
            st.integers(-8, 8),
        ),
        max_size=8,
    ),
)
def test_fuzz_structured_attributes(
    message_type: int, tid: bytes, attributes: list[tuple[int, bytes, int]]
) -> None:
    """Well-framed headers with known attribute types but arbitrary values and lengths."""
    body = b""
    for kind, value, skew in attributes:
        declared = max(0, min(0xFFFF, len(value) + skew))
        body += struct.pack("!HH", kind, declared) + value + bytes(-len(value) & 3)
    data = struct.pack("!HHI", message_type, len(body), 0x2112A442) + tid + body
    exercise(data)


@pytest.mark.long
@settings(max_examples=fuzz_budget(), deadline=None)
@given(st.binary(min_size=20, max_size=1500))
def test_fuzz_large_datagrams(data: bytes) -> None:
    exercise(data)
