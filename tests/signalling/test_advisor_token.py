"""The interim advisor token: mint, verify, and refuse forged, expired or malformed ones."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signalling import codes
from signalling.advisor_token import AdvisorClaim, mint_advisor_token, parse_advisor_token_untrusted
from signalling.errors import ProtocolError
from tests.conftest import fuzz_budget

SECRET = b"0123456789abcdef0123456789abcdef"
NOW = 1_750_000_000.0


def code_of(token: str, secret: bytes = SECRET, now: float = NOW) -> str:
    with pytest.raises(ProtocolError) as caught:
        parse_advisor_token_untrusted(token, secret, now)
    return caught.value.code


def test_round_trip_with_and_without_room() -> None:
    token = mint_advisor_token(SECRET, 42, int(NOW) + 60)
    assert token.startswith("vta1.42.")
    assert parse_advisor_token_untrusted(token, SECRET, NOW) == AdvisorClaim(42, int(NOW) + 60,
                                                                            None)
    scoped = mint_advisor_token(SECRET, 42, int(NOW) + 60, appointment_id=7)
    assert parse_advisor_token_untrusted(scoped, SECRET, NOW).appointment_id == 7


def test_forgeries_are_refused() -> None:
    token = mint_advisor_token(SECRET, 42, int(NOW) + 60)
    prefix, advisor, expiry, room, signature = token.split(".")
    assert code_of(f"{prefix}.43.{expiry}.{room}.{signature}") == codes.ADVISOR_TOKEN_INVALID
    assert code_of(f"{prefix}.{advisor}.{int(expiry) + 1}.{room}.{signature}") == \
        codes.ADVISOR_TOKEN_INVALID
    assert code_of(f"{prefix}.{advisor}.{expiry}.7.{signature}") == codes.ADVISOR_TOKEN_INVALID
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert code_of(f"{prefix}.{advisor}.{expiry}.{room}.{flipped}") == \
        codes.ADVISOR_TOKEN_INVALID
    assert code_of(token, secret=b"another-secret-of-enough-length") == \
        codes.ADVISOR_TOKEN_INVALID


def test_expiry_and_configuration() -> None:
    token = mint_advisor_token(SECRET, 42, int(NOW) + 60)
    assert code_of(token, now=NOW + 60) == codes.ADVISOR_TOKEN_EXPIRED
    assert code_of(token, secret=b"short") == codes.ADVISOR_TOKEN_INVALID
    with pytest.raises(ValueError):
        mint_advisor_token(b"short", 1, 0)
    with pytest.raises(ValueError):
        mint_advisor_token(SECRET, 0, 0)


@pytest.mark.parametrize("token", ["", "vta1", "vta1.1.2.*", "vta2.1.2.*." + "A" * 43,
                                   "vta1.01.2.*." + "A" * 43, "vta1.1.2.*." + "A" * 500,
                                   "vta1.-1.2.*." + "A" * 43, "ｖta1.1.2.*." + "A" * 43])
def test_malformed(token: str) -> None:
    assert code_of(token) == codes.ADVISOR_TOKEN_INVALID


@settings(max_examples=fuzz_budget(short=500), deadline=None)
@given(st.text(max_size=300))
def test_fuzz_only_protocol_errors(token: str) -> None:
    try:
        parse_advisor_token_untrusted(token, SECRET, NOW)
    except ProtocolError as error:
        assert error.code in (codes.ADVISOR_TOKEN_INVALID, codes.ADVISOR_TOKEN_EXPIRED)
