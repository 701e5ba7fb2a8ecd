"""aiortc as an independent WebRTC implementation: it must accept our answers and offers.

aiortc runs on asyncio, so each test drives it with `asyncio.run` inside a plain sync test
(the rest of the suite is trio). Only SDP is exchanged; no packet leaves the process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import aioice.ice
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc import sdp as aiortc_sdp
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from media.negotiated import Direction, DtlsRole, MediaKind
from signalling.sdp import (
    OutboundTrack,
    accept_subscribe_answer,
    answer_publish_offer,
    build_subscribe_offer,
)
from tests.signalling.test_sdp_captures import LOCAL

TIMEOUT = 20.0


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # aioice leaves 127.0.0.1 out of its host candidates (see testing.md); never go further.
    monkeypatch.setattr(aioice.ice, "get_host_addresses",
                        lambda use_ipv4, use_ipv6: ["127.0.0.1"])
    yield


def _peer() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))  # no public STUN server


def test_aiortc_accepts_our_publish_answer() -> None:
    async def exchange() -> tuple[str, str, str]:
        pc = _peer()
        try:
            pc.addTrack(AudioStreamTrack())
            pc.addTrack(VideoStreamTrack())
            await pc.setLocalDescription(await pc.createOffer())
            offer = pc.localDescription.sdp
            answer, _ = answer_publish_offer(offer, LOCAL)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
            directions = ",".join(t.currentDirection or "" for t in pc.getTransceivers())
            return offer, answer, directions
        finally:
            await pc.close()

    offer, answer, directions = asyncio.run(asyncio.wait_for(exchange(), TIMEOUT))
    assert directions == "sendonly,sendonly"  # aiortc sends, the SFU receives
    _, session = answer_publish_offer(offer, LOCAL)
    theirs = aiortc_sdp.SessionDescription.parse(offer)  # an independent parser's view
    audio, video = session.media
    assert (audio.direction, video.direction) == (Direction.RECVONLY, Direction.RECVONLY)
    assert audio.remote_ssrcs == tuple(s.ssrc for s in theirs.media[0].ssrc)
    assert [(c.name, c.payload_type) for c in audio.codecs] == [
        ("opus", theirs.media[0].rtp.codecs[0].payloadType)]
    assert video.codecs[0].name == "VP8" and video.codecs[0].rtx_payload_type is not None
    assert video.remote_rtx_ssrcs == (tuple(theirs.media[1].ssrc_group[0].items),)
    assert audio.extensions.mid is not None and video.extensions.mid is not None
    ours = aiortc_sdp.SessionDescription.parse(answer)
    for media in ours.media:
        assert media.ice is not None and media.ice.iceLite
        assert media.dtls is not None and media.dtls.role == "server"
    assert [c.ip for c in ours.media[0].ice_candidates] == ["127.0.0.1", "::1"]
    their_dtls = theirs.media[0].dtls
    assert their_dtls is not None
    sha256 = [f.value for f in their_dtls.fingerprints if f.algorithm == "sha-256"]
    assert [session.remote_fingerprint.value.hex().upper()] == [v.replace(":", "") for v in sha256]
    assert session.dtls_role is DtlsRole.SERVER


def test_aiortc_answers_our_subscribe_offer_and_renegotiation() -> None:
    audio = OutboundTrack("0", MediaKind.AUDIO, 1111, None, "peerA", "micA")
    camera = OutboundTrack("1", MediaKind.VIDEO, 2222, 2223, "peerA", "camA")
    screen = OutboundTrack("2", MediaKind.VIDEO, 3333, 3334, "peerA-screen", "screenA")

    async def exchange() -> tuple[list[tuple[str, str]], list[str], list[str]]:
        pc = _peer()
        received: list[str] = []
        pc.on("track", lambda track: received.append(track.kind))
        rounds = []
        try:
            for version, tracks in enumerate([[audio, camera], [audio, camera, screen]], 1):
                offer = build_subscribe_offer(LOCAL, tracks, version)
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
                await pc.setLocalDescription(await pc.createAnswer())
                rounds.append((offer, pc.localDescription.sdp))
            directions = [t.currentDirection or "" for t in pc.getTransceivers()]
            return rounds, received, directions
        finally:
            await pc.close()

    rounds, received, directions = asyncio.run(asyncio.wait_for(exchange(), TIMEOUT))
    assert received == ["audio", "video", "video"]
    assert directions == ["recvonly", "recvonly", "recvonly"]
    first = accept_subscribe_answer(*rounds[0], LOCAL)
    second = accept_subscribe_answer(*rounds[1], LOCAL)
    assert [(m.mid, m.direction) for m in second.media] == [
        ("0", Direction.SENDONLY), ("1", Direction.SENDONLY), ("2", Direction.SENDONLY)]
    assert second.media[:2] == first.media
    assert [(m.local_ssrc, m.local_rtx_ssrc) for m in second.media] == [
        (1111, None), (2222, 2223), (3333, 3334)]
    assert second.media[0].codecs[0].payload_type == 111  # our canonical opus PT
    assert second.media[1].codecs[0].name == "VP8"
    assert second.media[1].codecs[0].rtx_payload_type == 97
    assert "a=setup:active" in rounds[0][1]
