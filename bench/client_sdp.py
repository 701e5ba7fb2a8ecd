"""SDP as a browser would write it, for the synthetic clients of the load generator.

The shapes follow what Chromium sends (unified plan, BUNDLE, rtcp-mux, actpass offers, active
answers), reduced to what the load needs: Opus and VP8 with RTX, mid and transport-cc.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.streams import PublishFormat
from media.negotiated import DtlsRole, IceCredentials
from signalling.sdp import parse_sdp_untrusted

MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"
TWCC_URI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
RID_URI = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"  # RFC 8852 §4.1
REPAIRED_RID_URI = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"  # RFC 8852 §4.2
OPUS_PT, VP8_PT, RTX_PT, RED_PT = 111, 96, 97, 63
RID_EXT, REPAIRED_RID_EXT = 10, 11  # Chromium's ids for the two


@dataclass(frozen=True)
class PublishSsrcs:
    audio: int
    video: int
    video_rtx: int


@dataclass(frozen=True)
class RemoteTransport:
    """What a client learns from the SFU's SDP: where and whom to talk to."""

    ice: IceCredentials
    fingerprint: str
    candidate: tuple[str, int]


def _header(session_id: int, mids: list[str]) -> list[str]:
    return [
        "v=0",
        f"o=- {session_id} 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        f"a=group:BUNDLE {' '.join(mids)}",
        "a=msid-semantic: WMS",
    ]


def _transport_lines(
    ice: IceCredentials, fingerprint: str, setup: str, candidate: str | None = None
) -> list[str]:
    lines = [
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        f"a=ice-ufrag:{ice.ufrag}",
        f"a=ice-pwd:{ice.pwd}",
        f"a=fingerprint:sha-256 {fingerprint}",
        f"a=setup:{setup}",
    ]
    if candidate is not None:  # gathered before the offer, as a non-trickling browser does
        lines += [f"a={candidate}", "a=end-of-candidates"]
    return lines


def publish_offer(
    ice: IceCredentials,
    fingerprint: str,
    ssrcs: PublishSsrcs,
    cname: str,
    session_id: int,
    candidate: str | None = None,
    *,
    rids: tuple[str, ...] = (),
    red: bool = False,
) -> str:
    """A sendonly Opus + VP8 offer, like Chromium's for a camera and a microphone.

    `rids`: the camera as simulcast, low to high (RFC 8851 a=rid, RFC 8853 a=simulcast), with
    the rid extensions and without a=ssrc lines, as Chromium writes it; `red`: RFC 2198
    redundancy for Opus offered as well (Chromium's `red/48000/2` with `111/111`).
    """
    lines = _header(session_id, ["0", "1"])
    lines += [f"m=audio 9 UDP/TLS/RTP/SAVPF {OPUS_PT}" + (f" {RED_PT}" if red else "")]
    lines += _transport_lines(ice, fingerprint, "actpass", candidate)
    lines += [
        "a=mid:0",
        f"a=extmap:1 {MID_URI}",
        f"a=extmap:3 {TWCC_URI}",
        "a=sendonly",
        f"a=msid:{cname} a-{cname}",
        "a=rtcp-mux",
        "a=rtcp-rsize",
        f"a=rtpmap:{OPUS_PT} opus/48000/2",
        f"a=rtcp-fb:{OPUS_PT} transport-cc",
        f"a=fmtp:{OPUS_PT} minptime=10;useinbandfec=1",
    ]
    if red:
        lines += [f"a=rtpmap:{RED_PT} red/48000/2", f"a=fmtp:{RED_PT} {OPUS_PT}/{OPUS_PT}"]
    lines += [f"a=ssrc:{ssrcs.audio} cname:{cname}"]
    lines += [f"m=video 9 UDP/TLS/RTP/SAVPF {VP8_PT} {RTX_PT}"]
    lines += _transport_lines(ice, fingerprint, "actpass", candidate)
    lines += [
        "a=mid:1",
        f"a=extmap:1 {MID_URI}",
        f"a=extmap:3 {TWCC_URI}",
    ]
    if rids:
        lines += [f"a=extmap:{RID_EXT} {RID_URI}",
                  f"a=extmap:{REPAIRED_RID_EXT} {REPAIRED_RID_URI}"]
    lines += [
        "a=sendonly",
        f"a=msid:{cname} v-{cname}",
        "a=rtcp-mux",
        "a=rtcp-rsize",
        f"a=rtpmap:{VP8_PT} VP8/90000",
        f"a=rtcp-fb:{VP8_PT} nack",
        f"a=rtcp-fb:{VP8_PT} nack pli",
        f"a=rtcp-fb:{VP8_PT} transport-cc",
        f"a=rtpmap:{RTX_PT} rtx/90000",
        f"a=fmtp:{RTX_PT} apt={VP8_PT}",
    ]
    if rids:
        lines += [f"a=rid:{rid} send" for rid in rids]
        lines += [f"a=simulcast:send {';'.join(rids)}"]
    else:
        lines += [
            f"a=ssrc-group:FID {ssrcs.video} {ssrcs.video_rtx}",
            f"a=ssrc:{ssrcs.video} cname:{cname}",
            f"a=ssrc:{ssrcs.video_rtx} cname:{cname}",
        ]
    return "\r\n".join(lines) + "\r\n"


def remote_transport(sdp: str) -> RemoteTransport:
    """The SFU's ICE credentials, fingerprint and first host candidate from its SDP."""
    description = parse_sdp_untrusted(sdp)
    section = description.media[0]

    def value(name: str) -> str:
        found = section.value(name) or description.value(name)
        if found is None:
            raise ValueError(f"SFU SDP lacks a={name}")
        return found

    candidate = value("candidate").split()
    fingerprint = value("fingerprint").split()[1]
    return RemoteTransport(
        IceCredentials(value("ice-ufrag"), value("ice-pwd")),
        fingerprint,
        (candidate[4], int(candidate[5])),
    )


PREFERRED_CODECS = ("opus", "vp8")  # what the generator decodes; RED and others are declined


def _preferred_format(formats: tuple[str, ...], rtpmaps: dict[str, str]) -> str:
    """Opus or VP8 when offered (a browser without RED support answers so), else the first."""
    for payload_type in formats:
        mapping = rtpmaps.get(payload_type, "")
        name = mapping.split()[1].split("/")[0].lower() if len(mapping.split()) > 1 else ""
        if name in PREFERRED_CODECS:
            return payload_type
    return formats[0]


def _red_format(formats: tuple[str, ...], rtpmaps: dict[str, str]) -> str | None:
    for payload_type in formats:
        parts = rtpmaps.get(payload_type, "").split()
        if len(parts) > 1 and parts[1].split("/")[0].lower() == "red":
            return payload_type
    return None


def subscribe_answer(
    offer: str,
    ice: IceCredentials,
    fingerprint: str,
    session_id: int,
    candidate: str | None = None,
    *,
    accept_red: bool = False,
) -> str:
    """Accept every m-line of the SFU's subscribe offer as recvonly, with Opus or VP8 (and its
    RTX) where offered, else the first codec. `accept_red`: answer RFC 2198 RED first and Opus
    second where offered, as Chromium does (the SFU then forwards the redundancy)."""
    description = parse_sdp_untrusted(offer)
    mids = [section.mid or str(i) for i, section in enumerate(description.media)]
    lines = _header(session_id, mids)
    for mid, section in zip(mids, description.media, strict=True):
        rtpmaps = {v.split()[0]: v for v in section.values("rtpmap")}
        codec = _preferred_format(section.formats, rtpmaps)
        formats = [codec]
        red = _red_format(section.formats, rtpmaps) if accept_red else None
        if red is not None and section.kind == "audio":
            formats.insert(0, red)
        rtx = [
            v.split()[0] for v in section.values("fmtp") if v.split(maxsplit=1)[1] == f"apt={codec}"
        ]
        formats += rtx[:1]
        lines += [f"m={section.kind} 9 UDP/TLS/RTP/SAVPF {' '.join(formats)}"]
        lines += _transport_lines(ice, fingerprint, "active", candidate)
        direction = "inactive" if section.has("inactive") or section.port == 0 else "recvonly"
        lines += [f"a=mid:{mid}", f"a={direction}", "a=rtcp-mux", "a=rtcp-rsize"]
        lines += [f"a=extmap:{v}" for v in section.values("extmap")]
        for payload_type in formats:
            lines.append(f"a=rtpmap:{rtpmaps[payload_type]}")
            lines += [f"a=fmtp:{v}" for v in section.values("fmtp") if v.split()[0] == payload_type]
            lines += [
                f"a=rtcp-fb:{v}" for v in section.values("rtcp-fb") if v.split()[0] == payload_type
            ]
    return "\r\n".join(lines) + "\r\n"


def answer_dtls_role(sdp: str) -> DtlsRole:
    """Our DTLS role from the server's `a=setup` (RFC 8842 §5): its `active` makes us server."""
    description = parse_sdp_untrusted(sdp)
    section = description.media[0]
    setup = section.value("setup") or description.value("setup") or "passive"
    return DtlsRole.SERVER if setup == "active" else DtlsRole.CLIENT


def _extension_id(values: list[str], uri: str) -> int | None:
    for value in values:
        parts = value.split()
        if len(parts) >= 2 and parts[1] == uri:
            return int(parts[0].split("/")[0])
    return None


def publish_format(answer: str) -> PublishFormat:
    """Payload types, mids and extension ids as the server's answer accepted them."""
    description = parse_sdp_untrusted(answer)
    audio_pt, video_pt = OPUS_PT, VP8_PT
    red_pt: int | None = None
    mids = {"audio": "0", "video": "1"}
    extmaps: list[str] = []
    for section in description.media:
        codecs = {v.split()[1].split("/")[0].lower(): int(v.split()[0])
                  for v in section.values("rtpmap")}
        if section.kind == "audio":
            audio_pt = codecs.get("opus", audio_pt)
            red_pt = codecs.get("red")  # answered only when offered, and then preferred
        elif section.kind == "video":
            video_pt = codecs.get("vp8", video_pt)
        mids[section.kind] = section.mid or mids[section.kind]
        extmaps += section.values("extmap")
    return PublishFormat(audio_pt, video_pt, _extension_id(extmaps, MID_URI),
                         _extension_id(extmaps, TWCC_URI), mids["audio"].encode(),
                         mids["video"].encode(), red_pt=red_pt,
                         rid_ext=_extension_id(extmaps, RID_URI))


def subscribe_payload_types(offer: str) -> tuple[int, int, int | None]:
    """(Opus PT, VP8 PT, transport-cc extension id) of a server's subscribe offer."""
    description = parse_sdp_untrusted(offer)
    audio_pt, video_pt = OPUS_PT, VP8_PT
    extmaps: list[str] = []
    for section in description.media:
        codecs = {v.split()[1].split("/")[0].lower(): int(v.split()[0])
                  for v in section.values("rtpmap")}
        if section.kind == "audio" and "opus" in codecs:
            audio_pt = codecs["opus"]
        elif section.kind == "video" and "vp8" in codecs:
            video_pt = codecs["vp8"]
        extmaps += section.values("extmap")
    return audio_pt, video_pt, _extension_id(extmaps, TWCC_URI)


def subscribe_repair_types(offer: str) -> tuple[int | None, int | None]:
    """(RED PT of the audio, RTX PT of VP8) in a server's subscribe offer, where offered."""
    description = parse_sdp_untrusted(offer)
    red = rtx = None
    for section in description.media:
        rtpmaps = {v.split()[0]: v for v in section.values("rtpmap")}
        if section.kind == "audio" and red is None:
            found = _red_format(section.formats, rtpmaps)
            red = int(found) if found is not None else None
        elif section.kind == "video" and rtx is None:
            vp8 = _preferred_format(section.formats, rtpmaps) if section.formats else None
            for value in section.values("fmtp"):
                if vp8 is not None and value.split(maxsplit=1)[1:] == [f"apt={vp8}"]:
                    rtx = int(value.split()[0])
    return red, rtx
