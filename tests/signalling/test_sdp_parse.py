"""SDP model, parser and serializer: round trips, bounds, conformance files, fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalling.errors import ProtocolError
from signalling.sdp import (
    Attribute,
    MediaSection,
    Origin,
    SessionDescription,
    codes,
    parse_candidate_untrusted,
    parse_sdp_untrusted,
    serialize_sdp,
)
from signalling.sdp.candidate import host_candidate
from tests.conftest import fuzz_budget, fuzz_regression_entries
from tests.signalling.test_sdp_captures import CHROME_SIMULCAST_OFFER, CHROME_SUBSCRIBE_ANSWER

MINIMAL = "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"


def _conformance_texts(conformance_dir: Path) -> list[tuple[str, str]]:
    files = sorted((conformance_dir / "sdp").glob("*.sdp"))
    assert len(files) >= 60
    return [(f.name, f.read_bytes().decode("utf-8", errors="replace")) for f in files]


def _parsed_conformance(conformance_dir: Path) -> list[tuple[str, SessionDescription]]:
    parsed = []
    for name, text in _conformance_texts(conformance_dir):
        try:
            parsed.append((name, parse_sdp_untrusted(text)))
        except ProtocolError:
            continue
    return parsed


def test_parse_minimal_and_model_lookups() -> None:
    text = MINIMAL + "a=ice-lite\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n" \
        "a=mid:0\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-mux\r\na=x-unknown:kept verbatim \r\n"
    description = parse_sdp_untrusted(text)
    assert description.origin == Origin("-", 1, 2, "IN", "IP4", "0.0.0.0")
    assert description.has("ice-lite") and description.value("ice-lite") == ""
    section = description.media[0]
    assert (section.kind, section.port, section.proto, section.formats) == (
        "audio", 9, "UDP/TLS/RTP/SAVPF", ("111",))
    assert section.mid == "0"
    assert section.lines == (("c", "IN IP4 0.0.0.0"),)
    assert section.value("x-unknown") == "kept verbatim "
    assert section.values("rtpmap") == ["111 opus/48000/2"]
    assert section.value("absent") is None


def test_serialize_uses_crlf_and_round_trips() -> None:
    description = SessionDescription(
        origin=Origin("-", 7, 3),
        attributes=(Attribute("group", "BUNDLE 0"), Attribute("ice-lite")),
        media=(MediaSection("video", 9, "UDP/TLS/RTP/SAVPF", ("96", "97"), port_count=2,
                            lines=(("c", "IN IP4 0.0.0.0"), ("b", "AS:500")),
                            attributes=(Attribute("mid", "0"), Attribute("sendonly"))),),
    )
    text = serialize_sdp(description)
    assert text.startswith("v=0\r\no=- 7 3 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert "m=video 9/2 UDP/TLS/RTP/SAVPF 96 97\r\n" in text
    assert parse_sdp_untrusted(text) == description


@pytest.mark.parametrize("text", [CHROME_SIMULCAST_OFFER, CHROME_SUBSCRIBE_ANSWER])
def test_captured_browser_sdp_round_trips_exactly(text: str) -> None:
    description = parse_sdp_untrusted(text)
    assert serialize_sdp(description) == text  # Chromium's SDP is already canonical
    assert parse_sdp_untrusted(serialize_sdp(description)) == description


def test_lf_only_and_blank_lines_are_tolerated() -> None:
    crlf = parse_sdp_untrusted(MINIMAL + "m=audio 9 RTP/AVP 0\r\n")
    assert parse_sdp_untrusted("\n" + MINIMAL.replace("\r\n", "\n") + "m=audio 9 RTP/AVP 0\n\n") \
        == crlf


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", codes.BAD_SDP),
        ("v=1\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", codes.BAD_SDP),
        ("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\ns=-\r\nt=0 0\r\n", codes.BAD_SDP),
        (MINIMAL.replace("t=0 0\r\n", ""), codes.BAD_SDP),
        (MINIMAL.replace("o=- 1 2", "o=- x 2"), codes.BAD_SDP),
        (MINIMAL.replace("o=- 1 2", "o=- 1_0 2"), codes.BAD_SDP),
        (MINIMAL.replace("o=- 1 2", "o=- \u0661 2"), codes.BAD_SDP),  # Arabic-Indic digit
        (MINIMAL.replace("o=- 1 2", "o=- 123456789012345678901 2"), codes.BAD_SDP),
        (MINIMAL + "f=invalid:yes\r\n", codes.BAD_SDP),  # unknown type letter (RFC 8866 §5)
        (MINIMAL + "m=audio 9 RTP/AVP 0\r\nt=0 0\r\n", codes.BAD_SDP),  # t= inside media
        (MINIMAL + "m=audio 70000 RTP/AVP 0\r\n", codes.BAD_SDP),
        (MINIMAL + "m=audio 9 RTP/AVP\r\n", codes.BAD_SDP),
        (MINIMAL + "m=audio 9/0 RTP/AVP 0\r\n", codes.BAD_SDP),
        (MINIMAL + "a=\r\n", codes.BAD_SDP),
        (MINIMAL + "a=x y:z\r\n", codes.BAD_SDP),
        (MINIMAL + "a=x:\x00\r\n", codes.BAD_SDP),
        (MINIMAL + "a=x:a\rb\r\n", codes.BAD_SDP),
        (MINIMAL + "A=x\r\n", codes.BAD_SDP),
        (MINIMAL + "a=x:" + "y" * 5000 + "\r\n", codes.SDP_TOO_LARGE),
        (MINIMAL + "a=x:y\r\n" * 12000, codes.SDP_TOO_LARGE),
        (MINIMAL + "m=audio 9 RTP/AVP 0\r\n" * 65, codes.SDP_TOO_LARGE),
    ],
)
def test_malformed_or_oversized_sdp_is_rejected(text: str, code: str) -> None:
    with pytest.raises(ProtocolError) as error:
        parse_sdp_untrusted(text)
    assert error.value.code == code


def test_64_m_lines_are_still_accepted() -> None:
    assert len(parse_sdp_untrusted(MINIMAL + "m=audio 9 RTP/AVP 0\r\n" * 64).media) == 64


def test_non_text_input_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_sdp_untrusted(b"v=0\r\n")  # type: ignore[arg-type]


def test_conformance_files_parse_or_raise_protocol_error(conformance_dir: Path) -> None:
    parsed = _parsed_conformance(conformance_dir)  # the rest raised ProtocolError, nothing else
    for name, description in parsed:
        assert parse_sdp_untrusted(serialize_sdp(description)) == description, name
    assert len(parsed) >= 50


def test_conformance_rejections_are_the_expected_ones(conformance_dir: Path) -> None:
    """Files that break RFC 8866 structure are rejected, for the reason we expect."""
    texts = dict(_conformance_texts(conformance_dir))
    reasons = {
        "sdptransform_invalid.sdp": "'f='",  # unknown type letter
        "sdptransform_onvif.sdp": "t=",  # RTSP SDP without a t= line
        "sdptransform_mediaclk-rtp.sdp": "o= and s=",  # c= before s=
        "webrtc_corpus_unittest-3.sdp": "v=0",  # a media fragment only
    }
    for name, reason in reasons.items():
        with pytest.raises(ProtocolError, match=reason):
            parse_sdp_untrusted(texts[name])


def test_conformance_candidates_parse_and_round_trip(conformance_dir: Path) -> None:
    count = 0
    for _, description in _parsed_conformance(conformance_dir):
        for section in description.media:
            for value in section.values("candidate"):
                candidate = parse_candidate_untrusted("candidate:" + value)
                assert parse_candidate_untrusted("a=candidate:" + candidate.encode()) == candidate
                count += 1
    assert count > 30


def test_fuzz_regression_inputs_as_sdp_text(conformance_dir: Path) -> None:
    """The shared regressions target binary parsers; as text they must still only be rejected."""
    for _entry, data in fuzz_regression_entries(conformance_dir):
        text = data.decode("latin-1")
        for candidate_text in (text, MINIMAL + text):
            try:
                parse_sdp_untrusted(candidate_text)
            except ProtocolError:
                pass


def test_browser_trickle_candidates() -> None:
    chrome = ("candidate:842163049 1 udp 1677729535 1.2.3.4 61015 typ srflx raddr 192.168.0.87 "
              "rport 61015 generation 0 ufrag XSmV network-id 1 network-cost 10")
    candidate = parse_candidate_untrusted(chrome)
    assert candidate.foundation == "842163049"
    assert (candidate.component, candidate.transport) == (1, "udp")
    assert (candidate.address, candidate.port, candidate.type) == ("1.2.3.4", 61015, "srflx")
    assert (candidate.related_address, candidate.related_port) == ("192.168.0.87", 61015)
    assert ("ufrag", "XSmV") in candidate.extensions
    mdns = parse_candidate_untrusted(
        "candidate:1 1 UDP 2122252543 2c1e7d41-3a6c-4b0e-9a1f-0d2f4d5e6a7b.local 54321 typ host")
    assert mdns.transport == "udp" and mdns.address.endswith(".local")
    tcp = parse_candidate_untrusted(
        "candidate:3 1 TCP 2105524479 10.0.1.1 9 typ host tcptype active")
    assert tcp.extensions == (("tcptype", "active"),)


@pytest.mark.parametrize(
    "line",
    [
        "", "candidate:", "candidate:1 1 udp 1 1.2.3.4 5 host",
        "candidate:1 0 udp 1 1.2.3.4 5 typ host",
        "candidate:1 1 udp 1 1.2.3.4 70000 typ host", "candidate:1 1 udp 1 -bad- 5 typ host",
        "candidate:1 1 udp 1 1.2.3.4 5 typ magic", "candidate:1 1 udp 1 1.2.3.4 5 typ host odd",
        "candidate:1 1 udp 99999999999 1.2.3.4 5 typ host", "ice-ufrag:abcd",
        "candidate:" + "1" * 40 + " 1 udp 1 1.2.3.4 5 typ host", "candidate:1 " * 200,
    ],
)
def test_malformed_candidates_are_rejected(line: str) -> None:
    with pytest.raises(ProtocolError):
        parse_candidate_untrusted(line)


def test_host_candidate_priority_follows_rfc_8445() -> None:
    first, second = host_candidate(0, "127.0.0.1", 40000), host_candidate(1, "::1", 40001)
    assert first.priority == (126 << 24) | (65535 << 8) | 255  # RFC 8445 §5.1.2.1
    assert first.priority > second.priority
    assert first.encode() == "1 1 udp 2130706431 127.0.0.1 40000 typ host"


_SDP_ALPHABET = st.sampled_from(list("av=osmtcb:;/ \r\n0123456789-_.*~,xyzAV\t\x00é"))


@settings(max_examples=fuzz_budget(short=500), deadline=None)
@given(st.text(alphabet=_SDP_ALPHABET, max_size=400) | st.text(max_size=200))
def test_fuzz_parse_random_text(text: str) -> None:
    for candidate in (text, MINIMAL + text):
        try:
            description = parse_sdp_untrusted(candidate)
        except ProtocolError:
            continue
        assert parse_sdp_untrusted(serialize_sdp(description)) == description


@settings(max_examples=fuzz_budget(short=500), deadline=None)
@given(st.text(max_size=300))
def test_fuzz_candidate_random_text(text: str) -> None:
    for line in (text, "candidate:" + text):
        try:
            candidate = parse_candidate_untrusted(line)
        except ProtocolError:
            continue
        assert parse_candidate_untrusted("candidate:" + candidate.encode()) == candidate
