"""The adaptation bench's measurement functions on hand-made inputs: playout, freezes, switches."""

from __future__ import annotations

import math

import pytest

from bench.adaptation_metrics import (
    PAUSED,
    best_layer,
    capacity_share,
    layer_changes,
    median,
    switch_events,
)
from bench.adaptation_report import Recording, figures, time_per_layer
from bench.playout import (
    MAX_PENDING,
    REPAIR_WAIT,
    Rendered,
    VideoPlayout,
    audio_concealment,
    detect_freezes,
    pause_windows,
)

FRAME = 960  # 20 ms of Opus
FPS = 15


def _audio(count: int, start: float = 100.0, jitter: float = 0.01) -> dict[int, float]:
    return {5000 + FRAME * k: start + 0.02 * k + jitter for k in range(count)}


# -- audio ------------------------------------------------------------------------------------


def test_audio_on_time_is_never_concealed_and_only_the_window_counts() -> None:
    result = audio_concealment(_audio(500), (101.0, 105.0))
    assert result.frames == 200 and result.concealed == 0 and result.ratio == 0.0


def test_lost_audio_frames_are_concealed_once_each_and_redundancy_recovers_them() -> None:
    arrivals = _audio(500)
    lost = [5000 + FRAME * k for k in (100, 101, 250)]
    for ts in lost:
        del arrivals[ts]
    assert audio_concealment(arrivals, (100.0, 110.0)).concealed == 3
    # the next packet's RED block carried frame 250: it arrived 20 ms later, still in time
    arrivals[lost[2]] = 100.0 + 0.02 * 251 + 0.01
    assert audio_concealment(arrivals, (100.0, 110.0)).concealed == 2


def test_a_delay_spike_conceals_the_underrun_then_playout_continues_later() -> None:
    arrivals = _audio(500)
    for k in range(200, 500):  # from frame 200 on, everything is 0.5 s later (a queue fills)
        arrivals[5000 + FRAME * k] += 0.5
    result = audio_concealment(arrivals, (100.0, 109.0))
    # the 200 ms buffer runs dry for ~0.3 s: 15 slots concealed, nothing lost afterwards
    assert 14 <= result.concealed <= 16, result
    assert audio_concealment({}, (0.0, 1.0)).frames == 0
    assert math.isnan(audio_concealment({}, (0.0, 1.0)).ratio)


def test_audio_that_stops_is_concealed_until_the_window_ends() -> None:
    result = audio_concealment(_audio(100), (100.0, 104.0))  # 2 s of audio, 4 s window
    # playout starts at 100.21 (first arrival + 200 ms); the last frame plays at 102.19
    assert result.frames == 190 and result.concealed == 90


# -- video decoding model -----------------------------------------------------------------------


def _frames(playout: VideoPlayout, first: int, count: int, layer: int = 0, parts: int = 2,
            at: float = 0.0, skip_part: set[int] | None = None, keyframe_every: int = 60,
            position0: int | None = None) -> float:
    """Feed `count` frames of one layer (positions follow the loop) at 15 fps; returns the time."""
    now = at
    for i in range(first, first + count):
        position = (i if position0 is None else position0 + i - first) % 60
        for part in range(parts):
            if skip_part and i in skip_part and part == 1:
                continue
            playout.on_part(i * 6000, layer, position, part, parts,
                            position % keyframe_every == 0, now)
        now += 1 / FPS
    return now


def test_complete_frames_render_in_order_from_the_first_keyframe() -> None:
    playout = VideoPlayout([60, 60])
    playout.on_part(0, 0, 5, 0, 1, False, 0.0)  # a delta frame before any keyframe: held
    assert playout.renders == [] and playout.keyframe_needed
    _frames(playout, 1, 30, position0=0)
    assert [r.position for r in playout.renders] == list(range(30))
    assert not playout.keyframe_needed and playout.skipped == 1


def test_a_repaired_packet_lets_the_frame_and_its_successors_render_late() -> None:
    playout = VideoPlayout([60])
    now = _frames(playout, 0, 10, skip_part={5})
    assert len(playout.renders) == 5  # frames 5.. wait for the missing part
    playout.on_part(5 * 6000, 0, 5, 1, 2, False, now + 0.3)  # the retransmission
    assert [r.position for r in playout.renders] == list(range(10))
    assert playout.renders[5].at == pytest.approx(now + 0.3)
    assert playout.keyframe_waits == 0


def test_an_unrepaired_loss_wants_a_keyframe_and_the_next_keyframe_restarts() -> None:
    playout = VideoPlayout([60])
    now = _frames(playout, 0, 10, skip_part={5})
    playout.advance(now + REPAIR_WAIT + 0.1)
    assert playout.keyframe_needed and playout.keyframe_waits == 1
    # the sender answers the PLI with its keyframe (position 0) and goes on from there
    _frames(playout, 20, 5, at=now + REPAIR_WAIT + 0.2, position0=0)
    assert [r.position for r in playout.renders] == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]
    assert not playout.keyframe_needed
    playout.on_part(5 * 6000, 0, 5, 1, 2, False, now + 5)  # too late: ignored
    assert len(playout.renders) == 10


def test_a_later_keyframe_ends_the_wait_at_once_and_layers_switch_on_keyframes() -> None:
    playout = VideoPlayout([60, 60])
    now = _frames(playout, 0, 10, skip_part={5})
    now = _frames(playout, 10, 3, layer=1, at=now, position0=0)  # a switch to layer 1
    assert [(r.layer, r.position) for r in playout.renders][-3:] == [(1, 0), (1, 1), (1, 2)]
    assert playout.keyframe_waits == 0
    # a delta frame of the other layer does not follow: held until a keyframe or the wait ends
    playout.on_part(13 * 6000, 0, 13, 0, 1, False, now)
    playout.on_part(14 * 6000, 1, 3, 0, 1, False, now)
    assert playout.renders[-1].layer == 1 and playout.renders[-1].position == 2


def test_rendering_follows_the_media_clock_so_a_quick_repair_does_not_stall() -> None:
    playout = VideoPlayout([60], delay=0.2)
    now = _frames(playout, 0, 10, skip_part={5})
    assert [r.at for r in playout.renders] == pytest.approx(
        [i / FPS + 0.2 for i in range(5)])  # 200 ms behind, one frame interval apart
    playout.on_part(5 * 6000, 0, 5, 1, 2, False, 5 / FPS + 0.15)  # repaired within the delay
    intervals = [b.at - a.at for a, b in zip(playout.renders, playout.renders[1:], strict=False)]
    assert intervals == pytest.approx([1 / FPS] * 9)
    assert detect_freezes([r.at for r in playout.renders], (0.0, 1.0)).count == 0
    # a repair later than the buffer shows as a stall, and pushes the schedule back
    late = VideoPlayout([60], delay=0.2)
    now = _frames(late, 0, 10, skip_part={5})
    late.on_part(5 * 6000, 0, 5, 1, 2, False, 5 / FPS + 0.6)
    assert late.renders[5].at - late.renders[4].at == pytest.approx(1 / FPS + 0.4)
    assert late.renders[9].at - late.renders[5].at == pytest.approx(4 / FPS)
    # after a stall of more than a second, a keyframe starts a fresh schedule
    _frames(late, 40, 2, at=now + 3.0, position0=0)
    assert late.renders[-2].at == pytest.approx(now + 3.0 + 0.2)


def test_stray_parts_and_the_queue_bound() -> None:
    playout = VideoPlayout([60])
    playout.on_part(0, 5, 0, 0, 1, True, 0.0)  # an unknown layer
    playout.on_part(0, 0, 0, 3, 2, True, 0.0)  # a part beyond the frame
    assert playout.renders == []
    for i in range(MAX_PENDING + 50):  # delta frames that can never decode
        playout.on_part(6000 * (i + 1), 0, 1 + i % 50, 0, 1, False, 0.0)
    assert len(playout._pending) <= MAX_PENDING


# -- freezes ----------------------------------------------------------------------------------


def _times(seconds: float, gaps: dict[int, float] | None = None) -> list[float]:
    times, now, i = [], 0.0, 0
    while now < seconds:
        times.append(now)
        now += (gaps or {}).get(i, 1 / FPS)
        i += 1
    return times


def test_smooth_video_has_no_freeze_and_a_gap_counts_once() -> None:
    assert detect_freezes(_times(10), (0.0, 10.0)).count == 0
    frozen = detect_freezes(_times(10, {40: 0.6}), (0.0, 10.0))
    assert frozen.count == 1 and frozen.seconds == pytest.approx(0.6, abs=0.002)
    # 180 ms at 15 fps: below max(3 × avg, avg + 150 ms) ≈ 220 ms: no freeze
    assert detect_freezes(_times(10, {40: 0.18}), (0.0, 10.0)).count == 0


def test_freezes_in_announced_pauses_do_not_count_but_a_frozen_end_does() -> None:
    times = _times(10, {40: 3.0})  # frames stop at 2.6 s and come back at 5.6 s
    assert detect_freezes(times, (0.0, 10.0)).count == 1
    pause = pause_windows([(3.0, True), (5.0, False)], 20.0)
    assert pause == [(3.0, 5.0)]
    assert detect_freezes(times, (0.0, 10.0), pause).count == 0
    stopped = detect_freezes(_times(5), (0.0, 8.0))  # no frame after 5 s: frozen to the end
    assert stopped.count == 1 and stopped.longest == pytest.approx(3.0, abs=0.07)
    assert pause_windows([(3.0, True), (3.5, True)], 9.0) == [(3.0, 9.0)]


# -- switches and bytes -------------------------------------------------------------------------

LAYER_BPS = (160_000.0, 480_000.0, 1_250_000.0)
AUDIO_BPS = 80_000.0


def test_best_layer_is_the_highest_that_fits_beside_the_audio() -> None:
    assert best_layer(2_500_000, LAYER_BPS, AUDIO_BPS) == 2
    assert best_layer(600_000, LAYER_BPS, AUDIO_BPS) == 1
    assert best_layer(300_000, LAYER_BPS, AUDIO_BPS) == 0
    assert best_layer(150_000, LAYER_BPS, AUDIO_BPS) == PAUSED


def _renders(spans: list[tuple[float, float, int]]) -> list[Rendered]:
    out = []
    for start, end, layer in spans:
        t = start
        while t < end:
            out.append(Rendered(t, layer, 0))
            t += 1 / FPS
    return out


def test_down_switch_and_recovery_times_from_the_rendered_layers() -> None:
    trace = [(0.0, 1000.0), (10.0, 300.0), (20.0, 1000.0)]
    changes = layer_changes(_renders([(0, 11.5, 1), (11.5, 23, 0), (23, 30, 1)]), [])
    assert changes[0] == (0.0, 1) and [layer for _, layer in changes] == [1, 0, 1]
    events = switch_events(trace, changes, LAYER_BPS, AUDIO_BPS, 30.0)
    assert [(e.kind, e.from_layer, e.target_layer) for e in events] == [
        ("down", 1, 0), ("recover", 0, 1)]
    assert events[0].seconds == pytest.approx(1.5, abs=0.07)
    assert events[1].seconds == pytest.approx(3.0, abs=0.07)
    assert median([e.seconds or 0 for e in events]) == pytest.approx(2.25, abs=0.07)


def test_a_pause_is_a_down_switch_and_a_missing_recovery_is_none() -> None:
    trace = [(0.0, 1000.0), (10.0, 150.0), (20.0, 1000.0)]
    renders = _renders([(0, 12.3, 1), (12.3, 12.5, 1)])  # frames still in flight after 12.2
    pauses = pause_windows([(12.2, True)], 30.0)
    changes = layer_changes(renders, pauses)
    assert changes[-1] == (12.2, PAUSED)
    events = switch_events(trace, changes, LAYER_BPS, AUDIO_BPS, 30.0)
    assert events[0].kind == "down" and events[0].seconds == pytest.approx(2.2)
    assert events[1].kind == "recover" and events[1].seconds is None
    # a pause just before the dip does not hide what the citizen had: q shown 2 s before
    flapping = [(0.0, 0), (8.0, PAUSED)]
    (recover,) = switch_events(trace, flapping, LAYER_BPS, AUDIO_BPS, 30.0)
    assert (recover.kind, recover.target_layer, recover.seconds) == ("recover", 0, None)
    # a drop the current layer still fits needs no switch
    assert switch_events([(0.0, 2500.0), (5.0, 1500.0)], [(0.0, 1)], LAYER_BPS, AUDIO_BPS,
                         9.0) == []


def test_time_per_layer_and_capacity_share() -> None:
    spent = time_per_layer([(0.0, 0), (4.0, 1), (6.0, PAUSED)], (1.0, 10.0), ("q", "h", "f"))
    assert spent == {"q": 3.0, "h": 2.0, "f": 0.0, "paused": 4.0}
    trace = [(100.0, 800.0), (101.5, 400.0)]
    shares = capacity_share([100_000, 75_000, 25_000], trace, 100.0)
    assert shares == pytest.approx([1.0, 1.0, 0.5])  # the second second is half 800, half 400


def test_consultation_figures_tie_it_together() -> None:
    wall = 1000.0
    renders = tuple(Rendered(wall + r.at, r.layer, 0)
                    for r in _renders([(-2, 11, 1), (11, 30, 0)]))
    recording = Recording(
        audio_arrivals={FRAME * k: wall - 1 + 0.02 * k for k in range(1600)},
        renders=renders, pause_events=(), sent_bytes=(100_000,) * 30,
        delivered_bytes=(90_000,) * 30, queue_drops=3, loss_drops=4, counters={"x": 1},
    )
    trace = [(wall, 1000.0), (wall + 10, 300.0)]
    result = figures(7, recording, trace, (wall, wall + 30), LAYER_BPS, AUDIO_BPS,
                     ("q", "h", "f"))
    assert result.room == 7 and result.audio_concealed == 0 and result.audio_frames == 1500
    assert result.freezes == 0 and result.events[0].seconds == pytest.approx(1.0, abs=0.07)
    assert result.sent_kbps == pytest.approx(800.0)
    assert result.capacity_kbps == pytest.approx((10 * 1000 + 20 * 300) / 30)
    assert result.seconds_per_layer["h"] == pytest.approx(11.0, abs=0.07)
