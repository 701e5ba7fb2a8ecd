"""Sharing one subscriber's downlink estimate among the tracks it receives.

Order (the product's promise for 3G): audio always first; the advisor's screen share before the
advisor's camera (the document being explained matters more than the face); then the camera.
Per video track the best simulcast layer that fits is chosen. Down-switches happen at once when
the estimate drops; up-switches are cautious (headroom, and only after the estimate has held for
a while), which together with the keyframe-gated switch avoids oscillation. When not even the
lowest layer fits, the track is paused; it resumes by itself with headroom once capacity returns.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

UP_HEADROOM = 1.15  # the next layer must fit 15 % below the remaining budget
RESUME_HEADROOM = 1.3  # a paused track needs more headroom to come back
KEEP_TOLERANCE = 0.9  # a running lowest layer is kept while it needs at most 1/0.9 of its budget
UP_HOLD = 1.0  # s the estimate must have allowed an up-switch before it happens
CHANGE_COOLDOWN = 3.0  # s after a down-switch or pause before going up again on that track


class TrackPriority(enum.IntEnum):
    AUDIO = 0
    SCREEN = 1
    CAMERA = 2


@dataclass(frozen=True, slots=True)
class TrackDemand:
    key: int  # the subscription's id
    priority: TrackPriority
    layer_bitrates: tuple[int, ...]  # bits/s of each available layer, low to high
    current: int | None  # layer being forwarded now; None when paused or not started


@dataclass(frozen=True, slots=True)
class TrackDecision:
    key: int
    layer: int | None  # None: pause this track


@dataclass
class _TrackState:
    last_down: float = -1e9
    up_wanted_since: float | None = None


class LayerAllocator:
    """Per-subscriber allocation with hysteresis; call `allocate` a few times per second."""

    def __init__(self) -> None:
        self._tracks: dict[int, _TrackState] = {}

    def allocate(
        self, estimate_bps: int, demands: list[TrackDemand], now: float
    ) -> list[TrackDecision]:
        budget = float(estimate_bps)
        decisions: list[TrackDecision] = []
        for demand in sorted(demands, key=lambda d: (d.priority, d.key)):
            state = self._tracks.setdefault(demand.key, _TrackState())
            if demand.priority is TrackPriority.AUDIO or not demand.layer_bitrates:
                budget -= demand.layer_bitrates[0] if demand.layer_bitrates else 0
                decisions.append(TrackDecision(demand.key, 0))
                continue
            layer = self._choose(demand, budget, state, now)
            if layer is not None:
                budget -= demand.layer_bitrates[layer]
            decisions.append(TrackDecision(demand.key, layer))
        live = {d.key for d in demands}
        for key in [k for k in self._tracks if k not in live]:
            del self._tracks[key]
        return decisions

    def _choose(
        self, demand: TrackDemand, budget: float, state: _TrackState, now: float
    ) -> int | None:
        rates = demand.layer_bitrates
        fitting = [i for i, rate in enumerate(rates) if rate <= budget]
        best = fitting[-1] if fitting else None
        current = demand.current
        if current is None:  # paused (or new): resume only with headroom, after a cooldown,
            # and (once it was paused) only when the estimate has allowed it for UP_HOLD: a
            # resume costs a keyframe, and a pause right after it a freeze
            if not any(rate * RESUME_HEADROOM <= budget for rate in rates[:1]):
                state.up_wanted_since = None
                return None
            if now - state.last_down < CHANGE_COOLDOWN and state.last_down > -1e9:
                return None
            if state.last_down > -1e9:
                if state.up_wanted_since is None:
                    state.up_wanted_since = now
                if now - state.up_wanted_since < UP_HOLD:
                    return None
            state.up_wanted_since = None
            ups = [i for i, rate in enumerate(rates) if rate * RESUME_HEADROOM <= budget]
            return ups[-1]
        if best is None and rates[0] * KEEP_TOLERANCE <= budget:
            best = 0  # the lowest layer running just over budget stays: estimates jitter by
            # about a tenth, and a pause costs a keyframe to come back
        if best is None:  # not even the lowest layer fits: pause, audio keeps going
            state.last_down = now
            state.up_wanted_since = None
            return None
        if best < current:  # down at once
            state.last_down = now
            state.up_wanted_since = None
            return best
        candidates = [i for i in range(current + 1, len(rates)) if rates[i] * UP_HEADROOM <= budget]
        if not candidates or now - state.last_down < CHANGE_COOLDOWN:
            state.up_wanted_since = None
            return min(current, len(rates) - 1)
        if state.up_wanted_since is None:
            state.up_wanted_since = now
        if now - state.up_wanted_since < UP_HOLD:
            return current
        state.up_wanted_since = None
        return current + 1  # one step at a time: each up-switch probes the link
