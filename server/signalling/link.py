"""One WebSocket as the hub sees it: its sans-I/O session, who it is, and a bounded outbox.

The hub sends with `send` (never awaits): frames go into a bounded memory channel drained by
the connection's writer task. A reader that does not keep up is cut off instead of making the
hub — and with it every room — wait.
"""

from __future__ import annotations

from dataclasses import dataclass

import trio

from signalling import codes
from signalling.connection import ConnectionLimits, ConnectionSession
from signalling.messages import RequestId
from signalling.outbound import Bye, ServerMessage, encode_server_message

OUTBOX_DEPTH = 256  # frames; a waiting list or offer burst is a handful


@dataclass(frozen=True, slots=True)
class CloseFrame:
    code: int
    reason: str


Outgoing = str | CloseFrame


class Link:
    def __init__(self, link_id: int, address: str, cookies: dict[str, str], now: float,
                 limits: ConnectionLimits | None = None) -> None:
        self.link_id = link_id
        self.address = address
        self.cookies = cookies
        self.session = ConnectionSession(now, limits)
        self.participant: str | None = None  # lobby participant bound to this link
        self.echo_key: str | None = None
        self.closing = False
        self.close_code = codes.CLOSE_NORMAL
        self.aborted = trio.Event()  # set when the outbox overflowed: close without flushing
        self._send, self.outbox = trio.open_memory_channel[Outgoing](OUTBOX_DEPTH)

    @property
    def key(self) -> str | None:
        """The media endpoint key: the participant id or the echo session id."""
        return self.participant or self.echo_key

    def send(self, message: ServerMessage, reply_to: RequestId | None = None) -> None:
        if self.closing:
            return
        self._put(encode_server_message(message, reply_to))

    def close(self, code: int, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        self.session.close()
        self.close_code = code
        self._put(CloseFrame(code, reason))

    def say_goodbye(self, reason: str, code: int = codes.CLOSE_NORMAL) -> None:
        self.send(Bye(reason))
        self.close(code, reason)

    def _put(self, item: Outgoing) -> None:
        try:
            self._send.send_nowait(item)
        except trio.WouldBlock:
            self.closing = True
            self.close_code = codes.CLOSE_POLICY_VIOLATION
            self.aborted.set()
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self.closing = True
