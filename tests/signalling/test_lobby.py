"""The lobby under a hand-driven clock: every gate transition, every refusal, and no leaks."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import pytest

from signalling import codes
from signalling.effects import (
    AuditEvent,
    Disconnect,
    Dropped,
    Effect,
    Identity,
    MediaChanged,
    Replace,
    Send,
)
from signalling.errors import ProtocolError
from signalling.gate import Admission
from signalling.lobby import TOMBSTONE_SECONDS, JoinResult, Lobby
from signalling.messages import DeviceCheck, Role, Verdict
from signalling.outbound import Admitted, Denied, Participants, Removed, Waiting, WaitingList

ROOM = 7
ADVISOR = Identity(Role.ADVISOR, ROOM, "advisor:1", "Alice Advisor", advisor_id=1)
CLIENT = Identity(Role.CLIENT, ROOM, "client:7:11", "Erika Mustermann", advisor_id=1,
                  consent_id=11)
OTHER_CLIENT = Identity(Role.CLIENT, ROOM, "client:7:12", "Max Muster", advisor_id=1,
                        consent_id=12)
FOREIGN_CLIENT = Identity(Role.CLIENT, 8, "client:8:13", "Eve", advisor_id=2, consent_id=13)


def new_lobby() -> Lobby:
    counter = itertools.count(1)
    return Lobby(lambda n: next(counter).to_bytes(n, "big"), resume_window=60.0)


def sends(effects: Iterable[Effect], pid: str) -> list[object]:
    return [e.message for e in effects if isinstance(e, Send) and e.participant == pid]


def room_with_waiting_client(lobby: Lobby) -> tuple[JoinResult, JoinResult]:
    advisor = lobby.join(ADVISOR, None, 0.0, 1000.0)
    client = lobby.join(CLIENT, None, 1.0, 1001.0)
    return advisor, client


def test_client_waits_and_advisor_sees_the_list() -> None:
    lobby = new_lobby()
    advisor = lobby.join(ADVISOR, None, 0.0, 1000.0)
    assert advisor.admission is Admission.ADMITTED and not advisor.resumed
    greeting = lobby.greeting(advisor.participant)
    assert sends(greeting, advisor.participant)[0] == WaitingList(())
    client = lobby.join(CLIENT, None, 1.0, 1001.0)
    assert client.admission is Admission.WAITING
    [waiting_list] = sends(client.effects, advisor.participant)
    assert isinstance(waiting_list, WaitingList)
    [entry] = waiting_list.entries
    assert (entry.id, entry.display_name, entry.waiting_since, entry.connected) == (
        client.participant, "Erika Mustermann", 1001.0, True)
    assert lobby.greeting(client.participant) == [Send(client.participant, Waiting(None))]
    assert not lobby.may_forward(advisor.participant, client.participant)
    assert not lobby.may_forward(client.participant, advisor.participant)
    assert lobby.visible_publishers(client.participant) == []


def test_admit_opens_the_gate_both_ways() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    effects = lobby.admit(advisor.participant, client.participant, 2.0)
    [admitted] = sends(effects, client.participant)
    assert isinstance(admitted, Admitted)
    assert {p.id for p in admitted.participants} == {advisor.participant, client.participant}
    assert {p.display_name for p in admitted.participants} == {"Alice Advisor",
                                                               "Erika Mustermann"}
    to_advisor = sends(effects, advisor.participant)
    assert any(isinstance(m, Participants) for m in to_advisor)
    assert WaitingList(()) in to_advisor
    assert MediaChanged(ROOM) in effects and AuditEvent("admitted", ROOM, 1) in effects
    assert lobby.may_forward(advisor.participant, client.participant)
    assert lobby.may_forward(client.participant, advisor.participant)
    assert not lobby.may_forward(client.participant, client.participant)
    assert lobby.visible_publishers(client.participant) == [advisor.participant]


def test_deny_and_remove_end_the_session() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    effects = lobby.deny(advisor.participant, client.participant, "Heute nicht", 2.0)
    assert effects[:3] == [Send(client.participant, Denied("Heute nicht")),
                           Disconnect(client.participant, "denied"),
                           Dropped(client.participant)]
    assert AuditEvent("denied", ROOM, 1) in effects
    assert client.participant not in lobby.participants
    second = lobby.join(CLIENT, None, 3.0, 1003.0)  # may come back and wait again
    lobby.admit(advisor.participant, second.participant, 4.0)
    effects = lobby.remove(advisor.participant, second.participant, None, 5.0)
    assert effects[:2] == [Send(second.participant, Removed(None)),
                           Disconnect(second.participant, "removed")]
    assert AuditEvent("removed", ROOM, 1) in effects and MediaChanged(ROOM) in effects
    assert not lobby.may_forward(advisor.participant, second.participant)


def test_remove_a_waiting_client() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    effects = lobby.remove(advisor.participant, client.participant, "Bitte später", 2.0)
    assert Send(client.participant, Removed("Bitte später")) in effects


def test_advisor_decisions_are_checked() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    foreign = lobby.join(FOREIGN_CLIENT, None, 1.0, 1001.0)
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: lobby.admit(client.participant, client.participant, 2.0), codes.FORBIDDEN),
        (lambda: lobby.deny(client.participant, advisor.participant, None, 2.0),
         codes.FORBIDDEN),
        (lambda: lobby.admit(advisor.participant, "p-nobody", 2.0),
         codes.UNKNOWN_PARTICIPANT),
        (lambda: lobby.admit(advisor.participant, foreign.participant, 2.0),
         codes.UNKNOWN_PARTICIPANT),  # another room's client is not visible at all
        (lambda: lobby.remove(advisor.participant, advisor.participant, None, 2.0),
         codes.UNKNOWN_PARTICIPANT),
    ]
    for call, code in cases:
        with pytest.raises(ProtocolError) as caught:
            call()
        assert caught.value.code == code
    lobby.admit(advisor.participant, client.participant, 2.0)
    for call in (lambda: lobby.admit(advisor.participant, client.participant, 3.0),
                 lambda: lobby.deny(advisor.participant, client.participant, None, 3.0)):
        with pytest.raises(ProtocolError) as caught:
            call()
        assert caught.value.code == codes.NOT_WAITING
    assert lobby.participants[foreign.participant].admission is Admission.WAITING


def test_client_leaves() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    lobby.admit(advisor.participant, client.participant, 2.0)
    effects = lobby.leave(client.participant, 3.0)
    assert effects[0] == Disconnect(client.participant, "left")
    assert Dropped(client.participant) in effects
    [participants] = [m for m in sends(effects, advisor.participant)
                      if isinstance(m, Participants)]
    assert [p.id for p in participants.participants] == [advisor.participant]
    assert lobby.leave(client.participant, 4.0) == []


def test_advisor_leaving_returns_admitted_clients_to_waiting() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    lobby.admit(advisor.participant, client.participant, 2.0)
    effects = lobby.leave(advisor.participant, 3.0)
    assert Send(client.participant, Waiting("advisor-left")) in effects
    assert MediaChanged(ROOM) in effects
    assert lobby.participants[client.participant].admission is Admission.WAITING
    assert not lobby.may_forward(client.participant, advisor.participant)
    back = lobby.join(ADVISOR, None, 4.0, 1004.0)  # the advisor returns: must admit again
    greeting = sends(lobby.greeting(back.participant), back.participant)
    assert [e.id for e in greeting[0].entries] == [client.participant]  # type: ignore[attr-defined]
    assert not lobby.may_forward(client.participant, back.participant)


def test_resume_within_the_window_keeps_the_admitted_place() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    lobby.admit(advisor.participant, client.participant, 2.0)
    effects = lobby.detach(client.participant, 10.0)
    [participants] = sends(effects, advisor.participant)
    assert isinstance(participants, Participants)
    assert [p.online for p in participants.participants if p.id == client.participant] == [
        False]
    assert lobby.get_timer() == 70.0
    assert lobby.handle_timer(69.9) == []
    resumed = lobby.join(CLIENT, client.resume_secret, 69.9, 1069.9)
    assert resumed.resumed and resumed.participant == client.participant
    assert resumed.admission is Admission.ADMITTED
    assert resumed.resume_secret != client.resume_secret  # rotated on use
    assert lobby.get_timer() is None
    greeting = lobby.greeting(client.participant)
    assert isinstance(sends(greeting, client.participant)[0], Admitted)
    with pytest.raises(ProtocolError) as caught:  # the old secret is spent
        lobby.join(CLIENT, client.resume_secret, 70.0, 1070.0)
    assert caught.value.code == codes.RESUME_INVALID


def test_resume_after_the_window_waits_again() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    lobby.admit(advisor.participant, client.participant, 2.0)
    lobby.detach(client.participant, 10.0)
    effects = lobby.handle_timer(70.0)
    assert Dropped(client.participant) in effects and MediaChanged(ROOM) in effects
    late = lobby.join(CLIENT, client.resume_secret, 75.0, 1075.0)
    assert not late.resumed and late.admission is Admission.WAITING
    assert late.notice == "resume-expired"
    assert lobby.greeting(late.participant, late.notice) == [
        Send(late.participant, Waiting("resume-expired"))]
    lobby.handle_timer(75.0 + TOMBSTONE_SECONDS)
    with pytest.raises(ProtocolError) as caught:  # long after: just an unknown secret
        lobby.join(CLIENT, client.resume_secret, 80.0 + TOMBSTONE_SECONDS, 0.0)
    assert caught.value.code == codes.RESUME_INVALID


def test_a_waiting_client_resumes_its_waiting_place() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    lobby.detach(client.participant, 5.0)
    resumed = lobby.join(CLIENT, client.resume_secret, 6.0, 1006.0)
    assert resumed.admission is Admission.WAITING and resumed.participant == client.participant
    [waiting_list] = sends(resumed.effects, advisor.participant)
    assert isinstance(waiting_list, WaitingList)
    assert waiting_list.entries[0].waiting_since == 1001.0  # keeps its place in the queue


def test_resume_secret_is_bound_to_its_session() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    lobby.detach(client.participant, 5.0)
    for identity in (OTHER_CLIENT, FOREIGN_CLIENT, ADVISOR):
        with pytest.raises(ProtocolError) as caught:
            lobby.join(identity, client.resume_secret, 6.0, 1006.0)
        assert caught.value.code == codes.RESUME_INVALID
    with pytest.raises(ProtocolError) as caught:
        lobby.join(CLIENT, "made-up-secret", 6.0, 1006.0)
    assert caught.value.code == codes.RESUME_INVALID
    assert not lobby.participants[client.participant].online  # nothing changed


def test_resume_while_still_online_replaces_the_old_connection() -> None:
    lobby = new_lobby()
    _, client = room_with_waiting_client(lobby)
    again = lobby.join(CLIENT, client.resume_secret, 3.0, 1003.0)
    assert Replace(client.participant) in again.effects


def test_advisor_second_tab_takes_over_and_other_advisor_is_refused() -> None:
    lobby = new_lobby()
    advisor, _ = room_with_waiting_client(lobby)
    second = lobby.join(ADVISOR, None, 2.0, 1002.0)
    assert second.participant == advisor.participant and second.resumed
    assert Replace(advisor.participant) in second.effects
    intruder = Identity(Role.ADVISOR, ROOM, "advisor:2", "Bob", advisor_id=2)
    with pytest.raises(ProtocolError) as caught:
        lobby.join(intruder, None, 3.0, 1003.0)
    assert caught.value.code == codes.NOT_YOUR_ROOM


def test_advisor_detached_then_expired_counts_as_leaving() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    lobby.admit(advisor.participant, client.participant, 2.0)
    lobby.detach(advisor.participant, 10.0)
    assert lobby.may_forward(client.participant, advisor.participant)  # within the window
    effects = lobby.handle_timer(70.0)
    assert Send(client.participant, Waiting("advisor-left")) in effects
    assert not lobby.may_forward(client.participant, advisor.participant)


def test_room_full() -> None:
    lobby = new_lobby()
    lobby.join(ADVISOR, None, 0.0, 0.0)
    for number in range(lobby.max_clients_per_room):
        lobby.join(Identity(Role.CLIENT, ROOM, f"client:7:{number}", "N"), None, 1.0, 1.0)
    with pytest.raises(ProtocolError) as caught:
        lobby.join(CLIENT, None, 2.0, 2.0)
    assert caught.value.code == codes.ROOM_FULL


def test_shutdown_stops_joins_and_admissions() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    lobby.stop_admitting()
    for call in (lambda: lobby.join(OTHER_CLIENT, None, 2.0, 2.0),
                 lambda: lobby.admit(advisor.participant, client.participant, 2.0)):
        with pytest.raises(ProtocolError) as caught:
            call()
        assert caught.value.code == codes.SHUTTING_DOWN


def test_device_check_reaches_the_waiting_list() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    check = DeviceCheck(True, False, Verdict.AUDIO_ONLY, 120.0, 3.5, 300.0)
    effects = lobby.device_check(client.participant, check)
    [waiting_list] = sends(effects, advisor.participant)
    assert isinstance(waiting_list, WaitingList)
    assert waiting_list.entries[0].device_check == check


def test_withdrawn_consent_ends_only_that_visit() -> None:
    lobby = new_lobby()
    advisor, client = room_with_waiting_client(lobby)
    other = lobby.join(OTHER_CLIENT, None, 1.0, 1001.0)
    effects = lobby.end_consent(ROOM, 11, 2.0)
    assert Disconnect(client.participant, "consent-withdrawn") in effects
    assert client.participant not in lobby.participants
    assert other.participant in lobby.participants
    assert lobby.end_consent(99, 11, 2.0) == []


def test_a_waiting_client_learns_nothing_about_the_room() -> None:
    """Drive a whole scenario and collect every message addressed to a waiting client."""
    lobby = new_lobby()
    collected: list[object] = []
    waiting = lobby.join(CLIENT, None, 0.0, 0.0)
    collected += sends(lobby.greeting(waiting.participant), waiting.participant)
    advisor = lobby.join(ADVISOR, None, 1.0, 1.0)
    other = lobby.join(OTHER_CLIENT, None, 2.0, 2.0)
    steps: list[list[Effect]] = [
        list(advisor.effects), list(other.effects), lobby.greeting(advisor.participant),
        lobby.admit(advisor.participant, other.participant, 3.0),
        lobby.detach(other.participant, 4.0),
        list(lobby.join(OTHER_CLIENT, other.resume_secret, 5.0, 5.0).effects),
        lobby.device_check(waiting.participant, DeviceCheck(True, True)),
        lobby.remove(advisor.participant, other.participant, None, 6.0),
        lobby.leave(advisor.participant, 7.0),
    ]
    for effects in steps:
        collected += sends(effects, waiting.participant)
    assert collected == [Waiting(None)]
    text = repr(collected)
    assert "Alice" not in text and "Max" not in text and advisor.participant not in text


def test_echo_identities_are_not_for_the_lobby() -> None:
    with pytest.raises(ValueError):
        new_lobby().join(Identity(Role.ECHO, None, "echo", ""), None, 0.0, 0.0)
