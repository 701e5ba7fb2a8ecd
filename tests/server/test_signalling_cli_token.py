"""Minting the interim advisor token for a username, as the CLI will."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from server.config import SignallingConfig
from server.services import open_services
from server.signalling.cli_token import TokenError, mint_for_username
from signalling.advisor_token import parse_advisor_token_untrusted
from tests.integration.signalling_harness import ADVISOR_SECRET, fast_passwords, make_config


async def test_mint_for_username(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    async with open_services(config, public_url="http://127.0.0.1", passwords=fast_passwords()
                             ) as services:
        advisor, _ = await services.accounts.add("alice", "Alice", password="x" * 20)
        token = await mint_for_username(config, services.repo, "alice", hours=2,
                                        appointment_id=5, wall_now=1_000_000.0)
        claim = parse_advisor_token_untrusted(token, ADVISOR_SECRET.encode(), 1_000_000.0)
        assert (claim.advisor_id, claim.expires_at, claim.appointment_id) == (
            advisor.id, 1_007_200, 5)
        with pytest.raises(TokenError):
            await mint_for_username(config, services.repo, "nobody")
        with pytest.raises(TokenError):
            await mint_for_username(config, services.repo, "alice", hours=0)
        await services.accounts.set_disabled("alice", True)
        with pytest.raises(TokenError):
            await mint_for_username(config, services.repo, "alice")
        unset = dataclasses.replace(config, signalling=SignallingConfig(advisor_token_secret=""))
        with pytest.raises(TokenError):
            await mint_for_username(unset, services.repo, "alice")
