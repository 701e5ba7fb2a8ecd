"""What one subscriber's subscribe transport carries: m-line slots and the offer/answer cycle.

The SFU is the offerer on this transport. Tracks that become visible get a new m-line appended;
tracks that stop being visible (publisher gone, gate closed) turn `inactive` at once and their
mid is never reused (RFC 8829 §5.2.2 recycling is avoided on purpose: the browser's transceiver
for an old mid may still be ending). Only one offer is outstanding at a time; changes made
meanwhile are offered after the answer (no glare, no lost update).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from media.negotiated import MediaKind
from signalling import codes
from signalling.errors import ProtocolError
from signalling.messages import Source
from signalling.outbound import TrackInfo
from signalling.sdp import OutboundTrack

MAX_SLOTS = 48  # below the SDP parser's 64 m-lines; past it the server starts a fresh transport


class Negotiation(enum.Enum):
    IDLE = "idle"  # nothing offered on this transport yet
    OFFERED = "offered"  # an offer is out, its answer is awaited
    STABLE = "stable"


_TRANSITIONS = {
    Negotiation.IDLE: frozenset({Negotiation.OFFERED}),
    Negotiation.OFFERED: frozenset({Negotiation.STABLE}),
    Negotiation.STABLE: frozenset({Negotiation.OFFERED}),
}


class NegotiationError(RuntimeError):
    """An illegal offer/answer transition: a server bug, never peer input."""


@dataclass(frozen=True, slots=True)
class WantedTrack:
    """A publication the subscriber may receive now (the gate already agreed)."""

    publication_id: int
    publisher: str
    kind: MediaKind
    source: Source


@dataclass(frozen=True, slots=True)
class Slot:
    mid: str
    kind: MediaKind
    ssrc: int
    rtx_ssrc: int | None
    publication_id: int
    publisher: str
    source: Source
    active: bool = True

    def outbound(self) -> OutboundTrack:
        screen = self.source in (Source.SCREEN, Source.SCREEN_AUDIO)
        return OutboundTrack(
            mid=self.mid, kind=self.kind, ssrc=self.ssrc, rtx_ssrc=self.rtx_ssrc,
            stream_id=f"{self.publisher}-{'screen' if screen else 'av'}",  # lip-sync groups
            track_id=f"{self.publisher}-{self.publication_id}", active=self.active,
        )

    def info(self) -> TrackInfo:
        return TrackInfo(self.mid, self.publisher, self.source, self.kind.value, self.active)


@dataclass(frozen=True, slots=True)
class PendingOffer:
    version: int
    slots: tuple[Slot, ...]
    fresh: bool  # the first offer on this transport

    def tracks(self) -> list[OutboundTrack]:
        return [slot.outbound() for slot in self.slots]

    def infos(self) -> tuple[TrackInfo, ...]:
        return tuple(slot.info() for slot in self.slots)


class SubscribePlan:
    def __init__(self, first_version: int) -> None:
        self.slots: list[Slot] = []
        self.state = Negotiation.IDLE
        self.dirty = False
        self.offered: PendingOffer | None = None
        self._version = first_version - 1
        self._next_mid = 0

    @property
    def version(self) -> int:
        return self._version

    @property
    def full(self) -> bool:
        return len(self.slots) >= MAX_SLOTS

    def _set_state(self, state: Negotiation) -> None:
        if state not in _TRANSITIONS[self.state]:
            raise NegotiationError(f"{self.state.value} -> {state.value}")
        self.state = state

    def update(self, wanted: Sequence[WantedTrack],
               allocate_ssrc: Callable[[], int]) -> tuple[str, ...]:
        """Make the slots match `wanted`; returns the mids that must stop forwarding now."""
        wanted_ids = {track.publication_id for track in wanted}
        stopped: list[str] = []
        for index, slot in enumerate(self.slots):
            if slot.active and slot.publication_id not in wanted_ids:
                self.slots[index] = dataclasses.replace(slot, active=False)
                stopped.append(slot.mid)
        present = {slot.publication_id for slot in self.slots if slot.active}
        added = False
        for track in wanted:
            if track.publication_id in present:
                continue
            video = track.kind is MediaKind.VIDEO
            self.slots.append(Slot(
                mid=str(self._next_mid), kind=track.kind, ssrc=allocate_ssrc(),
                rtx_ssrc=allocate_ssrc() if video else None, publication_id=track.publication_id,
                publisher=track.publisher, source=track.source,
            ))
            self._next_mid += 1
            present.add(track.publication_id)
            added = True
        if stopped or added:
            self.dirty = True
        return tuple(stopped)

    def wants_offer(self) -> bool:
        if not self.dirty or self.state is Negotiation.OFFERED:
            return False
        if self.state is Negotiation.IDLE:
            return any(slot.active for slot in self.slots)
        return True

    def begin_offer(self) -> PendingOffer:
        fresh = self.state is Negotiation.IDLE
        self._set_state(Negotiation.OFFERED)
        self._version += 1
        self.offered = PendingOffer(self._version, tuple(self.slots), fresh)
        self.dirty = False
        return self.offered

    def check_answer(self, version: int) -> PendingOffer:
        """The offer an answer of `version` belongs to, or ProtocolError (no-offer/stale)."""
        if self.state is not Negotiation.OFFERED or self.offered is None:
            raise ProtocolError("no subscribe offer is outstanding", codes.NO_OFFER)
        if version != self.offered.version:
            raise ProtocolError(f"the outstanding offer is version {self.offered.version}",
                                codes.STALE_ANSWER)
        return self.offered

    def answer_applied(self) -> tuple[Slot, ...]:
        """The answer was accepted: the offered slots still active are to be forwarded."""
        assert self.offered is not None
        self._set_state(Negotiation.STABLE)
        current = {slot.mid: slot for slot in self.slots}
        return tuple(s for s in self.offered.slots if s.active and current[s.mid].active)
