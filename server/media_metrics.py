"""`GET /metrics`: the SFU's counters in the Prometheus text format, for operators.

Per subscriber session: the downlink estimate, selected layers, switches and pauses (what issue
"bandwidth adaptation" promises to make visible); per process: datagrams, drops, sessions.
Sessions are labelled by their random numeric id only: no names, addresses or tokens. Served to
loopback clients only (scrape it through the host, or put it behind the reverse proxy's auth).
"""

from __future__ import annotations

from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from media.sfu import Sfu
from media.transport import TransportKind
from server.media_plane import UdpCounters

LOOPBACK = {"127.0.0.1", "::1"}


def _lines(sfu: Sfu, udp: UdpCounters) -> Iterator[str]:
    yield "# TYPE videotermin_udp_datagrams_total counter"
    yield f'videotermin_udp_datagrams_total{{direction="in"}} {udp.received}'
    yield f'videotermin_udp_datagrams_total{{direction="out"}} {udp.sent}'
    yield "# TYPE videotermin_udp_send_dropped_total counter"
    yield f"videotermin_udp_send_dropped_total {udp.send_dropped}"
    yield "# TYPE videotermin_sfu_dropped_datagrams_total counter"
    counters = sfu.counters
    for reason, value in (("bad_stun", counters.bad_stun), ("unknown_peer", counters.unknown_peer),
                          ("unknown_class", counters.unknown_class)):
        yield f'videotermin_sfu_dropped_datagrams_total{{reason="{reason}"}} {value}'
    kinds = {kind: 0 for kind in TransportKind}
    for session in sfu.sessions.values():
        kinds[session.kind] += 1
    yield "# TYPE videotermin_sfu_sessions gauge"
    for kind, count in kinds.items():
        yield f'videotermin_sfu_sessions{{kind="{kind.value}"}} {count}'
    yield "# TYPE videotermin_subscriber_estimate_bps gauge"
    yield "# TYPE videotermin_subscriber_rtt_seconds gauge"
    yield "# TYPE videotermin_subscription_layer gauge"
    yield "# TYPE videotermin_subscription_paused gauge"
    yield "# TYPE videotermin_subscription_layer_switches_total counter"
    yield "# TYPE videotermin_subscription_pauses_total counter"
    yield "# TYPE videotermin_subscription_packets_total counter"
    yield "# TYPE videotermin_subscription_retransmissions_total counter"
    yield "# TYPE videotermin_subscriber_paced_bytes gauge"
    yield "# TYPE videotermin_subscriber_paced_packets_total counter"
    yield "# TYPE videotermin_subscription_red_depth gauge"
    yield "# TYPE videotermin_subscription_unprotectable_total counter"
    for session_id, session in sfu.sessions.items():
        if session.kind is not TransportKind.SUBSCRIBE:
            continue
        label = f'session="{session_id}"'
        yield f"videotermin_subscriber_estimate_bps{{{label}}} {session.estimator.estimate_bps}"
        if session.rtt is not None:
            yield f"videotermin_subscriber_rtt_seconds{{{label}}} {session.rtt:.4f}"
        pacer = session.transport.pacer
        if pacer is not None:
            yield f"videotermin_subscriber_paced_bytes{{{label}}} {pacer.queued_bytes}"
            yield f"videotermin_subscriber_paced_packets_total{{{label}}} {pacer.paced_packets}"
        for mid, sub in session.subscriptions.items():
            labels = f'{label},mid="{mid}",kind="{sub.publication.kind.value}"'
            layer = -1 if sub.layer is None else sub.layer
            yield f"videotermin_subscription_layer{{{labels}}} {layer}"
            yield f"videotermin_subscription_paused{{{labels}}} {int(sub.paused)}"
            yield f"videotermin_subscription_layer_switches_total{{{labels}}} {sub.layer_switches}"
            yield f"videotermin_subscription_pauses_total{{{labels}}} {sub.pauses}"
            yield f"videotermin_subscription_packets_total{{{labels}}} {sub.packets_sent}"
            yield (
                f"videotermin_subscription_retransmissions_total{{{labels}}} {sub.retransmissions}"
            )
            yield f"videotermin_subscription_unprotectable_total{{{labels}}} {sub.unprotectable}"
            if sub.red_history is not None:
                yield f"videotermin_subscription_red_depth{{{labels}}} {sub.red_depth}"


def render_metrics(sfu: Sfu, udp: UdpCounters) -> str:
    return "\n".join(_lines(sfu, udp)) + "\n"


def metrics_routes(sfu: Sfu, udp: UdpCounters) -> list[BaseRoute]:
    async def metrics(request: Request) -> Response:
        if request.client is None or request.client.host not in LOOPBACK:
            return PlainTextResponse("metrics are served to loopback clients only\n", 403)
        return PlainTextResponse(render_metrics(sfu, udp), media_type="text/plain; version=0.0.4")

    return [Route("/metrics", metrics, methods=["GET"])]
