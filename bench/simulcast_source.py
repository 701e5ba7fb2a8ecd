"""Three-layer simulcast media for the synthetic advisor: one PyAV-encoded VP8 loop per layer.

Like a browser's camera with `sendEncodings` q/h/f (our web client's rids, low to high): the
same picture at 180p, 360p and 720p, each layer its own encoder and SSRC, keyframes only when
asked for (PLI/FIR for that layer's SSRC) and where a loop starts over. Every layer's packets get
an index in one shared numbering, and `combined` is a `MediaLoop` over all of them, so the
existing `Receiver` recognises any forwarded packet by its tail, whichever layer the SFU chose,
and `layer_of` / `part_of` tell which layer, frame and part it is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bench.media_source import MediaLoop, MediaProfile, VideoFrame, build_media_loop, tail_index

RIDS = ("q", "h", "f")  # RFC 8851 rids, low to high, as our web client and Chromium name them
# keyframe_interval = loop length: a keyframe starts the loop, every other one is requested.
LAYERS = (
    MediaProfile("q", width=320, height=180, fps=15, video_bitrate=100_000, keyframe_interval=4),
    MediaProfile("h", width=640, height=360, fps=15, video_bitrate=450_000, keyframe_interval=4),
    MediaProfile("f", width=1280, height=720, fps=15, video_bitrate=1_200_000,
                 keyframe_interval=4),
)
# Bytes a forwarded packet carries beyond its payload, as the SFU sends it to a subscriber
# (UDP payload, as the link emulator meters it): RTP header 12 (RFC 3550 §5.1), one-byte
# extension block with mid and transport-wide sequence 12 (RFC 8285 §4.2), SRTP tag 16
# (AEAD_AES_128_GCM, RFC 7714 §8; HMAC-SHA1-80 would be 10).
PACKET_OVERHEAD = 12 + 12 + 16


@dataclass(frozen=True, slots=True)
class SimulcastMedia:
    layers: tuple[tuple[VideoFrame, ...], ...]  # per layer: its frames, global packet indices
    combined: MediaLoop  # every layer's packets (and the audio), for receivers and senders
    layer_of: tuple[int, ...]  # per global video packet index
    position_of: tuple[int, ...]  # per global video packet index: frame position in its layer
    part_of: tuple[int, ...]  # per global video packet index: its place in the frame
    parts_in_frame: tuple[int, ...]  # per global video packet index
    keyframe_of: tuple[bool, ...]  # per global video packet index
    layer_bps: tuple[float, ...]  # per layer: what it takes on the wire, with PACKET_OVERHEAD

    @property
    def rids(self) -> tuple[str, ...]:
        return RIDS[: len(self.layers)]

    @property
    def fps(self) -> int:
        return self.combined.profile.fps

    def frames_in_loop(self, layer: int) -> int:
        return len(self.layers[layer])


def wire_bps(payloads: list[bytes] | tuple[bytes, ...], seconds: float) -> float:
    """Bit rate of a loop of packets on the wire (UDP payload bytes, as the emulator meters)."""
    return sum(len(p) + PACKET_OVERHEAD for p in payloads) * 8 / seconds


def build_simulcast(profiles: tuple[MediaProfile, ...] = LAYERS) -> SimulcastMedia:
    if len({(p.fps, p.loop_seconds) for p in profiles}) != 1:
        raise ValueError("simulcast layers share one frame rate and loop length")
    loops = [build_media_loop(profile) for profile in profiles]
    layers: list[tuple[VideoFrame, ...]] = []
    data: list[bytes] = []
    frame_of: list[int] = []
    layer_of: list[int] = []
    position_of: list[int] = []
    part_of: list[int] = []
    parts_in_frame: list[int] = []
    keyframe_of: list[bool] = []
    layer_bps: list[float] = []
    for layer, loop in enumerate(loops):
        base = len(data)
        frames = []
        for frame in loop.frames:
            packets = tuple(replace(p, index=base + p.index) for p in frame.packets)
            frames.append(replace(frame, packets=packets))
            for part in range(len(frame.packets)):
                layer_of.append(layer)
                position_of.append(frame.position)
                part_of.append(part)
                parts_in_frame.append(len(frame.packets))
                keyframe_of.append(frame.keyframe)
                frame_of.append(layer * len(loop.frames) + frame.position)
        data += loop.video_data
        layers.append(tuple(frames))
        payloads = [p.payload for f in loop.frames for p in f.packets]
        layer_bps.append(wire_bps(payloads, loop.profile.loop_seconds))
    video_tail, video_index = tail_index(data)
    first = loops[0]
    combined = replace(
        first, profile=replace(profiles[-1], name="simulcast"),
        frames=tuple(f for layer_frames in layers for f in layer_frames), video_data=tuple(data),
        video_frame_of=tuple(frame_of), video_tail=video_tail, video_index=video_index,
        reference=tuple(r for loop in loops for r in loop.reference),
    )
    return SimulcastMedia(tuple(layers), combined, tuple(layer_of), tuple(position_of),
                          tuple(part_of), tuple(parts_in_frame), tuple(keyframe_of),
                          tuple(layer_bps))
