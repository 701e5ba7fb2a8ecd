"""The messages a browser sends (protocol version 1), parsed from untrusted WebSocket frames.

Every frame is one JSON object `{"v": 1, "type": ..., "id"?: ..., ...}`; docs/signalling.md and
signalling/schema.json describe each type. `parse_client_message_untrusted` turns any frame into
one of the frozen dataclasses below or raises `ProtocolError` with a code from
`signalling.codes` — nothing else.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from signalling import codes
from signalling.errors import ProtocolError
from signalling.fields import Fields, bad, decode_json_object_untrusted
from signalling.sdp.candidate import parse_candidate_untrusted

PROTOCOL_VERSION = 1
MAX_SDP_CHARS = 64 * 1024  # the SDP parser's own bound (signalling.sdp.parse)
MAX_TOKEN_CHARS = 256
MAX_ID_CHARS = 64
MAX_NOTE_CHARS = 500  # an advisor's message to a denied/removed client
MAX_TRACK_LABELS = 16
MAX_MID_CHARS = 16  # RFC 8285 one-byte extension limit, as in signalling.sdp.attributes
_RESUME_CHARS = 64


class Role(enum.Enum):
    ADVISOR = "advisor"
    CLIENT = "client"
    ECHO = "echo"  # the device check: own media returned, never in a room


class Source(enum.Enum):
    """What a published track shows; the subscribe offer tells receivers which is which."""

    CAMERA = "camera"
    MICROPHONE = "microphone"
    SCREEN = "screen"
    SCREEN_AUDIO = "screen-audio"


class TransportName(enum.Enum):
    PUBLISH = "publish"
    SUBSCRIBE = "subscribe"


class Verdict(enum.Enum):
    """The device check's plain-language result, as the web client computed it."""

    GOOD = "good"  # video fine
    AUDIO_ONLY = "audio-only"  # audio only recommended
    POOR = "poor"  # connection too weak
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Join:
    role: Role
    access_token: str | None = None  # client, echo (optional for the public device test)
    appointment_id: int | None = None  # advisor: the room
    advisor_token: str | None = None  # advisor without a session cookie (CLI-minted)
    resume: str | None = None  # resume secret from an earlier `joined`
    keep_transports: bool = False  # resume without a reload: the PeerConnections still live


@dataclass(frozen=True, slots=True)
class PublishOffer:
    sdp: str
    tracks: tuple[tuple[str, Source], ...] = ()  # mid → what it shows
    fresh: bool = False  # a new publish PeerConnection (the old one is discarded)


@dataclass(frozen=True, slots=True)
class SubscribeAnswer:
    sdp: str
    version: int


@dataclass(frozen=True, slots=True)
class SubscribeReset:
    """Discard the subscribe transport and offer every track on a fresh one."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A trickled browser candidate: validated, then ignored (the SFU is ICE-lite)."""

    transport: TransportName
    candidate: str | None  # None: end of candidates


@dataclass(frozen=True, slots=True)
class DeviceCheck:
    camera: bool
    microphone: bool
    verdict: Verdict = Verdict.UNKNOWN
    rtt_ms: float | None = None
    loss_percent: float | None = None
    bitrate_kbps: float | None = None


@dataclass(frozen=True, slots=True)
class Admit:
    participant: str


@dataclass(frozen=True, slots=True)
class Deny:
    participant: str
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Remove:
    participant: str
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Leave:
    pass


@dataclass(frozen=True, slots=True)
class Ping:
    pass


@dataclass(frozen=True, slots=True)
class ProbeReply:
    nonce: str


ClientBody = (Join | PublishOffer | SubscribeAnswer | SubscribeReset | Candidate | DeviceCheck
              | Admit | Deny | Remove | Leave | Ping | ProbeReply)
RequestId = str | int


@dataclass(frozen=True, slots=True)
class ClientMessage:
    body: ClientBody
    request_id: RequestId | None = None  # echoed as "re" in the reply


_ENVELOPE = frozenset({"v", "type", "id"})


def _join(f: Fields) -> Join:
    role = Role(f.choice("role", frozenset(r.value for r in Role)))
    resume = f.text("resume", _RESUME_CHARS, required=False)
    return Join(
        role=role,
        access_token=f.text("access_token", MAX_TOKEN_CHARS, required=False),
        appointment_id=f.integer("appointment_id", 1, 2**53, required=False),
        advisor_token=f.text("advisor_token", MAX_TOKEN_CHARS, required=False),
        resume=resume,
        keep_transports=f.boolean("keep_transports"),
    )


def _tracks(f: Fields) -> tuple[tuple[str, Source], ...]:
    raw = f.obj("tracks") or {}
    if len(raw) > MAX_TRACK_LABELS:
        raise bad(f"tracks: at most {MAX_TRACK_LABELS} entries")
    sources = {s.value: s for s in Source}
    out = []
    for mid, source in raw.items():
        if not (isinstance(mid, str) and 1 <= len(mid) <= MAX_MID_CHARS and mid.isprintable()):
            raise bad("tracks: keys are mids of 1..16 characters")
        if not isinstance(source, str) or source not in sources:
            raise bad(f"tracks: values are one of {', '.join(sorted(sources))}")
        out.append((mid, sources[source]))
    return tuple(out)


def _publish_offer(f: Fields) -> PublishOffer:
    return PublishOffer(f.required_text("sdp", MAX_SDP_CHARS, multiline=True), _tracks(f),
                        f.boolean("fresh"))


def _subscribe_answer(f: Fields) -> SubscribeAnswer:
    version = f.integer("version", 1, 2**53)
    assert version is not None
    return SubscribeAnswer(f.required_text("sdp", MAX_SDP_CHARS, multiline=True), version)


def _candidate(f: Fields) -> Candidate:
    transport = TransportName(f.choice("transport", frozenset(t.value for t in TransportName)))
    text = f.text("candidate", 1024, required=False, min_chars=0)
    if text:
        try:
            parse_candidate_untrusted(text)
        except ProtocolError as exc:
            raise bad(f"candidate: {exc}", codes.BAD_CANDIDATE) from None
    return Candidate(transport, text or None)


def _device_check(f: Fields) -> DeviceCheck:
    verdict = f.choice("verdict", frozenset(v.value for v in Verdict), required=False)
    return DeviceCheck(
        camera=f.boolean("camera"), microphone=f.boolean("microphone"),
        verdict=Verdict(verdict) if verdict is not None else Verdict.UNKNOWN,
        rtt_ms=f.number("rtt_ms", 0, 60_000), loss_percent=f.number("loss_percent", 0, 100),
        bitrate_kbps=f.number("bitrate_kbps", 0, 1_000_000),
    )


def _participant(f: Fields) -> str:
    return f.required_text("participant", MAX_ID_CHARS)


def _note(f: Fields) -> str | None:
    return f.text("message", MAX_NOTE_CHARS, required=False, multiline=True)


_PARSERS: dict[str, tuple[frozenset[str], Any]] = {
    "join": (frozenset({"role", "access_token", "appointment_id", "advisor_token", "resume",
                        "keep_transports"}), _join),
    "publish-offer": (frozenset({"sdp", "tracks", "fresh"}), _publish_offer),
    "subscribe-answer": (frozenset({"sdp", "version"}), _subscribe_answer),
    "subscribe-reset": (frozenset(), lambda f: SubscribeReset()),
    "candidate": (frozenset({"transport", "candidate"}), _candidate),
    "device-check": (frozenset({"camera", "microphone", "verdict", "rtt_ms", "loss_percent",
                                "bitrate_kbps"}), _device_check),
    "admit": (frozenset({"participant"}), lambda f: Admit(_participant(f))),
    "deny": (frozenset({"participant", "message"}), lambda f: Deny(_participant(f), _note(f))),
    "remove": (frozenset({"participant", "message"}),
               lambda f: Remove(_participant(f), _note(f))),
    "leave": (frozenset(), lambda f: Leave()),
    "ping": (frozenset(), lambda f: Ping()),
    "probe-reply": (frozenset({"nonce"}), lambda f: ProbeReply(f.required_text("nonce", 32))),
}
CLIENT_TYPES = frozenset(_PARSERS)


def request_id_of(data: dict[str, Any]) -> RequestId | None:
    """The request id if it is well-formed (so even an error reply can name its request)."""
    value = data.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 2**53:
        return value
    if isinstance(value, str) and 1 <= len(value) <= MAX_ID_CHARS and value.isprintable():
        return value
    return None


def parse_client_message_untrusted(frame: str | bytes) -> ClientMessage:
    """One frame → a validated message; ProtocolError (with a protocol code) otherwise."""
    data = decode_json_object_untrusted(frame)
    return parse_client_object_untrusted(data)


def parse_client_object_untrusted(data: dict[str, Any]) -> ClientMessage:
    if "id" in data and request_id_of(data) is None:
        raise bad("id: a string of 1..64 printable characters or a whole number")
    version = data.get("v")
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise bad(f"v: this server speaks version {PROTOCOL_VERSION}", codes.UNSUPPORTED_VERSION)
    kind = data.get("type")
    if not isinstance(kind, str):
        raise bad("type: required string")
    entry = _PARSERS.get(kind)
    if entry is None:
        raise bad(f"unknown message type {kind[:40]!r}", codes.UNKNOWN_TYPE)
    allowed, parser = entry
    body = {key: value for key, value in data.items() if key not in _ENVELOPE}
    fields = Fields(body, allowed)
    return ClientMessage(parser(fields), request_id_of(data))


TYPE_OF: dict[type, str] = {
    Join: "join", PublishOffer: "publish-offer", SubscribeAnswer: "subscribe-answer",
    SubscribeReset: "subscribe-reset", Candidate: "candidate", DeviceCheck: "device-check",
    Admit: "admit", Deny: "deny", Remove: "remove", Leave: "leave", Ping: "ping",
    ProbeReply: "probe-reply",
}


def _wire_value(key: str, value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if key == "tracks":
        return {mid: source.value for mid, source in value}
    return value


def encode_client_message(message: ClientMessage) -> str:
    """The mirror of `parse_client_message_untrusted` (for test clients and the bench)."""
    body = message.body
    data: dict[str, Any] = {"v": PROTOCOL_VERSION, "type": TYPE_OF[type(body)]}
    if message.request_id is not None:
        data["id"] = message.request_id
    for key in body.__dataclass_fields__:
        value = getattr(body, key)
        if value is None or value is False or value == ():
            continue  # absent means the default
        data[key] = _wire_value(key, value)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
