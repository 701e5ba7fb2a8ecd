"""The parts for one browser PeerConnection, composed: transport, streams, feedback, reports.

A publish session owns the browser's incoming streams (receive statistics, NACKs to the
publisher, transport-cc feedback, receiver reports). A subscribe session owns the outgoing
streams to the browser (subscriptions, sender reports) and answers its NACKs and keyframe
requests. `on_rtp` is the per-packet hot path of the whole SFU.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from media.allocator import LayerAllocator
from media.bandwidth_estimator import BandwidthEstimator
from media.errors import BadPacket
from media.inbound import InboundStream
from media.negotiated import MediaDescription, MediaKind, NegotiatedSession
from media.publication import Publication
from media.rtcp import (
    Bye,
    FullIntraRequest,
    GenericNack,
    PictureLossIndication,
    ReceiverEstimatedMaxBitrate,
    ReceiverReport,
    ReportBlock,
    RtcpPacket,
    SenderReport,
    SourceDescription,
    TransportCcFeedback,
    encode_rtcp_compound,
    parse_rtcp_compound_untrusted,
)
from media.rtp_extensions import parse_rid_untrusted
from media.rtp_header import find_one_byte_extension, parse_rtp_layout_untrusted
from media.sr_clock import ntp_middle32
from media.subscription import Subscription
from media.transport import PeerTransport, TransportKind
from media.twcc_recorder import TwccRecorder

_SEQ_TS_SSRC = struct.Struct("!HII")
_U16 = struct.Struct("!H")
REMB_INTERVAL = 1.0  # s between receiver-estimated maximum bitrate messages
REMB_MIN_BPS, REMB_MAX_BPS = 50_000, 2_500_000
REPORT_INTERVAL = 1.0  # s; RFC 3550 §6.2 minimum is 5 s, but RFC 8829 media wants ~1 s
SDES_CNAME = 1  # RFC 3550 §6.5.1


class PeerSession:
    """One transport plus everything that hangs off it."""

    def __init__(
        self,
        transport: PeerTransport,
        rtcp_ssrc: int,
        cname: bytes,
    ) -> None:
        self.transport = transport
        self.rtcp_ssrc = rtcp_ssrc
        self.cname = cname
        self.publications: dict[str, Publication] = {}  # by mid
        self.inbound: dict[int, InboundStream] = {}  # by SSRC
        self.inbound_rtx: dict[int, InboundStream] = {}  # RTX SSRC -> repaired stream
        self.subscriptions: dict[str, Subscription] = {}  # by local mid
        self.subscriptions_by_ssrc: dict[int, Subscription] = {}
        self.twcc = TwccRecorder()
        self.estimator = BandwidthEstimator()  # the browser's downlink (subscribe sessions)
        self.allocator = LayerAllocator()
        self.next_allocation_at = 0.0
        self.next_remb_at = 0.0
        self.rtt: float | None = None  # s, from receiver reports on our streams (subscribe side)
        self.next_probe_at = 0.0
        self.red_deep_until = -1.0  # audio carries extra redundancy until then (adaptation)
        self.last_probe_at = -1e9
        self.probe_until = -1.0
        self.probe_bps = 0
        self.remb_negotiated = False
        self._twcc_id: int | None = None
        self._mid_id: int | None = None
        self._rid_id: int | None = None
        self._repaired_rid_id: int | None = None
        self.next_report_at = 0.0
        self.bad_rtp = 0
        self.bad_rtcp = 0
        self.unknown_ssrc = 0
        self.nacks_received = 0
        self.keyframe_requests_received = 0

    @property
    def session_id(self) -> int:
        return self.transport.transport_id

    @property
    def kind(self) -> TransportKind:
        return self.transport.kind

    # -- negotiation -------------------------------------------------------------------------

    def apply_session(
        self,
        negotiated: NegotiatedSession,
        make_publication: Callable[[MediaDescription], Publication],
        now: float,
    ) -> tuple[list[Publication], list[Publication]]:
        """Apply an offer/answer; for publish sessions return (added, removed) publications."""
        self.transport.apply_session(negotiated, now)
        added: list[Publication] = []
        removed: list[Publication] = []
        for description in negotiated.media:
            ext = description.extensions
            self._twcc_id = ext.transport_cc if ext.transport_cc is not None else self._twcc_id
            self._mid_id = ext.mid if ext.mid is not None else self._mid_id
            self._rid_id = ext.rid if ext.rid is not None else self._rid_id
            if any("goog-remb" in codec.rtcp_feedback for codec in description.codecs):
                self.remb_negotiated = True
            if ext.repaired_rid is not None:
                self._repaired_rid_id = ext.repaired_rid
            if self.kind is not TransportKind.PUBLISH:
                continue
            existing = self.publications.get(description.mid)
            if not description.direction.sfu_receives:
                if existing is not None:
                    removed.append(self._remove_publication(existing))
                continue
            if existing is not None:
                existing.update(description)
                continue
            publication = make_publication(description)
            self.publications[description.mid] = publication
            added.append(publication)
            for layer, ssrc in enumerate(description.remote_ssrcs[:1]):
                self._add_stream(publication, ssrc, layer)
            rtx_by_media = dict(description.remote_rtx_ssrcs)
            for ssrc in description.remote_ssrcs[:1]:
                rtx = rtx_by_media.get(ssrc)
                if rtx is not None:
                    self.inbound_rtx[rtx] = self.inbound[ssrc]
        self.twcc.enabled = self._twcc_id is not None and self.kind is TransportKind.PUBLISH
        return added, removed

    def _remove_publication(self, publication: Publication) -> Publication:
        publication.closed = True
        del self.publications[publication.mid]
        for stream in publication.streams():
            self.inbound.pop(stream.ssrc, None)
        for ssrc in [
            s for s, stream in self.inbound_rtx.items() if stream.publication is publication
        ]:
            del self.inbound_rtx[ssrc]
        return publication

    def _add_stream(self, publication: Publication, ssrc: int, layer: int) -> InboundStream:
        stream = InboundStream(
            ssrc,
            publication,
            layer,
            publication.clock_rate,
            publication.kind is MediaKind.VIDEO,
        )
        self.inbound[ssrc] = stream
        publication.attach_stream(layer, stream)
        return stream

    def close(self) -> list[Publication]:
        """Close the transport; return the publications that ended with it."""
        self.transport.close()
        ended = [self._remove_publication(p) for p in list(self.publications.values())]
        for subscription in self.subscriptions.values():
            subscription.detach()
        self.subscriptions.clear()
        self.subscriptions_by_ssrc.clear()
        return ended

    # -- the hot path ------------------------------------------------------------------------

    def on_rtp(self, plain: bytes, now: float) -> None:
        try:
            ext_start, ext_end, payload_start, payload_end = parse_rtp_layout_untrusted(plain)
        except BadPacket:
            self.bad_rtp += 1
            return
        if self._twcc_id is not None:  # every packet counts, padding probes and RTX included
            value = find_one_byte_extension(plain, ext_start, ext_end, self._twcc_id)
            if value is not None and len(value) == 2:
                self.twcc.on_packet(_U16.unpack(value)[0], now)
        sequence, timestamp, ssrc = _SEQ_TS_SSRC.unpack_from(plain, 2)
        stream = self.inbound.get(ssrc)
        if stream is None:
            rtx_of = self.inbound_rtx.get(ssrc)
            if rtx_of is not None:
                self._on_rtx(rtx_of, plain, ext_start, ext_end, payload_start, payload_end, now)
                return
            stream = self._learn_stream(plain, ssrc, ext_start, ext_end)
            if stream is None:
                self.unknown_ssrc += 1
                return
        self._accept(stream, plain, plain[1], sequence, timestamp, payload_start, payload_end, now)

    def _accept(
        self,
        stream: InboundStream,
        plain: bytes,
        second_byte: int,
        sequence: int,
        timestamp: int,
        payload_start: int,
        payload_end: int,
        now: float,
        repaired: bool = False,
    ) -> None:
        stream.last_packet_at = now
        if not repaired:  # a layer's rate is its media: Chrome probes with RTX copies of old
            stream.packets += 1  # packets, which would read as the layer needing more
            stream.octets += payload_end - payload_start
        stream.stats.on_packet(sequence, timestamp, now)
        if stream.nack is not None:
            stream.nack.on_packet(sequence, now)
        if stream.buffer is not None:
            stream.buffer.store(sequence, plain, now)
        for subscription in stream.subscribers:
            subscription.forward(
                plain, stream, second_byte, sequence, timestamp, payload_start, payload_end, now
            )

    def _on_rtx(
        self,
        stream: InboundStream,
        plain: bytes,
        ext_start: int,
        ext_end: int,
        payload_start: int,
        payload_end: int,
        now: float,
    ) -> None:
        """Unwrap an RFC 4588 retransmission into the original packet and accept it."""
        if payload_end - payload_start < 2:
            return  # RTX padding probe: carries no original packet
        original_sequence = _U16.unpack_from(plain, payload_start)[0]
        media_pt = stream.publication.rtx_to_media_pt.get(plain[1] & 0x7F)
        if media_pt is None:
            return
        header_end = payload_start  # keep CSRCs and extensions as they were
        rebuilt = b"".join(
            (
                bytes((plain[0] & 0xDF, (plain[1] & 0x80) | media_pt)),
                _U16.pack(original_sequence),
                plain[4:8],
                struct.pack("!I", stream.ssrc),
                plain[12:header_end],
                plain[payload_start + 2 : payload_end],
            )
        )
        new_payload_start = payload_start
        new_payload_end = payload_end - 2
        timestamp = struct.unpack_from("!I", plain, 4)[0]
        self._accept(
            stream,
            rebuilt,
            rebuilt[1],
            original_sequence,
            timestamp,
            new_payload_start,
            new_payload_end,
            now,
            repaired=True,
        )

    def _learn_stream(
        self, plain: bytes, ssrc: int, ext_start: int, ext_end: int
    ) -> InboundStream | None:
        """Bind an SSRC not in the SDP through its mid and rid extensions (RFC 8852 §3.3)."""
        if self._mid_id is None:
            return None
        raw_mid = find_one_byte_extension(plain, ext_start, ext_end, self._mid_id)
        if raw_mid is None:
            return None
        publication = self.publications.get(raw_mid.decode("ascii", "replace"))
        if publication is None:
            return None
        layer = 0
        if publication.rids:
            rid = self._read_rid(plain, ext_start, ext_end, self._rid_id)
            repaired = self._read_rid(plain, ext_start, ext_end, self._repaired_rid_id)
            if repaired is not None:
                repaired_layer = publication.layer_for_rid(repaired)
                target = publication.layers[repaired_layer] if repaired_layer is not None else None
                if target is not None:
                    self.inbound_rtx[ssrc] = target
                return None
            found = publication.layer_for_rid(rid) if rid is not None else None
            if found is None:
                return None
            layer = found
        elif publication.layers[0] is not None:
            # A new SSRC on a single-layer track: the publisher restarted its encoder.
            old = publication.layers[0]
            self.inbound.pop(old.ssrc, None)
        stream = self._add_stream(publication, ssrc, layer)
        for subscription in stream.subscribers:
            if subscription.layer == layer:
                subscription.rewriter.switch_source(ssrc)
        return stream

    @staticmethod
    def _read_rid(plain: bytes, start: int, end: int, ext_id: int | None) -> str | None:
        if ext_id is None:
            return None
        raw = find_one_byte_extension(plain, start, end, ext_id)
        if raw is None:
            return None
        try:
            return parse_rid_untrusted(raw)
        except BadPacket:
            return None

    # -- RTCP in -----------------------------------------------------------------------------

    def on_rtcp(
        self, plain: bytes, now: float, request_keyframe: Callable[[Subscription, float], None]
    ) -> None:
        try:
            packets = parse_rtcp_compound_untrusted(plain)
        except BadPacket:
            self.bad_rtcp += 1
            return
        for packet in packets:
            if isinstance(packet, GenericNack):
                subscription = self.subscriptions_by_ssrc.get(packet.media_ssrc)
                if subscription is not None:
                    self.nacks_received += 1
                    for lost in packet.lost:
                        subscription.retransmit(lost, now)
            elif isinstance(packet, PictureLossIndication | FullIntraRequest):
                targets = (
                    [packet.media_ssrc]
                    if isinstance(packet, PictureLossIndication)
                    else [ssrc for ssrc, _ in packet.entries]
                )
                for ssrc in targets:
                    subscription = self.subscriptions_by_ssrc.get(ssrc)
                    if subscription is not None:
                        self.keyframe_requests_received += 1
                        request_keyframe(subscription, now)
            elif isinstance(packet, SenderReport):
                stream = self.inbound.get(packet.ssrc)
                if stream is not None:
                    stream.stats.on_sender_report(packet.ntp_timestamp, now)
                    stream.sr_ntp = packet.ntp_timestamp
                    stream.sr_rtp_timestamp = packet.rtp_timestamp
                    stream.sr_received_at = now
            elif isinstance(packet, TransportCcFeedback):
                self.estimator.on_feedback(packet, self.transport.send_history, now)
            elif isinstance(packet, ReceiverEstimatedMaxBitrate):
                self.estimator.on_remb(packet.bitrate, now)
            elif isinstance(packet, ReceiverReport):
                self._round_trip(packet.reports, now)
            elif isinstance(packet, Bye | SourceDescription):
                continue  # RTT from receiver reports feeds bandwidth estimation (not needed here)

    def _round_trip(self, blocks: tuple[ReportBlock, ...], now: float) -> None:
        """RTT from a receiver report on one of our streams (RFC 3550 §6.4.1: A - LSR - DLSR),
        measured on our monotonic clock against when that SR left."""
        for block in blocks:
            subscription = self.subscriptions_by_ssrc.get(block.ssrc)
            if subscription is None:
                continue
            subscription.remote_fraction_lost = block.fraction_lost
            if subscription.last_sr is None or not block.last_sr:
                continue
            middle, sent_at = subscription.last_sr
            if block.last_sr != middle:
                continue
            rtt = now - sent_at - block.delay_since_last_sr / 65536
            if 0 <= rtt < 10:
                self.rtt = rtt if self.rtt is None else 0.8 * self.rtt + 0.2 * rtt
                self.estimator.rtt = max(self.rtt, 0.01)

    # -- periodic work -----------------------------------------------------------------------

    def due_reports(self, now: float, wall_now: float) -> None:
        """Queue this session's periodic RTCP: RR + NACKs + transport-cc, or SRs."""
        transport = self.transport
        if transport.srtp is None:
            return
        packets: list[RtcpPacket] = []
        if self.kind is TransportKind.PUBLISH:
            self._publisher_feedback(now, packets)
        if now >= self.next_report_at:
            self.next_report_at = now + REPORT_INTERVAL
            packets[:0] = self._reports(now, wall_now)
        if packets:
            transport.send_rtcp(encode_rtcp_compound(packets))

    def _publisher_feedback(self, now: float, packets: list[RtcpPacket]) -> None:
        for stream in self.inbound.values():
            if stream.nack is not None:
                lost = stream.nack.due_nacks(now)
                if lost:
                    packets.append(GenericNack(self.rtcp_ssrc, stream.ssrc, tuple(lost)))
        media_ssrc = next(iter(self.inbound), 0)  # any of the publisher's own SSRCs
        packets.extend(self.twcc.due_feedback(self.rtcp_ssrc, now, media_ssrc))
        if self._twcc_id is None and self.remb_negotiated and now >= self.next_remb_at:
            self.next_remb_at = now + REMB_INTERVAL
            remb = self._receive_side_estimate()
            if remb is not None:
                packets.append(remb)

    def _receive_side_estimate(self) -> ReceiverEstimatedMaxBitrate | None:
        """REMB where transport-cc is not negotiated: grow above what arrives while loss is low,
        hold under moderate loss, back off under heavy loss (a receive-side GCC in miniature)."""
        streams = [s for s in self.inbound.values() if s.packets]
        if not streams:
            return None
        incoming = sum(s.bitrate_bps for s in streams)
        loss = max(s.last_fraction_lost for s in streams) / 256  # from our last RR
        factor = 1.5 if loss < 0.02 else (1.0 if loss < 0.1 else 0.85)
        bitrate = int(min(max(incoming * factor, REMB_MIN_BPS), REMB_MAX_BPS))
        return ReceiverEstimatedMaxBitrate(self.rtcp_ssrc, bitrate, tuple(s.ssrc for s in streams))

    def _reports(self, now: float, wall_now: float) -> list[RtcpPacket]:
        if self.kind is TransportKind.PUBLISH:
            block_list: list[ReportBlock] = []
            for stream in self.inbound.values():
                v = stream.stats.report_block(now)
                if v is None:
                    continue
                stream.last_fraction_lost = v.fraction_lost
                fraction = v.fraction_lost
                if not stream.is_video:  # tell the encoder about the worst listener's loss, so
                    # Opus adds in-band FEC for them (libwebrtc adapts FEC to reported loss)
                    fraction = max([fraction] + [
                        s.remote_fraction_lost for s in stream.publication.subscriptions
                    ])
                block_list.append(ReportBlock(
                    v.ssrc, fraction, v.cumulative_lost, v.highest_sequence, v.jitter,
                    v.last_sr, v.delay_since_last_sr,
                ))
            blocks = tuple(block_list)
            report = ReceiverReport(self.rtcp_ssrc, blocks[:31])
            sdes = SourceDescription(((self.rtcp_ssrc, ((SDES_CNAME, self.cname),)),))
            return [report, sdes]
        reports: list[RtcpPacket] = []
        for subscription in self.subscriptions.values():
            values = subscription.sr_clock.sender_report(now, wall_now)
            if values is None:
                continue
            subscription.last_sr = (ntp_middle32(values.ntp_timestamp), now)
            reports.append(
                SenderReport(
                    subscription.ssrc,
                    values.ntp_timestamp,
                    values.rtp_timestamp,
                    values.packet_count,
                    values.octet_count,
                )
            )
        if reports:
            first = reports[0]
            assert isinstance(first, SenderReport)
            reports.append(SourceDescription(((first.ssrc, ((SDES_CNAME, self.cname),)),)))
        return reports

    def send_probe(self, now: float, interval: float) -> None:
        """During a probe, pad the downlink up to `probe_bps` with RTX padding packets."""
        if now >= self.probe_until:
            return
        pacer = self.transport.pacer
        if pacer is not None and pacer.backlog:  # the link is full already: media is the probe
            return
        carrier = next(
            (s for s in self.subscriptions.values() if s.rtx_ssrc is not None),
            None,
        )
        if carrier is None:
            return
        budget = int(self.probe_bps * interval / 8)
        while budget > 0:
            sent = carrier.send_padding(now)
            if sent <= 0:  # not connected yet, or no RTX: nothing can carry padding
                return
            budget -= sent

    def nack_timer(self) -> float | None:
        deadlines = [
            deadline
            for stream in self.inbound.values()
            if stream.nack is not None and (deadline := stream.nack.get_timer()) is not None
        ]
        return min(deadlines) if deadlines else None
