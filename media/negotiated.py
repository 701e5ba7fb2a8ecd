"""The contract between signalling and media: what one offer/answer exchange agreed on.

Signalling parses and builds SDP and hands media exactly one `NegotiatedSession`; media never
reads SDP text. Directions are always seen from the SFU.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class MediaKind(enum.Enum):
    AUDIO = "audio"
    VIDEO = "video"


class Direction(enum.Enum):
    """Direction of an m-line from the SFU's point of view (RFC 8866 §6.7)."""

    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"  # the SFU sends, the browser receives
    RECVONLY = "recvonly"  # the browser sends, the SFU receives
    INACTIVE = "inactive"

    @property
    def sfu_receives(self) -> bool:
        return self in (Direction.SENDRECV, Direction.RECVONLY)

    @property
    def sfu_sends(self) -> bool:
        return self in (Direction.SENDRECV, Direction.SENDONLY)


class DtlsRole(enum.Enum):
    """Our side of the DTLS handshake (RFC 5763 §5): the SFU is always the server."""

    SERVER = "server"
    CLIENT = "client"


@dataclass(frozen=True, slots=True)
class Codec:
    """One negotiated payload format (RFC 8866 a=rtpmap/a=fmtp/a=rtcp-fb)."""

    payload_type: int
    name: str  # canonical spelling: "opus", "VP8", "VP9", "H264", "red"
    clock_rate: int
    channels: int = 1
    fmtp: tuple[tuple[str, str], ...] = ()
    # "nack", "nack pli", "ccm fir", "transport-cc", "goog-remb" (RFC 4585 §4.2, RFC 5104 §7.1)
    rtcp_feedback: frozenset[str] = frozenset()
    rtx_payload_type: int | None = None  # RFC 4588 retransmission format, when negotiated

    def fmtp_value(self, key: str) -> str | None:
        for name, value in self.fmtp:
            if name == key:
                return value
        return None


@dataclass(frozen=True, slots=True)
class HeaderExtensionIds:
    """Negotiated RFC 8285 extension ids; None where not negotiated."""

    mid: int | None = None  # urn:ietf:params:rtp-hdrext:sdes:mid (RFC 8843)
    rid: int | None = None  # urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id (RFC 8852)
    repaired_rid: int | None = None  # urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
    transport_cc: int | None = None  # draft-holmer-rmcat-transport-wide-cc-extensions-01
    abs_send_time: int | None = None  # http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
    audio_level: int | None = None  # urn:ietf:params:rtp-hdrext:ssrc-audio-level (RFC 6464)


@dataclass(frozen=True, slots=True)
class MediaDescription:
    """One negotiated m-line of a BUNDLE group."""

    mid: str
    kind: MediaKind
    direction: Direction
    codecs: tuple[Codec, ...]  # preference order; every one may appear on the wire
    extensions: HeaderExtensionIds = HeaderExtensionIds()
    remote_ssrcs: tuple[int, ...] = ()  # media SSRCs the browser announced (a=ssrc)
    remote_rtx_ssrcs: tuple[tuple[int, int], ...] = ()  # (media ssrc, rtx ssrc), a=ssrc-group:FID
    rids: tuple[str, ...] = ()  # simulcast rids the browser sends, in a=simulcast order
    stream_id: str | None = None  # msid stream (RFC 8830)
    track_id: str | None = None  # msid track
    local_ssrc: int | None = None  # SSRC the SFU sends on this m-line
    local_rtx_ssrc: int | None = None


@dataclass(frozen=True, slots=True)
class IceCredentials:
    """ICE short-term credentials (RFC 8445 §5.3, RFC 8839 §5.4)."""

    ufrag: str
    pwd: str


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A certificate fingerprint from a=fingerprint (RFC 8122 §5); `algorithm` lower-case."""

    algorithm: str
    value: bytes


@dataclass(frozen=True, slots=True)
class NegotiatedSession:
    """Everything media needs to run one transport (one BUNDLE group over one ICE/DTLS session)."""

    local_ice: IceCredentials
    remote_ice: IceCredentials
    remote_fingerprint: Fingerprint
    dtls_role: DtlsRole
    media: tuple[MediaDescription, ...] = field(default=())

    def by_mid(self, mid: str) -> MediaDescription | None:
        for description in self.media:
            if description.mid == mid:
                return description
        return None
