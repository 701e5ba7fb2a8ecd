"""answer_publish_offer: browser offers in, well-formed recvonly answers and sessions out."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.negotiated import Direction, DtlsRole, HeaderExtensionIds, MediaKind, NegotiatedSession
from signalling.errors import ProtocolError
from signalling.sdp import (
    Attribute,
    Capabilities,
    answer_publish_offer,
    codes,
    is_ice_restart,
    parse_sdp_untrusted,
    serialize_sdp,
)
from tests.conftest import CONFORMANCE_DIR, fuzz_budget
from tests.signalling.test_sdp_captures import CHROME_SIMULCAST_OFFER, LOCAL, replace_lines

FIREFOX = "exwebrtc_firefox121_audio_video_offer.sdp"
SAFARI = "aiortc_safari_input.sdp"
CHROME_OLD = "aiortc_video_chrome_input.sdp"
BROWSER_OFFERS = [
    FIREFOX, SAFARI, CHROME_OLD, "aiortc_audio_chrome_input.sdp", "aiortc_audio_firefox_input.sdp",
    "aiortc_video_firefox_input.sdp", "webrtc_corpus_firefox-1.sdp", "webrtc_corpus_opera-1.sdp",
    "sdptransform_jsep.sdp",
]


def _read(conformance_dir: Path, name: str) -> str:
    return (conformance_dir / "sdp" / name).read_text(encoding="utf-8")


def _names(session: NegotiatedSession) -> list[tuple[str, list[tuple[str, int, int | None]]]]:
    return [(m.mid, [(c.name, c.payload_type, c.rtx_payload_type) for c in m.codecs])
            for m in session.media]


def _assert_well_formed_answer(answer: str, offer: str, session: NegotiatedSession) -> None:
    """Structure every answer must have, checked on the parsed answer text."""
    parsed, offered = parse_sdp_untrusted(answer), parse_sdp_untrusted(offer)
    assert answer.endswith("\r\n") and parsed.has("ice-lite")
    assert [s.mid for s in parsed.media] == [s.mid for s in offered.media]
    bundle = [v for v in parsed.values("group") if v.startswith("BUNDLE")]
    accepted = [s for s in parsed.media if s.port != 0]
    if len(accepted) > 0 and offered.values("group"):
        assert bundle == ["BUNDLE " + " ".join(str(s.mid) for s in accepted)]
    for section in accepted:
        assert section.value("setup") == "passive"
        assert section.value("ice-ufrag") == LOCAL.ice.ufrag
        assert section.value("fingerprint") == f"sha-256 {LOCAL.fingerprint_sha256}"
        assert section.has("rtcp-mux") and section.has("end-of-candidates")
        assert len(section.values("candidate")) == len(LOCAL.candidates)
        assert section.has("recvonly") or section.has("inactive")
        description = session.by_mid(str(section.mid))
        assert description is not None and description.codecs
        assert section.formats == tuple(
            str(pt) for c in description.codecs
            for pt in (c.payload_type, c.rtx_payload_type) if pt is not None)
    assert session.dtls_role is DtlsRole.SERVER and session.local_ice == LOCAL.ice


def test_chrome_simulcast_offer() -> None:
    answer, session = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL)
    _assert_well_formed_answer(answer, CHROME_SIMULCAST_OFFER, session)
    audio, video = session.media
    assert (audio.kind, audio.direction) == (MediaKind.AUDIO, Direction.RECVONLY)
    # RED (RFC 2198) first, so Chrome sends redundancy; Opus with in-band FEC and DTX behind it
    assert [(c.name, c.payload_type, c.clock_rate, c.channels) for c in audio.codecs] == [
        ("red", 63, 48000, 2), ("opus", 111, 48000, 2)]
    assert audio.codecs[1].rtcp_feedback == {"transport-cc"}
    assert audio.codecs[1].fmtp_value("useinbandfec") == "1"
    assert audio.extensions == HeaderExtensionIds(mid=4, transport_cc=3, abs_send_time=2,
                                                  audio_level=1)
    assert audio.remote_ssrcs == (963410945,)
    assert audio.stream_id == "4df6533c-6ed3-4424-a0f7-057a92b4dc18"
    assert audio.track_id == "cec5e51d-fb05-4310-9c0c-38772b2feb99"
    # VP8 preferred; H264 only as Constrained Baseline packetization-mode=1 (PT 108, not 102)
    assert _names(session)[1] == ("1", [("VP8", 96, 97), ("VP9", 98, 99), ("H264", 108, 109)])
    assert video.codecs[0].rtcp_feedback == {"goog-remb", "transport-cc", "ccm fir", "nack",
                                             "nack pli"}
    assert video.extensions == HeaderExtensionIds(mid=4, rid=10, repaired_rid=11, transport_cc=3,
                                                  abs_send_time=2)
    assert video.rids == ("q", "h", "f")
    assert video.remote_ssrcs == () and video.remote_rtx_ssrcs == ()
    assert session.remote_ice.ufrag == "KOvm"
    assert session.remote_fingerprint.value[:2] == b"\xfb\x2b"
    video_answer = parse_sdp_untrusted(answer).media[1]
    assert video_answer.values("rid") == ["q recv", "h recv", "f recv"]
    assert video_answer.values("simulcast") == ["recv q;h;f"]
    assert "a=extmap-allow-mixed" not in answer  # media only parses one-byte headers
    assert "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset" not in answer


def test_firefox_121_offer(conformance_dir: Path) -> None:
    offer = _read(conformance_dir, FIREFOX)
    answer, session = answer_publish_offer(offer, LOCAL)
    _assert_well_formed_answer(answer, offer, session)
    assert _names(session) == [("0", [("opus", 109, None)]),
                               ("1", [("VP8", 120, 124), ("VP9", 121, 125), ("H264", 126, 127)])]
    audio, video = session.media
    assert audio.extensions == HeaderExtensionIds(mid=3, audio_level=1)  # 2/recvonly not taken
    assert video.extensions == HeaderExtensionIds(mid=3, abs_send_time=4, transport_cc=7)
    assert video.remote_ssrcs == (7463831,)
    assert video.remote_rtx_ssrcs == ((7463831, 2513307155),)
    assert video.stream_id is None  # "a=msid:- {...}": no stream
    assert video.track_id == "{73b368b6-4a66-409b-87ea-0ed7919bce82}"
    assert session.remote_ice.ufrag == "6c0579ea"  # media-level credentials
    assert "a=extmap:2" not in answer.split("m=video")[0]


def test_safari_offer_prefers_vp8_and_rejects_data_channel(conformance_dir: Path) -> None:
    offer = _read(conformance_dir, SAFARI)
    answer, session = answer_publish_offer(offer, LOCAL)
    _assert_well_formed_answer(answer, offer, session)
    assert _names(session) == [("audio", [("opus", 111, None)]),
                               ("video", [("VP8", 100, 101), ("H264", 98, 99)])]
    video = session.media[1]
    assert video.codecs[1].fmtp_value("profile-level-id") == "42e01f"
    assert video.remote_rtx_ssrcs == ((11942296, 149700150),)
    assert video.extensions.transport_cc == 5 and video.extensions.abs_send_time == 3
    data = parse_sdp_untrusted(answer).media[2]
    assert (data.kind, data.port, data.mid) == ("application", 0, "data")
    assert len(session.media) == 2  # the data channel is not media's business
    assert "a=group:BUNDLE audio video\r\n" in answer


def test_old_chrome_offer_and_wildcard_feedback(conformance_dir: Path) -> None:
    _, session = answer_publish_offer(_read(conformance_dir, CHROME_OLD), LOCAL)
    assert _names(session) == [("video", [("VP8", 96, 97), ("VP9", 98, 99)])]
    assert session.media[0].remote_rtx_ssrcs == ((1845476211, 3305256354),)
    _, star = answer_publish_offer(
        _read(conformance_dir, "aiortc_video_session_star_rtcp_fb_input.sdp"), LOCAL)
    assert star.media[0].codecs[0].rtcp_feedback == {"nack", "nack pli", "goog-remb"}


@pytest.mark.parametrize("name", BROWSER_OFFERS)
def test_browser_offers_give_well_formed_answers(conformance_dir: Path, name: str) -> None:
    offer = _read(conformance_dir, name)
    answer, session = answer_publish_offer(offer, LOCAL)
    _assert_well_formed_answer(answer, offer, session)
    assert any(m.codecs for m in session.media)


def test_every_conformance_file_answers_or_raises_protocol_error(conformance_dir: Path) -> None:
    answered = 0
    for path in sorted((conformance_dir / "sdp").glob("*.sdp")):
        offer = path.read_bytes().decode("utf-8", errors="replace")
        try:
            answer, session = answer_publish_offer(offer, LOCAL)
        except ProtocolError:
            continue
        parse_sdp_untrusted(answer)
        answered += 1
    assert answered >= 20


def test_pcmu_only_and_ice_lite_peers(conformance_dir: Path) -> None:
    _, session = answer_publish_offer(
        _read(conformance_dir, "aiortc_audio_dtls_session_level_input.sdp"), LOCAL)
    assert session.media[0].direction is Direction.INACTIVE and session.media[0].codecs == ()
    with pytest.raises(ProtocolError) as error:
        answer_publish_offer(_read(conformance_dir, "aiortc_audio_ice_lite_input.sdp"), LOCAL)
    assert error.value.code == codes.ICE_LITE_PEER


def _fingerprint_lines(sdp: str) -> list[str]:
    return [line for line in sdp.split("\r\n") if line.startswith("a=fingerprint:")]


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda s: replace_lines(s, "a=rtcp-mux", None), codes.RTCP_MUX_REQUIRED),
        (lambda s: "\r\n".join(x for x in s.split("\r\n") if not x.startswith("a=fingerprint")),
         codes.FINGERPRINT_REQUIRED),
        (lambda s: s.replace("a=fingerprint:sha-256", "a=fingerprint:sha-1"),
         codes.FINGERPRINT_REQUIRED),
        (lambda s: s.replace("FB:2B:47", "FB:2B", 1), codes.FINGERPRINT_REQUIRED),
        (lambda s: replace_lines(s, "a=setup:actpass", "a=setup:passive"),
         codes.DTLS_ROLE_CONFLICT),
        (lambda s: replace_lines(s, "a=ice-ufrag:KOvm", None), codes.ICE_CREDENTIALS_REQUIRED),
        (lambda s: replace_lines(s, "a=ice-pwd:y2peY06XauCoO83hQNM4LuWi", "a=ice-pwd:short"),
         codes.ICE_CREDENTIALS_REQUIRED),
        (lambda s: replace_lines(s, "a=mid:1", None), codes.MID_REQUIRED),
        (lambda s: replace_lines(s, "a=mid:1", "a=mid:0"), codes.MID_REQUIRED),
        (lambda s: s.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1\r\na=group:BUNDLE 1"),
         codes.BUNDLE_REQUIRED),
        (lambda s: replace_lines(s, "a=rtpmap:97 rtx/90000", "a=rtpmap:96 rtx/90000"),
         codes.BAD_SDP),
        (lambda s: replace_lines(s, "a=simulcast:send q;h;f", "a=simulcast: send rid=q;h"),
         codes.BAD_SDP),
    ],
)
def test_unacceptable_offers_are_rejected_with_a_clear_code(mutate: object, code: str) -> None:
    assert callable(mutate)
    offer = mutate(CHROME_SIMULCAST_OFFER)
    assert offer != CHROME_SIMULCAST_OFFER
    with pytest.raises(ProtocolError) as error:
        answer_publish_offer(offer, LOCAL)
    assert error.value.code == code


def test_setup_active_and_absent_are_fine() -> None:
    for setup in ("a=setup:active", None):
        offer = replace_lines(CHROME_SIMULCAST_OFFER, "a=setup:actpass", setup)
        assert answer_publish_offer(offer, LOCAL)[1].dtls_role is DtlsRole.SERVER


def test_no_bundle_group_accepts_one_m_line_only() -> None:
    offer = replace_lines(CHROME_SIMULCAST_OFFER, "a=group:BUNDLE 0 1", None)
    answer, session = answer_publish_offer(offer, LOCAL)
    assert [m.direction for m in session.media] == [Direction.RECVONLY, Direction.INACTIVE]
    assert "a=group" not in answer and "m=video 0 " in answer


def test_simulcast_layers_capped_and_alternatives_collapsed() -> None:
    offer = CHROME_SIMULCAST_OFFER.replace(
        "a=rid:f send\r\na=simulcast:send q;h;f",
        "a=rid:f send\r\na=rid:x send\r\na=rid:y send pt=120\r\n"
        "a=simulcast:send ~q,x;h;y;f")
    _, session = answer_publish_offer(offer, LOCAL)
    assert session.media[1].rids == ("q", "h", "f")  # y only allows ulpfec (PT 120): dropped
    _, two = answer_publish_offer(offer, LOCAL, capabilities=Capabilities(max_simulcast_layers=2))
    assert two.media[1].rids == ("q", "h")
    no_rid_ext = replace_lines(
        CHROME_SIMULCAST_OFFER, "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", None)
    answer, single = answer_publish_offer(no_rid_ext, LOCAL)
    assert single.media[1].rids == () and "a=simulcast" not in answer


def test_red_only_when_enabled_and_offered() -> None:
    _, plain = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL,
                                    capabilities=Capabilities(red_audio=False))
    assert [c.name for c in plain.media[0].codecs] == ["opus"]
    answer, red = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL,
                                       capabilities=Capabilities(red_audio=True))
    assert [(c.name, c.payload_type, c.fmtp) for c in red.media[0].codecs] == [
        ("red", 63, (("", "111/111"),)), ("opus", 111, (("minptime", "10"),
                                                         ("useinbandfec", "1"), ("usedtx", "1")))]
    assert "m=audio 40000 UDP/TLS/RTP/SAVPF 63 111\r\n" in answer
    assert "a=fmtp:63 111/111\r\n" in answer
    _, vp8_only = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL,
                                       capabilities=Capabilities(video_codecs=("VP8",)))
    assert _names(vp8_only)[1] == ("1", [("VP8", 96, 97)])


# --- renegotiation ---------------------------------------------------------------------------

def _edit(offer: str, *, add_screen: str | None = None, stop: str | None = None,
          group: str | None = None) -> str:
    """Renegotiation offers as Chromium writes them (see test_sdp_captures docstring)."""
    description = parse_sdp_untrusted(offer)
    media = list(description.media)
    if add_screen is not None:
        camera = media[1]
        attributes = tuple(
            Attribute("mid", add_screen) if a.name == "mid"
            else Attribute("msid", "screen-stream screen-track") if a.name == "msid" else a
            for a in camera.attributes if a.name not in ("rid", "simulcast"))
        media.append(dataclasses.replace(camera, attributes=attributes))
    if stop is not None:
        media = [dataclasses.replace(m, port=0) if m.mid == stop else m for m in media]
    mids = group if group is not None else " ".join(str(m.mid) for m in media if m.port != 0)
    attributes = tuple(Attribute("group", f"BUNDLE {mids}") if a.name == "group" else a
                       for a in description.attributes)
    return serialize_sdp(dataclasses.replace(description, attributes=attributes,
                                             media=tuple(media)))


def test_renegotiation_add_stop_and_recycle_screen_share() -> None:
    first_answer, first = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL)
    with_screen = _edit(CHROME_SIMULCAST_OFFER, add_screen="2")
    answer, second = answer_publish_offer(with_screen, LOCAL, first)
    _assert_well_formed_answer(answer, with_screen, second)
    assert second.media[:2] == first.media  # prior decisions untouched
    screen = second.media[2]
    assert (screen.mid, screen.direction, screen.rids) == ("2", Direction.RECVONLY, ())
    assert (screen.stream_id, screen.track_id) == ("screen-stream", "screen-track")
    assert first_answer.split("m=video")[1] == answer.split("m=video")[1]

    stopped = _edit(with_screen, stop="2")
    answer, third = answer_publish_offer(stopped, LOCAL, second)
    assert third.media[:2] == first.media
    assert (third.media[2].direction, third.media[2].codecs) == (Direction.INACTIVE, ())
    assert "m=video 0 UDP/TLS/RTP/SAVPF" in answer and "a=group:BUNDLE 0 1\r\n" in answer

    # the stopped m-line stays rejected even if offered again under the same mid ...
    _, again = answer_publish_offer(with_screen, LOCAL, third)
    assert again.media[2].codecs == ()
    # ... while Chromium recycles it with a new mid, which is accepted
    recycled = with_screen.replace("a=mid:2", "a=mid:3").replace("BUNDLE 0 1 2", "BUNDLE 0 1 3")
    _, fourth = answer_publish_offer(recycled, LOCAL, third)
    assert [(m.mid, m.direction) for m in fourth.media] == [
        ("0", Direction.RECVONLY), ("1", Direction.RECVONLY), ("3", Direction.RECVONLY)]


def test_renegotiation_direction_change_keeps_codecs() -> None:
    _, first = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL)
    muted = CHROME_SIMULCAST_OFFER.replace("a=sendonly", "a=inactive", 1)
    answer, second = answer_publish_offer(muted, LOCAL, first)
    assert second.media[0].direction is Direction.INACTIVE
    assert second.media[0].codecs == first.media[0].codecs
    assert answer.split("m=video")[0].count("a=inactive") == 1


def test_renegotiation_keeps_previous_payload_type_choice() -> None:
    _, first = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL)
    # a later offer lists a second Constrained Baseline H264 (PT 114 made packetization-mode=1)
    # before 108: the PT chosen before still wins, and a fresh negotiation would pick 108 too
    later = CHROME_SIMULCAST_OFFER.replace(
        "a=fmtp:114 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f",
        "a=fmtp:114 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
    later = later.replace(" 108 109 114 115 ", " 114 115 108 109 ")
    _, fresh = answer_publish_offer(later, LOCAL)
    _, stable = answer_publish_offer(later, LOCAL, first)
    assert _names(fresh)[1][1][2] == ("H264", 114, 115)
    assert _names(stable)[1][1][2] == ("H264", 108, 109)


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda s: _edit(s, group="1 0").replace("a=mid:0", "a=mid:x").replace(
            "a=mid:1", "a=mid:0").replace("a=mid:x", "a=mid:1"), codes.RENEGOTIATION_MISMATCH),
        (lambda s: s.replace("a=mid:1", "a=mid:9").replace("BUNDLE 0 1", "BUNDLE 0 9"),
         codes.RENEGOTIATION_MISMATCH),
        (lambda s: s.replace(s[s.index("a=fingerprint:sha-256 ") + 22:][:2], "00"),
         codes.FINGERPRINT_CHANGED),
    ],
)
def test_renegotiation_violations(edit: object, code: str) -> None:
    assert callable(edit)
    _, first = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL)
    with pytest.raises(ProtocolError) as error:
        answer_publish_offer(edit(CHROME_SIMULCAST_OFFER), LOCAL, first)
    assert error.value.code == code


def test_ice_restart_is_detected() -> None:
    _, first = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL)
    _, same = answer_publish_offer(CHROME_SIMULCAST_OFFER, LOCAL, first)
    restarted = CHROME_SIMULCAST_OFFER.replace("a=ice-ufrag:KOvm", "a=ice-ufrag:Zz9q").replace(
        "a=ice-pwd:y2peY06XauCoO83hQNM4LuWi", "a=ice-pwd:NEWpwdNEWpwdNEWpwd1234")
    new_local = dataclasses.replace(LOCAL, session_version=LOCAL.session_version + 1)
    answer, second = answer_publish_offer(restarted, new_local, first)
    assert not is_ice_restart(first, same)
    assert is_ice_restart(first, second)
    assert second.remote_ice.ufrag == "Zz9q"
    assert parse_sdp_untrusted(answer).origin.session_version == 2


# --- fuzzing ---------------------------------------------------------------------------------

def _seeds() -> list[str]:
    """Chromium's capture, plus the conformance browser offers where that folder exists."""
    folder = CONFORMANCE_DIR / "sdp"
    extra = [(folder / n).read_text(encoding="utf-8") for n in BROWSER_OFFERS
             if (folder / n).is_file()]
    return [CHROME_SIMULCAST_OFFER, *extra]


_SEEDS = _seeds()


def _mutations(seed: str, rng: random.Random, count: int) -> str:
    lines = seed.replace("\r\n", "\n").split("\n")
    for _ in range(count):
        index = rng.randrange(len(lines))
        action = rng.randrange(6)
        if action == 0:
            del lines[index]
        elif action == 1:
            lines.insert(index, lines[rng.randrange(len(lines))])
        elif action == 2 and lines[index]:
            at = rng.randrange(len(lines[index]))
            lines[index] = lines[index][:at] + rng.choice(":; /=0~,*-\x00é9") + lines[index][at:]
        elif action == 3 and lines[index]:
            lines[index] = lines[index][: rng.randrange(len(lines[index]))]
        elif action == 4:
            other = rng.randrange(len(lines))
            lines[index], lines[other] = lines[other], lines[index]
        else:
            lines[index] = lines[index].replace(rng.choice("0123456789"), rng.choice("0189"))
    return "\r\n".join(lines)


@settings(max_examples=fuzz_budget(short=500), deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=8))
def test_fuzz_answer_mutated_real_offers(seed: int, count: int) -> None:
    rng = random.Random(seed)
    offer = _mutations(rng.choice(_SEEDS), rng, count)
    try:
        answer, session = answer_publish_offer(offer, LOCAL)
    except ProtocolError:
        return
    assert parse_sdp_untrusted(answer).media
    assert len(session.media) <= len(parse_sdp_untrusted(offer).media)


@settings(max_examples=fuzz_budget(short=300), deadline=None)
@given(st.text(max_size=300))
def test_fuzz_answer_random_text(text: str) -> None:
    for offer in (text, CHROME_SIMULCAST_OFFER + text):
        try:
            answer_publish_offer(offer, LOCAL)
        except ProtocolError:
            pass
