"""SRTP/SRTCP contexts over pylibsrtp: known answers, replay, tampering, hostile input.

Of /work/shared/conformance/srtp_vectors.json, the libsrtp reference packets apply: they start
from a master key and salt, as DTLS-SRTP does, and run through the RFC 3711 key derivation (their
session keys are the RFC 3711 B.3 ones). The RFC 7714 vectors give *session* keys with no KDF
step, and libsrtp takes only master keys, so they cannot be fed through this wrapper.
"""

from __future__ import annotations

import itertools
import json
import os
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.errors import BadPacket
from media.srtp import SrtpContext, SrtpKeyMaterial, SrtpProfile
from tests.conftest import fuzz_budget

RTP_HEADER = struct.Struct("!BBHII")


def rtp(seq: int, ssrc: int = 0x1234ABCD, payload: bytes = b"\x42" * 160) -> bytes:
    return RTP_HEADER.pack(0x80, 96, seq, seq * 3000, ssrc) + payload


def rtcp_receiver_report(ssrc: int = 0x1234ABCD) -> bytes:
    return struct.pack("!BBHI", 0x81, 201, 7, ssrc) + bytes(24)


def context_pair(profile: SrtpProfile) -> tuple[SrtpContext, SrtpContext]:
    a_key, a_salt = os.urandom(profile.key_length), os.urandom(profile.salt_length)
    b_key, b_salt = os.urandom(profile.key_length), os.urandom(profile.salt_length)
    a = SrtpContext.from_key_material(SrtpKeyMaterial(profile, a_key, a_salt, b_key, b_salt))
    b = SrtpContext.from_key_material(SrtpKeyMaterial(profile, b_key, b_salt, a_key, a_salt))
    return a, b


PROFILES = list(SrtpProfile)
TAG_LENGTH = {SrtpProfile.AEAD_AES_128_GCM: 16, SrtpProfile.AES128_CM_SHA1_80: 10}


def test_profile_parameters() -> None:
    gcm, cm = SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES128_CM_SHA1_80
    assert (gcm.key_length, gcm.salt_length) == (16, 12)
    assert (cm.key_length, cm.salt_length) == (16, 14)
    assert gcm.openssl_name == b"SRTP_AEAD_AES_128_GCM"
    assert SrtpProfile.from_openssl_name(b"SRTP_AES128_CM_SHA1_80") is cm
    assert SrtpProfile.from_openssl_name(b"") is None
    assert SrtpProfile.from_openssl_name(b"SRTP_AES128_CM_SHA1_32") is None
    assert SrtpProfile.from_openssl_name(b"\xff") is None


@pytest.mark.parametrize("profile", PROFILES)
def test_rtp_and_rtcp_round_trip_both_directions(profile: SrtpProfile) -> None:
    a, b = context_pair(profile)
    for sender, receiver in ((a, b), (b, a)):
        for seq in (1, 2, 3, 65535, 0):  # includes a rollover (RFC 3711 §3.3.1)
            packet = rtp(seq)
            protected = sender.protect_rtp(packet)
            assert len(protected) == len(packet) + TAG_LENGTH[profile]
            assert protected[:12] == packet[:12] and protected[12:172] != packet[12:]
            assert receiver.unprotect_rtp(protected) == packet
        report = rtcp_receiver_report()
        assert receiver.unprotect_rtcp(sender.protect_rtcp(report)) == report


@pytest.mark.parametrize("profile", PROFILES)
def test_many_ssrcs_share_one_context(profile: SrtpProfile) -> None:
    a, b = context_pair(profile)
    for ssrc in range(1, 50):
        assert b.unprotect_rtp(a.protect_rtp(rtp(7, ssrc))) == rtp(7, ssrc)


@pytest.mark.parametrize("profile", PROFILES)
def test_replayed_rtp_and_rtcp_are_rejected(profile: SrtpProfile) -> None:
    a, b = context_pair(profile)
    protected = a.protect_rtp(rtp(100))
    b.unprotect_rtp(protected)
    with pytest.raises(BadPacket):
        b.unprotect_rtp(protected)
    srtcp = a.protect_rtcp(rtcp_receiver_report())
    b.unprotect_rtcp(srtcp)
    with pytest.raises(BadPacket):
        b.unprotect_rtcp(srtcp)


@pytest.mark.parametrize("profile", PROFILES)
def test_out_of_order_within_the_window_is_accepted(profile: SrtpProfile) -> None:
    a, b = context_pair(profile)
    packets = [a.protect_rtp(rtp(seq)) for seq in range(1, 1001)]
    b.unprotect_rtp(packets[-1])
    assert b.unprotect_rtp(packets[10]) == rtp(11)  # 989 packets late: inside the 1024 window


@pytest.mark.parametrize("profile", PROFILES)
def test_the_sender_refuses_to_protect_the_same_sequence_number_twice(
    profile: SrtpProfile,
) -> None:
    a, _ = context_pair(profile)
    a.protect_rtp(rtp(5))
    with pytest.raises(BadPacket):
        a.protect_rtp(rtp(5))  # would reuse keystream: retransmit the stored protected bytes


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("position", [1, 8, 12, 100, -1, -5])
def test_tampered_packets_are_rejected(profile: SrtpProfile, position: int) -> None:
    a, b = context_pair(profile)
    protected = bytearray(a.protect_rtp(rtp(9)))
    protected[position] ^= 0x01
    with pytest.raises(BadPacket):
        b.unprotect_rtp(bytes(protected))
    srtcp = bytearray(a.protect_rtcp(rtcp_receiver_report()))
    srtcp[min(position, 20) if position > 0 else position] ^= 0x01
    with pytest.raises(BadPacket):
        b.unprotect_rtcp(bytes(srtcp))


@pytest.mark.parametrize("profile", PROFILES)
def test_wrong_key_and_hostile_sizes_are_bad_packets(profile: SrtpProfile) -> None:
    a, _ = context_pair(profile)
    _, stranger = context_pair(profile)
    with pytest.raises(BadPacket):
        stranger.unprotect_rtp(a.protect_rtp(rtp(1)))
    for data in (b"", b"\x80", rtp(1)[:11], bytes(1501), bytes(4000)):
        with pytest.raises(BadPacket):
            a.unprotect_rtp(data)
        with pytest.raises(BadPacket):
            a.unprotect_rtcp(data)
    with pytest.raises(BadPacket):
        a.protect_rtp(rtp(2, payload=bytes(1400)))  # beyond pylibsrtp's 1500-byte buffer
    with pytest.raises(BadPacket):
        a.protect_rtp(bytearray(rtp(3)))  # type: ignore[arg-type]


def test_key_material_is_validated_and_kept_out_of_repr() -> None:
    profile = SrtpProfile.AEAD_AES_128_GCM
    keys = SrtpKeyMaterial(profile, b"K" * 16, b"S" * 12, b"R" * 16, b"T" * 12)
    assert "KKKK" not in repr(keys) and "b'" not in repr(keys)
    with pytest.raises(ValueError):
        SrtpKeyMaterial(profile, b"K" * 16, b"S" * 14, b"R" * 16, b"T" * 12)
    with pytest.raises(ValueError):
        SrtpKeyMaterial(profile, b"K" * 15, b"S" * 12, b"R" * 16, b"T" * 12)
    with pytest.raises(ValueError):
        SrtpContext(profile, b"x" * 27, b"y" * 28)


# -- conformance: libsrtp reference packets ---------------------------------------------------


def libsrtp_vectors(conformance_dir: Path) -> list[dict[str, Any]]:
    data = json.loads((conformance_dir / "srtp_vectors.json").read_text())
    vectors: list[dict[str, Any]] = data["libsrtp_reference_packets"]
    assert len(vectors) == 4
    return vectors


def vector_context(vector: dict[str, Any]) -> SrtpContext:
    salt = bytes.fromhex(vector["master_salt"])
    profile = SrtpProfile.AES128_CM_SHA1_80 if len(salt) == 14 else SrtpProfile.AEAD_AES_128_GCM
    master = bytes.fromhex(vector["master_key"]) + salt
    return SrtpContext(profile, master, master)


def test_libsrtp_reference_packets(conformance_dir: Path) -> None:
    for vector in libsrtp_vectors(conformance_dir):
        plaintext = bytes.fromhex(vector["plaintext"])
        protected = bytes.fromhex(vector["protected"])
        is_rtcp = "RTCP" in vector["name"]
        sender, receiver = vector_context(vector), vector_context(vector)
        if is_rtcp:
            assert sender.protect_rtcp(plaintext) == protected, vector["name"]
            assert receiver.unprotect_rtcp(protected) == plaintext
            with pytest.raises(BadPacket):
                receiver.unprotect_rtcp(protected)
        else:
            assert sender.protect_rtp(plaintext) == protected, vector["name"]
            assert receiver.unprotect_rtp(protected) == plaintext
            with pytest.raises(BadPacket):
                receiver.unprotect_rtp(protected)


# -- fuzzing ---------------------------------------------------------------------------------

FUZZ_CONTEXTS = {profile: context_pair(profile) for profile in PROFILES}


@settings(max_examples=fuzz_budget(short=300), deadline=None)
@given(profile=st.sampled_from(PROFILES), data=st.binary(max_size=1600))
def test_fuzz_unprotect_random_bytes(profile: SrtpProfile, data: bytes) -> None:
    _, receiver = FUZZ_CONTEXTS[profile]
    for unprotect in (receiver.unprotect_rtp, receiver.unprotect_rtcp):
        with pytest.raises(BadPacket):
            unprotect(data)


_NEXT_SEQ = itertools.count(1)


@settings(max_examples=fuzz_budget(short=200), deadline=None)
@given(
    profile=st.sampled_from(PROFILES),
    flips=st.lists(st.tuples(st.integers(0, 400), st.integers(1, 255)), min_size=1, max_size=3),
)
def test_fuzz_mutated_packets_never_authenticate(
    profile: SrtpProfile, flips: list[tuple[int, int]]
) -> None:
    sender, receiver = FUZZ_CONTEXTS[profile]
    original = sender.protect_rtp(rtp(next(_NEXT_SEQ) & 0xFFFF))
    mutated = bytearray(original)
    for position, mask in flips:
        mutated[position % len(mutated)] ^= mask
    if bytes(mutated) == original:
        return  # the flips cancelled out
    with pytest.raises(BadPacket):
        receiver.unprotect_rtp(bytes(mutated))
