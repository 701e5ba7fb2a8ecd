"""The interim advisor token: an HMAC-signed bearer token the CLI mints for one advisor.

Format: "vta1.<advisor id>.<expiry Unix s>.<room or *>.<signature>", the signature being
base64url(HMAC-SHA256(secret, everything before it)) (RFC 2104). It names the advisor and
optionally one appointment; the server still checks that the appointment is the advisor's, so
a token never opens someone else's room. Advisor session cookies (the appointments issue) are
the primary way in; this token keeps scripted and CLI-driven use possible.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from signalling import codes
from signalling.errors import ProtocolError

PREFIX = "vta1"
MAX_TOKEN_CHARS = 200
_SHAPE = re.compile(r"vta1\.([1-9][0-9]{0,15})\.([0-9]{1,12})\.(\*|[1-9][0-9]{0,15})"
                    r"\.([A-Za-z0-9_-]{43})")
MIN_SECRET_BYTES = 16


@dataclass(frozen=True, slots=True)
class AdvisorClaim:
    advisor_id: int
    expires_at: int  # Unix time (s)
    appointment_id: int | None  # None: any of the advisor's appointments


def _signature(secret: bytes, signed: str) -> str:
    digest = hmac.new(secret, signed.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def mint_advisor_token(secret: bytes, advisor_id: int, expires_at: int,
                       appointment_id: int | None = None) -> str:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the advisor token secret needs at least {MIN_SECRET_BYTES} bytes")
    if advisor_id < 1 or expires_at < 0 or (appointment_id is not None and appointment_id < 1):
        raise ValueError("ids are positive, the expiry is a Unix time")
    room = "*" if appointment_id is None else str(appointment_id)
    signed = f"{PREFIX}.{advisor_id}.{expires_at}.{room}"
    return f"{signed}.{_signature(secret, signed)}"


def parse_advisor_token_untrusted(token: str, secret: bytes, wall_now: float) -> AdvisorClaim:
    """Check shape, signature and expiry; ProtocolError (advisor-token-*) otherwise."""
    if len(secret) < MIN_SECRET_BYTES:
        raise ProtocolError("advisor tokens are not configured", codes.ADVISOR_TOKEN_INVALID)
    match = _SHAPE.fullmatch(token) if len(token) <= MAX_TOKEN_CHARS else None
    if match is None:
        raise ProtocolError("malformed advisor token", codes.ADVISOR_TOKEN_INVALID)
    signed, signature = token.rsplit(".", 1)
    if not hmac.compare_digest(_signature(secret, signed), signature):
        raise ProtocolError("advisor token signature does not verify",
                            codes.ADVISOR_TOKEN_INVALID)
    advisor_id, expires_at, room = int(match[1]), int(match[2]), match[3]
    if wall_now >= expires_at:
        raise ProtocolError("advisor token expired", codes.ADVISOR_TOKEN_EXPIRED)
    return AdvisorClaim(advisor_id, expires_at, None if room == "*" else int(room))
