"""The echo sessions of the device check: admission (rate limits), meters and their ticks.

An echo session is a connection whose own media the SFU returns to it; it never joins a room.
The public device-test page may open a few per address and minute; holders of an access token
are not limited per address. Every session ends itself after `signalling.echo.MAX_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from server.signalling.link import Link
from server.signalling.media_bridge import MediaBridge
from signalling import codes
from signalling.echo import EchoMeter
from signalling.errors import ProtocolError
from signalling.ratelimit import BucketSpec, KeyedBuckets

ECHO_PER_ADDRESS = BucketSpec(capacity=3, rate=3 / 60)  # public device test: 3 a minute
MAX_ECHO_SESSIONS = 20


@dataclass
class EchoSession:
    link: Link
    meter: EchoMeter


class EchoSessions:
    def __init__(self, bridge: MediaBridge, random_bytes: Callable[[int], bytes]) -> None:
        self._bridge = bridge
        self._random_bytes = random_bytes
        self._sessions: dict[str, EchoSession] = {}
        self._per_address = KeyedBuckets(ECHO_PER_ADDRESS)

    def __contains__(self, key: str) -> bool:
        return key in self._sessions

    def start(self, link: Link, public: bool, now: float) -> str:
        """A new session for `link`; ProtocolError(echo-limit) when over a limit."""
        if public and not self._per_address.take(link.address, 1, now):
            raise ProtocolError("too many device tests from this address", codes.ECHO_LIMIT)
        if len(self._sessions) >= MAX_ECHO_SESSIONS:
            raise ProtocolError("too many device tests right now", codes.ECHO_LIMIT)
        key = "e" + self._random_bytes(8).hex()
        self._sessions[key] = EchoSession(link, EchoMeter(now))
        link.echo_key = key
        self._bridge.attach(key, link.send)
        return key

    def probe_reply(self, key: str, nonce: str, now: float) -> None:
        session = self._sessions.get(key)
        if session is not None:
            session.meter.on_probe_reply(nonce, now)

    def get_timer(self) -> float | None:
        deadlines = [d for s in self._sessions.values() if (d := s.meter.get_timer()) is not None]
        return min(deadlines) if deadlines else None

    def handle_timer(self, now: float) -> None:
        for key, session in list(self._sessions.items()):
            tick = session.meter.handle_timer(now, self._bridge.counters(key))
            if tick.stats is not None:
                session.link.send(tick.stats)
            if tick.probe is not None:
                session.link.send(tick.probe)
            if tick.finished:
                session.link.say_goodbye("echo-finished")
                self.end(key)

    def end(self, key: str) -> None:
        session = self._sessions.pop(key, None)
        if session is not None:
            session.link.echo_key = None
        self._bridge.drop(key)
