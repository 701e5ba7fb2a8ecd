"""The downlink estimator follows a bottleneck's capacity under a hand-driven clock."""

from __future__ import annotations

from media.bandwidth_estimator import MIN_BPS, BandwidthEstimator
from media.delay_detector import BandwidthUsage, DelayDetector
from media.rtcp import build_transport_cc_feedback
from media.send_history import SendHistory
from tests.media.link_model import BottleneckLink

PACKET = 1200


def simulate(
    link: BottleneckLink,
    seconds: float,
    estimator: BandwidthEstimator,
    history: SendHistory,
    state: dict[str, float],
    *,
    source_bps: float = 2_500_000,
    trace: list[tuple[float, int]] | None = None,
) -> None:
    """Send paced at min(estimate, source rate); feedback every 100 ms after the link delay."""
    now = state.get("now", 0.0)
    sequence = int(state.get("sequence", 0))
    next_feedback = now + 0.1
    in_flight: list[tuple[int, int]] = []  # (sequence, arrival µs) not yet reported
    end = now + seconds
    while now < end:
        rate = min(estimator.estimate_bps, source_bps)
        history.on_sent(sequence & 0xFFFF, now, PACKET)
        arrival = link.send(now, PACKET)
        if arrival is not None:
            in_flight.append((sequence + 65536, int(arrival * 1e6)))
        sequence += 1
        now += PACKET * 8 / rate
        while now >= next_feedback:  # the receiver reports what has arrived by now
            arrived = [a for a in in_flight if a[1] <= next_feedback * 1e6]
            in_flight = [a for a in in_flight if a[1] > next_feedback * 1e6]
            if arrived:
                arrived.sort()
                start = state.get("unreported")
                state["unreported"] = arrived[-1][0] + 1
                for packet in build_transport_cc_feedback(
                    1, 2, 0, arrived, start_sequence=None if start is None else int(start)
                ):
                    estimator.on_feedback(packet, history, next_feedback + link.delay)
            if trace is not None:
                trace.append((next_feedback, estimator.estimate_bps))
            next_feedback += 0.1
    state["now"] = now
    state["sequence"] = sequence


def test_estimate_converges_below_capacity_and_queues_stay_short() -> None:
    link = BottleneckLink(600_000)
    estimator, history, state = BandwidthEstimator(), SendHistory(), {}
    simulate(link, 40.0, estimator, history, state)
    assert 300_000 <= estimator.estimate_bps <= 750_000, estimator.estimate_bps
    late = sorted(link.queue_delays[len(link.queue_delays) // 2 :])
    assert late[int(len(late) * 0.9)] < 0.25  # the estimator keeps the queue from filling


def test_capacity_drop_is_followed_within_seconds() -> None:
    link = BottleneckLink(1_000_000)
    estimator, history, state = BandwidthEstimator(), SendHistory(), {}
    simulate(link, 30.0, estimator, history, state)
    before = estimator.estimate_bps
    assert before > 500_000
    link.capacity_bps = 200_000  # the phone walked into a worse cell
    trace: list[tuple[float, int]] = []
    simulate(link, 6.0, estimator, history, state, trace=trace)
    start = trace[0][0]
    adapted = next((t - start for t, value in trace if value < 300_000), None)
    assert adapted is not None and adapted < 1.0, trace[:40]  # "within about a second"


def test_random_loss_lowers_the_estimate() -> None:
    clean, lossy = BottleneckLink(800_000), BottleneckLink(800_000, loss=0.2)
    results = []
    for link in (clean, lossy):
        estimator, state = BandwidthEstimator(), {}
        simulate(link, 20.0, estimator, SendHistory(), state)
        results.append((estimator.estimate_bps, estimator.loss_ratio))
    assert results[1][1] > 0.05  # the last 1 s window: few packets at the lowered rate
    assert results[1][0] < results[0][0] * 0.8


def test_remb_caps_the_estimate() -> None:
    estimator = BandwidthEstimator()
    estimator.on_remb(120_000, 0.0)
    assert estimator.estimate_bps == 120_000
    estimator.on_remb(1, 0.1)
    assert estimator.estimate_bps == MIN_BPS


def test_detector_sees_growing_queues_as_overuse_and_steady_as_normal() -> None:
    steady, growing = DelayDetector(), DelayDetector()
    for i in range(200):
        send = i * 0.01
        steady.on_packet(send, send + 0.05)
        growing.on_packet(send, send + 0.05 + i * 0.002)  # each group 2 ms later than the last
    assert steady.usage is BandwidthUsage.NORMAL
    assert growing.usage is BandwidthUsage.OVERUSING


def test_steady_link_no_oscillation_and_recovery_after_the_cut_ends() -> None:
    link = BottleneckLink(1_000_000)
    estimator, history, state = BandwidthEstimator(), SendHistory(), {}
    simulate(link, 30.0, estimator, history, state)
    steady: list[tuple[float, int]] = []
    simulate(link, 30.0, estimator, history, state, trace=steady)
    values = [value for _, value in steady]
    # AIMD saws gently around capacity (decrease to 0.85x, +8 %/s) and never swings wide
    assert max(values) < 1.35 * min(values), (min(values), max(values))
    assert 0.75 * link.capacity_bps < sum(values) / len(values) < 1.15 * link.capacity_bps
    link.capacity_bps = 200_000
    simulate(link, 10.0, estimator, history, state)
    assert estimator.estimate_bps < 250_000
    link.capacity_bps = 1_000_000  # the cut ends: the estimator finds capacity again by itself
    recovery: list[tuple[float, int]] = []
    simulate(link, 30.0, estimator, history, state, trace=recovery)
    start = recovery[0][0]
    back = next((t - start for t, value in recovery if value > 800_000), None)
    # multiplicative increase alone; in the SFU, probes make this faster (test_sfu_adaptation)
    assert back is not None and back < 25.0, recovery[::10]
