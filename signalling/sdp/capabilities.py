"""What the SFU can receive and forward: codecs, feedback, header extensions, canonical PTs.

One module so that what we answer, what we offer and what media implements stay in step.
The SFU never transcodes: a publisher's codec must be one every subscriber can decode, so VP8
(mandatory to implement in every browser, RFC 7742 §5) is preferred; VP9 and H264 are accepted
only where the other side offers them.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.negotiated import Codec, MediaKind
from media.rtp_extensions import (
    ABS_SEND_TIME_URI,
    AUDIO_LEVEL_URI,
    MID_URI,
    REPAIRED_RID_URI,
    RID_URI,
    TRANSPORT_CC_URI,
)

OPUS_FMTP: tuple[tuple[str, str], ...] = (  # RFC 7587 §6.1
    ("minptime", "10"), ("useinbandfec", "1"), ("usedtx", "1"),
)
H264_FMTP: tuple[tuple[str, str], ...] = (  # RFC 6184 §8.1: Constrained Baseline, level 3.1
    ("level-asymmetry-allowed", "1"), ("packetization-mode", "1"), ("profile-level-id", "42e01f"),
)
VP9_FMTP: tuple[tuple[str, str], ...] = (("profile-id", "0"),)  # RFC 9628 §6: 8-bit 4:2:0

# RTCP feedback (RFC 4585 §4.2, RFC 5104 §7.1, draft-alvestrand-rmcat-remb, transport-cc),
# in the order we write them.
VIDEO_FEEDBACK: tuple[str, ...] = ("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli")
AUDIO_FEEDBACK: tuple[str, ...] = ("transport-cc",)

# Canonical payload types of the SFU's own offers; media rewrites publishers' PTs to these.
OPUS_PT = 111
RED_PT = 63
VP8_PT, VP8_RTX_PT = 96, 97
VP9_PT, VP9_RTX_PT = 98, 99
H264_PT, H264_RTX_PT = 102, 103

# Header extensions we accept, per kind (RFC 8285). mid is required for BUNDLE demux (RFC 8843),
# rid/repaired-rid for simulcast (RFC 8852).
AUDIO_EXTENSIONS: tuple[str, ...] = (AUDIO_LEVEL_URI, ABS_SEND_TIME_URI, TRANSPORT_CC_URI, MID_URI)
VIDEO_EXTENSIONS: tuple[str, ...] = (
    ABS_SEND_TIME_URI, TRANSPORT_CC_URI, MID_URI, RID_URI, REPAIRED_RID_URI,
)
# Ids in our own offers: the same as Chrome's defaults, one URI per id across the BUNDLE group.
OFFER_EXTENSION_IDS: dict[MediaKind, tuple[tuple[int, str], ...]] = {
    MediaKind.AUDIO: ((1, AUDIO_LEVEL_URI), (2, ABS_SEND_TIME_URI), (3, TRANSPORT_CC_URI),
                      (4, MID_URI)),
    MediaKind.VIDEO: ((2, ABS_SEND_TIME_URI), (3, TRANSPORT_CC_URI), (4, MID_URI)),
}
# Which HeaderExtensionIds field each URI fills.
EXTENSION_FIELDS: dict[str, str] = {
    MID_URI: "mid", RID_URI: "rid", REPAIRED_RID_URI: "repaired_rid",
    TRANSPORT_CC_URI: "transport_cc", ABS_SEND_TIME_URI: "abs_send_time",
    AUDIO_LEVEL_URI: "audio_level",
}
MAX_ONE_BYTE_EXTENSION_ID = 14  # RFC 8285 §4.2: we do not negotiate two-byte headers


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The SFU's negotiable features.

    `video_codecs` is the preference order of the video codecs we accept; `red_audio` enables
    RFC 2198 audio redundancy (answered only when offered; then preferred over plain Opus).
    """

    video_codecs: tuple[str, ...] = ("VP8", "VP9", "H264")
    red_audio: bool = True
    max_simulcast_layers: int = 3

    def __post_init__(self) -> None:
        names = self.video_codecs
        if not names or len(set(names)) != len(names) or not set(names) <= {"VP8", "VP9", "H264"}:
            raise ValueError("video_codecs: distinct names out of VP8, VP9, H264")
        if not 1 <= self.max_simulcast_layers <= 8:
            raise ValueError("max_simulcast_layers must be 1..8")


DEFAULT_CAPABILITIES = Capabilities()


def canonical_name(encoding: str) -> str:
    """The spelling `Codec.name` uses ("opus", "VP8", "VP9", "H264", "red", "rtx")."""
    lowered = encoding.lower()
    if lowered in ("opus", "red", "rtx"):
        return lowered
    return encoding.upper()


def offer_codecs(kind: MediaKind, capabilities: Capabilities, with_rtx: bool) -> list[Codec]:
    """Our canonical codec list for a sendonly m-line of `kind`, in preference order."""
    if kind is MediaKind.AUDIO:
        opus = Codec(OPUS_PT, "opus", 48000, 2, OPUS_FMTP, frozenset(AUDIO_FEEDBACK))
        if not capabilities.red_audio:
            return [opus]
        red = Codec(RED_PT, "red", 48000, 2, (("", f"{OPUS_PT}/{OPUS_PT}"),))  # RFC 2198 §5
        return [red, opus]
    table = {
        "VP8": (VP8_PT, VP8_RTX_PT, ()),
        "VP9": (VP9_PT, VP9_RTX_PT, VP9_FMTP),
        "H264": (H264_PT, H264_RTX_PT, H264_FMTP),
    }
    codecs = []
    for name in capabilities.video_codecs:
        pt, rtx_pt, fmtp = table[name]
        codecs.append(Codec(pt, name, 90000, 1, fmtp, frozenset(VIDEO_FEEDBACK),
                            rtx_pt if with_rtx else None))
    return codecs
