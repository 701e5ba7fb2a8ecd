"""Header extension value codecs: mid, rid, transport-wide seq, abs-send-time, audio level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from media.errors import BadPacket
from media.rtp import parse_rtp_untrusted
from media.rtp_extensions import (
    ABS_SEND_TIME_URI,
    AUDIO_LEVEL_URI,
    REPAIRED_RID_URI,
    RID_URI,
    TRANSPORT_CC_URI,
    AudioLevel,
    abs_send_time_from_seconds,
    encode_abs_send_time,
    encode_audio_level,
    encode_mid,
    encode_rid,
    encode_transport_sequence,
    parse_abs_send_time_untrusted,
    parse_audio_level_untrusted,
    parse_mid_untrusted,
    parse_rid_untrusted,
    parse_transport_sequence_untrusted,
)


def _codec_cases(conformance_dir: Path) -> dict[str, list[dict[str, Any]]]:
    vectors = json.loads((conformance_dir / "rtp_ext_vectors.json").read_text())
    return {entry["ext"]: entry["cases"] for entry in vectors["extension_value_codecs"]}


def test_round_trips() -> None:
    for mid in ("0", "audio", "sdparta_1", "{a-b}"):
        assert parse_mid_untrusted(encode_mid(mid)) == mid
    for rid in ("q", "h", "f", "Hi0", "a" * 16):
        assert parse_rid_untrusted(encode_rid(rid)) == rid
    for sequence in (0, 1, 0xABCD, 0xFFFF):
        assert parse_transport_sequence_untrusted(encode_transport_sequence(sequence)) == sequence
    assert encode_transport_sequence(0x10001) == b"\x00\x01"  # wraps like the counter
    for value in (0, 1, 0xFFFFFF):
        assert parse_abs_send_time_untrusted(encode_abs_send_time(value)) == value
    for voice in (False, True):
        for level in (0, 30, 127):
            assert parse_audio_level_untrusted(encode_audio_level(voice, level)) == AudioLevel(
                voice, level
            )


def test_invalid_values() -> None:
    for bad in (b"", b"a b", b"a-b", b"a_b", "ä".encode(), b"x" * 256):
        with pytest.raises(BadPacket):
            parse_rid_untrusted(bad)
    for bad in (b"", b"a b", b'"', b"\x00", b"x" * 256):
        with pytest.raises(BadPacket):
            parse_mid_untrusted(bad)
    assert parse_rid_untrusted(b"x" * 255) == "x" * 255  # two-byte form may carry 255
    for rid in ("", "a-b", "ä", "a" * 17):
        with pytest.raises(ValueError):
            encode_rid(rid)
    for mid in ("", "a b", "x" * 17):
        with pytest.raises(ValueError):
            encode_mid(mid)
    with pytest.raises(BadPacket):
        parse_transport_sequence_untrusted(b"\x01")
    with pytest.raises(BadPacket):
        parse_abs_send_time_untrusted(b"\x01\x02")
    with pytest.raises(BadPacket):
        parse_audio_level_untrusted(b"")
    with pytest.raises(ValueError):
        encode_audio_level(True, 128)
    with pytest.raises(ValueError):
        encode_abs_send_time(1 << 24)


def test_abs_send_time_from_seconds() -> None:
    assert abs_send_time_from_seconds(0.0) == 0
    assert abs_send_time_from_seconds(1.0) == 1 << 18
    assert abs_send_time_from_seconds(0.5) == 1 << 17
    assert abs_send_time_from_seconds(64.0) == 0  # 6 integer bits: wraps every 64 s
    assert abs_send_time_from_seconds(63.999999) == 0xFFFFFF


def test_uris() -> None:
    assert RID_URI.endswith("sdes:rtp-stream-id")
    assert REPAIRED_RID_URI.endswith("sdes:repaired-rtp-stream-id")
    assert TRANSPORT_CC_URI.endswith("transport-wide-cc-extensions-01")
    assert ABS_SEND_TIME_URI.endswith("abs-send-time")
    assert AUDIO_LEVEL_URI == "urn:ietf:params:rtp-hdrext:ssrc-audio-level"


def test_value_codec_vectors(conformance_dir: Path) -> None:
    cases = _codec_cases(conformance_dir)
    for case in cases["transport-wide-cc (draft-holmer-01)"]:
        value = bytes.fromhex(case["hex"])
        if "error" in case:
            with pytest.raises(BadPacket):
                parse_transport_sequence_untrusted(value)
        else:  # "extra bytes ignored" is our decision too (transport-wide-cc-02 appends two)
            assert parse_transport_sequence_untrusted(value) == case["TransportSequence"]
    for case in cases["ssrc-audio-level (RFC 6464)"]:
        if "marshal" in case:
            with pytest.raises(ValueError):
                encode_audio_level(False, case["marshal"]["Level"])
        elif "error" in case:
            with pytest.raises(BadPacket):
                parse_audio_level_untrusted(bytes.fromhex(case["hex"]))
        else:
            level = parse_audio_level_untrusted(bytes.fromhex(case["hex"]))
            assert level == AudioLevel(case["Voice"], case["Level"])
            assert encode_audio_level(level.voice, level.level).hex() == case["hex"]
    for case in cases["ssrc-audio-level in aiortc map test"]:
        assert parse_audio_level_untrusted(bytes.fromhex(case["hex"])) == (
            case["voice"], case["level"]
        )
    for case in cases["abs-send-time"]:
        assert parse_abs_send_time_untrusted(bytes.fromhex(case["hex"])) == case["value_24bit"]
        assert encode_abs_send_time(case["value_24bit"]).hex() == case["hex"]
    for case in cases["sdes:mid / rtp-stream-id / repaired-rtp-stream-id"]:
        value = bytes.fromhex(case["hex"])
        assert parse_mid_untrusted(value) == case["value"]
        assert parse_rid_untrusted(value) == case["value"]
        assert encode_rid(case["value"]) == value
    # playout-delay and toffset are not extensions the SFU uses; no codec, nothing to check.


def test_mapped_packet_vector(conformance_dir: Path) -> None:
    """aiortc's libwebrtc-style packet with 8 extensions, read through its extmap."""
    vectors = json.loads((conformance_dir / "rtp_ext_vectors.json").read_text())
    case = next(c for c in vectors["rtp_packets"] if c["name"].startswith("aiortc test_map_header"))
    packet = parse_rtp_untrusted(bytes.fromhex(case["hex"]))
    ids = {uri: int(ident) for ident, uri in case["extmap"].items()}
    expected = case["expected"]
    ext = packet.extensions
    assert parse_abs_send_time_untrusted(ext[ids[ABS_SEND_TIME_URI]]) == expected["abs_send_time"]
    assert parse_audio_level_untrusted(ext[ids[AUDIO_LEVEL_URI]]) == tuple(expected["audio_level"])
    assert parse_rid_untrusted(ext[ids[RID_URI]]) == expected["rtp_stream_id"]
    assert parse_rid_untrusted(ext[ids[REPAIRED_RID_URI]]) == expected["repaired_rtp_stream_id"]
    assert parse_transport_sequence_untrusted(ext[ids[TRANSPORT_CC_URI]]) == (
        expected["transport_sequence_number"]
    )
    with_abs = next(c for c in vectors["rtp_packets"] if c["name"].endswith("_extensions"))
    packet = parse_rtp_untrusted(bytes.fromhex(with_abs["hex"]))
    expected = with_abs["expected"]
    assert parse_abs_send_time_untrusted(packet.extensions[2]) == expected["abs_send_time"]
    with_mid = next(c for c in vectors["rtp_packets"] if c["name"] == "aiortc rtp_with_sdes_mid")
    packet = parse_rtp_untrusted(bytes.fromhex(with_mid["hex"]))
    assert parse_mid_untrusted(packet.extensions[9]) == with_mid["expected"]["mid"]
