"""The operator metrics endpoint renders the SFU's adaptation state, without personal data."""

from __future__ import annotations

from tests.media.sfu_world import VP8_KEYFRAME, video_packet
from tests.media.test_sfu_core import connected_world, send


def test_metrics_show_estimate_layer_and_counters_without_personal_data() -> None:
    from server.media_metrics import render_metrics
    from server.media_plane import UdpCounters

    world, alice, bob = connected_world()
    send(world, alice, [video_packet(1, 0, VP8_KEYFRAME)])
    text = render_metrics(world.sfu, UdpCounters(received=5, sent=7))
    assert 'videotermin_udp_datagrams_total{direction="in"} 5' in text
    assert f'videotermin_subscriber_estimate_bps{{session="{bob.session_id}"}}' in text
    assert 'videotermin_subscription_layer{session="' in text and 'kind="video"} 0' in text
    # the pacer's backlog and libsrtp refusals are visible too (nothing queued, nothing refused)
    assert f'videotermin_subscriber_paced_bytes{{session="{bob.session_id}"}} 0' in text
    assert 'videotermin_subscription_unprotectable_total{session="' in text
    assert "127.0.0.1" not in text  # addresses are personal data in this product
