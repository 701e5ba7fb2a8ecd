"""The per-WebSocket signalling session: framing limits, validation, rate limits, role checks.

Sans-I/O: the server feeds each received frame with `receive_frame(frame, now)` and executes
the outputs in order — `Reply` (send to this peer), `Deliver` (a valid, permitted message for
the room logic) and `CloseConnection`. A malformed or unknown message gets an error reply and
the connection stays usable; a peer that keeps sending garbage, floods or sends oversized
frames collects strikes and is closed with 1008 (policy violation, RFC 6455 §7.4.1). Error
replies are themselves rate-limited so garbage in never becomes a flood out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from signalling import codes
from signalling.errors import ProtocolError
from signalling.fields import decode_json_object_untrusted
from signalling.messages import (
    Admit,
    Candidate,
    ClientMessage,
    Deny,
    DeviceCheck,
    Join,
    Leave,
    Ping,
    ProbeReply,
    PublishOffer,
    Remove,
    RequestId,
    Role,
    SubscribeAnswer,
    SubscribeReset,
    parse_client_object_untrusted,
    request_id_of,
)
from signalling.outbound import Bye, Error, Pong, ServerMessage
from signalling.ratelimit import BucketSpec, StrikeCounter


class ConnectionState(enum.Enum):
    OPEN = "open"  # connected, not joined
    JOINING = "joining"  # a join is being checked (identity look-ups run in the server)
    JOINED = "joined"
    CLOSED = "closed"


_TRANSITIONS: dict[ConnectionState, frozenset[ConnectionState]] = {
    ConnectionState.OPEN: frozenset({ConnectionState.JOINING, ConnectionState.CLOSED}),
    ConnectionState.JOINING: frozenset(
        {ConnectionState.JOINED, ConnectionState.OPEN, ConnectionState.CLOSED}),
    ConnectionState.JOINED: frozenset({ConnectionState.CLOSED}),
    ConnectionState.CLOSED: frozenset(),
}


class ConnectionStateError(RuntimeError):
    """An illegal lifecycle transition: a bug in the server, never peer input."""


@dataclass(frozen=True, slots=True)
class Reply:
    message: ServerMessage
    reply_to: RequestId | None = None


@dataclass(frozen=True, slots=True)
class Deliver:
    message: ClientMessage


@dataclass(frozen=True, slots=True)
class CloseConnection:
    code: int
    reason: str


Output = Reply | Deliver | CloseConnection


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    messages: BucketSpec = BucketSpec(capacity=60, rate=30)  # per second, with a burst of 60
    bytes: BucketSpec = BucketSpec(capacity=512 * 1024, rate=256 * 1024)
    error_replies: BucketSpec = BucketSpec(capacity=10, rate=2)
    strike_limit: float = 20.0
    strike_decay_per_second: float = 0.5
    oversize_weight: float = 5.0  # an oversized frame costs as much as five bad messages
    idle_timeout: float = 45.0  # s without any frame: the peer is gone (clients ping every 15 s)


_COMMON = frozenset({PublishOffer, SubscribeAnswer, SubscribeReset, Candidate, Leave, Ping})
ALLOWED: dict[Role, frozenset[type]] = {
    Role.CLIENT: _COMMON | {DeviceCheck},
    Role.ADVISOR: _COMMON | {Admit, Deny, Remove},
    Role.ECHO: _COMMON | {ProbeReply},
}
_BEFORE_JOIN = frozenset({Join, Ping})


class ConnectionSession:
    def __init__(self, now: float, limits: ConnectionLimits | None = None) -> None:
        self.limits = limits or ConnectionLimits()
        self.state = ConnectionState.OPEN
        self.role: Role | None = None
        self._messages = self.limits.messages.new(now)
        self._bytes = self.limits.bytes.new(now)
        self._error_replies = self.limits.error_replies.new(now)
        self._strikes = StrikeCounter(self.limits.strike_limit,
                                      self.limits.strike_decay_per_second, now)
        self.frames = 0
        self.errors = 0
        self.last_frame_at = now

    # -- lifecycle ---------------------------------------------------------------------------

    def _set_state(self, state: ConnectionState) -> None:
        if state not in _TRANSITIONS[self.state]:
            raise ConnectionStateError(f"{self.state.value} -> {state.value}")
        self.state = state

    def join_succeeded(self, role: Role) -> None:
        self._set_state(ConnectionState.JOINED)
        self.role = role

    def join_failed(self) -> None:
        self._set_state(ConnectionState.OPEN)

    def close(self) -> None:
        if self.state is not ConnectionState.CLOSED:
            self._set_state(ConnectionState.CLOSED)

    # -- input -------------------------------------------------------------------------------

    def receive_frame(self, frame: str | bytes, now: float) -> list[Output]:
        if self.state is ConnectionState.CLOSED:
            return []
        self.frames += 1
        self.last_frame_at = max(self.last_frame_at, now)
        # `&`, not `and`: a frame costs both a message and its bytes, even when one runs out
        if not (self._messages.take(1, now) & self._bytes.take(len(frame), now)):
            return self.report_error(codes.RATE_LIMITED, "slow down", None, now)
        reply_to: RequestId | None = None
        try:
            data = decode_json_object_untrusted(frame)
            reply_to = request_id_of(data)
            message = parse_client_object_untrusted(data)
        except ProtocolError as error:
            weight = self.limits.oversize_weight if error.code == codes.FRAME_TOO_LARGE else 1.0
            return self.report_error(error.code, str(error), reply_to, now, weight)
        return self._dispatch(message, now)

    def _dispatch(self, message: ClientMessage, now: float) -> list[Output]:
        body = message.body
        kind = type(body)
        if self.state is not ConnectionState.JOINED:
            if kind not in _BEFORE_JOIN:
                return self.report_error(codes.NOT_JOINED, "join first", message.request_id, now)
            if isinstance(body, Join) and self.state is ConnectionState.JOINING:
                return self.report_error(codes.ALREADY_JOINED, "a join is in progress",
                                         message.request_id, now)
        elif isinstance(body, Join):
            return self.report_error(codes.ALREADY_JOINED, "already joined", message.request_id,
                                     now)
        elif self.role is not None and kind not in ALLOWED[self.role]:
            return self.report_error(codes.FORBIDDEN, f"not allowed for {self.role.value}",
                                     message.request_id, now)
        if isinstance(body, Ping):
            return [Reply(Pong(), message.request_id)]
        if isinstance(body, Candidate):
            return []  # ICE-lite: browser candidates are valid but not needed (RFC 8445 §2.5)
        if isinstance(body, Join):
            self._set_state(ConnectionState.JOINING)
        return [Deliver(message)]

    def idle(self, now: float) -> bool:
        """True when the peer sent nothing for `idle_timeout` (a dead TCP connection that the
        kernel has not noticed yet looks just like this)."""
        return self.state is not ConnectionState.CLOSED and \
            now - self.last_frame_at >= self.limits.idle_timeout

    def report_error(self, code: str, text: str, reply_to: RequestId | None, now: float,
                     weight: float = 1.0) -> list[Output]:
        """An error reply (unless error replies are being rate-limited) and a strike."""
        self.errors += 1
        outputs: list[Output] = []
        if self._strikes.add(weight, now):
            self.close()
            return [Reply(Bye("policy-violation")),
                    CloseConnection(codes.CLOSE_POLICY_VIOLATION, "policy violation")]
        if self._error_replies.take(1, now):
            outputs.append(Reply(Error(code, text[:200]), reply_to))
        return outputs

    def refuse(self, code: str, text: str, reply_to: RequestId | None, now: float) -> list[
        Output
    ]:
        """An error from the room logic (e.g. the gate): reply always, strike lightly."""
        self.errors += 1
        if self._strikes.add(0.5, now):
            self.close()
            return [Reply(Bye("policy-violation")),
                    CloseConnection(codes.CLOSE_POLICY_VIOLATION, "policy violation")]
        return [Reply(Error(code, text[:200]), reply_to)]
