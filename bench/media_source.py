"""Real media for the load generator: Opus and VP8 encoded once at start-up with PyAV, looped.

The video is a moving test pattern with its loop position drawn into the picture as blocks
(`stamp_number` / `read_number`), so a receiver that decodes a frame can tell which one it is.
Keyframes sit at fixed loop positions (every `keyframe_interval`); a sender asked for a
keyframe jumps to the next one. The encoder runs over the loop twice and the second pass is
kept, so rate control has settled and the keyframes are of normal size.

Every packet of the loop is packetized here (RFC 7741 for VP8) and indexed by its last bytes:
a receiver maps a forwarded packet back to its loop index without any marker in the payload
(SFUs rewrite headers and may drop padding, but they forward payloads byte for byte), looks up
when its sender sent that index, and checks the payload arrived unchanged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

VP8_FIRST = b"\x10"  # RFC 7741 §4.2 descriptor: S=1, PID=0 (no extensions)
VP8_REST = b"\x00"  # continuation of the same partition
MAX_TAIL = 32  # longest tail tried for a unique packet index

# The frame number: 8 bits and their complement as 16 blocks in the top-left corner.
BLOCK, BLOCK_Y, BLOCK_X = 16, 8, 8
BRIGHT, DARK = 235, 16  # ITU-R BT.601 studio range


@dataclass(frozen=True, slots=True)
class MediaProfile:
    """What each participant publishes. Defaults: the 3G-friendly consultation."""

    name: str = "3g"
    width: int = 320
    height: int = 240
    fps: int = 15
    video_bitrate: int = 300_000
    audio_bitrate: int = 32_000
    audio_ptime: float = 0.02  # Opus frame, s
    loop_seconds: int = 4
    keyframe_interval: int = 1  # s between keyframes in the loop
    max_payload: int = 1100  # bytes of VP8 per RTP packet, as libwebrtc's ~1200-byte packets

    @property
    def loop_frames(self) -> int:
        return self.fps * self.loop_seconds

    @property
    def gop(self) -> int:
        return self.fps * self.keyframe_interval

    @property
    def audio_packets(self) -> int:
        return round(self.loop_seconds / self.audio_ptime)


THREE_G = MediaProfile()
DESKTOP = MediaProfile("desktop", width=640, height=360, fps=30, video_bitrate=1_200_000)
PROFILES = {p.name: p for p in (THREE_G, DESKTOP)}


@dataclass(frozen=True, slots=True)
class VideoPacket:
    payload: bytes  # descriptor + VP8 data
    data: bytes  # the VP8 data alone (what must arrive unchanged)
    marker: bool
    index: int  # position among all video packets of the loop


@dataclass(frozen=True, slots=True)
class VideoFrame:
    position: int
    keyframe: bool
    packets: tuple[VideoPacket, ...]


@dataclass(frozen=True, slots=True)
class MediaLoop:
    """Everything a sender loops and a receiver checks against, shared by all participants."""

    profile: MediaProfile
    frames: tuple[VideoFrame, ...]
    audio: tuple[bytes, ...]
    video_data: tuple[bytes, ...]  # per video packet index
    video_frame_of: tuple[int, ...]  # per video packet index: loop position
    video_tail: int
    video_index: dict[bytes, int]  # last `video_tail` bytes -> video packet index
    audio_tail: int
    audio_index: dict[bytes, int]
    reference: tuple[bytes, ...]  # per loop position: digest of the decoded picture

    @property
    def video_packet_count(self) -> int:
        return len(self.video_data)

    def next_keyframe(self, position: int) -> int:
        """The first keyframe position after `position` (wrapping to the loop start)."""
        gop = self.profile.gop
        following = (position // gop + 1) * gop
        return following if following < len(self.frames) else 0


def stamp_number(luma: np.ndarray, number: int) -> None:
    """Draw `number` (0..255) and its complement as blocks; survives heavy quantization."""
    bits = [(number >> (7 - i)) & 1 for i in range(8)]
    for i, bit in enumerate(bits + [1 - b for b in bits]):
        x = BLOCK_X + i * BLOCK
        luma[BLOCK_Y : BLOCK_Y + BLOCK, x : x + BLOCK] = BRIGHT if bit else DARK


def read_number(luma: np.ndarray) -> int | None:
    """The stamped number, or None when the blocks do not read back consistently."""
    inner = BLOCK // 4
    bits = []
    for i in range(16):
        x = BLOCK_X + i * BLOCK
        block = luma[BLOCK_Y + inner : BLOCK_Y + BLOCK - inner, x + inner : x + BLOCK - inner]
        bits.append(1 if float(block.mean()) > (BRIGHT + DARK) / 2 else 0)
    value, check = bits[:8], bits[8:]
    if any(v == c for v, c in zip(value, check, strict=True)):
        return None
    return sum(bit << (7 - i) for i, bit in enumerate(value))


def picture_digest(luma: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(luma).tobytes(), digest_size=8).digest()


def _pattern(profile: MediaProfile, position: int, noise: np.ndarray) -> np.ndarray:
    """A textured, moving picture (so the encoder has real work) in yuv420p, stamped."""
    w, h = profile.width, profile.height
    t = position / profile.fps
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    luma = 128 + 55 * np.sin(xx / 17.0 + t * 2.0) * np.cos(yy / 23.0 - t * 1.3)
    luma += 25 * np.sin((xx + yy) / 9.0 + t * 5.0) + noise[position % len(noise)]
    bx = int((w - 64) * (0.5 + 0.5 * np.sin(t * 1.7)))
    by = int((h - 64) * (0.5 + 0.5 * np.cos(t * 1.1)))
    luma[by : by + 64, bx : bx + 64] = 200
    y = np.clip(luma, 0, 255).astype(np.uint8)
    stamp_number(y, position)
    picture = np.empty((h * 3 // 2, w), dtype=np.uint8)
    picture[:h] = y
    picture[h : h + h // 4] = 90 + (position % 40)
    picture[h + h // 4 :] = 160
    return picture


def encode_video(profile: MediaProfile) -> list[tuple[bytes, bool]]:
    """(VP8 frame, is keyframe) per loop position."""
    if profile.loop_frames > 256 or profile.loop_frames % profile.gop:
        raise ValueError("the loop must hold at most 256 frames and whole keyframe intervals")
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height, codec.pix_fmt = profile.width, profile.height, "yuv420p"
    codec.time_base = Fraction(1, profile.fps)
    codec.framerate = Fraction(profile.fps)
    codec.bit_rate = profile.video_bitrate
    codec.gop_size = 10 * profile.loop_frames  # keyframes only where we force them
    codec.thread_count = 1
    codec.options = {"deadline": "realtime", "cpu-used": "6", "lag-in-frames": "0",
                     "auto-alt-ref": "0"}
    rng = np.random.default_rng(7)
    noise = rng.normal(0, 6, (8, profile.height, profile.width)).astype(np.float32)
    pictures = [_pattern(profile, i, noise) for i in range(profile.loop_frames)]
    kept: dict[int, tuple[bytes, bool]] = {}
    n = profile.loop_frames
    for pts in range(2 * n):
        frame = av.VideoFrame.from_ndarray(pictures[pts % n], format="yuv420p")
        frame.pts = pts
        if pts % profile.gop == 0:
            frame.pict_type = av.video.frame.PictureType.I
        for packet in codec.encode(frame):
            if packet.pts is not None and packet.pts >= n:
                kept[packet.pts - n] = (bytes(packet), packet.is_keyframe)
    for packet in codec.encode(None):
        if packet.pts is not None and packet.pts >= n:
            kept[packet.pts - n] = (bytes(packet), packet.is_keyframe)
    frames = [kept[i] for i in range(n)]
    for position, (_, key) in enumerate(frames):
        if key != (position % profile.gop == 0):
            raise RuntimeError(f"libvpx placed keyframes unexpectedly (position {position})")
    return frames


def encode_audio(profile: MediaProfile) -> list[bytes]:
    """Opus packets (mono, `audio_ptime` each) of a gliding tone with a little noise."""
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate, codec.layout, codec.format = 48000, "mono", "s16"
    codec.bit_rate = profile.audio_bitrate
    codec.time_base = Fraction(1, 48000)
    codec.options = {"frame_duration": str(int(profile.audio_ptime * 1000)),
                     "application": "voip"}
    per_packet = int(48000 * profile.audio_ptime)
    total = per_packet * profile.audio_packets
    t = np.arange(total) / 48000
    rng = np.random.default_rng(11)
    signal = 0.3 * np.sin(2 * np.pi * (300 + 60 * t) * t) + 0.05 * rng.normal(size=total)
    samples = (signal * 32767).astype(np.int16)
    packets: list[bytes] = []
    for start in range(0, total, per_packet):
        frame = av.AudioFrame.from_ndarray(samples[None, start : start + per_packet],
                                           format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.pts = start
        packets += [bytes(p) for p in codec.encode(frame)]
    packets += [bytes(p) for p in codec.encode(None)]
    return packets[: profile.audio_packets]


def packetize_vp8(frame: bytes, max_payload: int) -> list[bytes]:
    """RFC 7741 §4: the frame split into near-equal parts, as libwebrtc does."""
    count = -(-len(frame) // max_payload)
    base, extra = divmod(len(frame), count)
    parts, start = [], 0
    for i in range(count):
        end = start + base + (1 if i < extra else 0)
        parts.append(frame[start:end])
        start = end
    return parts


def tail_index(payloads: list[bytes]) -> tuple[int, dict[bytes, int]]:
    """The shortest tail length that tells every payload apart, and the index by tail."""
    for tail in (8, 12, 16, 24, MAX_TAIL):
        index = {p[-tail:]: i for i, p in enumerate(payloads)}
        if len(index) == len(payloads) and all(len(p) >= tail for p in payloads):
            return tail, index
    raise RuntimeError("loop packets are not distinguishable by their tails")


def decode_reference(frames: list[tuple[bytes, bool]]) -> list[bytes]:
    """Digest of each decoded picture's luma, decoding the loop in order (the receiver's view)."""
    decoder = av.CodecContext.create("vp8", "r")
    decoder.thread_count = 1
    digests = []
    for data, _ in frames:
        pictures = decoder.decode(av.Packet(data))
        if len(pictures) != 1:
            raise RuntimeError("the reference decode did not give one picture per frame")
        digests.append(picture_digest(luma_of(pictures[0])))
    return digests


def luma_of(picture: av.VideoFrame) -> np.ndarray:
    array: np.ndarray = picture.to_ndarray(format="yuv420p")
    return array[: picture.height]


def build_media_loop(profile: MediaProfile) -> MediaLoop:
    encoded = encode_video(profile)
    frames: list[VideoFrame] = []
    data: list[bytes] = []
    frame_of: list[int] = []
    for position, (frame, key) in enumerate(encoded):
        parts = packetize_vp8(frame, profile.max_payload)
        packets = []
        for i, part in enumerate(parts):
            prefix = VP8_FIRST if i == 0 else VP8_REST
            packets.append(VideoPacket(prefix + part, part, i == len(parts) - 1, len(data)))
            data.append(part)
            frame_of.append(position)
        frames.append(VideoFrame(position, key, tuple(packets)))
    audio = encode_audio(profile)
    video_tail, video_index = tail_index(data)
    audio_tail, audio_index = tail_index(audio)
    return MediaLoop(profile, tuple(frames), tuple(audio), tuple(data), tuple(frame_of),
                     video_tail, video_index, audio_tail, audio_index,
                     tuple(decode_reference(encoded)))
