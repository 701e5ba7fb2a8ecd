"""A minimal HTTP/JSON signalling path for media tests and local trials — not the product's.

Enabled only by `media.dev_signalling = true`. It has no rooms, roles or waiting room: every
caller may publish and subscribe to everything. The public WebSocket protocol (signalling/)
is what browsers use in the product.
"""

from __future__ import annotations

from typing import Any

import trio
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from media.allocator import TrackPriority
from media.negotiated import MediaKind
from media.transport import TransportKind
from server.media_plane import MediaPlane
from signalling.errors import ProtocolError
from signalling.sdp import (
    LocalTransport,
    OutboundTrack,
    accept_subscribe_answer,
    answer_publish_offer,
    build_subscribe_offer,
)


class DevSignalling:
    def __init__(self, plane: MediaPlane) -> None:
        self.plane = plane
        self.local: dict[int, LocalTransport] = {}
        self.offers: dict[int, tuple[str, dict[str, int]]] = {}
        self.negotiated: dict[int, Any] = {}

    def _local_transport(self, candidates: tuple[tuple[str, int], ...] | None) -> LocalTransport:
        sfu = self.plane.sfu
        return LocalTransport(
            ice=sfu.new_ice_credentials(),
            fingerprint_sha256=sfu.certificate.fingerprint_sha256,
            candidates=candidates or self.plane.candidates,
        )

    async def publish(self, request: Request) -> JSONResponse:
        body = await request.json()
        sfu = self.plane.sfu
        now = trio.current_time()
        session_id = body.get("session_id")
        candidates = _candidates(body)
        try:
            if session_id is None:
                local = self._local_transport(candidates)
                answer, negotiated = answer_publish_offer(body["sdp"], local)
                session_id = sfu.open_session(TransportKind.PUBLISH, local.ice, now)
                self.local[session_id] = local
            else:
                local = self.local[session_id]
                answer, negotiated = answer_publish_offer(
                    body["sdp"], local, self.negotiated.get(session_id)
                )
            sfu.apply_negotiation(session_id, negotiated, trio.current_time())
        except ProtocolError as error:
            return JSONResponse({"error": error.code, "message": str(error)}, status_code=400)
        self.negotiated[session_id] = negotiated
        publications = sfu.sessions[session_id].publications
        for mid in body.get("screen_mids", []):
            if mid in publications:
                sfu.set_publication_priority(publications[mid].publication_id, TrackPriority.SCREEN)
        own = [p.publication_id for p in publications.values()]
        return JSONResponse({"session_id": session_id, "sdp": answer, "publications": own})

    async def publications(self, request: Request) -> JSONResponse:
        sfu = self.plane.sfu
        return JSONResponse(
            [
                {
                    "id": p.publication_id,
                    "session_id": p.transport_id,
                    "kind": p.kind.value,
                    "mid": p.mid,
                }
                for p in sfu.publications.values()
            ]
        )

    async def subscribe(self, request: Request) -> JSONResponse:
        """Offer every publication not from `exclude_session` (or those listed)."""
        body = await request.json()
        sfu = self.plane.sfu
        wanted = body.get("publications")
        exclude = body.get("exclude_sessions", [])
        chosen = [
            p
            for p in sfu.publications.values()
            if (wanted is None or p.publication_id in wanted) and p.transport_id not in exclude
        ]
        local = self._local_transport(_candidates(body))
        tracks = []
        by_mid: dict[str, int] = {}
        for index, publication in enumerate(chosen):
            mid = str(index)
            video = publication.kind is MediaKind.VIDEO
            tracks.append(
                OutboundTrack(
                    mid=mid,
                    kind=publication.kind,
                    ssrc=sfu.allocate_ssrc(),
                    rtx_ssrc=sfu.allocate_ssrc() if video else None,
                    stream_id=f"s{publication.transport_id}",
                    track_id=f"t{publication.publication_id}",
                )
            )
            by_mid[mid] = publication.publication_id
        offer = build_subscribe_offer(local, tracks, version=1)
        session_id = sfu.open_session(TransportKind.SUBSCRIBE, local.ice, trio.current_time())
        self.local[session_id] = local
        self.offers[session_id] = (offer, by_mid)
        return JSONResponse({"session_id": session_id, "sdp": offer, "mids": by_mid})

    async def subscribe_answer(self, request: Request) -> JSONResponse:
        body = await request.json()
        sfu = self.plane.sfu
        session_id = int(body["session_id"])
        offer, by_mid = self.offers[session_id]
        try:
            negotiated = accept_subscribe_answer(offer, body["sdp"], self.local[session_id])
        except ProtocolError as error:
            return JSONResponse({"error": error.code, "message": str(error)}, status_code=400)
        sfu.apply_negotiation(session_id, negotiated, trio.current_time())
        now = trio.current_time()
        for mid, publication_id in by_mid.items():
            description = negotiated.by_mid(mid)
            if description is not None and description.direction.sfu_sends:
                sfu.subscribe(session_id, mid, publication_id, now)
        return JSONResponse({"ok": True})

    async def stats(self, request: Request) -> JSONResponse:
        sfu = self.plane.sfu
        sessions = {}
        now = trio.current_time()
        for session_id, session in sfu.sessions.items():
            pacer = session.transport.pacer
            sessions[str(session_id)] = {
                "kind": session.kind.value,
                "state": session.transport.state.value,
                "srtp_errors": session.transport.srtp_errors,
                "inbound": {
                    str(ssrc): {
                        "packets": stream.packets,
                        "nacks_sent": stream.nack.requested if stream.nack else 0,
                        "recovered": stream.nack.recovered if stream.nack else 0,
                    }
                    for ssrc, stream in session.inbound.items()
                },
                "subscriptions": {
                    mid: {
                        "packets_sent": sub.packets_sent,
                        "retransmissions": sub.retransmissions,
                        "layer": sub.layer,
                        "paused": sub.paused,
                        "pauses": sub.pauses,
                        "layer_switches": sub.layer_switches,
                        "kind": sub.publication.kind.value,
                        "layer_bitrates": [
                            min(rate, 10**9) for rate in sub.publication.layer_bitrates(now)
                        ],
                        "red_depth": sub.red_depth,
                    }
                    for mid, sub in session.subscriptions.items()
                },
                "nacks_received": session.nacks_received,
                "estimate_bps": session.estimator.estimate_bps,
                "probes": session.estimator.probes,
                "probe_results": session.estimator.probe_results[-3:],
                "probe_bps": session.probe_bps,
                "loss_ratio": session.estimator.loss_ratio,
                "paced_bytes": pacer.queued_bytes if pacer else 0,
                "paced_packets": pacer.paced_packets if pacer else 0,
            }
        return JSONResponse(
            {"sessions": sessions, "counters": vars(sfu.counters), "udp": vars(self.plane.counters)}
        )

    async def close(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.plane.sfu.close_session(int(body["session_id"]))
        return JSONResponse({"ok": True})


def _candidates(body: dict[str, Any]) -> tuple[tuple[str, int], ...] | None:
    raw = body.get("candidate")
    if raw is None:
        return None
    host, port = raw
    if host != "127.0.0.1":
        raise ValueError("dev signalling only announces loopback candidates")
    return ((host, int(port)),)


def dev_routes(plane: MediaPlane) -> list[BaseRoute]:
    dev = DevSignalling(plane)
    return [
        Route("/_dev/publish", dev.publish, methods=["POST"]),
        Route("/_dev/publications", dev.publications, methods=["GET"]),
        Route("/_dev/subscribe", dev.subscribe, methods=["POST"]),
        Route("/_dev/subscribe/answer", dev.subscribe_answer, methods=["POST"]),
        Route("/_dev/stats", dev.stats, methods=["GET"]),
        Route("/_dev/close", dev.close, methods=["POST"]),
    ]
