"""The synthetic advisor's simulcast and the citizen's browser-like receiver, without a server.

SDP against the server's own SDP code; the simulcast sender's packets; RED payloads (round trip,
malformed input, fuzzing); the citizen probe's NACK, RTX repair and PLI; and every kind of
untrusted input into the probe (conformance RTP vectors, shared fuzz regressions, hypothesis).
"""

from __future__ import annotations

import json
import random
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.citizen_probe import CitizenProbe
from bench.client_sdp import (
    PublishSsrcs,
    publish_format,
    publish_offer,
    subscribe_answer,
    subscribe_repair_types,
)
from bench.media_source import MediaProfile
from bench.participant import Participant
from bench.playout import REPAIR_WAIT
from bench.simulcast_sender import SimulcastSender
from bench.simulcast_source import SimulcastMedia, build_simulcast
from bench.streams import PublishFormat, Totals, red_payloads
from media.errors import BadPacket
from media.negotiated import IceCredentials, MediaKind
from media.red import parse_red_untrusted
from media.rtcp import (
    GenericNack,
    PictureLossIndication,
    SenderReport,
    encode_rtcp_compound,
    parse_rtcp_compound_untrusted,
)
from media.rtp import parse_rtp_untrusted
from signalling.sdp import (
    LocalTransport,
    OutboundTrack,
    accept_subscribe_answer,
    answer_publish_offer,
    build_subscribe_offer,
)
from tests.bench.test_media_source import Wire
from tests.conftest import fuzz_budget, fuzz_regression_entries

LOCAL = LocalTransport(IceCredentials("sfuA", "sfuPassword0123456789+/"), ":".join(["4F"] * 32),
                       (("127.0.0.1", 40000),))
CLIENT_ICE = IceCredentials("abcd", "abcdefghijklmnopqrstuvwx")
FINGERPRINT = ":".join(["AB"] * 32)
FORMAT = PublishFormat(audio_pt=111, video_pt=96, mid_ext=1, twcc_ext=3, red_pt=63, rid_ext=10)
SSRCS = (0x1000, 0x2001, 0x2002, 0x2003)


class _Transport:
    connected = True


class SubscribeStub:
    """The citizen's subscribe endpoint: keeps the RTCP the probe sends."""

    transport = _Transport()

    def __init__(self) -> None:
        self.rtcp: list[bytes] = []

    def send_rtcp_now(self, plain_rtcp: bytes) -> None:
        self.rtcp.append(plain_rtcp)


@pytest.fixture(scope="module")
def media() -> SimulcastMedia:
    """Three small layers (1 s loops) so the test encodes in a fraction of a second."""
    return build_simulcast(tuple(
        MediaProfile(name, width=320, height=180, fps=15, video_bitrate=rate, loop_seconds=1,
                     keyframe_interval=1)
        for name, rate in (("q", 100_000), ("h", 200_000), ("f", 400_000))))


def _sender(media: SimulcastMedia) -> tuple[SimulcastSender, Wire]:
    sender = SimulcastSender(media, SSRCS[0], SSRCS[1:], 0x12345678, Totals())
    wire = Wire()
    sender.attach(wire, FORMAT)
    return sender, wire


# -- SDP ----------------------------------------------------------------------------------------


def test_simulcast_offer_with_red_is_accepted_by_the_servers_answer_code() -> None:
    offer = publish_offer(CLIENT_ICE, FINGERPRINT, PublishSsrcs(1, 2, 3), "adv", 7,
                          rids=("q", "h", "f"), red=True)
    assert "a=simulcast:send q;h;f" in offer and "a=ssrc:2 " not in offer
    answer, session = answer_publish_offer(offer, LOCAL)
    audio, video = session.media
    assert [c.name for c in audio.codecs] == ["red", "opus"]
    assert video.rids == ("q", "h", "f") and video.extensions.rid == 10
    assert "a=simulcast:recv q;h;f" in answer
    fmt = publish_format(answer)
    assert (fmt.red_pt, fmt.rid_ext, fmt.audio_pt, fmt.video_pt) == (63, 10, 111, 96)
    plain = publish_offer(CLIENT_ICE, FINGERPRINT, PublishSsrcs(1, 2, 3), "adv", 7)
    assert "a=rid:" not in plain and publish_format(answer_publish_offer(plain, LOCAL)[0]).red_pt \
        is None


def test_subscribe_answer_takes_red_first_and_names_the_repair_types() -> None:
    tracks = [OutboundTrack("0", MediaKind.AUDIO, 11, None, "adv", "mic"),
              OutboundTrack("1", MediaKind.VIDEO, 12, 13, "adv", "cam")]
    offer = build_subscribe_offer(LOCAL, tracks, 1)
    assert subscribe_repair_types(offer) == (63, 97)
    answer = subscribe_answer(offer, CLIENT_ICE, FINGERPRINT, 9, accept_red=True)
    session = accept_subscribe_answer(offer, answer, LOCAL)
    assert [c.name for c in session.media[0].codecs] == ["red", "opus"]
    plain = accept_subscribe_answer(offer, subscribe_answer(offer, CLIENT_ICE, FINGERPRINT, 9),
                                    LOCAL)
    assert [c.name for c in plain.media[0].codecs] == ["opus"]


# -- the simulcast sender -------------------------------------------------------------------------


def test_every_frame_goes_out_on_every_layer_with_its_rid_and_one_timestamp(
        media: SimulcastMedia) -> None:
    sender, wire = _sender(media)
    sender.send_video_frame()
    packets = [parse_rtp_untrusted(p) for p in wire.sent]
    by_ssrc: dict[int, list[Any]] = {}
    for packet in packets:
        by_ssrc.setdefault(packet.ssrc, []).append(packet)
    assert sorted(by_ssrc) == list(SSRCS[1:])
    assert len({p.timestamp for p in packets}) == 1
    for layer, ssrc in enumerate(SSRCS[1:]):
        layer_packets = by_ssrc[ssrc]
        assert all(p.extensions[10] == "qhf"[layer].encode() and p.extensions[1] == b"1"
                   for p in layer_packets)
        assert [p.marker for p in layer_packets][-1] and media.layer_of[
            media.combined.video_index[layer_packets[0].payload[-media.combined.video_tail:]]
        ] == layer
    twcc = [struct.unpack("!H", p.extensions[3])[0] for p in packets]
    assert twcc == sorted(twcc) and len(set(twcc)) == len(twcc)


def test_a_pli_for_one_layer_makes_only_that_layer_jump_to_its_keyframe(
        media: SimulcastMedia) -> None:
    sender, wire = _sender(media)
    for _ in range(4):
        sender.send_video_frame()
    assert sender.layer_pos == [4, 4, 4]
    sender.on_rtcp(encode_rtcp_compound([PictureLossIndication(1, SSRCS[2])]))
    sender.on_rtcp(encode_rtcp_compound([PictureLossIndication(1, 0xDEAD)]))  # not ours
    sender.send_video_frame()
    assert sender.layer_pos == [5, 1, 5] and sender.totals.keyframe_requests == 1
    reports = parse_rtcp_compound_untrusted(sender.report(1_700_000_000.0))
    assert [r.ssrc for r in reports if isinstance(r, SenderReport)] == list(SSRCS)


def test_red_audio_carries_the_previous_frame_and_parses_back(media: SimulcastMedia) -> None:
    sender, wire = _sender(media)
    for _ in range(3):
        sender.send_audio()
    audio = media.combined.audio
    first, second = (parse_rtp_untrusted(p) for p in wire.sent[:2])
    assert first.payload_type == second.payload_type == 63
    red = parse_red_untrusted(second.payload, 0, len(second.payload))
    ((offset, start, end),) = red.redundant
    assert offset == 960 and red.primary_pt == 111
    assert second.payload[start:end] == audio[sender.audio_pos - 3]
    assert second.payload[red.primary_start:] == audio[sender.audio_pos - 2]
    assert parse_red_untrusted(first.payload, 0, len(first.payload)).redundant == ()
    assert red_payloads(audio, 111)[1].endswith(audio[0] + audio[1])


@pytest.mark.parametrize("payload", [b"", b"\x80\x00", b"\xef\x00\x0f\x00\x6f",
                                     b"\xef\x00\x3c\x05\x6f\x01", bytes([0xef, 0, 0, 0]) * 17])
def test_malformed_red_payloads_are_bad_packets(payload: bytes) -> None:
    with pytest.raises(BadPacket):
        parse_red_untrusted(payload, 0, len(payload))
    with pytest.raises(BadPacket):
        parse_red_untrusted(b"\x6f", 1, 0)


@settings(max_examples=fuzz_budget(), deadline=None)
@given(st.binary(max_size=300), st.integers(0, 310), st.integers(0, 310))
def test_red_parser_gives_a_value_or_bad_packet(data: bytes, start: int, end: int) -> None:
    try:
        red = parse_red_untrusted(data, start, end)
    except BadPacket:
        return
    assert start <= red.primary_start <= end
    assert all(start < s <= e <= red.primary_start for _, s, e in red.redundant)


# -- the citizen probe ----------------------------------------------------------------------------


def _citizen(media: SimulcastMedia) -> tuple[Participant, CitizenProbe, SubscribeStub]:
    citizen = Participant(1, 0, media.combined, Totals(), None, random.Random(3),
                          accept_red=True)
    citizen.set_payload_types(111, 96, 63, 97)
    probe = CitizenProbe(media, citizen, rtt=0.2)
    stub = SubscribeStub()
    citizen.subscribe = stub  # type: ignore[assignment]
    return citizen, probe, stub


def _layer_packets(media: SimulcastMedia, frames: int) -> list[bytes]:
    sender, wire = _sender(media)
    for _ in range(frames):
        sender.send_video_frame()
    return [p for p in wire.sent if struct.unpack_from("!I", p, 8)[0] == SSRCS[1]]


def _rtcp(stub: SubscribeStub) -> list[Any]:
    return [p for raw in stub.rtcp for p in parse_rtcp_compound_untrusted(raw)]


def test_probe_nacks_a_gap_takes_the_rtx_repair_and_renders_in_order(
        media: SimulcastMedia) -> None:
    citizen, probe, stub = _citizen(media)
    packets = _layer_packets(media, 10)
    lost = packets[len(packets) // 2]
    now = 100.0
    for packet in packets:
        if packet is not lost:
            citizen.receiver.on_rtp(packet, now)
            now += 0.01
    rendered = len(probe.playout.renders)
    assert 0 < rendered < 10
    probe.poll(now + 0.05)
    (nack,) = [p for p in _rtcp(stub) if isinstance(p, GenericNack)]
    seq = struct.unpack_from("!H", lost, 2)[0]
    assert nack.lost == (seq,) and nack.media_ssrc == SSRCS[1]
    parsed = parse_rtp_untrusted(lost)
    rtx = struct.pack("!BBHII", 0x80, 97, 1, parsed.timestamp, 0x777) + struct.pack(
        "!H", seq) + parsed.payload
    citizen.receiver.on_rtp(rtx, now + 0.3)
    assert [r.position for r in probe.playout.renders] == list(range(10))
    assert probe.retransmissions == 1 and citizen.receiver.streams[SSRCS[1]].gaps == 1
    padding = struct.pack("!BBHII", 0xA0, 97, 2, 0, 0x777) + bytes(254) + b"\xff"
    citizen.receiver.on_rtp(padding, now + 0.4)
    assert probe.padding == 1


def test_probe_sends_pli_when_the_repair_never_comes(media: SimulcastMedia) -> None:
    citizen, probe, stub = _citizen(media)
    packets = _layer_packets(media, 14)  # the stream goes on (no keyframe: the loop is 15)
    step = (REPAIR_WAIT + 0.4) / len(packets)
    for i, packet in enumerate(packets):
        if i != 3:
            citizen.receiver.on_rtp(packet, 10.0 + step * i)
    probe.poll(10.5)
    assert not any(isinstance(p, PictureLossIndication) for p in _rtcp(stub))
    probe.poll(10.5 + REPAIR_WAIT)
    plis = [p for p in _rtcp(stub) if isinstance(p, PictureLossIndication)]
    assert len(plis) == 1 and plis[0].media_ssrc == SSRCS[1] and probe.plis_sent == 1
    probe.poll(10.6 + REPAIR_WAIT)  # throttled: one request per interval
    assert probe.plis_sent == 1
    probe.poll(20.0)  # no video for seconds (the SFU paused it): no keyframe requests
    assert probe.plis_sent == 1 and probe.playout.keyframe_needed


def test_probe_counts_red_blocks_as_arrivals(media: SimulcastMedia) -> None:
    citizen, probe, _ = _citizen(media)
    sender, wire = _sender(media)
    for _ in range(3):
        sender.send_audio()
    citizen.receiver.on_rtp(wire.sent[2], 5.0)  # the third packet carries the second frame
    assert sorted(probe.audio_arrivals.values()) == [5.0, 5.0]
    assert max(probe.audio_arrivals) - min(probe.audio_arrivals) == 960


def _feed(probe: CitizenProbe, citizen: Participant, data: bytes) -> None:
    before = probe.malformed + probe.packets
    citizen.receiver.tap = None  # the probe alone: the Receiver has its own fuzz tests
    probe.on_rtp(data, 1.0)
    probe.poll(2.0)
    assert probe.malformed + probe.packets == before + 1


def test_conformance_rtp_packets_never_break_the_probe(media: SimulcastMedia,
                                                       conformance_dir: Path) -> None:
    citizen, probe, _ = _citizen(media)
    vectors = json.loads((conformance_dir / "rtp_ext_vectors.json").read_text())
    packets = [bytes.fromhex(v["hex"]) for v in vectors["rtp_packets"] if "hex" in v]
    assert len(packets) > 20
    for packet in packets:
        for pt in (96, 97, 63, 111):  # each as video, RTX, RED and Opus
            _feed(probe, citizen, packet[:1] + bytes([pt]) + packet[2:] if len(packet) > 1
                  else packet)
    assert probe.malformed > 0 and probe.packets > 0


def test_shared_fuzz_regressions_never_break_the_probe(media: SimulcastMedia,
                                                       conformance_dir: Path) -> None:
    citizen, probe, _ = _citizen(media)
    entries = fuzz_regression_entries(conformance_dir)
    assert entries
    for _, data in entries:
        _feed(probe, citizen, data)
        for pt in (96, 97, 63):
            if len(data) > 1:
                _feed(probe, citizen, bytes([0x80, pt]) + data[2:])
        try:
            parse_red_untrusted(data, 0, len(data))
        except BadPacket:
            pass


@settings(max_examples=fuzz_budget(), deadline=None)
@given(st.binary(max_size=1300))
def test_probe_takes_any_plaintext(data: bytes) -> None:
    assert _MEDIA, "filled by the module's autouse fixture"
    citizen, probe, _ = _citizen(_MEDIA[0])
    _feed(probe, citizen, data)


@settings(max_examples=fuzz_budget(), deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 1299), st.integers(0, 255),
       st.sampled_from([96, 97, 63, 111]))
def test_probe_takes_mutated_valid_packets(pick: int, at: int, value: int, pt: int) -> None:
    assert _MEDIA and _VALID, "filled by the module's autouse fixture"
    citizen, probe, _ = _citizen(_MEDIA[0])
    valid = _VALID[pick % len(_VALID)]
    packet = bytearray(valid)
    packet[1] = (packet[1] & 0x80) | pt
    packet[at % len(packet)] = value
    _feed(probe, citizen, bytes(packet))


_MEDIA: list[SimulcastMedia] = []
_VALID: list[bytes] = []


@pytest.fixture(autouse=True, scope="module")
def _share_media(media: SimulcastMedia) -> None:
    """Hypothesis tests cannot take function fixtures: they read the module's media here."""
    if not _MEDIA:
        _MEDIA.append(media)
        sender, wire = _sender(media)
        for _ in range(3):
            sender.send_audio()
            sender.send_video_frame()
        _VALID.extend(wire.sent)
