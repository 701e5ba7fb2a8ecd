"""Fuzzing the RTP/RTCP/extension/VP8 parsers: known crashers of other SFUs, random bytes,
mutations of valid packets, and parse(encode(x)) == x for generated valid values."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from media.rtp import RtpPacket, encode_rtp, parse_rtp_untrusted
from media.rtp_extensions import (
    parse_abs_send_time_untrusted,
    parse_audio_level_untrusted,
    parse_mid_untrusted,
    parse_rid_untrusted,
    parse_transport_sequence_untrusted,
)
from media.vp8 import is_vp8_keyframe, parse_vp8_descriptor_untrusted
from tests.conftest import fuzz_budget, fuzz_regression_entries

VALUE_PARSERS: list[Callable[[bytes], object]] = [
    parse_mid_untrusted, parse_rid_untrusted, parse_transport_sequence_untrusted,
    parse_abs_send_time_untrusted, parse_audio_level_untrusted, parse_vp8_descriptor_untrusted,
]


def _check_rtp(data: bytes) -> RtpPacket | None:
    try:
        packet = parse_rtp_untrusted(data)
    except BadPacket:
        return None
    assert 12 <= packet.payload_offset <= packet.payload_end <= len(data)
    assert packet.payload_end + packet.padding_size == len(data)
    return packet


def _check_rtcp(data: bytes) -> list[RtcpPacket] | None:
    try:
        packets = parse_rtcp_compound_untrusted(data)
    except BadPacket:
        return None
    # whatever we accept, we can write again, and read back to the same values
    assert parse_rtcp_compound_untrusted(encode_rtcp_compound(packets)) == packets
    return packets


def _check_values(data: bytes) -> None:
    for parser in VALUE_PARSERS:
        try:
            parser(data)
        except BadPacket:
            pass
    assert isinstance(is_vp8_keyframe(data), bool)


# --- inputs that crashed or hung other SFUs' parsers ---------------------------------------------

REGRESSION_FOLDERS = ("mediasoup/", "pion_rtcp/", "webrtc_seeds/rtp-corpus/",
                      "webrtc_seeds/rtcp-corpus/")


def test_fuzz_regressions(conformance_dir: Path) -> None:
    fed = 0
    for entry, data in fuzz_regression_entries(conformance_dir):
        name = entry.get("file")
        if not isinstance(name, str) or not name.startswith(REGRESSION_FOLDERS):
            continue  # STUN seeds belong to the STUN parser; >4 KiB files were not copied
        assert hashlib.sha1(data).hexdigest() == entry["sha1"], name
        started = time.perf_counter()
        # mediasoup's reports do not say which parser crashed: every parser gets every input
        _check_rtp(data)
        _check_rtcp(data)
        _check_values(data)
        assert time.perf_counter() - started < 1.0, name
        fed += 1
    assert fed == 17 + 6 + 6 + 76


def test_webrtc_rtcp_seeds_mostly_parse(conformance_dir: Path) -> None:
    """libwebrtc's RTCP seeds come from its unit tests: most are valid and must be accepted."""
    corpus = conformance_dir / "fuzz_regressions" / "webrtc_seeds" / "rtcp-corpus"
    results = [_check_rtcp(path.read_bytes()) for path in sorted(corpus.iterdir())]
    accepted = [r for r in results if r is not None]
    assert len(accepted) >= len(results) // 2


# --- random bytes ---------------------------------------------------------------------------------

@settings(max_examples=fuzz_budget(400), deadline=None)
@given(st.binary(max_size=1500))
def test_random_bytes_rtp(data: bytes) -> None:
    _check_rtp(data)
    _check_rtp(b"\x80" + data[1:])  # give version 2 a chance
    _check_rtp(b"\x90" + data[1:12] + b"\xbe\xde" + data[12:])  # and the extension walk


@settings(max_examples=fuzz_budget(400), deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_rtcp(data: bytes) -> None:
    _check_rtcp(data)
    if len(data) >= 4:  # a header whose version and length agree with the bytes
        for packet_type in (200, 201, 202, 203, 205, 206):
            words = len(data) // 4 - 1
            head = bytes((0x80 | data[0] & 0x3F, packet_type, words >> 8 & 0xFF, words & 0xFF))
            _check_rtcp(head + data[4 : 4 * (words + 1)])


@settings(max_examples=fuzz_budget(400), deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_values(data: bytes) -> None:
    _check_values(data)


# --- generated valid values -----------------------------------------------------------------------

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFF_FFFF)

one_byte_extensions = st.dictionaries(st.integers(1, 14), st.binary(min_size=1, max_size=16),
                                      max_size=6)
two_byte_extensions = st.dictionaries(st.integers(1, 255), st.binary(max_size=40), max_size=6)


@st.composite
def rtp_packets(draw: st.DrawFn) -> tuple[dict[str, Any], bytes]:
    fields: dict[str, Any] = {
        "payload_type": draw(st.integers(0, 127)), "marker": draw(st.booleans()),
        "sequence_number": draw(u16), "timestamp": draw(u32), "ssrc": draw(u32),
        "payload": draw(st.binary(max_size=200)),
        "extensions": draw(one_byte_extensions | two_byte_extensions),
        "csrcs": tuple(draw(st.lists(u32, max_size=15))),
        "padding_size": draw(st.integers(0, 255)),
    }
    data = encode_rtp(
        fields["payload_type"], fields["marker"], fields["sequence_number"], fields["timestamp"],
        fields["ssrc"], fields["payload"], extensions=fields["extensions"], csrcs=fields["csrcs"],
        padding_size=fields["padding_size"],
    )
    return fields, data


@settings(max_examples=fuzz_budget(150, long=30_000), deadline=None)
@given(rtp_packets())
def test_rtp_round_trip(generated: tuple[dict[str, Any], bytes]) -> None:
    fields, data = generated
    packet = parse_rtp_untrusted(data)
    assert packet.payload == fields["payload"]
    for name in ("payload_type", "marker", "sequence_number", "timestamp", "ssrc", "extensions",
                 "csrcs", "padding_size"):
        assert getattr(packet, name) == fields[name], name
    assert (packet.extension_profile is None) == (not fields["extensions"])


report_blocks = st.builds(ReportBlock, u32, u8, st.integers(-(1 << 23), (1 << 23) - 1), u32, u32,
                          u32, u32)
reports = st.lists(report_blocks, max_size=4).map(tuple)
sdes_items = st.lists(st.tuples(st.integers(1, 255), st.binary(max_size=30)), max_size=3).map(tuple)


@st.composite
def nacks(draw: st.DrawFn) -> GenericNack:
    start = draw(u16)
    offsets = sorted(draw(st.sets(st.integers(0, 300), min_size=1, max_size=40)))
    return GenericNack(draw(u32), draw(u32), tuple((start + o) & 0xFFFF for o in offsets))


@st.composite
def twcc(draw: st.DrawFn) -> TransportCcFeedback:
    base = draw(u16)
    deltas = draw(st.lists(st.none() | st.integers(0, 255) | st.integers(-0x8000, 0x7FFF),
                           max_size=120))
    packets = tuple(((base + i) & 0xFFFF, None if d is None else d * 250)
                    for i, d in enumerate(deltas))
    return TransportCcFeedback(draw(u32), draw(u32), base,
                               draw(st.integers(-(1 << 23), (1 << 23) - 1)), draw(u8), packets)


unknown_kinds = st.sampled_from([(204, f) for f in range(32)] + [(207, 0), (195, 1)]
                                + [(205, f) for f in (2, 3, 4, 5, 11)]
                                + [(206, f) for f in (2, 3, 5, 6)])

rtcp_packets: st.SearchStrategy[RtcpPacket] = st.one_of(
    st.builds(SenderReport, u32, st.integers(0, (1 << 64) - 1), u32, u32, u32, reports),
    st.builds(ReceiverReport, u32, reports),
    st.builds(SourceDescription, st.lists(st.tuples(u32, sdes_items), max_size=3).map(tuple)),
    st.builds(Bye, st.lists(u32, max_size=5).map(tuple), st.none() | st.binary(max_size=255)),
    st.builds(PictureLossIndication, u32, u32),
    st.builds(FullIntraRequest, u32, u32, st.lists(st.tuples(u32, u8), max_size=4).map(tuple)),
    nacks(),
    st.builds(ReceiverEstimatedMaxBitrate, u32,
              st.builds(lambda m, e: m << e, st.integers(0, (1 << 18) - 1), st.integers(0, 63)),
              st.lists(u32, max_size=6).map(tuple)),
    twcc(),
    st.builds(lambda kind, body: UnknownRtcp(kind[0], kind[1], body), unknown_kinds,
              st.binary(max_size=40)),
)


@settings(max_examples=fuzz_budget(150, long=30_000), deadline=None)
@given(st.lists(rtcp_packets, min_size=1, max_size=5))
def test_rtcp_round_trip(packets: list[RtcpPacket]) -> None:
    assert parse_rtcp_compound_untrusted(encode_rtcp_compound(packets)) == packets


# --- mutations of valid packets -------------------------------------------------------------------

def _mutate(data: bytes, draw: Callable[[st.SearchStrategy[Any]], Any]) -> bytes:
    mutated = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["set", "flip", "truncate", "insert", "delete"]))
        position = draw(st.integers(0, max(len(mutated) - 1, 0)))
        if operation == "truncate":
            del mutated[position:]
        elif operation == "insert":
            mutated[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif not mutated:
            continue
        elif operation == "delete":
            del mutated[position]
        elif operation == "set":
            mutated[position] = draw(u8)
        else:
            mutated[position] ^= 1 << draw(st.integers(0, 7))
    return bytes(mutated)


@settings(max_examples=fuzz_budget(200, long=30_000), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rtp_packets(), st.data())
def test_mutated_rtp(generated: tuple[dict[str, Any], bytes], data: st.DataObject) -> None:
    _check_rtp(_mutate(generated[1], data.draw))


@settings(max_examples=fuzz_budget(200, long=30_000), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rtcp_packets, min_size=1, max_size=3), st.data())
def test_mutated_rtcp(packets: list[RtcpPacket], data: st.DataObject) -> None:
    _check_rtcp(_mutate(encode_rtcp_compound(packets), data.draw))


vp8_descriptors = st.builds(
    lambda first, ext, rest: bytes((first | 0x80, ext)) + rest, u8, u8, st.binary(max_size=6)
)


@settings(max_examples=fuzz_budget(200, long=30_000), deadline=None)
@given(vp8_descriptors, st.data())
def test_mutated_values(descriptor: bytes, data: st.DataObject) -> None:
    _check_values(descriptor)
    _check_values(_mutate(descriptor, data.draw))
    _check_values(_mutate(b"0123456789abcdef", data.draw))
