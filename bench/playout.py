"""What the citizen would hear and see, computed from what arrived when (pure, no clock).

- Audio: a jitter buffer `PLAYOUT_DELAY` deep behind the first packet; every 20 ms slot plays
  the next frame if any copy of it (the packet itself, or an RFC 2198 redundant block in a
  later packet) has arrived, else it is concealed (see `audio_concealment` for underruns).
- Video: `VideoPlayout` decodes like a browser's frame buffer. A frame is decodable once all its
  packets are there and its reference is intact (a keyframe, or the frame right after the last
  decoded one of the same layer). A frame that blocks the queue (incomplete, or with a missing
  predecessor) is waited for `REPAIR_WAIT` (NACK repair may bring it); then the decoder wants a
  keyframe (PLI) and skips to the next complete one. A complete keyframe later in the queue ends
  any wait at once, as in libwebrtc. A decoded frame is rendered at its slot on the RTP clock,
  `PLAYOUT_DELAY` behind the first one (lip sync with the audio buffer), or at once when it is
  later than that; a late frame pushes the schedule back, like an audio underrun.
- Freezes: WebRTC's definition (libwebrtc `VideoQualityObserver`, the `freezeCount` and
  `totalFreezesDuration` of getStats): an interval between rendered frames is a freeze when it is
  at least max(3 × average, average + 150 ms), the average taken over the last 30 intervals
  including this one, once there are 5; intervals that overlap an announced pause
  (`track-pause`) are neither freezes nor part of the average.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

OPUS_CLOCK = 48000  # RFC 7587 §4.1: Opus RTP timestamps count at 48 kHz
OPUS_FRAME_TICKS = 960  # one 20 ms frame
PLAYOUT_DELAY = 0.2  # s behind the first packet: a browser's jitter buffer on a mobile link
REPAIR_WAIT = 1.0  # s a blocked frame is waited for (the NACK generator's max age) before PLI
FREEZE_WINDOW = 30  # intervals in the moving average (kAvgInterframeDelaysWindowSizeFrames)
FREEZE_MIN_SAMPLES = 5  # kMinFrameSamplesToDetectFreeze
FREEZE_MIN_INCREASE_MS = 150  # kMinIncreaseForFreezeMs
MAX_PENDING = 600  # frames held while waiting (40 s at 15 fps): the queue stays bounded
VIDEO_CLOCK = 90000  # RFC 7741 §4.1: VP8 RTP timestamps count at 90 kHz
RESTART_AFTER = 1.0  # s without a decoded frame after which a keyframe restarts the schedule

Window = tuple[float, float]  # (start, end) in seconds


@dataclass(frozen=True, slots=True)
class AudioPlayout:
    frames: int  # 20 ms frames due to play inside the window
    concealed: int

    @property
    def ratio(self) -> float:
        return self.concealed / self.frames if self.frames else math.nan


def audio_concealment(arrivals: Mapping[int, float], window: Window,
                      delay: float = PLAYOUT_DELAY, frame_ticks: int = OPUS_FRAME_TICKS,
                      clock_rate: int = OPUS_CLOCK) -> AudioPlayout:
    """Play the 20 ms slots of `window` from `arrivals` (unwrapped RTP timestamp -> earliest
    arrival of any copy of that frame) and count the concealed ones.

    The first frame to arrive plays `delay` after its arrival, each next slot 20 ms later. A slot
    plays its frame when it is there; a missing frame is concealed and skipped when a later one
    is already there (packet loss); when nothing newer has arrived either, the buffer ran dry:
    the slot is concealed and the frame waited for, so the delay grows by the underrun, as
    NetEq's expansion does (it never shrinks again within a run).
    """
    if not arrivals:
        return AudioPlayout(0, 0)
    first_ts = min(arrivals, key=lambda ts: (arrivals[ts], -ts))
    start, end = window
    frame_seconds = frame_ticks / clock_rate
    by_arrival = sorted((at, (ts - first_ts) // frame_ticks) for ts, at in arrivals.items()
                        if ts >= first_ts)
    slot = arrivals[first_ts] + delay
    k = 0  # the frame this slot should play
    newest = -1  # the newest frame arrived by the slot's time
    seen = 0
    frames = concealed = 0
    while slot < end:
        while seen < len(by_arrival) and by_arrival[seen][0] <= slot:
            newest = max(newest, by_arrival[seen][1])
            seen += 1
        arrived = arrivals.get(first_ts + k * frame_ticks)
        playing = arrived is not None and arrived <= slot
        if slot >= start:
            frames += 1
            concealed += not playing
        if playing or newest > k:
            k += 1
        slot += frame_seconds
    return AudioPlayout(frames, concealed)


@dataclass(frozen=True, slots=True)
class Rendered:
    at: float
    layer: int
    position: int


class _Frame:
    __slots__ = ("layer", "position", "parts", "have", "keyframe", "complete")

    def __init__(self, layer: int, position: int, parts: int, keyframe: bool) -> None:
        self.layer = layer
        self.position = position
        self.parts = parts
        self.have = 0  # bit mask of the parts received
        self.keyframe = keyframe
        self.complete = False


class VideoPlayout:
    """A browser-like decoder queue for one video stream, fed packet parts and `now`.

    Frames are ordered by `order` (the stream's unwrapped RTP timestamp). `frames_per_layer`
    gives each layer's loop length, so "the next frame of this layer" is known exactly.
    """

    def __init__(self, frames_per_layer: Sequence[int], repair_wait: float = REPAIR_WAIT,
                 delay: float = PLAYOUT_DELAY, clock_rate: int = VIDEO_CLOCK) -> None:
        self.frames_per_layer = tuple(frames_per_layer)
        self.repair_wait = repair_wait
        self.delay = delay
        self.clock_rate = clock_rate
        self.renders: list[Rendered] = []
        self._lag: float | None = None  # render time minus media time (RTP seconds)
        self._last_decode = -math.inf
        self.keyframe_waits = 0  # times the decoder gave up waiting and wanted a keyframe
        self.skipped = 0  # frames never rendered (incomplete, or with a broken reference)
        self._frames: dict[int, _Frame] = {}
        self._pending: list[int] = []  # orders of the frames held, ascending
        self._floor: int | None = None  # everything at or below was rendered or dropped
        self._last: tuple[int, int] | None = None  # (layer, position) last decoded
        self._need_key = True  # a decoder starts on a keyframe
        self._blocked_since: float | None = None

    @property
    def keyframe_needed(self) -> bool:
        """True while only a keyframe can restart decoding (the caller sends PLI, throttled)."""
        return self._need_key

    def on_part(self, order: int, layer: int, position: int, part: int, parts: int,
                keyframe: bool, now: float) -> None:
        """One packet of a frame arrived (a media packet, or its retransmission)."""
        if self._floor is not None and order <= self._floor:
            return  # late: that frame was rendered or given up already
        frame = self._frames.get(order)
        if frame is None:
            if layer >= len(self.frames_per_layer) or not 0 <= part < parts:
                return
            frame = self._frames[order] = _Frame(layer, position, parts, keyframe)
            bisect.insort(self._pending, order)
            if len(self._pending) > MAX_PENDING:
                self._drop_through(self._pending[0])
        elif (frame.layer, frame.position, frame.parts) != (layer, position, parts):
            return  # not the frame that timestamp carried first: ignore the stray part
        frame.have |= 1 << part
        if frame.have == (1 << frame.parts) - 1:
            frame.complete = True
        self.advance(now)

    def advance(self, now: float) -> None:
        """Decode what can be decoded now; start or end waits."""
        while self._pending:
            head = self._pending[0]
            frame = self._frames[head]
            if not self._need_key and frame.complete and (frame.keyframe or self._follows(frame)):
                self._decode(head, now)
                continue
            key = self._first_complete_keyframe()
            if key is not None:  # a keyframe ahead: nothing before it is worth waiting for
                if key != head:
                    self._drop_through(key - 1)
                self._decode(key, now)
                continue
            if self._need_key:
                return
            if self._blocked_since is None:
                self._blocked_since = now
            if now - self._blocked_since >= self.repair_wait:
                self._need_key = True
                self.keyframe_waits += 1
            return

    def _follows(self, frame: _Frame) -> bool:
        last = self._last
        if last is None or last[0] != frame.layer:
            return False
        return frame.position == (last[1] + 1) % self.frames_per_layer[frame.layer]

    def _first_complete_keyframe(self) -> int | None:
        for order in self._pending:
            frame = self._frames[order]
            if frame.keyframe and frame.complete:
                return order
        return None

    def _decode(self, order: int, now: float) -> None:
        frame = self._frames.pop(order)
        self._pending.remove(order)
        self._floor = order
        self._last = (frame.layer, frame.position)
        self._blocked_since = None
        if frame.keyframe:
            self._need_key = False
        self.renders.append(Rendered(self._render_time(order, frame.keyframe, now),
                                     frame.layer, frame.position))

    def _render_time(self, order: int, keyframe: bool, now: float) -> float:
        """When a frame decodable at `now` is shown: at its slot on the media clock, `delay`
        behind (lip sync with the audio buffer); a frame later than its slot shows at once and
        pushes the schedule back. A keyframe after a stall (or timestamps far ahead) restarts
        the schedule, as a receiver's timing does."""
        media = order / self.clock_rate
        lag = self._lag
        stalled = now - self._last_decode > RESTART_AFTER and keyframe
        self._last_decode = now
        if lag is None or stalled or media + lag > now + self.delay + RESTART_AFTER:
            lag = now + self.delay - media
        at = max(now, media + lag)
        self._lag = at - media
        if self.renders:
            at = max(at, self.renders[-1].at)
        return at

    def _drop_through(self, order: int) -> None:
        """Give up every held frame up to `order`."""
        cut = bisect.bisect_right(self._pending, order)
        for dropped in self._pending[:cut]:
            del self._frames[dropped]
        self.skipped += cut
        del self._pending[:cut]
        self._floor = order if self._floor is None else max(self._floor, order)
        self._blocked_since = None
        if cut:
            self._last = None  # the reference chain is broken: only a keyframe continues


@dataclass(frozen=True, slots=True)
class Freezes:
    count: int
    seconds: float
    longest: float


def overlaps(interval: Window, windows: Sequence[Window]) -> bool:
    start, end = interval
    return any(w_start < end and w_end > start for w_start, w_end in windows)


def detect_freezes(render_times: Sequence[float], window: Window,
                   pauses: Sequence[Window] = ()) -> Freezes:
    """Freezes (WebRTC's definition) among intervals that end inside `window`; the interval
    from the last rendered frame to the window's end counts too, as if a frame came then."""
    start, end = window
    times = [t for t in render_times if t <= end]
    if times:
        times.append(end)
    delays: deque[int] = deque(maxlen=FREEZE_WINDOW)
    count, total, longest = 0, 0.0, 0.0
    for previous, current in zip(times, times[1:], strict=False):
        if overlaps((previous, current), pauses):
            continue
        delay_ms = int((current - previous) * 1000)
        delays.append(delay_ms)
        if len(delays) < FREEZE_MIN_SAMPLES or current <= start:
            continue
        average = sum(delays) // len(delays)
        if delay_ms >= max(3 * average, average + FREEZE_MIN_INCREASE_MS):
            count += 1
            total += delay_ms / 1000
            longest = max(longest, delay_ms / 1000)
    return Freezes(count, total, longest)


def pause_windows(events: Sequence[tuple[float, bool]], end: float) -> list[Window]:
    """(time, paused) announcements of one track as (start, end) windows; an open one ends at
    `end`."""
    windows: list[Window] = []
    started: float | None = None
    for at, paused in sorted(events):
        if paused and started is None:
            started = at
        elif not paused and started is not None:
            windows.append((started, at))
            started = None
    if started is not None:
        windows.append((started, max(end, started)))
    return windows
