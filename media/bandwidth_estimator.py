"""Send-side bandwidth estimation for one subscriber's downlink (delay gradient + loss).

In the spirit of Google Congestion Control (draft-ietf-rmcat-gcc-02): transport-cc feedback
tells when each packet we sent arrived; `DelayDetector` turns that into over-/under-use; an AIMD
rate controller (§6) moves the delay-based estimate; a loss-based controller (§6 / libwebrtc's
loss-based estimator) caps it when the phone's radio drops packets instead of queueing them.
The result never runs far ahead of what actually got through (`acked_bps`), so raising it takes
real traffic: the allocator's cautious up-switches are the probes.
"""

from __future__ import annotations

import enum
from collections import deque

from media.delay_detector import BandwidthUsage, DelayDetector
from media.rtcp_twcc import REFERENCE_UNIT_US, TransportCcFeedback
from media.send_history import SendHistory

MIN_BPS = 30_000  # below this not even Opus survives with headers
MAX_BPS = 4_000_000  # a consultation never needs more
INITIAL_BPS = 300_000  # a cautious start: 3G first
DECREASE_FACTOR = 0.85  # §6: A_hat = beta * R_hat, beta = 0.85
INCREASE_PER_SECOND = 1.08  # §6: multiplicative increase, at most 8 % per second
ACKED_WINDOW = 0.5  # s of acknowledged packets behind `acked_bps`
LOSS_WINDOW = 1.0  # s between loss-based decisions
LOSS_HIGH, LOSS_LOW = 0.10, 0.02  # §6: above 10 % decrease, below 2 % increase
HEADROOM_BPS = 50_000  # the estimate may lead the acknowledged rate by this much ...
HEADROOM_FACTOR = 1.5  # ... or by this factor, whichever is larger
PROBE_TRUST = 0.9  # take this share of a probe's measured rate as the new estimate
PROBE_HOLD = 5.0  # s a probe result holds against the acknowledged-rate ceiling
PROBE_GRACE = 0.5  # s after a probe got through in which its own small queue is no overuse


class RateState(enum.Enum):
    INCREASE = "increase"
    HOLD = "hold"
    DECREASE = "decrease"


class BandwidthEstimator:
    """Feed transport-cc feedback (and REMB); read `estimate_bps`."""

    def __init__(self, initial_bps: int = INITIAL_BPS) -> None:
        self.detector = DelayDetector()
        self.state = RateState.INCREASE
        self._delay_bps = float(initial_bps)
        self._loss_bps = float(MAX_BPS)
        self._remb_bps: float | None = None
        self._acked: deque[tuple[float, int]] = deque()  # (arrival time, bytes)
        self._acked_bytes = 0
        self._last_update: float | None = None
        self._last_decrease: float = -1.0
        self._loss_window_start: float | None = None
        self._lost = 0
        self._counted = 0
        self._arrival_offset: float | None = None  # maps feedback arrival clock to ours
        self.loss_ratio = 0.0
        self.rtt = 0.1
        self.updates = 0
        self._probe: tuple[float, float] | None = None  # send-time window of a running probe
        self._probe_bytes = 0
        self._probe_arrivals: tuple[float, float] | None = None
        self._probe_floor = 0.0  # what a successful probe showed, held for a while ...
        self._probe_floor_until = -1.0  # ... so the allocator can act on it
        self._probe_grace_until = -1.0  # overuse right after a probe that got through is its own
        self.probes = 0
        self.probe_results: list[int] = []

    def start_probe(self, start: float, end: float) -> None:
        """Packets sent in [start, end] are a probe cluster: their arrival rate is capacity."""
        self._probe = (start, end)
        self._probe_bytes = 0
        self._probe_arrivals = None
        self.probes += 1

    def _probe_packet(self, send_time: float, arrival: float, size: int) -> None:
        probe = self._probe
        if probe is None or not probe[0] <= send_time <= probe[1]:
            return
        self._probe_bytes += size
        first, last = self._probe_arrivals or (arrival, arrival)
        self._probe_arrivals = (min(first, arrival), max(last, arrival))

    def _finish_probe(self, newest_send: float, now: float) -> None:
        probe = self._probe
        if probe is None or (newest_send <= probe[1] and now < probe[1] + 1.0):
            return
        self._probe = None
        arrivals = self._probe_arrivals
        if arrivals is None or arrivals[1] - arrivals[0] < 0.05:
            return
        rate = self._probe_bytes * 8 / (arrivals[1] - arrivals[0])
        self.probe_results.append(int(rate))
        # A probe above capacity arrives at the bottleneck's rate, so the measured rate is what
        # the link carries even when the burst itself built a queue (overuse is expected then).
        if self.loss_ratio < LOSS_HIGH:
            self._probe_floor = min(rate * PROBE_TRUST, MAX_BPS)
            self._probe_floor_until = now + PROBE_HOLD
            self._probe_grace_until = now + PROBE_GRACE
            self._delay_bps = max(self._delay_bps, self._probe_floor)
            # The loss-based limit holds between 2 and 10 % loss (§6), and a mobile link's
            # background loss sits there: without this, one lossy dip would cap it for good.
            self._loss_bps = max(self._loss_bps, self._probe_floor)

    @property
    def estimate_bps(self) -> int:
        value = min(self._delay_bps, self._loss_bps)
        if self._remb_bps is not None:
            value = min(value, self._remb_bps)
        return int(min(max(value, MIN_BPS), MAX_BPS))

    @property
    def last_decrease_at(self) -> float:
        """When overuse last cut the estimate (-1 if never)."""
        return self._last_decrease

    @property
    def acked_bps(self) -> float:
        if len(self._acked) < 2:
            return 0.0
        span = self._acked[-1][0] - self._acked[0][0]
        return self._acked_bytes * 8 / max(span, ACKED_WINDOW / 2)

    def on_remb(self, bitrate: int, now: float) -> None:
        """A receiver-estimated maximum (REMB) caps us where transport-cc is not negotiated."""
        self._remb_bps = float(max(bitrate, MIN_BPS))

    def on_feedback(self, feedback: TransportCcFeedback, history: SendHistory, now: float) -> None:
        arrival_us = feedback.reference_time * REFERENCE_UNIT_US
        acknowledged: list[tuple[float, float, int]] = []
        for sequence, delta_us in feedback.packets:
            sent = history.lookup(sequence)
            if sent is None:
                continue
            self._counted += 1
            if delta_us is None:
                self._lost += 1
                continue
            arrival_us += delta_us
            acknowledged.append((sent[0], arrival_us / 1e6, sent[1]))
        acknowledged.sort()
        for send_time, arrival, size in acknowledged:
            self.detector.on_packet(send_time, arrival)
            self._probe_packet(send_time, arrival, size)
            if self._arrival_offset is None:
                self._arrival_offset = now - arrival
            self._acked.append((arrival, size))
            self._acked_bytes += size
        while self._acked and self._acked[-1][0] - self._acked[0][0] > ACKED_WINDOW:
            self._acked_bytes -= self._acked.popleft()[1]
        if acknowledged:
            self._finish_probe(acknowledged[-1][0], now)
        self._update_delay_based(now)
        self._update_loss_based(now)
        self.updates += 1

    def _update_delay_based(self, now: float) -> None:
        elapsed = 0.0 if self._last_update is None else min(now - self._last_update, 1.0)
        self._last_update = now
        usage = self.detector.usage
        acked = self.acked_bps
        before = self._delay_bps
        if usage is BandwidthUsage.OVERUSING and now < self._probe_grace_until:
            self.state = RateState.HOLD  # the small queue a successful probe left behind
        elif usage is BandwidthUsage.OVERUSING:
            self.state = RateState.DECREASE
            if now - self._last_decrease >= max(self.rtt, 0.1):  # once per round trip
                self._last_decrease = now
                base = acked if acked > 0 else self._delay_bps
                if now < self._probe_floor_until:  # the queue a probe built: the link carried
                    base = max(base, self._probe_floor)  # the probe, so decrease from there,
                    self._probe_floor_until = -1.0  # once; a real drop goes on decreasing
                self._delay_bps = min(self._delay_bps, DECREASE_FACTOR * base)
        elif usage is BandwidthUsage.UNDERUSING:
            self.state = RateState.HOLD  # queues are draining: wait before growing again
        else:
            self.state = RateState.INCREASE
            self._delay_bps *= INCREASE_PER_SECOND**elapsed
        if acked > 0:  # never grow far ahead of what actually got through ...
            ceiling = max(acked * HEADROOM_FACTOR, acked + HEADROOM_BPS)
            if now < self._probe_floor_until:  # ... unless a probe just showed more
                ceiling = max(ceiling, self._probe_floor)
            # ... but a sender that is quiet between keyframes is no reason to cut (libwebrtc's
            # AIMD control limits the increase the same way, never the current value)
            self._delay_bps = min(self._delay_bps, max(ceiling, min(before, self._delay_bps)))
        self._delay_bps = min(max(self._delay_bps, MIN_BPS), MAX_BPS)

    def _update_loss_based(self, now: float) -> None:
        if self._loss_window_start is None:
            self._loss_window_start = now
            return
        if now - self._loss_window_start < LOSS_WINDOW or self._counted < 10:
            return
        loss = self._lost / self._counted
        self.loss_ratio = loss
        self._loss_window_start = now
        self._lost = self._counted = 0
        if loss > LOSS_HIGH:  # §6: A_s = A_s * (1 - 0.5 p), starting from where we are
            current = min(self._loss_bps, float(self.estimate_bps))
            self._loss_bps = current * (1 - 0.5 * loss)
        elif loss < LOSS_LOW:  # recover, without ever capping a loss-free link
            self._loss_bps = min(self._loss_bps * 1.08 + 20_000, MAX_BPS)
        self._loss_bps = min(max(self._loss_bps, MIN_BPS), MAX_BPS)
