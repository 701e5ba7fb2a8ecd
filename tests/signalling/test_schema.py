"""signalling/schema.json agrees with the code and with docs/signalling.md.

A small validator for the JSON Schema keywords the file uses (no third-party validator is a
dependency): every server message the code can encode validates, every client message the
parser accepts validates, every message type and error code is in both the schema and the docs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from signalling import codes
from signalling.messages import (
    CLIENT_TYPES,
    DeviceCheck,
    Role,
    Source,
    TransportName,
    Verdict,
    encode_client_message,
)
from signalling.outbound import (
    BYE_REASONS,
    SERVER_TYPES,
    Admitted,
    Bye,
    Denied,
    EchoStats,
    Error,
    IceServer,
    Joined,
    ParticipantInfo,
    Participants,
    PartnerTrackPause,
    Pong,
    Probe,
    PublishAnswer,
    Removed,
    ServerMessage,
    SubscribeOffer,
    TrackInfo,
    TrackPause,
    TransportState,
    Waiting,
    WaitingEntry,
    WaitingList,
    server_message_dict,
)
from signalling.sdp import codes as sdp_codes
from tests.signalling.test_messages import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "signalling" / "schema.json").read_text())
DOCS = (ROOT / "docs" / "signalling.md").read_text()
_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _type_ok(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Violations of `schema` by `value` (the subset of draft 2020-12 the file uses)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return errors(value, SCHEMA["$defs"][name], path)
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not errors(value, s, path)]
        return [] if len(matching) == 1 else [f"{path}: {len(matching)} oneOf branches match"]
    found: list[str] = []
    if "const" in schema and value != schema["const"]:
        found.append(f"{path}: not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} not in enum")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_type_ok(value, k) for k in kinds):
            return found + [f"{path}: not of type {kinds}"]
    if isinstance(value, str):
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", 1 << 60):
            found.append(f"{path}: length")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not schema.get("minimum", -1e300) <= value <= schema.get("maximum", 1e300):
            found.append(f"{path}: range")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append(f"{path}: too few items")
        for index, item in enumerate(value):
            found += errors(item, schema.get("items", {}), f"{path}[{index}]")
    if isinstance(value, dict):
        found += _object_errors(value, schema, path)
    return found


def _object_errors(value: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
    found = [f"{path}: missing {key}" for key in schema.get("required", []) if key not in value]
    if len(value) > schema.get("maxProperties", 1 << 60):
        found.append(f"{path}: too many properties")
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if "propertyNames" in schema:
            found += errors(key, schema["propertyNames"], f"{path}.<name>")
        if key in properties:
            found += errors(item, properties[key], f"{path}.{key}")
        elif extra is False:
            found.append(f"{path}: unexpected {key}")
        elif isinstance(extra, dict):
            found += errors(item, extra, f"{path}.{key}")
    return found


def _defs(prefix: str) -> set[str]:
    return {name.removeprefix(prefix) for name in SCHEMA["$defs"] if name.startswith(prefix)}


PEOPLE = (ParticipantInfo("p1", Role.ADVISOR, "Alice", True),
          ParticipantInfo("p2", Role.CLIENT, "Erika", False))
SERVER_EXAMPLES: list[ServerMessage] = [
    Joined("p1", Role.CLIENT, "waiting", (IceServer(("stun:s.example:3478",)),
                                          IceServer(("turn:t.example",), "1:p1", "pw")),
           "secret", 60, False),
    Joined("e1", Role.ECHO, "echo", (), None, 0, False),
    Joined("p1", Role.ADVISOR, "admitted", (), "s", 60, True, appointment_id=4),
    Waiting(None), Waiting("advisor-left"), Waiting("resume-expired"),
    Admitted(PEOPLE), Participants(PEOPLE),
    WaitingList((WaitingEntry("p2", "Erika", 1.7e9, True, None),
                 WaitingEntry("p3", "Max", 1.7e9, False,
                              DeviceCheck(True, False, Verdict.POOR, 300.0, 12.5, 80.0)))),
    Denied("Bitte rufen Sie an"), Denied(None), Removed(None),
    PublishAnswer("v=0\r\n", True),
    SubscribeOffer("v=0\r\n", 3, False, (TrackInfo("0", "p1", Source.SCREEN, "video", True),)),
    TransportState(TransportName.SUBSCRIBE, "connected"),
    TrackPause("1", True, "bandwidth"), TrackPause("1", False),
    PartnerTrackPause("1", True, "bandwidth"), PartnerTrackPause("1", False),
    EchoStats(12.5, 0.0, 650.2, 1200, 3.0), EchoStats(None, None, None, 0, 1.0, True),
    Probe("n1"), Pong(), Error(codes.NOT_ADMITTED, "wait"),
    *[Bye(reason) for reason in sorted(BYE_REASONS)],
]


def test_schema_names_exactly_the_protocol_types() -> None:
    assert _defs("client:") == CLIENT_TYPES
    assert _defs("server:") == set(SERVER_TYPES.values())
    assert {type(m) for m in SERVER_EXAMPLES} == set(SERVER_TYPES)


@pytest.mark.parametrize("message", SERVER_EXAMPLES, ids=lambda m: type(m).__name__)
def test_server_messages_validate(message: ServerMessage) -> None:
    data = server_message_dict(message, reply_to=3)
    assert errors(data, {"$ref": "#/$defs/serverMessage"}) == []
    assert errors(data, SCHEMA) == []  # and nothing else matches it as well


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda m: type(m.body).__name__)
def test_client_messages_validate(example: Any) -> None:
    data = json.loads(encode_client_message(example))
    assert errors(data, {"$ref": "#/$defs/clientMessage"}) == []


@pytest.mark.parametrize("data", [
    {"v": 1, "type": "join"}, {"v": 2, "type": "ping"}, {"v": 1, "type": "ping", "x": 1},
    {"v": 1, "type": "admit", "participant": ""},
    {"v": 1, "type": "subscribe-answer", "sdp": "v=0", "version": 0},
])
def test_schema_rejects_what_the_parser_rejects(data: dict[str, Any]) -> None:
    assert errors(data, {"$ref": "#/$defs/clientMessage"}) != []


def test_every_error_code_is_in_schema_and_docs() -> None:
    sdp = {v for k, v in vars(sdp_codes).items() if k.isupper() and isinstance(v, str)}
    assert set(SCHEMA["$defs"]["errorCode"]["enum"]) == set(codes.ALL_CODES) | sdp
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", DOCS, re.MULTILINE))
    assert set(codes.ALL_CODES) | sdp <= documented


def test_every_message_type_is_documented() -> None:
    headings = set(re.findall(r"^#### `([a-z-]+)`", DOCS, re.MULTILINE))
    assert CLIENT_TYPES | set(SERVER_TYPES.values()) <= headings
