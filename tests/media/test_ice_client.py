"""The controlling ICE client wired back to back with the ICE-lite agent under a hand clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from media.ice_client import (
    PEER_REFLEXIVE_PRIORITY,
    IceClientConnected,
    IceClientFailed,
    IceClientState,
    IceClientStateError,
    IceControllingClient,
)
from media.ice_lite import IceConnected, IceConsentExpired, IceLiteAgent, IceState
from media.negotiated import IceCredentials
from media.stun import (
    BINDING,
    StunClass,
    encode_stun,
    parse_stun_untrusted,
    verify_fingerprint,
    verify_message_integrity,
)
from media.stun_attributes import ERROR_CODE, encode_error_code

SERVER = IceCredentials(ufrag="srvU", pwd="server-password-0123456789")
BROWSER = IceCredentials(ufrag="brwU", pwd="browser-password-987654321")
SERVER_ADDR = ("127.0.0.1", 3478)
CLIENT_ADDR = ("127.0.0.1", 50123)

Loss = Callable[[float, bytes], bool]  # (now, datagram) -> drop it?


class Link:
    """Client and agent joined by a lossy wire; `sent` records when the client transmitted."""

    def __init__(self, *, jitter: float = 1.0, agent_pwd: str = SERVER.pwd) -> None:
        self.client = IceControllingClient(
            BROWSER, SERVER, SERVER_ADDR, tie_breaker=0x0123456789ABCDEF, jitter=lambda: jitter
        )
        self.agent = IceLiteAgent(IceCredentials(SERVER.ufrag, agent_pwd), BROWSER)
        self.sent: list[float] = []
        self.client_events: list[object] = []
        self.agent_events: list[object] = []

    def start(self, now: float, lose: Loss = lambda now, datagram: False) -> None:
        self.client.start(now)
        self.pump(now, lose)

    def pump(self, now: float, lose: Loss) -> None:
        for datagram in self.client.datagrams_to_send(now):
            self.sent.append(now)
            if lose(now, datagram):
                continue
            response = self.agent.receive_stun(
                parse_stun_untrusted(datagram), datagram, CLIENT_ADDR, now
            )
            if response is not None:
                self.client.receive_stun(parse_stun_untrusted(response), response, now)
        self._collect()

    def run(self, until: float, lose: Loss = lambda now, datagram: False) -> None:
        """Advance the clock from timer to timer up to `until`, delivering what is sent."""
        while True:
            deadlines = [t for t in (self.client.get_timer(), self.agent.get_timer()) if t]
            now = min(deadlines, default=until)
            if now > until:
                return
            self.client.handle_timer(now)
            self.agent.handle_timer(now)
            self.pump(now, lose)
            if not deadlines:
                return

    def _collect(self) -> None:
        while (event := self.client.next_event()) is not None:
            self.client_events.append(event)
        while (agent_event := self.agent.next_event()) is not None:
            self.agent_events.append(agent_event)


def test_request_carries_what_a_browser_sends() -> None:
    link = Link()
    link.client.start(0.0)
    (datagram,) = link.client.datagrams_to_send(0.0)
    message = parse_stun_untrusted(datagram)
    assert (message.message_class, message.method) == (StunClass.REQUEST, BINDING)
    assert message.username == b"srvU:brwU"
    assert message.priority == PEER_REFLEXIVE_PRIORITY
    assert message.ice_controlling == 0x0123456789ABCDEF
    assert message.ice_controlled is None
    assert message.use_candidate
    assert verify_message_integrity(datagram, message, SERVER.pwd.encode())
    assert verify_fingerprint(datagram, message)
    assert link.client.datagrams_to_send(0.0) == []


def test_connects_at_once() -> None:
    link = Link()
    link.start(0.0)
    assert link.client.state is IceClientState.CONNECTED
    assert link.client_events == [IceClientConnected(CLIENT_ADDR)]
    assert link.agent_events == [IceConnected(CLIENT_ADDR)]
    assert link.client.get_timer() == 5.0  # first consent check (RFC 7675 §5.1)


def test_lost_first_request_is_retransmitted_after_500_ms() -> None:
    link = Link()
    link.start(0.0, lose=lambda now, datagram: True)
    assert link.client.state is IceClientState.CHECKING
    assert link.client.get_timer() == 0.5
    link.run(until=1.0)
    assert link.sent == [0.0, 0.5]
    assert link.client_events == [IceClientConnected(CLIENT_ADDR)]
    assert link.agent.selected_address == CLIENT_ADDR


def test_retransmission_schedule_and_failure_without_answers() -> None:
    """RFC 8489 §6.2.1: sends at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; gives up at 39.5 s."""
    link = Link()
    link.start(0.0, lose=lambda now, datagram: True)
    link.run(until=100.0, lose=lambda now, datagram: True)
    assert link.sent == [0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert link.client.state is IceClientState.FAILED
    assert link.client_events == [IceClientFailed("no response to the connectivity check")]
    assert link.client.get_timer() is None


def test_wrong_password_never_connects() -> None:
    """The agent answers 401 without MESSAGE-INTEGRITY; the client discards it and gives up."""
    link = Link(agent_pwd="not-the-password-the-browser-has")
    link.start(0.0)
    link.run(until=100.0)
    assert len(link.sent) == 7
    assert link.agent.selected_address is None
    assert link.client_events == [IceClientFailed("no response to the connectivity check")]


def test_consent_keeps_both_sides_connected() -> None:
    link = Link()
    link.start(0.0)
    link.run(until=120.0)
    assert link.sent[:4] == [0.0, 5.0, 10.0, 15.0]
    assert len(link.sent) == 25  # one check every 5 s
    assert link.client.state is IceClientState.CONNECTED
    assert link.agent.state is IceState.CONNECTED
    assert link.agent.get_timer() == 150.0
    assert link.client_events == [IceClientConnected(CLIENT_ADDR)]


def test_jitter_source_sets_the_consent_interval() -> None:
    link = Link(jitter=0.8)
    link.start(0.0)
    link.run(until=11.0)
    assert link.sent == [0.0, 4.0, 8.0]


def test_network_loss_expires_consent_on_both_sides() -> None:
    link = Link()
    link.start(0.0)
    link.run(until=20.0)  # last delivered check at 20 s
    link.run(until=100.0, lose=lambda now, datagram: True)
    assert link.agent_events == [IceConnected(CLIENT_ADDR), IceConsentExpired()]
    assert link.agent.state is IceState.DISCONNECTED
    assert link.client_events == [
        IceClientConnected(CLIENT_ADDR), IceClientFailed("consent expired")
    ]
    assert link.client.state is IceClientState.FAILED


def test_consent_survives_a_few_lost_checks() -> None:
    link = Link()
    link.start(0.0)
    link.run(until=60.0, lose=lambda now, datagram: 10.0 <= now <= 25.0)  # 25 s unanswered
    assert link.client.state is IceClientState.CONNECTED
    assert link.agent.state is IceState.CONNECTED


def test_foreign_and_forged_responses_are_ignored() -> None:
    link = Link()
    link.client.start(0.0)
    (datagram,) = link.client.datagrams_to_send(0.0)
    tid = parse_stun_untrusted(datagram).transaction_id
    for raw in (
        encode_stun(StunClass.SUCCESS, BINDING, b"x" * 12, [], integrity_key=SERVER.pwd.encode()),
        encode_stun(StunClass.SUCCESS, BINDING, tid, [], integrity_key=b"forged"),
        encode_stun(StunClass.SUCCESS, BINDING, tid, []),
        encode_stun(StunClass.INDICATION, BINDING, tid, [], integrity_key=SERVER.pwd.encode()),
    ):
        link.client.receive_stun(parse_stun_untrusted(raw), raw, 0.1)
    assert link.client.state is IceClientState.CHECKING
    assert link.client.next_event() is None


def test_signed_role_conflict_fails_the_client() -> None:
    link = Link()
    link.client.start(0.0)
    (datagram,) = link.client.datagrams_to_send(0.0)
    tid = parse_stun_untrusted(datagram).transaction_id
    raw = encode_stun(
        StunClass.ERROR, BINDING, tid, [(ERROR_CODE, encode_error_code(487))],
        integrity_key=SERVER.pwd.encode(), fingerprint=True,
    )
    link.client.receive_stun(parse_stun_untrusted(raw), raw, 0.1)
    assert link.client.state is IceClientState.FAILED
    assert link.client.next_event() == IceClientFailed("error response 487 Role Conflict")


def test_start_twice_is_an_illegal_transition() -> None:
    link = Link()
    link.client.start(0.0)
    with pytest.raises(IceClientStateError):
        link.client.start(1.0)
