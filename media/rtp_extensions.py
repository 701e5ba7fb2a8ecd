"""Values of the RTP header extensions the SFU reads and writes, and their SDP URIs.

The element framing (IDs, one-/two-byte form) is `media.rtp`; this module only turns one element's
value into a Python value and back. Parsers take untrusted bytes and raise only `BadPacket`;
encoders raise `ValueError` for values they cannot represent.

Decisions:
- Fixed-size values (transport-wide sequence number, abs-send-time, audio level) need at least
  their size; trailing bytes are ignored (transport-wide-cc-02 appends two more octets, and a
  peer may pad an element), as pion does.
- rid / repaired-rid: RFC 8852 §3.1 allows only the ASCII letters and digits; anything else is
  `BadPacket`. mid: RFC 8843 §15 makes it an SDES item carrying an RFC 5888 identification-tag,
  i.e. an RFC 4566 token. Both parse up to 255 octets (the two-byte form's limit); the encoders
  refuse more than 16 so the SFU's packets keep the one-byte form that every browser negotiates.
"""

from __future__ import annotations

import re
import struct
from typing import NamedTuple

from media.errors import BadPacket

# SDP a=extmap URIs (RFC 8285 §5), imported by the SDP code from here.
MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"  # RFC 8843 §15.1
RID_URI = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"  # RFC 8852 §4.1
REPAIRED_RID_URI = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"  # RFC 8852 §4.2
TRANSPORT_CC_URI = (  # draft-holmer-rmcat-transport-wide-cc-extensions-01 §2
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
)
ABS_SEND_TIME_URI = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"  # webrtc.org
AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"  # RFC 6464 §4

MAX_ENCODED_ID_LENGTH = 16  # RFC 8285 §4.2: the longest one-byte-form element
MAX_PARSED_ID_LENGTH = 255  # RFC 8285 §4.3 / RFC 8852 §3.1: SDES items are at most 255 octets
ABS_SEND_TIME_FRACTION_BITS = 18  # abs-send-time is 6.18 fixed point seconds
AUDIO_LEVEL_MAX = 127  # RFC 6464 §3: 7-bit level in -dBov

_U16 = struct.Struct("!H")
_RID_BYTES = re.compile(rb"[0-9A-Za-z]+\Z")  # RFC 8852 §3.1
# RFC 4566 §9 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E
_TOKEN_BYTES = re.compile(rb"[!#-'*+\-.0-9A-Z^-~]+\Z")


class AudioLevel(NamedTuple):
    """RFC 6464 §3: `voice` is the V flag, `level` is 0..127 meaning 0..-127 dBov."""

    voice: bool
    level: int


def _parse_token(value: bytes, pattern: re.Pattern[bytes], what: str) -> str:
    if len(value) > MAX_PARSED_ID_LENGTH or pattern.match(value) is None:
        raise BadPacket(f"rtp: invalid {what} extension value")
    return value.decode("ascii")


def _encode_token(value: str, pattern: re.Pattern[bytes], what: str) -> bytes:
    try:
        encoded = value.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError(f"{what} {value!r} is not ASCII") from None
    if len(encoded) > MAX_ENCODED_ID_LENGTH or pattern.match(encoded) is None:
        raise ValueError(f"{what} {value!r} is not a valid 1..16 character {what}")
    return encoded


def parse_mid_untrusted(value: bytes) -> str:
    """The media identification tag (RFC 8843 §15) carried in the mid extension."""
    return _parse_token(value, _TOKEN_BYTES, "mid")


def encode_mid(mid: str) -> bytes:
    return _encode_token(mid, _TOKEN_BYTES, "mid")


def parse_rid_untrusted(value: bytes) -> str:
    """An RtpStreamId or RepairedRtpStreamId (RFC 8852 §3.1); both share the syntax."""
    return _parse_token(value, _RID_BYTES, "rid")


def encode_rid(rid: str) -> bytes:
    return _encode_token(rid, _RID_BYTES, "rid")


def parse_transport_sequence_untrusted(value: bytes) -> int:
    """The 16-bit transport-wide sequence number (draft-holmer-...-01 §2)."""
    if len(value) < 2:
        raise BadPacket("rtp: transport-wide sequence number is truncated")
    return int(_U16.unpack_from(value)[0])


def encode_transport_sequence(sequence: int) -> bytes:
    return _U16.pack(sequence & 0xFFFF)


def abs_send_time_from_seconds(now: float) -> int:
    """`now` (seconds) as the 24-bit 6.18 fixed-point abs-send-time value (wraps every 64 s)."""
    return int(now * (1 << ABS_SEND_TIME_FRACTION_BITS)) & 0xFFFFFF


def parse_abs_send_time_untrusted(value: bytes) -> int:
    """The raw 24-bit abs-send-time (6.18 fixed-point seconds)."""
    if len(value) < 3:
        raise BadPacket("rtp: abs-send-time is truncated")
    return int.from_bytes(value[:3], "big")


def encode_abs_send_time(value: int) -> bytes:
    if not 0 <= value <= 0xFFFFFF:
        raise ValueError("abs-send-time is a 24-bit value")
    return value.to_bytes(3, "big")


def parse_audio_level_untrusted(value: bytes) -> AudioLevel:
    """RFC 6464 §3: V flag in the top bit, the level in the low seven bits."""
    if not value:
        raise BadPacket("rtp: audio level is empty")
    octet = value[0]
    return AudioLevel(octet >= 0x80, octet & 0x7F)


def encode_audio_level(voice: bool, level: int) -> bytes:
    if not 0 <= level <= AUDIO_LEVEL_MAX:
        raise ValueError("audio level is 0..127 (-dBov)")
    return bytes(((0x80 if voice else 0) | level,))
