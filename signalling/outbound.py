"""The messages the server sends (protocol version 1), as frozen values with one encoder.

A waiting client only ever receives `joined`, `waiting`, `publish-answer`, `transport`, `pong`,
`error`, `denied`/`removed` and `bye`: none of them names the advisor or anyone else in the room.
Participant lists and subscribe offers go to admitted participants only (enforced by the lobby).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass
from typing import Any

from signalling.messages import (
    PROTOCOL_VERSION,
    DeviceCheck,
    RequestId,
    Role,
    Source,
    TransportName,
)


@dataclass(frozen=True, slots=True)
class IceServer:
    """One RTCIceServer entry (W3C webrtc §4.2.3); TURN ones carry REST credentials."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True, slots=True)
class ParticipantInfo:
    id: str
    role: Role
    display_name: str
    online: bool


@dataclass(frozen=True, slots=True)
class WaitingEntry:
    id: str
    display_name: str
    waiting_since: float  # Unix time (s) the client started waiting
    connected: bool  # False while the client may still resume
    device_check: DeviceCheck | None


@dataclass(frozen=True, slots=True)
class TrackInfo:
    """One m-line of a subscribe offer: whose track it is and what it shows."""

    mid: str
    participant: str
    source: Source
    kind: str  # "audio" / "video"
    active: bool


@dataclass(frozen=True, slots=True)
class Joined:
    participant: str
    role: Role
    state: str  # "waiting" / "admitted" / "echo"
    ice_servers: tuple[IceServer, ...]
    resume_secret: str | None
    resume_seconds: int
    resumed: bool
    appointment_id: int | None = None  # advisors only


@dataclass(frozen=True, slots=True)
class Waiting:
    notice: str | None = None  # "advisor-left" / "resume-expired" / None


@dataclass(frozen=True, slots=True)
class Admitted:
    participants: tuple[ParticipantInfo, ...]


@dataclass(frozen=True, slots=True)
class Participants:
    participants: tuple[ParticipantInfo, ...]


@dataclass(frozen=True, slots=True)
class WaitingList:
    entries: tuple[WaitingEntry, ...]


@dataclass(frozen=True, slots=True)
class Denied:
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Removed:
    message: str | None = None


@dataclass(frozen=True, slots=True)
class PublishAnswer:
    sdp: str
    ice_restart: bool = False


@dataclass(frozen=True, slots=True)
class SubscribeOffer:
    sdp: str
    version: int
    fresh: bool  # True: a new subscribe transport (make a new RTCPeerConnection)
    tracks: tuple[TrackInfo, ...]


@dataclass(frozen=True, slots=True)
class TransportState:
    transport: TransportName
    state: str  # "connected" / "closed" / "failed"


@dataclass(frozen=True, slots=True)
class TrackPause:
    """The SFU paused (or resumed) forwarding one subscribed video m-line: the subscriber's
    downlink is too weak for it. Lets the page say why a picture stopped instead of freezing."""

    mid: str
    paused: bool
    reason: str | None = None  # "bandwidth" while paused; None on resume


@dataclass(frozen=True, slots=True)
class PartnerTrackPause:
    """The SFU paused (or resumed) forwarding one of *your* published video tracks to the other
    participant, whose downlink is too weak for it: the advisor learns that the citizen does
    not see the shared document or the face right now, and why."""

    mid: str  # the m-line of your publish transport
    paused: bool
    reason: str | None = None  # "bandwidth" while paused; None on resume


@dataclass(frozen=True, slots=True)
class EchoStats:
    rtt_ms: float | None  # the server's measured round trip to this browser
    loss_percent: float | None  # of the media the SFU received in the last interval
    bitrate_kbps: float | None  # received by the SFU in the last interval
    packets: int  # media packets the SFU received so far
    seconds: float  # since the echo session started
    final: bool = False


@dataclass(frozen=True, slots=True)
class Probe:
    nonce: str


@dataclass(frozen=True, slots=True)
class Pong:
    pass


@dataclass(frozen=True, slots=True)
class Error:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Bye:
    reason: str  # see BYE_REASONS


BYE_REASONS = frozenset({
    "left", "denied", "removed", "replaced", "server-shutdown", "policy-violation",
    "consent-withdrawn", "echo-finished", "too-slow", "idle-timeout",
})

ServerMessage = (Joined | Waiting | Admitted | Participants | WaitingList | Denied | Removed
                 | PublishAnswer | SubscribeOffer | TransportState | TrackPause | PartnerTrackPause
                 | EchoStats | Probe | Pong | Error | Bye)

SERVER_TYPES: dict[type, str] = {
    Joined: "joined", Waiting: "waiting", Admitted: "admitted", Participants: "participants",
    WaitingList: "waiting-list", Denied: "denied", Removed: "removed",
    PublishAnswer: "publish-answer", SubscribeOffer: "subscribe-offer",
    TransportState: "transport", TrackPause: "track-pause",
    PartnerTrackPause: "partner-track-pause", EchoStats: "echo-stats",
    Probe: "probe", Pong: "pong",
    Error: "error", Bye: "bye",
}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, float):
        return round(value, 3)
    return value


def server_message_dict(message: ServerMessage, reply_to: RequestId | None = None) -> dict[
    str, Any
]:
    data: dict[str, Any] = {"v": PROTOCOL_VERSION, "type": SERVER_TYPES[type(message)]}
    if reply_to is not None:
        data["re"] = reply_to
    data.update(_plain(message))
    return data


def encode_server_message(message: ServerMessage, reply_to: RequestId | None = None) -> str:
    """One JSON text frame; `reply_to` is the request's "id", sent back as "re"."""
    return json.dumps(server_message_dict(message, reply_to), ensure_ascii=False,
                      separators=(",", ":"))
