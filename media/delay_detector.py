"""Delay-gradient congestion detection, in the spirit of Google Congestion Control.

draft-ietf-rmcat-gcc-02 §5: packets sent within one burst interval form a group; the change of
one-way delay between consecutive groups (arrival spacing minus send spacing) is accumulated,
and the slope of that accumulated delay over the last groups (a least-squares trend line, as
libwebrtc does) says whether queues are building. An adaptive threshold (§5.4) keeps the detector
from starving against loss-based TCP flows and from reacting to noise.
"""

from __future__ import annotations

import enum
from collections import deque

BURST_INTERVAL = 0.005  # s: packets sent closer than this form one group (§5.2)
WINDOW = 20  # groups in the trend line
SMOOTHING = 0.9  # exponential smoothing of the accumulated delay
TREND_GAIN = 4.0  # libwebrtc's threshold gain on the slope
THRESHOLD_INITIAL = 12.5  # ms (§5.4 del_var_th initial value)
THRESHOLD_MIN, THRESHOLD_MAX = 6.0, 600.0  # ms
K_UP, K_DOWN = 0.0087, 0.039  # §5.4 adaptation gains (libwebrtc's values)
OVERUSE_TIME = 0.010  # s the signal must stay above the threshold before it counts (§5.4)


class BandwidthUsage(enum.Enum):
    NORMAL = "normal"
    OVERUSING = "overusing"
    UNDERUSING = "underusing"


class DelayDetector:
    """Feed (send time, arrival time) of acknowledged packets in send order; read `usage`."""

    __slots__ = (
        "usage",
        "_group_send",
        "_group_arrival",
        "_previous",
        "_accumulated",
        "_smoothed",
        "_points",
        "_first_arrival",
        "_threshold",
        "_last_update",
        "_overuse_since",
        "_previous_trend",
    )

    def __init__(self) -> None:
        self.usage = BandwidthUsage.NORMAL
        self._group_send: float | None = None  # first send time of the open group
        self._group_arrival = 0.0  # last arrival time in the open group
        self._previous: tuple[float, float] | None = None  # (send, arrival) of the last group
        self._accumulated = 0.0
        self._smoothed = 0.0
        self._points: deque[tuple[float, float]] = deque(maxlen=WINDOW)
        self._first_arrival: float | None = None
        self._threshold = THRESHOLD_INITIAL
        self._last_update: float | None = None
        self._overuse_since: float | None = None
        self._previous_trend = 0.0

    def on_packet(self, send_time: float, arrival_time: float) -> None:
        if self._group_send is None:
            self._group_send, self._group_arrival = send_time, arrival_time
            return
        if send_time - self._group_send <= BURST_INTERVAL:
            self._group_arrival = max(self._group_arrival, arrival_time)
            return
        self._close_group(self._group_send, self._group_arrival)
        self._group_send, self._group_arrival = send_time, arrival_time

    def _close_group(self, send: float, arrival: float) -> None:
        previous, self._previous = self._previous, (send, arrival)
        if previous is None:
            return
        delta_ms = ((arrival - previous[1]) - (send - previous[0])) * 1000.0
        self._accumulated += delta_ms
        self._smoothed = SMOOTHING * self._smoothed + (1 - SMOOTHING) * self._accumulated
        if self._first_arrival is None:
            self._first_arrival = arrival
        self._points.append(((arrival - self._first_arrival) * 1000.0, self._smoothed))
        if len(self._points) >= 2:
            self._detect(_slope(self._points), arrival)

    def _detect(self, trend: float, now: float) -> None:
        modified = min(len(self._points), 60) * trend * TREND_GAIN
        if modified > self._threshold:
            if self._overuse_since is None:
                self._overuse_since = now
            if now - self._overuse_since >= OVERUSE_TIME and trend >= self._previous_trend:
                self.usage = BandwidthUsage.OVERUSING
        elif modified < -self._threshold:
            self._overuse_since = None
            self.usage = BandwidthUsage.UNDERUSING
        else:
            self._overuse_since = None
            self.usage = BandwidthUsage.NORMAL
        self._previous_trend = trend
        self._adapt_threshold(modified, now)

    def _adapt_threshold(self, modified: float, now: float) -> None:
        """§5.4: the threshold follows |m| slowly, faster downwards; big spikes are ignored."""
        if self._last_update is None:
            self._last_update = now
        elapsed = min(now - self._last_update, 0.1)
        self._last_update = now
        if abs(modified) > self._threshold + 15.0:
            return
        gain = K_DOWN if abs(modified) < self._threshold else K_UP
        self._threshold += gain * (abs(modified) - self._threshold) * elapsed * 1000.0
        self._threshold = min(max(self._threshold, THRESHOLD_MIN), THRESHOLD_MAX)


def _slope(points: deque[tuple[float, float]]) -> float:
    """Least-squares slope of y over x, in one pass over the window (runs once per packet group)."""
    count = len(points)
    origin = points[0][0]  # shift x so long calls keep the sums small (no cancellation)
    sum_x = sum_y = sum_xx = sum_xy = 0.0
    for raw_x, y in points:
        x = raw_x - origin
        sum_x += x
        sum_y += y
        sum_xx += x * x
        sum_xy += x * y
    denominator = count * sum_xx - sum_x * sum_x
    return (count * sum_xy - sum_x * sum_y) / denominator if denominator else 0.0
