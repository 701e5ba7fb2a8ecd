"""Browser-shaped SDP for protocol tests that need offers/answers but no real media.

`publish_offer` writes what Chromium's publish PeerConnection offers (sendonly Opus + VP8 with
RTX, BUNDLE, rtcp-mux, actpass); `answer_subscribe_offer` answers the SFU's subscribe offer the
way a browser does (recvonly, setup:active, same mids and formats).
"""

from __future__ import annotations

import secrets

from signalling.sdp import parse_sdp_untrusted

FINGERPRINT = ":".join(["AB"] * 32)
OTHER_FINGERPRINT = ":".join(["CD"] * 32)


def audio_section(mid: str, ssrc: int, direction: str = "sendonly") -> list[str]:
    return [
        "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", f"a=mid:{mid}",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid", f"a={direction}",
        f"a=msid:stream{ssrc} track{ssrc}", "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2", "a=rtcp-fb:111 transport-cc",
        "a=fmtp:111 minptime=10;useinbandfec=1", f"a=ssrc:{ssrc} cname:browser",
    ]


def video_section(mid: str, ssrc: int, direction: str = "sendonly") -> list[str]:
    return [
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 0.0.0.0", f"a=mid:{mid}",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        f"a={direction}", f"a=msid:stream{ssrc} track{ssrc}", "a=rtcp-mux", "a=rtcp-rsize",
        "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 goog-remb", "a=rtcp-fb:96 transport-cc",
        "a=rtcp-fb:96 ccm fir", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli",
        "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
        f"a=ssrc-group:FID {ssrc} {ssrc + 1}", f"a=ssrc:{ssrc} cname:browser",
        f"a=ssrc:{ssrc + 1} cname:browser",
    ]


def publish_offer(ufrag: str = "brw1", *, screen: bool = False, direction: str = "sendonly",
                  fingerprint: str = FINGERPRINT, pwd: str = "browserpassword0123456789",
                  base_ssrc: int = 1000, stopped: tuple[str, ...] = ()) -> str:
    """Audio (mid 0) + camera (mid 1), optionally a screen share (mid 2); `stopped` mids are
    written as a stopped transceiver (port 0, inactive, out of the BUNDLE group)."""
    sections = [("0", audio_section("0", base_ssrc, direction)),
                ("1", video_section("1", base_ssrc + 10, direction))]
    if screen:
        sections.append(("2", video_section("2", base_ssrc + 20, direction)))
    media: list[str] = []
    for mid, lines in sections:
        if mid in stopped:
            lines = [line.replace(" 9 ", " 0 ", 1) if line.startswith("m=") else
                     "a=inactive" if line == f"a={direction}" else line for line in lines]
        media += lines
    bundled = [mid for mid, _ in sections if mid not in stopped]
    lines = [
        "v=0", f"o=- {base_ssrc} 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
        f"a=group:BUNDLE {' '.join(bundled)}", "a=msid-semantic: WMS *",
        f"a=ice-ufrag:{ufrag}", f"a=ice-pwd:{pwd}", f"a=fingerprint:sha-256 {fingerprint}",
        "a=setup:actpass", *media,
    ]
    return "\r\n".join(lines) + "\r\n"


def answer_subscribe_offer(offer: str, ufrag: str = "sub1", *,
                           fingerprint: str = FINGERPRINT,
                           pwd: str = "browserpassword0123456789") -> str:
    parsed = parse_sdp_untrusted(offer)
    mids = [section.mid or "" for section in parsed.media]
    lines = ["v=0", f"o=- {secrets.randbelow(10**12)} 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
             f"a=group:BUNDLE {' '.join(mids)}", "a=msid-semantic: WMS",
             f"a=ice-ufrag:{ufrag}", f"a=ice-pwd:{pwd}",
             f"a=fingerprint:sha-256 {fingerprint}", "a=setup:active"]
    for section in parsed.media:
        lines.append(f"m={section.kind} 9 {section.proto} {' '.join(section.formats)}")
        lines += ["c=IN IP4 0.0.0.0", f"a=mid:{section.mid}", "a=rtcp-mux"]
        lines.append("a=recvonly" if section.has("sendonly") else "a=inactive")
        for name in ("extmap", "rtpmap", "fmtp", "rtcp-fb"):
            lines += [f"a={name}:{value}" for value in section.values(name)]
    return "\r\n".join(lines) + "\r\n"
