"""Decode a sample of the received VP8 and check the pictures: right frame, in order, intact.

A receiver's video stream is depacketized (RFC 7741) from the first keyframe on and each
complete frame is decoded with PyAV. The picture's stamped number must be readable, its
digest must equal the reference decode of that loop position (bit-exact: no corruption), and
numbers must follow each other (+1 per frame, a jump allowed only onto a keyframe, where the
sender skipped ahead after a keyframe request).

Decoding costs ~0.6 ms per 320x240 frame, so only a few streams decode at a time: the
`DecodeSampler` hands out windows of one keyframe interval, round robin over the streams.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import av

from bench.media_source import MediaLoop, luma_of, picture_digest, read_number


@dataclass
class CheckCounts:
    decoded: int = 0
    in_order: int = 0
    out_of_order: int = 0
    unreadable: int = 0  # stamp not readable: a damaged picture
    mismatched: int = 0  # stamp read, but the picture differs from the reference
    decode_errors: int = 0
    incomplete: int = 0  # frames dropped before decoding because a packet was missing

    def add(self, other: CheckCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def corrupt(self) -> int:
        return self.unreadable + self.mismatched + self.decode_errors


def vp8_descriptor_size(payload: bytes, start: int, end: int) -> int:
    """Length of the RFC 7741 §4.2 payload descriptor at `start` (0 if malformed)."""
    if start >= end:
        return 0
    first = payload[start]
    size = 1
    if first & 0x80:  # X: extension byte follows
        if start + 1 >= end:
            return 0
        ext = payload[start + 1]
        size += 1
        if ext & 0x80:  # I: PictureID, 7 or 15 bits
            if start + size >= end:
                return 0
            size += 2 if payload[start + size] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            size += 1
        if ext & 0x30:  # T or K: TID/Y/KEYIDX byte
            size += 1
    return size if start + size <= end else 0


class FrameChecker:
    """One video stream's depacketizer and decoder, active while it holds a window."""

    def __init__(self, loop: MediaLoop, sampler: DecodeSampler) -> None:
        self.loop = loop
        self.sampler = sampler
        self.counts = CheckCounts()
        self.active = False
        self.frames_left = 0
        self._decoder: Any = None  # av.VideoCodecContext
        self._parts: list[bytes] = []
        self._expected_seq = -1
        self._broken = False
        self._last_position = -1

    def start_window(self, frames: int) -> None:
        self.active = True
        self.frames_left = frames
        self._decoder = av.CodecContext.create("vp8", "r")
        self._decoder.thread_count = 1
        self._parts = []
        self._last_position = -1
        self._expected_seq = -1

    def _end_window(self) -> None:
        self.active = False
        self._decoder = None
        self._parts = []
        self.sampler.release(self)

    def on_packet(self, plain: bytes, sequence: int, marker: bool, start: int, end: int) -> None:
        """A video RTP packet (plaintext) of this stream; cheap when the window is closed."""
        size = vp8_descriptor_size(plain, start, end)
        if size == 0:
            return
        begins = plain[start] & 0x10 and plain[start] & 0x07 == 0  # S=1, partition 0
        gap = self._expected_seq >= 0 and sequence != self._expected_seq
        self._expected_seq = (sequence + 1) & 0xFFFF
        if begins:
            if self._parts:
                self.counts.incomplete += 1  # the previous frame never got its marker
            self._parts = []
            self._broken = False
            if gap:
                self._last_position = -1  # maybe a whole frame lost: wait for a keyframe
        elif gap:
            self._broken = True
        if not self._parts and not begins:
            return  # joined mid-frame
        self._parts.append(plain[start + size : end])
        if marker:
            data = b"".join(self._parts)
            self._parts = []
            if self._broken:
                self.counts.incomplete += 1
                self._broken = False
                self._last_position = -1
                return
            self._frame(data)

    def _frame(self, data: bytes) -> None:
        keyframe = len(data) >= 3 and not data[0] & 0x01  # RFC 6386 §9.1: P=0
        if self._last_position < 0 and not keyframe:
            return  # the decoder needs a keyframe first
        assert self._decoder is not None
        try:
            pictures = self._decoder.decode(av.Packet(data))
        except av.FFmpegError:
            self.counts.decode_errors += 1
            self._last_position = -1
            return
        for picture in pictures:
            self._check(picture, keyframe)
        self.frames_left -= 1
        if self.frames_left <= 0:
            self._end_window()

    def _check(self, picture: av.VideoFrame, keyframe: bool) -> None:
        counts = self.counts
        counts.decoded += 1
        luma = luma_of(picture)
        position = read_number(luma)
        if position is None or position >= len(self.loop.reference):
            counts.unreadable += 1
            return
        if picture_digest(luma) != self.loop.reference[position]:
            counts.mismatched += 1
        last = self._last_position
        if last < 0 or position == (last + 1) % len(self.loop.reference):
            counts.in_order += 1
        elif keyframe and position % self.loop.profile.gop == 0:
            counts.in_order += 1  # the sender jumped to a keyframe after a request
        else:
            counts.out_of_order += 1
        self._last_position = position


class DecodeSampler:
    """Round-robin decode windows over all video streams, at most `concurrent` at a time."""

    def __init__(self, concurrent: int, frames_per_window: int) -> None:
        self.concurrent = concurrent
        self.frames_per_window = frames_per_window
        self.waiting: deque[FrameChecker] = deque()
        self.active = 0

    def add(self, checker: FrameChecker) -> None:
        self.waiting.append(checker)
        self._fill()

    def release(self, checker: FrameChecker) -> None:
        self.active -= 1
        self.waiting.append(checker)
        self._fill()

    def remove(self, checker: FrameChecker) -> None:
        if checker in self.waiting:
            self.waiting.remove(checker)
        if checker.active:
            checker.active = False
            self.active -= 1
            self._fill()

    def _fill(self) -> None:
        while self.active < self.concurrent and self.waiting:
            checker = self.waiting.popleft()
            self.active += 1
            checker.start_window(self.frames_per_window)
