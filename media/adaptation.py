"""Applying the downlink estimate to one subscriber session: layers, pauses, probes.

Runs from the SFU's timer a few times a second. The estimate (`BandwidthEstimator`) is shared
by `LayerAllocator`; its decisions become keyframe-gated layer switches, pauses and resumes on
the subscriptions, and events for signalling ("video paused because of a weak connection").
When a better layer is wanted but does not fit, the session sends a short burst of RTX padding
to probe the link, since the estimate cannot rise above what actually got through.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.allocator import TrackDemand, TrackPriority
from media.bandwidth_estimator import LOSS_HIGH, RateState
from media.negotiated import MediaKind
from media.peer_session import PeerSession
from media.subscription import RED_MAX_DEPTH, Subscription

ALLOCATION_INTERVAL = 0.25  # s between allocations per subscriber
AUDIO_DEFAULT_BPS = 40_000  # Opus with headers, until measured
PROBE_INTERVAL = 4.0  # s between probes of one session after a probe that hit the ceiling
PROBE_FOLLOW_UP = 1.0  # s to the next probe after one that got through at its full rate
PROBE_SUCCESS = 0.8  # "got through": measured at least this share of the probe's rate
PROBE_DURATION = 0.15  # s a probe lasts: at 1.5x a link that has no more, ~75 ms of queue
PROBE_FACTOR = 1.3  # probe to this multiple of what the next layer would need ...
PROBE_CAP = 1.5  # ... but to at most this multiple of the current estimate
# Right after overuse the radio holds a queue the overshoot built, and the audio waits in it:
# for a moment video gets less than the estimate, so the queue drains instead of staying.
DRAIN_TIME = 2.0  # s after a decrease ...
DRAIN_SHARE = 0.85  # ... in which video and audio share this part of the estimate
RED_DEEPEN_LOSS = 0.01  # downlink loss from which audio carries two redundant frames ...
RED_DEEP_HOLD = 20.0  # s ... and keeps them after the last lossy second


@dataclass(frozen=True, slots=True)
class SubscriptionPaused:
    session_id: int
    mid: str
    publication_id: int
    reason: str = "bandwidth"


@dataclass(frozen=True, slots=True)
class SubscriptionResumed:
    session_id: int
    mid: str
    publication_id: int


@dataclass(frozen=True, slots=True)
class LayerChanged:
    session_id: int
    mid: str
    layer: int


AdaptationEvent = SubscriptionPaused | SubscriptionResumed | LayerChanged


def _demand(subscription: Subscription, now: float) -> TrackDemand:
    publication = subscription.publication
    if publication.kind is MediaKind.AUDIO:
        stream = publication.layers[0]
        rate = int(stream.bitrate_bps) if stream is not None and stream.bitrate_bps else 0
        rate = rate or AUDIO_DEFAULT_BPS
        if subscription.red_history is not None:  # RED of depth d carries d + 1 frames, the
            rate = rate * (1 + subscription.red_depth) // 2  # browser's RED two
        return TrackDemand(subscription.subscription_id, TrackPriority.AUDIO, (rate,), 0)
    current = (
        None
        if subscription.paused
        else (
            subscription.target_layer
            if subscription.target_layer is not None
            else subscription.layer
        )
    )
    return TrackDemand(
        subscription.subscription_id, publication.priority, publication.layer_bitrates(now), current
    )


def adapt_session(session: PeerSession, now: float, enabled: bool) -> list[AdaptationEvent]:
    """One allocation round for a subscriber session; returns what signalling should hear."""
    if now < session.next_allocation_at or not session.subscriptions:
        return []
    session.next_allocation_at = now + ALLOCATION_INTERVAL
    by_id = {s.subscription_id: s for s in session.subscriptions.values()}
    demands = [
        _demand(s, now)
        for s in by_id.values()
        if not s.publication.closed and s.publication.active_layers(now)  # nothing to decide yet
    ]
    if not enabled:
        return _fixed_highest(session, by_id, demands)
    estimate = session.estimator.estimate_bps
    if session.transport.pacer is not None:
        session.transport.pacer.set_estimate(estimate, now)
    red_depth = _red_depth(session, now)
    events: list[AdaptationEvent] = []
    wanted_extra = 0
    decreased_at = session.estimator.last_decrease_at
    draining = decreased_at >= 0 and now - decreased_at < DRAIN_TIME
    budget = int(estimate * DRAIN_SHARE) if draining else estimate
    for decision in session.allocator.allocate(budget, demands, now):
        subscription = by_id[decision.key]
        if subscription.publication.kind is MediaKind.AUDIO:
            subscription.red_depth = red_depth
            continue
        rates = subscription.publication.layer_bitrates(now)
        if decision.layer is None:
            if not subscription.paused:
                subscription.pause()
                events.append(
                    SubscriptionPaused(
                        session.session_id,
                        subscription.mid,
                        subscription.publication.publication_id,
                    )
                )
            wanted_extra += rates[0]
            continue
        if subscription.paused:
            subscription.resume(decision.layer)
            events.append(
                SubscriptionResumed(
                    session.session_id, subscription.mid, subscription.publication.publication_id
                )
            )
        elif decision.layer != (
            subscription.target_layer
            if subscription.target_layer is not None
            else subscription.layer
        ):
            subscription.select_layer(decision.layer)
            events.append(LayerChanged(session.session_id, subscription.mid, decision.layer))
        higher = [r for r in rates[decision.layer + 1 :] if r < 10**9]
        if higher:
            wanted_extra += higher[0] - rates[decision.layer]
    _maybe_probe(session, now, estimate, wanted_extra)
    return events


def _red_depth(session: PeerSession, now: float) -> int:
    """Two earlier audio frames in each RED packet while the downlink loses packets (and for a
    while after: loss on mobile links comes and goes), else the one the browser sent."""
    if session.estimator.loss_ratio >= RED_DEEPEN_LOSS:
        session.red_deep_until = now + RED_DEEP_HOLD
    return RED_MAX_DEPTH if now < session.red_deep_until else 1


def _fixed_highest(
    session: PeerSession, by_id: dict[int, Subscription], demands: list[TrackDemand]
) -> list[AdaptationEvent]:
    """Adaptation switched off (for comparison runs): always the highest layer being sent."""
    for demand in demands:
        subscription = by_id[demand.key]
        available = [i for i, rate in enumerate(demand.layer_bitrates) if rate < 10**9]
        if available and subscription.publication.kind is MediaKind.VIDEO:
            subscription.select_layer(available[-1])
    return []


def _maybe_probe(session: PeerSession, now: float, estimate: int, wanted_extra: int) -> None:
    """Probe when a better layer is wanted. A probe that got through at (nearly) its full rate
    is followed by the next, larger one a second later, so capacity that came back is found in
    a few steps (exponential probing, as libwebrtc does); otherwise wait `PROBE_INTERVAL`."""
    if wanted_extra <= 0 or now < session.next_probe_at:
        return
    estimator = session.estimator
    if estimator.loss_ratio > LOSS_HIGH or estimator.state is RateState.DECREASE:
        return
    last = estimator.probe_results[-1] if estimator.probe_results else 0
    succeeded = session.probe_bps > 0 and last >= PROBE_SUCCESS * session.probe_bps
    if not succeeded and now - session.last_probe_at < PROBE_INTERVAL:
        return
    session.last_probe_at = now
    session.next_probe_at = now + PROBE_FOLLOW_UP
    session.probe_until = now + PROBE_DURATION
    # Probe for what the next step needs, but never more than double the estimate: a burst far
    # above capacity would only fill the phone's radio queue and cause the loss it looks for.
    session.probe_bps = int(min((estimate + wanted_extra) * PROBE_FACTOR, estimate * PROBE_CAP))
    estimator.start_probe(now, now + PROBE_DURATION)
