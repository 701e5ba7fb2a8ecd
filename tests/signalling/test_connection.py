"""The per-connection session under a hand-driven clock: states, role checks, rate limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalling import codes
from signalling.connection import (
    CloseConnection,
    ConnectionSession,
    ConnectionState,
    ConnectionStateError,
    Deliver,
    Output,
    Reply,
)
from signalling.fields import MAX_FRAME_BYTES
from signalling.messages import Admit, Join, Role
from signalling.outbound import Bye, Error, Pong
from tests.conftest import fuzz_budget


def frame(type_: str, **fields: Any) -> str:
    return json.dumps({"v": 1, "type": type_, "id": 9, **fields})


def errors(outputs: list[Output]) -> list[str]:
    return [o.message.code for o in outputs if isinstance(o, Reply)
            and isinstance(o.message, Error)]


def joined(role: Role = Role.CLIENT) -> ConnectionSession:
    session = ConnectionSession(0.0)
    [deliver] = session.receive_frame(frame("join", role=role.value), 0.0)
    assert isinstance(deliver, Deliver) and session.state is ConnectionState.JOINING
    session.join_succeeded(role)
    return session


def test_before_join_only_join_and_ping() -> None:
    session = ConnectionSession(0.0)
    assert session.receive_frame(frame("ping"), 0.0) == [Reply(Pong(), 9)]
    assert errors(session.receive_frame(frame("leave"), 0.0)) == [codes.NOT_JOINED]
    assert errors(session.receive_frame(frame("admit", participant="p1"), 0.0)) == [
        codes.NOT_JOINED]
    [deliver] = session.receive_frame(frame("join", role="client", access_token="t"), 0.0)
    assert isinstance(deliver, Deliver) and isinstance(deliver.message.body, Join)
    assert deliver.message.request_id == 9
    assert errors(session.receive_frame(frame("join", role="client"), 0.0)) == [
        codes.ALREADY_JOINED]


def test_failed_join_can_be_retried_and_success_is_final() -> None:
    session = ConnectionSession(0.0)
    session.receive_frame(frame("join", role="client"), 0.0)
    session.join_failed()
    assert session.state is ConnectionState.OPEN
    session.receive_frame(frame("join", role="advisor", appointment_id=3), 0.0)
    session.join_succeeded(Role.ADVISOR)
    assert errors(session.receive_frame(frame("join", role="client"), 0.0)) == [
        codes.ALREADY_JOINED]
    with pytest.raises(ConnectionStateError):
        session.join_failed()
    with pytest.raises(ConnectionStateError):
        session.join_succeeded(Role.CLIENT)


@pytest.mark.parametrize(("role", "allowed", "forbidden"), [
    (Role.CLIENT, ("device-check", {}), ("admit", {"participant": "p1"})),
    (Role.ADVISOR, ("admit", {"participant": "p1"}), ("device-check", {})),
    (Role.ECHO, ("probe-reply", {"nonce": "n1"}), ("deny", {"participant": "p1"})),
])
def test_role_permissions(role: Role, allowed: tuple[str, dict[str, Any]],
                          forbidden: tuple[str, dict[str, Any]]) -> None:
    session = joined(role)
    [deliver] = session.receive_frame(frame(allowed[0], **allowed[1]), 1.0)
    assert isinstance(deliver, Deliver)
    assert errors(session.receive_frame(frame(forbidden[0], **forbidden[1]), 1.0)) == [
        codes.FORBIDDEN]


def test_advisor_message_is_delivered_with_its_id() -> None:
    session = joined(Role.ADVISOR)
    [deliver] = session.receive_frame(frame("admit", participant="p7"), 0.0)
    assert isinstance(deliver, Deliver) and deliver.message.body == Admit("p7")


def test_candidates_are_accepted_silently() -> None:
    session = joined()
    line = "candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host"
    assert session.receive_frame(frame("candidate", transport="publish", candidate=line),
                                 0.0) == []
    assert errors(session.receive_frame(frame("candidate", transport="publish",
                                              candidate="candidate:1 2"), 0.0)) == [
        codes.BAD_CANDIDATE]


def test_garbage_gets_errors_then_policy_close() -> None:
    session = ConnectionSession(0.0)
    seen: list[str] = []
    outputs: list[Output] = []
    for _ in range(50):
        outputs = session.receive_frame("}{", 0.0)
        seen += errors(outputs)
        if any(isinstance(o, CloseConnection) for o in outputs):
            break
    assert seen and set(seen) == {codes.BAD_JSON}
    assert len(seen) <= session.limits.error_replies.capacity  # replies are rate-limited too
    assert outputs == [Reply(Bye("policy-violation")),
                       CloseConnection(codes.CLOSE_POLICY_VIOLATION, "policy violation")]
    assert session.state is ConnectionState.CLOSED
    assert session.receive_frame(frame("ping"), 0.0) == []  # closed: input is ignored


def test_occasional_mistakes_never_close() -> None:
    session = ConnectionSession(0.0)
    for second in range(200):  # one bad frame every 2 s decays faster than it accumulates
        outputs = session.receive_frame("not json", second * 2.0)
        assert errors(outputs) == [codes.BAD_JSON]
        assert session.receive_frame(frame("ping"), second * 2.0 + 1) == [Reply(Pong(), 9)]
    assert session.state is ConnectionState.OPEN


def test_oversized_frames_close_sooner() -> None:
    session = ConnectionSession(0.0)
    big = "x" * (MAX_FRAME_BYTES + 1)
    results = [session.receive_frame(big, float(i)) for i in range(6)]
    assert errors(results[0]) == [codes.FRAME_TOO_LARGE]
    closes = [i for i, r in enumerate(results) if any(isinstance(o, CloseConnection)
                                                       for o in r)]
    assert closes and closes[0] <= 4  # five bad frames' worth each


def test_flood_is_rate_limited_then_closed() -> None:
    session = ConnectionSession(0.0)
    outputs: list[Output] = []
    replies = 0
    for _ in range(int(session.limits.messages.capacity)):
        replies += len(session.receive_frame(frame("ping"), 0.0))
    assert replies == session.limits.messages.capacity  # the burst is served
    assert errors(session.receive_frame(frame("ping"), 0.0)) == [codes.RATE_LIMITED]
    for _ in range(100):
        outputs = session.receive_frame(frame("ping"), 0.0)
        if outputs and isinstance(outputs[-1], CloseConnection):
            break
    assert isinstance(outputs[-1], CloseConnection)
    assert outputs[-1].code == codes.CLOSE_POLICY_VIOLATION


def test_rate_recovers_with_time() -> None:
    session = ConnectionSession(0.0)
    for _ in range(int(session.limits.messages.capacity)):
        session.receive_frame(frame("ping"), 0.0)
    assert errors(session.receive_frame(frame("ping"), 0.0)) == [codes.RATE_LIMITED]
    assert session.receive_frame(frame("ping"), 1.0) == [Reply(Pong(), 9)]


def test_byte_rate_is_limited() -> None:
    session = ConnectionSession(0.0)
    blob = frame("ping", pad="x" * 100_000)  # a bad message too, but large
    results = [errors(session.receive_frame(blob, 0.0)) for _ in range(8)]
    assert [codes.RATE_LIMITED] in results


def test_refuse_replies_and_strikes_lightly() -> None:
    session = joined()
    outputs: list[Output] = []
    count = 0
    while not any(isinstance(o, CloseConnection) for o in outputs):
        outputs = session.refuse(codes.NOT_ADMITTED, "wait", 3, 0.0)
        count += 1
        if count == 1:
            assert outputs == [Reply(Error(codes.NOT_ADMITTED, "wait"), 3)]
    assert count > session.limits.strike_limit  # a half strike each


@settings(max_examples=fuzz_budget(short=500), deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=300), st.text(max_size=300)), max_size=20))
def test_fuzz_any_frames_give_outputs_only(frames: list[str | bytes]) -> None:
    session = ConnectionSession(0.0)
    for index, raw in enumerate(frames):
        for output in session.receive_frame(raw, index * 0.01):
            assert isinstance(output, Reply | Deliver | CloseConnection)


def test_idle_after_the_timeout_without_frames() -> None:
    session = ConnectionSession(0.0)
    timeout = session.limits.idle_timeout
    assert not session.idle(timeout - 1)
    session.receive_frame(frame("ping"), timeout - 1)
    assert not session.idle(timeout + 1)
    assert session.idle(2 * timeout)
    session.close()
    assert not session.idle(10 * timeout)
