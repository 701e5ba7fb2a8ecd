"""The echo session's measurements for the device check: round trip, loss and received bitrate.

Once a second the meter takes a sample of the SFU's receive counters for the echo session's
publish transport (RFC 3550 §6.4.1 / A.3: expected = extended highest sequence - base + 1,
lost = expected - received) and sends a probe the browser answers at once; the time to the
answer is the round trip the server measured. Loss and bitrate are over the last interval, so
the verdict follows the connection as it is now. The session ends itself after a bound.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from signalling.outbound import EchoStats, Probe

INTERVAL = 1.0  # s between samples and probes
MAX_SECONDS = 60.0  # an echo session is a short device check
MAX_PENDING_PROBES = 8
RTT_SAMPLES = 5  # the median of the last few probes: one late reply does not spoil the verdict


@dataclass(frozen=True, slots=True)
class MediaCounters:
    """Sums over every stream the SFU receives from the echo session."""

    packets: int = 0
    expected: int = 0
    lost: int = 0
    octets: int = 0
    rtt_ms: float | None = None  # from RTCP receiver reports on the media path, when known


@dataclass(frozen=True, slots=True)
class EchoTick:
    probe: Probe | None
    stats: EchoStats | None
    finished: bool


class EchoMeter:
    def __init__(self, now: float, *, interval: float = INTERVAL,
                 max_seconds: float = MAX_SECONDS) -> None:
        self.started = now
        self.interval = interval
        self.max_seconds = max_seconds
        self._next = now + interval
        self._pending: OrderedDict[str, float] = OrderedDict()
        self._rtts: list[float] = []
        self._probes = 0
        self._last_at = now
        self._last = MediaCounters()
        self.finished = False

    def get_timer(self) -> float | None:
        return None if self.finished else self._next

    @property
    def rtt_ms(self) -> float | None:
        if not self._rtts:
            return None
        ordered = sorted(self._rtts)
        return ordered[len(ordered) // 2] * 1000.0

    def on_probe_reply(self, nonce: str, now: float) -> None:
        sent = self._pending.pop(nonce, None)
        if sent is None:
            return  # unknown or too old: ignore, never trust the browser's numbers
        self._rtts.append(max(0.0, now - sent))
        del self._rtts[:-RTT_SAMPLES]

    def handle_timer(self, now: float, counters: MediaCounters) -> EchoTick:
        if self.finished or now < self._next:
            return EchoTick(None, None, self.finished)
        self._next = now + self.interval
        stats = self._stats(now, counters)
        if now - self.started >= self.max_seconds:
            self.finished = True
            return EchoTick(None, stats_final(stats), True)
        self._probes += 1
        nonce = f"n{self._probes}"
        self._pending[nonce] = now
        while len(self._pending) > MAX_PENDING_PROBES:
            self._pending.popitem(last=False)
        return EchoTick(Probe(nonce), stats, False)

    def _stats(self, now: float, counters: MediaCounters) -> EchoStats:
        elapsed = now - self._last_at
        expected = counters.expected - self._last.expected
        lost = counters.lost - self._last.lost
        octets = counters.octets - self._last.octets
        loss = None
        if expected > 0:
            loss = min(100.0, max(0.0, 100.0 * lost / expected))
        bitrate = octets * 8 / elapsed / 1000.0 if elapsed > 0 and counters.packets else None
        self._last_at, self._last = now, counters
        # Prefer the media path's own round trip (RTCP); the WebSocket probe is the fallback.
        rtt = counters.rtt_ms if counters.rtt_ms is not None else self.rtt_ms
        return EchoStats(rtt, loss, bitrate, counters.packets, now - self.started)


def stats_final(stats: EchoStats) -> EchoStats:
    return EchoStats(stats.rtt_ms, stats.loss_percent, stats.bitrate_kbps, stats.packets,
                     stats.seconds, final=True)
