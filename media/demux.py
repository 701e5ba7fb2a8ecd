"""Tell apart the protocols that share the one media UDP port (RFC 7983 §7, RFC 5761 §4).

Runs once per datagram, so it is plain integer comparisons on the first bytes: no parsing,
no allocation. The result only says which parser to try next; that parser still validates.
"""

from __future__ import annotations

import enum


class PacketClass(enum.Enum):
    """What the first byte of a datagram says it is (RFC 7983 §7, updated by RFC 9443)."""

    STUN = "stun"  # 0..3
    DTLS = "dtls"  # 20..63
    RTP_OR_RTCP = "rtp_or_rtcp"  # 128..191 (RTP version 2)
    UNKNOWN = "unknown"  # ZRTP (16..19), TURN channels (64..79) and the rest: dropped


# RFC 7983 §7 first-byte ranges (inclusive).
_STUN_LAST = 3
_DTLS_FIRST, _DTLS_LAST = 20, 63
_RTP_FIRST, _RTP_LAST = 128, 191
# RFC 5761 §4: with rtcp-mux, RTCP packet types 192..223 sit where RTP has M bit + payload type.
_RTCP_PT_FIRST, _RTCP_PT_LAST = 192, 223

_STUN = PacketClass.STUN
_DTLS = PacketClass.DTLS
_RTP_OR_RTCP = PacketClass.RTP_OR_RTCP
_UNKNOWN = PacketClass.UNKNOWN


def classify(first_byte: int) -> PacketClass:
    """Class of a datagram from its first byte (ranges of RFC 7983 §7)."""
    if first_byte >= _RTP_FIRST:
        return _RTP_OR_RTCP if first_byte <= _RTP_LAST else _UNKNOWN
    if first_byte <= _STUN_LAST:
        return _STUN if first_byte >= 0 else _UNKNOWN
    if _DTLS_FIRST <= first_byte <= _DTLS_LAST:
        return _DTLS
    return _UNKNOWN


def is_rtcp(data: bytes) -> bool:
    """True when an RTP/RTCP datagram is RTCP: second byte in 192..223 (RFC 5761 §4).

    A datagram shorter than two bytes is neither; the RTP parser rejects it.
    """
    return len(data) >= 2 and _RTCP_PT_FIRST <= data[1] <= _RTCP_PT_LAST
