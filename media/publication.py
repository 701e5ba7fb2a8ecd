"""A track a browser publishes: one m-line of a publish transport, with its simulcast layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from media.allocator import TrackPriority
from media.inbound import InboundStream
from media.negotiated import Codec, MediaDescription, MediaKind

if TYPE_CHECKING:
    from media.subscription import Subscription


UNAVAILABLE_BPS = 10**9  # a layer the publisher is not sending never fits


class Publication:
    """Maps the publisher's SSRCs, rids and payload types onto layers and codecs.

    Layers are indexed in the order of the publisher's rids (our web client sends them from low
    to high); a track without simulcast has the single layer 0. SSRCs are learned from the SDP
    (a=ssrc) or, for simulcast, from the first packet carrying the rid extension.
    """

    def __init__(
        self, publication_id: int, transport_id: int, description: MediaDescription
    ) -> None:
        self.publication_id = publication_id
        self.transport_id = transport_id
        self.mid = description.mid
        self.kind = description.kind
        self.track_id = description.track_id
        self.stream_id = description.stream_id
        self.rids = description.rids
        self.layers: list[InboundStream | None] = [None] * max(1, len(self.rids))
        self.codecs_by_pt: dict[int, Codec] = {}
        self.rtx_to_media_pt: dict[int, int] = {}
        self.subscriptions: list[Subscription] = []
        self.closed = False
        self.priority = TrackPriority.CAMERA if self.is_video else TrackPriority.AUDIO
        self.update(description)

    @property
    def is_video(self) -> bool:
        return self.kind is MediaKind.VIDEO

    @property
    def clock_rate(self) -> int:
        first = next(iter(self.codecs_by_pt.values()), None)
        return first.clock_rate if first is not None else (90000 if self.is_video else 48000)

    def update(self, description: MediaDescription) -> None:
        """Apply a renegotiated m-line (codecs may be reordered; rids stay as first agreed)."""
        self.codecs_by_pt = {codec.payload_type: codec for codec in description.codecs}
        self.rtx_to_media_pt = {
            codec.rtx_payload_type: codec.payload_type
            for codec in description.codecs
            if codec.rtx_payload_type is not None
        }

    def layer_for_rid(self, rid: str) -> int | None:
        try:
            return self.rids.index(rid)
        except ValueError:
            return None

    def attach_stream(self, layer: int, stream: InboundStream) -> None:
        previous = self.layers[layer]
        if previous is not None:
            stream.subscribers.extend(previous.subscribers)  # publisher restarted the SSRC
        self.layers[layer] = stream

    def layer_bitrates(self, now: float) -> tuple[int, ...]:
        """Measured bitrate per layer, low to high; a silent layer is offered as unaffordable,
        a layer too new to be measured as free (optimistic until the first measurement)."""
        return tuple(
            int(stream.bitrate_bps) if stream is not None and stream.active(now)
            else UNAVAILABLE_BPS
            for stream in self.layers
        )

    def streams(self) -> list[InboundStream]:
        return [stream for stream in self.layers if stream is not None]

    def active_layers(self, now: float) -> list[int]:
        return [
            i for i, stream in enumerate(self.layers) if stream is not None and stream.active(now)
        ]
