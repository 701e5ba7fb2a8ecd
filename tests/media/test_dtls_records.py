"""DTLS record framing: parse (untrusted), split, renumber and pack into MTU-sized datagrams."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.dtls_records import (
    CONTENT_ALERT,
    CONTENT_APPLICATION_DATA,
    CONTENT_HANDSHAKE,
    MAX_RECORD_FRAGMENT,
    RECORD_HEADER,
    DtlsRecord,
    max_handshake_seq_untrusted,
    pack_datagrams,
    parse_records_untrusted,
    record_epoch,
    split_records,
    with_sequence_number,
)
from media.errors import BadPacket
from tests.conftest import fuzz_budget


def record(
    content_type: int, epoch: int, body: bytes, *, seq: int = 0, version: int = 0xFEFD
) -> bytes:
    return RECORD_HEADER.pack(content_type, version, epoch, len(body))[:5] + (
        seq.to_bytes(6, "big") + len(body).to_bytes(2, "big") + body
    )


def handshake(msg_seq: int, body: bytes = b"", msg_type: int = 1) -> bytes:
    return (
        bytes([msg_type]) + len(body).to_bytes(3, "big") + msg_seq.to_bytes(2, "big")
        + bytes(3) + len(body).to_bytes(3, "big") + body
    )


def test_header_layout_matches_rfc_6347() -> None:
    raw = record(CONTENT_HANDSHAKE, 1, b"abc", seq=0x010203040506)
    assert raw.hex() == "16fefd0001010203040506000361" "6263"
    assert RECORD_HEADER.size == 13


def test_parse_a_datagram_of_several_records() -> None:
    datagram = (
        record(CONTENT_HANDSHAKE, 0, handshake(3, b"x" * 10))
        + record(20, 0, b"\x01")
        + record(CONTENT_HANDSHAKE, 1, b"\x99" * 40, version=0xFEFF)
    )
    assert parse_records_untrusted(datagram) == [
        DtlsRecord(CONTENT_HANDSHAKE, 0, handshake(3, b"x" * 10)),
        DtlsRecord(20, 0, b"\x01"),
        DtlsRecord(CONTENT_HANDSHAKE, 1, b"\x99" * 40),
    ]


@pytest.mark.parametrize(
    "datagram",
    [
        b"",
        b"\x16\xfe\xfd",
        record(CONTENT_HANDSHAKE, 0, b"abcdef")[:-1],  # body cut short
        record(CONTENT_HANDSHAKE, 0, b"ab") + b"\x16",  # trailing partial header
        record(19, 0, b"x"),  # content type below the DTLS range
        record(24, 0, b"x"),  # heartbeat: not accepted
        record(CONTENT_HANDSHAKE, 0, b"x", version=0x0303),  # TLS 1.2, not DTLS
        record(CONTENT_HANDSHAKE, 0, b"x", version=0xFEFC),  # DTLS 1.3 record version
        RECORD_HEADER.pack(CONTENT_APPLICATION_DATA, 0xFEFD, 1, MAX_RECORD_FRAGMENT + 1),
    ],
)
def test_parse_rejects_malformed_framing(datagram: bytes) -> None:
    with pytest.raises(BadPacket):
        parse_records_untrusted(datagram)


def test_max_handshake_seq_reads_every_fragment() -> None:
    assert max_handshake_seq_untrusted(handshake(4, b"abc") + handshake(7) + handshake(2)) == 7
    assert max_handshake_seq_untrusted(handshake(0)) == 0
    assert max_handshake_seq_untrusted(b"") is None
    assert max_handshake_seq_untrusted(handshake(5)[:11]) is None


def test_split_and_pack_keep_records_whole_and_within_the_mtu() -> None:
    records = [record(CONTENT_HANDSHAKE, 0, bytes([i]) * (20 + 30 * i)) for i in range(8)]
    stream = b"".join(records)
    assert split_records(stream) == records
    datagrams = pack_datagrams(records, 300)
    assert b"".join(datagrams) == stream
    assert all(len(datagram) <= 300 for datagram in datagrams)
    assert sum(len(parse_records_untrusted(d)) for d in datagrams) == len(records)
    assert len(pack_datagrams(records, 10_000)) == 1


def test_a_record_larger_than_the_mtu_travels_alone() -> None:
    big = record(CONTENT_HANDSHAKE, 0, bytes(500))
    small = record(CONTENT_ALERT, 0, b"\x01\x00")
    assert pack_datagrams([small, big, small], 300) == [small, big, small]


def test_split_keeps_a_short_tail() -> None:
    whole = record(CONTENT_HANDSHAKE, 0, b"abc")
    assert split_records(whole + b"\x16\xfe") == [whole, b"\x16\xfe"]
    assert split_records(whole[:-1]) == [whole[:-1]]


def test_renumbering_changes_only_the_sequence_number() -> None:
    original = record(CONTENT_HANDSHAKE, 0, b"payload", seq=3)
    renumbered = with_sequence_number(original, 0xABCDEF)
    assert renumbered[:5] == original[:5] and renumbered[11:] == original[11:]
    assert renumbered[5:11] == (0xABCDEF).to_bytes(6, "big")
    assert record_epoch(renumbered) == 0
    assert record_epoch(record(CONTENT_HANDSHAKE, 1, b"")) == 1
    assert record_epoch(b"\x16") == -1


@settings(max_examples=fuzz_budget(short=500), deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_parse_gives_records_or_bad_packet(data: bytes) -> None:
    try:
        records = parse_records_untrusted(data)
    except BadPacket:
        return
    assert sum(RECORD_HEADER.size + len(r.fragment) for r in records) == len(data)
    for parsed in records:
        seq = max_handshake_seq_untrusted(parsed.fragment)
        assert seq is None or 0 <= seq <= 0xFFFF


@settings(max_examples=fuzz_budget(short=150), deadline=None)
@given(
    st.lists(st.tuples(st.integers(20, 23), st.integers(0, 3), st.binary(max_size=120)),
             min_size=1, max_size=12),
    st.integers(256, 1500),
)
def test_fuzz_pack_round_trip(parts: list[tuple[int, int, bytes]], mtu: int) -> None:
    records = [record(content_type, epoch, body) for content_type, epoch, body in parts]
    datagrams = pack_datagrams(split_records(b"".join(records)), mtu)
    assert b"".join(datagrams) == b"".join(records)
    assert all(len(d) <= mtu for d in datagrams)
    parsed = [r for d in datagrams for r in parse_records_untrusted(d)]
    assert [(r.content_type, r.epoch, r.fragment) for r in parsed] == parts
