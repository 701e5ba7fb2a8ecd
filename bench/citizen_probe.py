"""The citizen's receiving side, recorded packet by packet and answered like a browser would.

Taps the citizen's `Receiver` (which still counts loss and checks payloads) and keeps what the
playout models need: the earliest arrival of every audio frame (RFC 2198 redundant blocks
count for the frame they carry) and every video packet's frame and part, fed at once to the
`VideoPlayout` decoder model. Like a browser's receiver it sends Generic NACKs for missing
video packets (RFC 4585 §6.2.1, via the project's `NackGenerator`), takes retransmissions on
RTX (RFC 4588 §4: the original sequence number leads the payload), and sends PLI (RFC 4585
§6.3.1, throttled by the project's `KeyframeThrottle`) while its decoder waits for a keyframe
and video packets keep coming (not while the SFU has paused the stream).
Transport-cc feedback and receiver reports come from the transport and the `Receiver`.
"""

from __future__ import annotations

import struct

from bench.participant import Participant
from bench.playout import VideoPlayout
from bench.simulcast_source import SimulcastMedia
from bench.streams import AUDIO
from media.errors import BadPacket
from media.keyframe_throttle import KeyframeThrottle
from media.nack_generator import NackGenerator
from media.red import parse_red_untrusted
from media.rtcp import GenericNack, PictureLossIndication, RtcpPacket, encode_rtcp_compound
from media.rtp_header import parse_rtp_layout_untrusted
from media.seqnum import TimestampUnwrapper

STREAM_ACTIVE = 1.0  # s since the last video packet: a stream that quiet gets no PLI (paused)
_SEQ_TS_SSRC = struct.Struct("!HII")
_OSN = struct.Struct("!H")  # RFC 4588 §4: original sequence number


class CitizenProbe:
    def __init__(self, media: SimulcastMedia, participant: Participant, rtt: float) -> None:
        self.media = media
        self.participant = participant
        self.playout = VideoPlayout([len(frames) for frames in media.layers])
        self.audio_arrivals: dict[int, float] = {}  # unwrapped RTP timestamp -> first arrival
        self.nack = NackGenerator()
        self.nack.set_rtt(rtt)
        self.keyframes = KeyframeThrottle()
        self.video_ssrc: int | None = None
        self.last_video_at = -1e9
        self.packets = 0  # well-formed RTP
        self.retransmissions = 0  # RTX packets that carried media
        self.padding = 0  # RTX packets with padding only (the SFU's bandwidth probes)
        self.unknown = 0  # neither loop media nor padding
        self.malformed = 0
        self.nacks_sent = 0
        self.plis_sent = 0
        self._audio_ts = TimestampUnwrapper()
        self._video_ts = TimestampUnwrapper()
        participant.receiver.tap = self.on_rtp

    def on_rtp(self, plain: bytes, received_at: float) -> None:
        """Every decrypted RTP packet of the citizen's subscribe transport (any bytes)."""
        try:
            _, _, start, end = parse_rtp_layout_untrusted(plain)
            self._classify(plain, start, end, received_at)
        except BadPacket:
            self.malformed += 1
            return
        self.packets += 1

    def _classify(self, plain: bytes, start: int, end: int, now: float) -> None:
        participant = self.participant
        payload_type = plain[1] & 0x7F
        sequence, timestamp, ssrc = _SEQ_TS_SSRC.unpack_from(plain, 2)
        kind = participant.receiver.payload_types.get(payload_type)
        if payload_type == participant.rtx_pt:
            if start == end:
                self.padding += 1
                return
            if end - start < 2:
                raise BadPacket("rtx: no original sequence number")
            if self._video(plain, start + 2, end, timestamp, now):
                self.retransmissions += 1
                self.nack.on_packet(_OSN.unpack_from(plain, start)[0], now)
            return
        if kind is None:
            self.unknown += 1
            return
        if kind == AUDIO:
            ext = self._audio_ts.unwrap(timestamp)
            self._arrived(ext, now)
            if payload_type == participant.red_pt:
                for offset, _, _ in parse_red_untrusted(plain, start, end).redundant:
                    self._arrived(ext - offset, now)
            return
        self.video_ssrc = ssrc
        self.last_video_at = now
        self.nack.on_packet(sequence, now)
        self._video(plain, start, end, timestamp, now)

    def _arrived(self, timestamp: int, now: float) -> None:
        known = self.audio_arrivals.get(timestamp)
        if known is None or now < known:
            self.audio_arrivals[timestamp] = now

    def _video(self, plain: bytes, start: int, end: int, timestamp: int, now: float) -> bool:
        """Feed one video packet (or retransmitted payload) to the decoder model."""
        media = self.media
        tail = media.combined.video_tail
        index = media.combined.video_index.get(plain[end - tail : end]) \
            if end - start >= tail else None
        if index is None:
            self.unknown += 1
            return False
        self.playout.on_part(self._video_ts.unwrap(timestamp), media.layer_of[index],
                             media.position_of[index], media.part_of[index],
                             media.parts_in_frame[index], media.keyframe_of[index], now)
        return True

    def poll(self, now: float) -> None:
        """Send what a browser would now: NACKs that are due, a PLI while a keyframe is needed."""
        endpoint = self.participant.subscribe
        self.playout.advance(now)
        ssrc = self.video_ssrc
        if endpoint is None or not endpoint.transport.connected or ssrc is None:
            return
        reporter = self.participant.receiver.report_ssrc
        packets: list[RtcpPacket] = []
        lost = self.nack.due_nacks(now)
        if lost:
            packets.append(GenericNack(reporter, ssrc, tuple(lost)))
            self.nacks_sent += 1
        active = now - self.last_video_at < STREAM_ACTIVE  # like a browser: no PLI while paused
        if self.playout.keyframe_needed and active and self.keyframes.request(now):
            packets.append(PictureLossIndication(reporter, ssrc))
            self.plis_sent += 1
        if packets:
            endpoint.send_rtcp_now(encode_rtcp_compound(packets))
