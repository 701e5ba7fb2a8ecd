"""RTCP compound packets (RFC 3550 §6.1): the untrusted parser and the encoder.

The packet codecs live in `rtcp_reports` (SR, RR, SDES, BYE), `rtcp_feedback` (PLI, FIR, NACK,
REMB) and `rtcp_twcc` (transport-cc); this module walks a compound datagram and dispatches.

Decisions:
- Structural errors anywhere (a header running past the datagram, V != 2, a padding count of 0 or
  larger than the packet, a malformed body of a type we know) make the whole compound BadPacket:
  after SRTCP authentication a malformed part means a broken sender, and guessing where its next
  packet starts would be unsafe.
- Unknown packet types and formats (APP, XR, RFC 8888, SLI, other application feedback, ...)
  become `UnknownRtcp` with their body, so newer peers do not break us.
- The compound rules of RFC 3550 §6.1 (SR/RR first, SDES with CNAME) are not enforced: RFC 5506
  reduced-size RTCP sends a lone feedback packet, and browsers do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from media.errors import BadPacket
from media.rtcp_feedback import (
    FMT_AFB,
    FMT_FIR,
    FMT_NACK,
    FMT_PLI,
    FMT_TWCC,
    FullIntraRequest,
    GenericNack,
    PictureLossIndication,
    ReceiverEstimatedMaxBitrate,
    parse_afb_untrusted,
    parse_fir_untrusted,
    parse_nack_untrusted,
    parse_pli_untrusted,
)
from media.rtcp_header import (
    HEADER,
    HEADER_SIZE,
    PT_BYE,
    PT_PSFB,
    PT_RR,
    PT_RTPFB,
    PT_SDES,
    PT_SR,
    RTCP_VERSION,
    wrap,
)
from media.rtcp_reports import (
    Bye,
    ReceiverReport,
    ReportBlock,
    SenderReport,
    SourceDescription,
    parse_bye_untrusted,
    parse_receiver_report_untrusted,
    parse_sender_report_untrusted,
    parse_source_description_untrusted,
)
from media.rtcp_twcc import TransportCcFeedback, parse_transport_cc_untrusted
from media.rtcp_twcc_builder import build_transport_cc_feedback

__all__ = [
    "Bye",
    "FullIntraRequest",
    "GenericNack",
    "PictureLossIndication",
    "ReceiverEstimatedMaxBitrate",
    "ReceiverReport",
    "ReportBlock",
    "RtcpPacket",
    "SenderReport",
    "SourceDescription",
    "TransportCcFeedback",
    "UnknownRtcp",
    "build_transport_cc_feedback",
    "encode_rtcp_compound",
    "parse_rtcp_compound_untrusted",
]


@dataclass(frozen=True, slots=True)
class UnknownRtcp:
    """A packet type or format we do not interpret; `body` excludes the header and padding."""

    packet_type: int
    fmt: int
    body: bytes

    def encode(self) -> bytes:
        return wrap(self.packet_type, self.fmt, self.body)


RtcpPacket = (
    SenderReport | ReceiverReport | SourceDescription | Bye | PictureLossIndication
    | FullIntraRequest | GenericNack | ReceiverEstimatedMaxBitrate | TransportCcFeedback
    | UnknownRtcp
)

_BodyParser = Callable[[bytes, int, int, int], RtcpPacket | None]

# Keyed by packet type (count in the 5-bit field) or by (packet type, FMT) for feedback.
_BY_TYPE: dict[int, _BodyParser] = {
    PT_SR: parse_sender_report_untrusted,
    PT_RR: parse_receiver_report_untrusted,
    PT_SDES: parse_source_description_untrusted,
    PT_BYE: parse_bye_untrusted,
}
_BY_FORMAT: dict[tuple[int, int], _BodyParser] = {
    (PT_RTPFB, FMT_NACK): parse_nack_untrusted,
    (PT_RTPFB, FMT_TWCC): parse_transport_cc_untrusted,
    (PT_PSFB, FMT_PLI): parse_pli_untrusted,
    (PT_PSFB, FMT_FIR): parse_fir_untrusted,
    (PT_PSFB, FMT_AFB): parse_afb_untrusted,
}


def parse_rtcp_compound_untrusted(data: bytes) -> list[RtcpPacket]:
    """Every packet of an RTCP compound datagram, in order; raises only BadPacket."""
    size = len(data)
    if size < HEADER_SIZE:
        raise BadPacket("rtcp: shorter than a header")
    packets: list[RtcpPacket] = []
    pos = 0
    while pos < size:
        if pos + HEADER_SIZE > size:
            raise BadPacket("rtcp: trailing bytes shorter than a header")
        first, packet_type, words = HEADER.unpack_from(data, pos)
        if first >> 6 != RTCP_VERSION:
            raise BadPacket("rtcp: version is not 2")
        end = pos + 4 * (words + 1)
        if end > size:
            raise BadPacket("rtcp: packet length runs past the datagram")
        body_end = end
        if first & 0x20:
            padding = data[end - 1]
            if padding == 0 or padding > end - pos - HEADER_SIZE:
                raise BadPacket("rtcp: invalid padding count")
            body_end -= padding
        count = first & 0x1F
        parser = _BY_TYPE.get(packet_type) or _BY_FORMAT.get((packet_type, count))
        packet = parser(data, pos + HEADER_SIZE, body_end, count) if parser else None
        if packet is None:
            packet = UnknownRtcp(packet_type, count, data[pos + HEADER_SIZE : body_end])
        packets.append(packet)
        pos = end
    return packets


def encode_rtcp_compound(packets: Iterable[RtcpPacket]) -> bytes:
    """The packets back to back as one compound datagram (no added padding)."""
    return b"".join(packet.encode() for packet in packets)
