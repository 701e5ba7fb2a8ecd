"""Read the payload formats of an m-line, choose the ones the SFU forwards, and write them back.

Decisions:
- One payload type per codec name (the first acceptable one in offer order, or the one used
  before on this mid), so media maps a publisher's PT to our canonical PT one-to-one.
- H264 only as packetization-mode=1 Constrained Baseline (profile_idc 0x42 with
  constraint_set1, RFC 6184 §8.1), the profile every browser decodes; VP9 only profile 0.
- ulpfec/flexfec/video RED are never accepted: the SFU forwards, it does not repair with FEC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from media.negotiated import Codec, MediaKind
from signalling.sdp import codes
from signalling.sdp.attributes import parse_fmtp, parse_payload_type, parse_rtcp_fb, parse_rtpmap
from signalling.sdp.capabilities import (
    AUDIO_FEEDBACK,
    OPUS_FMTP,
    VIDEO_FEEDBACK,
    Capabilities,
    canonical_name,
)
from signalling.sdp.model import Attribute, MediaSection
from signalling.sdp.parse import bad

_H264_ANSWER_KEYS = ("level-asymmetry-allowed", "packetization-mode", "profile-level-id")


@dataclass(frozen=True, slots=True)
class Format:
    """One payload format as written in an m-section (rtpmap + fmtp + rtcp-fb)."""

    payload_type: int
    name: str  # canonical spelling, see capabilities.canonical_name
    clock_rate: int
    channels: int
    fmtp: tuple[tuple[str, str], ...]
    feedback: frozenset[str]

    def param(self, key: str) -> str | None:
        for name, value in self.fmtp:
            if name == key:
                return value
        return None


def read_formats(section: MediaSection) -> list[Format]:
    """The m-line's formats that have an a=rtpmap, in m-line order (static PTs are skipped)."""
    pts = [parse_payload_type(f, "m= format") for f in section.formats]
    if len(set(pts)) != len(pts):
        raise bad("m= lists a payload type twice")
    rtpmaps = {}
    fmtps: dict[int, tuple[tuple[str, str], ...]] = {}
    feedback: dict[int | None, set[str]] = {}
    for attribute in section.attributes:
        value = attribute.value or ""
        if attribute.name == "rtpmap":
            rtpmap = parse_rtpmap(value)
            if rtpmap.payload_type in rtpmaps:
                raise bad("two a=rtpmap for one payload type")
            rtpmaps[rtpmap.payload_type] = rtpmap
        elif attribute.name == "fmtp":
            pt, params = parse_fmtp(value)
            if pt in fmtps:
                raise bad("two a=fmtp for one payload type")
            fmtps[pt] = params
        elif attribute.name == "rtcp-fb":
            fb_pt, kind = parse_rtcp_fb(value)
            feedback.setdefault(fb_pt, set()).add(kind)
    wildcard = feedback.get(None, set())  # a=rtcp-fb:* applies to every format (RFC 4585 §4.2)
    return [
        Format(
            payload_type=pt,
            name=canonical_name(rtpmaps[pt].encoding),
            clock_rate=rtpmaps[pt].clock_rate,
            channels=rtpmaps[pt].channels or 1,
            fmtp=fmtps.get(pt, ()),
            feedback=frozenset(feedback.get(pt, set()) | wildcard),
        )
        for pt in pts
        if pt in rtpmaps
    ]


def _is_constrained_baseline(fmt: Format) -> bool:
    if fmt.param("packetization-mode") != "1":
        return False
    level_id = fmt.param("profile-level-id") or ""
    if len(level_id) != 6 or not all(c in "0123456789abcdefABCDEF" for c in level_id):
        return False
    return int(level_id[:2], 16) == 0x42 and bool(int(level_id[2:4], 16) & 0x40)


def _answer_fmtp(fmt: Format) -> tuple[tuple[str, str], ...] | None:
    """The fmtp we answer for an acceptable format, or None when we cannot forward it."""
    if fmt.name == "opus":
        return OPUS_FMTP if fmt.clock_rate == 48000 and fmt.channels == 2 else None
    if fmt.clock_rate != 90000:
        return None
    if fmt.name == "VP8":
        return ()
    if fmt.name == "VP9":
        return (("profile-id", "0"),) if fmt.param("profile-id") in (None, "0") else None
    if fmt.name == "H264" and _is_constrained_baseline(fmt):
        return tuple((k, v) for k, v in fmt.fmtp if k in _H264_ANSWER_KEYS)
    return None


def _pick(formats: Sequence[Format], name: str, preferred_pt: int | None) -> Format | None:
    acceptable = [f for f in formats if f.name == name and _answer_fmtp(f) is not None]
    for fmt in acceptable:
        if fmt.payload_type == preferred_pt:
            return fmt
    return acceptable[0] if acceptable else None


def _rtx_for(formats: Sequence[Format], codec_pt: int, clock_rate: int) -> int | None:
    for fmt in formats:
        if fmt.name == "rtx" and fmt.clock_rate == clock_rate and fmt.param("apt") == str(codec_pt):
            return fmt.payload_type
    return None


def _red_for(formats: Sequence[Format], opus_pt: int) -> Format | None:
    for fmt in formats:
        # RFC 2198 §5: the fmtp lists the redundant encodings; we only forward Opus-in-RED
        if (fmt.name == "red" and fmt.clock_rate == 48000 and fmt.channels == 2
                and fmt.fmtp == (("", f"{opus_pt}/{opus_pt}"),)):
            return fmt
    return None


def select_codecs(
    kind: MediaKind, formats: Sequence[Format], capabilities: Capabilities,
    previous: Sequence[Codec] = (),
) -> tuple[Codec, ...]:
    """The codecs we answer for a publish m-line, best first; empty when none is forwardable.

    `previous` (the codecs negotiated before on this mid) keeps renegotiation stable: the same
    PTs are picked again when still offered, and their order is kept.
    """
    before = {c.name: c.payload_type for c in previous}
    allowed = AUDIO_FEEDBACK if kind is MediaKind.AUDIO else VIDEO_FEEDBACK
    names = ["opus"] if kind is MediaKind.AUDIO else list(capabilities.video_codecs)
    names.sort(key=lambda n: (0, list(before).index(n)) if n in before else (1, 0))
    chosen: list[Codec] = []
    for name in names:
        fmt = _pick(formats, name, before.get(name))
        fmtp = _answer_fmtp(fmt) if fmt is not None else None
        if fmt is None or fmtp is None:
            continue
        rtx = None if kind is MediaKind.AUDIO else _rtx_for(formats, fmt.payload_type, 90000)
        chosen.append(Codec(fmt.payload_type, name, fmt.clock_rate, fmt.channels, fmtp,
                            fmt.feedback & frozenset(allowed), rtx))
    if kind is MediaKind.AUDIO and chosen and capabilities.red_audio:
        red = _red_for(formats, chosen[0].payload_type)
        if red is not None:  # preferred, so the browser actually sends redundancy
            chosen.insert(0, Codec(red.payload_type, "red", 48000, 2, red.fmtp))
    return tuple(chosen)


def codecs_from_answer(offered: Sequence[Format], answered: Sequence[Format]) -> tuple[Codec, ...]:
    """The codecs a browser's answer accepted out of our offer, in the answer's order."""
    by_pt = {f.payload_type: f for f in offered}
    codecs = []
    for fmt in answered:
        ours = by_pt.get(fmt.payload_type)
        if ours is None or (ours.name, ours.clock_rate) != (fmt.name, fmt.clock_rate):
            raise bad("answer has a payload type we did not offer", codes.ANSWER_MISMATCH)
        if fmt.name == "rtx":
            continue
        rtx = _rtx_for(answered, fmt.payload_type, fmt.clock_rate)
        if rtx is not None and _rtx_for(offered, fmt.payload_type, fmt.clock_rate) != rtx:
            raise bad("answer pairs rtx differently from the offer", codes.ANSWER_MISMATCH)
        codecs.append(Codec(fmt.payload_type, fmt.name, fmt.clock_rate, fmt.channels, fmt.fmtp,
                            fmt.feedback & ours.feedback, rtx))
    return tuple(codecs)


def _encoding(name: str, clock_rate: int, channels: int) -> str:
    return f"{name}/{clock_rate}/{channels}" if channels > 1 else f"{name}/{clock_rate}"


def _fmtp_text(params: Sequence[tuple[str, str]]) -> str:
    return ";".join(f"{k}={v}" if k else v for k, v in params)


def codec_lines(codecs: Sequence[Codec]) -> tuple[list[str], list[Attribute]]:
    """m= formats and the rtpmap/rtcp-fb/fmtp attributes for `codecs` (each followed by rtx)."""
    formats: list[str] = []
    attributes: list[Attribute] = []
    order = {fb: i for i, fb in enumerate(VIDEO_FEEDBACK)}
    for codec in codecs:
        pt = codec.payload_type
        formats.append(str(pt))
        attributes.append(
            Attribute("rtpmap", f"{pt} {_encoding(codec.name, codec.clock_rate, codec.channels)}"))
        for fb in sorted(codec.rtcp_feedback, key=lambda f: (order.get(f, len(order)), f)):
            attributes.append(Attribute("rtcp-fb", f"{pt} {fb}"))
        if codec.fmtp:
            attributes.append(Attribute("fmtp", f"{pt} {_fmtp_text(codec.fmtp)}"))
        if codec.rtx_payload_type is not None:
            rtx = codec.rtx_payload_type
            formats.append(str(rtx))
            attributes.append(Attribute("rtpmap", f"{rtx} rtx/{codec.clock_rate}"))
            attributes.append(Attribute("fmtp", f"{rtx} apt={pt}"))  # RFC 4588 §8.6
    return formats, attributes
