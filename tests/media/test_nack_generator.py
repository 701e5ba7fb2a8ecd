"""NACK generation under a hand-driven clock: grace, retries, give-up, mass loss."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.nack_generator import MIN_RETRY_INTERVAL, NackGenerator
from tests.conftest import fuzz_budget


def feed(gen: NackGenerator, seqs: list[int], now: float) -> None:
    for s in seqs:
        gen.on_packet(s, now)


def test_no_loss_no_nacks() -> None:
    gen = NackGenerator()
    feed(gen, list(range(65530, 65536)) + list(range(0, 10)), 0.0)
    assert gen.get_timer() is None
    assert gen.due_nacks(1.0) == []
    assert gen.missing_count == 0


def test_first_request_after_grace_then_every_rtt() -> None:
    gen = NackGenerator(reorder_grace=0.015)
    gen.set_rtt(0.1)
    feed(gen, [1, 2, 5], 0.0)
    assert gen.missing_count == 2
    assert gen.get_timer() == pytest.approx(0.015)
    assert gen.due_nacks(0.010) == []
    assert gen.due_nacks(0.015) == [3, 4]
    assert gen.get_timer() == pytest.approx(0.115)
    assert gen.due_nacks(0.100) == []
    assert gen.due_nacks(0.115) == [3, 4]
    assert gen.requested == 4


def test_reordering_within_grace_is_not_nacked() -> None:
    gen = NackGenerator(reorder_grace=0.015)
    feed(gen, [10, 12], 0.0)
    gen.on_packet(11, 0.005)
    assert gen.due_nacks(0.02) == []
    assert (gen.recovered, gen.requested, gen.given_up) == (1, 0, 0)
    assert gen.get_timer() is None


def test_recovered_after_request() -> None:
    gen = NackGenerator()
    feed(gen, [1, 3], 0.0)
    assert gen.due_nacks(0.02) == [2]
    gen.on_packet(2, 0.06)  # the retransmission
    gen.on_packet(2, 0.07)  # a duplicate of it changes nothing
    assert gen.recovered == 1
    assert gen.due_nacks(1.0) == []


def test_retries_are_limited() -> None:
    gen = NackGenerator(reorder_grace=0.01, max_retries=3, max_age=10.0)
    gen.set_rtt(0.05)
    feed(gen, [1, 3], 0.0)
    sent_at = []
    now = 0.0
    while (timer := gen.get_timer()) is not None:
        now = timer
        if gen.due_nacks(now):
            sent_at.append(now)
    assert sent_at == pytest.approx([0.01, 0.06, 0.11])
    assert now == pytest.approx(0.16)  # one more interval to wait for the last answer, then give up
    assert (gen.requested, gen.given_up) == (3, 1)
    assert not gen.keyframe_needed


def test_max_age_stops_requests() -> None:
    gen = NackGenerator(reorder_grace=0.015, max_retries=10, max_age=0.2)
    gen.set_rtt(0.1)
    feed(gen, [1, 3], 0.0)
    assert gen.due_nacks(0.015) == [2]
    assert gen.due_nacks(0.115) == [2]
    assert gen.get_timer() == pytest.approx(0.2)  # the age limit comes before the next retry
    assert gen.due_nacks(0.2) == []
    assert gen.given_up == 1
    assert gen.get_timer() is None


def test_missing_across_wrap() -> None:
    gen = NackGenerator()
    feed(gen, [65533, 1], 0.0)
    assert gen.due_nacks(0.1) == [65534, 65535, 0]


def test_rtt_floor() -> None:
    gen = NackGenerator()
    gen.set_rtt(0.001)
    assert gen.retry_interval == MIN_RETRY_INTERVAL
    gen.set_rtt(-1.0)  # nonsense is ignored
    assert gen.retry_interval == MIN_RETRY_INTERVAL


def test_mass_loss_gives_up_and_asks_for_keyframe() -> None:
    gen = NackGenerator(max_missing=1000)
    feed(gen, [0, 600], 0.0)  # 599 missing
    assert gen.missing_count == 599
    gen.on_packet(1100, 0.01)  # 499 more: 1098 > 1000
    assert gen.missing_count == 0
    assert gen.given_up == 599
    assert gen.keyframe_needed
    assert gen.due_nacks(1.0) == []
    gen.keyframe_requested()
    assert not gen.keyframe_needed
    feed(gen, [1101, 1103], 2.0)  # tracking goes on from the new position
    assert gen.due_nacks(2.1) == [1102]


def test_huge_jump_does_not_allocate_entries() -> None:
    gen = NackGenerator()
    feed(gen, [0, 30_000], 0.0)
    assert gen.missing_count == 0
    assert gen.keyframe_needed


def test_late_packets_and_duplicates_are_ignored() -> None:
    gen = NackGenerator()
    feed(gen, [100, 101, 101, 50], 0.0)
    assert gen.missing_count == 0
    assert gen.recovered == 0


def test_reset_forgets_history() -> None:
    gen = NackGenerator()
    feed(gen, [1, 5], 0.0)
    gen.reset()
    assert gen.given_up == 3
    feed(gen, [40_000, 40_002], 1.0)  # a restart far away: no mass-loss alarm
    assert gen.due_nacks(1.1) == [40_001]
    assert not gen.keyframe_needed


@settings(max_examples=fuzz_budget(200), deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 30), st.floats(0.0, 0.05)), min_size=1, max_size=150),
    st.floats(0.005, 0.3),
)
def test_timer_always_makes_progress(steps: list[tuple[int, float]], rtt: float) -> None:
    """Driving the generator by its own timer never spins and ends with nothing missing."""
    gen = NackGenerator()
    gen.set_rtt(rtt)
    seq, now = 0, 0.0
    for step, dt in steps:
        seq = (seq + step) & 0xFFFF
        now += dt
        gen.on_packet(seq, now)
    previous = -1.0
    rounds = 0
    while (timer := gen.get_timer()) is not None:
        assert timer > previous
        previous = timer
        gen.due_nacks(max(now, timer))
        rounds += 1
        assert rounds < 10_000
    assert gen.missing_count == 0
    assert gen.requested <= gen.given_up * gen.max_retries
