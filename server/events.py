"""In-process notices from the appointment domain to the live layers (signalling).

Today there is one: a client withdrew consent, so their live session must end. Subscribers get
a trio memory channel; a subscriber that does not keep up loses notices rather than blocking
the HTTP request that produced them (the signalling layer re-checks consent on resume anyway).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import trio

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConsentWithdrawn:
    appointment_id: int
    consent_id: int


SessionEvent = ConsentWithdrawn


class SessionEvents:
    def __init__(self, buffer: int = 64) -> None:
        self._buffer = buffer
        self._subscribers: list[trio.MemorySendChannel[SessionEvent]] = []

    def subscribe(self) -> trio.MemoryReceiveChannel[SessionEvent]:
        send, receive = trio.open_memory_channel[SessionEvent](self._buffer)
        self._subscribers.append(send)
        return receive

    def publish(self, event: SessionEvent) -> None:
        for send in list(self._subscribers):
            try:
                send.send_nowait(event)
            except trio.WouldBlock:
                log.warning("session event subscriber is full; notice dropped")
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                self._subscribers.remove(send)
