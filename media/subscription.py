"""One outbound stream: a publication forwarded to one subscriber under the SFU's own SSRC.

Per the forwarding rule, the stream has its own SSRC, sequence space and timestamp base
(`OutboundRewriter`), so simulcast layer switches and publisher reconnects are invisible to
the receiving browser. `forward` is the per-packet hot path: no allocation beyond the
outgoing packet, no per-packet objects.
"""

from __future__ import annotations

import struct

from media.errors import BadPacket
from media.inbound import InboundStream
from media.negotiated import Codec, MediaDescription
from media.pacer import PACKET_OVERHEAD
from media.publication import Publication
from media.red import RED_MAX_LENGTH, RED_MAX_OFFSET, encode_red, red_primary_untrusted
from media.rewriter import OutboundRewriter
from media.rtp import encode_extension_block
from media.rtp_header import FIXED_HEADER, parse_rtp_layout_untrusted
from media.sr_clock import SenderReportClock
from media.srtp import SrtpContext
from media.transport import PeerTransport
from media.vp8 import is_vp8_keyframe

_TWCC = struct.Struct("!H")
NO_PAYLOAD_TYPE = -1
_PADDING = bytes(254) + b"\xff"  # 255 octets of padding, the count in the last one
SENT_RING = 512  # protected packets kept per non-RTX video subscription, by sequence & 511
RED_MAX_DEPTH = 2  # earlier audio frames a RED payload may carry when the downlink is lossy


def _codec_key(codec: Codec) -> tuple[str, int]:
    return codec.name.lower(), codec.clock_rate


def red_source_pt(source: Publication) -> int:
    """The publisher's RED payload type, or -1."""
    return next(
        (pt for pt, c in source.codecs_by_pt.items() if c.name.lower() == "red"), NO_PAYLOAD_TYPE
    )


def red_to_unwrap(source: Publication, target: MediaDescription) -> int:
    """The publisher's RED payload type when the subscriber did not negotiate RED, else -1."""
    if any(c.name.lower() == "red" for c in target.codecs):
        return NO_PAYLOAD_TYPE
    return red_source_pt(source)


def payload_type_map(source: Publication, target: MediaDescription) -> list[int]:
    """Publisher payload type -> subscriber payload type, for codecs both sides negotiated."""
    mapping = [NO_PAYLOAD_TYPE] * 128
    by_key = {_codec_key(codec): codec.payload_type for codec in target.codecs}
    for payload_type, codec in source.codecs_by_pt.items():
        out = by_key.get(_codec_key(codec))
        if out is not None:
            mapping[payload_type] = out
    return mapping


class Subscription:
    """Forwards one publication's selected layer to one subscriber transport."""

    def __init__(
        self,
        subscription_id: int,
        transport: PeerTransport,
        description: MediaDescription,
        publication: Publication,
        *,
        initial_sequence: int,
        initial_timestamp: int,
    ) -> None:
        if description.local_ssrc is None:
            raise ValueError("a subscriber m-line needs the SFU's SSRC")
        self.subscription_id = subscription_id
        self.transport = transport
        self.mid = description.mid
        self.publication = publication
        self.ssrc = description.local_ssrc
        self.rtx_ssrc = description.local_rtx_ssrc
        self.pt_map = payload_type_map(publication, description)
        self.red_unwrap_pt = red_to_unwrap(publication, description)
        # Both sides speak RED: it is forwarded, and may carry more redundancy (`red_depth`).
        self.red_source_pt = (
            red_source_pt(publication) if self.red_unwrap_pt == NO_PAYLOAD_TYPE else NO_PAYLOAD_TYPE
        )
        self.red_history: list[tuple[int, int, bytes]] | None = (
            [] if self.red_source_pt != NO_PAYLOAD_TYPE else None
        )
        self.red_depth = 1
        self._is_video = publication.is_video
        self.rtx_pt_for: dict[int, int] = {
            codec.payload_type: codec.rtx_payload_type
            for codec in description.codecs
            if codec.rtx_payload_type is not None
        }
        self.feedback = frozenset().union(*(c.rtcp_feedback for c in description.codecs))
        self.clock_rate = publication.clock_rate
        self.rewriter = OutboundRewriter(
            self.ssrc, initial_sequence, initial_timestamp, publication.clock_rate
        )
        self.sr_clock = SenderReportClock(publication.clock_rate)
        ext = description.extensions
        self.twcc_id = ext.transport_cc
        self._header_flags = 0x90 if ext.mid is not None or ext.transport_cc is not None else 0x80
        self._ext_prefix, self._ext_twcc_at = self._extension_template(ext.mid, ext.transport_cc)
        self.layer: int | None = None  # the layer being forwarded now
        self.target_layer: int | None = None  # the layer we want; switch on its next keyframe
        self.paused = False
        self.packets_sent = 0
        self.retransmissions = 0
        self.rtx_sequence = initial_sequence ^ 0x5A5A
        self.keyframe_requests = 0
        self.layer_switches = 0
        self.pauses = 0
        self.remote_fraction_lost = 0  # RFC 3550 §6.4.1, from the subscriber's last RR
        self.last_sr: tuple[int, float] | None = None  # (NTP middle 32 bits, when it was sent)
        self.padding_sent = 0
        self.unprotectable = 0  # packets libsrtp refused to protect (dropped)
        # Without RTX a repair must be the very same SRTP packet: re-protecting a changed
        # packet under the same index would reuse the AES-GCM nonce (RFC 7714 §8.1).
        self._sent: list[bytes | None] | None = (
            [None] * SENT_RING if publication.is_video and not self.rtx_pt_for else None
        )

    def _extension_template(
        self, mid_id: int | None, twcc_id: int | None
    ) -> tuple[bytearray, int]:
        """A one-byte extension block (RFC 8285 §4.2) with mid fixed and room for a twcc seq;
        returns it with the offset of the twcc value (-1 when not negotiated)."""
        elements: dict[int, bytes] = {}
        if mid_id is not None:
            elements[mid_id] = self.mid.encode("ascii")
        if twcc_id is not None:
            elements[twcc_id] = b"\x00\x00"
        if not elements:
            return bytearray(), -1
        # header (4) + the mid element (1 + its length) + the twcc element's own header (1)
        twcc_at = 4 + (1 + len(self.mid) if mid_id is not None else 0) + 1
        return encode_extension_block(elements), twcc_at if twcc_id is not None else -1

    # -- layer selection -------------------------------------------------------------------

    def pause(self) -> None:
        """Stop forwarding video (the downlink cannot carry even the lowest layer)."""
        if self.paused:
            return
        self.paused = True
        self.pauses += 1
        self.target_layer = None
        self.detach()
        self.layer = None  # resuming resyncs on a keyframe, so the pause is no gap to NACK

    def resume(self, layer: int) -> None:
        self.paused = False
        self.select_layer(layer)

    def select_layer(self, layer: int) -> None:
        """Ask for `layer`; the switch happens on that layer's next keyframe."""
        if layer == self.layer and self.target_layer is None:
            return
        self._drop_target()
        if layer == self.layer:  # back to the layer we never left: the pending switch is off
            return
        self.target_layer = layer
        stream = self.publication.layers[layer]
        if stream is not None and self not in stream.subscribers:
            stream.subscribers.append(self)

    def _drop_target(self) -> None:
        target = self.target_layer
        self.target_layer = None
        if target is None or target == self.layer:
            return
        stream = self.publication.layers[target]
        if stream is not None and self in stream.subscribers:
            stream.subscribers.remove(self)

    def _complete_switch(self, stream: InboundStream, now: float) -> None:
        old = self.publication.layers[self.layer] if self.layer is not None else None
        if old is not None and old is not stream and self in old.subscribers:
            old.subscribers.remove(self)
        if self.layer is not None:
            self.layer_switches += 1
        self.layer = stream.layer
        self.target_layer = None
        self.rewriter.switch_source(stream.ssrc)

    def detach(self) -> None:
        for stream in self.publication.streams():
            if self in stream.subscribers:
                stream.subscribers.remove(self)

    # -- the hot path ----------------------------------------------------------------------

    def forward(
        self,
        plain: bytes,
        stream: InboundStream,
        second_byte: int,
        sequence: int,
        timestamp: int,
        payload_start: int,
        payload_end: int,
        now: float,
    ) -> None:
        if self.paused:
            return
        if stream.layer != self.layer:
            if stream.layer != self.target_layer or not (
                not stream.is_video or is_vp8_keyframe(plain[payload_start:payload_end])
            ):
                return
            self._complete_switch(stream, now)
        payload_type = second_byte & 0x7F
        if payload_type == self.red_unwrap_pt:  # the subscriber cannot take RFC 2198 RED
            primary = red_primary_untrusted(plain, payload_start, payload_end)
            if primary is None:
                return
            payload_type, payload_start = primary
        out_pt = self.pt_map[payload_type]
        if out_pt < 0:
            return
        rewritten = self.rewriter.rewrite(stream.ssrc, sequence, timestamp, now)
        if rewritten is None:
            return
        out_sequence, out_timestamp = rewritten
        transport = self.transport
        srtp = transport.srtp
        if srtp is None or transport.address is None:
            return
        payload: bytes = plain[payload_start:payload_end]
        if self.red_history is not None and payload_type == self.red_source_pt:
            payload = self._deepen_red(plain, payload, payload_start, payload_end, stream.ssrc,
                                       timestamp)
        ext = self._ext_prefix
        header = FIXED_HEADER.pack(
            self._header_flags, (second_byte & 0x80) | out_pt, out_sequence, out_timestamp,
            self.ssrc,
        )
        self.packets_sent += 1
        self.sr_clock.on_packet_sent(out_timestamp, payload_end - payload_start, now)
        pacer = transport.pacer
        if pacer is not None:
            size = len(payload) + len(ext) + PACKET_OVERHEAD
            if not self._is_video:
                pacer.spend(size, now)
            elif not pacer.try_send(size, now):  # queued: stamped and protected on release
                pacer.enqueue(self, bytearray(b"".join((header, ext, payload))), out_sequence,
                              size, now)
                return
        twcc_sequence = -1
        if self._ext_twcc_at >= 0:
            twcc_sequence = transport.next_twcc_sequence(now)
            _TWCC.pack_into(ext, self._ext_twcc_at, twcc_sequence)
        try:
            protected = srtp.protect_rtp(b"".join((header, ext, payload)))
        except BadPacket:  # e.g. an index libsrtp finds too old: drop it, never the loop
            self.unprotectable += 1
            return
        transport.outbox.append((protected, transport.address))
        if twcc_sequence >= 0:
            transport.send_history.on_sent(twcc_sequence, now, len(protected))
        if self._sent is not None:
            self._sent[out_sequence & (SENT_RING - 1)] = protected

    def send_paced(self, packet: bytearray, out_sequence: int, now: float) -> None:
        """A video packet the pacer held back leaves now: stamp, protect, send."""
        transport = self.transport
        srtp, address = transport.srtp, transport.address
        if srtp is None or address is None:
            return
        twcc_sequence = -1
        if self._ext_twcc_at >= 0:
            twcc_sequence = transport.next_twcc_sequence(now)
            _TWCC.pack_into(packet, FIXED_HEADER.size + self._ext_twcc_at, twcc_sequence)
        protected = self._emit(srtp, bytes(packet), address, twcc_sequence, now)
        if protected and self._sent is not None:
            self._sent[out_sequence & (SENT_RING - 1)] = protected

    def _deepen_red(
        self, plain: bytes, payload: bytes, start: int, end: int, source_ssrc: int, timestamp: int
    ) -> bytes:
        """Rebuild an RFC 2198 payload with up to `red_depth` earlier frames (a lossy downlink
        loses audio in bursts; one redundant frame, what browsers send, only covers single
        losses). Keeps the last frames whatever the depth, so deepening starts at once."""
        primary = red_primary_untrusted(plain, start, end)
        history = self.red_history
        assert history is not None
        if primary is None:
            return payload
        block_pt, data_start = primary
        data = plain[data_start:end]
        out = payload
        if self.red_depth > 1:
            earlier = [
                ((timestamp - block_ts) & 0xFFFFFFFF, block)
                for block_ssrc, block_ts, block in history[-self.red_depth :]
                if block_ssrc == source_ssrc
                and 0 < (timestamp - block_ts) & 0xFFFFFFFF <= RED_MAX_OFFSET
                and len(block) <= RED_MAX_LENGTH
            ]
            if earlier:
                out = encode_red(block_pt, data, earlier)
        history.append((source_ssrc, timestamp, data))
        if len(history) > RED_MAX_DEPTH:
            del history[0]
        return out

    def _stamp(self, now: float) -> tuple[bytearray, int]:
        """The extension block with the next transport-wide sequence number in it (cold paths;
        `forward` inlines the same steps)."""
        twcc_sequence = -1
        if self._ext_twcc_at >= 0:
            twcc_sequence = self.transport.next_twcc_sequence(now)
            _TWCC.pack_into(self._ext_prefix, self._ext_twcc_at, twcc_sequence)
        return self._ext_prefix, twcc_sequence

    def _emit(
        self, srtp: SrtpContext, packet: bytes, address: tuple[str, int], twcc_sequence: int,
        now: float,
    ) -> bytes:
        try:
            protected = srtp.protect_rtp(packet)
        except BadPacket:
            self.unprotectable += 1
            return b""
        self.transport.outbox.append((protected, address))
        if twcc_sequence >= 0:
            self.transport.send_history.on_sent(twcc_sequence, now, len(protected))
        return protected

    def send_padding(self, now: float) -> int:
        """One padding-only RTX packet (RFC 4588 §4, RFC 3550 §5.1 P bit) for probing; returns
        the bytes sent (0 when this stream cannot carry padding)."""
        transport = self.transport
        srtp, address = transport.srtp, transport.address
        rtx_pt = next(iter(self.rtx_pt_for.values()), None)
        if srtp is None or address is None or self.rtx_ssrc is None or rtx_pt is None:
            return 0
        self.rtx_sequence = (self.rtx_sequence + 1) & 0xFFFF
        ext, twcc_sequence = self._stamp(now)
        header = FIXED_HEADER.pack(
            self._header_flags | 0x20, rtx_pt, self.rtx_sequence, self.rewriter.last_timestamp,
            self.rtx_ssrc,
        )
        packet = b"".join((header, ext, _PADDING))
        protected = self._emit(srtp, packet, address, twcc_sequence, now)
        if not protected:
            return 0
        self.padding_sent += 1
        return len(protected) + 28  # with IPv4 + UDP headers

    # -- repair ------------------------------------------------------------------------------

    def retransmit(self, out_sequence: int, now: float) -> bool:
        """Answer a subscriber's NACK for `out_sequence` (RFC 4585 §6.2.1)."""
        transport = self.transport
        srtp, address = transport.srtp, transport.address
        if srtp is None or address is None:
            return False
        if self._sent is not None:
            stored = self._sent[out_sequence & (SENT_RING - 1)]
            if stored is None or _TWCC.unpack_from(stored, 2)[0] != out_sequence:
                return False
            transport.outbox.append((stored, address))
            if transport.pacer is not None:
                transport.pacer.spend(len(stored) + 28, now)
            self.retransmissions += 1
            return True
        found = self.rewriter.seq_for_output(out_sequence)
        if found is None or self.rtx_ssrc is None:
            return False
        source_ssrc, source_sequence, out_timestamp = (
            found.source_ssrc,
            found.source_sequence,
            found.out_timestamp,
        )
        stream = next((s for s in self.publication.streams() if s.ssrc == source_ssrc), None)
        plain = stream.buffer.get(source_sequence, now) if stream and stream.buffer else None
        if plain is None:
            return False
        try:
            _, _, payload_start, payload_end = parse_rtp_layout_untrusted(plain)
        except BadPacket:
            return False
        second_byte = plain[1]
        rtx_pt = self.rtx_pt_for.get(self.pt_map[second_byte & 0x7F])
        if rtx_pt is None:
            return False
        # RFC 4588 §4: own SSRC and sequence space; the original sequence number leads the payload.
        self.rtx_sequence = (self.rtx_sequence + 1) & 0xFFFF
        ext, twcc_sequence = self._stamp(now)
        packet = b"".join(
            (
                FIXED_HEADER.pack(
                    self._header_flags,
                    (second_byte & 0x80) | rtx_pt,
                    self.rtx_sequence,
                    out_timestamp,
                    self.rtx_ssrc,
                ),
                ext,
                _TWCC.pack(out_sequence),
                plain[payload_start:payload_end],
            )
        )
        protected = self._emit(srtp, packet, address, twcc_sequence, now)
        if not protected:
            return False
        if transport.pacer is not None:
            transport.pacer.spend(len(protected) + 28, now)
        self.retransmissions += 1
        return True
