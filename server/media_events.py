"""Fan-out of SFU events (sessions connected, publications added) to signalling tasks.

The media loop must never block on a slow reader: each subscriber gets a bounded memory
channel, events are offered with `send_nowait`, and a reader that falls behind loses events
(counted) rather than stalling media for everyone.
"""

from __future__ import annotations

import trio

from media.sfu import SfuEvent

QUEUE_DEPTH = 256


class EventFanout:
    def __init__(self) -> None:
        self._subscribers: list[trio.MemorySendChannel[SfuEvent]] = []
        self.dropped = 0

    def subscribe(self) -> trio.MemoryReceiveChannel[SfuEvent]:
        send, receive = trio.open_memory_channel[SfuEvent](QUEUE_DEPTH)
        self._subscribers.append(send)
        return receive

    def publish(self, event: SfuEvent) -> None:
        for channel in list(self._subscribers):
            try:
                channel.send_nowait(event)
            except trio.WouldBlock:
                self.dropped += 1
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                self._subscribers.remove(channel)
