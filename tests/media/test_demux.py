"""RFC 7983 first-byte demultiplexing and the RFC 5761 RTP/RTCP split."""

from __future__ import annotations

import pytest

from media.demux import PacketClass, classify, is_rtcp


def _expected(first_byte: int) -> PacketClass:
    if 0 <= first_byte <= 3:
        return PacketClass.STUN
    if 20 <= first_byte <= 63:
        return PacketClass.DTLS
    if 128 <= first_byte <= 191:
        return PacketClass.RTP_OR_RTCP
    return PacketClass.UNKNOWN


@pytest.mark.parametrize("first_byte", range(256))
def test_classify_every_first_byte(first_byte: int) -> None:
    assert classify(first_byte) is _expected(first_byte)


@pytest.mark.parametrize(
    ("first_byte", "expected"),
    [
        (0x00, PacketClass.STUN),  # Binding request 0x0001
        (0x01, PacketClass.STUN),  # Binding success 0x0101
        (16, PacketClass.UNKNOWN),  # ZRTP
        (22, PacketClass.DTLS),  # DTLS handshake record
        (23, PacketClass.DTLS),  # DTLS application data
        (64, PacketClass.UNKNOWN),  # TURN ChannelData (RFC 7983 §7)
        (0x80, PacketClass.RTP_OR_RTCP),  # V=2, no padding/extension/CSRC
        (0x90, PacketClass.RTP_OR_RTCP),  # V=2 with header extension
        (0xC0, PacketClass.UNKNOWN),  # V=3 is not RTP
    ],
)
def test_classify_named_cases(first_byte: int, expected: PacketClass) -> None:
    assert classify(first_byte) is expected


def test_classify_out_of_byte_range() -> None:
    assert classify(-1) is PacketClass.UNKNOWN
    assert classify(256) is PacketClass.UNKNOWN


@pytest.mark.parametrize("second_byte", range(256))
def test_is_rtcp_by_packet_type(second_byte: int) -> None:
    """RFC 5761 §4: packet types 192..223 are RTCP (SR 200, RR 201, RTPFB 205, PSFB 206)."""
    assert is_rtcp(bytes([0x80, second_byte, 0, 0])) is (192 <= second_byte <= 223)


def test_is_rtcp_examples_and_short_input() -> None:
    assert is_rtcp(bytes.fromhex("80c80006"))  # SR
    assert is_rtcp(bytes.fromhex("81cd0003"))  # transport-cc feedback (RTPFB)
    assert not is_rtcp(bytes.fromhex("80600001"))  # RTP PT 96
    assert not is_rtcp(bytes.fromhex("80e00001"))  # RTP PT 96 with marker bit (0xe0 = 224)
    assert not is_rtcp(b"\x80")
    assert not is_rtcp(b"")
