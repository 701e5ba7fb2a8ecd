"""Random bearer tokens (access links, session and consent cookies) and their stored hashes.

A token is 32 random bytes (256 bits, well above the 128 bits the service promises), written
URL-safe. Only its SHA-256 is stored: whoever reads the database cannot open a consultation
or take over a session. A plain hash suffices because the token itself is uniformly random.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def looks_like_token(value: str) -> bool:
    """Cheap shape check before any database look-up (rejects junk in URLs and cookies)."""
    return bool(_TOKEN_SHAPE.match(value))
