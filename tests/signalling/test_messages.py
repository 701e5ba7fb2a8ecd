"""Client messages: round trips, every validation error code, and fuzzing (only ProtocolError)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalling import codes
from signalling.errors import ProtocolError
from signalling.fields import MAX_FRAME_BYTES, MAX_NESTING
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
    Role,
    Source,
    SubscribeAnswer,
    SubscribeReset,
    TransportName,
    Verdict,
    encode_client_message,
    parse_client_message_untrusted,
)
from tests.conftest import fuzz_budget, fuzz_regression_entries
from tests.signalling.browser_sdp import publish_offer

SDP = publish_offer()
CANDIDATE = "candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0"


def frame(**fields: Any) -> str:
    return json.dumps({"v": 1, **fields})


def code_of(raw: str | bytes) -> str:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message_untrusted(raw)
    return caught.value.code


EXAMPLES = [
    ClientMessage(Join(Role.CLIENT, access_token="A" * 43), 1),
    ClientMessage(Join(Role.ADVISOR, appointment_id=7, advisor_token="vta1.x", resume="r" * 43,
                       keep_transports=True), "req-1"),
    ClientMessage(Join(Role.ECHO)),
    ClientMessage(PublishOffer(SDP, (("0", Source.MICROPHONE), ("1", Source.CAMERA)), True), 2),
    ClientMessage(SubscribeAnswer(SDP, 3)),
    ClientMessage(SubscribeReset()),
    ClientMessage(Candidate(TransportName.PUBLISH, CANDIDATE)),
    ClientMessage(Candidate(TransportName.SUBSCRIBE, None)),
    ClientMessage(DeviceCheck(True, True, Verdict.AUDIO_ONLY, 85.5, 2.0, 640.0)),
    ClientMessage(Admit("p0123456789abcdef")),
    ClientMessage(Deny("p1", "Bitte rufen Sie uns an.\nDanke!")),
    ClientMessage(Remove("p1")),
    ClientMessage(Leave()),
    ClientMessage(Ping(), 0),
    ClientMessage(ProbeReply("n12")),
]


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m.body).__name__)
def test_round_trip(message: ClientMessage) -> None:
    assert parse_client_message_untrusted(encode_client_message(message)) == message
    assert parse_client_message_untrusted(encode_client_message(message).encode()) == message


def test_null_means_absent() -> None:
    parsed = parse_client_message_untrusted(frame(type="join", role="echo", access_token=None))
    assert parsed.body == Join(Role.ECHO)


@pytest.mark.parametrize("raw", [
    "not json", "[1, 2]", '"text"', "", frame(type="ping")[:-1],
    '{"v": 1, "type": "ping", "x": NaN}', '{"v": 1, "type": "ping", "type": "ping"}',
    "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1),
    '{"v": 1, "type": "ping", "a": ' + "[" * 5000 + "]" * 5000 + "}",
    '{"v": 1, "type": "ping", "n": ' + "9" * 6000 + "}",
    b'{"v": 1, "type": "\xff"}', b"\xc3\x28",
])
def test_bad_json(raw: str | bytes) -> None:
    assert code_of(raw) == codes.BAD_JSON


@pytest.mark.parametrize("fields", [
    {"type": "join"},  # role missing
    {"type": "join", "role": "admin"},
    {"type": "join", "role": "client", "access_token": 5},
    {"type": "join", "role": "client", "access_token": "x" * 257},
    {"type": "join", "role": "advisor", "appointment_id": 0},
    {"type": "join", "role": "advisor", "appointment_id": True},
    {"type": "join", "role": "advisor", "appointment_id": 1.5},
    {"type": "join", "role": "client", "keep_transports": "yes"},
    {"type": "join", "role": "client", "surprise": 1},
    {"type": "publish-offer"},
    {"type": "publish-offer", "sdp": ""},
    {"type": "publish-offer", "sdp": "v=0\x00"},
    {"type": "publish-offer", "sdp": "x" * (64 * 1024 + 1)},
    {"type": "publish-offer", "sdp": SDP, "tracks": {"0": "hologram"}},
    {"type": "publish-offer", "sdp": SDP, "tracks": {"x" * 17: "camera"}},
    {"type": "publish-offer", "sdp": SDP, "tracks": {str(i): "camera" for i in range(17)}},
    {"type": "publish-offer", "sdp": SDP, "tracks": ["camera"]},
    {"type": "subscribe-answer", "sdp": SDP},
    {"type": "subscribe-answer", "sdp": SDP, "version": 0},
    {"type": "subscribe-answer", "sdp": SDP, "version": 2**60},
    {"type": "subscribe-reset", "extra": True},
    {"type": "candidate", "transport": "both"},
    {"type": "device-check", "rtt_ms": -1},
    {"type": "device-check", "loss_percent": 101},
    {"type": "device-check", "bitrate_kbps": "fast"},
    {"type": "device-check", "verdict": "excellent"},
    {"type": "admit"},
    {"type": "admit", "participant": ""},
    {"type": "admit", "participant": "p\u0007"},
    {"type": "deny", "participant": "p1", "message": "x" * 501},
    {"type": "deny", "participant": "p1", "message": "bad\ud800text"},
    {"type": "probe-reply", "nonce": "n" * 33},
    {"type": "ping", "id": ""},
    {"type": "ping", "id": -1},
    {"type": "ping", "id": True},
    {"type": "ping", "id": {"nested": 1}},
    {"type": 7},
])
def test_bad_message(fields: dict[str, Any]) -> None:
    assert code_of(frame(**fields)) == codes.BAD_MESSAGE


def test_other_codes() -> None:
    assert code_of(frame(type="teleport")) == codes.UNKNOWN_TYPE
    assert code_of(json.dumps({"type": "ping"})) == codes.UNSUPPORTED_VERSION
    assert code_of(json.dumps({"v": 2, "type": "ping"})) == codes.UNSUPPORTED_VERSION
    assert code_of(json.dumps({"v": True, "type": "ping"})) == codes.UNSUPPORTED_VERSION
    assert code_of(" " * (MAX_FRAME_BYTES + 1)) == codes.FRAME_TOO_LARGE
    assert code_of(b"{" * (MAX_FRAME_BYTES + 1)) == codes.FRAME_TOO_LARGE
    bad_candidate = frame(type="candidate", transport="publish", candidate="candidate:nonsense")
    assert code_of(bad_candidate) == codes.BAD_CANDIDATE


def _only_protocol_errors(raw: str | bytes) -> None:
    try:
        parse_client_message_untrusted(raw)
    except ProtocolError as error:
        assert error.code in codes.ALL_CODES


@settings(max_examples=fuzz_budget(short=1000), deadline=None)
@given(st.binary(max_size=512))
def test_fuzz_random_bytes(raw: bytes) -> None:
    _only_protocol_errors(raw)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                       children, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = ["v", "type", "id", "role", "access_token", "appointment_id", "sdp", "version",
               "tracks", "participant", "message", "nonce", "transport", "candidate", "camera",
               "rtt_ms", "fresh", "resume"]
TYPES = ["join", "publish-offer", "subscribe-answer", "subscribe-reset", "candidate",
         "device-check", "admit", "deny", "remove", "leave", "ping", "probe-reply", "x"]


@settings(max_examples=fuzz_budget(short=300), deadline=None)
@given(st.sampled_from(TYPES), st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES,
                                               max_size=6))
def test_fuzz_wrong_types(kind: str, fields: dict[str, Any]) -> None:
    data = {"v": 1, "type": kind, **fields}
    _only_protocol_errors(json.dumps(data))


@settings(max_examples=fuzz_budget(short=500), deadline=None)
@given(st.sampled_from(EXAMPLES), st.randoms(use_true_random=False))
def test_fuzz_mutated_valid_messages(message: ClientMessage, rng: random.Random) -> None:
    raw = bytearray(encode_client_message(message).encode())
    for _ in range(rng.randint(1, 6)):
        position = rng.randrange(len(raw))
        choice = rng.random()
        if choice < 0.4:
            raw[position] = rng.randrange(256)
        elif choice < 0.7:
            del raw[position]
        else:
            raw[position:position] = rng.choice([b"{", b"}", b'"', b"[", b",", b"\\", b"\x00"])
    _only_protocol_errors(bytes(raw))


def test_fuzz_regression_inputs_of_other_projects(conformance_dir: Path) -> None:
    """Inputs that once crashed other SFUs' parsers (STUN, RTP, SDP, …): errors only here."""
    for entry, data in fuzz_regression_entries(conformance_dir):
        if not entry.get("file"):
            continue  # listed but not copied (too large)
        _only_protocol_errors(data)
        _only_protocol_errors(json.dumps({"v": 1, "type": "publish-offer",
                                          "sdp": data.decode("latin-1")}))
