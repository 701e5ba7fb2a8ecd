"""The load generator's media loop: every socket, every pacer, one trio task.

Waking a task per socket costs ~40 µs per packet under trio; instead all endpoint sockets sit
in one epoll set, polled without blocking once per turn, and turns come every `TICK` (2 ms):
send what the pacing heap says is due (audio every 20 ms, a video frame every 1/fps, per
participant with a random phase), drain every ready socket, run the transports' timers every
`SWEEP` seconds. Waiting for the tick instead of for each datagram costs no accuracy: latency
is taken from the kernel's receive timestamp, not from when we got round to reading. How late
the pacer runs is recorded: a late pacer means a busy generator.
"""

from __future__ import annotations

import heapq
import random
import select
import time

import trio

from bench.endpoint import Endpoint
from bench.participant import Participant
from bench.streams import AUDIO, VIDEO, Totals

TICK = 0.002  # s between turns of the loop (libwebrtc's pacer also sends in ~5 ms bursts)
SWEEP = 0.05  # s between timer sweeps over all transports (ICE consent, DTLS, TWCC feedback)
REPORT_INTERVAL = 1.0  # s between RTCP sender/receiver reports per participant
MAX_BEHIND = 0.25  # s: a pacer further behind than this skips ahead instead of bursting


class MediaEngine:
    def __init__(self, totals: Totals, seed: int = 1, tick: float = TICK) -> None:
        self.totals = totals
        self.tick = tick
        self.rng = random.Random(seed)
        self._epoll = select.epoll()
        self._closed = False
        self._endpoints: dict[int, Endpoint] = {}
        self._schedule: list[tuple[float, int, int, Participant]] = []
        self._counter = 0
        self._participants: list[Participant] = []
        self._next_sweep = 0.0
        self.lateness: list[float] = []  # pacer lateness samples (s), one per send turn
        self.turns = 0

    # -- registration (from signalling tasks) -------------------------------------------------

    def add_endpoint(self, endpoint: Endpoint) -> None:
        if self._closed:  # a signalling task finishing a step while the run shuts down
            endpoint.close()
            return
        now = trio.current_time()
        self._endpoints[endpoint.fileno()] = endpoint
        self._epoll.register(endpoint.fileno(), select.EPOLLIN)
        endpoint.transport.start(now)
        endpoint.flush(now)

    def remove_endpoint(self, endpoint: Endpoint) -> None:
        fd = endpoint.fileno()
        if self._endpoints.pop(fd, None) is not None and not self._closed:
            self._epoll.unregister(fd)
        endpoint.close()

    def start_media(self, participant: Participant) -> None:
        """Begin pacing this participant's audio and video (random phase, like real clients)."""
        now = trio.current_time()
        profile = participant.sender.loop.profile
        self._participants.append(participant)
        participant.next_report = now + self.rng.random() * REPORT_INTERVAL
        for kind, interval in ((AUDIO, profile.audio_ptime), (VIDEO, 1.0 / profile.fps)):
            self._counter += 1
            due = now + self.rng.random() * interval
            heapq.heappush(self._schedule, (due, self._counter, kind, participant))

    def stop_media(self, participant: Participant) -> None:
        participant.stopped = True
        if participant in self._participants:
            self._participants.remove(participant)

    @property
    def endpoint_count(self) -> int:
        return len(self._endpoints)

    # -- the loop -----------------------------------------------------------------------------

    async def run(self) -> None:
        tick = self.tick
        next_turn = trio.current_time()
        try:
            while True:
                now = trio.current_time()
                offset = time.time() - now  # wall clock minus trio clock, for kernel stamps
                self._send_due(now)
                for fd, _ in self._epoll.poll(0):
                    endpoint = self._endpoints.get(fd)
                    if endpoint is not None:
                        endpoint.drain(now, offset)
                if now >= self._next_sweep:
                    self._sweep(now)
                    self._next_sweep = now + SWEEP
                self.turns += 1
                next_turn = max(next_turn + tick, now)
                await trio.sleep_until(next_turn)
        finally:
            self._closed = True
            for endpoint in list(self._endpoints.values()):
                endpoint.close()
            self._endpoints.clear()
            self._epoll.close()

    def _send_due(self, now: float) -> None:
        schedule = self._schedule
        if not schedule or schedule[0][0] > now:
            return
        self.lateness.append(now - schedule[0][0])
        while schedule and schedule[0][0] <= now:
            due, counter, kind, participant = heapq.heappop(schedule)
            if participant.stopped:
                continue
            sender = participant.sender
            if kind == AUDIO:
                sender.send_audio()
                due += sender.loop.profile.audio_ptime
            else:
                sender.send_video_frame()
                due += 1.0 / sender.loop.profile.fps
            if due < now - MAX_BEHIND:
                due = now
            heapq.heappush(schedule, (due, counter, kind, participant))

    def _sweep(self, now: float) -> None:
        for endpoint in list(self._endpoints.values()):
            endpoint.tick(now)
        wall = time.time()
        for participant in self._participants:
            if now >= participant.next_report:
                participant.next_report = now + REPORT_INTERVAL
                participant.send_reports(wall)
