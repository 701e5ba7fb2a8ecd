"""Resume secrets: a participant's bearer proof for taking its place back after a reconnect.

A secret is 256 random bits, given to the participant's own connection only; the lobby keeps
just its SHA-256 (as for access tokens) and rotates it on every use, so a replayed secret is
worthless once its owner resumed. The secret is bound to the participant, whose identity
(`Identity.subject`) the resuming join must match as well.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

RESUME_WINDOW = 60.0  # s: an admitted place survives a reload or network change this long
SECRET_BYTES = 32


def new_resume_secret(random_bytes: Callable[[int], bytes]) -> tuple[str, bytes]:
    """(secret for the client, digest to keep)."""
    secret = base64.urlsafe_b64encode(random_bytes(SECRET_BYTES)).rstrip(b"=").decode("ascii")
    return secret, secret_digest(secret)


def secret_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "replace")).digest()


def same_digest(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
