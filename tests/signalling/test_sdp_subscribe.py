"""build_subscribe_offer / accept_subscribe_answer: the SFU offers sendonly, the browser answers."""

from __future__ import annotations

import dataclasses

import pytest

from media.negotiated import Direction, DtlsRole, HeaderExtensionIds, MediaKind
from signalling.errors import ProtocolError
from signalling.sdp import (
    Capabilities,
    OutboundTrack,
    accept_subscribe_answer,
    build_subscribe_offer,
    codes,
    parse_sdp_untrusted,
)
from tests.signalling.test_sdp_captures import CHROME_SUBSCRIBE_ANSWER, LOCAL, replace_lines

AUDIO = OutboundTrack("0", MediaKind.AUDIO, 1111, None, "peerA", "micA")
CAMERA = OutboundTrack("1", MediaKind.VIDEO, 2222, 2223, "peerA", "camA")
SCREEN = OutboundTrack("2", MediaKind.VIDEO, 3333, 3334, "peerA-screen", "screenA")


def subscribe_offer(version: int = 1) -> str:
    """The offer CHROME_SUBSCRIBE_ANSWER answers."""
    return build_subscribe_offer(LOCAL, [AUDIO, CAMERA], version)


def test_offer_structure() -> None:
    offer = parse_sdp_untrusted(subscribe_offer())
    assert offer.has("ice-lite") and offer.values("group") == ["BUNDLE 0 1"]
    assert offer.origin.session_id == LOCAL.session_id and offer.origin.session_version == 1
    audio, video = offer.media
    assert audio.formats == ("63", "111")  # RED offered first (RFC 2198), plain Opus behind it
    assert video.formats == ("96", "97", "98", "99", "102", "103")  # canonical table
    for section in (audio, video):
        assert section.port == 40000 and section.lines == (("c", "IN IP4 127.0.0.1"),)
        assert section.value("setup") == "actpass"
        assert section.has("sendonly") and section.has("rtcp-mux") and section.has("rtcp-rsize")
        assert section.value("fingerprint") == f"sha-256 {LOCAL.fingerprint_sha256}"
        assert section.values("candidate") == [
            "1 1 udp 2130706431 127.0.0.1 40000 typ host", "2 1 udp 2130706175 ::1 40001 typ host"]
        assert section.has("end-of-candidates")
    assert audio.value("msid") == "peerA micA"
    assert audio.values("ssrc") == ["1111 cname:peerA", "1111 msid:peerA micA"]
    assert audio.values("rtpmap") == ["63 red/48000/2", "111 opus/48000/2"]
    assert audio.values("fmtp") == ["63 111/111", "111 minptime=10;useinbandfec=1;usedtx=1"]
    assert video.values("ssrc-group") == ["FID 2222 2223"]
    assert "97 apt=96" in video.values("fmtp")
    assert "102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f" in \
        video.values("fmtp")
    assert video.values("extmap") == [
        "2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "4 urn:ietf:params:rtp-hdrext:sdes:mid"]


def test_offer_capabilities_red_and_codec_list() -> None:
    offer = build_subscribe_offer(LOCAL, [AUDIO, CAMERA], 1,
                                  capabilities=Capabilities(video_codecs=("VP8",), red_audio=True))
    audio, video = parse_sdp_untrusted(offer).media
    assert audio.formats == ("63", "111") and "63 111/111" in audio.values("fmtp")
    assert video.formats == ("96", "97")
    no_rtx = build_subscribe_offer(LOCAL, [dataclasses.replace(CAMERA, rtx_ssrc=None)], 1)
    assert parse_sdp_untrusted(no_rtx).media[0].formats == ("96", "98", "102")


def test_chrome_answer_is_accepted() -> None:
    session = accept_subscribe_answer(subscribe_offer(), CHROME_SUBSCRIBE_ANSWER, LOCAL)
    assert session.dtls_role is DtlsRole.SERVER and session.local_ice == LOCAL.ice
    assert session.remote_ice.ufrag == "7a7l"
    assert session.remote_fingerprint.algorithm == "sha-256"
    assert session.remote_fingerprint.value[:3] == b"\x27\x83\x19"
    audio, video = session.media
    assert (audio.mid, audio.direction, audio.local_ssrc, audio.local_rtx_ssrc) == (
        "0", Direction.SENDONLY, 1111, None)
    assert [(c.name, c.payload_type, c.fmtp) for c in audio.codecs] == [
        ("opus", 111, (("minptime", "10"), ("useinbandfec", "1")))]  # from the answer
    assert audio.extensions == HeaderExtensionIds(mid=4, transport_cc=3, abs_send_time=2,
                                                  audio_level=1)
    assert (video.direction, video.local_ssrc, video.local_rtx_ssrc) == (
        Direction.SENDONLY, 2222, 2223)
    assert [(c.name, c.payload_type, c.rtx_payload_type) for c in video.codecs] == [
        ("VP8", 96, 97), ("VP9", 98, 99), ("H264", 102, 103)]
    assert video.codecs[0].rtcp_feedback == {"goog-remb", "transport-cc", "ccm fir", "nack",
                                             "nack pli"}
    assert video.remote_ssrcs == ()


def test_answer_order_and_subset_are_kept() -> None:
    answer = CHROME_SUBSCRIBE_ANSWER.replace(
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103", "m=video 9 UDP/TLS/RTP/SAVPF 102 96")
    session = accept_subscribe_answer(subscribe_offer(), answer, LOCAL)
    assert [(c.name, c.rtx_payload_type) for c in session.media[1].codecs] == [
        ("H264", None), ("VP8", None)]


def test_rejected_and_inactive_m_lines() -> None:
    rejected = CHROME_SUBSCRIBE_ANSWER.replace("m=audio 9 ", "m=audio 0 ")
    session = accept_subscribe_answer(subscribe_offer(), rejected, LOCAL)
    assert (session.media[0].direction, session.media[0].codecs) == (Direction.INACTIVE, ())
    assert session.media[0].local_ssrc == 1111
    inactive = CHROME_SUBSCRIBE_ANSWER.replace("a=recvonly", "a=inactive", 1)
    assert accept_subscribe_answer(subscribe_offer(), inactive, LOCAL).media[0].direction is \
        Direction.INACTIVE


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda s: s.replace("a=setup:active", "a=setup:passive"), codes.DTLS_ROLE_CONFLICT),
        (lambda s: s.replace("a=setup:active", "a=setup:actpass"), codes.DTLS_ROLE_CONFLICT),
        (lambda s: s.replace("a=recvonly", "a=sendonly", 1), codes.ANSWER_MISMATCH),
        (lambda s: s.replace("SAVPF 111", "SAVPF 112").replace("rtpmap:111", "rtpmap:112"),
         codes.ANSWER_MISMATCH),
        (lambda s: s.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 PCMU/8000"),
         codes.ANSWER_MISMATCH),
        (lambda s: s.replace("a=fmtp:97 apt=96", "a=fmtp:97 apt=98"), codes.ANSWER_MISMATCH),
        (lambda s: s.replace("a=mid:1", "a=mid:7").replace("BUNDLE 0 1", "BUNDLE 0 7"),
         codes.ANSWER_MISMATCH),
        (lambda s: s[: s.index("m=video")], codes.ANSWER_MISMATCH),
        (lambda s: s.replace("m=audio", "m=video", 1), codes.ANSWER_MISMATCH),
        (lambda s: replace_lines(s, "a=rtcp-mux", None), codes.RTCP_MUX_REQUIRED),
        (lambda s: s.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0"), codes.BUNDLE_REQUIRED),
        (lambda s: s.replace("a=fingerprint:sha-256", "a=fingerprint:sha-1"),
         codes.FINGERPRINT_REQUIRED),
        (lambda s: s.replace("a=ice-ufrag:7a7l\r\n", ""), codes.ICE_CREDENTIALS_REQUIRED),
    ],
)
def test_bad_answers_are_rejected(mutate: object, code: str) -> None:
    assert callable(mutate)
    answer = mutate(CHROME_SUBSCRIBE_ANSWER)
    assert answer != CHROME_SUBSCRIBE_ANSWER
    with pytest.raises(ProtocolError) as error:
        accept_subscribe_answer(subscribe_offer(), answer, LOCAL)
    assert error.value.code == code


def test_renegotiation_appends_and_stops_tracks() -> None:
    first = parse_sdp_untrusted(build_subscribe_offer(LOCAL, [AUDIO, CAMERA], 1))
    second = parse_sdp_untrusted(build_subscribe_offer(LOCAL, [AUDIO, CAMERA, SCREEN], 2))
    assert second.media[:2] == first.media  # existing m-lines untouched
    assert second.media[2].mid == "2" and second.values("group") == ["BUNDLE 0 1 2"]
    assert second.origin.session_version == 2
    stopped = dataclasses.replace(SCREEN, active=False)
    third = parse_sdp_untrusted(build_subscribe_offer(LOCAL, [AUDIO, CAMERA, stopped], 3))
    screen = third.media[2]
    assert screen.has("inactive") and not screen.has("sendonly")
    assert screen.port != 0 and third.values("group") == ["BUNDLE 0 1 2"]  # transport survives
    assert screen.value("msid") is None and screen.values("ssrc") == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: build_subscribe_offer(LOCAL, [], 1),
        lambda: build_subscribe_offer(LOCAL, [AUDIO], -1),
        lambda: Capabilities(video_codecs=("AV1",)),
        lambda: Capabilities(max_simulcast_layers=0),
        lambda: build_subscribe_offer(LOCAL, [AUDIO, dataclasses.replace(CAMERA, mid="0")], 1),
        lambda: OutboundTrack("0", MediaKind.AUDIO, 1, 2, "s", "t"),
        lambda: OutboundTrack("0", MediaKind.VIDEO, 5, 5, "s", "t"),
        lambda: OutboundTrack("0", MediaKind.VIDEO, 0, None, "s", "t"),
        lambda: OutboundTrack("a mid", MediaKind.VIDEO, 5, None, "s", "t"),
        lambda: OutboundTrack("0", MediaKind.VIDEO, 5, None, "s" * 65, "t"),
        lambda: dataclasses.replace(LOCAL, fingerprint_sha256="AB:CD"),
        lambda: dataclasses.replace(LOCAL, candidates=(("not-an-ip", 1),)),
    ],
)
def test_programming_errors_raise_value_error(make: object) -> None:
    assert callable(make)
    with pytest.raises(ValueError):
        make()
