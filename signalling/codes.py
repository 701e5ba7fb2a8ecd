"""Machine-readable error codes of the WebSocket protocol and the close codes it uses.

One place so the server, docs/signalling.md, signalling/schema.json and the web client agree on
the spelling (a test checks that the docs and the schema list every code here). SDP problems keep
the codes of `signalling.sdp.codes`; they reach the client unchanged.
"""

from __future__ import annotations

# -- framing and validation -------------------------------------------------------------------
BAD_JSON = "bad-json"  # not UTF-8 JSON (RFC 8259), or nested/huge beyond our bounds
BAD_MESSAGE = "bad-message"  # JSON, but a field is missing, of the wrong type or out of range
UNKNOWN_TYPE = "unknown-type"  # "type" names no message of this protocol version
UNSUPPORTED_VERSION = "unsupported-version"  # "v" is not a version this server speaks
FRAME_TOO_LARGE = "frame-too-large"  # over MAX_FRAME_BYTES
RATE_LIMITED = "rate-limited"  # too many messages or bytes per second

# -- session state and roles ------------------------------------------------------------------
NOT_JOINED = "not-joined"  # only join and ping are allowed before the join succeeded
ALREADY_JOINED = "already-joined"
FORBIDDEN = "forbidden"  # the message is not allowed for this role
NOT_ADMITTED = "not-admitted"  # the waiting-room gate: only admitted participants may do this
UNKNOWN_PARTICIPANT = "unknown-participant"  # admit/deny/remove named no one in this room
NOT_WAITING = "not-waiting"  # admit/deny of someone who is not waiting
ROOM_FULL = "room-full"
SHUTTING_DOWN = "shutting-down"  # the server stops admitting before it goes away

# -- identity -----------------------------------------------------------------------------------
ACCESS_DENIED = "access-denied"  # unknown, forged or replaced access token
ACCESS_TOO_EARLY = "access-too-early"
ACCESS_OVER = "access-over"
ACCESS_CANCELLED = "access-cancelled"
CONSENT_REQUIRED = "consent-required"  # the visit has no live consent for this appointment
ADVISOR_AUTH_REQUIRED = "advisor-auth-required"  # no session cookie and no advisor token
ADVISOR_TOKEN_INVALID = "advisor-token-invalid"
ADVISOR_TOKEN_EXPIRED = "advisor-token-expired"
NOT_YOUR_ROOM = "not-your-room"  # the appointment is not this advisor's (or does not exist)
RESUME_INVALID = "resume-invalid"  # the resume secret is unknown or belongs to someone else
ECHO_LIMIT = "echo-limit"  # too many echo sessions from this address, or in total

# -- negotiation --------------------------------------------------------------------------------
NO_OFFER = "no-offer"  # a subscribe answer with no offer outstanding
STALE_ANSWER = "stale-answer"  # an answer to an older offer version
TOO_MANY_TRACKS = "too-many-tracks"
BAD_CANDIDATE = "bad-candidate"
INTERNAL_ERROR = "internal-error"

ALL_CODES: frozenset[str] = frozenset(
    value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)
)

# WebSocket close codes (RFC 6455 §7.4.1)
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001  # server shutdown
CLOSE_POLICY_VIOLATION = 1008  # garbage, floods, oversized frames, a forbidden origin
CLOSE_TOO_BIG = 1009
