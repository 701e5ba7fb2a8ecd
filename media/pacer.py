"""Pacing one subscriber's video to its downlink estimate, so bursts queue here, not in the radio.

A keyframe forwarded as it arrives is a burst of dozens of packets; on a 400 kbit/s phone link
the radio's drop-tail buffer fills and drops whatever comes next, speech included. The pacer
holds video in a FIFO and lets it out at the estimate (a leaky bucket), while
audio and retransmissions pass at once and only spend the budget (padding probes wait until
nothing is queued). The backlog is thus where the SFU can still put speech first. A backlog
that would wait longer than `MAX_QUEUE_DELAY` raises the rate, so video latency stays bounded
(libwebrtc's pacer does the same with its queue time limit).
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

PACING_FACTOR = 1.0  # release video at the estimate: above it the queue moves to the radio
MIN_RATE_BPS = 50_000  # never slower than this, whatever the estimate says
MAX_QUEUE_DELAY = 1.5  # s: drain faster rather than hold video longer than this
BURST_SECONDS = 0.02  # unused budget kept while idle: one 20 ms tick's worth
MAX_DEBT_SECONDS = 0.5  # audio and repairs may overdraw the budget by at most this much
MIN_DRAIN_SECONDS = 0.1  # an overdue backlog drains over at least this long, not at once
PACE_INTERVAL = 0.005  # s between releases while a backlog waits
PACKET_OVERHEAD = 12 + 16 + 28  # RTP fixed header, SRTP auth tag, IPv4 + UDP (for budgeting)


class PacedSender(Protocol):
    """Whoever queued a packet sends it when the pacer lets it out (protect and stamp then, so
    the transport-wide send time the estimator sees is the real one)."""

    def send_paced(self, packet: bytearray, out_sequence: int, now: float) -> None: ...


class Pacer:
    """Leaky bucket + FIFO for one transport. `waiting` is shared by all pacers of an SFU: the
    set of those with a backlog, so a release round visits only them."""

    def __init__(self, estimate_bps: int, waiting: set[Pacer], now: float) -> None:
        self._base_bps = max(estimate_bps * PACING_FACTOR, MIN_RATE_BPS)
        self._budget = 0.0  # bytes that may leave now
        self._updated = now
        self._queue: deque[tuple[PacedSender, bytearray, int, int, float]] = deque()
        self.queued_bytes = 0
        self._waiting = waiting
        self.paced_packets = 0  # packets that had to wait (metrics)

    def rate_bps(self, now: float) -> float:
        """The release rate now: the paced rate, or faster when the oldest waiting packet would
        otherwise wait longer than `MAX_QUEUE_DELAY`."""
        if not self._queue:
            return self._base_bps
        remaining = max(MAX_QUEUE_DELAY - (now - self._queue[0][4]), MIN_DRAIN_SECONDS)
        return max(self._base_bps, self.queued_bytes * 8 / remaining)

    @property
    def backlog(self) -> bool:
        return bool(self._queue)

    def queue_delay(self, now: float) -> float:
        """How long the oldest waiting packet has waited."""
        return now - self._queue[0][4] if self._queue else 0.0

    def set_estimate(self, estimate_bps: int, now: float) -> None:
        self._refill(now)
        self._base_bps = max(estimate_bps * PACING_FACTOR, MIN_RATE_BPS)

    def _refill(self, now: float) -> None:
        elapsed = now - self._updated
        if elapsed <= 0:
            return
        self._updated = now
        rate_bytes = self.rate_bps(now) / 8
        self._budget = min(self._budget + rate_bytes * elapsed, rate_bytes * BURST_SECONDS)

    def try_send(self, size: int, now: float) -> bool:
        """True when a video packet of `size` bytes may go now (its budget is spent); False when
        it must be queued behind what waits or until the budget refills."""
        if self._queue:
            return False
        self._refill(now)
        if self._budget <= 0:
            return False
        self._budget -= size
        return True

    def spend(self, size: int, now: float) -> None:
        """Audio, retransmissions: sent at once, but the video behind them waits its turn."""
        self._refill(now)
        self._budget = max(self._budget - size, -self.rate_bps(now) / 8 * MAX_DEBT_SECONDS)

    def enqueue(
        self, sender: PacedSender, packet: bytearray, out_sequence: int, size: int, now: float
    ) -> None:
        if not self._queue:
            self._waiting.add(self)
        self._queue.append((sender, packet, out_sequence, size, now))
        self.queued_bytes += size
        self.paced_packets += 1

    def release(self, now: float) -> None:
        """Let out what the budget allows (from the SFU's timer, every `PACE_INTERVAL`)."""
        self._refill(now)
        queue = self._queue
        while queue and self._budget > 0:
            sender, packet, out_sequence, size, _ = queue.popleft()
            self.queued_bytes -= size
            self._budget -= size
            sender.send_paced(packet, out_sequence, now)
        if not queue:
            self._waiting.discard(self)

    def clear(self) -> None:
        """The transport is going away: forget what waits."""
        self._queue.clear()
        self.queued_bytes = 0
        self._waiting.discard(self)
