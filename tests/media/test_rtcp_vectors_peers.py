"""aiortc, mediasoup and extra pion RTCP vectors (conformance rtcp_vectors.json)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from media.errors import BadPacket
from media.rtcp import (
    Bye,
    GenericNack,
    PictureLossIndication,
    ReceiverEstimatedMaxBitrate,
    ReceiverReport,
    SenderReport,
    SourceDescription,
    TransportCcFeedback,
    UnknownRtcp,
    encode_rtcp_compound,
    parse_rtcp_compound_untrusted,
)


def _vectors(conformance_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((conformance_dir / "rtcp_vectors.json").read_text())
    return loaded


def _report(block: Any) -> dict[str, int]:
    return {
        "ssrc": block.ssrc, "fraction_lost": block.fraction_lost,
        "packets_lost": block.cumulative_lost, "highest_sequence": block.highest_sequence,
        "jitter": block.jitter, "lsr": block.last_sr, "dlsr": block.delay_since_last_sr,
    }


def test_aiortc_vectors(conformance_dir: Path) -> None:
    names = {"SR": SenderReport, "RR": ReceiverReport, "SDES": SourceDescription, "BYE": Bye,
             "PSFB": PictureLossIndication, "RTPFB": GenericNack}
    for case in _vectors(conformance_dir)["aiortc"]:
        data = bytes.fromhex(case["hex"])
        expected = case["expected"]
        if "error" in expected:
            with pytest.raises(BadPacket):
                parse_rtcp_compound_untrusted(data)
            continue
        packets = parse_rtcp_compound_untrusted(data)
        if "packets" in expected:
            assert [type(p) for p in packets] == [names[n] for n in expected["packets"]]
            continue
        (packet,) = packets
        assert isinstance(packet, names[expected["type"]]), case["name"]
        if isinstance(packet, SenderReport | ReceiverReport):
            assert packet.ssrc == expected["ssrc"]
            assert [_report(b) for b in packet.reports] == expected["reports"]
        if isinstance(packet, SenderReport):
            info = expected["sender_info"]
            assert (packet.ntp_timestamp, packet.rtp_timestamp) == (
                info["ntp_timestamp"], info["rtp_timestamp"]
            )
            assert (packet.packet_count, packet.octet_count) == (
                info["packet_count"], info["octet_count"]
            )
        if isinstance(packet, Bye):
            assert list(packet.ssrcs) == expected["sources"]
        if isinstance(packet, SourceDescription):
            assert [
                {"ssrc": ssrc, "items": [[t, v.decode()] for t, v in items]}
                for ssrc, items in packet.chunks
            ] == expected["chunks"]
        if isinstance(packet, PictureLossIndication):
            assert (packet.sender_ssrc, packet.media_ssrc) == (
                expected["ssrc"], expected["media_ssrc"]
            )
        if isinstance(packet, GenericNack):
            assert list(packet.lost) == expected["lost"]
            assert packet.media_ssrc == expected["media_ssrc"]
        if expected.get("reserialises_identically"):
            assert packet.encode() == data
    by_name = {c["name"]: c for c in _vectors(conformance_dir)["aiortc"]}
    # aiortc's truncation notes for its RR file, and a bad version
    rr = bytes.fromhex(by_name["rtcp_rr"]["hex"])
    for cut in range(1, 32):
        with pytest.raises(BadPacket):
            parse_rtcp_compound_untrusted(rr[:cut])
    with pytest.raises(BadPacket):
        parse_rtcp_compound_untrusted(b"\xc0" + rr[1:])
    # a BYE that is all padding reserialises without it, as in aiortc
    padded_bye = parse_rtcp_compound_untrusted(bytes.fromhex(by_name["rtcp_bye_padding"]["hex"]))
    assert encode_rtcp_compound(padded_bye).hex() == "80cb0000"


def test_mediasoup_transport_cc(conformance_dir: Path) -> None:
    """Every mediasoup/Chrome feedback parses to the cross-checked values and re-encodes
    byte for byte (our chunk writer makes the same choices as libwebrtc here)."""
    groups = _vectors(conformance_dir)["mediasoup"]
    cases = groups[0]["cases"] + groups[1]["cases"]
    assert len(cases) == 17
    for case in cases:
        data = bytes.fromhex(case["hex"])
        (packet,) = parse_rtcp_compound_untrusted(data)
        assert isinstance(packet, TransportCcFeedback)
        cross = case["cross_check"]
        deltas = [d for _, d in packet.packets if d is not None]
        assert deltas == cross["recv_deltas_us"]
        if "base_seq" in cross:
            assert packet.base_sequence == cross["base_seq"]
            assert len(packet.packets) == cross["status_count"]
            assert packet.reference_time == cross["reference_time_signed24"]
            assert packet.feedback_count == cross["fb_pkt_count"]
        else:
            expected = case["expected"]
            assert packet.reference_time == expected["reference_time_raw_signed24"]
            assert packet.base_sequence == expected["base_sequence"]
            assert len(packet.packets) == expected["packet_status_count"]
            # mediasoup reports ms truncated towards zero
            assert [int(d / 1000) for d in deltas] == expected["deltas_ms_truncated"]
            assert [0 if d is None else 1 for _, d in packet.packets] == cross["statuses"]
        assert packet.encode() == data


def test_mediasoup_remb_and_nack(conformance_dir: Path) -> None:
    remb_case, nack_case = _vectors(conformance_dir)["mediasoup"][2:]
    (remb,) = parse_rtcp_compound_untrusted(bytes.fromhex(remb_case["hex"]))
    expected = remb_case["expected"]
    assert remb == ReceiverEstimatedMaxBitrate(
        expected["sender_ssrc"], expected["bitrate"], tuple(expected["ssrcs"])
    )
    assert remb.encode().hex() == remb_case["hex"]
    (nack,) = parse_rtcp_compound_untrusted(bytes.fromhex(nack_case["hex"]))
    expected = nack_case["expected"]
    assert nack == GenericNack(expected["sender_ssrc"], expected["media_ssrc"],
                               tuple(expected["lost"]))
    assert nack.encode().hex() == nack_case["hex"]


def test_pion_extra(conformance_dir: Path) -> None:
    chrome, overflow, exp47, compound, invalid = _vectors(conformance_dir)["pion_rtcp_extra"]
    (remb,) = parse_rtcp_compound_untrusted(bytes.fromhex(chrome["hex"]))
    assert remb == ReceiverEstimatedMaxBitrate(1, chrome["expected"]["Bitrate"], (1215622422,))
    # Deliberate: exponent 63 with the top mantissa is kept exact (a Python int), not rejected
    (remb,) = parse_rtcp_compound_untrusted(bytes.fromhex(overflow["hex"]))
    assert isinstance(remb, ReceiverEstimatedMaxBitrate)
    assert remb.bitrate == overflow["expected"]["bitrate_exact"] and remb.ssrcs == ()
    assert remb.encode().hex() == overflow["hex"]
    (remb,) = parse_rtcp_compound_untrusted(bytes.fromhex(exp47["hex"]))
    assert isinstance(remb, ReceiverEstimatedMaxBitrate) and remb.bitrate == 0
    packets = parse_rtcp_compound_untrusted(bytes.fromhex(compound["hex"]))
    assert [type(p) for p in packets] == [ReceiverReport, SourceDescription, Bye,
                                          PictureLossIndication, UnknownRtcp, UnknownRtcp]
    sdes = packets[1]
    assert isinstance(sdes, SourceDescription)
    assert sdes.chunks[0][1] == ((1, b"{9c00eb92-1afb-9d49-a47d-91f64eee69f5}"),)
    assert (packets[4].packet_type, packets[4].fmt) == (205, 5)  # type: ignore[union-attr]
    assert encode_rtcp_compound(packets).hex() == compound["hex"]
    with pytest.raises(BadPacket):
        parse_rtcp_compound_untrusted(bytes.fromhex(invalid["hex"]))


def _psfb_afb(fci: bytes) -> bytes:
    return struct.pack("!BBHII", 0x8F, 206, (8 + len(fci)) // 4, 0, 0) + fci


def test_aiortc_remb_fci(conformance_dir: Path) -> None:
    for case in _vectors(conformance_dir)["aiortc_remb_fci"]["cases"]:
        data = _psfb_afb(bytes.fromhex(case["fci_hex"]))
        (packet,) = parse_rtcp_compound_untrusted(data)
        if "error" in case:  # Deliberate: not "REMB" = other application feedback, not an error
            assert isinstance(packet, UnknownRtcp)
            continue
        assert packet == ReceiverEstimatedMaxBitrate(0, case["bitrate"], tuple(case["ssrcs"]))
        assert packet.encode() == data


def test_aiortc_signed_24_bit_loss(conformance_dir: Path) -> None:
    section = _vectors(conformance_dir)["aiortc_packets_lost_24bit_signed"]
    for wire, value in section["cases"]:
        block = bytes(4) + b"\x00" + bytes.fromhex(wire) + bytes(16)
        data = struct.pack("!BBHI", 0x81, 201, 7, 1) + block
        (report,) = parse_rtcp_compound_untrusted(data)
        assert isinstance(report, ReceiverReport)
        assert report.reports[0].cumulative_lost == value
        assert report.encode() == data
