"""RTCP compound codec: round trips of every packet type and the structural rules."""

from __future__ import annotations

import pytest

from media.errors import BadPacket
from media.rtcp import (
    Bye,
    FullIntraRequest,
    GenericNack,
    PictureLossIndication,
    ReceiverEstimatedMaxBitrate,
    ReceiverReport,
    ReportBlock,
    RtcpPacket,
    SenderReport,
    SourceDescription,
    TransportCcFeedback,
    UnknownRtcp,
    encode_rtcp_compound,
    parse_rtcp_compound_untrusted,
)

BLOCK = ReportBlock(0x11223344, 25, -5, 0x0001_FFFF, 120, 0xAABBCCDD, 65536)

EXAMPLES: list[RtcpPacket] = [
    SenderReport(1, 0xE5A1_0000_8000_0000, 90000, 10, 12000, (BLOCK,)),
    SenderReport(2, 0, 0, 0, 0),
    ReceiverReport(3, (BLOCK, ReportBlock(9, 255, 0x7FFFFF, 0, 0, 0, 0))),
    ReceiverReport(3),
    SourceDescription(((4, ((1, b"cname-abc"),)), (5, ((1, b""), (2, b"x" * 255))), (6, ()))),
    SourceDescription(),
    Bye((7, 8), b"bye now"),
    Bye((7,), b""),
    Bye(()),
    PictureLossIndication(9, 10),
    FullIntraRequest(11, 0, ((12, 3), (13, 255))),
    GenericNack(14, 15, (65530, 65531, 65535, 0, 10, 11, 40)),
    ReceiverEstimatedMaxBitrate(16, 1_500_000 >> 6 << 6, (17, 18)),
    ReceiverEstimatedMaxBitrate(16, 0, ()),
    TransportCcFeedback(19, 20, 65534, -2, 255, ((65534, 250), (65535, None), (0, -1000))),
    TransportCcFeedback(19, 20, 0, 0, 0, ()),
    UnknownRtcp(204, 3, b"ssrcNAMEdata!"),
    UnknownRtcp(207, 0, b""),
]


@pytest.mark.parametrize("packet", EXAMPLES, ids=lambda p: type(p).__name__)
def test_round_trip_each(packet: RtcpPacket) -> None:
    data = packet.encode()
    assert len(data) % 4 == 0
    assert parse_rtcp_compound_untrusted(data) == [packet]


def test_round_trip_compound() -> None:
    data = encode_rtcp_compound(EXAMPLES)
    assert parse_rtcp_compound_untrusted(data) == EXAMPLES


def test_report_block_clamps_cumulative_loss() -> None:
    """RFC 3550 §A.3: the signed 24-bit loss saturates instead of wrapping."""
    for lost, wire in ((1 << 25, 0x7FFFFF), (-(1 << 25), -0x800000), (-1, -1)):
        block = ReportBlock(1, 0, lost, 0, 0, 0, 0)
        (report,) = parse_rtcp_compound_untrusted(ReceiverReport(2, (block,)).encode())
        assert isinstance(report, ReceiverReport)
        assert report.reports[0].cumulative_lost == wire


def test_remb_mantissa_rounds_down_and_clamps() -> None:
    (remb,) = parse_rtcp_compound_untrusted(ReceiverEstimatedMaxBitrate(1, 8927167, ()).encode())
    assert isinstance(remb, ReceiverEstimatedMaxBitrate) and remb.bitrate == 8927104
    huge = ReceiverEstimatedMaxBitrate(1, 1 << 100, ()).encode()
    assert huge[-4:] == bytes.fromhex("00ffffff")  # 0 SSRCs, exponent 63, mantissa 0x3FFFF
    (remb,) = parse_rtcp_compound_untrusted(huge)
    assert isinstance(remb, ReceiverEstimatedMaxBitrate) and remb.bitrate == 0x3FFFF << 63


def test_nack_packs_pid_and_bitmask() -> None:
    data = GenericNack(1, 2, (100, 101, 116, 117)).encode()
    assert data[12:].hex() == "00648001" + "00750000"  # 100 + bits for 101 and 116; then 117


def test_other_application_feedback_is_unknown() -> None:
    body = bytes(8) + b"JUNK" + bytes(4)
    (packet,) = parse_rtcp_compound_untrusted(UnknownRtcp(206, 15, body).encode())
    assert packet == UnknownRtcp(206, 15, body)


def test_structural_errors() -> None:
    good = PictureLossIndication(1, 2).encode()
    bad_inputs = [
        b"",
        good[:3],
        good[:-1],  # length runs past the end
        good + good[:2],  # trailing bytes
        bytes((good[0] & 0x3F,)) + good[1:],  # version 0
        bytes((good[0] | 0x20,)) + good[1:-1] + b"\x00",  # padding count 0
        bytes((good[0] | 0x20,)) + good[1:-1] + b"\x09",  # padding longer than the packet
        good + bytes((0x81,)) + good[1:-4],  # compound whose second packet is truncated
        ReceiverReport(1, (BLOCK,)).encode()[:-24],  # the length field still counts the block
    ]
    rr = bytearray(ReceiverReport(1, (BLOCK,)).encode())
    rr[0] |= 2  # RC=3 but one block present
    bad_inputs.append(bytes(rr))
    nack = bytearray(GenericNack(1, 2, (5,)).encode())
    nack[3] = 2  # no FCI entry left
    bad_inputs.append(bytes(nack[:12]))
    for data in bad_inputs:
        with pytest.raises(BadPacket):
            parse_rtcp_compound_untrusted(data)


def test_malformed_part_spoils_the_compound() -> None:
    bad_fir = bytearray(FullIntraRequest(1, 2, ((3, 4),)).encode())
    bad_fir[3] -= 1  # chop the FCI entry in half: a partial entry
    bad_fir = bad_fir[:-4]
    data = ReceiverReport(1).encode() + bytes(bad_fir)
    with pytest.raises(BadPacket):
        parse_rtcp_compound_untrusted(data)


def test_encoders_reject_impossible_values() -> None:
    with pytest.raises(ValueError):
        ReceiverReport(1, (BLOCK,) * 32).encode()
    with pytest.raises(ValueError):
        Bye((1,), b"x" * 256).encode()
    with pytest.raises(ValueError):
        GenericNack(1, 2, ()).encode()
    with pytest.raises(ValueError):
        SourceDescription(((1, ((0, b"x"),)),)).encode()
    with pytest.raises(ValueError):
        TransportCcFeedback(1, 2, 0, 0, 0, ((0, 100),)).encode()  # not a multiple of 250 µs
    with pytest.raises(ValueError):
        TransportCcFeedback(1, 2, 0, 0, 0, ((0, 250 * 40000),)).encode()  # too large
    with pytest.raises(ValueError):
        TransportCcFeedback(1, 2, 0, 0, 0, ((1, 250),)).encode()  # not from the base
    with pytest.raises(ValueError):
        TransportCcFeedback(1, 2, 0, 1 << 23, 0, ()).encode()
