"""ICE-lite agent under a hand-driven clock: authentication, nomination, roles, consent."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from media.errors import BadPacket
from media.ice_lite import (
    IceAddressChanged,
    IceConnected,
    IceConsentExpired,
    IceEvent,
    IceLiteAgent,
    IceState,
    IceStateError,
    check_transition,
    lookup_ufrag,
)
from media.negotiated import IceCredentials
from media.stun import (
    BINDING,
    StunClass,
    StunMessage,
    encode_stun,
    parse_stun_untrusted,
    verify_fingerprint,
    verify_message_integrity,
)
from media.stun_attributes import (
    ICE_CONTROLLED,
    ICE_CONTROLLING,
    MESSAGE_INTEGRITY,
    PRIORITY,
    SOFTWARE,
    USE_CANDIDATE,
    USERNAME,
    encode_priority,
    encode_tie_breaker,
)
from tests.conftest import fuzz_budget

SERVER = IceCredentials(ufrag="srvU", pwd="server-password-0123456789")
BROWSER = IceCredentials(ufrag="brwU", pwd="browser-password-987654321")
PHONE_WIFI = ("192.0.2.10", 50000)
PHONE_LTE = ("198.51.100.7", 40000)


def check(
    *,
    username: str | None = "srvU:brwU",
    key: bytes | None = SERVER.pwd.encode(),
    nominate: bool = True,
    controlling: bool = True,
    controlled: bool = False,
    extra: tuple[tuple[int, bytes], ...] = (),
    method: int = BINDING,
    message_class: StunClass = StunClass.REQUEST,
    tid: bytes = b"T" * 12,
) -> tuple[StunMessage, bytes]:
    """A browser-like connectivity check (RFC 8445 §7.2.2), parsed as the server would."""
    attributes: list[tuple[int, bytes]] = [(PRIORITY, encode_priority(1862270975)), *extra]
    if username is not None:
        attributes.insert(0, (USERNAME, username.encode()))
    if controlling:
        attributes.append((ICE_CONTROLLING, encode_tie_breaker(0x1111)))
    if controlled:
        attributes.append((ICE_CONTROLLED, encode_tie_breaker(0x2222)))
    if nominate:
        attributes.append((USE_CANDIDATE, b""))
    raw = encode_stun(message_class, method, tid, attributes, integrity_key=key, fingerprint=True)
    return parse_stun_untrusted(raw), raw


def send(
    agent: IceLiteAgent, addr: tuple[str, int], now: float, **kwargs: object
) -> StunMessage | None:
    message, raw = check(**kwargs)  # type: ignore[arg-type]
    response = agent.receive_stun(message, raw, addr, now)
    return None if response is None else parse_stun_untrusted(response)


def events(agent: IceLiteAgent) -> list[IceEvent]:
    out: list[IceEvent] = []
    while (event := agent.next_event()) is not None:
        out.append(event)
    return out


def new_agent(remote: IceCredentials | None = BROWSER) -> IceLiteAgent:
    return IceLiteAgent(SERVER, remote)


def assert_error(response: StunMessage | None, code: int, *, signed: bool) -> None:
    assert response is not None
    assert response.message_class is StunClass.ERROR
    assert response.error_code is not None and response.error_code[0] == code
    assert response.fingerprint_offset is not None
    assert response.has(MESSAGE_INTEGRITY) is signed


def test_authenticated_nomination_connects() -> None:
    agent = new_agent()
    message, raw = check()
    response_raw = agent.receive_stun(message, raw, PHONE_WIFI, now=100.0)
    assert response_raw is not None
    response = parse_stun_untrusted(response_raw)
    assert response.message_class is StunClass.SUCCESS
    assert response.transaction_id == message.transaction_id
    assert response.xor_mapped_address == PHONE_WIFI
    assert verify_message_integrity(response_raw, response, SERVER.pwd.encode())
    assert verify_fingerprint(response_raw, response)
    assert agent.state is IceState.CONNECTED
    assert agent.selected_address == PHONE_WIFI
    assert events(agent) == [IceConnected(PHONE_WIFI)]
    assert agent.get_timer() == 130.0


def test_check_without_use_candidate_is_answered_but_selects_nothing() -> None:
    agent = new_agent()
    response = send(agent, PHONE_WIFI, 0.0, nominate=False)
    assert response is not None and response.message_class is StunClass.SUCCESS
    assert agent.state is IceState.NEW
    assert agent.selected_address is None
    assert events(agent) == []
    assert agent.get_timer() is None
    send(agent, PHONE_WIFI, 1.0)  # regular nomination follows
    assert events(agent) == [IceConnected(PHONE_WIFI)]


def test_wrong_password_gets_401_and_learns_nothing() -> None:
    agent = new_agent()
    assert_error(send(agent, PHONE_WIFI, 0.0, key=b"guessed"), 401, signed=False)
    assert agent.state is IceState.NEW
    assert agent.selected_address is None
    assert events(agent) == []


@pytest.mark.parametrize("missing", ["username", "integrity"])
def test_missing_username_or_integrity_gets_400(missing: str) -> None:
    agent = new_agent()
    kwargs: dict[str, object] = {"username": None} if missing == "username" else {"key": None}
    assert_error(send(agent, PHONE_WIFI, 0.0, **kwargs), 400, signed=False)
    assert agent.selected_address is None


@pytest.mark.parametrize("username", ["srvU:other", "other:brwU", "srvU", "srvU:", ":brwU"])
def test_wrong_username_gets_401(username: str) -> None:
    agent = new_agent()
    assert_error(send(agent, PHONE_WIFI, 0.0, username=username), 401, signed=False)
    assert agent.selected_address is None


def test_any_remote_ufrag_accepted_until_remote_credentials_known() -> None:
    agent = new_agent(remote=None)
    assert send(agent, PHONE_WIFI, 0.0, username="srvU:early", nominate=False) is not None
    assert agent.state is IceState.NEW
    assert_error(send(agent, PHONE_WIFI, 0.0, username="srvU:"), 401, signed=False)
    agent.set_remote_credentials(BROWSER)
    assert_error(send(agent, PHONE_WIFI, 1.0, username="srvU:early"), 401, signed=False)
    response = send(agent, PHONE_WIFI, 2.0)
    assert response is not None and response.message_class is StunClass.SUCCESS
    assert agent.state is IceState.CONNECTED


def test_peer_claiming_controlled_gets_487_signed() -> None:
    """RFC 8445 §7.3.1.1: a lite agent stays controlled and tells the peer to switch."""
    agent = new_agent()
    message, raw = check(controlling=False, controlled=True)
    response_raw = agent.receive_stun(message, raw, PHONE_WIFI, 0.0)
    assert response_raw is not None
    response = parse_stun_untrusted(response_raw)
    assert_error(response, 487, signed=True)
    assert response.error_code == (487, "Role Conflict")
    assert verify_message_integrity(response_raw, response, SERVER.pwd.encode())
    assert agent.state is IceState.NEW and agent.selected_address is None


def test_controlling_peer_and_legacy_peer_without_role_are_normal() -> None:
    agent = new_agent()
    response = send(agent, PHONE_WIFI, 0.0, controlling=False, nominate=False)
    assert response is not None and response.message_class is StunClass.SUCCESS
    response = send(agent, PHONE_WIFI, 0.0, controlling=True)
    assert response is not None and response.message_class is StunClass.SUCCESS


def test_consent_expires_30_s_after_last_check() -> None:
    agent = new_agent()
    send(agent, PHONE_WIFI, 0.0)
    events(agent)
    agent.handle_timer(29.999)
    assert agent.state is IceState.CONNECTED
    agent.handle_timer(30.0)
    assert agent.state is IceState.DISCONNECTED
    assert events(agent) == [IceConsentExpired()]
    assert agent.get_timer() is None
    agent.handle_timer(31.0)
    assert events(agent) == []


def test_consent_refreshed_by_checks_from_the_selected_address() -> None:
    agent = new_agent()
    send(agent, PHONE_WIFI, 0.0)
    send(agent, PHONE_WIFI, 20.0, nominate=False)  # consent checks need not nominate
    assert agent.get_timer() == 50.0
    send(agent, PHONE_LTE, 45.0, nominate=False)  # another address does not refresh
    agent.handle_timer(45.0)
    assert agent.get_timer() == 50.0
    send(agent, PHONE_WIFI, 45.0, key=b"wrong")  # nor does an unauthenticated check
    assert agent.get_timer() == 50.0
    agent.handle_timer(50.0)
    assert agent.state is IceState.DISCONNECTED
    assert events(agent) == [IceConnected(PHONE_WIFI), IceConsentExpired()]


def test_after_expiry_checks_are_answered_but_state_stays() -> None:
    agent = new_agent()
    send(agent, PHONE_WIFI, 0.0)
    agent.handle_timer(30.0)
    response = send(agent, PHONE_WIFI, 31.0)
    assert response is not None and response.message_class is StunClass.SUCCESS
    assert agent.state is IceState.DISCONNECTED
    assert agent.get_timer() is None


def test_address_moves_only_on_authenticated_nomination() -> None:
    agent = new_agent()
    send(agent, PHONE_WIFI, 0.0)
    assert_error(send(agent, PHONE_LTE, 1.0, key=b"attacker"), 401, signed=False)
    assert agent.selected_address == PHONE_WIFI
    send(agent, PHONE_LTE, 2.0, nominate=False)  # authenticated but not nominated
    assert agent.selected_address == PHONE_WIFI
    send(agent, PHONE_LTE, 3.0)
    assert agent.selected_address == PHONE_LTE
    assert agent.state is IceState.CONNECTED
    assert agent.get_timer() == 33.0
    assert events(agent) == [IceConnected(PHONE_WIFI), IceAddressChanged(PHONE_WIFI, PHONE_LTE)]


@pytest.mark.parametrize(
    ("method", "message_class"),
    [(0x003, StunClass.REQUEST),  # TURN Allocate
     (BINDING, StunClass.INDICATION),
     (BINDING, StunClass.SUCCESS),
     (BINDING, StunClass.ERROR)],
)
def test_only_binding_requests_are_answered(method: int, message_class: StunClass) -> None:
    agent = new_agent()
    assert send(agent, PHONE_WIFI, 0.0, method=method, message_class=message_class) is None
    assert agent.state is IceState.NEW


def test_bad_fingerprint_is_dropped_silently() -> None:
    agent = new_agent()
    message, raw = check()
    broken = raw[:-1] + bytes([raw[-1] ^ 1])
    assert agent.receive_stun(parse_stun_untrusted(broken), broken, PHONE_WIFI, 0.0) is None
    assert agent.state is IceState.NEW


def test_unknown_comprehension_required_attribute_gets_420() -> None:
    agent = new_agent()
    response = send(agent, PHONE_WIFI, 0.0, extra=((0x7F01, b"??"),))
    assert_error(response, 420, signed=True)
    assert response is not None and response.unknown_attributes == (0x7F01,)
    assert agent.state is IceState.NEW
    # Unknown comprehension-optional ones (Chrome's GOOG-NETWORK-INFO 0xC057) are fine.
    response = send(agent, PHONE_WIFI, 0.0, extra=((0xC057, b"\0\1\0\2"), (SOFTWARE, b"x")))
    assert response is not None and response.message_class is StunClass.SUCCESS


def test_ipv6_peer_gets_ipv6_mapped_address() -> None:
    agent = new_agent()
    addr = ("2001:db8::5", 61000)
    response = send(agent, addr, 0.0)
    assert response is not None and response.xor_mapped_address == addr
    assert agent.selected_address == addr


def test_ice_restart_keeps_the_flow_and_switches_credentials() -> None:
    agent = new_agent()
    send(agent, PHONE_WIFI, 0.0)
    new_browser = IceCredentials(ufrag="brw2", pwd="another-browser-password-1")
    agent.set_remote_credentials(new_browser)
    assert agent.state is IceState.CONNECTED
    assert_error(send(agent, PHONE_WIFI, 1.0), 401, signed=False)
    send(agent, PHONE_WIFI, 2.0, username="srvU:brw2")
    assert agent.get_timer() == 32.0
    new_server = IceCredentials(ufrag="srv2", pwd="another-server-password-22")
    agent.restart(new_server, new_browser)
    assert agent.local_credentials == new_server
    assert_error(send(agent, PHONE_WIFI, 3.0, username="srvU:brw2"), 401, signed=False)
    send(agent, PHONE_WIFI, 4.0, username="srv2:brw2", key=new_server.pwd.encode())
    assert agent.get_timer() == 34.0


def test_ice_restart_after_consent_loss_starts_anew() -> None:
    agent = new_agent()
    send(agent, PHONE_WIFI, 0.0)
    agent.handle_timer(30.0)
    agent.set_remote_credentials(BROWSER)  # renegotiation without restart: no change
    assert agent.state is IceState.DISCONNECTED
    agent.set_remote_credentials(IceCredentials(ufrag="brw3", pwd="third-browser-password-333"))
    assert agent.state is IceState.NEW and agent.selected_address is None
    send(agent, PHONE_LTE, 40.0, username="srvU:brw3")
    assert agent.state is IceState.CONNECTED
    assert events(agent)[-1] == IceConnected(PHONE_LTE)


def test_transition_table() -> None:
    assert check_transition(IceState.NEW, IceState.CONNECTED) is IceState.CONNECTED
    assert check_transition(IceState.CONNECTED, IceState.DISCONNECTED) is IceState.DISCONNECTED
    assert check_transition(IceState.DISCONNECTED, IceState.NEW) is IceState.NEW
    for current, new in [
        (IceState.NEW, IceState.DISCONNECTED),
        (IceState.CONNECTED, IceState.NEW),
        (IceState.DISCONNECTED, IceState.CONNECTED),
        (IceState.CONNECTED, IceState.CONNECTED),
    ]:
        with pytest.raises(IceStateError):
            check_transition(current, new)


def test_lookup_ufrag() -> None:
    message, _ = check()
    assert message.username is not None and lookup_ufrag(message.username) == "srvU"
    assert lookup_ufrag(b"a:b:c") == "a"
    assert lookup_ufrag(b"abc") is None
    assert lookup_ufrag(b":abc") is None
    assert lookup_ufrag(b"\xff\xfe:abc") is None


@settings(max_examples=fuzz_budget(500, 50_000), deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=4),
    st.integers(0, 200),
    st.booleans(),
)
def test_fuzz_mutated_checks_never_raise_or_connect_unauthenticated(
    flips: list[tuple[int, int]], cut: int, truncate: bool
) -> None:
    agent = new_agent()
    _, raw = check()
    data = bytearray(raw)
    for position, mask in flips:
        data[position % len(data)] ^= mask
    if truncate:  # cut, then make the header length agree so the parser looks further
        del data[cut % len(data):]
        if len(data) >= 4:
            struct.pack_into("!H", data, 2, max(0, len(data) - 20) & 0xFFFF)
    mutated = bytes(data)
    try:
        message = parse_stun_untrusted(mutated)
    except BadPacket:
        return
    response = agent.receive_stun(message, mutated, PHONE_WIFI, 0.0)
    if response is not None:
        parse_stun_untrusted(response)
    if agent.state is IceState.CONNECTED:
        assert verify_message_integrity(mutated, message, SERVER.pwd.encode())
