"""A publisher that sends its camera as simulcast, the way Chromium does with three rids.

Every captured frame goes out once per layer: each layer on its own SSRC and sequence space,
all with the same RTP timestamp, each packet carrying mid and its rid (RFC 8852; Chromium
stops sending the rid once it has RTCP back, we keep it: the SFU binds a layer's SSRC from its
first packet). A PLI or FIR names one layer's SSRC, and only that layer jumps to a keyframe.
Audio, pacing and reports are the single-layer `Sender`'s.
"""

from __future__ import annotations

import time

from bench.simulcast_source import SimulcastMedia
from bench.streams import AUDIO, NTP_EPOCH_OFFSET, PublishFormat, Sender, Totals, TransportLike
from media.rtcp import SenderReport, encode_rtcp_compound


class SimulcastSender(Sender):
    def __init__(self, media: SimulcastMedia, audio_ssrc: int, layer_ssrcs: tuple[int, ...],
                 seed: int, totals: Totals) -> None:
        if len(layer_ssrcs) != len(media.layers):
            raise ValueError("one SSRC per simulcast layer")
        super().__init__(media.combined, (audio_ssrc, layer_ssrcs[0]), seed, totals)
        self.media = media
        self.rids = media.rids
        self.layer_ssrcs = layer_ssrcs
        count = len(layer_ssrcs)
        self.layer_seq = [(seed >> (4 * i)) & 0xFFFF for i in range(count)]
        self.layer_pos = [0] * count  # every layer starts on its keyframe
        self.layer_keyframe_wanted = [False] * count
        self.layer_packets = [0] * count
        self.layer_octets = [0] * count
        self._layer_ext: list[tuple[bytearray, int]] = []

    def attach(self, transport: TransportLike, fmt: PublishFormat) -> None:
        super().attach(transport, fmt)
        self._layer_ext = [self._template(fmt.video_mid, rid.encode()) for rid in self.rids]

    def keyframe_request(self, media_ssrc: int) -> None:
        if media_ssrc in self.layer_ssrcs:
            self.layer_keyframe_wanted[self.layer_ssrcs.index(media_ssrc)] = True
            self.totals.keyframe_requests += 1

    def send_video_frame(self) -> None:
        transport = self.transport
        if transport is None or transport.srtp is None:
            return
        ts = (self.video_ts0 + (90000 // self.media.fps) * self.video_count) & 0xFFFFFFFF
        pt = self.format.video_pt
        sent_video = self.sent_video
        for layer, frames in enumerate(self.media.layers):
            position = self.layer_pos[layer]
            if self.layer_keyframe_wanted[layer]:
                self.layer_keyframe_wanted[layer] = False
                if not frames[position].keyframe:
                    position = 0  # the layer's only keyframe starts its loop
            frame = frames[position]
            ext, twcc_at = self._layer_ext[layer]
            ssrc = self.layer_ssrcs[layer]
            seq = self.layer_seq[layer]
            for part in frame.packets:
                seq = (seq + 1) & 0xFFFF
                sent_video[part.index] = time.time()
                transport.send_now(self._build(ext, twcc_at, pt, part.marker, seq, ts, ssrc,
                                               part.payload))
                self.layer_octets[layer] += len(part.payload)
            self.layer_seq[layer] = seq
            self.layer_packets[layer] += len(frame.packets)
            self.totals.sent += len(frame.packets)
            self.layer_pos[layer] = (position + 1) % len(frames)
        self.video_count += 1

    def report(self, wall: float) -> bytes:
        """Sender reports for the audio and every layer (RFC 3550 §6.4.1)."""
        ntp = int((wall + NTP_EPOCH_OFFSET) * (1 << 32)) & 0xFFFFFFFFFFFFFFFF
        video_ts = (self.video_ts0 + (90000 // self.media.fps) * self.video_count) & 0xFFFFFFFF
        reports = [SenderReport(self.audio_ssrc, ntp,
                                (self.audio_ts0 + 960 * self.audio_count) & 0xFFFFFFFF,
                                self.packets[AUDIO], self.octets[AUDIO])]
        reports += [SenderReport(ssrc, ntp, video_ts, self.layer_packets[i], self.layer_octets[i])
                    for i, ssrc in enumerate(self.layer_ssrcs)]
        return encode_rtcp_compound(reports)
