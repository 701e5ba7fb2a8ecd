"""TURN REST credentials (coturn's use-auth-secret scheme) and the iceServers list."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from signalling.outbound import IceServer
from signalling.turn import ice_servers_for, turn_rest_credentials


def test_credentials_follow_the_coturn_formula() -> None:
    username, password = turn_rest_credentials("s3cret", "pabc", 1_700_000_000.7, 3600)
    assert username == "1700003600:pabc"
    expected = base64.b64encode(hmac.new(b"s3cret", b"1700003600:pabc", hashlib.sha1).digest())
    assert password == expected.decode()
    # computed independently: echo -n 1700003600:pabc | openssl sha1 -hmac s3cret -binary | base64
    assert password == "aF2Vwv30V4E8jRnP3ZHhBlPV+Po="


def test_other_secret_or_subject_gives_other_password() -> None:
    base = turn_rest_credentials("a", "p1", 0, 60)[1]
    assert turn_rest_credentials("b", "p1", 0, 60)[1] != base
    assert turn_rest_credentials("a", "p2", 0, 60)[1] != base


def test_subject_must_not_contain_the_separator() -> None:
    with pytest.raises(ValueError):
        turn_rest_credentials("s", "a:b", 0, 60)


def test_ice_servers_group_stun_and_turn() -> None:
    urls = ("stun:stun.example.org:3478", "turn:turn.example.org:3478?transport=udp",
            "turns:turn.example.org:443?transport=tcp")
    stun, turn = ice_servers_for(urls, "secret", "p9", 100.0, 600)
    assert stun == IceServer(("stun:stun.example.org:3478",))
    assert turn.urls == urls[1:] and turn.username == "700:p9"
    assert turn.credential == turn_rest_credentials("secret", "p9", 100.0, 600)[1]


def test_no_servers_or_no_secret() -> None:
    assert ice_servers_for((), "secret", "p", 0, 60) == ()
    assert ice_servers_for(("turn:t.example:3478",), "", "p", 0, 60) == ()
