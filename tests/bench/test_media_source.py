"""The load generator's media: real Opus/VP8 loops, the frame stamp, and the receive checks."""

from __future__ import annotations

import struct

import av
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.frame_check import DecodeSampler, FrameChecker, vp8_descriptor_size
from bench.media_source import (
    THREE_G,
    MediaLoop,
    build_media_loop,
    luma_of,
    packetize_vp8,
    picture_digest,
    read_number,
    stamp_number,
)
from bench.streams import AUDIO, VIDEO, PublishFormat, Receiver, Sender, Totals
from tests.conftest import fuzz_budget

_LOOP: MediaLoop | None = None


def media_loop() -> MediaLoop:
    global _LOOP
    if _LOOP is None:
        _LOOP = build_media_loop(THREE_G)
    return _LOOP


class Wire:
    """A publish transport without crypto: what the sender would protect and send."""

    srtp = object()

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send_now(self, plain_rtp: bytes) -> None:
        self.sent.append(plain_rtp)


def test_stamp_reads_back_and_rejects_damage() -> None:
    luma = np.full((240, 320), 128, dtype=np.uint8)
    for number in (0, 1, 59, 170, 255):
        stamp_number(luma, number)
        assert read_number(luma) == number
    luma[8:24, 136:168] = 235  # complement blocks forced bright: they disagree with the value
    assert read_number(luma) is None


def test_loop_is_real_vp8_and_opus_at_the_profile_rates() -> None:
    loop = media_loop()
    profile = loop.profile
    assert len(loop.frames) == profile.loop_frames == 60
    assert [f.position for f in loop.frames if f.keyframe] == [0, 15, 30, 45]
    video_bits = sum(len(p.data) for f in loop.frames for p in f.packets) * 8
    assert 0.7 * profile.video_bitrate < video_bits / profile.loop_seconds < 1.3 * \
        profile.video_bitrate
    audio_bits = sum(len(a) for a in loop.audio) * 8
    assert len(loop.audio) == 200
    assert 0.7 * profile.audio_bitrate < audio_bits / profile.loop_seconds < 1.3 * \
        profile.audio_bitrate
    decoder = av.CodecContext.create("vp8", "r")
    for frame in loop.frames[:20]:
        pictures = decoder.decode(av.Packet(b"".join(p.data for p in frame.packets)))
        luma = luma_of(pictures[0])
        assert read_number(luma) == frame.position
        assert picture_digest(luma) == loop.reference[frame.position]
    opus = av.CodecContext.create("opus", "r")
    assert opus.decode(av.Packet(loop.audio[0]))[0].samples == 960


def test_every_loop_packet_is_found_by_its_tail() -> None:
    loop = media_loop()
    for index, data in enumerate(loop.video_data):
        assert loop.video_index[data[-loop.video_tail:]] == index
    for index, payload in enumerate(loop.audio):
        assert loop.audio_index[payload[-loop.audio_tail:]] == index


def test_packetize_splits_evenly_within_the_limit() -> None:
    frame = bytes(range(256)) * 10
    parts = packetize_vp8(frame, 1100)
    assert b"".join(parts) == frame and len(parts) == 3
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


def _sender_and_receiver() -> tuple[Sender, Wire, Receiver, Totals]:
    loop = media_loop()
    totals = Totals()
    sender = Sender(loop, (0x11111111, 0x22222222), 12345, totals)
    wire = Wire()
    sender.attach(wire, PublishFormat())
    receiver = Receiver(loop, totals, DecodeSampler(1, loop.profile.gop))
    receiver.source = sender
    receiver.payload_types = {111: AUDIO, 96: VIDEO}
    return sender, wire, receiver, totals


def test_rtp_timestamps_markers_and_sequence_numbers() -> None:
    sender, wire, _, _ = _sender_and_receiver()
    sender.send_audio()
    sender.send_audio()
    sender.send_video_frame()
    sender.send_video_frame()
    headers = [struct.unpack_from("!BBHII", packet) for packet in wire.sent]
    audio = [h for h in headers if h[1] & 0x7F == 111]
    video = [h for h in headers if h[1] & 0x7F == 96]
    assert audio[0][1] & 0x80 and not audio[1][1] & 0x80  # marker on the first audio packet
    assert (audio[1][3] - audio[0][3]) & 0xFFFFFFFF == 960
    assert (audio[1][2] - audio[0][2]) & 0xFFFF == 1
    first_frame = [h for h in video if h[3] == video[0][3]]
    assert [bool(h[1] & 0x80) for h in first_frame] == [False] * (len(first_frame) - 1) + [True]
    assert (video[-1][3] - video[0][3]) & 0xFFFFFFFF == 6000  # 90 kHz / 15 fps


def test_receiver_counts_latency_loss_and_checks_frames_in_order() -> None:
    sender, wire, receiver, totals = _sender_and_receiver()
    for _ in range(40):
        sender.send_video_frame()
        sender.send_audio()
    dropped = wire.sent.pop(50)  # one packet lost in the middle
    for packet in wire.sent:
        receiver.on_rtp(packet, sender.sent_video[0] + 0.001)
    assert totals.received == len(wire.sent)
    assert totals.gaps == 1 and totals.damaged == 0 and totals.unknown == 0
    assert len(totals.latencies) == len(wire.sent)
    video = next(s for s in receiver.streams.values() if s.kind == VIDEO)
    assert video.checker is not None
    counts = video.checker.counts
    assert counts.decoded >= 15 and counts.corrupt == 0 and counts.out_of_order == 0
    assert dropped  # the lost packet made its frame incomplete or was audio
    assert counts.incomplete + totals.gaps >= 1


def test_keyframe_request_jumps_to_the_next_keyframe_and_decoding_stays_in_order() -> None:
    sender, wire, receiver, totals = _sender_and_receiver()
    for _ in range(5):
        sender.send_video_frame()
    pli = struct.pack("!BBHII", 0x81, 206, 2, 1, sender.video_ssrc)  # RFC 4585 §6.3.1
    sender.on_rtcp(pli)
    for _ in range(20):
        sender.send_video_frame()
    assert totals.keyframe_requests == 1
    for packet in wire.sent:
        receiver.on_rtp(packet, 0.0)
    checker = next(s for s in receiver.streams.values() if s.kind == VIDEO).checker
    assert checker is not None
    assert checker.counts.out_of_order == 0 and checker.counts.corrupt == 0


def test_damaged_payload_is_counted_and_a_corrupt_picture_detected() -> None:
    sender, wire, receiver, totals = _sender_and_receiver()
    for _ in range(3):
        sender.send_video_frame()
    packet = bytearray(wire.sent[0])
    packet[40] ^= 0xFF  # inside the keyframe's VP8 data, tail intact
    wire.sent[0] = bytes(packet)
    for sent in wire.sent:
        receiver.on_rtp(sent, 0.0)
    assert totals.damaged == 1
    checker = next(s for s in receiver.streams.values() if s.kind == VIDEO).checker
    assert checker is not None
    assert checker.counts.corrupt >= 1


@settings(max_examples=fuzz_budget(), deadline=None)
@given(st.binary(max_size=40), st.integers(0, 40), st.integers(0, 40))
def test_vp8_descriptor_size_never_raises_or_overruns(data: bytes, start: int, end: int) -> None:
    size = vp8_descriptor_size(data, start, min(end, len(data)))
    assert size == 0 or start + size <= min(end, len(data))


@settings(max_examples=fuzz_budget(), deadline=None)
@given(st.binary(min_size=12, max_size=300))
def test_receiver_and_frame_checker_take_any_plaintext(data: bytes) -> None:
    _, _, receiver, totals = _sender_and_receiver()
    packet = bytes([0x80 | (data[0] & 0x3F), 96 | (data[1] & 0x80)]) + data[2:]
    receiver.on_rtp(packet, 0.0)
    checker = FrameChecker(media_loop(), DecodeSampler(1, 15))
    checker.start_window(2)
    checker.on_packet(packet, 1, True, 12, len(packet))
    assert totals.received + totals.damaged <= 1
