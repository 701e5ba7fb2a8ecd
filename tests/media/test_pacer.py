"""The pacer under a hand-driven clock: video leaves at the paced rate, in order; audio and
repairs pass at once but make video wait; a backlog never waits much past its limit."""

from __future__ import annotations

from media.pacer import MAX_QUEUE_DELAY, PACE_INTERVAL, PACING_FACTOR, Pacer


class Recorder:
    """The sending side of the boundary: remembers what left and when."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, float]] = []

    def send_paced(self, packet: bytearray, out_sequence: int, now: float) -> None:
        self.sent.append((out_sequence, now))


def offer_burst(pacer: Pacer, sender: Recorder, count: int, size: int, now: float) -> int:
    """A keyframe arriving at once: what may go now goes, the rest queues. Returns sent now."""
    immediate = 0
    for sequence in range(count):
        if pacer.try_send(size, now):
            immediate += 1
            sender.send_paced(bytearray(size), sequence, now)
        else:
            pacer.enqueue(sender, bytearray(size), sequence, size, now)
    return immediate


def drain(pacer: Pacer, waiting: set[Pacer], start: float, until: float) -> float:
    now = start
    while now < until and pacer in waiting:
        now += PACE_INTERVAL
        pacer.release(now)
    return now


def test_a_keyframe_burst_leaves_at_the_paced_rate_in_order() -> None:
    waiting: set[Pacer] = set()
    pacer = Pacer(400_000, waiting, now=0.0)
    sender = Recorder()
    immediate = offer_burst(pacer, sender, 40, 1000, 0.0)  # 320 kbit: 0.67 s at 480 kbit/s
    assert immediate <= 1 and pacer in waiting
    done = drain(pacer, waiting, 0.0, 5.0)
    assert [s for s, _ in sender.sent] == list(range(40))
    paced_rate = 400_000 * PACING_FACTOR
    expected = 40 * 1000 * 8 / paced_rate
    assert 0.8 * expected <= done <= 1.2 * expected + PACE_INTERVAL, (done, expected)
    # evenly spread: no 100 ms window carries much more than the paced rate allows
    times = [t for _, t in sender.sent]
    for start in times:
        in_window = sum(1 for t in times if start <= t < start + 0.1)
        assert in_window * 1000 * 8 <= paced_rate * 0.1 + 2 * 8000
    assert pacer not in waiting and pacer.queued_bytes == 0


def test_audio_passes_at_once_and_video_waits_behind_it() -> None:
    waiting: set[Pacer] = set()
    pacer = Pacer(200_000, waiting, now=0.0)
    sender = Recorder()
    offer_burst(pacer, sender, 10, 1000, 0.0)
    baseline = drain(pacer, waiting, 0.0, 5.0)

    waiting2: set[Pacer] = set()
    pacer2 = Pacer(200_000, waiting2, now=0.0)
    sender2 = Recorder()
    offer_burst(pacer2, sender2, 10, 1000, 0.0)
    now = 0.0
    while pacer2 in waiting2:  # 50 audio packets/s of 150 bytes spend the same budget
        now += PACE_INTERVAL
        if round(now / PACE_INTERVAL) % 4 == 0:
            pacer2.spend(150, now)
        pacer2.release(now)
    assert now > baseline * 1.05, (now, baseline)


def test_a_large_backlog_drains_within_the_queue_limit() -> None:
    waiting: set[Pacer] = set()
    pacer = Pacer(100_000, waiting, now=0.0)  # 120 kbit/s paced: 100 kB would take 6.7 s
    sender = Recorder()
    offer_burst(pacer, sender, 100, 1000, 0.0)
    done = drain(pacer, waiting, 0.0, 20.0)
    assert done <= MAX_QUEUE_DELAY * 1.3, done
    assert [s for s, _ in sender.sent] == list(range(100))


def test_new_video_queues_behind_waiting_video_and_estimates_change_the_rate() -> None:
    waiting: set[Pacer] = set()
    pacer = Pacer(300_000, waiting, now=0.0)
    sender = Recorder()
    offer_burst(pacer, sender, 20, 1000, 0.0)
    pacer.release(0.5)  # budget refilled a lot, but only one tick's burst may leave at once
    assert pacer.backlog
    assert not pacer.try_send(100, 0.5)  # never overtakes the queue
    pacer.set_estimate(3_000_000, 0.5)
    drain(pacer, waiting, 0.5, 0.7)
    assert not pacer.backlog


def test_clear_forgets_the_backlog() -> None:
    waiting: set[Pacer] = set()
    pacer = Pacer(100_000, waiting, now=0.0)
    offer_burst(pacer, Recorder(), 20, 1000, 0.0)
    pacer.clear()
    assert not pacer.backlog and pacer not in waiting and pacer.queue_delay(1.0) == 0.0
