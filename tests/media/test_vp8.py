"""VP8 payload descriptor (RFC 7741 §4.2) and the key-frame rule (RFC 7741 §4.3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from media.errors import BadPacket
from media.vp8 import Vp8Descriptor, is_vp8_keyframe, parse_vp8_descriptor_untrusted


def _vectors(conformance_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((conformance_dir / "rtp_ext_vectors.json").read_text())
    return loaded


def test_full_descriptor() -> None:
    # X, N, S, PID 3; I (15-bit 0x1234), L (7), T/K (TID 2, Y, KEYIDX 5); then payload "P" byte
    payload = bytes([0x80 | 0x20 | 0x10 | 3, 0xF0, 0x80 | 0x12, 0x34, 7, 0x80 | 0x20 | 5, 0x00])
    assert parse_vp8_descriptor_untrusted(payload) == Vp8Descriptor(
        non_reference=True, start_of_partition=True, partition_id=3, picture_id=0x1234,
        picture_id_15bit=True, tl0picidx=7, tid=2, layer_sync=True, keyidx=5, size=6,
    )


def test_keyframe_rule() -> None:
    assert is_vp8_keyframe(bytes([0x10, 0x00, 0x9D, 0x01, 0x2A]))  # S=1, PID=0, P=0
    assert not is_vp8_keyframe(bytes([0x10, 0x01]))  # P=1: inter frame
    assert not is_vp8_keyframe(bytes([0x00, 0x00]))  # S=0: not the first packet
    assert not is_vp8_keyframe(bytes([0x11, 0x00]))  # PID=1
    assert not is_vp8_keyframe(bytes([0x10]))  # no VP8 payload header byte
    assert not is_vp8_keyframe(b"")
    assert not is_vp8_keyframe(bytes([0x90, 0x80]))  # truncated descriptor: no exception
    assert is_vp8_keyframe(bytes([0x90, 0x80, 0x81, 0x02, 0x00]))  # 15-bit PictureID skipped


def test_descriptor_vectors(conformance_dir: Path) -> None:
    keys: dict[str, Callable[[Vp8Descriptor], object]] = {
        "S": lambda d: int(d.start_of_partition), "N": lambda d: int(d.non_reference),
        "PID": lambda d: d.partition_id, "picture_id": lambda d: d.picture_id,
        "tl0picidx": lambda d: d.tl0picidx, "keyidx": lambda d: d.keyidx,
        "layer_sync": lambda d: d.layer_sync, "descriptor_len": lambda d: d.size,
    }
    checked = 0
    for case in _vectors(conformance_dir)["vp8_payload_descriptor"]:
        payload = bytes.fromhex(case["hex"])
        # Deliberate: "mediasoup X not set" (50 80 11) is a valid RFC 7741 descriptor without the
        # X octet; mediasoup rejects it, the independent cross-check accepts it, and so do we.
        if "expected_error" in case and case.get("cross_check_rejects", True):
            with pytest.raises(BadPacket):
                parse_vp8_descriptor_untrusted(payload)
            checked += 1
            continue
        descriptor = parse_vp8_descriptor_untrusted(payload)
        for key, value in case.get("expected", {}).items():
            if key == "tid":
                got = descriptor.tid if not isinstance(value, list) else [
                    descriptor.tid, int(descriptor.layer_sync)
                ]
                assert got == value, case
            elif key == "is_keyframe":
                assert is_vp8_keyframe(payload) == value, case
            elif key in keys:
                assert keys[key](descriptor) == value, (case, key)
        checked += 1
    assert checked >= 40


def test_keyframe_vectors(conformance_dir: Path) -> None:
    for case in _vectors(conformance_dir)["vp8_keyframe"]:
        if "hex" in case:
            assert is_vp8_keyframe(bytes.fromhex(case["hex"])) == case["is_keyframe"], case
