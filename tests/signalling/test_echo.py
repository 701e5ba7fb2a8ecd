"""The echo session's meter under a hand-driven clock: probes, RTT, loss, bitrate, the end."""

from __future__ import annotations

from signalling.echo import EchoMeter, MediaCounters
from signalling.outbound import EchoStats, Probe


def test_probe_rtt_loss_and_bitrate() -> None:
    meter = EchoMeter(100.0, interval=1.0, max_seconds=10.0)
    assert meter.get_timer() == 101.0
    early = meter.handle_timer(100.5, MediaCounters())
    assert early.probe is None and early.stats is None
    first = meter.handle_timer(101.0, MediaCounters(packets=100, expected=100, lost=0,
                                                    octets=50_000))
    assert first.probe == Probe("n1")
    assert first.stats == EchoStats(None, 0.0, 400.0, 100, 1.0)
    meter.on_probe_reply("n1", 101.040)
    meter.on_probe_reply("n1", 101.5)  # a replay is ignored
    meter.on_probe_reply("unknown", 101.5)
    second = meter.handle_timer(102.0, MediaCounters(packets=190, expected=200, lost=10,
                                                     octets=75_000))
    assert second.stats is not None
    assert second.stats.rtt_ms is not None and abs(second.stats.rtt_ms - 40.0) < 1e-6
    assert second.stats.loss_percent == 10.0  # 10 of the 100 expected in this interval
    assert second.stats.bitrate_kbps == 200.0
    assert meter.get_timer() == 103.0


def test_rtt_is_the_median_of_recent_probes() -> None:
    meter = EchoMeter(0.0, interval=1.0, max_seconds=100.0)
    for second, delay in enumerate([0.01, 0.5, 0.02, 0.03, 0.04], start=1):
        tick = meter.handle_timer(float(second), MediaCounters())
        assert tick.probe is not None
        meter.on_probe_reply(tick.probe.nonce, second + delay)
    assert meter.rtt_ms is not None and abs(meter.rtt_ms - 30.0) < 1e-6


def test_no_media_means_no_loss_or_bitrate() -> None:
    meter = EchoMeter(0.0)
    tick = meter.handle_timer(1.0, MediaCounters())
    assert tick.stats == EchoStats(None, None, None, 0, 1.0)


def test_finishes_after_the_bound() -> None:
    meter = EchoMeter(0.0, interval=1.0, max_seconds=3.0)
    ticks = [meter.handle_timer(float(t), MediaCounters()) for t in (1, 2, 3)]
    assert [t.finished for t in ticks] == [False, False, True]
    assert ticks[-1].probe is None and ticks[-1].stats is not None and ticks[-1].stats.final
    assert meter.get_timer() is None
    assert meter.handle_timer(9.0, MediaCounters()).stats is None


def test_unanswered_probes_are_bounded() -> None:
    meter = EchoMeter(0.0, interval=1.0, max_seconds=1000.0)
    for second in range(1, 100):
        meter.handle_timer(float(second), MediaCounters())
    meter.on_probe_reply("n1", 100.0)  # long forgotten
    assert meter.rtt_ms is None
