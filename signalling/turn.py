"""Time-limited TURN credentials in the coturn "TURN REST API" scheme, and the iceServers list.

draft-uberti-behave-turn-rest-00 §2.2 (as coturn implements it with `use-auth-secret`):
username = "<expiry Unix time>:<opaque id>", password = base64(HMAC-SHA1(secret, username)).
The TURN server recomputes the password from the username and refuses it after the expiry, so
the SFU never talks to the TURN server. The opaque id is random per participant — coturn logs
usernames, so no name or appointment number goes into it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from signalling.outbound import IceServer

TURN_SCHEMES = ("turn:", "turns:")  # RFC 7065 §3
STUN_SCHEMES = ("stun:", "stuns:")  # RFC 7064 §3


def turn_rest_credentials(secret: str, subject: str, wall_now: float,
                          lifetime_seconds: int) -> tuple[str, str]:
    """(username, password) valid until `wall_now + lifetime_seconds`."""
    if ":" in subject:
        raise ValueError("the subject must not contain ':' (it separates the expiry)")
    username = f"{int(wall_now) + int(lifetime_seconds)}:{subject}"
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers_for(urls: Sequence[str], secret: str, subject: str, wall_now: float,
                    lifetime_seconds: int) -> tuple[IceServer, ...]:
    """STUN URLs as one credential-less entry, TURN URLs as one entry with fresh credentials."""
    stun = tuple(u for u in urls if u.startswith(STUN_SCHEMES))
    turn = tuple(u for u in urls if u.startswith(TURN_SCHEMES))
    servers: list[IceServer] = []
    if stun:
        servers.append(IceServer(stun))
    if turn and secret:
        username, password = turn_rest_credentials(secret, subject, wall_now, lifetime_seconds)
        servers.append(IceServer(turn, username, password))
    return tuple(servers)
