"""Keyframe request throttling: one request per interval, bursts coalesced into one deferred."""

from __future__ import annotations

import pytest

from media.keyframe_throttle import KeyframeThrottle


def test_first_request_goes_out_immediately() -> None:
    t = KeyframeThrottle(min_interval=0.5)
    assert t.request(10.0)
    assert t.get_timer() is None
    assert t.sent == 1


def test_burst_is_coalesced_into_one_deferred_request() -> None:
    t = KeyframeThrottle(min_interval=0.5)
    assert t.request(0.0)
    assert [t.request(now) for now in (0.1, 0.2, 0.3)] == [False, False, False]
    assert t.pending
    assert t.get_timer() == pytest.approx(0.5)
    assert not t.handle_timer(0.49)
    assert t.handle_timer(0.5)
    assert not t.pending and t.get_timer() is None
    assert not t.handle_timer(0.6)  # fired once only
    assert (t.sent, t.coalesced) == (2, 2)


def test_request_after_interval_goes_out_directly() -> None:
    t = KeyframeThrottle(min_interval=0.5)
    t.request(0.0)
    assert t.request(0.5)
    assert t.request(1.2)
    assert t.sent == 3


def test_deferred_request_restarts_the_interval() -> None:
    t = KeyframeThrottle(min_interval=0.5)
    t.request(0.0)
    t.request(0.1)
    assert t.handle_timer(0.7)  # the timer fired late
    assert not t.request(1.0)  # 0.3 s after the deferred one went out
    assert t.get_timer() == pytest.approx(1.2)


def test_keyframe_arrival_satisfies_the_deferred_request() -> None:
    t = KeyframeThrottle(min_interval=0.5)
    t.request(0.0)
    t.request(0.2)
    t.on_keyframe()
    assert not t.pending and t.get_timer() is None
    assert not t.handle_timer(1.0)
    assert t.sent == 1
    t.on_keyframe()  # with nothing pending, nothing changes
    assert t.coalesced == 1


def test_rtt_stretches_the_interval() -> None:
    t = KeyframeThrottle(min_interval=0.5)
    t.set_rtt(0.8)
    assert t.interval == pytest.approx(0.8)
    t.request(0.0)
    assert not t.request(0.6)
    assert t.get_timer() == pytest.approx(0.8)
    t.set_rtt(0.1)
    assert t.interval == pytest.approx(0.5)


def test_fir_sequence_numbers_wrap_at_8_bits() -> None:
    t = KeyframeThrottle()
    numbers = [t.next_fir_sequence() for _ in range(258)]
    assert numbers[:3] == [0, 1, 2]
    assert numbers[255:] == [255, 0, 1]
