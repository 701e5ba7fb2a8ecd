"""`videotermin advisor token USERNAME`: mint the interim advisor token on the command line.

The token only verifies in a server with the same `signalling.advisor_token_secret`, so an
empty secret (a random one per process) is refused here instead of printing a useless token.
"""

from __future__ import annotations

import time

from server.config import Config
from server.storage.repository import Repository
from signalling.advisor_token import MIN_SECRET_BYTES, mint_advisor_token

DEFAULT_HOURS = 8.0


class TokenError(Exception):
    """The token cannot be minted (no secret configured, unknown or disabled account)."""


async def mint_for_username(config: Config, repo: Repository, username: str, *,
                            hours: float = DEFAULT_HOURS,
                            appointment_id: int | None = None,
                            wall_now: float | None = None) -> str:
    secret = config.signalling.advisor_token_secret.encode("utf-8")
    if len(secret) < MIN_SECRET_BYTES:
        raise TokenError(f"set signalling.advisor_token_secret (at least {MIN_SECRET_BYTES} "
                         "bytes) in the configuration the server runs with")
    if not 0 < hours <= 24 * 30:
        raise TokenError("--hours must be between 0 and 720")
    advisor = await repo.advisor_by_username(username)
    if advisor is None or advisor.disabled:
        raise TokenError(f"no active advisor account {username!r}")
    now = time.time() if wall_now is None else wall_now
    return mint_advisor_token(secret, advisor.id, int(now + hours * 3600), appointment_id)
