"""Allocation order, fast down, cautious up, pause and resume, under a hand-driven clock."""

from __future__ import annotations

from media.allocator import LayerAllocator, TrackDecision, TrackDemand, TrackPriority

AUDIO = TrackDemand(1, TrackPriority.AUDIO, (40_000,), 0)
LAYERS = (100_000, 300_000, 900_000)


def video(key: int, priority: TrackPriority, current: int | None) -> TrackDemand:
    return TrackDemand(key, priority, LAYERS, current)


def decide(
    allocator: LayerAllocator, estimate: int, demands: list[TrackDemand], now: float
) -> dict[int, int | None]:
    return {d.key: d.layer for d in allocator.allocate(estimate, demands, now)}


def test_audio_first_then_screen_then_camera() -> None:
    allocator = LayerAllocator()
    demands = [video(3, TrackPriority.CAMERA, 0), AUDIO, video(2, TrackPriority.SCREEN, 0)]
    # 40k audio + 100k screen fits 200k; the camera's lowest layer (100k) does not: paused
    assert decide(allocator, 200_000, demands, 0.0) == {1: 0, 2: 0, 3: None}


def test_down_switch_is_immediate_up_switch_waits_and_steps() -> None:
    allocator = LayerAllocator()
    camera = video(3, TrackPriority.CAMERA, 2)
    assert decide(allocator, 500_000, [AUDIO, camera], 0.0)[3] == 1  # 900k no longer fits
    camera = video(3, TrackPriority.CAMERA, 1)
    plenty = 5_000_000
    assert decide(allocator, plenty, [AUDIO, camera], 1.0)[3] == 1  # cooldown after a drop
    assert decide(allocator, plenty, [AUDIO, camera], 3.5)[3] == 1  # cooldown over: hold starts
    assert decide(allocator, plenty, [AUDIO, camera], 4.0)[3] == 1  # still holding
    assert decide(allocator, plenty, [AUDIO, camera], 4.6)[3] == 2  # one step up


def test_pause_when_nothing_fits_and_resume_with_headroom() -> None:
    allocator = LayerAllocator()
    camera = video(3, TrackPriority.CAMERA, 0)
    assert decide(allocator, 120_000, [AUDIO, camera], 0.0)[3] is None
    paused = video(3, TrackPriority.CAMERA, None)
    assert decide(allocator, 150_000, [AUDIO, paused], 4.0)[3] is None  # 110k left: no headroom
    assert decide(allocator, 180_000, [AUDIO, paused], 4.5)[3] is None  # fits: hold starts
    assert decide(allocator, 150_000, [AUDIO, paused], 5.0)[3] is None  # dipped: hold resets
    assert decide(allocator, 180_000, [AUDIO, paused], 5.5)[3] is None
    assert decide(allocator, 180_000, [AUDIO, paused], 6.6)[3] == 0  # held 1.1 s: 140k ≥ 130k


def test_a_flapping_estimate_does_not_make_layers_oscillate() -> None:
    allocator = LayerAllocator()
    current = 1
    switches = 0
    for step in range(200):  # estimate flaps around the top layer's rate every 100 ms
        estimate = 1_100_000 if step % 2 else 950_000
        layer = decide(
            allocator, estimate, [AUDIO, video(3, TrackPriority.CAMERA, current)], step * 0.1
        )[3]
        assert layer is not None
        switches += layer != current
        current = layer
    assert switches <= 4


def test_forgotten_tracks_are_dropped() -> None:
    allocator = LayerAllocator()
    allocator.allocate(1_000_000, [AUDIO, video(3, TrackPriority.CAMERA, 0)], 0.0)
    result = allocator.allocate(1_000_000, [AUDIO], 1.0)
    assert result == [TrackDecision(1, 0)]


def test_a_running_lowest_layer_survives_estimate_jitter_but_not_a_real_drop() -> None:
    allocator = LayerAllocator()
    camera = video(3, TrackPriority.CAMERA, 0)
    # budget after audio: 95k for a 100k layer (5 % short, estimate noise): keep it running
    assert decide(allocator, 135_000, [AUDIO, camera], 0.0)[3] == 0
    # 70k for 100k: a real drop, pause
    assert decide(allocator, 110_000, [AUDIO, camera], 1.0)[3] is None
    # the same 95k does not bring a paused track back: resuming needs headroom
    paused = video(3, TrackPriority.CAMERA, None)
    assert decide(allocator, 135_000, [AUDIO, paused], 10.0)[3] is None
