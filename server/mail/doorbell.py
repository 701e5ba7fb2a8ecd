"""A wake-up signal for the mail task: "something was queued, look now"."""

from __future__ import annotations

import trio


class Doorbell:
    def __init__(self) -> None:
        self._event = trio.Event()

    def ring(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        """Return when rung (also if rung since the last wait) or after `timeout` seconds."""
        with trio.move_on_after(max(timeout, 0.0)):
            await self._event.wait()
        self._event = trio.Event()
