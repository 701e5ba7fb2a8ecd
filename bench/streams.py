"""Per-participant media: the looped Opus/VP8 senders and the checking receivers.

Senders stamp RTP timestamps from the media clock (960 per 20 ms Opus packet, 90000/fps per
frame), set the marker on the last packet of a frame (and the first audio packet), count a
transport-wide sequence number, and remember the wall time each loop packet was last sent.

Receivers find each packet's loop index from its payload tail (see `bench.media_source`),
check the payload arrived unchanged, take the latency from the kernel's receive timestamp
minus that send time, count sequence gaps as loss, and feed sampled video to `FrameChecker`.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bench.frame_check import DecodeSampler, FrameChecker
from bench.media_source import MediaLoop
from media.errors import BadPacket
from media.red import encode_red
from media.rtcp import (
    FullIntraRequest,
    GenericNack,
    PictureLossIndication,
    ReceiverReport,
    ReportBlock,
    RtcpPacket,
    SenderReport,
    encode_rtcp_compound,
    parse_rtcp_compound_untrusted,
)
from media.rtp import encode_extension_block
from media.rtp_header import FIXED_HEADER, parse_rtp_layout_untrusted

_U16 = struct.Struct("!H")
_SEQ_TS_SSRC = struct.Struct("!HII")
NTP_EPOCH_OFFSET = 2_208_988_800  # RFC 5905: 1900 → 1970
AUDIO, VIDEO = 0, 1


@dataclass(frozen=True, slots=True)
class PublishFormat:
    """What the publish answer agreed on: payload types and header extension ids."""

    audio_pt: int = 111
    video_pt: int = 96
    mid_ext: int | None = 1
    twcc_ext: int | None = 3
    audio_mid: bytes = b"0"
    video_mid: bytes = b"1"
    red_pt: int | None = None  # RFC 2198 audio redundancy, when the answer preferred it
    rid_ext: int | None = None  # RFC 8852 rtp-stream-id, for simulcast layers


@dataclass
class Totals:
    """Counters of one measurement window, shared by every receiver of the run."""

    received: int = 0
    gaps: int = 0
    unknown: int = 0  # RTP whose payload is no loop packet (e.g. padding probes)
    damaged: int = 0  # payload found by its tail but not byte-identical
    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    nacks: int = 0
    keyframe_requests: int = 0

    def reset(self) -> None:
        self.received = self.gaps = self.unknown = self.damaged = self.sent = 0
        self.nacks = self.keyframe_requests = 0
        self.latencies = []


class Sender:
    """One participant's outgoing audio and video on its publish transport."""

    rids: tuple[str, ...] = ()  # simulcast rids (RFC 8851) of the video; none: one stream

    def __init__(self, loop: MediaLoop, ssrcs: tuple[int, int], seed: int,
                 totals: Totals) -> None:
        self.loop = loop
        self.totals = totals
        self.audio_ssrc, self.video_ssrc = ssrcs
        self.format = PublishFormat()
        self.sent_audio = [0.0] * len(loop.audio)  # wall time each loop index was last sent
        self.sent_video = [0.0] * loop.video_packet_count
        self.audio_seq = seed & 0xFFFF
        self.video_seq = (seed >> 16) & 0xFFFF
        self.audio_ts0 = seed * 7919 & 0xFFFFFFFF
        self.video_ts0 = seed * 104729 & 0xFFFFFFFF
        self.audio_count = 0
        self.video_count = 0
        self.audio_pos = seed % len(loop.audio)
        self.video_pos = 0  # a stream starts on a keyframe
        self.keyframe_wanted = False
        self.twcc_seq = 0
        self.octets = [0, 0]
        self.packets = [0, 0]
        self.transport: TransportLike | None = None
        self._red: tuple[bytes, ...] = ()  # per loop index: RFC 2198 payload with the previous
        self._ext: tuple[tuple[bytearray, int], tuple[bytearray, int]] = (
            (bytearray(), -1), (bytearray(), -1))

    def attach(self, transport: TransportLike, fmt: PublishFormat) -> None:
        self.transport = transport
        self.format = fmt
        self._ext = (self._template(fmt.audio_mid), self._template(fmt.video_mid))
        if fmt.red_pt is not None:
            self._red = red_payloads(self.loop.audio, fmt.audio_pt)

    def _template(self, mid: bytes, rid: bytes | None = None) -> tuple[bytearray, int]:
        """RFC 8285 one-byte extension block (mid, rid, transport-wide seq) and the seq's offset."""
        fmt = self.format
        elements: dict[int, bytes] = {}
        if fmt.mid_ext is not None:
            elements[fmt.mid_ext] = mid
        if fmt.rid_ext is not None and rid is not None:
            elements[fmt.rid_ext] = rid
        twcc_at = -1
        if fmt.twcc_ext is not None:
            twcc_at = 4 + sum(1 + len(value) for value in elements.values()) + 1
            elements[fmt.twcc_ext] = b"\x00\x00"  # last, so its offset is known
        if not elements:
            return bytearray(), -1
        return encode_extension_block(elements), twcc_at

    def _packet(self, kind: int, pt: int, marker: bool, seq: int, ts: int, ssrc: int,
                payload: bytes) -> bytes:
        ext, twcc_at = self._ext[kind]
        return self._build(ext, twcc_at, pt, marker, seq, ts, ssrc, payload)

    def _build(self, ext: bytearray, twcc_at: int, pt: int, marker: bool, seq: int, ts: int,
               ssrc: int, payload: bytes) -> bytes:
        """One RTP packet with `ext` (its transport-wide sequence number stamped in place)."""
        if twcc_at >= 0:
            self.twcc_seq = (self.twcc_seq + 1) & 0xFFFF
            _U16.pack_into(ext, twcc_at, self.twcc_seq)
        first = 0x90 if ext else 0x80
        return b"".join((FIXED_HEADER.pack(first, (0x80 if marker else 0) | pt, seq, ts, ssrc),
                         ext, payload))

    def send_audio(self) -> None:
        transport = self.transport
        if transport is None or transport.srtp is None:
            return
        loop = self.loop
        index = self.audio_pos
        payload = loop.audio[index]
        self.audio_seq = (self.audio_seq + 1) & 0xFFFF
        ts = (self.audio_ts0 + 960 * self.audio_count) & 0xFFFFFFFF
        fmt = self.format
        if fmt.red_pt is not None:  # like Chrome: the previous frame rides along (distance 1)
            payload = self._red[index] if self.audio_count else bytes((fmt.audio_pt,)) + payload
        packet = self._packet(AUDIO, fmt.red_pt if fmt.red_pt is not None else fmt.audio_pt,
                              self.audio_count == 0, self.audio_seq, ts, self.audio_ssrc, payload)
        self.audio_count += 1
        self.audio_pos = (index + 1) % len(loop.audio)
        self.sent_audio[index] = time.time()
        transport.send_now(packet)
        self.packets[AUDIO] += 1
        self.octets[AUDIO] += len(payload)
        self.totals.sent += 1

    def send_video_frame(self) -> None:
        transport = self.transport
        if transport is None or transport.srtp is None:
            return
        loop = self.loop
        if self.keyframe_wanted:
            self.keyframe_wanted = False
            if not loop.frames[self.video_pos].keyframe:
                self.video_pos = loop.next_keyframe(self.video_pos)
        frame = loop.frames[self.video_pos]
        ts = (self.video_ts0 + (90000 // loop.profile.fps) * self.video_count) & 0xFFFFFFFF
        fmt = self.format
        sent_video = self.sent_video
        for part in frame.packets:
            self.video_seq = (self.video_seq + 1) & 0xFFFF
            packet = self._packet(VIDEO, fmt.video_pt, part.marker, self.video_seq, ts,
                                  self.video_ssrc, part.payload)
            sent_video[part.index] = time.time()
            transport.send_now(packet)
            self.octets[VIDEO] += len(part.payload)
        self.packets[VIDEO] += len(frame.packets)
        self.totals.sent += len(frame.packets)
        self.video_count += 1
        self.video_pos = (self.video_pos + 1) % len(loop.frames)

    def on_rtcp(self, raw: bytes) -> None:
        for packet in rtcp_packets(raw):
            if isinstance(packet, PictureLossIndication):
                self.keyframe_request(packet.media_ssrc)
            elif isinstance(packet, FullIntraRequest):
                for ssrc, _ in packet.entries or ((packet.media_ssrc, 0),):
                    self.keyframe_request(ssrc)
            elif isinstance(packet, GenericNack):
                self.totals.nacks += 1

    def keyframe_request(self, media_ssrc: int) -> None:
        """A PLI or FIR: the next video frame jumps to a keyframe (one stream: any SSRC)."""
        self.keyframe_wanted = True
        self.totals.keyframe_requests += 1

    def report(self, wall: float) -> bytes:
        """RFC 3550 §6.4.1 sender reports for both streams (browsers send them every ~1 s)."""
        ntp = int((wall + NTP_EPOCH_OFFSET) * (1 << 32)) & 0xFFFFFFFFFFFFFFFF
        reports = [
            SenderReport(self.audio_ssrc, ntp, (self.audio_ts0 + 960 * self.audio_count)
                         & 0xFFFFFFFF, self.packets[AUDIO], self.octets[AUDIO]),
            SenderReport(self.video_ssrc, ntp, (self.video_ts0 + (90000 // self.loop.profile.fps)
                                                * self.video_count) & 0xFFFFFFFF,
                         self.packets[VIDEO], self.octets[VIDEO]),
        ]
        return encode_rtcp_compound(reports)


def rtcp_packets(raw: bytes) -> list[RtcpPacket]:
    """The packets of a compound RTCP datagram; none when it is malformed."""
    try:
        return parse_rtcp_compound_untrusted(raw)
    except BadPacket:
        return []


def red_payloads(audio: tuple[bytes, ...], opus_pt: int) -> tuple[bytes, ...]:
    """Per loop index, the RFC 2198 payload carrying the previous loop packet as redundancy
    (960 samples earlier) and the packet itself as primary; built once, so sending stays cheap."""
    out = []
    for index, primary in enumerate(audio):
        out.append(encode_red(opus_pt, primary, ((960, audio[index - 1]),)))
    return tuple(out)


class TransportLike(Protocol):
    """What a sender needs of an endpoint (see bench.endpoint.Endpoint)."""

    @property
    def srtp(self) -> object | None: ...

    def send_now(self, plain_rtp: bytes) -> None: ...


class InStream:
    """One SSRC arriving on a subscribe transport."""

    __slots__ = ("kind", "ssrc", "highest", "received", "gaps", "checker", "reported")

    def __init__(self, kind: int, ssrc: int, checker: FrameChecker | None) -> None:
        self.kind = kind
        self.ssrc = ssrc
        self.highest = -1
        self.received = 0
        self.gaps = 0
        self.checker = checker
        self.reported = (0, 0)  # (received, gaps) at the last receiver report


class Receiver:
    """One participant's incoming media from its partner, checked packet by packet."""

    def __init__(self, loop: MediaLoop, totals: Totals, sampler: DecodeSampler | None) -> None:
        self.loop = loop
        self.totals = totals
        self.sampler = sampler
        self.source: Sender | None = None  # the partner's sender: whose send times apply
        self.payload_types: dict[int, int] = {}  # negotiated PT -> AUDIO/VIDEO
        self.streams: dict[int, InStream] = {}
        self.first_media_at: float | None = None  # wall time (kernel receive stamp)
        self._report_ssrc = (id(self) * 2654435761) & 0xFFFFFFFF or 1
        self.tap: Callable[[bytes, float], None] | None = None  # sees every RTP packet first
        self._last_sr: dict[int, tuple[int, float]] = {}  # SSRC -> (NTP middle 32, monotonic)

    @property
    def report_ssrc(self) -> int:
        return self._report_ssrc

    def close(self) -> None:
        if self.sampler is not None:
            for stream in self.streams.values():
                if stream.checker is not None:
                    self.sampler.remove(stream.checker)

    def _new_stream(self, ssrc: int, payload_type: int) -> InStream | None:
        kind = self.payload_types.get(payload_type)
        if kind is None:
            return None  # RTX or padding probes: not media of the loop
        checker = None
        if kind == VIDEO and self.sampler is not None:
            checker = FrameChecker(self.loop, self.sampler)
            self.sampler.add(checker)
        stream = self.streams[ssrc] = InStream(kind, ssrc, checker)
        return stream

    def on_rtp(self, plain: bytes, received_at: float) -> None:
        if self.tap is not None:
            self.tap(plain, received_at)
        sequence, _, ssrc = _SEQ_TS_SSRC.unpack_from(plain, 2)
        stream = self.streams.get(ssrc)
        if stream is None:
            stream = self._new_stream(ssrc, plain[1] & 0x7F)
            if stream is None:
                return
        try:
            _, _, start, end = parse_rtp_layout_untrusted(plain)
        except BadPacket:
            self.totals.damaged += 1
            return
        totals = self.totals
        highest = stream.highest
        if highest >= 0:
            delta = (sequence - highest) & 0xFFFF
            if delta == 0 or delta >= 0x8000:
                return  # duplicate or late: counted once already (as a gap)
            if delta > 1:
                stream.gaps += delta - 1
                totals.gaps += delta - 1
        stream.highest = sequence
        stream.received += 1
        totals.received += 1
        loop = self.loop
        source = self.source
        if stream.kind == VIDEO:
            index = loop.video_index.get(plain[end - loop.video_tail : end])
            expected = loop.video_data[index] if index is not None else b""
            sent = source.sent_video if source is not None else None
        else:
            index = loop.audio_index.get(plain[end - loop.audio_tail : end])
            expected = loop.audio[index] if index is not None else b""
            sent = source.sent_audio if source is not None else None
        if index is None:
            totals.unknown += 1
            return
        intact = plain.endswith(expected) if end == len(plain) else \
            plain[:end].endswith(expected)
        if not intact or end - start < len(expected):
            totals.damaged += 1
        if sent is not None:
            totals.latencies.append(received_at - sent[index])
        if self.first_media_at is None:
            self.first_media_at = received_at
        checker = stream.checker
        if checker is not None and checker.active:
            checker.on_packet(plain, sequence, plain[1] & 0x80 != 0, start, end)

    def on_rtcp(self, raw: bytes) -> None:
        """Remember the SFU's sender reports, so receiver reports carry LSR/DLSR (its RTT)."""
        for packet in rtcp_packets(raw):
            if isinstance(packet, SenderReport):
                middle = (packet.ntp_timestamp >> 16) & 0xFFFFFFFF
                self._last_sr[packet.ssrc] = (middle, time.monotonic())

    def report(self, sender_ssrc: int | None = None) -> bytes:
        """An RFC 3550 §6.4.2 receiver report over the streams seen: loss since the last report
        as `fraction_lost`, and LSR/DLSR (§6.4.1) for the streams whose SR arrived."""
        now = time.monotonic()
        blocks = []
        for s in list(self.streams.values())[:31]:
            received, gaps = s.received - s.reported[0], s.gaps - s.reported[1]
            s.reported = (s.received, s.gaps)
            fraction = min(255, gaps * 256 // (received + gaps)) if received + gaps else 0
            lsr, at = self._last_sr.get(s.ssrc, (0, now))
            dlsr = int((now - at) * 65536) if lsr else 0
            blocks.append(ReportBlock(s.ssrc, fraction, min(s.gaps, 0x7FFFFF), max(s.highest, 0),
                                      0, lsr, dlsr))
        return encode_rtcp_compound([ReceiverReport(sender_ssrc or self._report_ssrc,
                                                    tuple(blocks))])
