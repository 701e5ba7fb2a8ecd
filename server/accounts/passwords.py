"""Password hashing with argon2id (RFC 9106).

Parameters are RFC 9106's second recommended option (t=3, m=64 MiB, p=4): about 0.1 s per hash
on a small server, run in a worker thread so the event loop (and the media path) never waits.
Lighter parameters exist only for tests and are never read from configuration.
"""

from __future__ import annotations

import secrets

import trio
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TIME_COST = 3
MEMORY_COST_KIB = 64 * 1024
PARALLELISM = 4
HASH_LEN = 32
SALT_LEN = 16
MIN_PASSWORD_LENGTH = 12
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


def production_hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM,
        hash_len=HASH_LEN, salt_len=SALT_LEN, type=Type.ID,
    )


def generate_password(length: int = 20) -> str:
    """A random password of ~114 bits, easy to read out and type."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or production_hasher()
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await trio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Check a password; with no stored hash, spend the same time and say no.

        The dummy verification keeps "no such user" as slow as "wrong password", so response
        times do not reveal which usernames exist.
        """
        if stored_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self.hash(generate_password())
            stored_hash = self._dummy_hash
            password = password + "\x00never"
        return await trio.to_thread.run_sync(self._verify_sync, stored_hash, password)

    def _verify_sync(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
